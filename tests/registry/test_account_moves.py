"""Moves revoke access (issue 13, item 6).

Alice, caseworker of the Fuzhou relief station, works on case ``ours`` (her station's, assigned
to her at registration) and helps on case ``theirs`` of the Fuzhou children's welfare home (Mei
assigned her). When Heidi moves her — another organization, jurisdiction or role — or disables
her, in one operation: every session and API token of hers ends, and every assignment her new
placement does not reach by itself is dropped, each with its history row and audit event.
"""

from __future__ import annotations

from importlib import import_module

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from registry.accounts import access, activation, users
from registry.accounts.credentials import token_digest
from registry.audit import AuditAction
from registry.choices import Department, OrganizationKind, Role
from registry.models import ApiToken, AuditEvent, User
from tests.factories import OrganizationFactory, UserFactory
from tests.victims.conftest import RESCUE, person
from victims import operations
from victims.models import Case

NEW_PASSWORD = "harbour-Violet-thicket-64"


@pytest.fixture
def home(places):
    return OrganizationFactory(
        name="福州市儿童福利院",
        department=Department.CIVIL_AFFAIRS,
        kind=OrganizationKind.CHILDREN_WELFARE,
        jurisdiction=places.fuzhou,
        capacity=30,
    )


@pytest.fixture
def cases(cast, places, home):
    """``ours`` (Alice's station's) and ``theirs`` (the welfare home's, Alice assigned to help)."""
    mei = UserFactory(username="mei", role=Role.CASEWORKER, organization=home, jurisdiction=places.fuzhou)
    ours = operations.case_register(actor=cast.alice, victim=person(80), jurisdiction=places.gulou, rescue=dict(RESCUE))
    theirs = operations.case_register(actor=mei, victim=person(81), jurisdiction=places.gulou, rescue=dict(RESCUE))
    # Alice helping the welfare home: an assignment across organizations kept from before
    # ``case_assign`` took the lead organization's caseworkers only.
    theirs.assigned_caseworkers.add(cast.alice)
    return ours, theirs


def assigned(case: Case) -> set[str]:
    return set(Case.objects.get(pk=case.pk).assigned_caseworkers.values_list("username", flat=True))


def session_exists(key) -> bool:
    return import_module(settings.SESSION_ENGINE).SessionStore().exists(key)


def alices_way_in(password):
    """A signed-in browser and an API token of Alice's; returns (browser, session key, api)."""
    browser = Client()
    assert browser.post(reverse("login"), {"username": "alice", "password": password}).status_code == 302
    answer = APIClient().post(reverse("api-token"), {"username": "alice", "password": password}, format="json")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    return browser, browser.session.session_key, api


def move(cast, **placement):
    values = {
        "role": cast.alice.role,
        "organization": cast.alice.organization,
        "jurisdiction": cast.alice.jurisdiction,
        **placement,
    }
    return users.user_update(actor=cast.heidi, user=cast.alice, first_name="", last_name="", **values)


def test_moving_alice_to_another_organization_ends_her_access_to_her_old_cases(cast, places, home, cases, password):
    ours, theirs = cases
    browser, session_key, api = alices_way_in(password)
    assert api.get(reverse("case-detail", kwargs={"id": ours.uuid})).status_code == 200

    _, link = move(cast, organization=home)

    # Every way in she had is gone at once.
    page = browser.get(reverse("dashboard"))
    assert page.status_code == 302 and page.url.startswith(reverse("login"))
    assert not session_exists(session_key)
    assert api.get(reverse("case-detail", kwargs={"id": ours.uuid})).status_code == 401
    assert not ApiToken.objects.filter(user=cast.alice).exists()
    # The assignment her new place does not reach is dropped; the one it reaches is kept.
    assert "alice" not in assigned(ours)
    assert "alice" in assigned(theirs)
    (event,) = AuditEvent.objects.filter(action=AuditAction.USER_UPDATED)
    assert (event.detail["sessions_ended"], event.detail["tokens_revoked"], event.detail["grants_released"]) == (
        1,
        1,
        1,
    )
    (unassigned,) = AuditEvent.objects.filter(action=AuditAction.CASEWORKER_UNASSIGNED, detail__contains="unassigned")
    assert unassigned.case_uuid == ours.uuid and unassigned.actor == cast.heidi
    assert unassigned.detail == {"unassigned": str(cast.alice.uuid)}
    last = Case.history.filter(id=ours.pk).latest("history_date")
    assert (last.history_user_id, last.history_change_reason) == (
        cast.heidi.pk,
        "caseworker unassigned: account moved or disabled",
    )

    # Enrolled again and approved in her new place, she reads the new place's cases only.
    activation.user_enrol(digest=token_digest(link.token), password=NEW_PASSWORD)
    activation.user_approve(actor=cast.dave, user=cast.alice)
    answer = APIClient().post(reverse("api-token"), {"username": "alice", "password": NEW_PASSWORD}, format="json")
    fresh = APIClient()
    fresh.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    assert fresh.get(reverse("case-detail", kwargs={"id": ours.uuid})).status_code == 404
    assert fresh.get(reverse("case-detail", kwargs={"id": theirs.uuid})).status_code == 200


