"""How a case ends (issue 16, item 2): closing records a completed return — a return plan
completed, every follow-up visit done or waived — or a reason from the list with civil affairs'
comment, and is refused otherwise; reopening clears it; the API, the close page, the case file,
its history and the civil affairs dashboard show it, each to whom it is for."""

from __future__ import annotations

import re

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from registry.decisions import MARKER
from registry.errors import Conflict, RuleViolation
from registry.history import recorded_change
from registry.models import AuditAction, AuditEvent
from services import operations as services
from services.choices import Pathway
from services.models import FollowUpVisit
from tests.services.conftest import plan_data
from tests.victims.conftest import CLOSING, TODAY
from tests.victims.test_api_matrix import if_match, referred_case, register_case
from victims import operations
from victims.choices import CLOSURE_REASONS, Ending, Stage
from victims.models import Case

pytestmark = pytest.mark.django_db

COMMENT = "本人已迁往外地务工，电话确认不再需要救助（虚构）"


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def returned(case: Case, cast) -> Case:
    """The case after a local resettlement written by Alice, approved by Dave, handed over today."""
    plan = services.return_plan_create(actor=cast.alice, case=case, data=plan_data(Pathway.LOCAL_RESETTLEMENT))
    plan = services.return_plan_approve(actor=cast.dave, plan=plan, expected_version=plan.version)
    services.return_plan_complete(
        actor=cast.alice, plan=plan, expected_version=plan.version, handover_on=TODAY, receiving_party="某社区（虚构）"
    )
    return fresh(case)


def waive_all(case: Case, cast) -> Case:
    for visit in FollowUpVisit.objects.filter(case=case, visited_on__isnull=True, waived_on__isnull=True):
        services.visit_waive(actor=cast.dave, visit=visit, expected_version=visit.version, reason="迁居外省（虚构）")
    return fresh(case)


def close(case: Case, cast, **ending) -> Case:
    return operations.case_close(actor=cast.dave, case=case, expected_version=case.version, **ending)


def stage_events(case: Case):
    return AuditEvent.objects.filter(case_uuid=case.uuid, action=AuditAction.CASE_STAGE_CHANGED)


def assert_unchanged(case: Case) -> None:
    """Nothing of a refused close was written: stage, ending, version, history, audit."""
    now = fresh(case)
    assert (now.stage, now.ending, now.closure_comment, now.version) == (
        case.stage,
        case.ending,
        case.closure_comment,
        case.version,
    )
    assert now.history.count() == case.history.count()
    assert not [event for event in stage_events(case) if event.detail["stage"] == Stage.CLOSED]


# --- the operation ----------------------------------------------------------------------------


def test_a_case_without_a_completed_return_is_refused_without_a_reason(register, cast):
    case = register()
    for reason in (None, "", Ending.RETURNED_HOME):
        with pytest.raises(Conflict) as refused:
            close(case, cast, reason=reason, comment=COMMENT)
        assert (refused.value.code, refused.value.field) == ("no_ending", "reason")
    assert_unchanged(case)


def test_a_completed_return_closes_as_returned_home_once_every_visit_is_done_or_waived(register, cast):
    case = returned(register(), cast)
    with pytest.raises(Conflict) as refused:
        close(case, cast)
    assert refused.value.code == "follow_ups_outstanding"
    case = waive_all(case, cast)

    closed = close(case, cast)

    assert (closed.stage, closed.ending, closed.closure_comment, closed.closed_on) == (
        Stage.CLOSED,
        Ending.RETURNED_HOME,
        "",
        TODAY,
    )
    assert stage_events(case).latest("id").detail == {"stage": "closed", "ending": "returned_home"}


@pytest.mark.parametrize("reason", CLOSURE_REASONS)
def test_each_reason_closes_with_civil_affairs_comment_kept_out_of_history_reasons_and_audit(register, cast, reason):
    case = register()

    closed = close(case, cast, reason=reason, comment=f"  {COMMENT}  ")

    assert (closed.stage, closed.ending, closed.closure_comment) == (Stage.CLOSED, reason, COMMENT)
    row = Case.history.filter(id=case.pk).latest("history_id")
    assert (row.history_change_reason, row.ending, row.closure_comment) == ("case closed", reason, COMMENT)
    event = stage_events(case).latest("id")
    assert event.detail == {"stage": "closed", "ending": reason.value}
    assert COMMENT not in str(event.detail)


