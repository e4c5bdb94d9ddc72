"""Dossier jobs: a dossier is made off the request that asked for it, on worker threads or Celery,
within a time limit, and the page and the API poll it; every step audited."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.urls import reverse
from django.utils import timezone

from exports import jobs
from exports.choices import JobStatus
from exports.models import ArchiveRecord, DossierJob
from registry.models import AuditEvent
from tests.exports.helpers import fake_render
from tests.factories import TEST_PASSWORD
from tests.victims.conftest import CLOSING

pytestmark = pytest.mark.django_db


def generate(client, case, **body):
    url = reverse("case-dossier-list", kwargs={"id": case.uuid})
    return client.post(url, {"password": TEST_PASSWORD, **body}, format="json")


def queue(broker, client, case, **body):
    """Ask for the case's dossier with Celery as the runner (the ``on_celery`` fixture)."""
    url = reverse("case-dossier-list", kwargs={"id": case.uuid})
    return broker.post(client, url, {"password": TEST_PASSWORD, **body}, format="json")


def job_url(job_id) -> str:
    return reverse("dossier-job-detail", kwargs={"id": job_id})


def test_a_job_made_within_the_wait_answers_201_with_the_dossier_and_is_audited(
    register, cast, api_client_for, fast_render
):
    case = register()
    response = generate(api_client_for(cast.dave), case)
    assert response.status_code == 201, response.json()
    job = DossierJob.objects.get()
    record = ArchiveRecord.objects.get()
    assert response.json()["id"] == str(record.uuid) and response.json()["sha256"] == record.sha256
    assert (job.status, job.record, job.mode, job.requested_by) == (JobStatus.DONE, record, "inline", cast.dave)
    assert job.started_at and job.finished_at and not job.error_code
    requested = AuditEvent.objects.get(action="dossier_requested")
    assert requested.actor_username == "dave" and requested.case_uuid == case.uuid
    assert requested.detail == {"job": str(job.uuid), "language": "zh-hans", "mode": "inline"}
    generated = AuditEvent.objects.get(action="dossier_generated")
    assert generated.outcome == "success" and generated.detail["job"] == str(job.uuid)
    assert requested.id < generated.id


def test_on_celery_the_api_answers_202_and_the_client_polls_the_job_to_its_dossier(
    register, cast, api_client_for, fast_render, on_celery
):
    case = register()
    client = api_client_for(cast.dave)
    response = queue(on_celery, client, case)
    assert response.status_code == 202, response.json()
    job = DossierJob.objects.get()
    body = response.json()
    assert body["id"] == str(job.uuid) and body["status"] == "queued" and body["dossier"] is None
    assert body["url"] == job_url(job.uuid) and response["Location"] == job_url(job.uuid)
    assert response["Retry-After"] == "2"
    # Only the job's UUID went to the broker, with Celery's time limits and the latest start.
    assert on_celery.sent == [
        (
            "exports.render_dossier_job",
            {
                "args": [str(job.uuid)],
                "soft_time_limit": job.time_limit,
                "time_limit": job.time_limit + jobs.KILL_GRACE,
                "expires": job.deadline,
            },
        )
    ]
    assert not ArchiveRecord.objects.exists()

    polled = client.get(job_url(job.uuid))
    assert polled.status_code == 200 and polled.json()["status"] == "queued" and polled["Retry-After"] == "2"
    on_celery.deliver()
    polled = client.get(job_url(job.uuid))
    assert polled.status_code == 200 and "Retry-After" not in polled
    body = polled.json()
    record = ArchiveRecord.objects.get()
    assert body["status"] == "done" and body["error"] is None
    assert body["dossier"]["id"] == str(record.uuid) and body["dossier"]["sha256"] == record.sha256
    assert client.get(body["dossier"]["download_url"]).status_code == 200
    polls = AuditEvent.objects.filter(action="case_viewed", case_uuid=case.uuid).order_by("id")
    assert [event.detail for event in polls if event.detail.get("view") == "dossier_job"] == [
        {"view": "dossier_job", "job": str(job.uuid), "status": status} for status in ("queued", "done")
    ]