def test_a_change_of_jurisdiction_alone_ends_sessions_and_keeps_her_own_stations_cases(cast, places, cases, password):
    ours, theirs = cases
    _, session_key, api = alices_way_in(password)

    _, link = move(cast, jurisdiction=places.gulou)

    assert link is not None
    assert not session_exists(session_key)
    assert api.get(reverse("case-list")).status_code == 401
    assert "alice" in assigned(ours)  # her station's case: her placement reaches it
    assert "alice" not in assigned(theirs)  # another organization's: given to her old placement


def test_a_change_of_role_drops_every_assignment(cast, places, cases):
    ours, theirs = cases

    move(cast, role=Role.CIVIL_AFFAIRS, organization=places.fz_civil_affairs)

    assert "alice" not in assigned(ours) | assigned(theirs)
    event = AuditEvent.objects.get(action=AuditAction.USER_UPDATED)
    assert event.detail["grants_released"] == 2


def test_disabling_drops_the_assignments_outside_her_placement(cast, cases, password):
    ours, theirs = cases
    _, session_key, _ = alices_way_in(password)

    users.user_disable(actor=cast.heidi, user=cast.alice, reason="调离")

    assert not session_exists(session_key)
    assert "alice" in assigned(ours)
    assert "alice" not in assigned(theirs)
    event = AuditEvent.objects.get(action=AuditAction.USER_DISABLED)
    assert event.detail["grants_released"] == 1


def test_moving_a_disabled_account_drops_its_assignments_and_opens_no_activation(cast, home, cases):
    ours, _ = cases
    users.user_disable(actor=cast.heidi, user=cast.alice, reason="调离")

    _, link = move(cast, organization=home)

    assert link is None
    assert "alice" not in assigned(ours)
    assert not User.objects.get(pk=cast.alice.pk).activations.filter(closed_at__isnull=True).exists()


def test_changing_names_only_keeps_sessions_tokens_and_assignments(cast, cases, password):
    ours, theirs = cases
    _, session_key, api = alices_way_in(password)

    users.user_update(
        actor=cast.heidi, user=cast.alice, first_name="丽", last_name="艾", role=cast.alice.role,
        organization=cast.alice.organization, jurisdiction=cast.alice.jurisdiction,
    )  # fmt: skip

    assert session_exists(session_key)
    assert api.get(reverse("case-detail", kwargs={"id": ours.uuid})).status_code == 200
    assert "alice" in assigned(ours) and "alice" in assigned(theirs)


class ReleaserDown(Exception):
    pass


def test_a_move_stands_or_falls_as_one(monkeypatch, cast, home, cases, password):
    """If dropping the assignments fails, nothing of the move is kept: placement, activation,
    sessions, tokens, assignments and events stand as they were."""
    ours, _ = cases
    _, session_key, api = alices_way_in(password)
    events_before = AuditEvent.objects.count()

    def failing(**kwargs):
        raise ReleaserDown

    monkeypatch.setattr(access, "_RELEASERS", [*access._RELEASERS, failing])
    with pytest.raises(ReleaserDown):
        move(cast, organization=home)

    alice = User.objects.get(pk=cast.alice.pk)
    assert (alice.organization, alice.is_active) == (cast.alice.organization, True)
    assert alice.check_password(password)
    assert not alice.activations.exists()
    assert session_exists(session_key)
    assert api.get(reverse("case-list")).status_code == 200
    assert "alice" in assigned(ours)
    assert AuditEvent.objects.count() == events_before + 1  # only the list just read


def test_the_victims_app_registers_its_releaser():
    assert operations.case_assignments_release in access._RELEASERS