@pytest.mark.parametrize("comment", ["", "   ", None])
def test_a_reason_without_a_comment_is_refused_naming_the_comment(register, cast, comment):
    case = register()
    with pytest.raises(RuleViolation) as refused:
        close(case, cast, reason=Ending.DIED, comment=comment)
    assert refused.value.field == "comment"
    assert_unchanged(case)


@pytest.mark.parametrize("reason", ["closed", "returned", "DIED", "transferred"])
def test_a_reason_not_in_the_list_is_refused_naming_the_reason(register, cast, reason):
    case = register()
    with pytest.raises(RuleViolation) as refused:
        close(case, cast, reason=reason, comment=COMMENT)
    assert refused.value.field == "reason"
    assert_unchanged(case)


def test_a_comment_longer_than_free_text_allows_is_refused(register, cast):
    case = register()
    with pytest.raises(RuleViolation) as refused:
        close(case, cast, reason=Ending.CONTACT_LOST, comment="联" * 5000)
    assert refused.value.field == "comment"


def test_every_close_check_holds_whatever_the_ending(register, cast, places):
    """A reason does not skip the sections' checks: the person leaves the shelter, and the
    officer who closes waives the visits still planned (closing ends the follow-up)."""
    case = register()
    placement = services.placement_admit(actor=cast.alice, case=case, shelter=places.fz_shelter)
    case = fresh(case)
    with pytest.raises(Conflict) as refused:
        close(case, cast, reason=Ending.DIED, comment=COMMENT)
    assert refused.value.code == "placement_open"
    services.placement_discharge(actor=cast.alice, placement=placement, expected_version=placement.version)

    case = returned(register(seed=2), cast)
    with pytest.raises(Conflict) as refused:
        close(case, cast, reason=Ending.DIED, comment=COMMENT)
    assert refused.value.code == "follow_ups_outstanding"
    assert close(waive_all(case, cast), cast, reason=Ending.DIED, comment=COMMENT).ending == Ending.DIED


def test_a_planned_return_must_be_cancelled_before_a_reason_closes_the_case(register, cast):
    case = register()
    services.return_plan_create(actor=cast.alice, case=case, data=plan_data())
    case = fresh(case)
    with pytest.raises(Conflict) as refused:
        close(case, cast, **CLOSING)
    assert refused.value.code == "invalid_stage_transition"


def test_reopening_clears_the_ending_and_the_next_close_needs_its_own(register, cast):
    case = waive_all(returned(register(), cast), cast)
    closed = close(case, cast, comment=COMMENT)

    reopened = operations.case_reopen(
        actor=cast.dave, case=closed, expected_version=closed.version, comment="本人再次求助（虚构）"
    )

    assert (reopened.stage, reopened.ending, reopened.closure_comment, reopened.closed_on) == (
        Stage.REGISTERED,
        "",
        "",
        None,
    )
    with pytest.raises(Conflict) as refused:  # the return completed before reopening does not end this journey
        close(reopened, cast)
    assert refused.value.code == "no_ending"
    assert close(reopened, cast, **CLOSING).ending == CLOSING["reason"]
    endings = list(Case.history.filter(id=case.pk).order_by("history_id").values_list("ending", flat=True))
    assert endings[-3:] == [Ending.RETURNED_HOME, "", CLOSING["reason"]]


def test_only_a_closed_case_has_an_ending_in_the_database(register, cast):
    case = register()
    case.ending = Ending.DIED
    with pytest.raises(IntegrityError), transaction.atomic(), recorded_change(actor=cast.dave, reason="test"):
        case.save()


# --- the API ----------------------------------------------------------------------------------


def close_url(case: Case) -> str:
    return reverse("case-close", kwargs={"id": case.uuid})


def detail_url(case: Case) -> str:
    return reverse("case-detail", kwargs={"id": case.uuid})


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({}, 409, "no_ending", None),
        ({"comment": COMMENT}, 409, "no_ending", None),
        ({"reason": "died"}, 400, None, "comment"),
        ({"reason": "died", "comment": "  "}, 400, None, "comment"),
        ({"reason": "vanished", "comment": COMMENT}, 400, None, "reason"),
        ({"reason": "died", "comment": COMMENT, "closed_on": "2026-01-01"}, 400, None, "closed_on"),
    ],
)
def test_the_close_action_refuses_a_close_without_an_ending(places, cast, api_client_for, body, status, code, field):
    case = register_case(places, cast)
    response = api_client_for(cast.dave).post(close_url(case), body, format="json", headers=if_match(1))
    assert response.status_code == status, response.content
    answer = response.json()
    if code:
        assert answer["code"] == code
    if field:
        assert field in answer["fields"]
    assert COMMENT not in response.content.decode()
    assert_unchanged(case)


