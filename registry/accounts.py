"""Accounts: credentials, sessions, API tokens, lockouts and step-up re-authentication (DESIGN §4).

Operations (the system administrator's pages call them through ``registry.user_admin``):

- :func:`user_disable` — the account can no longer sign in; every session and API token it
  holds ends at once; one transaction with its ``user_disabled`` audit event.
- :func:`user_reset_second_factor` — the account's TOTP devices are deleted and its credentials
  revoked, so its next sign-in enrols a new device; audited ``second_factor_reset``.
- :func:`revoke_credentials` — ends an account's sessions and API tokens (used by both).

Step-up re-authentication before dangerous actions (dossier export …):

- web: :func:`require_recent_auth` (or the :func:`recent_auth_required` decorator) sends the
  user to ``/accounts/confirm/`` unless the password was re-entered within ``within`` seconds;
- API: :func:`check_step_up_password` checks the password carried in the request body.

Both count a wrong password towards the lockout, exactly like a failed sign-in.

Lockout (django-axes, settings ``AXES_*``): every authentication goes through
``django.contrib.auth.authenticate`` with the request, so ``AxesBackend`` sees it. A lockout is
audited (:func:`_audit_lockout`) and answered by :func:`lockout_response`: 429 with a page, or
with the API's JSON error shape under ``/api/``.

Sessions: each sign-in records its session key in :class:`~registry.models.UserSession` and the
times used by ``registry.middleware.SessionTimeoutMiddleware`` (idle timeout, absolute cap).
"""

from __future__ import annotations

import functools
import hashlib
import math
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import authenticate, user_logged_in, user_logged_out
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import devices_for_user, user_has_device

from registry import policy
from registry.errors import RegistryError
from registry.models import ApiToken, User, UserSession
from registry.policy import Action

__all__ = [
    "AUTH_AT_SESSION_KEY",
    "SEEN_AT_SESSION_KEY",
    "STEP_UP_SESSION_KEY",
    "LockedOut",
    "RevokedCredentials",
    "StepUpFailed",
    "api_token_digest",
    "api_token_issued",
    "api_token_issue",
    "api_token_lookup",
    "check_step_up_password",
    "has_recent_auth",
    "lockout_response",
    "mark_recent_auth",
    "recent_auth_required",
    "require_recent_auth",
    "revoke_credentials",
    "second_factor_required",
    "user_disable",
    "user_reset_second_factor",
]

# Session keys (seconds since the epoch): when the user signed in, when the session was last
# used, and when the password was last re-entered for a step-up.
AUTH_AT_SESSION_KEY = "registry_auth_at"
SEEN_AT_SESSION_KEY = "registry_seen_at"
STEP_UP_SESSION_KEY = "registry_step_up_at"
# The session key the UserSession index holds for this session (a rotated key is re-indexed).
INDEXED_KEY_SESSION_KEY = "registry_indexed_key"


class LockedOut(RegistryError):
    """Too many failed sign-ins for this account or from this address (429)."""

    status = 429
    code = "locked_out"


class StepUpFailed(RegistryError):
    """The password re-entered for a dangerous action is wrong (403, names ``password``)."""

    status = 403
    code = "step_up_failed"


def _django_request(request) -> HttpRequest:
    """The ``HttpRequest`` under a DRF ``Request`` (axes marks lockouts on it)."""
    return getattr(request, "_request", request)


def is_api_request(request) -> bool:
    return _django_request(request).path.startswith("/api/")


# --- Second factor ---------------------------------------------------------------------------


def second_factor_required(user) -> bool:
    """Whether signing in as ``user`` needs a TOTP code: always when the deployment requires
    two-factor sign-in (``REGISTRY_REQUIRE_2FA``), and for an account that enrolled a device
    of its own accord when it does not."""
    return settings.REGISTRY_REQUIRE_2FA or user_has_device(user, confirmed=True)


# --- Lockout (django-axes) -------------------------------------------------------------------


def lockout_minutes(request=None) -> int:
    from axes.helpers import get_cool_off

    cool_off = get_cool_off(request) or timedelta(0)
    return max(1, math.ceil(cool_off.total_seconds() / 60))


def lockout_message(request=None) -> str:
    return _("Too many failed sign-in attempts. Signing in is blocked for %(minutes)d minutes.") % {
        "minutes": lockout_minutes(request)
    }


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: a 429 page, or the API's JSON error under ``/api/``."""
    request = _django_request(request)
    if is_api_request(request):
        return JsonResponse({"code": LockedOut.code, "message": lockout_message(request)}, status=429)
    return render(
        request,
        "registry/accounts/locked_out.html",
        {"message": lockout_message(request), "minutes": lockout_minutes(request)},
        status=429,
    )


def is_locked_out(request) -> bool:
    """Whether axes refused or locked the authentication just attempted with ``request``."""
    return bool(getattr(_django_request(request), "axes_locked_out", False))


