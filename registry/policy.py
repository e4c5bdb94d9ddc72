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
from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registry.choices import Role
from registry.errors import PermissionDenied


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
    CARE_PLAN = "care_plan", _("Care plan")
    NOTES = "notes", _("Case notes")
    TRANSFERS = "transfers", _("Transfers and hand-overs")


class Action(models.TextChoices):
    APPROVE_RETURN = "approve_return", _("Approve a return plan")
    APPROVE_CHILD_REFERRAL = "approve_child_referral", _("Approve a child's referral")
    APPROVE_CARE_PLAN = "approve_care_plan", _("Approve a child's care plan or its review")
    RESOLVE_DUPLICATE = "resolve_duplicate", _("Resolve a possible duplicate")
    CLOSE_CASE = "close_case", _("Close a case")
    EXPORT_DOSSIER = "export_dossier", _("Generate an archival dossier")
    RESPOND_REFERRAL = "respond_referral", _("Accept, decline or complete a referral")
    VIEW_AUDIT = "view_audit", _("Read the audit log")
    VIEW_REPORTS = "view_reports", _("Read aggregate reports")
    MANAGE_USERS = "manage_users", _("Manage users and organizations")
    VIEW_PERSON_PHOTO = "view_person_photo", _("See photos of the person")
    ASSIGN_CASEWORKER = "assign_caseworker", _("Assign or unassign caseworkers of the lead organization")
    TRANSFER_CASE = "transfer_case", _("Request, withdraw, accept or decline a transfer between organizations")
    HAND_OVER_CASE = "hand_over_case", _("Hand a case over to another province or country")


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
    # A receiving department reads only the goals its own department owns (care.plan.selectors).
    Section.CARE_PLAN: (RW, R, R, R, R),
    # Each note is read only by the readers of the section it concerns, and written by the
    # readers of that section who write notes (care.notes); the receiving departments log their
    # own work in their section (legal aid activities, enrolments, trainings) and read notes.
    Section.NOTES: (RW, RW, R, R, R),
    # Transfers between organizations of the province and hand-overs out of it (transfers app):
    # read here, written only by their operations under the actions TRANSFER_CASE and HAND_OVER_CASE.
    Section.TRANSFERS: (R, R, N, N, N),
}
SECTION_ACCESS: dict[Section | str, dict[Role, Access]] = {
    section: {role: access for role, access in zip(_COLUMNS, row, strict=True) if access}
    for section, row in _TABLE.items()
}
del N, R, RW


class ExtraSection(str):
    """A section declared by an app beyond the contract's fourteen (:func:`register_section`):
    a string key with the ``value`` and ``label`` a :class:`Section` member has."""

    label: str

    def __new__(cls, key: str, label) -> ExtraSection:
        section = super().__new__(cls, key)
        section.label = label
        return section

    @property
    def value(self) -> str:
        return str.__str__(self)


_EXTRA_SECTIONS: dict[str, ExtraSection] = {}


def register_section(key: str, label, row: tuple[Access, Access, Access, Access, Access]) -> ExtraSection:
    """Add a section outside the contract, with its row of the table (the columns of
    ``_TABLE``), from an app's ``AppConfig.ready``; refused once the apps are loaded, so the
    policy cannot change while requests are served. Used by the test scaffold."""
    from django.apps import apps

    if apps.ready:
        raise RuntimeError("Sections are added while the apps load, not after.")
    if key in Section.values or key in _EXTRA_SECTIONS:
        raise ValueError(f"Section {key!r} exists already.")
    section = _EXTRA_SECTIONS[key] = ExtraSection(key, label)
    SECTION_ACCESS[section] = {role: access for role, access in zip(_COLUMNS, row, strict=True) if access}
    return section


def all_sections() -> tuple[Section | ExtraSection, ...]:
    """Every section, the contract's in the table's order, then those apps added."""
    return (*Section, *_EXTRA_SECTIONS.values())


def section_named(key: str) -> Section | ExtraSection:
    """The section named ``key``; ValueError for a name no table row has."""
    try:
        return Section(key)
    except ValueError:
        if key in _EXTRA_SECTIONS:
            return _EXTRA_SECTIONS[key]
        raise


