"""Values every page shows: the deployment mode, who is signed in, and their menu."""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from registry import policy
from registry.menu import menu_for


def _is_cjk(text: str) -> bool:
    return any(unicodedata.name(char, "").startswith("CJK UNIFIED IDEOGRAPH") for char in text)


def display_name(user) -> str:
    """The name shown in the header: family name first for Chinese names, else "first last".

    Falls back to the username, so the header never shows an empty name.
    """
    first, last = (user.first_name or "").strip(), (user.last_name or "").strip()
    if _is_cjk(first + last):
        return f"{last}{first}"
    return " ".join(part for part in (first, last) if part) or user.username


def registry(request):
    """The mode (the demo says it is one), the signed-in user's name and role label, and their
    menu (``registry.menu``, built only when a page prints it).

    ``registry_role`` is ``None`` for anonymous users and for accounts whose role is unknown to
    the policy, so templates never print a raw, untranslated role value; their menu is empty.
    """
    context = {
        "registry_mode": settings.REGISTRY_MODE,
        "registry_role": None,
        "registry_user_name": "",
        "registry_menu": (),
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["registry_role"] = policy.role_of(user)
        context["registry_user_name"] = display_name(user)
        context["registry_menu"] = SimpleLazyObject(lambda: menu_for(user, request.path))
    return context
