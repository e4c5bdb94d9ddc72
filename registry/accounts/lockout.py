"""Lockout after failed sign-ins that an attacker cannot turn against staff (DESIGN §4).

Every failed sign-in counts — a wrong password at the sign-in page, the API token endpoint
(``registry.api.auth``) or a step-up confirmation, and a wrong second-factor code
(:func:`count_failed_sign_in`) — towards two rules:

- **Account and address together** (django-axes, ``AXES_LOCKOUT_PARAMETERS``):
  ``AXES_FAILURE_LIMIT`` failures of one account name from one address lock that pair for
  ``AXES_COOLOFF_TIME`` after the last of them. The same account from another address, and
  every other account from that address, are not locked: an attacker elsewhere cannot lock a
  caseworker out, and the people of one office behind one address cannot lock each other out.
- **The account alone, from any address** (:class:`~registry.models.SignInDelay`): from its
  ``REGISTRY_SIGN_IN_DELAY_AFTER``-th failure on, the account waits 1, 2, 4 … seconds after
  each failure (:func:`delay_after`), at most ``REGISTRY_SIGN_IN_DELAY_MAX_SECONDS``. An
  attempt made before then is refused with the seconds left, without the password being
  checked and without being counted, so waiting is all the holder has to do, while guessing
  from many addresses stays slow. Nothing sleeps: the refusal is immediate. Once the delay
  applies, one attempt at a time goes through (:class:`PasswordBackend` claims the turn
  atomically), so parallel requests guess no faster. A completed sign-in
  (:func:`sign_in_succeeded`), the system administrator's :func:`account_unlock`, or
  ``REGISTRY_SIGN_IN_DELAY_FORGET_SECONDS`` without a failure clear it.

Both are enforced inside ``django.contrib.auth.authenticate``, which every password check
calls with the request: axes' backend asks :class:`LockoutHandler` (``AXES_HANDLER``) whether
the attempt is allowed, and :class:`PasswordBackend` checks the password. A refusal is audited
(``account_locked``, with the reason) and answered by :func:`lockout_response`
(``AXES_LOCKOUT_CALLABLE``): 429 with ``Retry-After``, a page or, under ``/api/``, the API's JSON
error shape. What is counted for a name typed is its keyed digest (:func:`lockout_username`),
never the name: people sometimes type a password into that field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_ip_address, get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.backends import ModelBackend, UserModel
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.accounts.credentials import django_request, is_api_request
from registry.accounts.rules import account_identity, require_manager
from registry.audit import AuditAction, AuditOutcome, keyed_digest, record_event
from registry.errors import RegistryError
from registry.models import SignInDelay, User

__all__ = [
    "LockedOut",
    "LockoutHandler",
    "LockoutStatus",
    "PasswordBackend",
    "account_key",
    "account_unlock",
    "connect_signals",
    "count_failed_sign_in",
    "delay_after",
    "is_locked_out",
    "lockout_message",
    "lockout_response",
    "lockout_status",
    "lockout_username",
    "sign_in_allowed",
    "sign_in_succeeded",
]

# Set on the request when the account's delay refused the attempt: the seconds left to wait.
_WAIT_ATTRIBUTE = "registry_sign_in_wait"


class LockedOut(RegistryError):
    """Too many failed sign-ins for this account from this address, or too soon after the
    account's last failure (429)."""

    status = 429
    code = "locked_out"


# --- What is counted -------------------------------------------------------------------------


def account_key(username: str) -> str:
    """The keyed digest under which an account name's failures are counted (axes' counters and
    the delay): names that differ only by case, width or white space count together."""
    return keyed_digest(str(username), purpose="lockout.username")


def lockout_username(request, credentials=None) -> str | None:
    """``AXES_USERNAME_CALLABLE``: what axes stores and counts for the name typed — its keyed
    digest (:func:`account_key`), never the name itself."""
    if credentials:
        typed = credentials.get("username")
    else:
        typed = getattr(request, "data", request.POST).get("username")
    return account_key(typed) if typed else None