@pytest.mark.django_db(transaction=True)
def test_two_users_dossiers_are_made_at_the_same_time_on_the_worker_threads(register, cast, places, api_client_for,
                                                                            settings, monkeypatch):  # fmt: skip
    settings.EXPORTS_DOSSIER_WORKERS = 2
    settings.EXPORTS_DOSSIER_WAIT = 0
    both_rendering = threading.Barrier(2, timeout=20)

    def slow_render(facts, *, deadline=None):
        # Returns only once the other job is rendering too: one job holding up the other fails it.
        both_rendering.wait()
        return fake_render(facts, deadline=deadline)

    monkeypatch.setattr("exports.operations._render", slow_render)
    fuzhou = register(seed=1)
    xiamen = register(seed=2, actor=cast.carol, jurisdiction=places.xiamen)
    answers = [generate(api_client_for(cast.dave), fuzhou), generate(api_client_for(cast.xavier), xiamen)]
    assert [answer.status_code for answer in answers] == [202, 202]
    ended = [jobs.wait(DossierJob.objects.get(uuid=answer.json()["id"]), 30) for answer in answers]
    assert [(job.status, job.mode) for job in ended] == [("done", "thread")] * 2
    assert [job.record.case_id for job in ended] == [fuzhou.pk, xiamen.pk]


def test_a_job_past_its_time_limit_is_timed_out_and_leaves_no_dossier(
    register, cast, api_client_for, fast_render, settings, archive_storage
):
    settings.EXPORTS_DOSSIER_TIME_LIMIT = 0  # the deadline is the moment the job starts
    case = register()
    response = generate(api_client_for(cast.dave), case)
    assert response.status_code == 503 and response.json()["code"] == "dossier_timed_out"
    job = DossierJob.objects.get()
    assert (job.status, job.error_code, job.record) == (JobStatus.TIMED_OUT, "dossier_timed_out", None)
    assert not ArchiveRecord.objects.exists()
    assert not any(path.is_file() for path in archive_storage.rglob("*"))
    failed = AuditEvent.objects.get(action="dossier_generated")
    assert failed.outcome == "failure" and failed.detail == {"job": str(job.uuid), "error": "dossier_timed_out"}


def test_a_render_that_ends_after_the_job_was_timed_out_is_thrown_away(
    register, cast, api_client_for, monkeypatch, archive_storage
):
    """A thread cannot be stopped inside WeasyPrint's layout: a poll during the layout, past the
    deadline, reports the job timed out, and the late result saves no record."""
    case = register()
    client = api_client_for(cast.dave)
    seen = {}

    def layout_outlives_the_deadline(facts, *, deadline=None):
        job = DossierJob.objects.get()
        DossierJob.objects.filter(pk=job.pk).update(deadline=timezone.now() - datetime.timedelta(seconds=1))
        seen["poll"] = client.get(job_url(job.uuid)).json()
        return fake_render(facts)  # no checkpoint after this: the record's transaction must refuse

    monkeypatch.setattr("exports.operations._render", layout_outlives_the_deadline)
    response = generate(client, case)
    assert seen["poll"]["status"] == "timed_out"
    assert seen["poll"]["error"]["code"] == "dossier_timed_out"
    assert response.status_code == 503
    assert not ArchiveRecord.objects.exists() and not any(p.is_file() for p in archive_storage.rglob("*"))
    job = DossierJob.objects.get()
    assert job.status == JobStatus.TIMED_OUT and job.record is None
    # Ended once, by the poll: the runner that came back late records nothing more.
    assert AuditEvent.objects.filter(action="dossier_generated", outcome="failure").count() == 1


def test_a_queued_job_that_never_starts_is_timed_out_and_a_late_task_does_nothing(
    register, cast, api_client_for, fast_render, on_celery
):
    case = register()
    client = api_client_for(cast.dave)
    job_id = queue(on_celery, client, case).json()["id"]
    DossierJob.objects.filter(uuid=job_id).update(deadline=timezone.now() - datetime.timedelta(seconds=1))
    body = client.get(job_url(job_id)).json()
    assert body["status"] == "timed_out" and body["error"]["code"] == "dossier_timed_out"
    on_celery.deliver()  # the task arrives after all
    assert DossierJob.objects.get().status == JobStatus.TIMED_OUT
    assert not ArchiveRecord.objects.exists()
    assert AuditEvent.objects.filter(action="dossier_generated", outcome="failure").count() == 1


