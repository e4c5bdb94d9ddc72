"""Middleware of the accounts and security-header rules (DESIGN §4, issue 3 items 5 and 7).

- :class:`SecurityHeadersMiddleware` — ``Content-Security-Policy`` from the setting of that name,
  and ``Cache-Control: no-store`` on every answer Django makes (pages and API responses carry
  personal data; static files are served before this middleware and keep their caching).
- :class:`SessionTimeoutMiddleware` — a signed-in session ends after ``SESSION_IDLE_SECONDS``
  without a request, and ``SESSION_COOKIE_AGE`` after sign-in however active it is. The cap is
  counted from the sign-in time stored in the session, because Django's own expiry moves
  forward every time the session is saved.
- :class:`SecondFactorMiddleware` — while two-factor sign-in is required, a signed-in session
  that django-otp has not verified (e.g. its device was reset, or it predates the requirement)
  is signed out before any view runs. Such a session can therefore reach nothing that needs a
  user; the password step, enrolment and the code step work on an anonymous session.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from registry.accounts import credentials

# Last activity is written to the session at most this often, so a busy session is not saved
# on every request. The idle timeout can therefore fire up to this much early, never late.
ACTIVITY_RESOLUTION_SECONDS = 30


def content_security_policy() -> str:
    return "; ".join(f"{directive} {value}" for directive, value in settings.CONTENT_SECURITY_POLICY.items())


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.CONTENT_SECURITY_POLICY and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = content_security_policy()
        patch_cache_control(response, no_store=True, private=True)
        return response


class SessionTimeoutMiddleware:
    """Sign out a session idle too long or older than the cap; keep its last activity."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if SESSION_KEY in session:
            now = time.time()
            auth_at = session.get(credentials.AUTH_AT_SESSION_KEY)
            seen_at = session.get(credentials.SEEN_AT_SESSION_KEY)
            if (
                auth_at is None
                or seen_at is None
                or now - seen_at > settings.SESSION_IDLE_SECONDS
                or now - auth_at > settings.SESSION_COOKIE_AGE
            ):
                logout(request)
                if not credentials.is_api_request(request):
                    messages.info(request, _("Your session has ended. Please sign in again."))
            else:
                if now - seen_at >= ACTIVITY_RESOLUTION_SECONDS:
                    session[credentials.SEEN_AT_SESSION_KEY] = now
                key_rotated = session.session_key != session.get(credentials.INDEXED_KEY_SESSION_KEY)
                if key_rotated and request.user.is_authenticated:
                    # The key changed without a sign-in (e.g. a password change): index the new one.
                    credentials.index_session(request, request.user)
        return self.get_response(request)


class SecondFactorMiddleware:
    """While ``REGISTRY_REQUIRE_2FA`` is on, no session is signed in without a verified device."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.REGISTRY_REQUIRE_2FA and SESSION_KEY in request.session:
            user = request.user
            if user.is_authenticated and not user.is_verified():
                logout(request)
        return self.get_response(request)