def delay_after(failures: int) -> timedelta:
    """How long an account waits after its ``failures``-th failure: nothing before
    ``REGISTRY_SIGN_IN_DELAY_AFTER`` failures, then 1, 2, 4 … seconds, at most
    ``REGISTRY_SIGN_IN_DELAY_MAX_SECONDS``."""
    beyond = failures - settings.REGISTRY_SIGN_IN_DELAY_AFTER
    if beyond < 0:
        return timedelta(0)
    cap = settings.REGISTRY_SIGN_IN_DELAY_MAX_SECONDS
    return timedelta(seconds=min(cap, 2 ** min(beyond, cap.bit_length())))


# --- The account's delay ---------------------------------------------------------------------


def _forgotten_before(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.REGISTRY_SIGN_IN_DELAY_FORGET_SECONDS)


def _live_delay(key: str, now: datetime) -> SignInDelay | None:
    """The account's delay, unless its last failure is old enough to be forgotten."""
    return SignInDelay.objects.filter(username=key, last_failure_at__gt=_forgotten_before(now)).first()


def _seconds(span: timedelta) -> int:
    return max(1, math.ceil(span.total_seconds()))


def _seconds_to_wait(key: str) -> int:
    """Seconds before the account may try again (0: now)."""
    now = timezone.now()
    delay = _live_delay(key, now)
    if delay is None or delay.next_attempt_at <= now:
        return 0
    return _seconds(delay.next_attempt_at - now)


class _Delayed(Exception):
    def __init__(self, seconds: int):
        super().__init__(seconds)
        self.seconds = seconds


@dataclass(frozen=True)
class _Turn:
    """An attempt's claim on the account's next turn: ``next_attempt_at`` moved from
    ``previous`` to ``claimed``, as if the attempt had already failed."""

    pk: int
    previous: datetime
    claimed: datetime


def _claim_turn(key: str) -> _Turn | None:
    """Let one attempt at the account through, or raise :class:`_Delayed`.

    While the delay does not apply yet there is nothing to claim (``None``). Once it does, the
    attempt moves the account's next turn forward by the delay its failure would earn, with a
    compare-and-set on the value it read: of parallel attempts exactly one succeeds (one row,
    one UPDATE; PostgreSQL re-checks the condition after waiting for the row's lock, SQLite runs
    one writer at a time), and the others are refused like any attempt made too early.
    """
    now = timezone.now()
    delay = _live_delay(key, now)
    if delay is None:
        return None
    if delay.next_attempt_at > now:
        raise _Delayed(_seconds(delay.next_attempt_at - now))
    wait = delay_after(delay.failures + 1)
    if not wait:
        return None
    claimed = now + wait
    taken = SignInDelay.objects.filter(pk=delay.pk, next_attempt_at=delay.next_attempt_at).update(
        next_attempt_at=claimed
    )
    if not taken:
        raise _Delayed(_seconds(wait))
    return _Turn(pk=delay.pk, previous=delay.next_attempt_at, claimed=claimed)


def _give_back(turn: _Turn) -> None:
    """The password was right: the account's next turn is where it was (the second-factor step
    may follow at once). Unless something moved it meanwhile."""
    SignInDelay.objects.filter(pk=turn.pk, next_attempt_at=turn.claimed).update(next_attempt_at=turn.previous)


def _count_failure(key: str) -> None:
    """Add one failure to the account's count and set when it may try again.

    One transaction with the account's row locked, so concurrent failures all count; rows of
    accounts whose last failure is old enough to forget are deleted on the way.
    """
    now = timezone.now()
    with transaction.atomic():
        SignInDelay.objects.filter(last_failure_at__lte=_forgotten_before(now)).delete()
        delay, _ = SignInDelay.objects.select_for_update().get_or_create(
            username=key, defaults={"failures": 0, "last_failure_at": now, "next_attempt_at": now}
        )
        delay.failures += 1
        delay.last_failure_at = now
        delay.next_attempt_at = now + delay_after(delay.failures)
        delay.save(update_fields=["failures", "last_failure_at", "next_attempt_at"])


def _refuse_for_delay(request, seconds: int) -> None:
    """Mark ``request`` refused by the delay. axes' own flag is set too, as its backend does for
    a lockout: axes then neither counts the attempt nor lets the view answer anything but
    :func:`lockout_response`."""
    request = django_request(request)
    setattr(request, _WAIT_ATTRIBUTE, seconds)
    request.axes_locked_out = True


