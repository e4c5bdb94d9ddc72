"""The attachments API: upload (multipart, If-Match with the case's ETag), metadata, content,
withdrawal — and what each answers when refused."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse

from attachments import content
from attachments.models import Attachment
from registry.models import AuditAction, AuditEvent, AuditOutcome
from tests.attachments import samples
from tests.attachments.conftest import multipart_file, stored_files


def if_match(version: int) -> dict[str, str]:
    return {"If-Match": f'"{version}"'}


def upload(client, case, data: bytes, *, section="consents", kind="consent_form", title="知情同意书", name="a.pdf",
           version=None, **extra):  # fmt: skip
    body = {"file": multipart_file(data, name), "section": section, "kind": kind, "title": title, **extra}
    return client.post(
        reverse("case-attachments", kwargs={"id": case.uuid}),
        body,
        format="multipart",
        headers=if_match(case.version if version is None else version),
    )


@pytest.fixture
def alice(api_client_for, cast):
    return api_client_for(cast.alice)


@pytest.mark.django_db
def test_an_upload_is_stored_sealed_and_comes_back_whole(alice, register, attachments_storage):
    case = register(seed=11)
    document = samples.pdf("signed consent", pages=2)
    response = upload(alice, case, document)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["media_type"] == "application/pdf" and body["page_count"] == 2
    assert body["sha256"] == hashlib.sha256(document).hexdigest()
    assert body["size"] == len(document) and body["withdrawn"] is False
    assert response["ETag"] == '"1"'
    (stored,) = stored_files(attachments_storage)
    assert document not in stored.read_bytes() and b"signed consent" not in stored.read_bytes()

    got = alice.get(reverse("attachment-content", kwargs={"id": body["id"]}))
    assert got.status_code == 200
    assert b"".join(got.streaming_content) == document
    assert got["Cache-Control"].startswith("no-store")
    assert got["Content-Type"] == "application/pdf"
    assert got["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    assert case.number in got["Content-Disposition"]
    event = AuditEvent.objects.filter(action=AuditAction.ATTACHMENT_DOWNLOADED).get()
    assert event.outcome == AuditOutcome.SUCCESS and event.case_uuid == case.uuid


@pytest.mark.django_db
def test_metadata_list_and_withdrawal(alice, register):
    case = register(seed=12)
    created = upload(alice, case, samples.pdf()).json()
    listed = alice.get(reverse("case-attachments", kwargs={"id": case.uuid}))
    assert [item["id"] for item in listed.json()["results"]] == [created["id"]]
    detail = alice.get(reverse("attachment", kwargs={"id": created["id"]}))
    assert detail.json()["title"] == "知情同意书" and detail["ETag"] == '"1"'

    url = reverse("attachment-withdraw", kwargs={"id": created["id"]})
    assert alice.post(url, {"reason": "重复上传"}, format="json").status_code == 428
    assert alice.post(url, {"reason": "重复上传"}, format="json", headers=if_match(9)).status_code == 412
    assert alice.post(url, {"reason": ""}, format="json", headers=if_match(1)).status_code == 400
    withdrawn = alice.post(url, {"reason": "重复上传"}, format="json", headers=if_match(1))
    assert withdrawn.status_code == 200
    assert withdrawn.json()["withdrawn"] is True and withdrawn.json()["withdrawal_reason"] == "重复上传"
    again = alice.post(url, {"reason": "再次"}, format="json", headers=if_match(2))
    assert again.status_code == 409 and again.json()["code"] == "already_withdrawn"
    # Never deleted: the row and its file stay; history has the upload and the withdrawal.
    attachment = Attachment.objects.get(uuid=created["id"])
    content.verify(attachment)
    assert [row.history_type for row in attachment.history.order_by("history_id")] == ["+", "~"]
    assert alice.get(reverse("attachment-content", kwargs={"id": created["id"]})).status_code == 200


@pytest.mark.django_db
def test_upload_needs_the_cases_current_etag(alice, register, attachments_storage):
    case = register(seed=13)
    missing = alice.post(
        reverse("case-attachments", kwargs={"id": case.uuid}),
        {"file": multipart_file(samples.pdf()), "section": "consents", "kind": "consent_form", "title": "t"},
        format="multipart",
    )
    assert missing.status_code == 428
    stale = upload(alice, case, samples.pdf(), version=case.version + 1)
    assert stale.status_code == 412
    assert stored_files(attachments_storage) == [] and not Attachment.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "code"),
    [("section", "nowhere", "rule_violation"), ("kind", "poem", "validation_error"), ("title", "", "validation_error")],
)
def test_bad_fields_are_named(alice, register, field, value, code, attachments_storage):
    case = register(seed=14)
    response = upload(alice, case, samples.pdf(), **{field: value})
    assert response.status_code == 400
    assert response.json()["code"] == code and field in response.json()["fields"]
    assert stored_files(attachments_storage) == []


@pytest.mark.django_db
def test_a_photo_goes_under_the_person_only(alice, register):
    case = register(seed=15)
    wrong = upload(alice, case, samples.jpeg(), section="identity", kind="photo", name="p.jpg")
    assert wrong.status_code == 400 and "kind" in wrong.json()["fields"]
    other = upload(alice, case, samples.jpeg(), section="person", kind="consent_form", name="p.jpg")
    assert other.status_code == 400 and "kind" in other.json()["fields"]
    assert upload(alice, case, samples.jpeg(), section="person", kind="photo", name="p.jpg").status_code == 201


@pytest.mark.django_db
def test_an_unknown_field_is_refused(alice, register):
    case = register(seed=16)
    response = upload(alice, case, samples.pdf(), colour="red")
    assert response.status_code == 400 and "colour" in response.json()["fields"]


@pytest.mark.django_db
def test_an_upload_with_an_idempotency_key_is_streamed_not_read_whole(alice, register, settings, attachments_storage):
    # Were the raw body read to bind the key, a body over this limit would answer 413.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    case = register(seed=17)
    document = samples.pdf("x" * 5000)
    body = {"file": multipart_file(document), "section": "consents", "kind": "consent_form", "title": "t"}
    headers = {**if_match(case.version), "Idempotency-Key": "5f0c6a52-3d4e-4d1b-9f0e-0c1d2e3f4a5b"}
    url = reverse("case-attachments", kwargs={"id": case.uuid})
    first = alice.post(url, body, format="multipart", headers=headers)
    assert first.status_code == 201, first.json()
    body["file"] = multipart_file(document)
    again = alice.post(url, body, format="multipart", headers=headers)
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"] and Attachment.objects.count() == 1
    assert len(stored_files(attachments_storage)) == 1
