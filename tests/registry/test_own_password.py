"""Changing one's own password (issue 18, item 7): every role, the current password checked and
counted towards the lockout, the password rules, other sessions and tokens ended, this one kept,
audited; and the sign-in page's word on a forgotten password."""

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from registry.models import ApiToken, AuditEvent, UserSession
from tests.conftest import FUZHOU_BY_ROLE
from tests.sign_in import sign_in

NEW_PASSWORD = "a brand new pass phrase 77"  # noqa: S105 (test-only)
PAGE = "/accounts/password/"


def change(client, current, new=NEW_PASSWORD, again=None):
    return client.post(
        reverse("account-password"),
        {"current_password": current, "password": new, "password_again": new if again is None else again},
        REMOTE_ADDR="10.0.0.1",
    )


def test_the_page_is_where_the_header_links_and_asks_the_current_password(client, cast):
    client.force_login(cast.alice)

    dashboard = client.get(reverse("dashboard")).content.decode()
    page = client.get(reverse("account-password"))

    assert reverse("account-password") == PAGE and f'href="{PAGE}"' in dashboard
    assert page.status_code == 200
    assert list(page.context["form"].fields) == ["current_password", "password", "password_again"]


def test_a_visitor_not_signed_in_is_sent_to_sign_in(client, db):
    response = client.get(reverse("account-password"))

    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", sorted(FUZHOU_BY_ROLE))
def test_every_role_changes_its_password_and_stays_signed_in(client, cast, password, role):
    user = getattr(cast, FUZHOU_BY_ROLE[role])
    sign_in(client, user.username, password)

    done = change(client, password)

    assert done.status_code == 302 and done.url == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200  # this session kept
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_other_sessions_and_tokens_end_this_one_is_kept_and_it_is_audited(client, cast, password):
    other = Client()
    sign_in(other, "alice", password)
    sign_in(client, "alice", password)
    token = APIClient().post(reverse("api-token"), {"username": "alice", "password": password}, format="json")
    assert token.status_code == 200

    change(client, password)

    assert other.get(reverse("dashboard")).status_code == 302  # the other browser is signed out
    assert client.get(reverse("dashboard")).status_code == 200
    assert not ApiToken.objects.filter(user=cast.alice).exists()
    # The one session left is indexed under its new (rotated) key, and only it.
    assert list(UserSession.objects.filter(user=cast.alice).values_list("session_key", flat=True)) == [
        client.session.session_key
    ]
    event = AuditEvent.objects.get(action="password_changed")
    assert event.actor_username == "alice" and event.outcome == "success"
    assert event.detail == {"user": str(cast.alice.uuid), "username": "alice", "sessions_ended": 1, "tokens_revoked": 1}
    # The new password signs in; the old one no longer does.
    assert sign_in(Client(), "alice", NEW_PASSWORD).status_code == 302
    assert sign_in(Client(), "alice", password).status_code == 200


def test_a_wrong_current_password_changes_nothing_and_counts_towards_the_lockout(client, cast, password):
    client.force_login(cast.alice)

    refused = change(client, "not my password at all")

    assert refused.status_code == 400
    assert refused.context["form"].errors["current_password"]
    cast.alice.refresh_from_db()
    assert cast.alice.check_password(password)
    assert AccessAttempt.objects.get().failures_since_start == 1
    assert not AuditEvent.objects.filter(action="password_changed").exists()


def test_wrong_current_passwords_lock_the_page_like_the_sign_in(client, cast, password, settings):
    client.force_login(cast.alice)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        change(client, "not my password at all")

    locked = change(client, password)  # even the right one, during the lockout

    assert locked.status_code == 429 and "Retry-After" in locked
    cast.alice.refresh_from_db()
    assert cast.alice.check_password(password)


@pytest.mark.parametrize(
    ("new", "again", "field"),
    [
        ("short1!", None, "password"),  # the validators: at least twelve characters
        ("123456789012", None, "password"),  # digits only
        (NEW_PASSWORD, "something else entirely", "password_again"),
        ("correct horse battery staple 42", None, "password"),  # the current one (TEST_PASSWORD)
    ],
)
def test_a_new_password_that_breaks_a_rule_is_refused_on_its_field(client, cast, password, new, again, field):
    client.force_login(cast.alice)

    refused = change(client, password, new=new, again=again)

    assert refused.status_code == 400
    assert refused.context["form"].errors[field]
    cast.alice.refresh_from_db()
    assert cast.alice.check_password(password)


def test_the_passwords_are_never_in_the_audit_log(client, cast, password):
    client.force_login(cast.alice)
    change(client, password)

    stored = " ".join(str(event.detail) for event in AuditEvent.objects.all())
    assert NEW_PASSWORD not in stored and password not in stored


def test_the_sign_in_page_says_where_to_go_with_a_forgotten_password(client, db):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert 'id="login-help"' in page
