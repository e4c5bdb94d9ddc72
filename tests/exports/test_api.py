"""The dossiers' API: generate with the password again, list, download; refusals audited."""

import pytest
from django.urls import reverse

from exports import storage
from exports.dossier.digests import sha256_hexdigest, sm3_hexdigest
from exports.models import ArchiveRecord
from registry.models import AuditEvent
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def generate(client, case, **body):
    return client.post(reverse("case-dossier-list", kwargs={"id": case.uuid}), body, format="json")


def test_civil_affairs_generates_a_dossier_and_gets_its_id_and_sha256(register, cast, api_client_for, fast_render):
    case = register()
    response = generate(api_client_for(cast.dave), case, password=TEST_PASSWORD)
    assert response.status_code == 201, response.json()
    body = response.json()
    record = ArchiveRecord.objects.get()
    assert body["id"] == str(record.uuid)
    assert body["sha256"] == record.sha256
    assert body["archive_number"] == f"{case.number}-D001"
    assert body["case"] == str(case.uuid) and body["case_version"] == case.version
    assert body["download_url"] == reverse("dossier-pdf", kwargs={"id": record.uuid})
    assert "password" not in body
    pdf = storage.open_sealed(storage.read(record.storage_name), record_uuid=record.uuid)
    assert sha256_hexdigest(pdf) == record.sha256 and sm3_hexdigest(pdf) == record.sm3 and len(pdf) == record.size
    event = AuditEvent.objects.filter(action="dossier_generated").get()
    assert event.actor_username == "dave" and event.case_uuid == case.uuid
    assert event.sections == record.sections and event.detail["dossier"] == str(record.uuid)
    # The record's history names the actor and the reason.
    history = record.history.get()
    assert history.history_user == cast.dave and history.history_change_reason == "dossier generated"


def test_a_wrong_or_missing_password_generates_nothing(register, cast, api_client_for, fast_render):
    case = register()
    client = api_client_for(cast.dave)
    for body in ({"password": "not my password"}, {}):
        response = generate(client, case, **body)
        assert response.status_code == 403
        assert response.json()["code"] == "step_up_failed"
        assert response.json()["fields"] == {"password": [response.json()["message"]]}
    assert not ArchiveRecord.objects.exists()
    assert AuditEvent.objects.filter(action="access_denied", case_uuid=case.uuid).count() == 2


def test_wrong_passwords_lock_the_step_up_out(register, cast, api_client_for, fast_render, settings):
    case = register()
    client = api_client_for(cast.dave)
    statuses = [generate(client, case, password="wrong").status_code for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert statuses[-1] == 429
    assert generate(client, case, password=TEST_PASSWORD).status_code == 429  # even the right one, now
    assert not ArchiveRecord.objects.exists()


def test_a_role_without_export_dossier_gets_403_and_the_denial_is_audited(register, cast, api_client_for):
    case = register()
    response = generate(api_client_for(cast.alice), case, password=TEST_PASSWORD)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    event = AuditEvent.objects.filter(action="access_denied").get()
    assert event.actor_username == "alice" and event.case_uuid == case.uuid and event.outcome == "denied"
    assert event.detail["status"] == 403 and event.detail["route"] == "case-dossier-list"


def test_a_case_out_of_scope_is_404_even_for_civil_affairs_and_audited(register, cast, api_client_for):
    case = register()
    response = generate(api_client_for(cast.xavier), case, password=TEST_PASSWORD)
    assert response.status_code == 404
    event = AuditEvent.objects.filter(action="access_denied").get()
    assert event.actor_username == "xavier" and event.case_uuid == case.uuid and event.detail["status"] == 404


def test_download_sends_the_pdf_under_its_archive_number_and_is_audited(register, cast, api_client_for, fast_render):
    case = register()
    client = api_client_for(cast.dave)
    record_id = generate(client, case, password=TEST_PASSWORD).json()["id"]
    record = ArchiveRecord.objects.get(uuid=record_id)
    response = client.get(reverse("dossier-pdf", kwargs={"id": record_id}), HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{case.number}-D001.pdf"'
    assert response["Cache-Control"].startswith("no-store")
    assert sha256_hexdigest(response.content) == record.sha256
    event = AuditEvent.objects.filter(action="dossier_downloaded").get()
    assert event.actor_username == "dave" and event.case_uuid == case.uuid and event.outcome == "success"


def test_download_refusals_name_the_dossiers_case_in_the_audit_log(register, cast, api_client_for, fast_render):
    case = register()
    record_id = generate(api_client_for(cast.dave), case, password=TEST_PASSWORD).json()["id"]
    url = reverse("dossier-pdf", kwargs={"id": record_id})
    assert api_client_for(cast.alice).get(url).status_code == 403  # sees the case, may not export
    assert api_client_for(cast.carol).get(url).status_code == 404  # does not see it
    denied = AuditEvent.objects.filter(action="access_denied").order_by("id")
    assert [(event.actor_username, event.detail["status"], event.case_uuid) for event in denied] == [
        ("alice", 403, case.uuid),
        ("carol", 404, case.uuid),
    ]
    assert not AuditEvent.objects.filter(action="dossier_downloaded").exists()


def test_an_unknown_or_malformed_dossier_id_is_404(cast, api_client_for):
    client = api_client_for(cast.dave)
    for value in ("00000000-0000-0000-0000-000000000000", "not-a-uuid"):
        response = client.get(reverse("dossier-pdf", kwargs={"id": value}))
        assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_the_list_shows_the_cases_dossiers_newest_first(register, cast, api_client_for, fast_render):
    case, other = register(seed=1), register(seed=2)
    client = api_client_for(cast.dave)
    for _ in range(2):
        generate(client, case, password=TEST_PASSWORD)
    generate(client, other, password=TEST_PASSWORD)
    response = client.get(reverse("case-dossier-list", kwargs={"id": case.uuid}))
    assert response.status_code == 200
    results = response.json()["results"]
    assert [item["archive_number"] for item in results] == [f"{case.number}-D002", f"{case.number}-D001"]
    viewed = AuditEvent.objects.filter(action="case_viewed", case_uuid=case.uuid).latest("id")
    assert viewed.detail == {"view": "dossiers", "count": 2} and viewed.sections == []


def test_an_unknown_field_or_language_is_refused(register, cast, api_client_for, fast_render):
    case = register()
    client = api_client_for(cast.dave)
    assert generate(client, case, password=TEST_PASSWORD, language="fr").status_code == 400
    assert generate(client, case, password=TEST_PASSWORD, sections=["person"]).status_code == 400
    assert not ArchiveRecord.objects.exists()