ACTION_ROLES: dict[Action, frozenset[Role]] = {
    Action.APPROVE_RETURN: frozenset({Role.CIVIL_AFFAIRS}),
    Action.APPROVE_CHILD_REFERRAL: frozenset({Role.CIVIL_AFFAIRS}),
    Action.APPROVE_CARE_PLAN: frozenset({Role.CIVIL_AFFAIRS}),
    Action.RESOLVE_DUPLICATE: frozenset({Role.CIVIL_AFFAIRS}),
    Action.CLOSE_CASE: frozenset({Role.CIVIL_AFFAIRS}),
    Action.EXPORT_DOSSIER: frozenset({Role.CIVIL_AFFAIRS}),
    Action.RESPOND_REFERRAL: frozenset({Role.EDUCATION, Role.LEGAL_AID, Role.LABOR}),
    Action.VIEW_AUDIT: frozenset({Role.AUDITOR}),
    Action.VIEW_REPORTS: frozenset({Role.AUDITOR, Role.CIVIL_AFFAIRS, Role.EDUCATION, Role.LEGAL_AID, Role.LABOR}),
    Action.MANAGE_USERS: frozenset({Role.SYSADMIN}),
    # Narrower than reading the person section: a photo identifies the person on sight.
    Action.VIEW_PERSON_PHOTO: frozenset({Role.CASEWORKER, Role.CIVIL_AFFAIRS}),
    # Scope decides on which cases: a caseworker her organization's, civil affairs its jurisdiction's.
    Action.ASSIGN_CASEWORKER: frozenset({Role.CASEWORKER, Role.CIVIL_AFFAIRS}),
    # Requested and withdrawn by those who see the case; accepted or declined by the receiving
    # organization's caseworkers and the civil affairs officers over it (transfers.selectors).
    Action.TRANSFER_CASE: frozenset({Role.CASEWORKER, Role.CIVIL_AFFAIRS}),
    Action.HAND_OVER_CASE: frozenset({Role.CIVIL_AFFAIRS}),
}

