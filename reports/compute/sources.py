"""Where each indicator of the catalogue is read from: its rows, what it counts, and the
expressions of its own dimensions — one :class:`Source` per key of ``reports.catalogue``.

Every expression here is over plain columns (dates, choices, codes, amounts): no encrypted
column is read, filtered or decrypted. Reports read aggregates, never rows: these querysets
are only ever grouped and counted by ``reports.compute.aggregate``; they start from the models'
managers without ``visible_to`` on purpose — an aggregate report is not a read of a case (DESIGN
§3: auditors see no case and read the reports), and its scope is the jurisdiction that
``reports.access`` grants the reader. They count the records in force only
(``CaseRecordQuerySet.current``): a record voided as entered by mistake counts nowhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import MappingProxyType

from django.db import NotSupportedError
from django.db.models import (
    Case,
    CharField,
    Exists,
    Expression,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone

from legal_aid.choices import MatterStatus
from legal_aid.models import LegalAidMatter
from reports.catalogue import Department
from reports.dimensions import UNKNOWN_ENDING
from reports.periods import Period
from services.choices import Pathway, ReturnPlanStatus
from services.models import (
    EmploymentPlacement,
    FollowUpVisit,
    ReturnPlan,
    SchoolEnrollment,
    ShelterPlacement,
    VocationalTraining,
)
from victims.choices import AgeBand, DNAMatch, ReferralStatus, Service, Stage
from victims.models import Case as CaseModel
from victims.models import DNASample, Referral

SCHOOL_AGE = (AgeBand.AGE_6_13, AgeBand.AGE_14_15)
SIXTEEN_PLUS = (AgeBand.AGE_16_17, AgeBand.ADULT)
MINORS = (AgeBand.UNDER_6, AgeBand.AGE_6_13, AgeBand.AGE_14_15, AgeBand.AGE_16_17)
SHELTER_DAYS = 30  # plan 三.6: a school-age child in a shelter this long must be at school
# Pathways that take the person back to their native place (plan 三.7's "回原住地").
HOMEWARD = (Pathway.FAMILY_REUNIFICATION, Pathway.INTER_PROVINCIAL, Pathway.REPATRIATION)
ANSWERED = (ReferralStatus.ACCEPTED, ReferralStatus.DECLINED, ReferralStatus.COMPLETED)
NOT_SENT = (ReferralStatus.AWAITING_APPROVAL, ReferralStatus.REVOKED, ReferralStatus.REJECTED)
SERVICE_DEPARTMENT = {
    Service.SCHOOLING: Department.EDUCATION,
    Service.TRAINING: Department.LABOUR,
    Service.LEGAL_AID: Department.LEGAL_AID,
}

Rows = Callable[[Period, date], Q]
DimensionExpression = Callable[[Period, date], Expression]


@dataclass(frozen=True)
class Source:
    """How one indicator is read.

    - ``model`` and ``case``: the rows and the path from a row to its case (``""`` for the
      case itself, ``"case__"`` for a record on it); the person's dimensions follow that path.
    - ``rows(period, today)``: the rows that count in the period.
    - ``per_case``: count distinct cases (people on a journey) rather than rows (matters, visits).
    - ``numerator(period)``: for a rate, the condition on a counted row.
    - ``days()``: for a median, the row's number of whole days (:class:`WholeDays`; rows
      where it is null are left out).
    - ``amount``: for money, the field summed.
    - ``dimensions``: the indicator's own dimensions (pathway, outcome, stage…), as expressions.
    """

    model: type
    case: str
    rows: Rows
    per_case: bool = True
    numerator: Callable[[Period], Q] | None = None
    days: Callable[[], Expression] | None = None
    amount: str | None = None
    dimensions: Mapping[str, DimensionExpression] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "dimensions", MappingProxyType(dict(self.dimensions)))

    @property
    def case_key(self) -> str:
        """The column holding the row's case id (for counting cases and probing records)."""
        return "pk" if not self.case else "case_id"


# --- building blocks ---------------------------------------------------------------------------


def within(name: str, period: Period, *, shift: timedelta = timedelta(0)) -> Q:
    """The date ``name`` falls in the period (moved back by ``shift``)."""
    return Q(**{f"{name}__gte": period.start - shift, f"{name}__lte": period.end - shift})


