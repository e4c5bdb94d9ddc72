"""Reads of the legal aid record — every one through ``LegalAidMatter.objects.visible_to(user)``
(the case scope, narrowed to the user's own centre for legal aid workers) and the section policy.

Guarantees: a matter or activity outside the user's reach — another centre's, a case out of
scope, or any matter for a role that may not read the ``legal_aid`` section — is
:class:`registry.errors.NotFound`, exactly like an absent one. Callers log the read
(``registry.audit.log_read``) with the sections shown (``legal_aid``).

The case file's ``legal_aid`` section (:func:`case_matters`, declared in ``sections.py``) is a
list of the case's matters the user sees, each with its activities, oldest first.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import F, OuterRef, Prefetch, Subquery
from django.utils.translation import gettext as _

from legal_aid.choices import OPEN_STATUSES
from legal_aid.models import LegalAidActivity, LegalAidMatter
from registry import policy
from registry.casefile import by_key, record_dict
from registry.errors import NotFound
from registry.policy import Scope, Section
from victims.models import Case

# The fields each record shows (API, case file, dossiers), in order.
MATTER_FIELDS = (
    "centre",
    "referral",
    "matter_type",
    "summary",
    "applied_on",
    "status",
    "decided_on",
    "decision_reason",
    "lawyer",
    "started_on",
    "concluded_on",
    "outcome",
    "outcome_description",
    "compensation_awarded",
    "compensation_received",
    "compensation_received_on",
)
ACTIVITY_FIELDS = ("matter", "kind", "occurred_on", "hours", "notes", "next_step", "next_step_due", "recorded_by")


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    # Amounts as text ("12000.00"): a float would round money.
    return {name: str(value) if isinstance(value, Decimal) else value for name, value in data.items()}


def activity_dict(activity: LegalAidActivity) -> dict[str, Any]:
    return _plain(record_dict(activity, ACTIVITY_FIELDS))


def next_step_of(activities: list[LegalAidActivity]) -> tuple[str | None, Any]:
    """The matter's next step and its deadline: those the most recent activity left (each
    activity says what comes next, so an earlier one's step is taken to be done)."""
    if not activities:
        return None, None
    latest = max(activities, key=lambda activity: (activity.occurred_on, activity.pk))
    return latest.next_step, latest.next_step_due


def matter_dict(matter: LegalAidMatter, activities: list[LegalAidActivity]) -> dict[str, Any]:
    """A matter with its activities (oldest first) and its next deadline."""
    data = _plain(record_dict(matter, MATTER_FIELDS))
    _step, data["next_deadline"] = next_step_of(activities)
    data["activities"] = [activity_dict(activity) for activity in activities]
    return data


def check_readable(user) -> None:
    """NotFound unless the user's role reads the ``legal_aid`` section (to it, no matter exists)."""
    if not policy.may_read(user, Section.LEGAL_AID):
        raise NotFound(_("No such legal aid matter."))


def _matters(user):
    return LegalAidMatter.objects.visible_to(user).select_related("centre", "referral", "lawyer")


def _with_activities(matters):
    activities = LegalAidActivity.objects.select_related("recorded_by").order_by("occurred_on", "id")
    return matters.prefetch_related(Prefetch("activities", queryset=activities, to_attr="activity_log"))


def case_matters(user, case: Case) -> list[dict[str, Any]]:
    """The matters of ``case`` (a case from ``victims.selectors.case_for``) that ``user`` sees,
    with their activities: the ``legal_aid`` section of the case file. NotFound when the role may
    not read the section."""
    check_readable(user)
    matters = _with_activities(_matters(user).filter(case=case).order_by())
    return [matter_dict(matter, matter.activity_log) for matter in by_key(matters, "applied_on", "pk")]


def matter_for(user, matter_id, *, case: Case | None = None) -> LegalAidMatter:
    """The matter with UUID ``matter_id`` if ``user`` sees it (and it is on ``case`` when one is
    given); NotFound otherwise — also for another centre's matter and a malformed id."""
    check_readable(user)
    rows = _matters(user).select_related("case")
    if case is not None:
        rows = rows.filter(case=case)
    return rows.one(matter_id, missing=_("No such legal aid matter."))


def matter_detail(matter: LegalAidMatter) -> dict[str, Any]:
    """One matter (from :func:`matter_for`) with its activities."""
    activities = list(
        LegalAidActivity.objects.filter(matter=matter).select_related("recorded_by").order_by("occurred_on", "id")
    )
    for activity in activities:
        activity.matter = matter
    return matter_dict(matter, activities)


def matter_activities(matter: LegalAidMatter) -> list[dict[str, Any]]:
    """The activities of a matter (from :func:`matter_for`), oldest first."""
    return matter_detail(matter)["activities"]


def activity_for(user, activity_id, *, matter: LegalAidMatter | None = None) -> LegalAidActivity:
    """The activity with UUID ``activity_id`` if ``user`` sees it (and it is of ``matter`` when
    one is given); NotFound otherwise."""
    check_readable(user)
    rows = LegalAidActivity.objects.visible_to(user).select_related("matter__case", "recorded_by", "case")
    if matter is not None:
        rows = rows.filter(matter=matter)
    return rows.one(activity_id, missing=_("No such activity."))


def matters_for(user):
    """The worklist: the open matters (applied, accepted, in progress) ``user`` sees — for a
    legal aid worker, their centre's — each annotated with ``next_deadline`` and ``next_step``
    (those the latest activity left), soonest deadline first, matters without one last. Empty
    for a role that may not read the section."""
    if not policy.may_read(user, Section.LEGAL_AID):
        return LegalAidMatter.objects.none()
    latest = LegalAidActivity.objects.filter(matter=OuterRef("pk")).order_by("-occurred_on", "-id")
    return (
        LegalAidMatter.objects.visible_to(user)
        .filter(status__in=OPEN_STATUSES)
        .select_related("case", "lawyer")
        .annotate(
            next_deadline=Subquery(latest.values("next_step_due")[:1]),
            next_step=Subquery(latest.values("next_step")[:1]),
        )
        .order_by(F("next_deadline").asc(nulls_last=True), "applied_on", "id")
    )


def own_centre_matters(user, rows):
    """``rows`` of matters (or their history), narrowed as ``visible_to`` narrows the matters: a
    legal aid worker gets their own centre's only."""
    if policy.scope_of(user) is Scope.REFERRAL:
        rows = rows.filter(centre=user.organization_id)
    return rows


def own_centre_activities(user, rows):
    """``rows`` of activities (or their history) of the matters :func:`own_centre_matters` leaves."""
    if policy.scope_of(user) is Scope.REFERRAL:
        rows = rows.filter(matter__centre=user.organization_id)
    return rows