# Which indicators of the evaluation reports a role holding ``VIEW_REPORTS`` reads, by the
# department they belong to (the values of ``reports.catalogue.Department``, which the core cannot
# import; a test keeps them equal): ``None`` for every indicator — the joint conference office's
# auditors and civil affairs —, else its own department's only (DESIGN §3). Over which
# jurisdiction is ``reports.access``'s: the auditor's or officer's own, the organization's for a
# receiving department.
REPORT_DEPARTMENT: dict[Role, str | None] = {
    Role.AUDITOR: None,
    Role.CIVIL_AFFAIRS: None,
    Role.EDUCATION: "education",
    Role.LEGAL_AID: "legal_aid",
    Role.LABOR: "labour",
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

# The receiving departments and the one section each writes under a referral to its organization
# (for the referral service of the same name): only while the referral is accepted; read-only once
# it is completed (DESIGN §3, :func:`require_receiving_write`). Every role here has the scope
# ``REFERRAL`` and may write no other section.
REFERRAL_SECTION: dict[Role, Section] = {
    Role.EDUCATION: Section.SCHOOLING,
    Role.LEGAL_AID: Section.LEGAL_AID,
    Role.LABOR: Section.TRAINING,
}

# The referral statuses the receiving-department rule tells apart: the values of
# ``victims.choices.ReferralStatus``, which the core cannot import (a test keeps them equal).
REFERRAL_ACCEPTED = "accepted"
REFERRAL_PENDING = "pending"
REFERRAL_COMPLETED = "completed"

# What a receiving department is told when its section is closed to it, by the reason: its
# referral is pending (to accept first), it holds none, or it is completed. The legal aid
# centres' record has wording of its own.
_RECEIVING_REFUSALS: dict[Section | None, dict[str, str]] = {
    None: {
        "pending": _("Accept the referral of this case before recording in this section."),
        "none": _("Your organization has no accepted referral of this case for this service."),
        "completed": _("The referral of this case is completed: this section is read-only for you now."),
    },
    Section.LEGAL_AID: {
        "pending": _("Your centre records legal aid on this case once it has accepted a legal aid referral."),
        "none": _("Your centre records legal aid on this case once it has accepted a legal aid referral."),
        "completed": _("The referral of this case to your centre is completed: its legal aid record is read-only now."),
    },
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
    return SECTION_ACCESS[section_named(section)].get(role, Access.NONE)


def may_read(user, section: Section) -> bool:
    return section_access(user, section) >= Access.READ


def may_write(user, section: Section) -> bool:
    return section_access(user, section) >= Access.WRITE


def readable_sections(user) -> tuple[Section | ExtraSection, ...]:
    """The sections the user's role may read, in the table's order."""
    return tuple(section for section in all_sections() if may_read(user, section))


def writable_sections(user) -> tuple[Section | ExtraSection, ...]:
    return tuple(section for section in all_sections() if may_write(user, section))


# The sections a registration writes: the person, their identity and their contacts
# (``victims.operations.case_register``).
REGISTRATION_SECTIONS = (Section.PERSON, Section.IDENTITY, Section.CONTACTS)


def may_register(user) -> bool:
    """Whether the user registers victims: an account of an organization whose role writes every
    section a registration writes (:data:`REGISTRATION_SECTIONS`)."""
    return user.organization_id is not None and all(may_write(user, section) for section in REGISTRATION_SECTIONS)


def may(user, action: Action) -> bool:
    """Whether the user's role may perform ``action`` (scope is checked separately)."""
    role = role_of(user)
    return role is not None and role in ACTION_ROLES[Action(action)]


def allowed_actions(user) -> tuple[Action, ...]:
    return tuple(action for action in Action if may(user, action))


def report_department(user) -> str | None:
    """The department whose indicators the user reads (:data:`REPORT_DEPARTMENT`): ``None`` for
    all of them. Only meaningful for a user who may ``VIEW_REPORTS`` (check that first)."""
    role = role_of(user)
    return None if role is None else REPORT_DEPARTMENT.get(role)


def scope_of(user) -> Scope:
    role = role_of(user)
    return Scope.NONE if role is None else ROLE_SCOPE[role]


def receiving_section(user) -> Section | None:
    """The section the user's department writes under a referral (:data:`REFERRAL_SECTION`), or
    ``None`` for a role that receives no referral."""
    role = role_of(user)
    return None if role is None else REFERRAL_SECTION.get(role)


# --- guards: each raises ``registry.errors.PermissionDenied`` (403) -----------------------------


def require(allowed: bool, message: str | None = None) -> None:
    """403 unless ``allowed`` (call only once the caller is known to see the record: a record
    out of scope is 404 first)."""
    if not allowed:
        raise PermissionDenied(message or gettext("Your role may not do this."))


def require_write(actor, section: Section) -> None:
    """403 unless the actor's role may write ``section``."""
    if not may_write(actor, section):
        raise PermissionDenied(
            gettext("Your role may not change the “%(section)s” section.") % {"section": section_named(section).label}
        )


def require_action(actor, action: Action) -> None:
    """403 unless the actor's role may perform ``action``."""
    if not may(actor, action):
        raise PermissionDenied(gettext("Your role may not do this: %(action)s.") % {"action": Action(action).label})


def require_receiving_write(actor, section: Section, referral_statuses: Iterable[str]) -> None:
    """The receiving-department rule (DESIGN §3), for a write to ``section`` of a case.

    ``referral_statuses`` are the statuses of the case's referrals to the actor's organization
    for the service of ``section`` (the caller, which owns referrals, reads them). The actor's
    role must write ``section`` (:func:`require_write`); a receiving department
    (:func:`receiving_section`) then writes it only under an **accepted** referral: 403
    ``referral_not_accepted`` while it is pending or when there is none, 403
    ``referral_completed`` once it is completed (the section is read-only then). Other roles
    are not held to referrals (their scope decides)."""
    require_write(actor, section)
    if receiving_section(actor) is None:
        return
    statuses = set(referral_statuses)
    if REFERRAL_ACCEPTED in statuses:
        return
    messages = _RECEIVING_REFUSALS.get(section, _RECEIVING_REFUSALS[None])
    if REFERRAL_PENDING in statuses:
        raise PermissionDenied(str(messages["pending"]), code="referral_not_accepted")
    if REFERRAL_COMPLETED in statuses:
        raise PermissionDenied(str(messages["completed"]), code="referral_completed")
    raise PermissionDenied(str(messages["none"]), code="referral_not_accepted")
