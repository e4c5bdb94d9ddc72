"""The dossier pages: the case header's link, generation with the password again, a job's page,
download, batch status; refusals are the audited 404/403 pages."""

import pytest
from django.urls import reverse

from exports.batch import batch_start
from exports.dossier.digests import sha256_hexdigest
from exports.models import ArchiveBatch, ArchiveRecord, DossierJob
from registry.models import AuditEvent
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def dossiers_url(case):
    return reverse("exports:case-dossiers", args=[case.uuid])


def test_the_case_header_links_to_the_dossiers_for_civil_affairs_only(register, cast, client):
    case = register()
    client.force_login(cast.dave)
    page = client.get(reverse("victims:case", args=[case.uuid])).content.decode()
    assert 'id="case-link-dossiers"' in page and dossiers_url(case) in page
    client.force_login(cast.alice)
    assert "case-link-dossiers" not in client.get(reverse("victims:case", args=[case.uuid])).content.decode()


def test_civil_affairs_generates_with_the_password_and_downloads(register, cast, client, fast_render):
    case = register()
    client.force_login(cast.dave)
    page = client.get(dossiers_url(case))
    assert page.status_code == 200 and 'id="no-dossiers"' in page.content.decode()

    wrong = client.post(dossiers_url(case), {"language": "zh-hans", "password": "wrong password"})
    assert wrong.status_code == 400
    assert 'id="field-password"' in wrong.content.decode() and "field--error" in wrong.content.decode()
    assert not ArchiveRecord.objects.exists()

    done = client.post(dossiers_url(case), {"language": "zh-hans", "password": TEST_PASSWORD})
    assert done.status_code == 302 and done["Location"] == dossiers_url(case)
    record = ArchiveRecord.objects.get()
    listing = client.get(dossiers_url(case)).content.decode()
    assert record.archive_number in listing
    download_url = reverse("exports:dossier-pdf", args=[record.uuid])
    assert download_url in listing

    response = client.get(download_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{record.archive_number}.pdf"'
    assert sha256_hexdigest(response.content) == record.sha256
    assert AuditEvent.objects.filter(action="dossier_downloaded", actor_username="dave").count() == 1
    assert AuditEvent.objects.filter(action="case_viewed", case_uuid=case.uuid, detail__contains="dossiers").exists()


def test_a_caseworker_gets_the_403_page_and_an_outsider_the_404_page_both_audited(register, cast, client, fast_render):
    case = register()
    client.force_login(cast.dave)
    client.post(dossiers_url(case), {"language": "zh-hans", "password": TEST_PASSWORD})
    record = ArchiveRecord.objects.get()
    download_url = reverse("exports:dossier-pdf", args=[record.uuid])
    for user, status in ((cast.alice, 403), (cast.carol, 404), (cast.grace, 404)):
        client.force_login(user)
        assert client.get(dossiers_url(case)).status_code == status, user
        assert client.post(dossiers_url(case), {"password": TEST_PASSWORD}).status_code == status, user
        assert client.get(download_url).status_code == status, user
        denied = AuditEvent.objects.filter(action="access_denied", actor_username=user.username)
        assert denied.count() == 3
        assert {event.case_uuid for event in denied} == {case.uuid}
        assert {event.detail["status"] for event in denied} == {status}
    assert ArchiveRecord.objects.count() == 1


def test_the_batch_page_shows_civil_affairs_the_runs_in_its_jurisdiction(cast, client):
    fuzhou = batch_start(actor=cast.dave, jurisdiction_code="3501", mode=ArchiveBatch.Mode.IN_PROCESS)
    xiamen = batch_start(actor=cast.xavier, jurisdiction_code="3502", mode=ArchiveBatch.Mode.IN_PROCESS)
    client.force_login(cast.dave)
    page = client.get(reverse("exports:batches")).content.decode()
    assert f'id="batch-{fuzhou.uuid}"' in page and f'id="batch-{xiamen.uuid}"' not in page
    client.force_login(cast.alice)
    assert client.get(reverse("exports:batches")).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(register, client):
    case = register()
    response = client.get(dossiers_url(case))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_tampered_dossier_is_not_downloaded_from_the_page(register, cast, client, fast_render, archive_storage):
    case = register()
    client.force_login(cast.dave)
    client.post(dossiers_url(case), {"language": "zh-hans", "password": TEST_PASSWORD})
    record = ArchiveRecord.objects.get()
    path = archive_storage / record.storage_name
    path.write_bytes(path.read_bytes()[:-2])
    response = client.get(reverse("exports:dossier-pdf", args=[record.uuid]))
    assert response.status_code == 409 and response["Content-Type"].startswith("text/html")
    assert record.archive_number in response.content.decode()


def test_wrong_passwords_on_the_page_lock_the_step_up_out(register, cast, client, fast_render, settings):
    case = register()
    client.force_login(cast.dave)
    statuses = [
        client.post(dossiers_url(case), {"language": "zh-hans", "password": "wrong"}).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses[:-1] == [400] * (settings.AXES_FAILURE_LIMIT - 1) and statuses[-1] == 429
    assert client.post(dossiers_url(case), {"language": "zh-hans", "password": TEST_PASSWORD}).status_code == 429
    assert not ArchiveRecord.objects.exists()


def test_a_dossier_not_ready_within_the_wait_is_followed_on_its_jobs_page(register, cast, client, fast_render,
                                                                          on_celery):  # fmt: skip
    case = register()
    client.force_login(cast.dave)
    asked = on_celery.post(client, dossiers_url(case), {"language": "zh-hans", "password": TEST_PASSWORD})
    job = DossierJob.objects.get()
    job_page = reverse("exports:dossier-job", args=[job.uuid])
    assert asked.status_code == 302 and asked["Location"] == job_page

    waiting = client.get(job_page)
    page = waiting.content.decode()
    assert waiting.status_code == 200 and waiting["Refresh"] == "3"  # reloads itself, no script
    assert 'data-status="queued"' in page and 'id="job-refresh"' in page and "job-download" not in page
    listing = client.get(dossiers_url(case)).content.decode()
    assert f'id="job-{job.uuid}"' in listing and job_page in listing

    on_celery.deliver()
    done = client.get(job_page)
    record = ArchiveRecord.objects.get()
    assert "Refresh" not in done
    assert 'data-status="done"' in done.content.decode()
    assert reverse("exports:dossier-pdf", args=[record.uuid]) in done.content.decode()
    assert f'id="job-{job.uuid}"' not in client.get(dossiers_url(case)).content.decode()  # made: listed as a dossier
    views = AuditEvent.objects.filter(action="case_viewed", case_uuid=case.uuid).order_by("id")
    assert [event.detail["status"] for event in views if event.detail.get("view") == "dossier_job"] == [
        "queued",
        "done",
    ]


def test_a_failed_job_says_why_on_its_page(register, cast, client, settings, fast_render):
    settings.EXPORTS_DOSSIER_TIME_LIMIT = 0
    case = register()
    client.force_login(cast.dave)
    asked = client.post(dossiers_url(case), {"language": "zh-hans", "password": TEST_PASSWORD})
    job = DossierJob.objects.get()
    assert asked.status_code == 302 and asked["Location"] == reverse("exports:dossier-job", args=[job.uuid])
    page = client.get(asked["Location"])
    assert 'data-status="timed_out"' in page.content.decode() and 'id="job-error"' in page.content.decode()
    assert "Refresh" not in page


def test_a_jobs_page_is_refused_like_the_dossiers_and_the_refusal_names_the_case(register, cast, client,
                                                                                 fast_render, on_celery):  # fmt: skip
    case = register()
    client.force_login(cast.dave)
    on_celery.post(client, dossiers_url(case), {"language": "zh-hans", "password": TEST_PASSWORD})
    job_page = reverse("exports:dossier-job", args=[DossierJob.objects.get().uuid])
    for user, status in ((cast.alice, 403), (cast.carol, 404), (cast.grace, 404)):
        client.force_login(user)
        assert client.get(job_page).status_code == status, user
        denied = AuditEvent.objects.get(action="access_denied", actor_username=user.username)
        assert denied.case_uuid == case.uuid and denied.detail["status"] == status
