"""What the audit log records of reads, refusals and sign-ins, through the real interfaces:
the scoped API base (scaffold endpoint), the API error handler, the sign-in signals, tokens."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from registry.audit import keyed_digest
from registry.models import AuditEvent
from tests.registry.test_api_base import sample_case

ID_NUMBER = "350102201001011234"


def events(**filters):
    return list(AuditEvent.objects.filter(**filters).order_by("id"))


def detail_url(case_or_uuid):
    return reverse("sample-detail", kwargs={"id": getattr(case_or_uuid, "uuid", case_or_uuid)})


@pytest.mark.django_db
class TestReadsThroughTheScopedViewSet:
    def test_a_case_view_records_the_case_and_every_section_shown(self, places, cast, api_client_for):
        case = sample_case(places, cast)
        assert api_client_for(cast.alice).get(detail_url(case), REMOTE_ADDR="192.0.2.4").status_code == 200

        (event,) = events(action="case_viewed")
        assert (event.actor, event.case_uuid, event.outcome) == (cast.alice, case.uuid, "success")
        assert event.sections == ["person", "identity", "health"]
        assert event.ip_address == "192.0.2.4" and len(event.request_id) == 32

    def test_the_sections_recorded_are_those_the_role_was_shown(self, places, cast, api_client_for):
        case = sample_case(places, cast)
        body = api_client_for(cast.bob).get(detail_url(case)).json()

        (event,) = events(action="case_viewed")
        assert event.sections == ["person"]
        assert set(body) == {"id", "version", "name", "sex"}

    def test_a_list_records_case_listed_with_the_count(self, places, cast, api_client_for):
        sample_case(places, cast)
        sample_case(places, cast)
        api_client_for(cast.alice).get(reverse("sample-list"), {"page": "1"})

        (event,) = events(action="case_listed")
        assert event.detail == {"count": 2, "page": 1}
        assert event.sections == ["person", "identity", "health"]
        assert not events(action="case_searched")

    def test_a_search_records_case_searched_with_the_term_only_as_a_keyed_digest(self, places, cast, api_client_for):
        case = sample_case(places, cast)
        sample_case(places, cast, sex="M")
        found = api_client_for(cast.alice).get(reverse("sample-list"), {"id_number": ID_NUMBER}).json()

        assert found["count"] == 2  # both sample cases carry this number
        (event,) = events(action="case_searched")
        digest = keyed_digest(ID_NUMBER, purpose="audit.search_term")
        assert event.detail["terms"] == {"id_number": digest}
        assert digest != ID_NUMBER and ID_NUMBER not in str(event.detail)
        assert str(case.uuid) in event.detail["cases"] and event.detail["count"] == 2

    def test_the_same_term_spelled_differently_gives_the_same_digest(self, places, cast, api_client_for):
        client = api_client_for(cast.alice)
        client.get(reverse("sample-list"), {"id_number": "350102201001011234"})
        client.get(reverse("sample-list"), {"id_number": "３５０１０２２０１００１０１１２３４"})  # full width
        first, second = events(action="case_searched")
        assert first.detail["terms"] == second.detail["terms"]

    def test_an_undeclared_parameter_is_hashed_with_its_name(self, places, cast, api_client_for):
        api_client_for(cast.alice).get(reverse("sample-list"), {"王小梅": "1"})
        (event,) = events(action="case_searched")
        assert event.detail["undeclared_terms"] == [keyed_digest("王小梅=1", purpose="audit.search_term")]
        assert "王小梅" not in str(event.detail)

    def test_an_out_of_scope_case_is_recorded_as_access_denied_naming_the_uuid_asked_for(
        self, places, cast, api_client_for
    ):
        case = sample_case(places, cast)
        assert api_client_for(cast.carol).get(detail_url(case)).status_code == 404

        (event,) = events(action="access_denied")
        assert (event.actor, event.case_uuid, event.outcome) == (cast.carol, case.uuid, "denied")
        assert event.detail == {"status": 404, "code": "not_found", "method": "GET", "route": "sample-detail"}
        assert not events(action="case_viewed")

    def test_a_missing_case_is_recorded_like_an_out_of_scope_one(self, places, cast, api_client_for):
        missing = uuid.UUID("00000000-0000-4000-8000-000000000000")
        api_client_for(cast.alice).get(detail_url(missing))
        (event,) = events(action="access_denied")
        assert event.case_uuid == missing

    def test_a_refused_change_is_recorded_as_access_denied(self, places, cast, api_client_for):
        case = sample_case(places, cast)
        response = api_client_for(cast.dave).patch(
            detail_url(case), {"name": "x"}, format="json", headers={"If-Match": '"1"'}
        )
        assert response.status_code == 403
        (event,) = events(action="access_denied")
        assert (event.actor, event.case_uuid) == (cast.dave, case.uuid)
        assert event.detail["status"] == 403 and event.detail["method"] == "PATCH"

    def test_an_anonymous_request_records_nothing(self, places, cast):
        case = sample_case(places, cast)
        assert APIClient().get(detail_url(case)).status_code == 401
        assert not AuditEvent.objects.exists()

    def test_a_failed_read_records_no_view(self, places, cast, api_client_for):
        api_client_for(cast.alice).get(reverse("sample-list"), {"page": "9"})
        assert not events(action__in=["case_listed", "case_viewed"])


@pytest.mark.django_db
class TestSignIns:
    def test_signing_in_and_out_on_the_web_is_recorded(self, cast, client, password):
        client.post(reverse("login"), {"username": "alice", "password": password}, REMOTE_ADDR="198.51.100.7")
        client.post(reverse("logout"))

        login, logout = events(action__in=["login", "logout"])
        assert (login.action, login.actor, login.ip_address) == ("login", cast.alice, "198.51.100.7")
        assert (logout.action, logout.actor) == ("logout", cast.alice)

    def test_a_failed_sign_in_keeps_the_attempted_username_only_as_a_keyed_digest(self, cast, client):
        client.post(reverse("login"), {"username": "alice", "password": "not her password"})

        (event,) = events(action="login_failed")
        assert (event.actor, event.actor_username, event.outcome) == (None, "", "failure")
        assert event.detail == {"username": keyed_digest("alice", purpose="audit.username")}
        assert "alice" not in event.detail["username"]

    def test_a_token_handed_out_is_recorded(self, cast, password):
        response = APIClient().post(reverse("api-token"), {"username": "alice", "password": password}, format="json")
        assert response.status_code == 200

        (event,) = events(action="token_issued")
        assert event.actor == cast.alice
        assert response.json()["token"][:8] not in str(event.detail)

    def test_a_refused_token_request_is_a_failed_sign_in(self, cast):
        APIClient().post(reverse("api-token"), {"username": "alice", "password": "wrong"}, format="json")
        assert not events(action="token_issued")
        assert len(events(action="login_failed")) == 1
