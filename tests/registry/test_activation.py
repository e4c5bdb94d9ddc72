"""Separation of duties that does not depend on the UI (issue 13, item 1).

Heidi (sysadmin) creates, enables and moves accounts, but never holds a working credential of
a role that reads cases: an account she touches gets no password from her, only a one-time
enrolment link for its holder, and an account that reads cases signs in only after a second
person — Dave (civil affairs, Fuzhou) or Grace (provincial auditor) — approves it. Every way in
(sign-in page, token endpoint, sessions, tokens) is refused until then, whatever Heidi does
with the link herself.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from registry import two_factor
from registry.accounts import activation, users
from registry.accounts.credentials import token_digest
from registry.audit import AuditAction
from registry.choices import Role
from registry.errors import PermissionDenied
from registry.keyring import new_keyring_document
from registry.models import AccountActivation, ActivationOutcome, AuditEvent, User
from tests.sign_in import code_for, enrol_device, verified_session, wrong_code_for
from tests.victims.conftest import RESCUE, person
from victims import operations

NEW_PASSWORD = "lantern-Quarry-meadow-83"
HEIDIS_GUESS = "heidi-knows-this-one-77"
ROOT = Path(__file__).resolve().parents[2]


def html(response) -> str:
    return response.content.decode()


def events(action) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def shown_token(response) -> str:
    shown = re.search(r'<code id="enrolment-link">([^<]+)</code>', html(response))
    assert shown, "no enrolment link on the page"
    return unescape(shown.group(1)).rstrip("/").rsplit("/", 1)[-1]


def signed_in_as(client, user) -> Client:
    """``client`` signed in as ``user`` — verified by an authenticator when one is required."""
    if settings.REGISTRY_REQUIRE_2FA:
        verified_session(client, user, two_factor.confirmed_device(user) or enrol_device(user))
    else:
        client.force_login(user)
    return client


def password_accepted(username: str, password: str) -> bool:
    """Whether the sign-in page accepts the password (signed in, or sent on to the code step)."""
    browser = Client()
    response = browser.post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302


def token_answer(username: str, password: str, otp: str = ""):
    body = {"username": username, "password": password, **({"otp": otp} if otp else {})}
    return APIClient().post(reverse("api-token"), body, format="json")


def cases_listed(token: str) -> int:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api.get(reverse("case-list"))
    assert response.status_code == 200
    return response.json()["count"]


def enrol(token: str, password: str = NEW_PASSWORD, *, browser: Client | None = None, code=None, again=None):
    """Follow the link as its holder would: open it, then post the form; the last response.
    ``code(user)`` gives the second-factor code to type, when one is asked for."""
    browser = browser or Client()
    opened = browser.get(reverse("account-enrol", args=[token]))
    if opened.status_code != 302:
        return opened
    assert opened.url == reverse("account-enrol-form")
    form = browser.get(opened.url)
    if form.status_code != 200:
        return form
    data = {"password": password, "password_again": again if again is not None else password}
    if code is not None:
        data["otp_token"] = code(AccountActivation.objects.get(link_digest=token_digest(token)).user)
    return browser.post(reverse("account-enrol-form"), data)


def new_device_code(user) -> str:
    """The code of the authenticator being enrolled on the page (as the holder's phone shows)."""
    return code_for(two_factor.enrolment_device(user))


def own_device_code(user) -> str:
    return code_for(two_factor.confirmed_device(user))


@pytest.fixture(autouse=True)
def _no_lockout(settings):
    """These tests try many passwords on purpose, to show that none opens an account being
    activated; the lockout has its own tests (tests/registry/test_lockout.py)."""
    settings.AXES_FAILURE_LIMIT = 50
    settings.REGISTRY_SIGN_IN_DELAY_AFTER = 50


@pytest.fixture
def fuzhou_case(cast, places):
    return operations.case_register(actor=cast.alice, victim=person(70), jurisdiction=places.gulou, rescue=dict(RESCUE))


def create_civil_affairs_officer(heidi, places, username="lin"):
    """Heidi creates a Fuzhou civil affairs officer through the page; the token shown."""
    response = heidi.post(
        reverse("manage-user-create"),
        {
            "username": username,
            "last_name": "林",
            "first_name": "慧",
            "role": Role.CIVIL_AFFAIRS,
            "organization": places.fz_civil_affairs.uuid,
            "jurisdiction": places.fuzhou.code,
            # Posted anyway, by a tampered form: never used.
            "password": HEIDIS_GUESS,
            "password_again": HEIDIS_GUESS,
        },
    )
    assert response.status_code == 200
    assert 'type="password"' not in html(response)
    return shown_token(response)


def assert_cannot_get_in(username: str, *passwords: str) -> None:
    """No password opens the account: not the sign-in page, not the token endpoint."""
    user = User.objects.get(username=username)
    assert not user.is_active
    for password in passwords:
        assert not password_accepted(username, password), password
        answer = token_answer(username, password, otp="123456")
        assert answer.status_code in (400, 429) and "token" not in answer.json(), password


# --- The whole path, as the issue tells it ----------------------------------------------------


@pytest.mark.parametrize("second_factor", [False, True], ids=["password only", "with TOTP"])
def test_an_account_heidi_creates_lists_cases_only_after_its_holder_enrols_and_dave_approves(
    settings, client, cast, places, fuzhou_case, password, second_factor
):
    settings.REGISTRY_REQUIRE_2FA = second_factor
    code = new_device_code if second_factor else None
    token = create_civil_affairs_officer(signed_in_as(client, cast.heidi), places)
    lin = User.objects.get(username="lin")
    assert not lin.has_usable_password()
    assert_cannot_get_in("lin", HEIDIS_GUESS, password, "")

    # Heidi cannot approve it: not on a page, not through the operation.
    assert client.get(reverse("account-approvals")).status_code == 403
    pending = AccountActivation.objects.get(user=lin)
    assert client.post(reverse("account-approve", args=[pending.uuid])).status_code == 403
    with pytest.raises(PermissionDenied):
        activation.user_approve(actor=cast.heidi, user=lin)
    assert len(events(AuditAction.ACCESS_DENIED)) == 2

    # Dave cannot approve before the holder enrolled: there is nothing to check with her yet.
    dave = signed_in_as(Client(), cast.dave)
    assert 'id="approve-form"' not in html(dave.get(reverse("account-approve", args=[pending.uuid])))
    refused = dave.post(reverse("account-approve", args=[pending.uuid]))
    assert refused.status_code == 200 and 'id="form-errors"' in html(refused)

    # The holder enrols: her own password (and authenticator); the account still waits for Dave.
    done = enrol(token, code=code)
    assert done.status_code == 302 and done.url == reverse("login")
    assert_cannot_get_in("lin", NEW_PASSWORD)
    assert enrol(token, "another-Password-9911", code=code).status_code == 404  # used: dead

    approved = dave.post(reverse("account-approve", args=[pending.uuid]))

    assert approved.status_code == 302
    lin.refresh_from_db()
    assert lin.is_active and lin.check_password(NEW_PASSWORD)
    otp = own_device_code(lin) if second_factor else ""
    answer = token_answer("lin", NEW_PASSWORD, otp=otp)
    assert answer.status_code == 200
    assert cases_listed(answer.json()["token"]) == 1  # Fuzhou's case, now that two people agreed
    assert not password_accepted("lin", HEIDIS_GUESS)
    pending.refresh_from_db()
    assert (pending.outcome, pending.approved_by, pending.link_digest) == (ActivationOutcome.ACTIVATED, cast.dave, None)
    assert [event.actor_username for event in events(AuditAction.ACCOUNT_ENROLLED)] == ["lin"]
    assert [event.actor_username for event in events(AuditAction.ACCOUNT_APPROVED)] == ["dave"]
    assert [event.actor_username for event in events(AuditAction.ACCOUNT_ACTIVATED)] == ["dave"]


def test_heidi_using_the_link_herself_still_holds_nothing_that_signs_in(client, cast, places, fuzhou_case):
    token = create_civil_affairs_officer(signed_in_as(client, cast.heidi), places)

    # The link works for whoever holds it — that is why a second person must approve.
    assert enrol(token, HEIDIS_GUESS, browser=client).status_code == 302

    assert_cannot_get_in("lin", HEIDIS_GUESS)
    api = APIClient()
    api.force_authenticate(cast.heidi)
    assert api.get(reverse("case-list")).json()["count"] == 0
    # What Dave is shown before approving: when the account was enrolled, to check with its holder.
    pending = AccountActivation.objects.get(user__username="lin")
    page = html(signed_in_as(Client(), cast.dave).get(reverse("account-approve", args=[pending.uuid])))
    enrolled = re.search(r'<dd id="approval-enrolled">([^<]*)</dd>', page).group(1)
    assert enrolled == timezone.localtime(pending.enrolled_at).strftime("%Y-%m-%d %H:%M")


def test_every_administration_page_heidi_can_use_yields_no_working_credential(client, cast, places, password):
    """Create, enable again, move, renew the link: each answer shows a link, never a password,
    and every account touched is locked until enrolment and approval."""
    heidi = signed_in_as(client, cast.heidi)
    tokens = [create_civil_affairs_officer(heidi, places)]
    heidi.post(reverse("manage-user-disable", args=[cast.erin.uuid]), {"reason": "调动"})
    tokens.append(shown_token(heidi.post(reverse("manage-user-enable", args=[cast.erin.uuid]))))
    moved = heidi.post(
        reverse("manage-user", args=[cast.bob.uuid]),
        {"role": Role.EDUCATION, "organization": cast.bob.organization.uuid, "jurisdiction": places.gulou.code},
    )
    tokens.append(shown_token(moved))
    tokens.append(shown_token(heidi.post(reverse("manage-user-enrolment-link", args=[cast.bob.uuid]))))

    for username in ("lin", "erin", "bob"):
        assert_cannot_get_in(username, password, HEIDIS_GUESS)
    assert len(set(tokens)) == 4
    stored = str(list(AccountActivation.objects.values())) + str(list(AuditEvent.objects.values()))
    assert not any(token in stored for token in tokens)
    assert AccountActivation.objects.filter(closed_at__isnull=True).count() == 3


# --- The link ---------------------------------------------------------------------------------


def test_only_the_links_digest_is_stored(cast, places):
    link = users.user_create(
        actor=cast.heidi, username="lin", first_name="", last_name="", role=Role.LABOR,
        organization=places.fz_labor, jurisdiction=places.fuzhou,
    )  # fmt: skip

    row = AccountActivation.objects.get(user=link.user)
    assert row.link_digest == token_digest(link.token)
    assert link.token not in str(AccountActivation.objects.filter(pk=row.pk).values().get())


def test_an_expired_link_is_refused(cast, places):
    link = users.user_create(
        actor=cast.heidi, username="lin", first_name="", last_name="", role=Role.LABOR,
        organization=places.fz_labor, jurisdiction=places.fuzhou,
    )  # fmt: skip
    AccountActivation.objects.filter(user=link.user).update(link_expires_at=timezone.now() - timedelta(seconds=1))

    response = enrol(link.token)

    assert response.status_code == 404
    assert 'id="enrol-dead"' in html(response)
    link.user.refresh_from_db()
    assert not link.user.has_usable_password()
    assert not events(AuditAction.ACCOUNT_ENROLLED)


def test_a_link_that_expires_while_the_form_is_open_is_refused(cast, places):
    link = users.user_create(
        actor=cast.heidi, username="lin", first_name="", last_name="", role=Role.LABOR,
        organization=places.fz_labor, jurisdiction=places.fuzhou,
    )  # fmt: skip
    browser = Client()
    browser.get(reverse("account-enrol", args=[link.token]))
    AccountActivation.objects.filter(user=link.user).update(link_expires_at=timezone.now() - timedelta(seconds=1))

    response = browser.post(reverse("account-enrol-form"), {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})

    assert response.status_code == 404
    with pytest.raises(ValidationError):
        activation.user_enrol(digest=token_digest(link.token), password=NEW_PASSWORD)


def test_the_link_lives_as_many_hours_as_configured(settings, cast, places):
    settings.REGISTRY_ENROLMENT_HOURS = 5
    before = timezone.now()

    link = users.user_create(
        actor=cast.heidi, username="lin", first_name="", last_name="", role=Role.LABOR,
        organization=places.fz_labor, jurisdiction=places.fuzhou,
    )  # fmt: skip

    assert timedelta(hours=5) <= link.expires_at - before < timedelta(hours=5, seconds=30)


def test_the_enrolment_form_url_carries_no_token(cast, places):
    link = users.user_create(
        actor=cast.heidi, username="lin", first_name="", last_name="", role=Role.LABOR,
        organization=places.fz_labor, jurisdiction=places.fuzhou,
    )  # fmt: skip
    browser = Client()

    opened = browser.get(reverse("account-enrol", args=[link.token]))

    assert opened.url == reverse("account-enrol-form")
    assert link.token not in str(dict(browser.session))  # only its digest is remembered


def test_a_disabled_account_kills_its_link(cast, places):
    link = users.user_create(
        actor=cast.heidi, username="lin", first_name="", last_name="", role=Role.LABOR,
        organization=places.fz_labor, jurisdiction=places.fuzhou,
    )  # fmt: skip

    users.user_disable(actor=cast.heidi, user=link.user, reason="有误")

    assert enrol(link.token).status_code == 404
    assert AccountActivation.objects.get(user=link.user).outcome == ActivationOutcome.WITHDRAWN


# Each case breaks one password rule; the holder is told on the field, and the link stays live.
WEAK_PASSWORDS = {
    "too short": ("Ab3-xyz", None, "password", "密码太短，至少须包含 12 个字符。"),
    "too common": ("password1234", None, "password", "太常见"),
    "all digits": ("583920174658", None, "password", "密码只包含数字。"),
    "like the username": ("linxiaoyan2024", None, "password", "太相似"),
    "typed twice differently": (NEW_PASSWORD, NEW_PASSWORD + "x", "password_again", ""),
}


@pytest.mark.parametrize("rule", WEAK_PASSWORDS)
def test_the_holder_chooses_a_password_that_passes_every_rule(cast, places, rule):
    typed, again, field, message = WEAK_PASSWORDS[rule]
    link = users.user_create(
        actor=cast.heidi, username="linxiaoyan2024", first_name="", last_name="", role=Role.LABOR,
        organization=places.fz_labor, jurisdiction=places.fuzhou,
    )  # fmt: skip

    response = enrol(link.token, typed, again=again)

    assert response.status_code == 200
    block = re.search(rf'id="field-{field}">(.*?)</div>', html(response), re.DOTALL).group(1)
    assert 'class="field__error"' in block and message in unescape(block)
    assert activation.live_activation(token_digest(link.token)) is not None
    link.user.refresh_from_db()
    assert not link.user.has_usable_password()


def test_a_wrong_code_enrols_nothing_and_the_link_stays_live(settings, cast, places):
    settings.REGISTRY_REQUIRE_2FA = True
    link = users.user_create(
        actor=cast.heidi, username="lin", first_name="", last_name="", role=Role.LABOR,
        organization=places.fz_labor, jurisdiction=places.fuzhou,
    )  # fmt: skip

    response = enrol(link.token, code=lambda user: wrong_code_for(two_factor.enrolment_device(user)))

    assert response.status_code == 200
    assert 'id="field-otp_token"' in html(response) and 'class="field__error"' in html(response)
    assert activation.live_activation(token_digest(link.token)) is not None
    assert two_factor.confirmed_device(link.user) is None
    link.user.refresh_from_db()
    assert not link.user.has_usable_password()


def test_a_moved_account_proves_the_authenticator_it_already_has(settings, cast, places):
    settings.REGISTRY_REQUIRE_2FA = True
    device = enrol_device(cast.alice)
    _, link = users.user_update(
        actor=cast.heidi, user=cast.alice, first_name="", last_name="", role=Role.CASEWORKER,
        organization=places.fz_shelter, jurisdiction=places.gulou,
    )  # fmt: skip
    browser = Client()
    browser.get(reverse("account-enrol", args=[link.token]))

    form = html(browser.get(reverse("account-enrol-form")))
    assert 'id="enrol-existing-device"' in form and 'id="enrol-qr"' not in form
    response = browser.post(
        reverse("account-enrol-form"),
        {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD, "otp_token": code_for(device)},
    )

    assert response.status_code == 302
    assert two_factor.confirmed_device(cast.alice) == device
    cast.alice.refresh_from_db()
    assert not cast.alice.is_active  # moved: approved again before she signs in


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.SYSADMIN])
def test_an_account_that_reads_no_case_is_active_once_enrolled(cast, places, role):
    link = users.user_create(
        actor=cast.heidi, username="lin", first_name="", last_name="", role=role,
        organization=places.office, jurisdiction=places.province,
    )  # fmt: skip
    assert not AccountActivation.objects.get(user=link.user).approval_required

    assert enrol(link.token).status_code == 302

    link.user.refresh_from_db()
    assert link.user.is_active
    assert password_accepted("lin", NEW_PASSWORD)
    (activated,) = events(AuditAction.ACCOUNT_ACTIVATED)
    assert activated.actor_username == "lin"


