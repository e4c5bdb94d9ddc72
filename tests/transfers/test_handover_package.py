"""The hand-over package: a dossier limited to the hand-over's sections, then the receipt form."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils import translation

from exports.dossier.render import read_attachment
from exports.models import ArchiveRecord
from exports.operations import read_verified
from registry.errors import PermissionDenied
from registry.models import AuditAction, AuditEvent
from tests.exports.helpers import pdf_text
from tests.factories import TEST_PASSWORD
from tests.transfers.test_handover_operations import case, hand_over  # noqa: F401 (the fixture)
from tests.victims.conftest import TODAY
from transfers.handover import receipt
from transfers.handover.operations import handover_package
from victims import operations


@pytest.fixture(autouse=True)
def archive_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "archive": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }


def squeezed(text: str) -> str:
    return "".join(text.split())


@pytest.mark.django_db
def test_the_package_holds_only_the_hand_overs_sections_and_ends_with_the_receipt(case, cast):  # noqa: F811
    operations.record_add(
        actor=cast.alice, case=case, model="healthassessment",
        data={"assessed_on": TODAY, "assessor": "医生（虚构）", "physical": "左臂骨折愈合中（虚构）"},
    )  # fmt: skip
    case.refresh_from_db()
    handover = hand_over(case, cast.dave, sections=["person", "identity"])
    with pytest.raises(PermissionDenied):
        handover_package(actor=cast.alice, handover=handover)
    record = handover_package(actor=cast.dave, handover=handover)
    assert record.sections == ["person", "identity"]
    pdf = read_verified(record)
    payload = json.loads(read_attachment(pdf, f"{case.number}.json"))
    assert set(payload["sections"]) == {"person", "identity"}
    assert all(set(entry["sections"]) <= {"person", "identity"} for entry in payload["history"])
    text = squeezed(pdf_text(pdf))
    assert "左臂骨折" not in text  # health was not chosen
    last_page = squeezed(pdf_text(pdf, page=record.page_count))
    with translation.override("zh-hans"):  # the receipt's labels as the Chinese package prints them
        labels = [str(label) for label in (receipt.RECEIPT_TITLE, *receipt.SIGNATURES)]
    for words in (*labels, case.number, "云南省民政厅", "社会救助处", "53云南省", TODAY.isoformat()):
        assert squeezed(words) in last_page, words
    event = AuditEvent.objects.get(action=AuditAction.DOSSIER_GENERATED)
    assert event.sections == ["person", "identity"]
    history = ArchiveRecord.history.get(id=record.pk)
    assert history.history_change_reason == "hand-over package"


@pytest.mark.django_db
def test_the_api_generates_the_package_after_the_password(case, cast, api_client_for):  # noqa: F811
    handover = hand_over(case, cast.dave)
    client = api_client_for(cast.dave)
    url = reverse("hand-over-package", kwargs={"id": handover.uuid})
    assert client.post(url, {"password": "wrong"}, format="json").status_code == 403
    response = client.post(url, {"password": TEST_PASSWORD}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["sections"] == ["person", "identity"]
    download = client.get(response.json()["download_url"])
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
