"""Lockout (registry.accounts.lockout): five failures of one account from one address lock that
pair for fifteen minutes; the account alone, from any address, waits 1, 2, 4 … seconds after
each failure from its fifth on. Neither lets an attacker elsewhere lock a member of staff out,
nor one office lock itself out.

Time passes by moving the recorded failures into the past (``age_failed_attempts``), which is
what the clock moving forward looks like to axes and to the delay.
"""

import threading
from functools import partial

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from registry.accounts import lockout
from registry.models import ApiToken, AuditEvent, SignInDelay
from tests.sign_in import age_failed_attempts, code_for, enrol_device, sign_in, wrong_code_for

WRONG = "not the right password"
HOME = "10.0.0.1"
ELSEWHERE = "10.0.9.9"


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


def wait_out(response) -> None:
    """Let the time a refusal names pass (its ``Retry-After``, and a moment more)."""
    age_failed_attempts(minutes=(int(response["Retry-After"]) + 0.5) / 60)


def test_five_failures_from_one_address_lock_the_account_there_but_not_from_elsewhere(client, cast, password):
    fail_web(client, 5)

    # From elsewhere alice only waits for the delay of her fifth failure: one second.
    early = web_attempt(client, "alice", password, ip=ELSEWHERE)
    assert early.status_code == 429 and early["Retry-After"] == "1"
    assert SESSION_KEY not in client.session
    wait_out(early)
    assert web_attempt(client, "alice", password, ip=ELSEWHERE).status_code == 302
    assert int(client.session[SESSION_KEY]) == cast.alice.pk
    client.post(reverse("logout"))

    # From the address of the failures she stays locked out until the fifteen minutes pass.
    refused = web_attempt(client, "alice", password)
    assert refused.status_code == 429 and refused["Retry-After"] == str(15 * 60)
    assert SESSION_KEY not in client.session


def test_failures_of_five_accounts_from_one_office_address_do_not_lock_the_sixth(client, cast, password):
    for name in ("alice", "bob", "carol", "dave", "erin"):
        fail_web(client, 4, username=name)

    assert web_attempt(client, "frank", password).status_code == 302
    assert int(client.session[SESSION_KEY]) == cast.frank.pk
    client.post(reverse("logout"))
    assert web_attempt(client, "alice", password).status_code == 302  # four failures of her own: no lock


def test_failures_with_unknown_usernames_do_not_lock_the_address(client, cast, password):
    for number in range(20):
        web_attempt(client, f"nobody{number}", WRONG)

    assert web_attempt(client, "alice", password).status_code == 302


# --- The account's progressive delay ---------------------------------------------------------


def fail_from_everywhere(times, attempt, username="alice"):
    """``times`` failures of ``username``, each from its own address (no pair is ever locked),
    waiting out the delay before each; returns the responses."""
    responses = []
    for number in range(times):
        response = attempt(username, WRONG, ip=f"10.1.{number // 250}.{number % 250}")
        if response.status_code == 429:
            wait_out(response)
            response = attempt(username, WRONG, ip=f"10.2.{number // 250}.{number % 250}")
        responses.append(response)
    return responses


def test_the_delay_grows_one_two_four_seconds_and_is_enforced_at_the_api(cast, password):
    assert [r.status_code for r in fail_from_everywhere(5, api_attempt)] == [400] * 5

    waits = []
    for _ in range(3):
        refused = api_attempt("alice", password, ip=ELSEWHERE)
        assert refused.status_code == 429
        assert refused.json()["code"] == "locked_out"
        assert refused.json()["message"]
        waits.append(int(refused["Retry-After"]))
        wait_out(refused)
        assert api_attempt("alice", WRONG, ip=ELSEWHERE).status_code == 400

    assert waits == [1, 2, 4]
    assert not ApiToken.objects.exists()


