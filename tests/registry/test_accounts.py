"""Accounts: password hashing and rules, API tokens, session timeouts, disabling an account,
resetting its second factor, and step-up re-authentication."""

import hashlib
from datetime import timedelta
from importlib import import_module

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import check_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from registry.accounts import credentials, step_up, users
from registry.models import ApiToken, AuditEvent, User, UserSession
from tests.helpers import assert_not_stored
from tests.sign_in import age_session, sign_in

AUTH_AT, SEEN_AT = credentials.AUTH_AT_SESSION_KEY, credentials.SEEN_AT_SESSION_KEY


def session_exists(key) -> bool:
    return import_module(django_settings.SESSION_ENGINE).SessionStore().exists(key)


def obtain_token(username, password) -> str:
    response = APIClient().post(reverse("api-token"), {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def token_client(token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


# --- Passwords ------------------------------------------------------------------------------


def test_passwords_are_stored_as_argon2_hashes_with_the_real_hashers(settings, cast):
    import registry.settings as real

    settings.PASSWORD_HASHERS = real.PASSWORD_HASHERS
    cast.alice.set_password("a long enough pass phrase")

    assert cast.alice.password.startswith("argon2$argon2id$")
    assert check_password("a long enough pass phrase", cast.alice.password)
    assert "a long enough pass phrase" not in cast.alice.password


def test_a_password_shorter_than_twelve_characters_is_refused(db):
    with pytest.raises(ValidationError) as refused:
        validate_password("Lx9!vq2#Rm4")  # eleven characters

    assert "password_too_short" in [error.code for error in refused.value.error_list]
    validate_password("Lx9!vq2#Rm4z")  # twelve: accepted


def test_a_common_password_is_refused_however_long(db):
    with pytest.raises(ValidationError) as refused:
        validate_password("qwerty123456")

    assert "password_too_common" in [error.code for error in refused.value.error_list]


def test_the_real_settings_keep_the_password_rules():
    import registry.settings as real

    validators = {entry["NAME"].rsplit(".", 1)[1]: entry.get("OPTIONS", {}) for entry in real.AUTH_PASSWORD_VALIDATORS}
    assert validators["MinimumLengthValidator"] == {"min_length": 12}
    assert "CommonPasswordValidator" in validators


# --- API tokens -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_api_tokens_are_stored_only_as_a_digest(cast, password):
    token = obtain_token("alice", password)

    stored = ApiToken.objects.get(user=cast.alice)
    assert stored.digest == hashlib.sha256(token.encode()).hexdigest()
    assert_not_stored(token)


def test_a_token_expires_eight_hours_after_issue(cast, password):
    obtain_token("alice", password)

    token = ApiToken.objects.get(user=cast.alice)
    assert token.expires_at - token.created_at == timedelta(hours=8)


def test_an_expired_token_authenticates_no_one(cast, password):
    token = obtain_token("alice", password)
    client = token_client(token)
    assert client.get(reverse("sample-list")).status_code == 200

    now = timezone.now()
    ApiToken.objects.filter(user=cast.alice).update(created_at=now - timedelta(hours=8), expires_at=now)

    response = client.get(reverse("sample-list"))
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_the_token_lifetime_follows_the_setting(settings, cast, password):
    settings.API_TOKEN_TTL_SECONDS = 600

    obtain_token("alice", password)

    token = ApiToken.objects.get(user=cast.alice)
    assert token.expires_at - token.created_at == timedelta(minutes=10)


def test_a_token_of_an_inactive_account_authenticates_no_one(cast, password):
    token = obtain_token("alice", password)
    User.objects.filter(pk=cast.alice.pk).update(is_active=False)  # even without user_disable

    assert token_client(token).get(reverse("sample-list")).status_code == 401


def test_an_unknown_or_malformed_token_is_refused(cast):
    assert token_client("not-a-token").get(reverse("sample-list")).status_code == 401
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token two parts")
    assert client.get(reverse("sample-list")).status_code == 401


def test_each_request_for_a_token_issues_a_new_one(cast, password):
    first, second = obtain_token("alice", password), obtain_token("alice", password)

    assert first != second
    assert ApiToken.objects.filter(user=cast.alice).count() == 2


def test_using_a_token_records_when_it_was_last_used(cast, password):
    token = obtain_token("alice", password)
    assert ApiToken.objects.get(user=cast.alice).last_used_at is None

    token_client(token).get(reverse("sample-list"))

    assert ApiToken.objects.get(user=cast.alice).last_used_at is not None


def test_the_unauthenticated_answer_names_the_token_scheme(db):
    response = APIClient().get(reverse("sample-list"))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


# --- Session timeouts -----------------------------------------------------------------------


def test_a_session_idle_for_fifteen_minutes_is_signed_out(client, cast, password):
    sign_in(client, "alice", password)
    age_session(client, 15 * 60 + 1, SEEN_AT)

    response = client.get(reverse("dashboard"))

    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert SESSION_KEY not in client.session
    assert "您的会话已结束" in client.get(response.url).content.decode()


def test_a_session_used_within_every_fifteen_minutes_stays_signed_in(client, cast, password):
    sign_in(client, "alice", password)

    for _ in range(3):  # 42 minutes in all, never 15 idle
        age_session(client, 14 * 60, SEEN_AT, AUTH_AT)
        assert client.get(reverse("dashboard")).status_code == 200


def test_a_session_ends_eight_hours_after_sign_in_however_active(client, cast, password):
    sign_in(client, "alice", password)
    age_session(client, 8 * 3600 - 60, AUTH_AT)
    assert client.get(reverse("dashboard")).status_code == 200  # active a minute before the cap

    age_session(client, 61, AUTH_AT)  # the last request was just now: not idle at all

    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert SESSION_KEY not in client.session


def test_an_api_session_times_out_like_a_page(client, cast, password):
    sign_in(client, "alice", password)
    age_session(client, 15 * 60 + 1, SEEN_AT)

    assert client.get(reverse("sample-list")).status_code in (401, 403)
    assert SESSION_KEY not in client.session


def test_a_signed_in_session_without_its_sign_in_time_is_refused(client, cast, password):
    sign_in(client, "alice", password)
    session = client.session
    del session[AUTH_AT]
    session.save()

    assert client.get(reverse("dashboard")).status_code == 302


def test_the_timeouts_of_the_real_settings_are_fifteen_minutes_idle_and_eight_hours_in_all():
    import registry.settings as real

    assert real.SESSION_IDLE_SECONDS == 15 * 60
    assert real.SESSION_COOKIE_AGE == 8 * 3600


# --- The session index ----------------------------------------------------------------------


def test_signing_in_indexes_the_session_and_signing_out_removes_it(client, cast, password):
    sign_in(client, "alice", password)
    key = client.session.session_key

    assert list(UserSession.objects.filter(user=cast.alice).values_list("session_key", flat=True)) == [key]

    client.post(reverse("logout"))
    assert not UserSession.objects.filter(session_key=key).exists()


# --- Disabling an account -------------------------------------------------------------------


def test_a_disabled_users_live_session_and_token_stop_working_at_their_next_request(client, cast, password):
    sign_in(client, "alice", password)
    session_key = client.session.session_key
    api = token_client(obtain_token("alice", password))
    assert client.get(reverse("dashboard")).status_code == 200
    assert api.get(reverse("sample-list")).status_code == 200

    users.user_disable(actor=cast.heidi, user=cast.alice, reason="left the service")

    page = client.get(reverse("dashboard"))
    assert page.status_code == 302 and page.url.startswith(reverse("login"))
    assert api.get(reverse("sample-list")).status_code == 401
    assert not session_exists(session_key)
    assert not ApiToken.objects.filter(user=cast.alice).exists()
    event = AuditEvent.objects.get(action="user_disabled")
    assert (event.detail["sessions_ended"], event.detail["tokens_revoked"]) == (1, 1)
    cast.alice.refresh_from_db()
    assert not cast.alice.is_active


def test_disabling_an_account_is_audited_with_its_reason(cast, password):
    obtain_token("alice", password)

    users.user_disable(actor=cast.heidi, user=cast.alice, reason="left the service")

    event = AuditEvent.objects.get(action="user_disabled")
    assert event.actor_username == "heidi"
    assert event.detail["username"] == "alice"
    assert event.detail["reason"] == "left the service"
    assert event.detail["tokens_revoked"] == 1


def test_disabling_an_account_leaves_other_accounts_signed_in(client, cast, password):
    sign_in(client, "bob", password)
    bob_token = obtain_token("bob", password)
    obtain_token("alice", password)

    users.user_disable(actor=cast.heidi, user=cast.alice, reason="left the service")

    assert client.get(reverse("dashboard")).status_code == 200
    assert token_client(bob_token).get(reverse("sample-list")).status_code == 200


def test_a_disabled_account_cannot_sign_in_again(client, cast, password):
    users.user_disable(actor=cast.heidi, user=cast.alice, reason="left the service")

    assert sign_in(client, "alice", password).status_code == 200
    assert SESSION_KEY not in client.session
    response = APIClient().post(reverse("api-token"), {"username": "alice", "password": password}, format="json")
    assert response.status_code == 400


@pytest.mark.parametrize("member", ["alice", "dave", "grace"])
def test_only_a_system_administrator_may_disable_an_account(cast, member):
    with pytest.raises(PermissionDenied):
        users.user_disable(actor=getattr(cast, member), user=cast.bob, reason="no")

    cast.bob.refresh_from_db()
    assert cast.bob.is_active
    assert not AuditEvent.objects.filter(action="user_disabled").exists()


def test_revoking_credentials_ends_every_session_of_the_account(cast, password):
    from django.test import Client

    browsers = [Client(), Client()]
    for browser in browsers:
        sign_in(browser, "alice", password)

    revoked = credentials.revoke_credentials(cast.alice)

    assert revoked.sessions == 2
    for browser in browsers:
        assert browser.get(reverse("dashboard")).status_code == 302


# --- Resetting the second factor ------------------------------------------------------------


# --- Step-up re-authentication --------------------------------------------------------------


@step_up.recent_auth_required
def dangerous_view(request):
    return HttpResponse("done")


def request_from(client, user, path="/danger/"):
    request = RequestFactory().get(path)
    request.session = client.session
    request.user = user
    return request


def test_a_dangerous_action_first_asks_for_the_password_again(client, cast):
    client.force_login(cast.dave)

    response = dangerous_view(request_from(client, cast.dave))

    assert response.status_code == 302
    assert response.url == f"{reverse('confirm-identity')}?next=/danger/"


def test_re_entering_the_password_allows_dangerous_actions_for_five_minutes(client, cast, password):
    client.force_login(cast.dave)

    response = client.post(reverse("confirm-identity"), {"password": password, "next": "/danger/"})

    assert response.status_code == 302 and response.url == "/danger/"
    assert dangerous_view(request_from(client, cast.dave)).status_code == 200
    age_session(client, 301, credentials.STEP_UP_SESSION_KEY)
    assert dangerous_view(request_from(client, cast.dave)).status_code == 302


def test_a_wrong_password_on_the_confirmation_page_allows_nothing(client, cast):
    client.force_login(cast.dave)

    response = client.post(reverse("confirm-identity"), {"password": "wrong password", "next": "/danger/"})

    assert response.status_code == 200
    assert "密码不正确" in response.content.decode()
    assert dangerous_view(request_from(client, cast.dave)).status_code == 302


def test_the_confirmation_page_never_sends_to_another_site(client, cast, password):
    client.force_login(cast.dave)

    response = client.post(reverse("confirm-identity"), {"password": password, "next": "https://elsewhere.example/"})

    assert response.url == reverse("dashboard")


def test_the_confirmation_page_needs_a_signed_in_user(client, db):
    response = client.get(reverse("confirm-identity"))

    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_signing_in_again_forgets_an_earlier_confirmation(client, cast, password):
    client.force_login(cast.dave)
    client.post(reverse("confirm-identity"), {"password": password, "next": "/"})

    client.post(reverse("logout"))
    sign_in(client, "dave", password)

    assert not step_up.has_recent_auth(request_from(client, cast.dave))


def test_api_step_up_accepts_the_callers_password_and_refuses_another(client, cast, password):
    client.force_login(cast.dave)
    request = request_from(client, cast.dave)

    step_up.check_step_up_password(request, password)  # no exception
    with pytest.raises(step_up.StepUpFailed) as refused:
        step_up.check_step_up_password(request, "wrong password")
    with pytest.raises(step_up.StepUpFailed):
        step_up.check_step_up_password(request, None)

    assert refused.value.status == 403 and refused.value.field == "password"


def test_issuing_a_token_is_audited_with_the_request_that_asked_for_it(cast, password):
    obtain_token("alice", password)

    token = ApiToken.objects.get(user=cast.alice)
    event = AuditEvent.objects.get(action="token_issued")
    assert (event.actor_username, event.detail) == ("alice", {"token_id": token.pk})
    assert event.request_id and event.ip_address == "127.0.0.1"


def test_a_token_whose_audit_event_cannot_be_written_is_not_issued(monkeypatch, cast):
    def fail(**kwargs):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(credentials, "record_event", fail)
    with pytest.raises(RuntimeError):
        credentials.api_token_issue(user=cast.alice)

    assert not ApiToken.objects.filter(user=cast.alice).exists()