# --- Who approves -----------------------------------------------------------------------------


def enrolled_caseworker(cast, places, username="lin") -> User:
    """A Fuzhou caseworker account Heidi created and its holder enrolled: waiting for approval."""
    link = users.user_create(
        actor=cast.heidi, username=username, first_name="", last_name="", role=Role.CASEWORKER,
        organization=places.fz_shelter, jurisdiction=places.gulou,
    )  # fmt: skip
    activation.user_enrol(digest=token_digest(link.token), password=NEW_PASSWORD)
    return User.objects.get(pk=link.user.pk)


def test_a_civil_affairs_officer_of_another_city_cannot_approve(client, cast, places):
    lin = enrolled_caseworker(cast, places)
    pending = AccountActivation.objects.get(user=lin)
    xavier = signed_in_as(client, cast.xavier)

    assert 'id="no-approvals"' in html(xavier.get(reverse("account-approvals")))
    assert xavier.post(reverse("account-approve", args=[pending.uuid])).status_code == 404
    with pytest.raises(PermissionDenied):
        activation.user_approve(actor=cast.xavier, user=lin)
    lin.refresh_from_db()
    assert not lin.is_active


def test_the_provincial_auditor_approves(client, cast, places):
    lin = enrolled_caseworker(cast, places)
    pending = AccountActivation.objects.get(user=lin)

    response = signed_in_as(client, cast.grace).post(reverse("account-approve", args=[pending.uuid]))

    assert response.status_code == 302
    lin.refresh_from_db()
    assert lin.is_active


