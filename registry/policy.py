"""The access policy: the single source of who may read, write and do what.

Three axes (DESIGN §3), deny by default:

1. **Sections** of a case a role may read or write — :data:`SECTION_ACCESS`.
2. **Record scope** — which cases a role sees at all — :data:`ROLE_SCOPE`, turned into a query
   by ``registry.scope.ScopedQuerySet.visible_to``.
3. **Actions** beyond read/write — :data:`ACTION_ROLES`.

Every consumer (API serializers, HTML views, history, search, dossiers, reports) asks the
functions at the bottom of this module; none keeps its own copy of these tables. An inactive
or anonymous user, or a role not in a table, gets nothing.
"""

from __future__ import annotations

import enum

from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.choices import Role


class Section(models.TextChoices):
    """The parts of a case file; the keys of the case detail and of dossiers (a stable contract)."""

    PERSON = "person", _("Person")
    IDENTITY = "identity", _("Identity")
    CONTACTS = "contacts", _("Contacts and family")
    RESCUE = "rescue", _("Rescue")
    HEALTH = "health", _("Health")
    DNA = "dna", _("DNA sample")
    CONSENTS = "consents", _("Consents")
    REFERRALS = "referrals", _("Referrals")
    SHELTER = "shelter", _("Shelter")
    SCHOOLING = "schooling", _("Schooling")
    TRAINING = "training", _("Training and employment")
    LEGAL_AID = "legal_aid", _("Legal aid")
    RETURN_HOME = "return_home", _("Return home")
    FOLLOW_UPS = "follow_ups", _("Follow-up visits")


class Action(models.TextChoices):
    APPROVE_RETURN = "approve_return", _("Approve a return plan")
    APPROVE_CHILD_REFERRAL = "approve_child_referral", _("Approve a child's referral")
    RESOLVE_DUPLICATE = "resolve_duplicate", _("Resolve a possible duplicate")
    CLOSE_CASE = "close_case", _("Close a case")
    EXPORT_DOSSIER = "export_dossier", _("Generate an archival dossier")
    RESPOND_REFERRAL = "respond_referral", _("Accept, decline or complete a referral")
    VIEW_AUDIT = "view_audit", _("Read the audit log")
    VIEW_REPORTS = "view_reports", _("Read aggregate reports")
    MANAGE_USERS = "manage_users", _("Manage users and organizations")


class Access(enum.IntEnum):
    NONE = 0
    READ = 1
    WRITE = 2  # write implies read


class Scope(enum.Enum):
    """Which cases a role sees (see ``registry.scope``)."""

    ORGANIZATION = "cases of the user's organization or assigned to the user"
    JURISDICTION = "cases whose jurisdiction lies within the user's"
    REFERRAL = "cases with an active referral to the user's organization"
    NONE = "no case at all"


N = Access.NONE
R = Access.READ
RW = Access.WRITE
# Columns: caseworker, civil_affairs, education, legal_aid, labor. Auditor and sysadmin read no
# section of any case (separation of duties) and are absent from every row.
_COLUMNS = (Role.CASEWORKER, Role.CIVIL_AFFAIRS, Role.EDUCATION, Role.LEGAL_AID, Role.LABOR)
_TABLE: dict[Section, tuple[Access, Access, Access, Access, Access]] = {
    Section.PERSON: (RW, R, R, R, R),
    Section.IDENTITY: (RW, R, N, R, N),
    Section.CONTACTS: (RW, R, N, N, N),
    Section.RESCUE: (RW, R, N, R, N),
    Section.HEALTH: (RW, R, N, N, N),
    Section.DNA: (RW, R, N, N, N),
    Section.CONSENTS: (RW, RW, R, R, R),
    Section.REFERRALS: (RW, RW, R, R, R),
    Section.SHELTER: (RW, R, N, N, N),
    Section.SCHOOLING: (R, R, RW, N, N),
    Section.TRAINING: (R, R, N, N, RW),
    Section.LEGAL_AID: (R, R, N, RW, N),
    Section.RETURN_HOME: (RW, RW, N, N, N),
    Section.FOLLOW_UPS: (RW, R, N, N, N),
}
SECTION_ACCESS: dict[Section, dict[Role, Access]] = {
    section: {role: access for role, access in zip(_COLUMNS, row, strict=True) if access}
    for section, row in _TABLE.items()
}
del N, R, RW

ACTION_ROLES: dict[Action, frozenset[Role]] = {
    Action.APPROVE_RETURN: frozenset({Role.CIVIL_AFFAIRS}),
    Action.APPROVE_CHILD_REFERRAL: frozenset({Role.CIVIL_AFFAIRS}),
    Action.RESOLVE_DUPLICATE: frozenset({Role.CIVIL_AFFAIRS}),
    Action.CLOSE_CASE: frozenset({Role.CIVIL_AFFAIRS}),
    Action.EXPORT_DOSSIER: frozenset({Role.CIVIL_AFFAIRS}),
    Action.RESPOND_REFERRAL: frozenset({Role.EDUCATION, Role.LEGAL_AID, Role.LABOR}),
    Action.VIEW_AUDIT: frozenset({Role.AUDITOR}),
    Action.VIEW_REPORTS: frozenset({Role.AUDITOR, Role.CIVIL_AFFAIRS}),
    Action.MANAGE_USERS: frozenset({Role.SYSADMIN}),
}

ROLE_SCOPE: dict[Role, Scope] = {
    Role.CASEWORKER: Scope.ORGANIZATION,
    Role.CIVIL_AFFAIRS: Scope.JURISDICTION,
    Role.EDUCATION: Scope.REFERRAL,
    Role.LEGAL_AID: Scope.REFERRAL,
    Role.LABOR: Scope.REFERRAL,
    Role.AUDITOR: Scope.NONE,
    Role.SYSADMIN: Scope.NONE,
}

# The section a receiving department works in once a case is referred to it.
REFERRAL_SECTION: dict[Role, Section] = {
    Role.EDUCATION: Section.SCHOOLING,
    Role.LEGAL_AID: Section.LEGAL_AID,
    Role.LABOR: Section.TRAINING,
}


def role_of(user) -> Role | None:
    """The user's role, or ``None`` for anonymous, inactive or role-less accounts."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    try:
        return Role(user.role)
    except ValueError:
        return None


def section_access(user, section: Section) -> Access:
    role = role_of(user)
    if role is None:
        return Access.NONE
    return SECTION_ACCESS[Section(section)].get(role, Access.NONE)


def may_read(user, section: Section) -> bool:
    return section_access(user, section) >= Access.READ


def may_write(user, section: Section) -> bool:
    return section_access(user, section) >= Access.WRITE


def readable_sections(user) -> tuple[Section, ...]:
    """The sections the user's role may read, in the table's order."""
    return tuple(section for section in Section if may_read(user, section))


def writable_sections(user) -> tuple[Section, ...]:
    return tuple(section for section in Section if may_write(user, section))


def may(user, action: Action) -> bool:
    """Whether the user's role may perform ``action`` (scope is checked separately)."""
    role = role_of(user)
    return role is not None and role in ACTION_ROLES[Action(action)]


def allowed_actions(user) -> tuple[Action, ...]:
    return tuple(action for action in Action if may(user, action))


def scope_of(user) -> Scope:
    role = role_of(user)
    return Scope.NONE if role is None else ROLE_SCOPE[role]
