"""Bounds on a dossier: a case beyond the limits is refused before anything is rendered, with a
code and a message naming the limit, counted in SQL without decrypting anything."""

from __future__ import annotations

import pytest
from django.urls import reverse

from exports import limits
from exports.models import ArchiveRecord, DossierJob
from registry.models import AuditEvent
from tests.factories import TEST_PASSWORD
from tests.victims.conftest import CLOSING
from victims import operations

pytestmark = pytest.mark.django_db


def add_family(case, actor, count: int) -> None:
    for number in range(count):
        operations.record_add(
            actor=actor,
            case=case,
            model="familymember",
            data={"relationship": "sibling", "full_name": f"亲属{number}（虚构）", "phone": "13600000000"},
        )


def test_measure_counts_records_per_section_changes_and_stored_text_without_decrypting(full_case, cast, monkeypatch):
    import registry.crypto

    def no_decryption(*args, **kwargs):
        raise AssertionError("measuring a dossier decrypted a value")

    monkeypatch.setattr(registry.crypto, "decrypt", no_decryption)
    size = limits.measure(cast.dave, full_case)
    assert size.records["contacts"] == 2  # one household, one family member
    assert size.records["health"] == 1 and size.records["dna"] == 1
    assert size.history >= sum(size.records.values())  # every record was created, once at least
    assert size.text > 0
    # Education reads fewer sections: its dossier would hold less.
    narrower = limits.measure(cast.bob, full_case)
    assert set(narrower.records) < set(size.records) and narrower.text < size.text


@pytest.mark.parametrize(
    "setting", ["EXPORTS_DOSSIER_MAX_SECTION_RECORDS", "EXPORTS_DOSSIER_MAX_HISTORY", "EXPORTS_DOSSIER_MAX_TEXT"]
)
def test_a_case_beyond_a_limit_is_refused_with_dossier_too_large_naming_it(
    register, cast, api_client_for, fast_render, settings, setting
):
    case = register()
    add_family(case, cast.alice, 3)
    setattr(settings, setting, 2)
    response = api_client_for(cast.dave).post(
        reverse("case-dossier-list", kwargs={"id": case.uuid}), {"password": TEST_PASSWORD}, format="json"
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "dossier_too_large" and setting in body["message"]  # named in every language
    assert not DossierJob.objects.exists() and not ArchiveRecord.objects.exists()
    event = AuditEvent.objects.get(action="dossier_requested")
    assert event.outcome == "failure" and event.case_uuid == case.uuid
    assert event.detail == {"error": "dossier_too_large"}


def test_the_page_says_why_a_case_is_too_large(register, cast, client, fast_render, settings):
    case = register()
    add_family(case, cast.alice, 3)
    settings.EXPORTS_DOSSIER_MAX_SECTION_RECORDS = 2
    client.force_login(cast.dave)
    response = client.post(
        reverse("exports:case-dossiers", args=[case.uuid]), {"language": "zh-hans", "password": TEST_PASSWORD}
    )
    assert response.status_code == 409
    assert "EXPORTS_DOSSIER_MAX_SECTION_RECORDS" in response.content.decode()
    assert not DossierJob.objects.exists()


def test_the_limits_bind_batch_archival_too(register, cast, fast_render, settings):
    from exports import batch as batches
    from exports.models import ArchiveBatch

    case = register()
    add_family(case, cast.alice, 3)
    operations.case_close(actor=cast.dave, case=case, expected_version=case.version, **CLOSING)
    settings.EXPORTS_DOSSIER_MAX_SECTION_RECORDS = 2
    batch = batches.batch_start(actor=cast.dave, jurisdiction_code="3501", mode=ArchiveBatch.Mode.IN_PROCESS)
    batch = batches.run_in_process(actor=cast.dave, batch=batch)
    assert (batch.done, batch.failed) == (0, 1)
    assert batch.failures == [{"case": str(case.uuid), "error": "DossierTooLarge"}]


def test_a_case_within_the_limits_is_made(register, cast, fast_render, settings):
    from exports.operations import dossier_generate

    case = register()
    add_family(case, cast.alice, 2)
    settings.EXPORTS_DOSSIER_MAX_SECTION_RECORDS = 2
    assert dossier_generate(actor=cast.dave, case=case).archive_number.endswith("-D001")
