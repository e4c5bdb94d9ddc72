"""The attachment pages: each section's documents on its tab, the upload page (also posted to by
the drag-and-drop form, with XMLHttpRequest), preview and download, withdrawal."""

from __future__ import annotations

import pytest
from django.urls import reverse

from attachments import operations
from attachments.models import Attachment
from attachments.uploads import ephemeral_upload
from registry.models import AuditAction, AuditEvent
from tests.attachments import samples
from tests.attachments.conftest import multipart_file, stored_files
from tests.victims.test_api_matrix import referred_case
from victims.models import Case


def file_document(case: Case, actor, *, section="consents", kind="consent_form", data=None, name="a.pdf"):
    case.refresh_from_db()
    return operations.attachment_upload(
        actor=actor,
        case=case,
        expected_version=case.version,
        section=section,
        kind=kind,
        title="知情同意书（虚构）",
        upload=ephemeral_upload([data or samples.pdf()], name=name),
    )


def tab(client, case, section) -> str:
    response = client.get(reverse("victims:case", args=[case.uuid]) + f"?tab={section}")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def case(places, cast):
    return referred_case(places, cast, seed=51)


@pytest.mark.django_db
def test_the_tab_lists_the_sections_documents_and_offers_the_upload_to_its_writers(client, case, cast):
    document = file_document(case, cast.alice)
    client.force_login(cast.alice)
    page = tab(client, case, "consents")
    assert f'id="attachment-{document.uuid}"' in page and "知情同意书（虚构）" in page
    assert 'id="attachment-upload"' in page and 'enctype="multipart/form-data"' in page
    assert "attachments/attachments.js" in page and "<script>" not in page
    assert reverse("attachments:preview", args=[document.uuid]) in page
    assert f'id="attachment-{document.uuid}"' not in tab(client, case, "health")  # filed under consents only

    client.force_login(cast.bob)  # education reads consents, writes none of them
    page = tab(client, case, "consents")
    assert f'id="attachment-{document.uuid}"' in page and 'id="attachment-upload"' not in page
    assert 'id="attachment-upload"' in tab(client, case, "schooling")  # its own section, referral accepted


@pytest.mark.django_db
def test_a_photo_of_the_person_is_shown_to_caseworkers_and_civil_affairs_only(client, case, cast):
    photo = file_document(case, cast.alice, section="person", kind="photo", data=samples.jpeg(), name="p.jpg")
    for member, sees in (("alice", True), ("dave", True), ("bob", False), ("erin", False), ("frank", False)):
        client.force_login(getattr(cast, member))
        page = tab(client, case, "person")
        assert (f'id="attachment-{photo.uuid}"' in page) is sees, member
        preview = client.get(reverse("attachments:preview", args=[photo.uuid]))
        assert preview.status_code == (200 if sees else 404), member


@pytest.mark.django_db
def test_the_upload_page_files_a_document_and_goes_back_to_the_tab(client, case, cast):
    client.force_login(cast.alice)
    url = reverse("attachments:upload", args=[case.uuid, "consents"])
    assert client.get(url).status_code == 200
    body = {"file": multipart_file(samples.pdf(), "签字.pdf"), "kind": "consent_form", "title": "同意书", "version": 1}
    case.refresh_from_db()
    body["version"] = case.version
    response = client.post(url, body)
    assert response.status_code == 302 and response["Location"].endswith("?tab=consents")
    attachment = Attachment.objects.get()
    assert (attachment.title, attachment.file_name, attachment.uploaded_by) == ("同意书", "签字.pdf", cast.alice)
    assert AuditEvent.objects.filter(action=AuditAction.ATTACHMENT_UPLOADED, case_uuid=case.uuid).count() == 1


