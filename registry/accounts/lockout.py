"""Lockout after repeated failed sign-ins (django-axes, settings ``AXES_*``; DESIGN §4).

Every authentication goes through ``django.contrib.auth.authenticate`` with the request, so
``AxesBackend`` sees it; a failure ``authenticate`` does not see (a wrong second-factor code) is
counted by :func:`count_failed_sign_in`. A lockout is audited (``account_locked``, connected by
:func:`connect_signals`) and answered by :func:`lockout_response` (``AXES_LOCKOUT_CALLABLE``):
429 with a page, or with the API's JSON error shape under ``/api/``. What axes counts for the
name typed is its keyed digest (:func:`lockout_username`, ``AXES_USERNAME_CALLABLE``).
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from registry.accounts.credentials import django_request, is_api_request
from registry.accounts.rules import account_identity
from registry.audit import AuditAction, AuditOutcome, keyed_digest, record_event
from registry.errors import RegistryError
from registry.models import User

__all__ = [
    "LockedOut",
    "connect_signals",
    "count_failed_sign_in",
    "is_locked_out",
    "lockout_message",
    "lockout_response",
    "lockout_username",
    "sign_in_allowed",
]


class LockedOut(RegistryError):
    """Too many failed sign-ins for this account or from this address (429)."""

    status = 429
    code = "locked_out"


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
    request = django_request(request)
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
    return bool(getattr(django_request(request), "axes_locked_out", False))


def lockout_username(request, credentials=None) -> str | None:
    """``AXES_USERNAME_CALLABLE``: what axes stores and counts for the name typed — its keyed
    digest, never the name itself (people sometimes type their password into that field)."""
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
    username = (getattr(request, "axes_credentials", None) or {}).get("username")
    account = User.objects.filter(username=username).first() if username else None
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


def count_failed_sign_in(request, username: str) -> None:
    """Count a failure that ``authenticate`` did not see (a wrong second-factor code) exactly
    like a wrong password: axes adds it to the lockout counters, the audit log records it."""
    from django.contrib.auth.signals import user_login_failed

    user_login_failed.send(sender=__name__, credentials={"username": username}, request=django_request(request))


def sign_in_allowed(request, username: str) -> bool:
    """Whether axes lets ``username`` try to authenticate from this request's address now."""
    from axes.handlers.proxy import AxesProxyHandler

    return AxesProxyHandler.is_allowed(django_request(request), {"username": username})


def connect_signals() -> None:
    """Audit axes' lockouts; called once from ``RegistryConfig.ready``."""
    from axes.signals import user_locked_out

    user_locked_out.connect(_audit_lockout, dispatch_uid="registry.accounts.lockout")
