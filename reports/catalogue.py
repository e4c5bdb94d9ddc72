"""The plan's evaluation indicators, as data (issue 14 item 1).

Each :class:`Indicator` says what it measures — the plan clause, the department whose target
management it belongs to, its definition (numerator, and denominator for a rate), its measure,
the dimensions it may be broken down by and its targets per plan period. Changing a target or
adding a plan period is a change of this table, not of code; how each indicator is computed
lives in ``reports.compute`` under the same key (a test holds the two to the same keys).

:data:`CATALOGUE` is in display order. Titles and definitions are English msgids; the Chinese
comes from the catalogue of translations, in the words of the plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Department(models.TextChoices):
    """Whose target management an indicator belongs to (plan 三.(二) 目标管理和业务考核)."""

    JOINT_OFFICE = "joint_office", _("Joint conference office")
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs")
    EDUCATION = "education", _("Education")
    LABOUR = "labour", _("Human resources and social security")
    LEGAL_AID = "legal_aid", _("Legal aid")


class Measure(models.TextChoices):
    COUNT = "count", _("Number")
    RATE = "rate", _("Share")
    MEDIAN_DAYS = "median_days", _("Median days")
    MONEY = "money", _("Amount (yuan)")


# The breakdowns every indicator over cases offers (issue 14 item 2).
PERSON = ("jurisdiction", "sex", "age_band", "nationality", "country", "exploitation")
# The plan period the targets are set for (keys of ``Indicator.targets``; see reports.periods).
PLAN_2021_2030 = "2021-2030"


@dataclass(frozen=True)
class Indicator:
    """One indicator of the evaluation. ``targets`` maps a plan-period key to the value to
    reach (a share from 0 to 1 for a rate); an indicator without a target has none."""

    key: str
    title: Promise
    clause: str
    department: Department
    definition: Promise
    measure: Measure
    dimensions: tuple[str, ...] = PERSON
    targets: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "targets", MappingProxyType(dict(self.targets)))

    def target(self, plan_period: str | None) -> float | None:
        """The target for the plan period (a key such as ``"2021-2030"``), or ``None``."""
        return self.targets.get(plan_period) if plan_period else None


def _catalogue(*indicators: Indicator) -> dict[str, Indicator]:
    catalogue = {indicator.key: indicator for indicator in indicators}
    if len(catalogue) != len(indicators):
        raise ValueError("two indicators share a key")
    return catalogue


CATALOGUE: dict[str, Indicator] = _catalogue(
    Indicator(
        key="cases_registered",
        title=_("Victims registered"),
        clause="三.(三).3",
        department=Department.JOINT_OFFICE,
        definition=_("Cases opened in the period (one per journey of a person)."),
        measure=Measure.COUNT,
    ),
    Indicator(
        key="shelter_admissions",
        title=_("Admitted to a shelter"),
        clause="三.(三).2",
        department=Department.CIVIL_AFFAIRS,
        definition=_(
            "Cases with an admission to a shelter, welfare home or children's welfare institution in the "
            "period; a transfer between shelters is not a new admission."
        ),
        measure=Measure.COUNT,
    ),
    Indicator(
        key="days_rescue_to_admission",
        title=_("Median days from rescue to shelter admission"),
        clause="三.(三).2",
        department=Department.CIVIL_AFFAIRS,
        definition=_(
            "Over the admissions of the period: the median number of days from the case's first rescue to the "
            "admission."
        ),
        measure=Measure.MEDIAN_DAYS,
    ),
    Indicator(
        key="school_age_sheltered_30_days",
        title=_("School-age children in a shelter 30 days or more"),
        clause="三.(三).6",
        department=Department.EDUCATION,
        definition=_("Children aged 6 to 15 at rescue whose stay in a shelter reached its 30th day in the period."),
        measure=Measure.COUNT,
    ),
    Indicator(
        key="school_enrolled_within_30_days",
        title=_("Share of school-age children enrolled within 30 days of admission"),
        clause="三.(三).6",
        department=Department.EDUCATION,
        definition=_(
            "Numerator: of the children counted in “School-age children in a shelter 30 days or more”, those "
            "with a school enrolment that began no later than 30 days after the admission and had not ended "
            "before it. Denominator: those children."
        ),
        measure=Measure.RATE,
        targets={PLAN_2021_2030: 1.0},
    ),
    Indicator(
        key="training_or_job_16_plus",
        title=_("People 16 or older not returning home who received vocational training or a job placement"),
        clause="三.(三).7",
        department=Department.LABOUR,
        definition=_(
            "Cases of people 16 or older at rescue, with no return plan (other than a cancelled one) to their "
            "family, another province or their country, whose vocational training or job placement began in "
            "the period."
        ),
        measure=Measure.COUNT,
    ),
    Indicator(
        key="legal_aid_opened",
        title=_("Legal aid matters opened"),
        clause="三.(三).4",
        department=Department.LEGAL_AID,
        definition=_("Legal aid matters applied for in the period."),
        measure=Measure.COUNT,
    ),
    Indicator(
        key="legal_aid_accepted",
        title=_("Legal aid matters accepted"),
        clause="三.(三).4",
        department=Department.LEGAL_AID,
        definition=_("Legal aid matters found eligible in the period (accepted, not rejected)."),
        measure=Measure.COUNT,
    ),
    Indicator(
        key="legal_aid_concluded",
        title=_("Legal aid matters concluded, by outcome"),
        clause="三.(三).4",
        department=Department.LEGAL_AID,
        definition=_("Legal aid matters concluded in the period."),
        measure=Measure.COUNT,
        dimensions=(*PERSON, "outcome"),
    ),
    Indicator(
        key="compensation_awarded",
        title=_("Compensation awarded"),
        clause="三.(三).4",
        department=Department.LEGAL_AID,
        definition=_(
            "Sum in yuan of the compensation awarded in the legal aid matters concluded in the period; "
            "suppressed when fewer matters than the minimum cell make it up."
        ),
        measure=Measure.MONEY,
        dimensions=(*PERSON, "outcome"),
    ),
    Indicator(
        key="compensation_received",
        title=_("Compensation received"),
        clause="三.(三).4",
        department=Department.LEGAL_AID,
        definition=_(
            "Sum in yuan of the compensation received in the legal aid matters concluded in the period; "
            "suppressed when fewer matters than the minimum cell make it up."
        ),
        measure=Measure.MONEY,
        dimensions=(*PERSON, "outcome"),
    ),
    Indicator(
        key="returns_home",
        title=_("Returns home, by pathway"),
        clause="三.(三).2",
        department=Department.CIVIL_AFFAIRS,
        definition=_("Cases whose return plan was completed (handed over) in the period."),
        measure=Measure.COUNT,
        dimensions=(*PERSON, "pathway"),
    ),
    Indicator(
        key="returns_inter_provincial",
        title=_("Returns to another province"),
        clause="五.3",
        department=Department.CIVIL_AFFAIRS,
        definition=_("Cases handed over to another province in the period."),
        measure=Measure.COUNT,
    ),
    Indicator(
        key="repatriations",
        title=_("Repatriations of foreign nationals"),
        clause="五.2",
        department=Department.CIVIL_AFFAIRS,
        definition=_("Cases of foreign nationals repatriated (handed over) in the period."),
        measure=Measure.COUNT,
    ),
    Indicator(
        key="follow_up_visits",
        title=_("Follow-up visits due, by status"),
        clause="三.(三).3",
        department=Department.CIVIL_AFFAIRS,
        definition=_(
            "Follow-up visits due in the period: done on time (on or before the due date), done late, waived, "
            "overdue (neither done nor waived, due before today) or not yet due."
        ),
        measure=Measure.COUNT,
        dimensions=(*PERSON, "visit_status"),
    ),
    Indicator(
        key="children_reunified",
        title=_("Children reunified with a family"),
        clause="二.(二), 三.(三)",
        department=Department.CIVIL_AFFAIRS,
        definition=_("Cases of people under 18 at rescue handed over to their family in the period."),
        measure=Measure.COUNT,
    ),
    Indicator(
        key="children_reunified_dna_matched",
        title=_("Share of reunified children with a DNA sample submitted and matched first"),
        clause="二.(二), 三.(三)",
        department=Department.CIVIL_AFFAIRS,
        definition=_(
            "Numerator: of the children counted in “Children reunified with a family”, those with a DNA sample "
            "submitted to the database and a confirmed match, both on or before the handover. Denominator: "
            "those children. The plan's rule is all of them."
        ),
        measure=Measure.RATE,
        targets={PLAN_2021_2030: 1.0},
    ),
    Indicator(
        key="days_rescue_to_return",
        title=_("Median days from rescue to return home"),
        clause="三.(三).2",
        department=Department.CIVIL_AFFAIRS,
        definition=_(
            "Over the returns of the period: the median number of days from the case's first rescue to the handover."
        ),
        measure=Measure.MEDIAN_DAYS,
        dimensions=(*PERSON, "pathway"),
    ),
    Indicator(
        key="open_cases",
        title=_("Open cases by stage at the end of the period"),
        clause="三.(三).3",
        department=Department.JOINT_OFFICE,
        definition=_(
            "Cases opened by the last day of the period and neither closed by then nor transferred to another "
            "province, by their stage on that day (from the dates of rescue, admission, return plan and "
            "handover)."
        ),
        measure=Measure.COUNT,
        dimensions=(*PERSON, "stage"),
    ),
    Indicator(
        key="cases_closed",
        title=_("Cases closed"),
        clause="三.(三).3",
        department=Department.JOINT_OFFICE,
        definition=_("Cases closed in the period."),
        measure=Measure.COUNT,
        dimensions=(*PERSON, "ending"),
    ),
    Indicator(
        key="referrals_answered",
        title=_("Share of referrals answered, by receiving department"),
        clause="三.(三)",
        department=Department.JOINT_OFFICE,
        definition=_(
            "Numerator: of the referrals sent in the period to an education, labour or legal aid organization, "
            "those it has answered (accepted, declined or completed). Denominator: those referrals."
        ),
        measure=Measure.RATE,
        dimensions=(*PERSON, "receiving_department"),
    ),
    Indicator(
        key="days_to_answer_referral",
        title=_("Median days to answer a referral, by receiving department"),
        clause="三.(三)",
        department=Department.JOINT_OFFICE,
        definition=_(
            "Over the referrals sent in the period and answered: the median number of whole days (of 24 hours) "
            "from sending to the answer (accepted or declined)."
        ),
        measure=Measure.MEDIAN_DAYS,
        dimensions=(*PERSON, "receiving_department"),
    ),
)
