"""Values every page shows: the deployment mode, who is signed in, and their menu."""

from __future__ import annotations

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from registry import policy
from registry.menu import menu_for
from registry.presentation import user_name

# The header names the user as every page does (``registry.presentation.user_name``).
display_name = user_name


def registry(request):
    """The mode (the demo says it is one), the signed-in user's name and role label, their
    menu (``registry.menu``, built only when a page prints it) and the session's idle time-out
    (``registry_idle_seconds``, for the idle warning of ``registry/static/registry/idle.js``).

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
        context["registry_idle_seconds"] = settings.SESSION_IDLE_SECONDS
    return context