@pytest.mark.django_db
def test_the_drag_and_drop_form_gets_204_and_where_to_go(client, case, cast):
    client.force_login(cast.alice)
    case.refresh_from_db()
    body = {"file": multipart_file(samples.pdf()), "kind": "consent_form", "title": "同意书", "version": case.version}
    url = reverse("attachments:upload", args=[case.uuid, "consents"])
    response = client.post(url, body, headers={"X-Requested-With": "XMLHttpRequest"})
    assert response.status_code == 204
    assert response["X-Location"] == reverse("victims:case", args=[case.uuid]) + "?tab=consents"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "status", "message"),
    [(b"not a document", 400, "不接受"), (samples.pdf_with("javascript"), 400, "脚本")],
    ids=["type", "javascript"],
)
def test_a_refused_upload_says_why_on_the_page_and_stores_nothing(
    client, case, cast, attachments_storage, data, status, message
):
    client.force_login(cast.alice)
    case.refresh_from_db()
    body = {"file": multipart_file(data), "kind": "consent_form", "title": "同意书", "version": case.version}
    response = client.post(reverse("attachments:upload", args=[case.uuid, "consents"]), body)
    assert response.status_code == status
    assert message in response.content.decode() and 'class="field__error"' in response.content.decode()
    assert stored_files(attachments_storage) == [] and not Attachment.objects.exists()


@pytest.mark.django_db
def test_an_oversize_upload_is_413_on_the_page(client, case, cast, settings, attachments_storage):
    settings.ATTACHMENTS_MAX_BYTES = 1000
    client.force_login(cast.alice)
    case.refresh_from_db()
    document = multipart_file(samples.pdf("x" * 2000))
    body = {"file": document, "kind": "consent_form", "title": "t", "version": case.version}
    response = client.post(reverse("attachments:upload", args=[case.uuid, "consents"]), body)
    assert response.status_code == 413 and stored_files(attachments_storage) == []


@pytest.mark.django_db
def test_upload_pages_are_refused_like_the_api(client, places, cast):
    case = referred_case(places, cast, seed=52, pending=("schooling",))
    client.force_login(cast.bob)  # referral pending: reads the case, may not file yet
    assert client.get(reverse("attachments:upload", args=[case.uuid, "schooling"])).status_code == 403
    client.force_login(cast.bob)
    assert client.get(reverse("attachments:upload", args=[case.uuid, "health"])).status_code == 404
    client.force_login(cast.carol)  # another city's caseworker: no such case
    assert client.get(reverse("attachments:upload", args=[case.uuid, "consents"])).status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, case_uuid=case.uuid).count() == 3


@pytest.mark.django_db
def test_preview_is_inline_never_cached_and_audited(client, case, cast):
    document = file_document(case, cast.alice, data=samples.jpeg(), name="scan.jpg")
    client.force_login(cast.dave)
    response = client.get(reverse("attachments:preview", args=[document.uuid]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["Cache-Control"].startswith("no-store") and "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content)[:3] == b"\xff\xd8\xff"
    event = AuditEvent.objects.filter(action=AuditAction.ATTACHMENT_DOWNLOADED).get()
    assert event.actor == cast.dave and event.detail["preview"] is True

    client.force_login(cast.carol)
    assert client.get(reverse("attachments:download", args=[document.uuid])).status_code == 404
    refused = AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).get()
    assert refused.actor == cast.carol


@pytest.mark.django_db
def test_a_document_is_withdrawn_with_a_reason_and_stays(client, case, cast, attachments_storage):
    document = file_document(case, cast.alice)
    client.force_login(cast.alice)
    url = reverse("attachments:withdraw", args=[document.uuid])
    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": "", "version": 1}).status_code == 400
    response = client.post(url, {"reason": "上传错了文件", "version": 1})
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.withdrawn and document.withdrawal_reason == "上传错了文件"
    assert len(stored_files(attachments_storage)) == 1
    page = tab(client, case, "consents")
    assert "attachment--withdrawn" in page and url not in page
    stale = client.post(url, {"reason": "again", "version": 1})
    assert stale.status_code == 412