def test_the_case_file_shows_the_ending_to_its_readers_and_the_comment_to_readers_of_the_return_home(
    places, cast, api_client_for
):
    case = referred_case(places, cast)
    closed = api_client_for(cast.dave).post(
        close_url(case), {"reason": "declined_assistance", "comment": COMMENT}, format="json", headers=if_match(1)
    )
    assert (closed.status_code, closed.json()["stage"]) == (200, "closed")

    for member in (cast.alice, cast.dave):
        person = api_client_for(member).get(detail_url(case)).json()["person"]
        assert (person["ending"], person["closure_comment"]) == ("declined_assistance", COMMENT)
    for member in (cast.bob, cast.erin, cast.frank):  # they read the person, not the return home
        answer = api_client_for(member).get(detail_url(case))
        assert answer.json()["person"]["ending"] == "declined_assistance"
        assert "closure_comment" not in answer.json()["person"] and COMMENT not in answer.content.decode()


def test_the_comment_is_in_the_history_of_the_return_home_only(places, cast, api_client_for):
    case = referred_case(places, cast)
    close(case, cast, reason=Ending.TRANSFERRED_OUT, comment=COMMENT)
    history = reverse("case-history", kwargs={"id": case.uuid})

    def closing_of(entries):
        return next(entry for entry in entries if entry["changes"].get("ending") == Ending.TRANSFERRED_OUT)

    closing = closing_of(api_client_for(cast.dave).get(history).json()["results"])
    assert (closing["kind"], closing["reason"]) == ("case", "case closed")
    assert closing["changes"]["closure_comment"] == COMMENT
    assert set(closing["sections"]) == {"person", "return_home"}
    answer = api_client_for(cast.bob).get(history)
    closing = closing_of(answer.json()["results"])
    assert closing["sections"] == ["person"] and "closure_comment" not in closing["changes"]
    assert COMMENT not in answer.content.decode()


def test_an_open_case_shows_an_empty_ending(places, cast, api_client_for):
    case = register_case(places, cast)
    assert api_client_for(cast.alice).get(detail_url(case)).json()["person"]["ending"] == ""


# --- the close page -----------------------------------------------------------------------------


@pytest.fixture
def as_user(client, cast):
    def sign_in(name):
        client.force_login(getattr(cast, name))
        return client

    return sign_in


def page_url(case: Case) -> str:
    return reverse("victims:case-close", args=[case.uuid])


def options(body: str) -> list[tuple[str, bool]]:
    select = re.search(r'<select name="reason"[^>]*>(.*?)</select>', body, re.DOTALL)
    assert select, "no reason to choose"
    found = re.findall(r'<option value="([^"]*)"( selected)?', select[1])
    return [(value, bool(selected)) for value, selected in found]


def test_the_close_page_offers_the_completed_return_first_only_when_the_return_is_completed(as_user, register, cast):
    open_case = register(seed=11)
    body = as_user("dave").get(page_url(open_case)).content.decode()
    assert [value for value, _ in options(body)] == ["", *CLOSURE_REASONS]
    assert 'name="comment"' in body and f'name="version" value="{open_case.version}"' in body

    done = waive_all(returned(register(seed=12), cast), cast)
    body = as_user("dave").get(page_url(done)).content.decode()
    assert options(body)[0] == (Ending.RETURNED_HOME, True)
    assert [value for value, _ in options(body)[1:]] == list(CLOSURE_REASONS)


def test_the_case_header_links_civil_affairs_to_the_close_page(as_user, register):
    case = register()
    header = as_user("dave").get(reverse("victims:case", args=[case.uuid])).content.decode()
    assert f'href="{page_url(case)}"' in header and 'id="case-action-close"' in header