def test_attempts_during_the_delay_are_refused_unchecked_and_not_counted(client, cast, password):
    fail_from_everywhere(7, partial(web_attempt, client))  # the seventh failure set a wait of four seconds
    before = SignInDelay.objects.get()

    for _ in range(10):
        refused = web_attempt(client, "alice", password, ip=ELSEWHERE)
        assert refused.status_code == 429
        assert 'id="locked-out"' in refused.content.decode()
        assert SESSION_KEY not in client.session

    after = SignInDelay.objects.get()
    assert (after.failures, after.next_attempt_at) == (before.failures, before.next_attempt_at)
    assert int(refused["Retry-After"]) <= 4


def test_the_delay_stops_at_its_cap(settings, cast):
    settings.REGISTRY_SIGN_IN_DELAY_MAX_SECONDS = 8

    fail_from_everywhere(12, api_attempt)

    refused = api_attempt("alice", WRONG, ip=ELSEWHERE)
    assert refused.status_code == 429 and refused["Retry-After"] == "8"
    assert [lockout.delay_after(n).total_seconds() for n in range(3, 12)] == [0, 0, 1, 2, 4, 8, 8, 8, 8]


def test_web_and_api_failures_from_different_addresses_add_up_to_the_delay(client, cast, password):
    fail_web(client, 3, ip="10.3.0.1")
    api_attempt("alice", WRONG, ip="10.3.0.2")
    api_attempt("alice", WRONG, ip="10.3.0.3")

    assert web_attempt(client, "alice", password, ip=ELSEWHERE).status_code == 429
    assert api_attempt("alice", password, ip=ELSEWHERE).status_code == 429


def test_a_completed_sign_in_clears_the_delay(client, cast, password):
    refused = fail_web(client, 6, ip=ELSEWHERE)[-1]  # the sixth is refused by the pair's lockout
    assert refused.status_code == 429
    age_failed_attempts(minutes=16)
    assert web_attempt(client, "alice", password).status_code == 302
    client.post(reverse("logout"))

    assert not SignInDelay.objects.exists()
    assert [r.status_code for r in fail_web(client, 4)] == [200] * 4  # counted from zero again


def test_the_delay_is_kept_by_the_names_digest_and_covers_its_spellings(client, cast, password):
    fail_from_everywhere(5, partial(web_attempt, client), username="ALICE")

    assert SignInDelay.objects.get().username == lockout.account_key("alice")
    assert web_attempt(client, "alice", password, ip=ELSEWHERE).status_code == 429


