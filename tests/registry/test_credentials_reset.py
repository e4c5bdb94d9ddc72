"""A forgotten password or a lost authenticator (issue 18, item 7): the system administrator
issues the same one-time enrolment link as for a new account — never a password — and, for a
role that reads cases, a second person approves the account again."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from registry.accounts import users
from registry.models import AccountActivation, AuditEvent, Authenticator
from tests.registry.test_activation import (
    NEW_PASSWORD,
    enrol,
    new_device_code,
    password_accepted,
    shown_token,
    signed_in_as,
)
from tests.sign_in import enrol_device


def reset_page(client, account):
    return client.post(reverse("manage-user-credentials-reset", args=[account.uuid]))


def test_a_caseworker_who_lost_her_phone_enrols_again_through_a_link_and_dave_approves(
    client, cast, password, settings
):
    settings.REGISTRY_REQUIRE_2FA = True
    enrol_device(cast.alice)
    alice = signed_in_as(Client(), cast.alice)
    heidi = signed_in_as(client, cast.heidi)
    assert 'id="credentials-reset-link"' in heidi.get(reverse("manage-user", args=[cast.alice.uuid])).content.decode()
    assert heidi.get(reverse("manage-user-credentials-reset", args=[cast.alice.uuid])).status_code == 200

    token = shown_token(reset_page(heidi, cast.alice))

    cast.alice.refresh_from_db()
    assert not cast.alice.is_active and not cast.alice.has_usable_password()
    assert not Authenticator.objects.filter(user=cast.alice, confirmed=True).exists()
    assert alice.get(reverse("dashboard")).status_code == 302  # her live session ended
    assert not password_accepted("alice", password)
    event = AuditEvent.objects.get(action="password_reset")
    assert event.actor_username == "heidi"
    assert (event.detail["devices_removed"], event.detail["sessions_ended"], event.detail["approval_required"]) == (
        1,
        1,
        True,
    )

    # She sets a new password and a new authenticator through the link, like a new account …
    assert enrol(token, code=new_device_code).status_code == 302
    cast.alice.refresh_from_db()
    assert not cast.alice.is_active  # … and waits for a second person, as a role that reads cases
    activation = AccountActivation.objects.get(user=cast.alice, closed_at__isnull=True)
    dave = signed_in_as(Client(), cast.dave)
    assert dave.post(reverse("account-approve", args=[activation.uuid])).status_code == 302
    cast.alice.refresh_from_db()
    assert cast.alice.is_active and cast.alice.check_password(NEW_PASSWORD)


def test_an_auditor_who_forgot_his_password_is_active_again_at_enrolment(client, cast):
    token = shown_token(reset_page(signed_in_as(client, cast.heidi), cast.grace))

    assert enrol(token).status_code == 302

    cast.grace.refresh_from_db()
    assert cast.grace.is_active and password_accepted("grace", NEW_PASSWORD)


def test_no_reset_of_ones_own_an_inactive_or_by_another_role(cast):
    with pytest.raises(ValidationError):
        users.user_credentials_reset(actor=cast.heidi, user=cast.heidi)
    users.user_credentials_reset(actor=cast.heidi, user=cast.bob)
    with pytest.raises(ValidationError):  # waiting for its enrolment: a new link is the action
        users.user_credentials_reset(actor=cast.heidi, user=cast.bob)
    with pytest.raises(PermissionDenied):
        users.user_credentials_reset(actor=cast.dave, user=cast.alice)

    assert AuditEvent.objects.filter(action="password_reset").count() == 1
    cast.alice.refresh_from_db()
    assert cast.alice.is_active


def test_only_the_system_administrator_opens_the_reset_page(client, cast):
    client.force_login(cast.dave)

    assert reset_page(client, cast.alice).status_code == 403
    cast.alice.refresh_from_db()
    assert cast.alice.is_active