def test_the_close_page_closes_with_a_reason_and_shows_the_ending_on_the_person_tab(as_user, register):
    case = register()
    body = {MARKER: "1", "version": 1, "reason": "contact_lost", "comment": COMMENT}
    response = as_user("dave").post(page_url(case), body)

    assert response.status_code == 302 and response.url == reverse("victims:case", args=[case.uuid])
    assert (fresh(case).stage, fresh(case).ending) == (Stage.CLOSED, Ending.CONTACT_LOST)
    with translation.override("zh-hans"):
        label = str(Ending.CONTACT_LOST.label)
    for member in ("dave", "alice"):
        tab = as_user(member).get(reverse("victims:case", args=[case.uuid]), {"tab": "person"}).content.decode()
        ending = re.search(r'data-field="ending"><dt>[^<]*</dt><dd>([^<]*)</dd>', tab)
        assert ending and ending[1] == label
        assert 'data-field="closure_comment"' in tab and COMMENT in tab


@pytest.mark.parametrize(
    ("body", "field"),
    [({"reason": "died"}, "comment"), ({"reason": ""}, "reason"), ({"reason": "vanished", "comment": "x"}, "reason")],
)
def test_the_close_page_shows_a_refusal_on_its_field_and_changes_nothing(as_user, register, body, field):
    case = register()
    response = as_user("dave").post(page_url(case), {MARKER: "1", "version": 1, **body})
    assert response.status_code in (400, 409)
    assert f'id="field-{field}"' in response.content.decode()
    assert re.search(rf'class="field field--error[^"]*" id="field-{field}"', response.content.decode())
    assert_unchanged(case)


def test_the_close_page_says_why_a_case_without_a_return_cannot_close_as_returned(as_user, register):
    case = register()
    response = as_user("dave").post(page_url(case), {MARKER: "1", "version": 1, "reason": "returned_home"})
    assert response.status_code == 400 and 'id="field-reason"' in response.content.decode()
    assert_unchanged(case)


def test_the_close_page_shows_a_close_check_above_the_form(as_user, register, cast):
    case = returned(register(), cast)
    response = as_user("dave").post(page_url(case), {MARKER: "1", "version": case.version, "reason": "returned_home"})
    assert response.status_code == 409 and 'id="form-errors"' in response.content.decode()
    assert_unchanged(case)


def test_a_stale_close_page_is_refused_and_shown_again_at_the_current_version(as_user, register):
    case = register()
    response = as_user("dave").post(page_url(case), {MARKER: "1", "version": 9, **CLOSING})
    body = response.content.decode()
    assert response.status_code == 409 and 'id="form-errors"' in body and f'value="{case.version}"' in body
    assert_unchanged(case)


def test_only_civil_affairs_within_reach_may_open_the_close_page(as_user, register):
    case = register()
    assert as_user("alice").get(page_url(case)).status_code == 403
    assert as_user("alice").post(page_url(case), {MARKER: "1", "version": 1, **CLOSING}).status_code == 403
    assert as_user("xavier").get(page_url(case)).status_code == 404
    assert as_user("xavier").post(page_url(case), {"version": 1, **CLOSING}).status_code == 404
    assert_unchanged(case)


def test_closing_through_the_old_button_url_is_gone(as_user, register):
    case = register()
    response = as_user("dave").post(reverse("victims:case-act", args=[case.uuid, "close"]), {"version": 1})
    assert response.status_code == 404
    assert_unchanged(case)


# --- the civil affairs dashboard --------------------------------------------------------------


def test_the_civil_affairs_dashboard_counts_this_years_closed_cases_of_its_jurisdiction_by_ending(
    as_user, register, cast, places
):
    for seed, reason in ((21, Ending.DIED), (22, Ending.CONTACT_LOST), (23, Ending.CONTACT_LOST)):
        close(register(seed=seed), cast, reason=reason, comment=COMMENT)
    close(waive_all(returned(register(seed=24), cast), cast), cast)
    register(seed=25)  # open: not counted
    xiamen = register(seed=26, actor=cast.carol, jurisdiction=places.xiamen)
    operations.case_close(actor=cast.xavier, case=xiamen, expected_version=xiamen.version, **CLOSING)

    body = as_user("dave").get(reverse("dashboard")).content.decode()

    table = re.search(r'<table[^>]*id="cases-by-ending"[^>]*>(.*?)</table>', body, re.DOTALL)
    assert table, "no table of closed cases by ending"
    counts = [int(count) for count in re.findall(r'<td class="number">(\d+)</td>', table[1])]
    assert counts == [1, 0, 1, 2, 0, 0]  # in the order of Ending: returned home, transferred, died, lost…
    assert COMMENT not in body
