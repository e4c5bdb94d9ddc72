"""``manage.py archive_dossiers``: every closed case of a jurisdiction, once per version,
resumable, in process or on (eager) Celery workers, recorded as a batch."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from exports import batch as batches
from exports.choices import BatchStatus
from exports.models import ArchiveBatch, ArchiveRecord
from registry.models import AuditEvent
from tests.victims.conftest import CLOSING
from victims import operations as case_operations

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_cases(register, cast, places, fast_render):
    """Three closed cases in Gulou, one still open there, one closed in Xiamen."""
    closed = []
    for seed in (21, 22, 23):
        case = register(seed=seed)
        closed.append(case_operations.case_close(actor=cast.dave, case=case, expected_version=case.version, **CLOSING))
    register(seed=24)
    xiamen = register(seed=25, actor=cast.carol, jurisdiction=places.xiamen)
    case_operations.case_close(actor=cast.xavier, case=xiamen, expected_version=xiamen.version, **CLOSING)
    return closed


def archive(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("archive_dossiers", *args, stdout=out, stderr=err)
    return out.getvalue()


def test_every_closed_case_of_the_jurisdiction_gets_one_dossier(closed_cases, cast):
    output = archive("--jurisdiction", "3501", "--as", "dave")
    assert "3 dossiers made" in output
    assert sorted(ArchiveRecord.objects.values_list("case_id", flat=True)) == sorted(c.pk for c in closed_cases)
    batch = ArchiveBatch.objects.get()
    assert (batch.status, batch.mode, batch.total, batch.done, batch.skipped, batch.failed) == (
        BatchStatus.FINISHED,
        ArchiveBatch.Mode.IN_PROCESS,
        3,
        3,
        0,
        0,
    )
    assert set(ArchiveRecord.objects.values_list("batch", flat=True)) == {batch.pk}
    record = ArchiveRecord.objects.first()
    assert record.generated_by == cast.dave and record.history.get().history_change_reason == "batch archival"
    events = AuditEvent.objects.filter(action="dossier_generated")
    assert events.count() == 3 and all(event.detail["batch"] == str(batch.uuid) for event in events)


def test_a_second_run_makes_nothing_until_a_case_changes(closed_cases, cast):
    archive("--jurisdiction", "3501", "--as", "dave")
    output = archive("--jurisdiction", "3501", "--as", "dave")
    assert "0 dossiers made, 3 already archived" in output
    assert ArchiveRecord.objects.count() == 3
    # A case reopened and closed again is at a new version: it is archived again.
    case = closed_cases[0]
    case = case_operations.case_reopen(
        actor=cast.dave, case=case, expected_version=case.version, comment="再次求助（虚构）"
    )
    case_operations.case_close(actor=cast.dave, case=case, expected_version=case.version, **CLOSING)
    assert "1 dossiers made, 2 already archived" in archive("--jurisdiction", "3501", "--as", "dave")
    assert ArchiveRecord.objects.filter(case=case).count() == 2


def test_an_interrupted_run_resumes_where_it_stopped(closed_cases, monkeypatch):
    from exports import operations

    real = operations.dossier_generate
    calls = []

    def interrupted_on_the_second(**kwargs):
        calls.append(kwargs["case"].pk)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(**kwargs)

    monkeypatch.setattr(operations, "dossier_generate", interrupted_on_the_second)
    with pytest.raises(CommandError, match="interrupted"):
        archive("--jurisdiction", "3501", "--as", "dave", "--batch-size", "2")
    assert ArchiveRecord.objects.count() == 1
    assert ArchiveBatch.objects.get().status == BatchStatus.INTERRUPTED

    monkeypatch.setattr(operations, "dossier_generate", real)
    assert "2 dossiers made, 1 already archived" in archive("--jurisdiction", "3501", "--as", "dave")
    assert sorted(ArchiveRecord.objects.values_list("case_id", flat=True)) == sorted(c.pk for c in closed_cases)


def test_a_failing_case_is_counted_and_named_and_the_others_are_made(closed_cases, monkeypatch):
    from exports import operations

    real = operations.dossier_generate
    broken = closed_cases[1]

    def failing(**kwargs):
        if kwargs["case"].pk == broken.pk:
            raise ValueError("a value the log must never see: 林小红")
        return real(**kwargs)

    monkeypatch.setattr(operations, "dossier_generate", failing)
    with pytest.raises(CommandError) as failed:
        archive("--jurisdiction", "3501", "--as", "dave")
    assert f"case {broken.uuid}: ValueError" in str(failed.value)
    assert "林小红" not in str(failed.value)
    batch = ArchiveBatch.objects.get()
    assert (batch.status, batch.done, batch.failed) == (BatchStatus.FINISHED_WITH_FAILURES, 2, 1)
    assert batch.failures == [{"case": str(broken.uuid), "error": "ValueError"}]


def test_on_celery_workers_the_batch_sends_one_task_per_case(closed_cases, settings, monkeypatch):
    from registry.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    monkeypatch.setitem(app.conf, "task_always_eager", True)
    sent = []
    from exports.tasks import archive_case

    original = archive_case.delay

    def delay(*args):
        sent.append(args)
        return original(*args)

    monkeypatch.setattr(archive_case, "delay", delay)
    output = archive("--jurisdiction", "3501", "--as", "dave", "--batch-size", "2")
    assert "on Celery workers" in output and "3 dossiers made" in output
    assert ArchiveRecord.objects.count() == 3
    assert ArchiveBatch.objects.get().mode == ArchiveBatch.Mode.CELERY
    # Only ids travel through the queue.
    assert {args[1] for args in sent} == {str(case.uuid) for case in closed_cases}
    assert all(len(args) == 3 and isinstance(args[2], int) for args in sent)


def test_only_a_civil_affairs_officer_within_the_jurisdiction_may_run_it(closed_cases):
    with pytest.raises(CommandError):  # a caseworker: no export_dossier
        archive("--jurisdiction", "3501", "--as", "alice")
    with pytest.raises(CommandError):  # Xiamen's civil affairs: Fuzhou is outside its jurisdiction
        archive("--jurisdiction", "3501", "--as", "xavier")
    with pytest.raises(CommandError):  # not a division code
        archive("--jurisdiction", "35x", "--as", "dave")
    with pytest.raises(CommandError, match="no active user"):
        archive("--jurisdiction", "3501", "--as", "nobody")
    assert not ArchiveRecord.objects.exists() and not ArchiveBatch.objects.exists()


def test_cases_to_archive_leaves_out_open_cases_other_places_and_current_dossiers(closed_cases, cast):
    due = list(batches.cases_to_archive(cast.dave, "3501"))
    assert due == sorted(closed_cases, key=lambda case: case.pk)
    assert list(batches.cases_to_archive(cast.dave, "3502")) == []  # Xiamen is not Dave's
