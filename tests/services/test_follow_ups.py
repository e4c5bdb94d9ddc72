"""Follow-up visits (DESIGN §2 rule 7): recording, waiving, overdue alerts, and the close check."""

from __future__ import annotations

import datetime

import pytest

from registry.errors import Conflict, NotFound, PermissionDenied, RuleViolation
from services import operations as services
from services import selectors
from services.models import FollowUpVisit
from tests.services.conftest import TODAY
from victims import operations
from victims.choices import Stage

pytestmark = pytest.mark.django_db

LATER = TODAY + datetime.timedelta(days=400)  # after every visit of the default schedule


def visits_of(case):
    return list(FollowUpVisit.objects.filter(case=case).order_by("due_on"))


def record(user, visit, **changes):
    changes = {"visited_on": TODAY, "visitor": "鼓楼区民政局 王某（虚构）", **changes}
    return services.visit_record(actor=user, visit=visit, expected_version=visit.version, changes=changes)


def waive(user, visit, reason="已迁居外省，委托当地民政部门跟进（虚构）"):
    return services.visit_waive(actor=user, visit=visit, expected_version=visit.version, reason=reason)


def test_a_caseworker_records_a_visit(make_case, returned, cast):
    case = make_case()
    returned(case)
    visit = visits_of(case)[0]
    done = record(cast.alice, visit, living_conditions="与母亲同住，住房简陋（虚构）", needs="申请低保")
    assert (done.visited_on, done.version, done.living_conditions) == (TODAY, 2, "与母亲同住，住房简陋（虚构）")
    assert done.history.order_by("history_id").last().history_change_reason == "follow-up visit recorded"
    for member in (cast.dave, cast.bob):
        with pytest.raises((PermissionDenied, NotFound)):
            record(member, done)


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"visited_on": None}, "visited_on"), ({"visitor": " "}, "visitor"),
     ({"visited_on": TODAY + datetime.timedelta(days=1)}, "visited_on"), ({"due_on": TODAY}, "due_on")],
)  # fmt: skip
def test_a_visit_needs_its_date_and_visitor(make_case, returned, cast, changes, field):
    case = make_case()
    returned(case)
    with pytest.raises(RuleViolation) as refused:
        record(cast.alice, visits_of(case)[0], **changes)
    assert refused.value.field == field


def test_civil_affairs_waives_a_visit_with_a_reason(make_case, returned, cast):
    case = make_case()
    returned(case)
    visit = visits_of(case)[0]
    with pytest.raises(PermissionDenied):  # the caseworker writes follow-ups but does not waive
        waive(cast.alice, visit)
    with pytest.raises(RuleViolation) as no_reason:
        waive(cast.dave, visit, reason="  ")
    assert no_reason.value.field == "reason"
    waived = waive(cast.dave, visit)
    assert (waived.waived_on, waived.waived_by, waived.version) == (TODAY, cast.dave, 2)
    with pytest.raises(Conflict) as twice:
        waive(cast.dave, waived)
    assert twice.value.code == "visit_not_outstanding"
    with pytest.raises(Conflict) as then_recorded:
        record(cast.alice, waived)
    assert then_recorded.value.code == "visit_waived"
    with pytest.raises(NotFound):  # Xiamen's officer does not see the case
        waive(cast.xavier, visits_of(case)[1])


def test_overdue_visits_raise_the_alert_for_who_sees_the_case(make_case, returned, cast):
    case = make_case()
    returned(case)
    first, second, *_ = visits_of(case)
    assert list(selectors.overdue_follow_ups(cast.alice)) == []  # nothing due yet
    on = second.due_on + datetime.timedelta(days=1)
    assert list(selectors.overdue_follow_ups(cast.alice, today=on)) == [first, second]
    assert list(selectors.overdue_follow_ups(cast.dave, today=on)) == [first, second]
    record(cast.alice, first)
    waive(cast.dave, second)
    assert list(selectors.overdue_follow_ups(cast.alice, today=on)) == []
    for member in (cast.carol, cast.xavier, cast.bob, cast.grace):
        assert list(selectors.overdue_follow_ups(member, today=LATER)) == []
    assert len(selectors.overdue_follow_ups(cast.alice, today=LATER)) == 2


def test_extra_visits_are_scheduled_only_after_the_return(make_case, returned, cast):
    case = make_case()
    with pytest.raises(Conflict) as early:
        services.visit_schedule(actor=cast.alice, case=case, due_on=TODAY)
    assert early.value.code == "case_not_returned"
    returned(case)
    extra = services.visit_schedule(actor=cast.alice, case=case, due_on=TODAY + datetime.timedelta(days=10))
    assert (extra.return_plan, len(visits_of(case))) == (None, 5)


# --- the close check --------------------------------------------------------------------------


def close(case, user):
    case = type(case).objects.get(pk=case.pk)
    return operations.case_close(actor=user, case=case, expected_version=case.version)


def test_a_case_closes_only_when_every_scheduled_visit_is_done_or_waived(make_case, returned, cast):
    case = make_case()
    returned(case)
    first, second, third, fourth = visits_of(case)
    with pytest.raises(Conflict) as refused:
        close(case, cast.dave)
    assert refused.value.code == "follow_ups_outstanding"
    record(cast.alice, first)
    record(cast.alice, second)
    waive(cast.dave, third)
    with pytest.raises(Conflict):  # a visit not yet due still counts: closing ends the follow-up
        close(case, cast.dave)
    waive(cast.dave, fourth)
    assert close(case, cast.dave).stage == Stage.CLOSED
