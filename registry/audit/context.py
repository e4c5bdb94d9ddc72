"""Who made a request and from where, as the audit log records it: the actor's identity and
placement (copied, so the row stays true when the account changes), the request id and the
peer address.
"""

from __future__ import annotations

import ipaddress
import re
import uuid as uuid_module

__all__ = ["actor_fields", "ip_address_of", "request_id_of"]
_REQUEST_ID = re.compile(r"^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12})$")
_REQUEST_ID_ATTRIBUTE = "registry_request_id"


def _django_request(request):
    """The ``HttpRequest`` under a DRF ``Request`` (or the request itself)."""
    return getattr(request, "_request", request)


def request_id_of(request) -> str:
    """One id per request, shared by every event it causes. A proxy's ``X-Request-ID`` is kept
    when it is a UUID or 32 hex digits (what nginx's ``$request_id`` gives); anything else is
    replaced, so a client cannot smuggle text into the log through the header."""
    if request is None:
        return ""
    base = _django_request(request)
    known = getattr(base, _REQUEST_ID_ATTRIBUTE, None)
    if known:
        return known
    supplied = base.META.get("HTTP_X_REQUEST_ID", "")
    value = supplied.lower() if _REQUEST_ID.match(supplied) else uuid_module.uuid4().hex
    setattr(base, _REQUEST_ID_ATTRIBUTE, value)
    return value


def ip_address_of(request) -> str:
    """The peer address (``REMOTE_ADDR``). A reverse proxy in front must pass the client's
    address there (e.g. gunicorn ``--forwarded-allow-ips``); ``X-Forwarded-For`` is never read,
    because any client can write it."""
    if request is None:
        return ""
    try:
        address = str(ipaddress.ip_address(_django_request(request).META.get("REMOTE_ADDR", "")))
    except ValueError:
        return ""
    return address if len(address) <= 45 else ""  # an IPv6 zone name could overflow the column


def actor_fields(actor) -> dict:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {
            "actor": None,
            "actor_uuid": None,
            "actor_username": "",
            "role": "",
            "organization_ref": None,
            "organization_name": "",
        }
    organization = actor.organization if actor.organization_id else None
    return {
        "actor": actor,
        "actor_uuid": actor.uuid,
        "actor_username": actor.get_username(),
        "role": str(actor.role or ""),
        "organization_ref": organization.pk if organization else None,
        "organization_name": organization.name if organization else "",
    }