def test_of_two_approvers_the_second_is_told_it_is_done(cast, places):
    lin = enrolled_caseworker(cast, places)
    activation.user_approve(actor=cast.dave, user=lin)

    with pytest.raises(ValidationError):
        activation.user_approve(actor=cast.grace, user=lin)

    assert [event.actor_username for event in events(AuditAction.ACCOUNT_APPROVED)] == ["dave"]


def test_the_approver_roles_follow_the_setting(settings, client, cast, places):
    settings.REGISTRY_ACCOUNT_APPROVERS = ["civil_affairs"]
    lin = enrolled_caseworker(cast, places)
    pending = AccountActivation.objects.get(user=lin)

    assert signed_in_as(client, cast.grace).post(reverse("account-approve", args=[pending.uuid])).status_code == 403
    with pytest.raises(PermissionDenied):
        activation.user_approve(actor=cast.grace, user=lin)
    lin.refresh_from_db()
    assert not lin.is_active


@pytest.mark.parametrize("member", ["alice", "bob", "erin", "frank", "heidi"])
def test_other_roles_do_not_approve_and_the_refusal_is_audited(client, cast, places, member):
    lin = enrolled_caseworker(cast, places)
    pending = AccountActivation.objects.get(user=lin)
    browser = signed_in_as(client, getattr(cast, member))

    assert browser.get(reverse("account-approvals")).status_code == 403
    assert browser.post(reverse("account-approve", args=[pending.uuid])).status_code == 403

    assert len(events(AuditAction.ACCESS_DENIED)) == 2
    lin.refresh_from_db()
    assert not lin.is_active


