"""The assistance services' alerts on the dashboards: each appears for the roles it is meant for,
with the right case, and for no one else; what is listed is logged."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from registry.models import AuditAction, AuditEvent
from services import operations as services
from services.choices import Pathway
from tests.services.conftest import TODAY, days_ago
from victims.choices import Service

pytestmark = pytest.mark.django_db


@pytest.fixture
def dashboard(client, cast, dora):
    """``dashboard("alice")``: the HTML of that member's dashboard (or Dora's)."""

    def show(name):
        client.force_login(dora if name == "dora" else getattr(cast, name))
        response = client.get(reverse("dashboard"))
        assert response.status_code == 200
        return response.content.decode()

    return show


def panel(body: str, ident: str) -> str | None:
    """The panel ``<section id=ident>`` of the page, or None when absent."""
    match = re.search(rf'<section class="panel" id="{ident}"[^>]*>(.*?)</section>', body, re.DOTALL)
    return unescape(match.group(1)) if match else None


def count(body: str, ident: str) -> int:
    return int(re.search(rf'id="{ident}">(\d+)<', body).group(1))


ALL_PANELS = ("overdue-follow-ups", "upcoming-follow-ups", "return-approvals", "not-enrolled", "shelters-nearly-full")


@pytest.mark.parametrize(
    ("member", "panels"),
    [
        ("alice", {"overdue-follow-ups", "upcoming-follow-ups", "not-enrolled", "shelters-nearly-full"}),
        ("dave", {"overdue-follow-ups", "return-approvals", "not-enrolled", "shelters-nearly-full"}),
        ("bob", {"not-enrolled"}),
        ("erin", set()),
        ("frank", set()),
        ("grace", set()),
        ("heidi", set()),
    ],
)
def test_each_role_gets_the_alert_panels_of_its_work(dashboard, member, panels):
    body = dashboard(member)

    assert {ident for ident in ALL_PANELS if panel(body, ident) is not None} == panels


# --- follow-up visits -------------------------------------------------------------------------


@pytest.fixture
def overdue(make_case, returned, cast):
    """A returned case of Alice's with an extra visit due ten days ago, not done."""
    case = make_case()
    returned(case)
    visit = services.visit_schedule(actor=cast.alice, case=case, due_on=days_ago(10))
    return case, visit


def test_an_overdue_visit_is_listed_for_the_caseworker_and_civil_affairs_of_the_case(dashboard, overdue):
    case, visit = overdue

    for member in ("alice", "dave"):
        shown = panel(dashboard(member), "overdue-follow-ups")
        assert case.number in shown and case.victim.full_name in shown, member
        assert visit.due_on.isoformat() in shown
        assert reverse("victims:case", args=[case.uuid]) + "?tab=follow_ups" in shown
    assert count(dashboard("alice"), "overdue-count") == 1
    for member in ("carol", "xavier"):
        assert case.number not in dashboard(member)


def test_a_visit_done_or_waived_is_no_longer_overdue(dashboard, overdue, cast):
    case, visit = overdue

    services.visit_waive(actor=cast.dave, visit=visit, expected_version=visit.version, reason="已迁居（虚构）")

    assert case.number not in panel(dashboard("dave"), "overdue-follow-ups")
    assert count(dashboard("alice"), "overdue-count") == 0


def test_the_visits_scheduled_by_a_return_appear_at_once_on_the_caseworkers_dashboard(
    dashboard, make_case, returned, cast
):
    case = make_case()
    returned(case)

    upcoming = panel(dashboard("alice"), "upcoming-follow-ups")

    assert case.number in upcoming
    due = sorted(case.followupvisits.values_list("due_on", flat=True))
    assert due[0].isoformat() in upcoming and due[1].isoformat() in upcoming  # one and three months on
    assert due[3].isoformat() not in upcoming  # a year on: not yet
    assert panel(dashboard("alice"), "overdue-follow-ups").count(case.number) == 0
    assert panel(dashboard("dave"), "upcoming-follow-ups") is None
    assert case.number not in dashboard("carol")


# --- children not enrolled --------------------------------------------------------------------


@pytest.fixture
def waiting_child(make_case, admit):
    """A child of ten in the Fuzhou relief station for forty days, in no school."""
    case = make_case(age=10)
    admit(case, admitted_on=days_ago(40))
    return case


