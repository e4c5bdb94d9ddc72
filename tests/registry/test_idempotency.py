"""Idempotent writes (issue 13, item 3): a write retried with the same key — ``Idempotency-Key``
on the API, the hidden field of every page form — gets the first answer and changes nothing
more; the same key for another request, or while the first runs, is refused."""

from __future__ import annotations

import json
import re
import threading
from datetime import timedelta

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, connections
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.permissions import AllowAny
from rest_framework.test import APIClient

from registry import idempotency
from registry.api.idempotency import IdempotentMixin
from registry.models import AuditAction, AuditEvent, IdempotencyRecord
from tests.factories import UserFactory
from tests.victims.test_api import registration
from tests.victims.test_api_matrix import if_match, register_case
from tests.victims.test_views import registration_body
from victims.models import Case

KEY = "4f1c1c0e-7d2a-4c55-9b7e-0a4b8a1f2e3d"


def register(client, body, key=KEY, **headers):
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(reverse("case-list"), body, format="json", headers=headers)


# --- the API ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_registration_retried_with_its_key_opens_one_case_and_answers_the_first_answer_again(cast, api_client_for):
    alice = api_client_for(cast.alice)
    body = registration(seed=501)

    first = register(alice, body)
    retry = register(alice, body)

    assert first.status_code == retry.status_code == 201
    assert Case.objects.count() == 1
    assert retry.content == first.content
    assert retry["ETag"] == first["ETag"] and retry["Content-Type"] == first["Content-Type"]
    assert retry["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")


@pytest.mark.django_db
def test_a_replayed_case_file_is_audited_as_viewed_again(cast, api_client_for):
    alice = api_client_for(cast.alice)
    first = register(alice, registration(seed=502))
    shown = AuditEvent.objects.filter(action=AuditAction.CASE_VIEWED).get()

    register(alice, registration(seed=502))

    replayed = AuditEvent.objects.filter(action=AuditAction.CASE_VIEWED).latest("id")
    assert replayed.pk != shown.pk
    assert (str(replayed.case_uuid), replayed.sections) == (first.json()["id"], shown.sections)
    assert replayed.detail == {"replayed": True} and replayed.actor == cast.alice


@pytest.mark.django_db
def test_the_same_key_for_another_request_is_422_and_runs_nothing(cast, api_client_for):
    alice = api_client_for(cast.alice)
    register(alice, registration(seed=503))

    other = register(alice, registration(seed=504))

    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert Case.objects.count() == 1


@pytest.mark.django_db
def test_without_a_key_a_repeated_registration_runs_again_as_it_always_did(cast, api_client_for):
    alice = api_client_for(cast.alice)
    body = registration(seed=505)

    assert register(alice, body, key=None).status_code == 201
    again = register(alice, body, key=None)

    assert (again.status_code, again.json()["code"]) == (409, "duplicate_victim")
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
def test_a_retry_while_the_first_request_runs_is_409_and_runs_nothing(cast, api_client_for):
    body = registration(seed=506)
    alice = api_client_for(cast.alice)
    path = reverse("case-list")
    # The first request has claimed the key and is still running.
    raw = json.dumps(body, cls=DjangoJSONEncoder).encode()
    digest = idempotency.request_digest("POST", path, [raw])
    assert isinstance(idempotency.claim(cast.alice, KEY, digest), idempotency.Claim)

    retry = alice.post(path, raw, content_type="application/json", headers={"Idempotency-Key": KEY})

    assert (retry.status_code, retry.json()["code"]) == (409, "idempotency_in_progress")
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_a_refused_write_releases_its_key_so_a_corrected_retry_runs(cast, api_client_for):
    alice = api_client_for(cast.alice)
    broken = registration(seed=507)
    broken["victim"]["id_number"] = "not a number"

    assert register(alice, broken).status_code == 400
    fixed = register(alice, registration(seed=507))

    assert fixed.status_code == 201 and not fixed.has_header("Idempotent-Replayed")
    assert Case.objects.count() == 1


@pytest.mark.django_db
def test_a_key_is_the_accounts_own(places, cast, api_client_for):
    colleague = UserFactory(username="alice2", role=cast.alice.role, organization=places.fz_shelter,
                            jurisdiction=places.fuzhou)  # fmt: skip
    register(api_client_for(cast.alice), registration(seed=508))

    theirs = register(api_client_for(colleague), registration(seed=509))

    assert theirs.status_code == 201 and not theirs.has_header("Idempotent-Replayed")
    assert Case.objects.count() == 2


