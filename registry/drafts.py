"""What a user typed, kept across a detour to another form of the same case — a referral's
reason while the consent it needs is recorded — and the way back.

Guarantees:

- A draft lives in the user's own session only (never in a URL, a log or a cache), sealed with
  the registry's field encryption (``registry.crypto``, column ``session-draft``): the session
  table holds ciphertext, as the record it will become does. It is read once (:func:`take`
  removes it) and ends with the session.
- :func:`return_path` accepts a ``next`` only when it is a relative URL of this site
  (``url_has_allowed_host_and_scheme``) that resolves to a page of the same case (its
  ``case_id``) and carries no query string or fragment; anything else is ignored, never
  followed (no open redirect, no detour to another case).
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from django.http import HttpRequest
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme

from registry import crypto
from registry.keyring import active_keyring

COLUMN = "session-draft"
PREFIX = "draft:"


def keep(request: HttpRequest, key: str, values: dict[str, str]) -> None:
    """Keep ``values`` (strings) under ``key`` in the session, sealed."""
    sealed = crypto.encrypt(json.dumps(values).encode(), column=COLUMN, keyring=active_keyring())
    request.session[PREFIX + key] = sealed


def take(request: HttpRequest, key: str) -> dict[str, str]:
    """The draft kept under ``key``, removed from the session; empty when there is none or it
    cannot be opened (a rotated key, a tampered session)."""
    sealed = request.session.pop(PREFIX + key, None)
    if not sealed:
        return {}
    try:
        return json.loads(crypto.decrypt(sealed, column=COLUMN, keyring=active_keyring()))
    except (crypto.DecryptionError, ValueError):
        return {}


def return_path(request: HttpRequest, case_uuid) -> str | None:
    """The ``next`` of the query string when it is a path of this site's page of the case
    ``case_uuid`` (see the module); else None."""
    target = request.GET.get("next", "")
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or parts.query or parts.fragment or not parts.path.startswith("/"):
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    return target if str(match.kwargs.get("case_id")) == str(case_uuid) else None
