"""Who reads the audit log: the API ``/api/v1/audit-events/`` and the auditor's page and CSV
export — the auditor only; filters; formula-safe CSV; reading and exporting are audited."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from registry.audit import AuditAction, AuditOutcome, keyed_digest, record_event
from registry.audit_views import csv_safe
from registry.models import AuditEvent
from tests.helpers import audit_triggers_lifted
from tests.policy_matrix import CAST

API = "/api/v1/audit-events/"
NOT_AUDITORS = [member for member in CAST if member != "grace"]


def backdate(event, when):
    """Move an event in time for a date filter test (the chain is not checked here)."""
    with audit_triggers_lifted():
        AuditEvent._base_manager.filter(pk=event.pk).update(occurred_at=when)


@pytest.fixture
def log(cast):
    """A small log: Alice viewed a case and listed cases, Bob was refused a case, Carol failed."""
    case = uuid.UUID("11111111-1111-4111-8111-111111111111")
    return {
        "viewed": record_event(action=AuditAction.CASE_VIEWED, actor=cast.alice, case_uuid=case, sections=["person"]),
        "listed": record_event(action=AuditAction.CASE_LISTED, actor=cast.alice),
        "denied": record_event(
            action=AuditAction.ACCESS_DENIED, actor=cast.bob, case_uuid=case, outcome=AuditOutcome.DENIED
        ),
        "carol": record_event(action=AuditAction.LOGIN, actor=cast.carol),
        "case": case,
    }


# --- API -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_auditor_reads_the_log_newest_first_with_each_field(cast, log, api_client_for):
    response = api_client_for(cast.grace).get(API)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4 and set(body) >= {"count", "next", "results"}
    assert [item["sequence"] for item in body["results"]] == [
        log[k].pk for k in ("carol", "denied", "listed", "viewed")
    ]
    viewed = body["results"][-1]
    assert viewed["id"] == str(log["viewed"].uuid)
    assert (viewed["username"], viewed["role"], viewed["organization_name"]) == (
        "alice",
        "caseworker",
        "福州市救助管理站",
    )
    assert (viewed["action"], viewed["case_id"], viewed["sections"]) == ("case_viewed", str(log["case"]), ["person"])
    assert viewed["hash"] == log["viewed"].hash


@pytest.mark.django_db
@pytest.mark.parametrize("member", NOT_AUDITORS)
def test_no_other_role_reads_the_log_and_the_refusal_is_recorded(cast, log, api_client_for, member):
    response = api_client_for(getattr(cast, member)).get(API)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied" and "results" not in response.json()
    refusal = AuditEvent.objects.filter(action="access_denied", actor=getattr(cast, member)).latest("id")
    assert refusal.pk > log["carol"].pk and refusal.detail["route"] == "audit-event-list"


@pytest.mark.django_db
def test_an_anonymous_caller_gets_401(log):
    response = APIClient().get(API)
    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"user": "alice"}, ["listed", "viewed"]),
        ({"action": "access_denied"}, ["denied"]),
        ({"outcome": "denied"}, ["denied"]),
        ({"case": "11111111-1111-4111-8111-111111111111"}, ["denied", "viewed"]),
        ({"user": "alice", "action": "case_viewed"}, ["viewed"]),
        ({"user": "nobody"}, []),
    ],
)
def test_the_api_filters_by_user_action_outcome_and_case(cast, log, api_client_for, query, expected):
    body = api_client_for(cast.grace).get(API, query).json()
    assert [item["sequence"] for item in body["results"]] == [log[name].pk for name in expected]


@pytest.mark.django_db
def test_the_api_filters_by_whole_days_in_the_registrys_time_zone(cast, log, api_client_for):
    # 2026-03-01 23:30 in Shanghai is 15:30 UTC; 2026-03-02 00:30 in Shanghai is 16:30 UTC on the 1st.
    backdate(log["viewed"], datetime(2026, 3, 1, 15, 30, tzinfo=UTC))
    backdate(log["listed"], datetime(2026, 3, 1, 16, 30, tzinfo=UTC))
    backdate(log["denied"], datetime(2026, 3, 3, 1, 0, tzinfo=UTC))
    grace = api_client_for(cast.grace)

    def found(**query):
        return [item["sequence"] for item in grace.get(API, query).json()["results"]]

    assert found(date_from="2026-03-01", date_to="2026-03-01") == [log["viewed"].pk]
    assert found(date_from="2026-03-02", date_to="2026-03-02") == [log["listed"].pk]
    assert found(date_from="2026-03-02", date_to="2026-03-03") == [log["denied"].pk, log["listed"].pk]
    assert log["carol"].pk in found(date_from=(datetime.now(UTC) - timedelta(days=1)).date().isoformat())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field"),
    [({"case": "not-a-uuid"}, "case"), ({"action": "made_up"}, "action"), ({"date_from": "yesterday"}, "date_from")],
)
def test_an_invalid_filter_is_a_400_naming_it(cast, log, api_client_for, query, field):
    response = api_client_for(cast.grace).get(API, query)
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error" and field in response.json()["fields"]


@pytest.mark.django_db
def test_the_api_is_paginated(cast, api_client_for):
    for _ in range(3):
        record_event(action=AuditAction.LOGIN, actor=cast.alice)
    body = api_client_for(cast.grace).get(API, {"page_size": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]


@pytest.mark.django_db
def test_reading_the_log_is_itself_recorded_with_the_filters(cast, log, api_client_for):
    api_client_for(cast.grace).get(API, {"user": "alice", "action": "case_viewed"})
    api_client_for(cast.grace).get(API, {"user": "王小梅"})

    named, typed = AuditEvent.objects.filter(action="audit_viewed").order_by("id")
    assert named.actor == cast.grace
    assert named.detail == {"filters": {"action": "case_viewed", "user": "alice"}}
    # text that is no account's username is kept only as a keyed digest
    assert typed.detail == {"filters": {"user": keyed_digest("王小梅", purpose="audit.username")}}


# --- The auditor's page ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_auditor_sees_the_page_with_its_filters_in_chinese(cast, log, client):
    client.force_login(cast.grace)
    with translation.override("zh-hans"):
        page = client.get(reverse("audit-log"), {"user": "alice"}, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert page.status_code == 200
    html = page.content.decode()
    table = html.split('id="audit-events"', 1)[1].split("</table>", 1)[0]
    assert "审计日志" in html and "查看个案" in table and "浏览个案列表" in table
    assert str(log["case"]) in table
    assert "拒绝访问" not in table and "bob" not in table  # Bob's refusal is filtered out


@pytest.mark.django_db
def test_the_page_can_be_read_in_english(cast, log, client):
    client.force_login(cast.grace)
    client.post(reverse("set_language"), {"language": "en"})
    html = client.get(reverse("audit-log")).content.decode()
    assert "Audit log" in html and "Case viewed" in html


@pytest.mark.django_db
@pytest.mark.parametrize("member", NOT_AUDITORS)
def test_no_other_role_opens_the_page_or_the_export(cast, log, client, member):
    client.force_login(getattr(cast, member))
    refusals = AuditEvent.objects.filter(action="access_denied", actor=getattr(cast, member))
    before = refusals.count()
    for name in ("audit-log", "audit-export"):
        response = client.get(reverse(name))
        assert response.status_code == 403
        assert b"11111111" not in response.content and b"audit-events" not in response.content
    assert [event.detail["route"] for event in refusals.order_by("id")[before:]] == ["audit-log", "audit-export"]


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(log, client):
    for name in ("audit-log", "audit-export"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_an_invalid_filter_on_the_page_is_shown_not_ignored(cast, log, client):
    client.force_login(cast.grace)
    response = client.get(reverse("audit-log"), {"date_from": "2026-03-05", "date_to": "2026-03-01"})
    assert response.status_code == 400 and 'id="audit-events"' not in response.content.decode()


@pytest.mark.django_db
def test_the_auditor_dashboard_links_to_the_audit_log(cast, client):
    client.force_login(cast.grace)
    assert reverse("audit-log") in client.get(reverse("dashboard")).content.decode()


# --- CSV export ------------------------------------------------------------------------------


def read_csv(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


@pytest.mark.django_db
def test_the_export_is_the_filtered_log_oldest_first_and_is_recorded(cast, log, client):
    client.force_login(cast.grace)
    response = client.get(reverse("audit-export"), {"user": "alice"})

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-')
    rows = read_csv(response)
    assert [int(row["sequence"]) for row in rows] == [log["viewed"].pk, log["listed"].pk]
    assert rows[0]["username"] == "alice" and rows[0]["case_id"] == str(log["case"])
    assert rows[0]["hash"] == log["viewed"].hash and rows[0]["time (Asia/Shanghai, UTC+8)"].endswith("+08:00")
    exported = AuditEvent.objects.get(action="audit_exported")
    assert exported.actor == cast.grace
    assert exported.detail["rows"] == 2 and exported.detail["filters"] == {"user": "alice"}


@pytest.mark.django_db
def test_the_export_stops_at_the_event_that_records_it(cast, log, client):
    client.force_login(cast.grace)
    rows = read_csv(client.get(reverse("audit-export")))
    exported = AuditEvent.objects.get(action="audit_exported")
    assert exported.pk not in [int(row["sequence"]) for row in rows]
    assert len(rows) == exported.detail["rows"]


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("福州市救助管理站", "福州市救助管理站"),
        ("a=b", "a=b"),
        (None, ""),
        (42, "42"),
    ],
)
def test_csv_cells_that_a_spreadsheet_would_evaluate_are_quoted_as_text(value, safe):
    assert csv_safe(value) == safe


@pytest.mark.django_db
def test_a_formula_in_an_organization_name_reaches_the_export_as_text(cast, places, client):
    places.fz_shelter.name = "=cmd|' /C calc'!A0"
    places.fz_shelter.save()
    cast.alice.refresh_from_db()
    record_event(action=AuditAction.LOGIN, actor=cast.alice)
    client.force_login(cast.grace)

    rows = read_csv(client.get(reverse("audit-export"), {"user": "alice"}))
    assert rows[0]["organization"] == "'=cmd|' /C calc'!A0"
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())