# --- Where authentication meets the rules ----------------------------------------------------


class LockoutHandler(AxesDatabaseHandler):
    """``AXES_HANDLER``: axes' database handler — the account-and-address lockout — which also
    refuses an attempt during the account's delay, and counts each failure it records towards
    that delay as well."""

    def is_locked(self, request, credentials=None) -> bool:
        if super().is_locked(request, credentials):
            setattr(request, _WAIT_ATTRIBUTE, 0)  # the answer names the lockout, not the delay
            return True
        key = get_client_username(request, credentials)
        seconds = _seconds_to_wait(key) if key else 0
        setattr(request, _WAIT_ATTRIBUTE, seconds)
        return bool(seconds)

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        # An attempt refused before any password was checked (a lockout or the delay) is not a
        # failure: axes does not count it, nor does the delay.
        refused = request is None or getattr(request, "axes_locked_out", False)
        super().user_login_failed(sender, credentials, request, **kwargs)
        if not refused:
            key = get_client_username(request, credentials)
            if key:
                _count_failure(key)


class PasswordBackend(ModelBackend):
    """Django's password check, taking its turn once the account's delay applies.

    Listed after axes' backend, so it runs only for an attempt that neither rule refused a
    moment ago; it then claims the account's turn (:func:`_claim_turn`) before checking the
    password, and refuses the attempt, like the delay does, if a parallel attempt took it. A
    right password gives the turn back.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        turn = None
        if request is not None and username:
            try:
                turn = _claim_turn(account_key(username))
            except _Delayed as delayed:
                _refuse_for_delay(request, delayed.seconds)
                raise PermissionDenied from None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and turn is not None:
            _give_back(turn)
        return user

    def get_user(self, user_id):
        """The signed-in account of a session, with its organization and jurisdiction in the same
        query: scope checks and each request's audit event read them, and query nothing more."""
        user = UserModel._default_manager.select_related("organization", "jurisdiction").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


def count_failed_sign_in(request, username: str) -> None:
    """Count a failure that ``authenticate`` did not see (a wrong second-factor code) exactly
    like a wrong password: both rules count it, the audit log records it."""
    from django.contrib.auth.signals import user_login_failed

    user_login_failed.send(sender=__name__, credentials={"username": username}, request=django_request(request))


def sign_in_allowed(request, username: str) -> bool:
    """Whether ``username`` may try to sign in from this request's address now (neither the
    lockout of the pair nor the account's delay applies)."""
    from axes.handlers.proxy import AxesProxyHandler

    return AxesProxyHandler.is_allowed(django_request(request), {"username": username})


def sign_in_succeeded(request, user: User) -> None:
    """A sign-in completed (the password and, where required, the code): forget the account's
    delay and the failures of the account from this address. Web sign-ins call it through
    ``user_logged_in``; the API token endpoint calls it when it issues a token."""
    key = account_key(user.get_username())
    SignInDelay.objects.filter(username=key).delete()
    address = get_client_ip_address(django_request(request)) if request is not None else None
    if address:
        AccessAttempt.objects.filter(username=key, ip_address=address).delete()


def is_locked_out(request) -> bool:
    """Whether the authentication just attempted with ``request`` was refused or locked."""
    return bool(getattr(django_request(request), "axes_locked_out", False))


# --- The answer ------------------------------------------------------------------------------


def _lockout_minutes() -> int:
    cool_off = get_cool_off() or timedelta(0)
    return max(1, math.ceil(cool_off.total_seconds() / 60))


def _retry_after(request) -> int:
    """Seconds until a refused attempt may be repeated: the delay's, or the lockout's length."""
    return getattr(django_request(request), _WAIT_ATTRIBUTE, 0) or _lockout_minutes() * 60


