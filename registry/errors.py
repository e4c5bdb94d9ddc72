"""Errors that operations raise and every interface turns into the same answer.

Each carries a stable ``code`` (clients branch on it) and an HTTP status; the API's exception
handler and the HTML views both read them, so a rule broken in an operation gives the same
code whichever way the request came. Messages never contain personal values.
"""

from __future__ import annotations


class RegistryError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class RuleViolation(RegistryError):
    """A rule of the plan or of the data refuses the change (400, names the field)."""

    code = "rule_violation"


class NotFound(RegistryError):
    """Absent, or outside the caller's scope — deliberately indistinguishable (404)."""

    status = 404
    code = "not_found"


class PermissionDenied(RegistryError):
    """The caller sees the record but may not do this (403)."""

    status = 403
    code = "permission_denied"


class Conflict(RegistryError):
    """The change collides with existing data (409)."""

    status = 409
    code = "conflict"


class StaleVersion(RegistryError):
    """The record changed since the caller read it (412)."""

    status = 412
    code = "stale_version"


class VersionRequired(RegistryError):
    """An update came without ``If-Match`` (428)."""

    status = 428
    code = "version_required"