def test_an_account_never_approves_itself_nor_its_requester_it(cast, places):
    """The operation refuses it (an inactive account has no role), and so does the database."""
    _, link = users.user_update(
        actor=cast.heidi, user=cast.dave, first_name="", last_name="", role=Role.CIVIL_AFFAIRS,
        organization=places.fz_civil_affairs, jurisdiction=places.gulou,
    )  # fmt: skip
    activation.user_enrol(digest=token_digest(link.token), password=NEW_PASSWORD)
    dave = User.objects.get(pk=cast.dave.pk)

    with pytest.raises(PermissionDenied):
        activation.user_approve(actor=dave, user=dave)
    row = AccountActivation.objects.get(user=dave, closed_at__isnull=True)
    for approver in (dave, cast.heidi):
        with pytest.raises(IntegrityError), transaction.atomic():
            AccountActivation.objects.filter(pk=row.pk).update(approved_by=approver, approved_at=timezone.now())


def test_an_account_moved_after_the_page_was_opened_needs_a_new_look(cast, places):
    lin = enrolled_caseworker(cast, places)
    shown = AccountActivation.objects.get(user=lin)
    _, link = users.user_update(
        actor=cast.heidi, user=lin, first_name="", last_name="", role=Role.CASEWORKER,
        organization=places.fz_shelter, jurisdiction=places.fuzhou,
    )  # fmt: skip
    activation.user_enrol(digest=token_digest(link.token), password=NEW_PASSWORD)

    with pytest.raises(ValidationError):
        activation.user_approve(actor=cast.dave, user=lin, activation=shown)
    lin.refresh_from_db()
    assert not lin.is_active


