"""The audit log's receivers of Django's sign-in signals: ``login``, ``logout`` and
``login_failed`` events (connected once by :func:`connect_signals`, from ``RegistryConfig.ready``).
"""

from __future__ import annotations

from registry.audit.events import keyed_digest, record_event
from registry.models import AuditAction, AuditOutcome

__all__ = ["connect_signals"]


def _on_logged_in(sender, request, user, **kwargs) -> None:
    record_event(action=AuditAction.LOGIN, actor=user, request=request)


def _on_logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        record_event(action=AuditAction.LOGOUT, actor=user, request=request)


def _on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # A username is not victim data, but what is typed into the field sometimes is (a
    # password, a mistyped ID number), so only its keyed digest is kept.
    attempted = credentials.get("username") or ""
    detail = {"username": keyed_digest(attempted, purpose="audit.username")} if attempted else {}
    record_event(
        action=AuditAction.LOGIN_FAILED, actor=None, request=request, outcome=AuditOutcome.FAILURE, detail=detail
    )


def connect_signals() -> None:
    from django.contrib.auth import signals

    signals.user_logged_in.connect(_on_logged_in, dispatch_uid="registry.audit.login")
    signals.user_logged_out.connect(_on_logged_out, dispatch_uid="registry.audit.logout")
    signals.user_login_failed.connect(_on_login_failed, dispatch_uid="registry.audit.login_failed")