def day_start(day: date) -> datetime:
    """The first moment of ``day`` in the registry's time zone."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def on_days_of(name: str, period: Period) -> Q:
    """The time ``name`` falls on a day of the period, in the registry's time zone (a range on
    the column, so its index serves)."""
    return Q(**{f"{name}__gte": day_start(period.start), f"{name}__lt": day_start(period.end + timedelta(days=1))})


class WholeDays(Func):
    """Whole days from ``earlier`` to ``later`` — two dates, or two times (then elapsed days of
    24 hours, rounded down) — as an integer, with each database's own date arithmetic (no
    function of Django's Python date library called per row on SQLite)."""

    output_field = IntegerField()
    arity = 2

    def _parts(self, compiler, connection):
        later, later_params = compiler.compile(self.source_expressions[0])
        earlier, earlier_params = compiler.compile(self.source_expressions[1])
        return later, earlier, (*later_params, *earlier_params)

    def as_sqlite(self, compiler, connection, **extra_context):
        later, earlier, params = self._parts(compiler, connection)
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)", params

    def as_postgresql(self, compiler, connection, **extra_context):
        later, earlier, params = self._parts(compiler, connection)
        sql = f"FLOOR(EXTRACT(EPOCH FROM (({later})::timestamptz - ({earlier})::timestamptz)) / 86400)::integer"
        return sql, params

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError("WholeDays is written for SQLite and PostgreSQL")


def days_between(later, earlier) -> WholeDays:
    return WholeDays(later, earlier)


def _choice(name: str) -> DimensionExpression:
    return lambda period, today: F(name)


# --- the rows of each family -------------------------------------------------------------------


def _admissions(period: Period, today: date) -> Q:
    return within("admitted_on", period) & Q(transferred_from__isnull=True)


def _school_age_30_days(period: Period, today: date) -> Q:
    """Placements of a child of school age whose 30th day in the shelter falls in the period."""
    stay = days_between(F("discharged_on"), F("admitted_on"))
    return (
        Q(case__age_band__in=SCHOOL_AGE)
        & within("admitted_on", period, shift=timedelta(days=SHELTER_DAYS))
        & (Q(discharged_on__isnull=True) | Q(GreaterThanOrEqual(stay, SHELTER_DAYS)))
    )


def _enrolled_within_30_days(period: Period) -> Q:
    enrolments = (
        SchoolEnrollment.objects.current()
        .filter(case_id=OuterRef("case_id"))
        .annotate(delay=days_between(F("started_on"), OuterRef("admitted_on")))
        .filter(delay__lte=SHELTER_DAYS)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=OuterRef("admitted_on")))
    )
    return Q(Exists(enrolments))


def _training_or_job(period: Period, today: date) -> Q:
    # The cases of the period's trainings and jobs (a few thousand), not a probe per case.
    trained = VocationalTraining.objects.current().filter(within("started_on", period)).values("case_id")
    employed = EmploymentPlacement.objects.current().filter(within("started_on", period)).values("case_id")
    homeward = (
        ReturnPlan.objects.current()
        .filter(case_id=OuterRef("pk"), pathway__in=HOMEWARD)
        .exclude(status=ReturnPlanStatus.CANCELLED)
    )
    return Q(age_band__in=SIXTEEN_PLUS) & (Q(pk__in=trained) | Q(pk__in=employed)) & ~Q(Exists(homeward))


def _returns(*, pathway: str | None = None, minors: bool = False) -> Rows:
    def rows(period: Period, today: date) -> Q:
        condition = Q(status=ReturnPlanStatus.COMPLETED) & within("handover_on", period)
        if pathway:
            condition &= Q(pathway=pathway)
        if minors:
            condition &= Q(case__age_band__in=MINORS)
        return condition

    return rows


def _dna_first(period: Period) -> Q:
    samples = DNASample.objects.current().filter(
        case_id=OuterRef("case_id"),
        match=DNAMatch.CONFIRMED,
        submitted_on__lte=OuterRef("handover_on"),
        matched_on__lte=OuterRef("handover_on"),
    )
    return Q(Exists(samples))


def _visit_status(period: Period, today: date) -> Expression:
    return Case(
        When(visited_on__isnull=False, visited_on__lte=F("due_on"), then=Value("on_time")),
        When(visited_on__isnull=False, then=Value("late")),
        When(waived_on__isnull=False, then=Value("waived")),
        When(due_on__lt=today, then=Value("overdue")),
        default=Value("not_yet_due"),
        output_field=CharField(),
    )


def _open_at_end(period: Period, today: date) -> Q:
    return Q(opened_on__lte=period.end) & ~Q(closed_on__lte=period.end) & ~Q(stage=Stage.TRANSFERRED)


def _stage_at_end(period: Period, today: date) -> Expression:
    """The stage a case was in on the period's last day, from the dates of its records (the
    stage column holds only today's)."""
    end = period.end
    plans = ReturnPlan.objects.current().filter(case_id=OuterRef("pk"))
    returned = plans.filter(status=ReturnPlanStatus.COMPLETED, handover_on__lte=end)
    planned = plans.filter(created_at__lt=day_start(end + timedelta(days=1))).exclude(status=ReturnPlanStatus.CANCELLED)
    admitted = ShelterPlacement.objects.current().filter(case_id=OuterRef("pk"), admitted_on__lte=end)
    return Case(
        When(Exists(returned), then=Value(Stage.RETURNED.value)),
        When(Exists(planned), then=Value(Stage.RETURN_PLANNED.value)),
        When(Exists(admitted), then=Value(Stage.SHELTERED.value)),
        default=Value(Stage.REGISTERED.value),
        output_field=CharField(),
    )


