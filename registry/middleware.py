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
- :class:`IdempotentFormsMiddleware` — a page form posted twice by a signed-in user with the
  same idempotency key (the hidden field ``{% csrf_token %}`` writes, ``registry.templatetags.
  form_keys``) gets the first answer, a redirect, without the view running again
  (``registry.idempotency``). The API keys its writes itself (``registry.api.idempotency``).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from registry import idempotency
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


class IdempotentFormsMiddleware:
    """A page form submitted twice gets the first answer (``registry.idempotency``).

    Applies to a POST of a signed-in user outside ``/api/`` that carries a well-formed
    ``idempotency_key``, once CSRF has been checked (``process_view`` runs after Django's CSRF
    check). The key is bound to the path and to the posted fields and files. A redirect — the
    answer of every page that changed something — is remembered; any other answer (the form
    shown again with its errors, a refusal) changed nothing and releases the key. A second
    submission while the first still runs waits a few seconds for its answer; one that reuses
    the key for other values, or outlasts the wait, gets a page saying so (422 or 409).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        claim = getattr(request, "idempotency_claim", None)
        if claim is not None:
            if response.status_code in (301, 302, 303, 307, 308) and response.has_header("Location"):
                claim.finish(idempotency.Answer(response.status_code, {"Location": response["Location"]}))
            else:
                claim.release()
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or credentials.is_api_request(request) or not request.user.is_authenticated:
            return None
        key = request.POST.get(idempotency.FORM_FIELD, "")
        if not idempotency.valid_key(key):
            return None  # no key (or not one this registry wrote): the form posts as it always did
        posted = idempotency.form_parts(request.POST, request.FILES)
        digest = idempotency.request_digest("POST", request.get_full_path(), posted)
        try:
            outcome = idempotency.claim(request.user, key, digest, wait=idempotency.PAGE_WAIT_SECONDS)
        except (idempotency.KeyReused, idempotency.KeyInProgress) as refused:
            return render(request, "registry/refusal/resubmitted.html", {"refused": refused}, status=refused.status)
        if isinstance(outcome, idempotency.Answer):
            return outcome.as_response()
        request.idempotency_claim = outcome
        return None
