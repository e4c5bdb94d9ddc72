"""A civil affairs officer generates a case's archival dossier, re-entering the password, follows
the job on its page until the dossier is made, and downloads it (a real dossier: WeasyPrint,
PDF/A-3, the stored file encrypted, made on the live server's dossier worker threads)."""

import re

import pytest
from playwright.sync_api import expect

from exports.dossier.digests import sha256_hexdigest
from exports.models import ArchiveRecord, DossierJob
from tests.browser.navigate import open_case
from tests.browser.test_case_journey import sign_in
from tests.exports.helpers import pdf_text
from tests.victims.conftest import CLOSING, RESCUE, person
from victims import operations

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def archive_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "archive": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    return tmp_path


@pytest.fixture(autouse=True)
def dossiers_on_threads(settings):
    """Jobs run on the live server's worker threads, and the form does not wait for them: the
    journey always goes through the job's page."""
    settings.CELERY_BROKER_URL = ""
    settings.EXPORTS_DOSSIER_WORKERS = 2
    settings.EXPORTS_DOSSIER_WAIT = 0


def test_civil_affairs_officer_generates_and_downloads_a_dossier(page, cast, places, password, screenshot):
    case = operations.case_register(
        actor=cast.alice, victim=person(401), jurisdiction=places.gulou, rescue=dict(RESCUE)
    )
    case = operations.case_close(actor=cast.dave, case=case, expected_version=case.version, **CLOSING)

    sign_in(page, "dave", password)
    open_case(page, case)
    page.locator("#case-link-dossiers").click()
    expect(page).to_have_url(re.compile(rf"/cases/{case.uuid}/dossiers/$"))
    expect(page.locator("#no-dossiers")).to_be_visible()
    screenshot(page, "dossiers-empty")

    # A wrong password generates nothing and says so on the field.
    page.locator("#id_password").fill("not my password")
    page.locator("#generate-dossier button[type=submit]").click()
    expect(page.locator("#field-password .field__error")).to_be_visible()
    assert not ArchiveRecord.objects.exists()
    screenshot(page, "dossier-wrong-password")

    page.locator("#id_language").select_option("zh-hans")
    page.locator("#id_password").fill(password)
    page.locator("#generate-dossier button[type=submit]").click()
    job = DossierJob.objects.get()
    expect(page).to_have_url(re.compile(rf"/dossiers/jobs/{job.uuid}/$"))
    screenshot(page, "dossier-job")
    # The page reloads itself (an HTTP Refresh header, no script) until the dossier is made.
    expect(page.locator("#job-done")).to_be_visible()
    record = ArchiveRecord.objects.get()
    expect(page.locator("#job-done")).to_contain_text(record.archive_number)
    screenshot(page, "dossier-generated")

    with page.expect_download() as download_info:
        page.locator("#job-download").click()
    download = download_info.value
    assert download.suggested_filename == f"{record.archive_number}.pdf"
    with open(download.path(), "rb") as handle:
        pdf = handle.read()
    assert pdf.startswith(b"%PDF-1.7")
    assert sha256_hexdigest(pdf) == record.sha256
    assert case.victim.full_name in pdf_text(pdf)

    # The case's dossiers list it.
    page.locator("#job-back").click()
    expect(page.locator(f"#dossier-{record.uuid}")).to_contain_text(record.archive_number)
