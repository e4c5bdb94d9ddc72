"""Credentials: the second factor, web sessions, API tokens, and revoking them all (DESIGN §4).

- :func:`second_factor_required` — whether signing in as an account needs a TOTP code.
- Sessions: each sign-in records its session key in :class:`~registry.models.UserSession` and
  the times ``registry.middleware.SessionTimeoutMiddleware`` reads (idle timeout, absolute cap),
  under the ``*_SESSION_KEY`` names below; signing out drops the row.
- API tokens: :func:`api_token_issue` (audited ``token_issued``) and :func:`api_token_lookup`;
  only a token's digest (:func:`token_digest`) is stored.
- :func:`revoke_credentials` — ends every session and API token of an account; not audited by
  itself, its callers (``registry.accounts.users``) record why it happened.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import user_logged_in, user_logged_out
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import user_has_device

from registry.audit import AuditAction, record_event
from registry.models import ApiToken, User, UserSession

__all__ = [
    "AUTH_AT_SESSION_KEY",
    "INDEXED_KEY_SESSION_KEY",
    "SEEN_AT_SESSION_KEY",
    "STEP_UP_SESSION_KEY",
    "RevokedCredentials",
    "api_token_issue",
    "api_token_lookup",
    "connect_signals",
    "django_request",
    "index_session",
    "is_api_request",
    "mark_active",
    "revoke_credentials",
    "second_factor_required",
    "token_digest",
]

# Session keys (seconds since the epoch): when the user signed in, when the session was last
# used, and when the password was last re-entered for a step-up.
AUTH_AT_SESSION_KEY = "registry_auth_at"
SEEN_AT_SESSION_KEY = "registry_seen_at"
STEP_UP_SESSION_KEY = "registry_step_up_at"
# The session key the UserSession index holds for this session (a rotated key is re-indexed).
INDEXED_KEY_SESSION_KEY = "registry_indexed_key"


def django_request(request) -> HttpRequest:
    """The ``HttpRequest`` under a DRF ``Request`` (axes marks lockouts on it)."""
    return getattr(request, "_request", request)


def is_api_request(request) -> bool:
    return django_request(request).path.startswith("/api/")


# --- Second factor ---------------------------------------------------------------------------


def second_factor_required(user) -> bool:
    """Whether signing in as ``user`` needs a TOTP code: always when the deployment requires
    two-factor sign-in (``REGISTRY_REQUIRE_2FA``), and for an account that enrolled a device
    of its own accord when it does not."""
    return settings.REGISTRY_REQUIRE_2FA or user_has_device(user, confirmed=True)


# --- Sessions --------------------------------------------------------------------------------


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def index_session(request, user) -> None:
    """Record ``request.session`` as one of ``user``'s sessions, and drop rows of sessions of
    the account that can no longer be alive (older than the absolute cap, or the key this
    session had before it was rotated)."""
    session = request.session
    if session.session_key is None:
        session.save()
    key = session.session_key
    now = timezone.now()
    UserSession.objects.filter(user=user, created_at__lt=now - timedelta(seconds=settings.SESSION_COOKIE_AGE)).delete()
    previous = session.get(INDEXED_KEY_SESSION_KEY)
    if previous and previous != key:
        UserSession.objects.filter(user=user, session_key=previous).delete()
    UserSession.objects.update_or_create(session_key=key, defaults={"user": user, "created_at": now})
    session[INDEXED_KEY_SESSION_KEY] = key


def mark_active(request) -> None:
    """Record that the signed-in session was used now: its idle time starts again
    (``registry.middleware.SessionTimeoutMiddleware``)."""
    request.session[SEEN_AT_SESSION_KEY] = time.time()


def _on_login(sender, request, user, **kwargs) -> None:
    now = time.time()
    request.session[AUTH_AT_SESSION_KEY] = now
    request.session[SEEN_AT_SESSION_KEY] = now
    request.session.pop(STEP_UP_SESSION_KEY, None)
    index_session(request, user)


def _on_logout(sender, request, user, **kwargs) -> None:
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        UserSession.objects.filter(session_key=key).delete()


def connect_signals() -> None:
    """Index sessions at sign-in and drop them at sign-out; called once from ``RegistryConfig.ready``."""
    user_logged_in.connect(_on_login, dispatch_uid="registry.accounts.login")
    user_logged_out.connect(_on_logout, dispatch_uid="registry.accounts.logout")


# --- API tokens ------------------------------------------------------------------------------


def token_digest(raw: str) -> str:
    """SHA-256 of a random token — an API token or an enrolment link's
    (``registry.accounts.activation``). Both are 256 random bits, so a plain digest cannot be
    reversed by guessing (no key is needed, unlike the blind indexes of low-entropy values);
    only this digest is stored."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def api_token_issue(*, user: User, request: HttpRequest | None = None) -> tuple[ApiToken, str]:
    """Issue a new API token for ``user``, valid ``API_TOKEN_TTL_SECONDS``; return the row and
    the token itself, which is never stored and cannot be shown again.

    Guarantees: one transaction deletes the account's expired tokens, creates the new one and
    writes the ``token_issued`` audit event (naming the token's row id only: its prefix is part
    of the secret).
    """
    now = timezone.now()
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        ApiToken.objects.filter(user=user, expires_at__lte=now).delete()
        token = ApiToken.objects.create(
            user=user,
            digest=token_digest(raw),
            prefix=raw[:8],
            created_at=now,
            expires_at=now + timedelta(seconds=settings.API_TOKEN_TTL_SECONDS),
        )
        record_event(action=AuditAction.TOKEN_ISSUED, actor=user, request=request, detail={"token_id": token.pk})
    return token, raw


# last_used_at is written at most this often per token, not on every request.
_LAST_USED_RESOLUTION = timedelta(seconds=60)


def api_token_lookup(raw: str) -> ApiToken | None:
    """The live token ``raw`` stands for — not expired, of an active account — or ``None``.

    One query brings the account with its organization and jurisdiction, which scope checks and
    the audit event of the request read: neither queries again."""
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user__organization", "user__jurisdiction")
        .filter(digest=token_digest(raw), expires_at__gt=now, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    if token.last_used_at is None or now - token.last_used_at >= _LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


# --- Revoking --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RevokedCredentials:
    sessions: int
    tokens: int


def revoke_credentials(user: User, *, keep_session: str | None = None) -> RevokedCredentials:
    """End every web session and delete every API token of ``user`` — but the session whose
    key is ``keep_session``, when given (the user changing their own password stays signed in).

    Sessions are found through the :class:`~registry.models.UserSession` index written at each
    sign-in, not by decoding the whole session store. Runs in one transaction (the caller's,
    when there is one). Not audited by itself: its callers record why it happened.
    """
    store = _session_store()
    with transaction.atomic():
        indexed = UserSession.objects.filter(user=user).exclude(session_key=keep_session or "")
        keys = list(indexed.values_list("session_key", flat=True))
        ended = 0
        for key in keys:
            session = store(session_key=key)
            if session.exists(key):
                session.delete(key)
                ended += 1
        indexed.delete()
        tokens, _ = ApiToken.objects.filter(user=user).delete()
    return RevokedCredentials(sessions=ended, tokens=tokens)
