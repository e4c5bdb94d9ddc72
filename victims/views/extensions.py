"""Hooks through which other apps (services, legal aid, exports) add to the case file page.

An app registers in its ``AppConfig.ready()``; the case file asks these registries each time it
renders, so nothing here imports another app:

- :func:`register_tab` — the content of one section's tab. The view receives the section's data
  as ``victims.selectors`` built it for the user (so the policy has already decided what is in
  it) and returns a template and its context.
- :func:`register_case_links` — links in the case header (e.g. the dossiers of the case), each
  provider deciding from the policy whether the user gets any.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from registry.policy import Section

TabView = Callable[[HttpRequest, Any, Any], tuple[str, dict[str, Any]]]
LinkProvider = Callable[[Any, Any], list[dict[str, str]]]

TAB_VIEWS: dict[Section, TabView] = {}
CASE_LINK_PROVIDERS: list[LinkProvider] = []


def register_tab(section: Section, view: TabView) -> None:
    """Render ``section``'s tab with ``view(request, case, data) -> (template_name, context)``."""
    TAB_VIEWS[Section(section)] = view


def register_case_links(provider: LinkProvider) -> None:
    """Show ``provider(user, case)``'s links — dicts with ``id``, ``label`` and ``url`` — in the
    case header."""
    if provider not in CASE_LINK_PROVIDERS:
        CASE_LINK_PROVIDERS.append(provider)


def case_links(user, case) -> list[dict[str, str]]:
    return [link for provider in CASE_LINK_PROVIDERS for link in provider(user, case)]
