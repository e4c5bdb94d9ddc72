"""Canary: drive every audited path with unique personal values and search terms, then look at
the bytes the database really holds — no value may appear in clear, in the audit table or
anywhere else (the case's own columns hold only ciphertext and blind indexes)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from registry.history import recorded_change
from registry.models import AuditEvent
from tests.helpers import assert_not_stored
from tests.scaffold.models import SampleCase, SampleReferral

NAME = "金丝雀梅花鹿"
ID_NUMBER = "11010519491231002X"
HEALTH = "canary-health-note-7f3a"
TYPED_TERM = "canary-search-term-5b9e"  # a term that matches nothing
TYPED_USERNAME = "canary-typed-username-42c1"  # what someone typed into the username field
TYPED_PASSWORD = "canary-typed-password-8d0f"


def audit_table_text() -> str:
    """Every column of every audit row, as the database returns it."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (name from the model)
        return "\n".join("|".join(str(value) for value in row) for row in cursor.fetchall())


@pytest.mark.django_db(transaction=True)
def test_no_personal_value_or_search_term_reaches_the_database_in_clear(places, cast, password):
    with recorded_change(actor=cast.alice, reason="canary registration"):
        case = SampleCase.objects.create(
            jurisdiction=places.gulou,
            lead_organization=places.fz_shelter,
            name=NAME,
            id_number=ID_NUMBER,
            health_note=HEALTH,
        )
        SampleReferral.objects.create(case=case, to_organization=places.fz_education)
    detail = reverse("sample-detail", kwargs={"id": case.uuid})
    listing = reverse("sample-list")

    # Sign-ins: a failed one with a username that is really something else, a good one, a token.
    web = APIClient()
    web.post(reverse("login"), {"username": TYPED_USERNAME, "password": TYPED_PASSWORD})
    web.post(reverse("login"), {"username": "alice", "password": TYPED_PASSWORD})
    assert web.post(reverse("login"), {"username": "alice", "password": password}).status_code == 302
    token = APIClient().post(reverse("api-token"), {"username": "alice", "password": password}, format="json")
    assert token.status_code == 200
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")

    # Reads: detail, list, searches (found, and not found), refusals.
    assert api.get(detail).status_code == 200
    assert api.get(listing).status_code == 200
    assert api.get(listing, {"id_number": ID_NUMBER}).json()["count"] == 1
    assert api.get(listing, {"id_number": TYPED_TERM}).json()["count"] == 0
    assert api.get(listing, {NAME: ID_NUMBER}).status_code == 200  # an undeclared parameter
    carol = APIClient()
    carol.force_authenticate(cast.carol)
    assert carol.get(detail).status_code == 404
    bob = APIClient()
    bob.force_authenticate(cast.bob)
    assert bob.patch(detail, {"name": NAME}, format="json", headers={"If-Match": '"1"'}).status_code == 403
    web.post(reverse("logout"))

    # The auditor looks, with a search term typed into the user filter, and exports.
    grace = APIClient()
    grace.force_login(cast.grace)
    assert grace.get("/api/v1/audit-events/", {"user": ID_NUMBER}).status_code == 200
    assert grace.get(reverse("audit-log"), {"user": NAME}).status_code == 200
    export = grace.get(reverse("audit-export"))
    assert export.status_code == 200
    exported = b"".join(export.streaming_content).decode()

    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert actions >= {
        "login_failed",
        "login",
        "logout",
        "token_issued",
        "case_viewed",
        "case_listed",
        "case_searched",
        "access_denied",
        "audit_viewed",
        "audit_exported",
    }
    secrets = (NAME, ID_NUMBER, ID_NUMBER.lower(), HEALTH, TYPED_TERM, TYPED_USERNAME, TYPED_PASSWORD)
    audit_rows = audit_table_text()
    for value in secrets:
        assert value not in audit_rows, f"{value!r} is in the audit table"
        assert value not in exported, f"{value!r} is in the CSV export"
    # The whole database, every table. (The typed username is left out here: django-axes keeps
    # attempted usernames for its lockout counters — the audit table holds none, checked above.)
    assert_not_stored(NAME, ID_NUMBER, HEALTH, TYPED_TERM, TYPED_PASSWORD)