def test_a_moved_account_is_approved_again(cast, places, password):
    _, link = users.user_update(
        actor=cast.heidi, user=cast.alice, first_name="", last_name="", role=Role.CASEWORKER,
        organization=places.fz_shelter, jurisdiction=places.gulou,
    )  # fmt: skip
    activation.user_enrol(digest=token_digest(link.token), password=NEW_PASSWORD)
    assert_cannot_get_in("alice", NEW_PASSWORD, password)

    activation.user_approve(actor=cast.dave, user=cast.alice)

    assert password_accepted("alice", NEW_PASSWORD)
    assert not password_accepted("alice", password)  # her old password died with the move


# --- What approvers and auditors are shown ---------------------------------------------------


def test_daves_dashboard_lists_the_accounts_waiting_for_him(client, cast, places):
    enrolled_caseworker(cast, places, username="lin")
    enrolled_caseworker(cast, places, username="xiaomei")

    page = html(signed_in_as(client, cast.dave).get(reverse("dashboard")))

    panel = re.search(r'<section class="panel" id="account-approvals".*?</section>', page, re.DOTALL).group(0)
    assert "lin" in panel and "xiaomei" in panel
    elsewhere = html(signed_in_as(Client(), cast.xavier).get(reverse("dashboard")))
    assert 'id="no-account-approvals"' in elsewhere  # Xiamen's officer: none of Fuzhou's


