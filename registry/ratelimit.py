"""Per-user rate limits: :func:`count_search`, the limit on exact searches (issue 13).

A search that answers whether a guessed ID number or name is registered is an oracle; the
section policy keeps roles that may not read a field from searching by it at all, and this
limit keeps everyone else from sweeping guesses: at most ``REGISTRY_SEARCH_RATE`` searches per
``REGISTRY_SEARCH_RATE_SECONDS`` per account (30 a minute by default), counted on the API and
on the pages alike.

Guarantees:
- Counted in Django's cache under a key made of the account's UUID and the window only — never
  a search term, which would put a personal value in the cache. The counter is incremented
  atomically (Redis ``INCR``, or the local-memory cache's lock), so simultaneous searches are
  all counted. Settings point the cache at Redis (``REGISTRY_CACHE_URL``) so every gunicorn
  worker counts in one place; without it the count is per process, which is right for one
  process only, and ``check --deploy`` says so in production.
- Past the limit the search is refused with :class:`RateLimited` (429, code
  ``search_rate_limited``) before anything is read. The first refusal of each window is
  recorded in the audit log as ``access_denied`` (status 429 and that code); the refusals after
  it in the same window are not, so a flood of guesses cannot flood the audit chain.
- Windows are fixed (aligned on multiples of the window length): a burst straddling two
  windows may reach twice the limit, never more.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from registry.audit import log_refusal
from registry.errors import RegistryError


class RateLimited(RegistryError):
    """Too many requests of one kind in the current window (429)."""

    status = 429
    code = "rate_limited"


def _hit(key: str, window: int) -> int:
    """Count one request under ``key``; the number counted in this window, this one included."""
    cache.add(key, 0, timeout=window + 1)
    try:
        return cache.incr(key)
    except ValueError:  # the window's key expired between the two calls: this is its first
        cache.add(key, 1, timeout=window + 1)
        return 1


def count_search(request) -> None:
    """Count one exact search by ``request.user``; past the limit, raise :class:`RateLimited`
    (recording the first refusal of the window as ``access_denied``)."""
    limit = settings.REGISTRY_SEARCH_RATE
    window = settings.REGISTRY_SEARCH_RATE_SECONDS
    number = int(time.time() // window)
    count = _hit(f"ratelimit:search:{request.user.uuid}:{number}", window)
    if count <= limit:
        return
    if count == limit + 1:
        log_refusal(request, status=RateLimited.status, code="search_rate_limited")
    raise RateLimited(
        _("Too many searches: at most %(limit)d in %(seconds)d seconds. Wait a moment and search again.")
        % {"limit": limit, "seconds": window},
        code="search_rate_limited",
    )
