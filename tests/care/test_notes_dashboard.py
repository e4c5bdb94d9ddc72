"""The dashboard's alert of the open cases without contact: no note and no service record created
or changed for ``CASE_CONTACT_DAYS`` days (30 by default), for caseworkers and civil affairs, in
one query whatever the number of cases."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from care.notes import operations, selectors
from registry.models import AuditAction, AuditEvent
from services import operations as services
from services.models import ShelterPlacement
from tests.care.test_notes_operations import days, note_body
from tests.victims.conftest import CLOSING, RESCUE, TODAY, person
from victims import operations as case_operations

pytestmark = pytest.mark.django_db

LONG_AGO = TODAY - days(90)


def open_case(places, cast, seed: int, opened_on: datetime.date, *, actor=None, jurisdiction=None):
    return case_operations.case_register(
        actor=actor or cast.alice,
        victim=person(seed),
        jurisdiction=jurisdiction or places.gulou,
        opened_on=opened_on,
        rescue=dict(RESCUE, rescued_on=opened_on),
    )


@pytest.fixture
def old_case(places, cast):
    """``old_case(seed)``: a case of Alice's opened 90 days ago, with nothing since."""

    def make(seed: int):
        return open_case(places, cast, seed, LONG_AGO)

    return make


def listed(user) -> list[str]:
    return list(selectors.cases_without_contact(user, TODAY).values_list("number", flat=True))


def dated_back(model, case, day: datetime.date) -> None:
    """Move the history of ``case``'s ``model`` records back to ``day`` (as if written then)."""
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
    model.history.filter(case_id=case.pk).update(history_date=moment)


def test_a_case_without_contact_is_listed_and_one_with_a_recent_note_is_not(old_case, cast):
    quiet, visited = old_case(71), old_case(72)
    operations.note_create(actor=cast.alice, case=visited, data=note_body(occurred_on=TODAY - days(3)))
    assert listed(cast.alice) == [quiet.number]


def test_a_note_of_long_ago_is_no_recent_contact(old_case, cast, settings):
    case = old_case(73)
    operations.note_create(actor=cast.alice, case=case, data=note_body(occurred_on=TODAY - days(31)))
    assert listed(cast.alice) == [case.number]
    operations.note_create(actor=cast.alice, case=case, data=note_body(occurred_on=TODAY - days(30)))
    assert listed(cast.alice) == []  # the 30th day still counts


def test_the_window_follows_the_setting(old_case, cast, settings):
    case = old_case(74)
    operations.note_create(actor=cast.alice, case=case, data=note_body(occurred_on=TODAY - days(20)))
    assert listed(cast.alice) == []
    settings.CASE_CONTACT_DAYS = 10
    assert listed(cast.alice) == [case.number]


def test_a_service_record_created_or_changed_recently_is_contact(old_case, cast, places):
    case = old_case(75)
    placement = services.placement_admit(actor=cast.alice, case=case, shelter=places.fz_shelter, admitted_on=LONG_AGO)
    assert listed(cast.alice) == []  # admitted today in the registry: recent
    dated_back(ShelterPlacement, case, LONG_AGO)
    assert listed(cast.alice) == [case.number]
    services.placement_discharge(
        actor=cast.alice, placement=placement, expected_version=placement.version, discharged_on=TODAY
    )
    assert listed(cast.alice) == []  # changed today


def test_a_case_opened_recently_closed_or_out_of_scope_is_not_listed(old_case, places, cast):
    open_case(places, cast, 76, TODAY - days(10))
    closed = old_case(77)
    case_operations.case_close(actor=cast.dave, case=closed, expected_version=closed.version, **CLOSING)
    open_case(places, cast, 78, LONG_AGO, actor=cast.carol, jurisdiction=places.xiamen)
    assert listed(cast.alice) == []
    assert listed(cast.dave) == []
    assert len(listed(cast.carol)) == 1  # hers, in Xiamen


def test_the_alert_is_one_query_however_many_cases(old_case, cast):
    for seed in range(80, 83):
        old_case(seed)
    with CaptureQueriesContext(connection) as few:
        assert len(listed(cast.alice)) == 3
    for seed in range(83, 90):
        old_case(seed)
    with CaptureQueriesContext(connection) as many:
        assert len(listed(cast.alice)) == 10
    assert len(few.captured_queries) == len(many.captured_queries) == 1


@pytest.mark.parametrize("member,shown", [("alice", True), ("dave", True), ("bob", False), ("grace", False)])
def test_the_panel_is_on_the_dashboard_of_caseworkers_and_civil_affairs(old_case, cast, member, shown):
    case = old_case(91)
    pages = Client()
    pages.force_login(getattr(cast, member))
    html = pages.get(reverse("dashboard")).content.decode()
    if not shown:
        assert 'id="without-contact"' not in html
        return
    assert case.number in html[html.index('id="without-contact"') :]
    listings = AuditEvent.objects.filter(action=AuditAction.CASE_LISTED)
    (event,) = [e for e in listings if e.detail.get("view") == "contact_dashboard"]
    assert event.detail["count"] == 1


def test_the_panel_names_the_last_contact(old_case, cast):
    case = old_case(92)
    operations.note_create(actor=cast.alice, case=case, data=note_body(occurred_on=TODAY - days(45)))
    pages = Client()
    pages.force_login(cast.alice)
    html = pages.get(reverse("dashboard")).content.decode()
    panel = html[html.index('id="cases-without-contact"') :].split("</table>")[0]
    assert case.number in panel and (TODAY - days(45)).isoformat() in panel and ">45<" in panel
