"""The items due on a day, one function per kind of reminder, each returning its
:class:`~inbox.reminders.items.Reminder` list.

They run without a user, so they read plain columns only (dates, statuses, choices, ids, the
case number, the age band): nothing is decrypted. A case in a closed stage
(``victims.stages.CLOSED_STAGES``) gets no reminder. Each is one query over the items (an index
or a join, never a query per item) plus :mod:`inbox.reminders.audiences`' few queries for the
recipients — about 20 queries for the five kinds, whatever the number of cases.

- :func:`follow_ups_due`: a follow-up visit due today or overdue, neither done nor waived → the case team.
- :func:`care_plan_reviews_due`: a care plan whose next review is due today or overdue → the case team.
- :func:`enrolments_missing`: a child's schooling referral accepted at least
  ``ENROLMENT_MISSING_DAYS`` days ago and still accepted, with no current school enrolment on
  the case → the education organization's staff and the case team.
- :func:`referrals_unanswered`: a referral pending for ``REFERRAL_UNANSWERED_DAYS`` days since it
  was made → the receiving organization's staff of the service's department; a child's referral
  awaiting approval as long → civil affairs over the case.
- :func:`legal_aid_deadlines`: an open legal aid matter whose next step (the one its latest
  activity left, as ``legal_aid.selectors.next_step_of`` reads it) falls due within
  ``LEGAL_AID_DEADLINE_DAYS`` days → the centre's legal aid workers.
"""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from care.models import CarePlan
from inbox.choices import NotificationKind
from inbox.reminders import audiences
from inbox.reminders.items import Reminder
from legal_aid.choices import OPEN_STATUSES
from legal_aid.models import LegalAidActivity, LegalAidMatter
from registry.choices import Role
from registry.policy import REFERRAL_SECTION
from services.models import FollowUpVisit, SchoolEnrollment
from victims.choices import AgeBand, ReferralStatus, Service
from victims.models import Referral
from victims.stages import CLOSED_STAGES

ENROLMENT_MISSING_DAYS = 30
REFERRAL_UNANSWERED_DAYS = 7
LEGAL_AID_DEADLINE_DAYS = 3
# The role that answers a referral of each service (the department's, registry.policy).
RECEIVER_ROLE: dict[Service, Role] = {Service(section.value): role for role, section in REFERRAL_SECTION.items()}
_CASE = ("uuid", "case_id", "case__uuid", "case__number")


def _open_cases(records: QuerySet) -> QuerySet:
    return records.exclude(case__stage__in=CLOSED_STAGES)


def _days_ago(day: datetime.date, days: int) -> datetime.datetime:
    """The instant before which something happened at least ``days`` whole days before ``day``
    (local midnight of the day after ``day - days``)."""
    return timezone.make_aware(datetime.datetime.combine(day - datetime.timedelta(days=days - 1), datetime.time.min))


def _reminder(kind: NotificationKind, row: tuple, due_on, recipients) -> Reminder:
    subject, _case_id, case_uuid, case_number = row[:4]
    return Reminder(kind, subject, case_uuid, case_number, due_on, frozenset(recipients))


def _to_case_teams(kind: NotificationKind, records: QuerySet, due_field: str) -> list[Reminder]:
    teams = audiences.case_teams(records)
    return [_reminder(kind, row, row[4], teams.get(row[1], ())) for row in records.values_list(*_CASE, due_field)]


def follow_ups_due(day: datetime.date) -> list[Reminder]:
    visits = _open_cases(FollowUpVisit.objects.filter(due_on__lte=day, visited_on__isnull=True, waived_on__isnull=True))
    return _to_case_teams(NotificationKind.FOLLOW_UP_DUE, visits, "due_on")


def care_plan_reviews_due(day: datetime.date) -> list[Reminder]:
    plans = _open_cases(CarePlan.objects.filter(next_review_on__lte=day))
    return _to_case_teams(NotificationKind.CARE_PLAN_REVIEW_DUE, plans, "next_review_on")


def enrolments_missing(day: datetime.date) -> list[Reminder]:
    enrolled = SchoolEnrollment.objects.filter(case=OuterRef("case"), started_on__lte=day).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=day)
    )
    referrals = _open_cases(
        Referral.objects.filter(
            service=Service.SCHOOLING,
            status=ReferralStatus.ACCEPTED,
            answered_at__lt=_days_ago(day, ENROLMENT_MISSING_DAYS),
        )
        .exclude(case__age_band=AgeBand.ADULT)
        .exclude(Exists(enrolled))
    )
    teams = audiences.case_teams(referrals)
    staff = audiences.organization_staff(referrals.values("to_organization_id"), [Role.EDUCATION])
    late = datetime.timedelta(days=ENROLMENT_MISSING_DAYS)
    return [
        _reminder(
            NotificationKind.ENROLMENT_MISSING, row, timezone.localdate(row[5]) + late,
            teams.get(row[1], set()) | staff.get((row[4], Role.EDUCATION), set()),
        )
        for row in referrals.values_list(*_CASE, "to_organization_id", "answered_at")
    ]  # fmt: skip


def referrals_unanswered(day: datetime.date) -> list[Reminder]:
    since = _days_ago(day, REFERRAL_UNANSWERED_DAYS)
    late = datetime.timedelta(days=REFERRAL_UNANSWERED_DAYS)
    old = _open_cases(Referral.objects.filter(created_at__lt=since))
    pending = old.filter(status=ReferralStatus.PENDING)
    staff = audiences.organization_staff(pending.values("to_organization_id"), RECEIVER_ROLE.values())
    reminders = [
        _reminder(
            NotificationKind.REFERRAL_UNANSWERED, row, timezone.localdate(row[6]) + late,
            staff.get((row[4], RECEIVER_ROLE[Service(row[5])]), ()),
        )
        for row in pending.values_list(*_CASE, "to_organization_id", "service", "created_at")
    ]  # fmt: skip
    officers = audiences.civil_affairs_officers()
    reminders += [
        _reminder(
            NotificationKind.REFERRAL_UNANSWERED, row, timezone.localdate(row[5]) + late,
            audiences.over(officers, row[4]),
        )
        for row in old.filter(status=ReferralStatus.AWAITING_APPROVAL).values_list(
            *_CASE, "case__jurisdiction__code", "created_at"
        )
    ]  # fmt: skip
    return reminders


def legal_aid_deadlines(day: datetime.date) -> list[Reminder]:
    latest = LegalAidActivity.objects.filter(matter=OuterRef("pk")).order_by("-occurred_on", "-id")
    matters = _open_cases(
        LegalAidMatter.objects.filter(status__in=OPEN_STATUSES)
        .annotate(deadline=Subquery(latest.values("next_step_due")[:1]), step=Subquery(latest.values("uuid")[:1]))
        .filter(deadline__gte=day, deadline__lte=day + datetime.timedelta(days=LEGAL_AID_DEADLINE_DAYS))
    )
    staff = audiences.organization_staff(matters.values("centre_id"), [Role.LEGAL_AID])
    # The item is the activity that set the deadline: a new step due is a new item.
    return [
        _reminder(NotificationKind.LEGAL_AID_DEADLINE, (step, *row), deadline, staff.get((centre, Role.LEGAL_AID), ()))
        for step, *row, centre, deadline in matters.values_list("step", *_CASE[1:], "centre_id", "deadline")
    ]


PROVIDERS = (follow_ups_due, care_plan_reviews_due, enrolments_missing, referrals_unanswered, legal_aid_deadlines)
