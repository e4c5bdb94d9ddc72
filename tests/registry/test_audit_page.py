"""The auditor's page (issue 18, item 10): the log filtered by case number (translated to the
case's UUID on the server; the API keeps its UUID filter), each event's case named by its
number, and the CSV export with Chinese column labels on request and Beijing time stated in
its header."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from registry.audit import AuditAction, record_event
from registry.models import AuditEvent
from tests.helpers import audit_triggers_lifted, zh
from tests.victims.conftest import RESCUE, person
from victims import operations

TIME_EN = "time (Asia/Shanghai, UTC+8)"
TIME_ZH = "时间（北京时间，UTC+8）"


@pytest.fixture
def viewed(cast, places):
    """Two cases of Alice's, each viewed once; returns (case, other case)."""
    cases = [
        operations.case_register(actor=cast.alice, victim=person(seed), jurisdiction=places.gulou, rescue=dict(RESCUE))
        for seed in (1, 2)
    ]
    for case in cases:
        record_event(action=AuditAction.CASE_VIEWED, actor=cast.alice, case_uuid=case.uuid, sections=["person"])
    return cases


def _events_table(response) -> str:
    return response.content.decode().split('id="audit-events"', 1)[1].split("</table>", 1)[0]


def _read_csv(response) -> tuple[list[str], list[list[str]]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    return rows[0], rows[1:]


@pytest.mark.django_db
def test_the_log_filters_by_case_number_and_names_cases_by_number(cast, viewed, client):
    case, other = viewed
    client.force_login(cast.grace)

    response = client.get(reverse("audit-log"), {"case_number": f" {case.number.lower()} "})

    assert response.status_code == 200
    table = _events_table(response)
    assert case.number in table and other.number not in table
    assert str(case.uuid) not in table  # the number stands for the case, not its UUID
    viewed_event = AuditEvent.objects.filter(action="audit_viewed").latest("id")
    assert viewed_event.detail == {"filters": {"case": str(case.uuid)}}


@pytest.mark.django_db
def test_an_unknown_case_number_is_shown_on_its_field_not_a_500(cast, viewed, client):
    client.force_login(cast.grace)

    response = client.get(reverse("audit-log"), {"case_number": "FZ-350102-2026-99999"})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="audit-field-case_number"' in html and "field--error" in html
    assert zh("No case has this number. Type it as the case list shows it.") in html and 'id="audit-events"' not in html
    assert client.get(reverse("audit-export"), {"case_number": "nonsense"}).status_code == 400


@pytest.mark.django_db
def test_the_api_keeps_filtering_by_case_uuid(cast, viewed, api_client_for):
    case, _other = viewed
    response = api_client_for(cast.grace).get(
        "/api/v1/audit-events/", {"case": str(case.uuid), "action": "case_viewed"}
    )
    assert response.status_code == 200
    assert [item["case_id"] for item in response.json()["results"]] == [str(case.uuid)]


@pytest.mark.django_db
def test_the_export_form_carries_the_filters_and_the_label_choice(cast, viewed, client):
    case, _other = viewed
    client.force_login(cast.grace)
    html = client.get(reverse("audit-log"), {"case_number": case.number, "page": "1"}).content.decode()
    form = html.split('id="audit-export"', 1)[1].split("</form>", 1)[0]
    assert f'name="case_number" value="{case.number}"' in form and 'name="page"' not in form
    assert 'name="labels"' in form and 'value="zh"' in form


@pytest.mark.django_db
def test_the_export_is_in_machine_names_by_default_with_beijing_time(cast, viewed, client):
    case, _other = viewed
    event = AuditEvent.objects.get(action="case_viewed", case_uuid=case.uuid)
    with audit_triggers_lifted():
        AuditEvent._base_manager.filter(pk=event.pk).update(occurred_at=datetime(2026, 3, 1, 17, 30, tzinfo=UTC))
    client.force_login(cast.grace)

    header, rows = _read_csv(client.get(reverse("audit-export"), {"case_number": case.number, "action": "case_viewed"}))

    assert header[:3] == ["sequence", TIME_EN, "username"] and "case_id" in header
    assert len(rows) == 1
    assert rows[0][1].startswith("2026-03-02T01:30:00") and rows[0][1].endswith("+08:00")
    exported = AuditEvent.objects.get(action="audit_exported")
    assert (
        exported.detail["filters"] == {"action": "case_viewed", "case": str(case.uuid)} and exported.detail["rows"] == 1
    )


@pytest.mark.django_db
def test_the_export_has_chinese_column_labels_on_request(cast, viewed, client):
    client.force_login(cast.grace)

    header, rows = _read_csv(client.get(reverse("audit-export"), {"labels": "zh", "user": "alice"}))

    assert header[:3] == ["序号", TIME_ZH, "用户名"] and "个案标识" in header
    assert header[-2:] == ["前一条哈希值", "哈希值"] and "sequence" not in header
    assert rows and {row[2] for row in rows} == {"alice"}
    assert client.get(reverse("audit-export"), {"labels": "fr"}).status_code == 400
    assert AuditEvent.objects.filter(action="audit_exported").count() == 1  # the refused one is not an export


@pytest.mark.django_db
def test_the_log_pages_are_numbered_with_the_current_one_marked(cast, client):
    for _n in range(51):
        record_event(action=AuditAction.LOGIN, actor=cast.alice)
    client.force_login(cast.grace)
    html = client.get(reverse("audit-log"), {"user": "alice", "page": "2"}).content.decode()
    pager = html.split('class="pager"', 1)[1].split("</nav>", 1)[0]
    assert '<a class="pager__number" href="?user=alice&amp;page=2" aria-current="page">2</a>' in pager
    assert 'href="?user=alice&amp;page=1"' in pager
