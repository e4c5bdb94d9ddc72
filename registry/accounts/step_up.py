"""Step-up re-authentication before dangerous actions (dossier export …; DESIGN §4).

- web: :func:`require_recent_auth` (or the :func:`recent_auth_required` decorator) sends the
  user to ``/accounts/confirm/`` unless the password was re-entered within ``within`` seconds;
  that page checks it with :func:`verify_password` and records it with :func:`mark_recent_auth`.
- API: :func:`check_step_up_password` checks the password carried in the request body.

Both count a wrong password towards the lockout, exactly like a failed sign-in. Signing in
again forgets an earlier confirmation (``registry.accounts.credentials``).
"""

from __future__ import annotations

import functools
import time

from django.contrib.auth import authenticate
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from registry.accounts.credentials import STEP_UP_SESSION_KEY, django_request
from registry.accounts.lockout import LockedOut, is_locked_out, lockout_message
from registry.errors import RegistryError

__all__ = [
    "StepUpFailed",
    "check_step_up_password",
    "has_recent_auth",
    "mark_recent_auth",
    "recent_auth_required",
    "require_recent_auth",
    "verify_password",
]


class StepUpFailed(RegistryError):
    """The password re-entered for a dangerous action is wrong (403, names ``password``)."""

    status = 403
    code = "step_up_failed"


def mark_recent_auth(request) -> None:
    """Record in the session that the user has just re-entered their password."""
    django_request(request).session[STEP_UP_SESSION_KEY] = time.time()


def has_recent_auth(request, within: int = 300) -> bool:
    """Whether the session's user re-entered their password in the last ``within`` seconds."""
    session = getattr(django_request(request), "session", None)
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
    checked = authenticate(django_request(request), username=user.get_username(), password=password)
    return checked is not None and checked.pk == user.pk


def check_step_up_password(request, password: str | None) -> None:
    """The API's step-up: raise unless ``password`` (from the request body) is the caller's.

    Raises :class:`~registry.accounts.lockout.LockedOut` (429) during a lockout,
    :class:`StepUpFailed` (403, field ``password``) for a missing or wrong password. A wrong
    password counts as a failed sign-in.
    """
    if verify_password(request, password or ""):
        return
    if is_locked_out(request):
        raise LockedOut(lockout_message(request))
    raise StepUpFailed(_("Enter your password again to confirm this action."), field="password")