@pytest.mark.django_db
def test_a_key_is_forgotten_when_the_account_is_moved(places, cast):
    digest = idempotency.request_digest("POST", "/api/v1/cases/", [b"{}"])
    idempotency.claim(cast.alice, KEY, digest).finish(idempotency.Answer(201, {}, "{}"))
    assert isinstance(idempotency.claim(cast.alice, KEY, digest), idempotency.Answer)

    cast.alice.organization = places.xm_shelter
    cast.alice.save()

    assert isinstance(idempotency.claim(cast.alice, KEY, digest), idempotency.Claim)


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "a b", "键", "x" * 256])
def test_a_malformed_key_is_400_naming_the_header(cast, api_client_for, key):
    response = register(api_client_for(cast.alice), registration(seed=510), key=key)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert list(response.json()["fields"]) == ["Idempotency-Key"]
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_a_section_update_retried_with_its_key_answers_200_again_not_412(places, cast, api_client_for):
    case = register_case(places, cast, seed=511)
    url = reverse("case-section", kwargs={"id": case.uuid, "section": "contacts"})
    alice = api_client_for(cast.alice)
    headers = {**if_match(case.version), "Idempotency-Key": KEY}

    first = alice.patch(url, {"phone": "13800000000"}, format="json", headers=headers)
    retry = alice.patch(url, {"phone": "13800000000"}, format="json", headers=headers)

    assert first.status_code == retry.status_code == 200
    assert retry.content == first.content
    assert Case.objects.get(pk=case.pk).version == case.version + 1


@pytest.mark.django_db
def test_the_answer_is_kept_encrypted_and_the_key_only_as_a_digest(cast, api_client_for):
    body = registration(seed=512)
    register(api_client_for(cast.alice), body)

    with connection.cursor() as cursor:
        cursor.execute("SELECT key_digest, request_digest, response FROM registry_idempotencyrecord")
        (row,) = cursor.fetchall()
    stored = " ".join(str(value) for value in row)
    assert KEY not in stored
    for value in (body["victim"]["full_name"], body["victim"]["id_number"], body["victim"]["phone"]):
        assert value not in stored
    assert IdempotencyRecord.objects.get().response["status"] == 201  # readable through the keyring


