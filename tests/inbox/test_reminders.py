"""The daily reminders (``inbox.reminders``, ``manage.py send_reminders``): each kind's
selection and recipients, once per item and day, nothing for a closed case, bounded queries."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inbox.choices import NotificationKind
from inbox.models import Notification
from inbox.reminders import send_reminders
from legal_aid.choices import MatterStatus
from registry.choices import Role
from services.models import SchoolEnrollment
from tests.factories import UserFactory
from tests.inbox.reminder_fixtures import TODAY, care_plan, days, legal_aid_step, new_case, recorded, referral, visit
from victims.choices import ReferralStatus, Service, Stage

pytestmark = pytest.mark.django_db


def reminded(kind=None, day=TODAY) -> set[tuple[str, str]]:
    """``{(username, reminder key)}`` of the reminders written for ``day``."""
    rows = Notification.objects.filter(reminder_day=day).exclude(reminder_key="")
    if kind is not None:
        rows = rows.filter(kind=kind)
    return set(rows.values_list("recipient__username", "reminder_key"))


def test_a_follow_up_due_or_overdue_reminds_the_lead_organizations_caseworkers_once_a_day(cast, places):
    case = new_case(cast, places)
    due, overdue, later = visit(case, TODAY), visit(case, days(-10)), visit(case, days(1))
    send_reminders(day=TODAY)
    send_reminders(day=TODAY)
    expected = {("alice", f"follow_up_due:{due.uuid}"), ("alice", f"follow_up_due:{overdue.uuid}")}
    assert reminded(NotificationKind.FOLLOW_UP_DUE) == expected
    row = Notification.objects.get(reminder_key=f"follow_up_due:{overdue.uuid}")
    assert (row.case_uuid, row.case_number, row.subject_uuid, row.due_on) == (
        case.uuid,
        case.number,
        overdue.uuid,
        days(-10),
    )
    send_reminders(day=days(1))  # still due the next day: reminded again, and the visit due then too
    assert {key for _, key in reminded(day=days(1))} == {key for _, key in expected} | {f"follow_up_due:{later.uuid}"}
    assert Notification.objects.filter(kind=NotificationKind.FOLLOW_UP_DUE).count() == 5


def test_a_visit_done_or_waived_or_a_closed_case_reminds_nobody(cast, places):
    case = new_case(cast, places)
    visit(case, days(-3), visited_on=days(-2))
    visit(case, days(-3), waived_on=days(-1), waived_by=cast.dave, waiver_reason="已迁居（虚构）")
    closed = new_case(cast, places)
    visit(closed, days(-3))
    closed.stage = Stage.CLOSED
    recorded(closed.save)()
    transferred = new_case(cast, places)
    visit(transferred, days(-3))
    transferred.stage = Stage.TRANSFERRED
    recorded(transferred.save)()
    assert send_reminders(day=TODAY).written == {}
    assert not Notification.objects.exists()


def test_the_assigned_caseworkers_are_reminded_instead_of_the_whole_organization(cast, places):
    amy = UserFactory(username="amy", role=Role.CASEWORKER, organization=places.fz_shelter)
    gone = UserFactory(username="gone", role=Role.CASEWORKER, organization=places.fz_shelter, is_active=False)
    assigned, stale = new_case(cast, places), new_case(cast, places)
    assigned.assigned_caseworkers.set([amy])
    stale.assigned_caseworkers.set([gone, cast.carol])  # inactive, and of another organization: nobody left
    first, second = visit(assigned, TODAY), visit(stale, TODAY)
    send_reminders(day=TODAY)
    assert reminded() == {("amy", f"follow_up_due:{first.uuid}"), ("alice", f"follow_up_due:{second.uuid}"),
                          ("amy", f"follow_up_due:{second.uuid}")}  # fmt: skip


def test_a_care_plan_review_due_reminds_the_case_team(cast, places):
    due = care_plan(new_case(cast, places), cast, TODAY)
    care_plan(new_case(cast, places), cast, days(2))
    send_reminders(day=TODAY)
    assert reminded() == {("alice", f"care_plan_review_due:{due.uuid}")}


def test_a_childs_school_enrolment_missing_30_days_after_the_referral(cast, places):
    late = referral(new_case(cast, places, age=10), cast, places.fz_education, status=ReferralStatus.ACCEPTED,
                    answered_days_ago=31)  # fmt: skip
    referral(new_case(cast, places, age=10), cast, places.fz_education, status=ReferralStatus.ACCEPTED,
             answered_days_ago=29)  # fmt: skip
    referral(new_case(cast, places, age=30), cast, places.fz_education, status=ReferralStatus.ACCEPTED,
             answered_days_ago=40)  # fmt: skip
    enrolled = new_case(cast, places, age=10)
    referral(enrolled, cast, places.fz_education, status=ReferralStatus.ACCEPTED, answered_days_ago=40)
    recorded(SchoolEnrollment.objects.create)(case=enrolled, school="鼓楼区某小学（虚构）", started_on=days(-5))
    send_reminders(day=TODAY)
    key = f"enrolment_missing:{late.uuid}"
    assert reminded() == {("bob", key), ("alice", key)}
    assert Notification.objects.filter(reminder_key=key).first().due_on == days(-1)


def test_a_referral_unanswered_for_7_days_reminds_its_receivers_and_an_unapproved_one_civil_affairs(cast, places):
    schooling = referral(new_case(cast, places), cast, places.fz_education, age_days=8)
    legal = referral(new_case(cast, places), cast, places.fz_legal_aid, service=Service.LEGAL_AID, age_days=7)
    referral(new_case(cast, places), cast, places.fz_education, age_days=6)
    referral(new_case(cast, places), cast, places.fz_education, age_days=30, status=ReferralStatus.DECLINED)
    child = referral(new_case(cast, places, age=10), cast, places.fz_education, age_days=9,
                     status=ReferralStatus.AWAITING_APPROVAL)  # fmt: skip
    send_reminders(day=TODAY)
    assert reminded() == {
        ("bob", f"referral_unanswered:{schooling.uuid}"),
        ("erin", f"referral_unanswered:{legal.uuid}"),
        ("dave", f"referral_unanswered:{child.uuid}"),
    }


def test_a_legal_aid_deadline_within_3_days_reminds_the_centres_workers(cast, places):
    soon = legal_aid_step(new_case(cast, places), cast, places, days(3))
    legal_aid_step(new_case(cast, places), cast, places, days(4))
    legal_aid_step(new_case(cast, places), cast, places, days(-1))
    legal_aid_step(new_case(cast, places), cast, places, days(1), status=MatterStatus.REJECTED)
    send_reminders(day=TODAY)
    assert reminded() == {("erin", f"legal_aid_deadline:{soon.uuid}")}
    assert Notification.objects.get().due_on == days(3)


def test_a_run_costs_the_same_queries_for_one_item_or_many(cast, places):
    def queries(day):
        with CaptureQueriesContext(connection) as captured:
            send_reminders(day=day)
        return len(captured)

    few = [new_case(cast, places)]
    visit(few[0], TODAY)
    one = queries(TODAY)
    for case in [new_case(cast, places) for _ in range(4)]:
        visit(case, TODAY)
        care_plan(case, cast, TODAY)
        referral(case, cast, places.fz_education, age_days=8)
        legal_aid_step(case, cast, places, days(2))
    assert queries(days(1)) == one
    assert Notification.objects.filter(reminder_day=days(1)).count() == 1 + 4 * 4


def test_the_command_prints_counts_and_no_personal_value(cast, places):
    case = new_case(cast, places, seed=77, full_name="金丝雀测试人", age=10)
    visit(case, TODAY)
    referral(case, cast, places.fz_education, age_days=8)
    out = io.StringIO()
    call_command("send_reminders", "--day", TODAY.isoformat(), stdout=out)
    call_command("send_reminders", "--day", TODAY.isoformat(), stdout=out)
    printed = out.getvalue()
    assert "follow_up_due: 1 due, 1 written" in printed and "follow_up_due: 1 due, 0 written" in printed
    assert "referral_unanswered: 1 due, 1 written" in printed
    for value in ("金丝雀测试人", case.victim.id_number, case.number, str(case.uuid)):
        assert value not in printed
