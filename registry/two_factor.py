"""The TOTP second factor (django-otp): enrolment, and a sign-in that waits for its code.

A correct password never signs anyone in by itself while a second factor is required
(``registry.accounts.credentials.second_factor_required``): the password step only records a *pending*
sign-in in the session — the account, the backend that checked the password, where to go next,
and when — and the session stays anonymous. Only a valid code (or, for an account without a
device, the code that confirms its new device) turns it into a signed-in session, through
``django.contrib.auth.login`` with the device attached, so django-otp marks the session
verified. A pending sign-in is forgotten after ``REGISTRY_PENDING_LOGIN_SECONDS``.

Devices are :class:`registry.models.Authenticator`: django-otp's TOTP device whose secret is
sealed with the field-encryption keyring, so a copy of the database (or of a backup) computes
no code without the keyring; ``rotate_keys`` re-seals the secrets with the others.
"""

from __future__ import annotations

import time

import segno
from django.conf import settings
from django.contrib.auth import login
from django.db import transaction
from django.utils.safestring import SafeString, mark_safe
from django_otp import verify_token

from registry.models import Authenticator, User

PENDING_SESSION_KEY = "registry_pending_login"
DEVICE_NAME = "authenticator"


# --- The pending sign-in ---------------------------------------------------------------------


def begin_pending_login(request, user: User, next_url: str) -> None:
    """Remember that ``user`` gave the right password; the session stays anonymous. The session
    key changes here, so a key planted before the password step is worth nothing after it."""
    request.session.cycle_key()
    request.session[PENDING_SESSION_KEY] = {
        "user": user.pk,
        "backend": user.backend,
        "next": next_url,
        "at": time.time(),
    }


def pending_login(request) -> dict | None:
    """The pending sign-in of this session, if there is one and it is still fresh."""
    pending = request.session.get(PENDING_SESSION_KEY)
    if not pending:
        return None
    if time.time() - pending.get("at", 0) > settings.REGISTRY_PENDING_LOGIN_SECONDS:
        clear_pending_login(request)
        return None
    return pending


def pending_user(request) -> User | None:
    """The active account waiting for its second factor in this session, or ``None``."""
    pending = pending_login(request)
    if pending is None:
        return None
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        clear_pending_login(request)
    return user


def clear_pending_login(request) -> None:
    request.session.pop(PENDING_SESSION_KEY, None)


def complete_login(request, user: User, device) -> str:
    """Sign in the pending ``user``, verified by ``device``; return where to go next."""
    pending = pending_login(request) or {}
    clear_pending_login(request)
    user.otp_device = device  # django-otp's user_logged_in receiver stores it in the session
    login(request, user, backend=pending.get("backend"))
    return pending.get("next") or settings.LOGIN_REDIRECT_URL


# --- Devices ---------------------------------------------------------------------------------


def confirmed_device(user: User) -> Authenticator | None:
    return Authenticator.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def enrolment_device(user: User) -> Authenticator:
    """The unconfirmed device being enrolled for ``user`` (created on first use, then reused,
    so reloading the page does not invalidate a code already scanned)."""
    device = Authenticator.objects.devices_for_user(user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = Authenticator.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def verify_code(user: User, code: str) -> Authenticator | None:
    """The confirmed device of ``user`` that accepts ``code`` (each code once; django-otp
    throttles repeated failures), or ``None``."""
    device = confirmed_device(user)
    if device is None or not code:
        return None
    return verify_token(user, device.persistent_id, code.strip())


def confirm_enrolment(user: User, code: str, *, request=None) -> Authenticator | None:
    """Confirm the device being enrolled if ``code`` is its current code; return it, or ``None``.

    Guarantees: one transaction that locks the device, marks it confirmed, deletes the
    account's other devices (one authenticator per account) and writes the
    ``second_factor_enrolled`` audit event.
    """
    from registry.audit import AuditAction, record_event

    with transaction.atomic():
        device = Authenticator.objects.select_for_update().filter(user=user, confirmed=False).order_by("-pk").first()
        if device is None or not code or not device.verify_token(code.strip()):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        Authenticator.objects.filter(user=user).exclude(pk=device.pk).delete()
        record_event(
            action=AuditAction.SECOND_FACTOR_ENROLLED,
            actor=user,
            request=request,
            detail={"user": str(user.uuid), "username": user.get_username()},
        )
    return device


def secret_for_display(device: Authenticator) -> str:
    """The base32 secret in groups of four, for typing into an app that cannot scan."""
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: Authenticator) -> SafeString:
    """The device's ``otpauth://`` URL as an inline SVG QR code: plain markup, no script, no
    style attribute and no namespace URL, so the strict Content-Security-Policy holds."""
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, border=4, dark="#000", light="#fff", svgclass="qr-code", lineclass=None
    )
    return mark_safe(svg)  # noqa: S308 (segno's own markup from our own data)