def lockout_message(request=None) -> str:
    seconds = getattr(django_request(request), _WAIT_ATTRIBUTE, 0) if request is not None else 0
    if seconds:
        return _("Too many failed sign-in attempts for this account. Try again in %(seconds)d seconds.") % {
            "seconds": seconds
        }
    return _("Too many failed sign-in attempts. Signing in is blocked for %(minutes)d minutes.") % {
        "minutes": _lockout_minutes()
    }


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: 429 with ``Retry-After`` — a page, or the API's JSON error
    under ``/api/``."""
    request = django_request(request)
    if is_api_request(request):
        response = JsonResponse({"code": LockedOut.code, "message": lockout_message(request)}, status=429)
    else:
        response = render(
            request, "registry/accounts/locked_out.html", {"message": lockout_message(request)}, status=429
        )
    response["Retry-After"] = str(_retry_after(request))
    return response


# --- The audit log ---------------------------------------------------------------------------


def _audit_lockout(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    """Audit each lockout and each attempt refused by a lockout or the delay (axes'
    ``user_locked_out``).

    ``username`` is axes' digest (:func:`lockout_username`); the name typed is read from the
    credentials axes keeps on the request, to name the account when it exists.
    """
    username = (getattr(request, "axes_credentials", None) or {}).get("username")
    account = User.objects.filter(username=username).first() if username else None
    seconds = getattr(request, _WAIT_ATTRIBUTE, 0)
    if seconds:
        detail = {"reason": "sign_in_delay", "retry_after": seconds}
    else:
        detail = {"reason": "too_many_failures", "failure_limit": settings.AXES_FAILURE_LIMIT}
    if account is not None:
        detail.update(account_identity(account))
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


def _on_logged_in(sender, request, user, **kwargs) -> None:
    sign_in_succeeded(request, user)


def connect_signals() -> None:
    """Audit refusals and clear an account's failures at sign-in; called once from
    ``RegistryConfig.ready``."""
    from axes.signals import user_locked_out
    from django.contrib.auth.signals import user_logged_in

    user_locked_out.connect(_audit_lockout, dispatch_uid="registry.accounts.lockout")
    user_logged_in.connect(_on_logged_in, dispatch_uid="registry.accounts.lockout.logged_in")


# --- The system administrator ----------------------------------------------------------------


@dataclass(frozen=True)
class LockoutStatus:
    """What stands between an account and signing in: the addresses locked out for it now, its
    failures counted towards the delay, and the seconds left to wait."""

    locked_addresses: int
    failures: int
    wait_seconds: int

    @property
    def clear(self) -> bool:
        return not (self.locked_addresses or self.failures)


def _attempts_of(key: str):
    """axes' live counters of an account name, one row per address (and user agent)."""
    return AccessAttempt.objects.filter(username=key, attempt_time__gte=timezone.now() - get_cool_off())


def lockout_status(user: User) -> LockoutStatus:
    """The account's :class:`LockoutStatus` (for the system administrator's page)."""
    key = account_key(user.get_username())
    per_address = _attempts_of(key).values("ip_address").annotate(failures=Sum("failures_since_start"))
    locked = sum(1 for row in per_address if row["failures"] >= settings.AXES_FAILURE_LIMIT)
    delay = _live_delay(key, timezone.now())
    return LockoutStatus(
        locked_addresses=locked,
        failures=delay.failures if delay is not None else 0,
        wait_seconds=_seconds_to_wait(key),
    )


def account_unlock(*, actor: User, user: User, request: HttpRequest | None = None) -> LockoutStatus:
    """Clear an account's failed sign-ins: its lockouts from every address and its delay, so it
    can sign in at once. Return what was cleared.

    Guarantees: the actor manages users (``require_manager``, before anything is read); one
    transaction, with the account's row locked, deletes axes' counters of the account's name
    and its :class:`~registry.models.SignInDelay`, and writes the ``account_unlocked`` event
    naming the account and the numbers cleared (no address, no name typed). An account with
    nothing to clear is unlocked all the same, on the record.
    """
    require_manager(actor)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        cleared = lockout_status(locked)
        key = account_key(locked.get_username())
        AccessAttempt.objects.filter(username=key).delete()
        SignInDelay.objects.filter(username=key).delete()
        record_event(
            action=AuditAction.ACCOUNT_UNLOCKED,
            actor=actor,
            request=request,
            detail={
                **account_identity(locked),
                "locked_addresses": cleared.locked_addresses,
                "failures": cleared.failures,
            },
        )
    return cleared