def test_a_job_that_fails_records_the_errors_code_only(register, cast, api_client_for, monkeypatch, on_celery):
    case = register()
    client = api_client_for(cast.dave)

    def broken(facts, *, deadline=None):
        raise ValueError(f"a message quoting the case: {facts.case.victim.full_name}")

    monkeypatch.setattr("exports.operations._render", broken)
    job_id = queue(on_celery, client, case).json()["id"]
    on_celery.deliver()
    body = client.get(job_url(job_id)).json()
    assert body["status"] == "failed" and body["error"]["code"] == "dossier_render_failed"
    assert case.victim.full_name not in str(body)
    event = AuditEvent.objects.get(action="dossier_generated")
    assert event.outcome == "failure" and event.detail == {"job": job_id, "error": "dossier_render_failed"}


def test_a_case_changed_during_the_job_fails_it_with_case_changed(register, cast, api_client_for, monkeypatch):
    from victims import operations as case_operations

    case = register()

    def changed_meanwhile(facts, *, deadline=None):
        current = type(case).objects.get(pk=case.pk)
        case_operations.case_close(actor=cast.dave, case=current, expected_version=current.version, **CLOSING)
        return fake_render(facts)

    monkeypatch.setattr("exports.operations._render", changed_meanwhile)
    response = generate(api_client_for(cast.dave), case)
    assert response.status_code == 409 and response.json()["code"] == "case_changed"
    job = DossierJob.objects.get()
    assert (job.status, job.error_code, job.error_status) == (JobStatus.FAILED, "case_changed", 409)


def test_one_user_has_at_most_the_allowed_unfinished_jobs_and_a_repeat_is_the_same_job(
    register, cast, api_client_for, fast_render, on_celery, settings
):
    settings.EXPORTS_DOSSIER_JOBS_PER_USER = 2
    client = api_client_for(cast.dave)
    first, second, third = register(seed=1), register(seed=2), register(seed=3)
    first_job = queue(on_celery, client, first).json()["id"]
    assert queue(on_celery, client, first).json()["id"] == first_job  # asked twice: one job
    assert queue(on_celery, client, first, language="en").status_code == 202  # another language: another
    refused = queue(on_celery, client, second)
    assert refused.status_code == 429 and refused.json()["code"] == "too_many_dossier_jobs"
    assert DossierJob.objects.count() == 2 and len(on_celery.sent) == 2
    requests = AuditEvent.objects.filter(action="dossier_requested").order_by("id")
    assert [(event.outcome, event.detail.get("job"), event.detail.get("repeated")) for event in requests][:2] == [
        ("success", first_job, None),
        ("success", first_job, True),
    ]
    event = requests.get(outcome="failure")
    assert event.case_uuid == second.uuid and event.detail == {"error": "too_many_dossier_jobs"}
    on_celery.deliver()
    assert queue(on_celery, client, third).status_code == 202  # once they are done, more may be asked for


def test_polling_is_held_to_the_scope_and_the_action_and_refusals_name_the_case(
    register, cast, api_client_for, fast_render, on_celery
):
    case = register()
    job_id = queue(on_celery, api_client_for(cast.dave), case).json()["id"]
    assert api_client_for(cast.alice).get(job_url(job_id)).status_code == 403  # sees the case, may not export
    assert api_client_for(cast.xavier).get(job_url(job_id)).status_code == 404  # does not see it
    for value in ("00000000-0000-0000-0000-000000000000", "not-a-uuid"):
        assert api_client_for(cast.dave).get(job_url(value)).status_code == 404
    denied = AuditEvent.objects.filter(action="access_denied", case_uuid=case.uuid).order_by("id")
    assert [(event.actor_username, event.detail["status"]) for event in denied] == [("alice", 403), ("xavier", 404)]


def test_the_step_up_password_is_still_required_and_no_job_is_made_without_it(
    register, cast, api_client_for, fast_render
):
    case = register()
    response = generate(api_client_for(cast.dave), case, password="wrong")
    assert response.status_code == 403 and response.json()["code"] == "step_up_failed"
    assert not DossierJob.objects.exists() and not AuditEvent.objects.filter(action="dossier_requested").exists()