def lockout_username(request, credentials=None) -> str | None:
    """``AXES_USERNAME_CALLABLE``: what axes stores and counts for the name typed — its keyed
    digest, never the name itself (people sometimes type their password into that field)."""
    from registry.audit import keyed_digest

    if credentials:
        typed = credentials.get("username")
    else:
        typed = getattr(request, "data", request.POST).get("username")
    return keyed_digest(str(typed), purpose="lockout.username") if typed else None


def _audit_lockout(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    """Audit each lockout and each attempt refused during one (axes' ``user_locked_out``).

    ``username`` is axes' digest (:func:`lockout_username`); the name typed is read from the
    credentials axes keeps on the request, to name the account when it exists.
    """
    from registry.audit import AuditAction, AuditOutcome, keyed_digest, record_event

    username = (getattr(request, "axes_credentials", None) or {}).get("username")
    account = User.objects.filter(username=username).first() if username else None
    detail = {"reason": "too_many_failures", "failure_limit": settings.AXES_FAILURE_LIMIT}
    if account is not None:
        detail.update(_account_detail(account))
    elif username:
        # An unknown name may be a mistyped password: only its keyed digest is kept.
        detail["username"] = keyed_digest(username, purpose="audit.username")
    # The actor is whoever made the request (anonymous at the sign-in page); the account locked
    # is named in the detail.
    record_event(
        action=AuditAction.ACCOUNT_LOCKED,
        request=request,
        outcome=AuditOutcome.DENIED,
        detail=detail,
    )


def count_failed_sign_in(request, username: str) -> None:
    """Count a failure that ``authenticate`` did not see (a wrong second-factor code) exactly
    like a wrong password: axes adds it to the lockout counters, the audit log records it."""
    from django.contrib.auth.signals import user_login_failed

    user_login_failed.send(sender=__name__, credentials={"username": username}, request=_django_request(request))


def sign_in_allowed(request, username: str) -> bool:
    """Whether axes lets ``username`` try to authenticate from this request's address now."""
    from axes.handlers.proxy import AxesProxyHandler

    return AxesProxyHandler.is_allowed(_django_request(request), {"username": username})


# --- Sessions --------------------------------------------------------------------------------


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def index_session(request, user) -> None:
    """Record ``request.session`` as one of ``user``'s sessions, and drop rows of sessions of
    the account that can no longer be alive (older than the absolute cap)."""
    session = request.session
    if session.session_key is None:
        session.save()
    key = session.session_key
    now = timezone.now()
    UserSession.objects.filter(user=user, created_at__lt=now - timedelta(seconds=settings.SESSION_COOKIE_AGE)).delete()
    UserSession.objects.update_or_create(session_key=key, defaults={"user": user, "created_at": now})
    session[INDEXED_KEY_SESSION_KEY] = key


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
    """Called once from ``RegistryConfig.ready``."""
    from axes.signals import user_locked_out

    user_logged_in.connect(_on_login, dispatch_uid="registry.accounts.login")
    user_logged_out.connect(_on_logout, dispatch_uid="registry.accounts.logout")
    user_locked_out.connect(_audit_lockout, dispatch_uid="registry.accounts.lockout")


# --- API tokens ------------------------------------------------------------------------------


def api_token_digest(raw: str) -> str:
    """SHA-256 of the token. Tokens are 256 random bits, so a plain digest cannot be reversed by
    guessing; only this digest is stored."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


# Sent inside the transaction that creates a token, with ``token`` (the row), ``user`` and
# ``request``: the audit log's ``token_issued`` event hangs on it.
api_token_issued = Signal()


def api_token_issue(*, user: User, request: HttpRequest | None = None) -> tuple[ApiToken, str]:
    """Issue a new API token for ``user``, valid ``API_TOKEN_TTL_SECONDS``; return the row and
    the token itself, which is never stored and cannot be shown again. The account's expired
    tokens are deleted on the way; :data:`api_token_issued` is sent in the same transaction."""
    now = timezone.now()
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        ApiToken.objects.filter(user=user, expires_at__lte=now).delete()
        token = ApiToken.objects.create(
            user=user,
            digest=api_token_digest(raw),
            prefix=raw[:8],
            created_at=now,
            expires_at=now + timedelta(seconds=settings.API_TOKEN_TTL_SECONDS),
        )
        api_token_issued.send(sender=ApiToken, token=token, user=user, request=request)
    return token, raw


# last_used_at is written at most this often per token, not on every request.
_LAST_USED_RESOLUTION = timedelta(seconds=60)


def api_token_lookup(raw: str) -> ApiToken | None:
    """The live token ``raw`` stands for — not expired, of an active account — or ``None``."""
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=api_token_digest(raw), expires_at__gt=now, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    if token.last_used_at is None or now - token.last_used_at >= _LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


# --- Revoking and disabling ------------------------------------------------------------------


@dataclass(frozen=True)
class RevokedCredentials:
    sessions: int
    tokens: int


def revoke_credentials(user: User) -> RevokedCredentials:
    """End every web session and delete every API token of ``user``.

    Sessions are found through the :class:`~registry.models.UserSession` index written at each
    sign-in, not by decoding the whole session store. Runs in one transaction (the caller's,
    when there is one). Not audited by itself: its callers record why it happened.
    """
    store = _session_store()
    with transaction.atomic():
        keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
        ended = 0
        for key in keys:
            session = store(session_key=key)
            if session.exists(key):
                session.delete(key)
                ended += 1
        UserSession.objects.filter(user=user).delete()
        tokens, _ = ApiToken.objects.filter(user=user).delete()
    return RevokedCredentials(sessions=ended, tokens=tokens)


def _require_manager(actor: User) -> None:
    if not policy.may(actor, Action.MANAGE_USERS):
        raise PermissionDenied("only a system administrator manages accounts")


def _account_detail(user: User) -> dict:
    return {"user": str(user.uuid), "username": user.get_username()}


def user_disable(*, actor: User, user: User, reason: str, request: HttpRequest | None = None) -> RevokedCredentials:
    """Disable ``user``: it can no longer sign in, and its live sessions and API tokens stop
    working at their next request.

    Guarantees: ``actor`` manages users (else ``PermissionDenied``); in one transaction the
    account row is locked, ``is_active`` cleared, every session and token revoked
    (:func:`revoke_credentials`) and the ``user_disabled`` event written with the reason.
    """
    from registry.audit import AuditAction, record_event

    _require_manager(actor)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        revoked = revoke_credentials(locked)
        record_event(
            action=AuditAction.USER_DISABLED,
            actor=actor,
            request=request,
            detail={
                **_account_detail(locked),
                "reason": (reason or "").strip()[:200],
                "sessions_ended": revoked.sessions,
                "tokens_revoked": revoked.tokens,
            },
        )
    user.is_active = False
    return revoked


def user_reset_second_factor(*, actor: User, user: User, request: HttpRequest | None = None) -> int:
    """Delete every second-factor device of ``user`` and revoke its sessions and tokens, so its
    next sign-in enrols a new device (a lost phone must not leave a live session behind).
    Return the number of devices removed.

    Guarantees: ``actor`` manages users; one transaction, with the ``second_factor_reset``
    event.
    """
    from registry.audit import AuditAction, record_event

    _require_manager(actor)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        removed = 0
        for device in list(devices_for_user(locked, confirmed=None)):
            device.delete()
            removed += 1
        revoked = revoke_credentials(locked)
        record_event(
            action=AuditAction.SECOND_FACTOR_RESET,
            actor=actor,
            request=request,
            detail={
                **_account_detail(locked),
                "devices_removed": removed,
                "sessions_ended": revoked.sessions,
                "tokens_revoked": revoked.tokens,
            },
        )
    return removed


# --- Step-up re-authentication ---------------------------------------------------------------


def mark_recent_auth(request) -> None:
    """Record in the session that the user has just re-entered their password."""
    _django_request(request).session[STEP_UP_SESSION_KEY] = time.time()


def has_recent_auth(request, within: int = 300) -> bool:
    """Whether the session's user re-entered their password in the last ``within`` seconds."""
    session = getattr(_django_request(request), "session", None)
    confirmed_at = session.get(STEP_UP_SESSION_KEY) if session is not None else None
    return confirmed_at is not None and 0 <= time.time() - confirmed_at <= within


def require_recent_auth(request, within: int = 300) -> HttpResponse | None:
    """``None`` when the password was re-entered in the last ``within`` seconds; otherwise the
    redirect to ``/accounts/confirm/`` that comes back here afterwards. In a view::

        if (response := require_recent_auth(request)) is not None:
            return response
    """
    if has_recent_auth(request, within):
        return None
    return redirect_to_login(request.get_full_path(), login_url=reverse("confirm-identity"))


def recent_auth_required(view=None, *, within: int = 300):
    """Decorator form of :func:`require_recent_auth` (``@recent_auth_required`` or
    ``@recent_auth_required(within=60)``); put it under ``@login_required``."""

    def decorate(view_func):
        @functools.wraps(view_func)
        def wrapped(request, *args, **kwargs):
            response = require_recent_auth(request, within)
            if response is not None:
                return response
            return view_func(request, *args, **kwargs)

        return wrapped

    return decorate(view) if view is not None else decorate


def verify_password(request, password: str) -> bool:
    """Whether ``password`` is the signed-in user's, checked through ``authenticate`` so that a
    wrong one counts towards the lockout. False during a lockout, whatever the password."""
    user = request.user
    if not user.is_authenticated or not password:
        return False
    checked = authenticate(_django_request(request), username=user.get_username(), password=password)
    return checked is not None and checked.pk == user.pk


def check_step_up_password(request, password: str | None) -> None:
    """The API's step-up: raise unless ``password`` (from the request body) is the caller's.

    Raises :class:`LockedOut` (429) during a lockout, :class:`StepUpFailed` (403, field
    ``password``) for a missing or wrong password. A wrong password counts as a failed sign-in.
    """
    if verify_password(request, password or ""):
        return
    if is_locked_out(request):
        raise LockedOut(lockout_message(request))
    raise StepUpFailed(_("Enter your password again to confirm this action."), field="password")
