"""Helpers for the tests of sign-in: TOTP devices and codes, and moving recorded time back.

Codes are computed from the device's key exactly as an authenticator app does (RFC 6238), for
a time step the device still accepts (django-otp refuses a step it has already seen).
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.db.models import F
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP

from registry.models import Authenticator, SignInDelay


def enrol_device(user) -> Authenticator:
    """A confirmed authenticator for ``user``, as if enrolled through the page."""
    return Authenticator.objects.create(user=user, name="authenticator", confirmed=True)


def _totp(device: Authenticator) -> TOTP:
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return totp


def code_for(device: Authenticator) -> str:
    """A code ``device`` accepts now: the current step's, or the next one's if the current step
    was already used (the device tolerates one step of clock drift either way)."""
    totp = _totp(device)
    if totp.t() <= device.last_t:
        totp.time += device.step * (device.last_t + 1 - totp.t())
    return f"{totp.token():0{device.digits}d}"


def wrong_code_for(device: Authenticator) -> str:
    """Six digits that are no code ``device`` would accept now (nor one step either side)."""
    totp = _totp(device)
    accepted = set()
    for offset in (-1, 0, 1):
        probe = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        probe.time = totp.time + offset * device.step
        accepted.add(f"{probe.token():06d}")
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in accepted)


def sign_in(client, username: str, password: str, device: Authenticator | None = None, **extra):
    """Password step, then (when a device is given) the code step; returns the last response."""
    response = client.post(reverse("login"), {"username": username, "password": password}, **extra)
    if device is not None:
        response = client.post(reverse("two-factor-verify"), {"otp_token": code_for(device)}, **extra)
    return response


def verified_session(client, user, device: Authenticator) -> None:
    """Sign ``client`` in as ``user`` with ``device`` verified, without going through the pages."""
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def age_failed_attempts(minutes: float) -> None:
    """Move every failed sign-in ``minutes`` into the past: django-axes' counters and the
    accounts' delays (registry.accounts.lockout), as the clock moving forward would."""
    from axes.models import AccessAttempt

    back = timedelta(minutes=minutes)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - back)
    SignInDelay.objects.update(last_failure_at=F("last_failure_at") - back, next_attempt_at=F("next_attempt_at") - back)


def age_session(client, seconds: float, *keys: str) -> None:
    """Move the given timestamps of ``client``'s session ``seconds`` into the past."""
    session = client.session
    for key in keys:
        session[key] = session[key] - seconds
    session.save()
