"""Optimistic concurrency: every update names the version it was based on.

The API reads the version from ``If-Match`` (:func:`version_from_if_match`) and the operation
compares it with the row it has locked (:func:`ensure_version`) inside its transaction, so of two
updates carrying the same version exactly one succeeds and the other gets 412 — no lost update.
"""

from __future__ import annotations

import re

from registry.errors import RuleViolation, StaleVersion, VersionRequired

_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,18})"?\s*$')


def etag(version: int) -> str:
    """The ``ETag`` header value of a record at ``version``."""
    return f'"{version}"'


def version_from_if_match(header: str | None) -> int:
    """The version an ``If-Match`` header names; 428 when missing, 400 when malformed."""
    if header is None or not header.strip():
        raise VersionRequired("Send If-Match with the version (ETag) of the record you are changing.")
    match = _ETAG.match(header)
    if not match:
        raise RuleViolation('If-Match must be the record\'s ETag, e.g. "3".', field="If-Match", code="invalid_if_match")
    return int(match.group(1))


def ensure_version(current: int, expected: int) -> None:
    """Raise 412 unless the locked row is still at the version the caller read."""
    if current != expected:
        raise StaleVersion(
            f"The record was changed by someone else (now version {current}, you sent {expected}); "
            "reload it and apply your change again."
        )