def test_parallel_attempts_get_one_turn_when_the_delay_applies(cast, password, monkeypatch):
    """While one attempt's password is being checked, a second one is refused: it cannot use the
    same turn. (The second attempt is made from inside the first's check.)"""
    fail_from_everywhere(5, api_attempt)
    age_failed_attempts(minutes=2 / 60)
    check = ModelBackend.authenticate
    during = []

    def checking(self, request, username=None, password=None, **kwargs):
        if not during:
            during.append(api_attempt("alice", WRONG, ip="10.4.0.2"))
        return check(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", checking)
    first = api_attempt("alice", WRONG, ip="10.4.0.1")

    assert first.status_code == 400
    assert during[0].status_code == 429 and during[0]["Retry-After"] == "2"
    assert SignInDelay.objects.get().failures == 6  # the refused one is not counted


@pytest.mark.django_db(transaction=True)
def test_of_simultaneous_attempts_during_the_delay_exactly_one_is_checked(cast):
    fail_from_everywhere(5, api_attempt)
    age_failed_attempts(minutes=2 / 60)
    barrier = threading.Barrier(8)
    answers = []

    def attempt(number):
        try:
            barrier.wait()
            answers.append(api_attempt("alice", WRONG, ip=f"10.5.0.{number}").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answers) == [400] + [429] * 7
    assert SignInDelay.objects.get().failures == 6


def test_a_refusal_by_the_delay_is_audited_with_its_reason(client, cast, password):
    fail_from_everywhere(5, partial(web_attempt, client))
    web_attempt(client, "alice", password, ip=ELSEWHERE)

    event = AuditEvent.objects.filter(action="account_locked").latest("occurred_at")
    assert event.outcome == "denied"
    assert event.detail == {
        "reason": "sign_in_delay",
        "retry_after": 1,
        "user": str(cast.alice.uuid),
        "username": "alice",
    }


def test_a_delay_of_an_unknown_name_keeps_only_digests(client, db):
    fail_from_everywhere(6, partial(web_attempt, client), username="pa55word-typed-as-name")

    assert SignInDelay.objects.get().username.startswith("hmac:")
    for event in AuditEvent.objects.filter(action__in=["account_locked", "login_failed"]):
        assert "pa55word-typed-as-name" not in str(event.detail)


# --- The system administrator unlocks -------------------------------------------------------


def locked_alice(client):
    """Alice locked out from HOME (five failures there) and delayed (three more elsewhere)."""
    fail_web(client, 5)
    fail_from_everywhere(3, partial(web_attempt, client))


def test_the_sysadmin_sees_what_locks_an_account_and_unlocks_it(client, cast, password):
    locked_alice(client)
    admin = APIClient()
    admin.force_login(cast.heidi)

    page = admin.get(reverse("manage-user-unlock", args=[cast.alice.uuid]))
    assert page.status_code == 200
    status = page.context["status"]
    assert (status.locked_addresses, status.failures) == (1, 8)
    assert status.wait_seconds > 0
    assert (
        reverse("manage-user-unlock", args=[cast.alice.uuid])
        in admin.get(reverse("manage-user", args=[cast.alice.uuid])).content.decode()
    )

    done = admin.post(reverse("manage-user-unlock", args=[cast.alice.uuid]))

    assert done.status_code == 302 and done.url == reverse("manage-user", args=[cast.alice.uuid])
    assert web_attempt(client, "alice", password).status_code == 302  # from HOME, at once
    event = AuditEvent.objects.get(action="account_unlocked")
    assert event.actor_username == "heidi" and event.outcome == "success"
    assert event.detail == {"user": str(cast.alice.uuid), "username": "alice", "locked_addresses": 1, "failures": 8}


def test_unlocking_clears_only_that_account(client, cast, password):
    locked_alice(client)
    fail_from_everywhere(5, partial(web_attempt, client), username="bob")

    lockout.account_unlock(actor=cast.heidi, user=cast.alice)

    assert lockout.lockout_status(cast.alice).clear
    assert lockout.lockout_status(cast.bob).failures == 5
    assert web_attempt(client, "bob", password, ip=ELSEWHERE).status_code == 429


@pytest.mark.parametrize("who", ["alice", "dave", "grace"])
def test_only_the_sysadmin_unlocks(client, cast, who):
    locked_alice(client)
    other = APIClient()
    other.force_login(getattr(cast, who))

    assert other.post(reverse("manage-user-unlock", args=[cast.alice.uuid])).status_code == 403
    with pytest.raises(PermissionDenied):
        lockout.account_unlock(actor=getattr(cast, who), user=cast.alice)
    assert not AuditEvent.objects.filter(action="account_unlocked").exists()
    assert lockout.lockout_status(cast.alice).locked_addresses == 1


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


def test_web_and_api_failures_from_one_address_add_up(client, cast, password):
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
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]  # the pair, never either alone
    assert settings.REGISTRY_SIGN_IN_DELAY_AFTER == 5
    assert settings.REGISTRY_SIGN_IN_DELAY_MAX_SECONDS == 5 * 60


@pytest.mark.django_db(transaction=True)
def test_the_lockout_counters_never_hold_the_name_typed(client):
    from axes.models import AccessAttempt

    from tests.helpers import assert_not_stored

    fail_web(client, 2, username="pa55word-typed-as-name")

    assert AccessAttempt.objects.filter(username__startswith="hmac:").exists()
    assert SignInDelay.objects.filter(username__startswith="hmac:").exists()
    assert_not_stored("pa55word-typed-as-name")
