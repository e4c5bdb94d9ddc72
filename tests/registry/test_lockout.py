"""Lockout (django-axes): five failures lock for fifteen minutes, per account and per address.

Time passes by moving the recorded failures into the past (``age_failed_attempts``), which is
what the clock moving forward looks like to axes.
"""

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from rest_framework.test import APIClient

from registry.models import ApiToken, AuditEvent
from tests.sign_in import age_failed_attempts, code_for, enrol_device, sign_in, wrong_code_for

WRONG = "not the right password"
HOME = "10.0.0.1"


def web_attempt(client, username, password, ip=HOME):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def api_attempt(username, password, ip=HOME, **extra):
    body = {"username": username, "password": password, **extra}
    return APIClient().post(reverse("api-token"), body, format="json", REMOTE_ADDR=ip)


def fail_web(client, times, username="alice", ip=HOME):
    return [web_attempt(client, username, WRONG, ip) for _ in range(times)]


# --- The web sign-in ------------------------------------------------------------------------


def test_four_wrong_passwords_do_not_lock_the_account(client, cast, password):
    responses = fail_web(client, 4)

    assert [r.status_code for r in responses] == [200] * 4
    assert web_attempt(client, "alice", password).status_code == 302
    assert SESSION_KEY in client.session


def test_the_fifth_wrong_password_locks_the_account(client, cast):
    responses = fail_web(client, 5)

    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    page = responses[-1].content.decode()
    assert 'id="locked-out"' in page
    assert "登录已被暂停 15 分钟" in page


def test_the_sixth_attempt_is_refused_even_with_the_right_password_until_the_lockout_ends(client, cast, password):
    fail_web(client, 5)

    refused = web_attempt(client, "alice", password)
    assert refused.status_code == 429
    assert SESSION_KEY not in client.session

    age_failed_attempts(minutes=14)
    assert web_attempt(client, "alice", password).status_code == 429
    assert SESSION_KEY not in client.session

    age_failed_attempts(minutes=1.5)
    allowed = web_attempt(client, "alice", password)
    assert allowed.status_code == 302 and allowed.url == reverse("dashboard")
    assert int(client.session[SESSION_KEY]) == cast.alice.pk


def test_the_lockout_follows_the_account_from_any_address(client, cast, password):
    for number in range(5):
        web_attempt(client, "alice", WRONG, ip=f"10.0.1.{number}")

    assert web_attempt(client, "alice", password, ip="10.0.9.9").status_code == 429
    assert SESSION_KEY not in client.session
    assert web_attempt(client, "bob", password, ip="10.0.9.9").status_code == 302


def test_the_lockout_covers_every_account_from_the_same_address(client, cast, password):
    for name in ("alice", "bob", "carol", "dave", "erin"):
        web_attempt(client, name, WRONG)

    assert web_attempt(client, "frank", password).status_code == 429
    assert SESSION_KEY not in client.session
    assert web_attempt(client, "frank", password, ip="10.0.2.2").status_code == 302


def test_failures_with_unknown_usernames_count_towards_the_address_lockout(client, cast, password):
    for number in range(5):
        web_attempt(client, f"nobody{number}", WRONG)

    assert web_attempt(client, "alice", password).status_code == 429


def test_a_lockout_and_each_refused_attempt_are_audited_as_denied(client, cast, password):
    fail_web(client, 5)
    web_attempt(client, "alice", password)

    locked = AuditEvent.objects.filter(action="account_locked")
    assert locked.count() == 2
    assert set(locked.values_list("outcome", flat=True)) == {"denied"}
    assert locked.first().detail["failure_limit"] == 5
    assert locked.first().detail["username"] == "alice"
    assert locked.first().actor_username == ""  # whoever tried is unknown; the account is the target


def test_a_lockout_of_an_unknown_name_keeps_only_its_digest(client, db):
    fail_web(client, 5, username="my-password-typed-here")

    event = AuditEvent.objects.get(action="account_locked")
    assert "my-password-typed-here" not in str(event.detail)
    assert event.detail["username"].startswith("hmac:")


# --- The API token --------------------------------------------------------------------------


def test_the_api_refuses_the_sixth_attempt_even_with_the_right_password_until_the_lockout_ends(cast, password):
    responses = [api_attempt("alice", WRONG) for _ in range(5)]
    assert [r.status_code for r in responses] == [400, 400, 400, 400, 429]
    assert responses[-1].json()["code"] == "locked_out"

    refused = api_attempt("alice", password)
    assert refused.status_code == 429
    assert refused.json()["code"] == "locked_out"
    assert not ApiToken.objects.exists()

    age_failed_attempts(minutes=14)
    assert api_attempt("alice", password).status_code == 429

    age_failed_attempts(minutes=1.5)
    allowed = api_attempt("alice", password)
    assert allowed.status_code == 200 and allowed.json()["token"]


def test_web_and_api_failures_add_up(client, cast, password):
    fail_web(client, 3)
    api_attempt("alice", WRONG)
    api_attempt("alice", WRONG)

    assert web_attempt(client, "alice", password).status_code == 429
    assert api_attempt("alice", password).status_code == 429


# --- Second factor and step-up count too ----------------------------------------------------


def test_wrong_second_factor_codes_count_towards_the_lockout(settings, client, cast, password):
    settings.REGISTRY_REQUIRE_2FA = True
    device = enrol_device(cast.alice)
    sign_in(client, "alice", password, REMOTE_ADDR=HOME)

    codes = [
        client.post(reverse("two-factor-verify"), {"otp_token": wrong_code_for(device)}, REMOTE_ADDR=HOME)
        for _ in range(5)
    ]

    assert [r.status_code for r in codes] == [200, 200, 200, 200, 429]
    assert SESSION_KEY not in client.session
    assert web_attempt(client, "alice", password).status_code == 429
    late = client.post(reverse("two-factor-verify"), {"otp_token": code_for(device)}, REMOTE_ADDR=HOME)
    assert SESSION_KEY not in client.session
    assert late.status_code == 302 and late.url == reverse("login")


def test_wrong_api_codes_count_towards_the_lockout(settings, cast, password):
    settings.REGISTRY_REQUIRE_2FA = True
    device = enrol_device(cast.alice)

    responses = [api_attempt("alice", password, otp=wrong_code_for(device)) for _ in range(5)]

    assert [r.status_code for r in responses] == [400, 400, 400, 400, 429]
    assert api_attempt("alice", password, otp=code_for(device)).status_code == 429
    assert not ApiToken.objects.exists()


def test_wrong_passwords_on_the_step_up_page_count_towards_the_lockout(client, cast, password):
    client.force_login(cast.alice)

    responses = [
        client.post(reverse("confirm-identity"), {"password": WRONG, "next": "/"}, REMOTE_ADDR=HOME) for _ in range(5)
    ]

    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    again = client.post(reverse("confirm-identity"), {"password": password, "next": "/"}, REMOTE_ADDR=HOME)
    assert again.status_code == 429


def test_the_limit_and_duration_are_those_of_the_design(settings):
    from axes.helpers import get_cool_off

    assert settings.AXES_FAILURE_LIMIT == 5
    assert get_cool_off().total_seconds() == 15 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]


@pytest.mark.django_db(transaction=True)
def test_the_lockout_counters_never_hold_the_name_typed(client):
    from axes.models import AccessAttempt

    from tests.helpers import assert_not_stored

    fail_web(client, 2, username="pa55word-typed-as-name")

    assert AccessAttempt.objects.filter(username__startswith="hmac:").exists()
    assert_not_stored("pa55word-typed-as-name")
