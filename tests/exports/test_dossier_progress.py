"""Generating a dossier is a long action (issue 18, item 6): it cannot be submitted twice — the
button is disabled by a static script, and a second identical request while the first job is
unfinished gets that job —, and a dossier identical to one made already (same case version,
language, template and sections) is made again only once the user confirms it."""

import re

import pytest
from django.urls import reverse

from exports.models import ArchiveRecord, DossierJob
from registry.models import AuditEvent
from tests.factories import TEST_PASSWORD
from tests.helpers import inline_scripts

pytestmark = pytest.mark.django_db

CHINESE = {"language": "zh-hans", "password": TEST_PASSWORD}


def dossiers_url(case):
    return reverse("exports:case-dossiers", args=[case.uuid])


def test_a_double_submission_makes_one_job_and_both_follow_it(register, cast, client, fast_render, on_celery):
    case = register()
    client.force_login(cast.dave)

    first = on_celery.post(client, dossiers_url(case), CHINESE)
    second = on_celery.post(client, dossiers_url(case), CHINESE)

    job = DossierJob.objects.get()
    job_page = reverse("exports:dossier-job", args=[job.uuid])
    assert first["Location"] == second["Location"] == job_page
    assert len(on_celery.sent) == 1  # one job sent to the workers
    requested = AuditEvent.objects.filter(action="dossier_requested").order_by("id")
    assert [event.detail.get("repeated", False) for event in requested] == [False, True]
    waiting = client.get(job_page)
    assert 'id="job-progress"' in waiting.content.decode() and waiting["Refresh"]


def test_the_form_is_sent_once_by_a_static_script(register, cast, client):
    case = register()
    client.force_login(cast.dave)

    page = client.get(dossiers_url(case)).content.decode()

    assert re.search(r'<form [^>]*id="generate-dossier"[^>]*data-submit-once', page)
    assert re.search(r'<button [^>]*id="generate-button"[^>]*data-busy-text="[^"]+"', page)
    assert re.search(r'<p [^>]*id="generate-progress" role="status" hidden>', page)
    assert re.search(r'<script src="[^"]*exports/generate\.js" defer></script>', page)
    assert not inline_scripts(page)
    script = client.get("/static/exports/generate.js")
    assert script.status_code == 200 and b"data-submit-once" in b"".join(script.streaming_content)


def test_an_identical_dossier_is_made_again_only_once_confirmed(register, cast, client, fast_render):
    case = register()
    client.force_login(cast.dave)
    assert "identical-dossier" not in client.get(dossiers_url(case)).content.decode()
    client.post(dossiers_url(case), CHINESE)
    record = ArchiveRecord.objects.get()

    page = client.get(dossiers_url(case))
    html = page.content.decode()
    note = re.search(r'<div class="notice" id="identical-dossier" role="note">(.*?)</div>', html, re.S).group(1)
    assert record.archive_number in note and reverse("exports:dossier-pdf", args=[record.uuid]) in note
    assert "again" in page.context["form"].fields and 'id="field-again"' in html

    refused = client.post(dossiers_url(case), CHINESE)

    assert refused.status_code == 400 and refused.context["form"].errors["again"]
    assert 'id="id_again_error"' in refused.content.decode()
    assert ArchiveRecord.objects.count() == 1 and not DossierJob.objects.exclude(record=record).exists()

    confirmed = client.post(dossiers_url(case), {**CHINESE, "again": "on"})

    assert confirmed.status_code == 302
    assert ArchiveRecord.objects.count() == 2


def test_another_language_or_a_changed_case_is_not_a_repeat(register, cast, client, fast_render, consent):
    case = register()
    client.force_login(cast.dave)
    client.post(dossiers_url(case), CHINESE)

    english = client.post(dossiers_url(case), {"language": "en", "password": TEST_PASSWORD})
    assert english.status_code == 302 and ArchiveRecord.objects.count() == 2

    consent(case)  # a record added: the case row's version stays, the case changed all the same
    page = client.get(dossiers_url(case))
    assert "identical-dossier" not in page.content.decode() and "again" not in page.context["form"].fields
    assert client.post(dossiers_url(case), CHINESE).status_code == 302


def test_a_repeat_not_confirmed_checks_no_password(register, cast, client, fast_render):
    case = register()
    client.force_login(cast.dave)
    client.post(dossiers_url(case), CHINESE)

    client.post(dossiers_url(case), {"language": "zh-hans", "password": "not the password"})

    assert not AuditEvent.objects.filter(action="login_failed").exists()