def _ending(period: Period, today: date) -> Expression:
    """How a closed case ended; ``unknown`` for a case closed before endings were recorded."""
    return Case(When(ending="", then=Value(UNKNOWN_ENDING)), default=F("ending"), output_field=CharField())


def _referrals_sent(period: Period, today: date) -> Q:
    return on_days_of("created_at", period) & ~Q(status__in=NOT_SENT)


def _receiving_department(period: Period, today: date) -> Expression:
    return Case(
        *(When(service=service, then=Value(department.value)) for service, department in SERVICE_DEPARTMENT.items()),
        output_field=CharField(),
    )


def _legal_aid(name: str, *extra: Q) -> Rows:
    def rows(period: Period, today: date) -> Q:
        condition = within(name, period)
        for more in extra:
            condition &= more
        return condition

    return rows


_CONCLUDED = _legal_aid("concluded_on", Q(status=MatterStatus.CONCLUDED))
_RETURNS = _returns()

SOURCES: dict[str, Source] = {
    "cases_registered": Source(CaseModel, "", lambda period, today: within("opened_on", period)),
    "shelter_admissions": Source(ShelterPlacement, "case__", _admissions),
    "days_rescue_to_admission": Source(
        ShelterPlacement,
        "case__",
        _admissions,
        per_case=False,
        days=lambda: days_between(F("admitted_on"), F("case__rescued_on")),
    ),
    "school_age_sheltered_30_days": Source(ShelterPlacement, "case__", _school_age_30_days),
    "school_enrolled_within_30_days": Source(
        ShelterPlacement, "case__", _school_age_30_days, numerator=_enrolled_within_30_days
    ),
    "training_or_job_16_plus": Source(CaseModel, "", _training_or_job),
    "legal_aid_opened": Source(LegalAidMatter, "case__", _legal_aid("applied_on"), per_case=False),
    "legal_aid_accepted": Source(
        LegalAidMatter, "case__", _legal_aid("decided_on", ~Q(status=MatterStatus.REJECTED)), per_case=False
    ),
    "legal_aid_concluded": Source(
        LegalAidMatter, "case__", _CONCLUDED, per_case=False, dimensions={"outcome": _choice("outcome")}
    ),
    "compensation_awarded": Source(
        LegalAidMatter,
        "case__",
        _CONCLUDED,
        per_case=False,
        amount="compensation_awarded",
        dimensions={"outcome": _choice("outcome")},
    ),
    "compensation_received": Source(
        LegalAidMatter,
        "case__",
        _CONCLUDED,
        per_case=False,
        amount="compensation_received",
        dimensions={"outcome": _choice("outcome")},
    ),
    "returns_home": Source(ReturnPlan, "case__", _RETURNS, dimensions={"pathway": _choice("pathway")}),
    "returns_inter_provincial": Source(ReturnPlan, "case__", _returns(pathway=Pathway.INTER_PROVINCIAL)),
    "repatriations": Source(ReturnPlan, "case__", _returns(pathway=Pathway.REPATRIATION)),
    "follow_up_visits": Source(
        FollowUpVisit,
        "case__",
        lambda period, today: within("due_on", period),
        per_case=False,
        dimensions={"visit_status": _visit_status},
    ),
    "children_reunified": Source(ReturnPlan, "case__", _returns(pathway=Pathway.FAMILY_REUNIFICATION, minors=True)),
    "children_reunified_dna_matched": Source(
        ReturnPlan,
        "case__",
        _returns(pathway=Pathway.FAMILY_REUNIFICATION, minors=True),
        numerator=_dna_first,
    ),
    "days_rescue_to_return": Source(
        ReturnPlan,
        "case__",
        _RETURNS,
        per_case=False,
        days=lambda: days_between(F("handover_on"), F("case__rescued_on")),
        dimensions={"pathway": _choice("pathway")},
    ),
    "open_cases": Source(CaseModel, "", _open_at_end, dimensions={"stage": _stage_at_end}),
    "cases_closed": Source(
        CaseModel, "", lambda period, today: within("closed_on", period), dimensions={"ending": _ending}
    ),
    "referrals_answered": Source(
        Referral,
        "case__",
        _referrals_sent,
        per_case=False,
        numerator=lambda period: Q(status__in=ANSWERED),
        dimensions={"receiving_department": _receiving_department},
    ),
    "days_to_answer_referral": Source(
        Referral,
        "case__",
        _referrals_sent,
        per_case=False,
        days=lambda: days_between(F("answered_at"), F("created_at")),
        dimensions={"receiving_department": _receiving_department},
    ),
}