@pytest.mark.django_db
def test_an_expired_key_is_purged_and_a_retry_runs_again(cast, api_client_for, settings):
    alice = api_client_for(cast.alice)
    register(alice, registration(seed=513))
    record = IdempotencyRecord.objects.get()
    IdempotencyRecord.objects.filter(pk=record.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    other = register(alice, registration(seed=514), key="another-key")

    assert other.status_code == 201
    assert not IdempotencyRecord.objects.filter(pk=record.pk).exists()  # purged by the next claim
    assert settings.REGISTRY_IDEMPOTENCY_HOURS == 24
    assert IdempotencyRecord.objects.get().expires_at > timezone.now() + timedelta(hours=23)


@pytest.mark.django_db
def test_a_claim_abandoned_by_a_dead_request_is_taken_over(cast):
    digest = idempotency.request_digest("POST", "/api/v1/cases/", [b"{}"])
    idempotency.claim(cast.alice, KEY, digest)
    with pytest.raises(idempotency.KeyInProgress):
        idempotency.claim(cast.alice, KEY, digest)
    IdempotencyRecord.objects.update(created_at=timezone.now() - idempotency.ABANDONED_AFTER - timedelta(seconds=1))

    assert isinstance(idempotency.claim(cast.alice, KEY, digest), idempotency.Claim)


def _api_routes(patterns=None, prefix=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from _api_routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and (prefix + str(pattern.pattern)).startswith("api/"):
            yield prefix + str(pattern.pattern), pattern.callback


def test_every_writing_view_of_the_api_takes_an_idempotency_key():
    writers = []
    for route, callback in _api_routes():
        view = getattr(callback, "cls", None)
        actions = getattr(callback, "actions", None) or {}
        methods = set(actions) if actions else {name for name in ("post", "put", "patch") if hasattr(view, name)}
        if view is None or not methods & {"post", "put", "patch"}:
            continue
        writers.append(route)
        anonymous = AllowAny in view.permission_classes  # nobody to key it to (the token endpoint)
        assert anonymous or issubclass(view, IdempotentMixin), f"{route} writes without Idempotency-Key"
    assert "api/v1/cases/" in writers


@pytest.mark.django_db
def test_the_schema_documents_the_header_on_writes(cast, client):
    client.force_login(cast.alice)
    schema = client.get(reverse("api-schema"), headers={"Accept": "application/json"}).json()
    operations = schema["paths"]["/api/v1/cases/"]

    assert "Idempotency-Key" in [parameter["name"] for parameter in operations["post"].get("parameters", [])]
    assert "Idempotency-Key" not in [parameter["name"] for parameter in operations["get"].get("parameters", [])]


@pytest.mark.django_db(transaction=True)
def test_simultaneous_retries_with_one_key_open_one_case(places, cast):
    body = registration(seed=515)
    barrier = threading.Barrier(6)
    answers = []

    def attempt():
        client = APIClient()
        client.force_authenticate(cast.alice)
        barrier.wait()
        try:
            response = register(client, body)
            answers.append((response.status_code, response.json()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Case.objects.count() == 1
    assert {status for status, _ in answers} <= {201, 409}
    created = [data for status, data in answers if status == 201]
    assert created and all(data == created[0] for data in created)
    assert all(data["code"] == "idempotency_in_progress" for status, data in answers if status == 409)


# --- the pages --------------------------------------------------------------------------------


def form_of(html: str, form_id: str) -> dict[str, str]:
    form = re.search(rf'<form[^>]*id="{form_id}"[^>]*>(.*?)</form>', html, re.DOTALL)
    assert form, f"no form {form_id}"
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(1)))


@pytest.fixture
def browser(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.alice)
    return client


@pytest.mark.django_db
def test_every_post_form_carries_a_fresh_key(browser):
    pages = [browser.get(reverse("victims:register")).content.decode() for _ in range(2)]

    keys = [re.findall(r'name="idempotency_key" value="([^"]+)"', html) for html in pages]
    for html, found in zip(pages, keys, strict=True):
        assert len(found) == html.count('method="post"') == html.count('name="csrfmiddlewaretoken"')
        assert len(set(found)) == len(found)  # each form its own
    assert not set(keys[0]) & set(keys[1])  # each rendering its own


@pytest.mark.django_db
def test_the_registration_form_submitted_twice_registers_one_case(places, browser):
    hidden = form_of(browser.get(reverse("victims:register")).content.decode(), "registration")
    body = {**registration_body(places, seed=521), **hidden}

    first = browser.post(reverse("victims:register"), body)
    second = browser.post(reverse("victims:register"), body)

    case = Case.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == reverse("victims:case", args=[case.uuid])


@pytest.mark.django_db
def test_a_form_submitted_again_with_other_values_is_refused_with_a_page(places, browser):
    hidden = form_of(browser.get(reverse("victims:register")).content.decode(), "registration")
    browser.post(reverse("victims:register"), {**registration_body(places, seed=522), **hidden})

    other = browser.post(reverse("victims:register"), {**registration_body(places, seed=523), **hidden})

    assert other.status_code == 422
    assert 'id="resubmitted-title"' in other.content.decode()
    assert Case.objects.count() == 1


@pytest.mark.django_db
def test_a_form_shown_again_with_errors_keeps_nothing_and_the_corrected_form_registers(places, browser):
    hidden = form_of(browser.get(reverse("victims:register")).content.decode(), "registration")
    wrong = browser.post(
        reverse("victims:register"), {**registration_body(places, seed=524, id_number="530102199001011235"), **hidden}
    )
    assert wrong.status_code == 200 and not IdempotencyRecord.objects.exists()

    fixed = browser.post(reverse("victims:register"), {**registration_body(places, seed=524), **hidden})

    assert fixed.status_code == 302 and Case.objects.count() == 1


@pytest.mark.django_db
def test_a_form_without_a_key_posts_as_before(places, cast, client):
    client.force_login(cast.alice)

    response = client.post(reverse("victims:register"), registration_body(places, seed=525))

    assert response.status_code == 302 and Case.objects.count() == 1
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
def test_a_second_submission_while_the_first_runs_waits_then_says_so(places, browser, monkeypatch):
    monkeypatch.setattr(idempotency, "PAGE_WAIT_SECONDS", 0.3)
    hidden = form_of(browser.get(reverse("victims:register")).content.decode(), "registration")
    body = {**registration_body(places, seed=526), **hidden}
    browser.post(reverse("victims:register"), body)
    IdempotencyRecord.objects.update(response=None)  # as if the first were still running

    second = browser.post(reverse("victims:register"), body)

    assert second.status_code == 409
    assert Case.objects.count() == 1