def test_a_child_in_shelter_for_more_than_30_days_without_school_is_flagged(dashboard, waiting_child, make_case, admit):
    recent = make_case(age=9)
    admit(recent, admitted_on=days_ago(5))
    adult = make_case(age=30)
    admit(adult, admitted_on=days_ago(40))

    for member in ("alice", "dave"):
        shown = panel(dashboard(member), "not-enrolled")
        assert waiting_child.number in shown and waiting_child.victim.full_name in shown, member
        assert days_ago(40).isoformat() in shown
        assert recent.number not in shown and adult.number not in shown
    assert waiting_child.number not in dashboard("carol")


def test_the_education_bureau_sees_the_children_referred_to_it_without_shelter_details(
    dashboard, waiting_child, make_case, admit, refer
):
    other = make_case(age=11)
    admit(other, admitted_on=days_ago(50))
    refer(waiting_child, Service.SCHOOLING, status="pending")

    shown = panel(dashboard("bob"), "not-enrolled")

    assert waiting_child.number in shown
    assert other.number not in shown  # not referred to his bureau
    assert days_ago(40).isoformat() not in shown  # the shelter section is not his


def test_an_enrolment_clears_the_alert(dashboard, waiting_child, refer, cast):
    refer(waiting_child, Service.SCHOOLING)

    services.enrollment_add(actor=cast.bob, case=waiting_child, data={"school": "某小学（虚构）", "started_on": TODAY})

    for member in ("alice", "dave", "bob"):
        assert waiting_child.number not in panel(dashboard(member), "not-enrolled"), member


# --- return plans awaiting approval -----------------------------------------------------------


def test_a_plan_waits_on_the_dashboard_of_a_civil_affairs_officer_who_did_not_write_it(
    dashboard, make_case, admit, plan, cast
):
    by_alice, by_dave = make_case(), make_case()
    admit(by_alice)
    admit(by_dave)
    plan(by_alice, Pathway.INSTITUTIONAL_CARE)
    plan(by_dave, Pathway.INSTITUTIONAL_CARE, actor=cast.dave)

    dave = panel(dashboard("dave"), "return-approvals")
    dora = panel(dashboard("dora"), "return-approvals")

    assert by_alice.number in dave and by_dave.number not in dave  # four eyes
    assert by_alice.number in dora and by_dave.number in dora
    assert by_alice.victim.full_name in dave
    assert reverse("victims:case", args=[by_alice.uuid]) + "?tab=return_home" in dave
    assert by_alice.number not in dashboard("xavier")


def test_an_approved_plan_leaves_the_list(dashboard, make_case, approved_plan):
    case = make_case()
    approved_plan(case, Pathway.INSTITUTIONAL_CARE)

    assert case.number not in panel(dashboard("dora"), "return-approvals")


# --- shelters nearly full ---------------------------------------------------------------------


def test_a_nearly_full_shelter_is_flagged_for_who_admits_and_oversees_in_its_area(
    dashboard, make_case, admit, shelter, places
):
    small = shelter(capacity=3)
    admit(make_case(), shelter=small)
    assert small.name not in panel(dashboard("alice"), "shelters-nearly-full")  # two of three beds free

    admit(make_case(), shelter=small)

    for member in ("alice", "dave"):
        shown = panel(dashboard(member), "shelters-nearly-full")
        assert small.name in shown and places.fz_shelter.name not in shown, member
        assert reverse("services:occupancy") in shown
    assert small.name not in dashboard("carol") and small.name not in dashboard("xavier")


# --- the audit of what the alerts list -----------------------------------------------------------


def listings() -> list[AuditEvent]:
    events = AuditEvent.objects.filter(action=AuditAction.CASE_LISTED)
    return [event for event in events if event.detail.get("view") == "services_dashboard"]


def test_the_alerts_naming_cases_are_logged_as_a_listing(dashboard, overdue, waiting_child):
    dashboard("alice")

    (event,) = listings()
    assert event.actor_username == "alice"
    assert event.sections == ["person", "shelter", "schooling", "follow_ups"]
    assert event.detail["count"] == 4  # one overdue visit, two due within three months, one child


def test_alerts_naming_no_case_are_not_logged(dashboard, cast):
    dashboard("alice")

    assert listings() == []
