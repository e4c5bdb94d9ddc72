"""The idle warning (issue 18, item 7): every signed-in page carries the session's idle time-out
and the keep-alive address on <body>, loads registry/idle.js with ``defer`` and holds the
dialog — with no inline script (the Content-Security-Policy allows none) —, and the keep-alive
counts as activity for a signed-in session only, behind CSRF."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from registry.accounts import credentials
from tests.helpers import inline_scripts
from tests.sign_in import age_session

SEEN_AT = credentials.SEEN_AT_SESSION_KEY


def page_of(client) -> str:
    return client.get(reverse("dashboard")).content.decode()


def test_a_signed_in_page_carries_the_time_out_the_script_and_the_dialog(client, cast, settings):
    settings.SESSION_IDLE_SECONDS = 600
    client.force_login(cast.alice)

    html = page_of(client)

    body = re.search(r"<body([^>]*)>", html).group(1)
    assert 'data-idle-seconds="600"' in body
    assert f'data-keep-alive-url="{reverse("account-keep-alive")}"' in body
    assert re.search(r'<script src="[^"]*registry/idle\.js" defer></script>', html)
    assert re.search(r'<dialog [^>]*id="idle-dialog" role="alertdialog"', html)
    assert 'id="idle-continue"' in html and 'id="idle-sign-out"' in html


@pytest.mark.parametrize("signed_in", [True, False])
def test_no_page_has_inline_script_or_event_handlers(client, cast, signed_in):
    if signed_in:
        client.force_login(cast.alice)
    html = client.get(reverse("dashboard") if signed_in else reverse("login")).content.decode()

    assert not inline_scripts(html)
    assert not re.search(r"\son[a-z]+=", html)


def test_the_sign_in_page_has_no_idle_warning(client, db):
    html = client.get(reverse("login")).content.decode()

    assert "idle.js" not in html and "data-idle-seconds" not in html and "idle-dialog" not in html


def test_the_keep_alive_restarts_the_idle_time(client, cast, settings):
    settings.SESSION_IDLE_SECONDS = 600
    client.force_login(cast.alice)
    age_session(client, 590, SEEN_AT)

    kept = client.post(reverse("account-keep-alive"))
    age_session(client, 20, SEEN_AT)  # 610 s after the last page, 20 s after the keep-alive

    assert kept.status_code == 204 and kept.content == b""
    assert client.get(reverse("dashboard")).status_code == 200


def test_without_the_keep_alive_the_same_session_ends(client, cast, settings):
    settings.SESSION_IDLE_SECONDS = 600
    client.force_login(cast.alice)
    age_session(client, 610, SEEN_AT)

    assert client.get(reverse("dashboard")).status_code == 302
    assert client.post(reverse("account-keep-alive")).status_code == 401  # ended: nothing to keep


def test_the_keep_alive_is_for_signed_in_users_by_post_with_csrf(client, cast):
    assert client.post(reverse("account-keep-alive")).status_code == 401
    client.force_login(cast.alice)
    assert client.get(reverse("account-keep-alive")).status_code == 405

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(cast.alice)
    assert strict.post(reverse("account-keep-alive")).status_code == 403
