"""The menu of every signed-in page: one entry per kind of daily work, offered to whom the policy
lets do it.

Each entry names its page by URL name — a string, so the core imports no app (STYLE) — and asks
``registry.policy`` (for account approvals, ``registry.accounts.activation``) whether the user may
go there, the same question the page's own guard asks: the menu never offers a page that refuses
its reader (tests/registry/test_menu.py checks every link of every role). One page opens to more
readers than the menu offers it to: the legal aid worklist, listed for the centres that work the
matters; caseworkers and civil affairs read the section in each case file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from registry import policy
from registry.accounts.activation import is_approver
from registry.pages import works_on_cases
from registry.policy import Action, Section


def _has_role(user) -> bool:
    return policy.role_of(user) is not None


def _may(action: Action) -> Callable[[object], bool]:
    return lambda user: policy.may(user, action)


@dataclass(frozen=True)
class Entry:
    """One item of the menu: ``key`` names it in the page (``id="menu-<key>"``)."""

    key: str
    url_name: str
    label: Promise
    shown_to: Callable[[object], bool]


ENTRIES: tuple[Entry, ...] = (
    Entry("dashboard", "dashboard", _("Dashboard"), _has_role),
    Entry("cases", "victims:list", _("Cases"), works_on_cases),
    Entry("register", "victims:register", _("Register a victim"), policy.may_register),
    Entry("inbox", "inbox:list", _("Inbox"), _has_role),
    Entry("transfers", "transfers:list", _("Transfers"), _may(Action.TRANSFER_CASE)),
    Entry("caseworkers", "victims:caseworkers", _("Caseworkers and their cases"), _may(Action.ASSIGN_CASEWORKER)),
    # Bed counts of the shelters: for the roles that follow placements.
    Entry("occupancy", "services:occupancy", _("Shelter beds"), lambda user: policy.may_read(user, Section.SHELTER)),
    # The worklist of the centre that works the matters (the readers of the section have it in the case file).
    Entry(
        "legal-aid",
        "legal_aid:worklist",
        _("Legal aid worklist"),
        lambda user: policy.receiving_section(user) == Section.LEGAL_AID,
    ),
    Entry("reports", "reports:index", _("Reports and evaluation"), _may(Action.VIEW_REPORTS)),
    Entry("audit", "audit-log", _("Audit log"), _may(Action.VIEW_AUDIT)),
    Entry("users", "manage-users", _("User management"), _may(Action.MANAGE_USERS)),
    Entry("organizations", "manage-organizations", _("Organization management"), _may(Action.MANAGE_USERS)),
    Entry("approvals", "account-approvals", _("Account approvals"), is_approver),
)


@dataclass(frozen=True)
class Item:
    """An entry as one page shows it: ``current`` is ``"page"`` on the entry's own page, ``"true"``
    on a page under its address (a case under 个案), else ``""`` (the ``aria-current`` value)."""

    key: str
    url: str
    label: Promise
    current: str


def menu_for(user, path: str) -> list[Item]:
    """The entries ``user`` may open, in the menu's order, the one ``path`` lies under marked —
    only the nearest (longest address), and the dashboard (``/``) only on itself. Empty for an
    anonymous visitor or an account whose role the policy does not know."""
    if not _has_role(user):
        return []
    shown = [(entry, reverse(entry.url_name)) for entry in ENTRIES if entry.shown_to(user)]
    under = [url for _entry, url in shown if url == path or (url != "/" and path.startswith(url))]
    nearest = max(under, key=len, default=None)
    return [
        Item(
            key=entry.key,
            url=url,
            label=entry.label,
            current=("page" if url == path else "true") if url == nearest else "",
        )
        for entry, url in shown
    ]
