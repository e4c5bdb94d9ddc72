"""The header's counter of unread items, on every page (``TEMPLATES`` context processors).

Lazy: the count is run only when a page prints it — one COUNT on the inbox's
``(recipient, read_at)`` index —, and never for an anonymous visitor. Kept in the inbox app so
the registry's core imports no app (STYLE: apps import the core, never the other way round)."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from inbox.selectors import unread_count


def inbox(request) -> dict:
    """``inbox_unread``: the signed-in user's unread items; ``None`` for an anonymous visitor."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"inbox_unread": None}
    return {"inbox_unread": SimpleLazyObject(lambda: unread_count(user))}