def test_the_auditors_are_told_of_every_account_change(client, cast, places):
    lin = enrolled_caseworker(cast, places)
    activation.user_approve(actor=cast.dave, user=lin)
    users.user_disable(actor=cast.heidi, user=cast.bob, reason="调动")

    page = html(signed_in_as(client, cast.grace).get(reverse("dashboard")))

    panel = re.search(r'<section class="panel" id="account-changes".*?</section>', page, re.DOTALL).group(0)
    rows = re.findall(r"<tr>\s*<td>[^<]*</td>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td>", panel)
    assert [(account, by) for _, account, by in rows] == [
        ("bob", "heidi"),  # disabled
        ("lin", "dave"),  # activated
        ("lin", "dave"),  # approved
        ("lin", "lin"),  # enrolled
        ("lin", "heidi"),  # created
    ]
    assert "account-changes" not in html(signed_in_as(Client(), cast.dave).get(reverse("dashboard")))


def test_a_misconfigured_approver_list_stops_start_up():
    env = {key: value for key, value in os.environ.items() if not key.startswith("REGISTRY_")}
    env.pop("DATABASE_URL", None)
    env.update(
        {
            "REGISTRY_ENV_FILE": os.devnull,
            "REGISTRY_MODE": "dev",
            "DJANGO_SETTINGS_MODULE": "registry.settings",
            "SECRET_KEY": "x" * 50,
            "REGISTRY_KEYRING": new_keyring_document(),
            "REGISTRY_ACCOUNT_APPROVERS": "civil_affairs,sysadmin",
        }
    )
    code = "import django; django.setup()"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "REGISTRY_ACCOUNT_APPROVERS" in result.stderr


def test_a_signed_in_session_is_not_the_holders_way_in(client, cast, places):
    """Following the link signs no one in, even in a browser where someone is signed in."""
    link = users.user_create(
        actor=cast.heidi, username="lin", first_name="", last_name="", role=Role.LABOR,
        organization=places.fz_labor, jurisdiction=places.fuzhou,
    )  # fmt: skip
    enrol(link.token, browser=signed_in_as(client, cast.heidi))

    assert int(client.session[SESSION_KEY]) == cast.heidi.pk
