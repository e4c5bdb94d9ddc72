"""Ending what an account holds when it moves or is disabled (issue 13, item 6).

An account reaches cases through its role and placement (``registry.policy`` record scope) and,
for a caseworker, through the cases it is assigned to — grants that the app owning cases keeps,
and that the core cannot name without importing that app. So that app declares, from its
``AppConfig.ready``, a *releaser*: ``releaser(*, actor, user) -> int`` drops every grant of
``user`` that its current placement does not reach by itself, with its own history and audit
events, inside the caller's transaction, and returns how many it dropped (the victims app
registers ``victims.operations.case_assignments_release``). A registry of callables, filled at
start-up like ``registry.casefile``, keeps the import arrow pointing from the apps to the core.

:func:`revoke_access` is what an account operation calls: every session and API token ended
(``registry.accounts.credentials.revoke_credentials``) and every registered releaser run, in
one transaction — the caller's, so the change of placement, the revocation and the audit
events commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.db import transaction

from registry.accounts.credentials import revoke_credentials
from registry.models import User

__all__ = ["Releaser", "RevokedAccess", "register_releaser", "revoke_access"]

Releaser = Callable[..., int]  # releaser(*, actor, user) -> the number of grants dropped

_RELEASERS: list[Releaser] = []


def register_releaser(releaser: Releaser) -> None:
    """Declare a releaser (from an app's ``AppConfig.ready``); refused once the apps are loaded,
    so what a move revokes cannot change while requests are served."""
    if apps.ready:
        raise RuntimeError("Releasers are registered while the apps load, from AppConfig.ready.")
    if releaser not in _RELEASERS:
        _RELEASERS.append(releaser)


@dataclass(frozen=True)
class RevokedAccess:
    sessions: int
    tokens: int
    grants: int  # assignments and the like, dropped by the releasers

    def as_detail(self) -> dict[str, int]:
        """The counts, as the audit event of the operation records them."""
        return {"sessions_ended": self.sessions, "tokens_revoked": self.tokens, "grants_released": self.grants}


def revoke_access(*, actor: User, user: User) -> RevokedAccess:
    """End every session and API token of ``user`` and drop every grant its current placement
    does not reach (each registered releaser), in one transaction (the caller's, when there is
    one). Call it after the account's new role, organization and jurisdiction are saved: the
    releasers judge by them. Not audited by itself: the caller's event records the counts, and
    each releaser audits what it drops."""
    with transaction.atomic():
        revoked = revoke_credentials(user)
        grants = sum(releaser(actor=actor, user=user) for releaser in _RELEASERS)
    return RevokedAccess(sessions=revoked.sessions, tokens=revoked.tokens, grants=grants)
