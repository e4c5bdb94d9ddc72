"""Operations of the system administrator: staff accounts and organizations (issue 3, item 6).

One function per business action, keyword-only, each taking the acting ``actor``. Every
operation guarantees:

- **Policy**: the actor must hold ``Action.MANAGE_USERS`` (the ``sysadmin`` role); anyone else
  gets ``PermissionDenied`` before anything is read or written.
- **One transaction**: the row whose state changes is locked with ``select_for_update`` (and so
  is the organization an account is placed in, so a concurrent change of that organization
  cannot slip between the check and the write); the row is checked with ``full_clean()``, saved,
  and its audit event (``registry.audit.record_event``) is written inside the same transaction.
  Either the change and its event both commit, or neither does.
- **Rules across records** are checked here, not in forms, so every entry point obeys them; a
  broken rule raises ``ValidationError`` keyed by the field to blame (``NON_FIELD_ERRORS`` when
  no single field is), which a form shows next to what was typed. Nothing is written then.

Account rules (:func:`placement_errors`):

- A role that works on cases (caseworker, civil affairs, education, legal aid, labour) belongs
  to an active organization whose department fits the role (:data:`ROLE_PLACEMENT`); an auditor
  or a system administrator may have one or none.
- An account with an organization works within that organization's jurisdiction: its
  jurisdiction code starts with the organization's (equal or a division of it).
- A system administrator cannot disable their own account nor change their own role, so the
  registry never loses its last administrator by their own hand.

Disabling an account and resetting its second factor are done by ``registry.accounts``
(which also ends the account's sessions and API tokens); :func:`user_disable` and
:func:`user_reset_second_factor` here add the administrator's rules around those calls.

A system administrator reads no victim data: nothing here touches a case.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth import password_validation
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from registry import accounts, policy
from registry.audit import AuditAction, record_event
from registry.choices import RESIDENTIAL_KINDS, Department, OrganizationKind, Role
from registry.models import Jurisdiction, Organization, User
from registry.policy import Action

__all__ = [
    "ROLE_PLACEMENT",
    "generate_password",
    "organization_activate",
    "organization_create",
    "organization_deactivate",
    "organization_update",
    "placement_errors",
    "user_create",
    "user_disable",
    "user_enable",
    "user_reset_second_factor",
    "user_update",
]


@dataclass(frozen=True)
class Placement:
    """Which organizations an account of a case role may belong to."""

    departments: frozenset[Department]
    kinds: frozenset[OrganizationKind] | None  # None: any kind of those departments
    rule: str  # the rule in words, shown when it is broken


# A caseworker works in a residential unit — a relief station, welfare home or children's
# welfare institution run by civil affairs or the women's federation; every other case role
# works in its own department. Auditors and system administrators are absent: any organization
# or none.
ROLE_PLACEMENT: dict[Role, Placement] = {
    Role.CASEWORKER: Placement(
        frozenset({Department.CIVIL_AFFAIRS, Department.WOMENS_FEDERATION}),
        frozenset(RESIDENTIAL_KINDS),
        _(
            "A shelter caseworker belongs to a relief station, welfare home or children's welfare "
            "institution run by civil affairs or the women's federation."
        ),
    ),
    Role.CIVIL_AFFAIRS: Placement(
        frozenset({Department.CIVIL_AFFAIRS}),
        None,
        _("A civil affairs officer belongs to a civil affairs organization."),
    ),
    Role.EDUCATION: Placement(
        frozenset({Department.EDUCATION}), None, _("An education officer belongs to an education organization.")
    ),
    Role.LEGAL_AID: Placement(
        frozenset({Department.JUSTICE}), None, _("A legal aid worker belongs to a justice organization.")
    ),
    Role.LABOR: Placement(
        frozenset({Department.LABOR}),
        None,
        _("A labour officer belongs to a human resources and social security organization."),
    ),
}

# Characters of generated passwords: no 0/O, 1/l/I, so they can be read out and typed.
_READABLE_CHARACTERS = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


# --- Helpers ---------------------------------------------------------------------------------


def _require_manager(actor: User) -> None:
    if not policy.may(actor, Action.MANAGE_USERS):
        raise PermissionDenied("only a system administrator manages users and organizations")


def _merge(errors: dict[str, list], more: Mapping[str, list]) -> dict[str, list]:
    for field, messages in more.items():
        errors.setdefault(field, []).extend(messages)
    return errors


def _full_clean(instance, errors: dict[str, list], exclude: tuple[str, ...] = ()) -> None:
    """``full_clean()`` the instance and raise every error found, the operation's own included.

    A message already shown on a field is not repeated among the general ones: a model's check
    constraint says on no field what the operation has already said on the right one.
    """
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        _merge(errors, error.error_dict)
    if not errors:
        return
    messages = ValidationError(errors).message_dict
    on_fields = {message for field, texts in messages.items() if field != NON_FIELD_ERRORS for message in texts}
    deduplicated = {}
    for field, texts in messages.items():
        texts = list(dict.fromkeys(texts))
        if field == NON_FIELD_ERRORS:
            texts = [text for text in texts if text not in on_fields]
        if texts:
            deduplicated[field] = texts
    raise ValidationError(deduplicated)


def _locked_organization(organization: Organization | None) -> Organization | None:
    """The organization an account is placed in, re-read under a row lock (or None)."""
    if organization is None:
        return None
    return Organization.objects.select_for_update().select_related("jurisdiction").get(pk=organization.pk)


def _audit_user(user: User) -> dict:
    """What the audit log says of a target account: identifiers and placement, no names."""
    return {
        "user": str(user.uuid),
        "username": user.get_username(),
        "role": user.role,
        "organization": str(user.organization.uuid) if user.organization_id else None,
        "jurisdiction": user.jurisdiction.code,
    }


def _audit_organization(organization: Organization) -> dict:
    return {
        "organization": str(organization.uuid),
        "department": organization.department,
        "kind": organization.kind,
        "jurisdiction": organization.jurisdiction.code,
        "is_active": organization.is_active,
    }


def placement_errors(
    *, role: Role | str, organization: Organization | None, jurisdiction: Jurisdiction | None
) -> dict[str, list]:
    """The account rules a role, organization and jurisdiction break, keyed by field ({} if none).

    Pure: reads nothing but its arguments (whether the organization is active is checked by the
    callers, which know whether the account is being placed there now).
    """
    errors: dict[str, list] = {}
    try:
        role = Role(role)
    except ValueError:
        return errors  # full_clean() names an unknown role
    placement = ROLE_PLACEMENT.get(role)
    if placement is not None and organization is None:
        # The words of the model's own constraint, so the form does not say it twice.
        errors["organization"] = [_("Every role that works on cases belongs to an organization.")]
        return errors
    if organization is None:
        return errors
    if placement is not None and (
        organization.department not in placement.departments
        or (placement.kinds is not None and organization.kind not in placement.kinds)
    ):
        errors["organization"] = [placement.rule]
    if jurisdiction is not None and not organization.jurisdiction.contains(jurisdiction):
        errors["jurisdiction"] = [
            ValidationError(
                _("The account's jurisdiction must lie within its organization's (%(jurisdiction)s)."),
                params={"jurisdiction": str(organization.jurisdiction)},
            )
        ]
    return errors


def _inactive_organization_error() -> dict[str, list]:
    return {"organization": [_("This organization is deactivated; choose an active one.")]}


def _password_error(error: ValidationError) -> ValidationError:
    """A password validator's error, in words our catalogue translates.

    Django 5.2 reworded the minimum-length message (``%d`` in place of ``%(min_length)d``) and
    its zh_Hans catalogue has no translation of the new wording yet, so it would show in English.
    """
    if error.code == "password_too_short":
        return ValidationError(
            _("This password is too short. It must contain at least %(min_length)d characters."),
            code=error.code,
            params=error.params,
        )
    return error


def generate_password() -> str:
    """A random password of 20 characters in groups of five (about 114 bits), easy to read out."""
    chars = [secrets.choice(_READABLE_CHARACTERS) for _ in range(20)]
    return "-".join("".join(chars[i : i + 5]) for i in range(0, 20, 5))


# --- Accounts --------------------------------------------------------------------------------


def user_create(
    *,
    actor: User,
    username: str,
    first_name: str,
    last_name: str,
    role: Role | str,
    organization: Organization | None,
    jurisdiction: Jurisdiction,
    password: str,
    request: HttpRequest | None = None,
) -> User:
    """Create an active staff account and return it.

    Guarantees: the actor manages users; the placement rules hold (:func:`placement_errors`)
    and the organization is active; the username is free, compared without regard to case;
    the password passes every ``AUTH_PASSWORD_VALIDATORS`` check (it is stored only as a hash);
    one transaction with the organization row locked; a ``user_created`` audit event in it.
    ``request`` only lends the audit event its IP address and request id.
    """
    _require_manager(actor)
    with transaction.atomic():
        organization = _locked_organization(organization)
        user = User(
            username=User.normalize_username(username),
            first_name=first_name,
            last_name=last_name,
            role=role,
            organization=organization,
            jurisdiction=jurisdiction,
            is_active=True,
        )
        errors = placement_errors(role=role, organization=organization, jurisdiction=jurisdiction)
        if organization is not None and not organization.is_active:
            _merge(errors, _inactive_organization_error())
        if User.objects.filter(username__iexact=user.username).exists():
            _merge(errors, {"username": [_("An account with this username already exists.")]})
        try:
            password_validation.validate_password(password, user=user)
        except ValidationError as error:
            _merge(errors, {"password": [_password_error(item) for item in error.error_list]})
        user.set_password(password)
        _full_clean(user, errors)
        try:
            user.save(force_insert=True)
        except IntegrityError:
            # Another administrator took the username between our check and the insert.
            raise ValidationError({"username": [_("An account with this username already exists.")]}) from None
        record_event(action=AuditAction.USER_CREATED, actor=actor, request=request, detail=_audit_user(user))
    return user


USER_EDITABLE_FIELDS = ("first_name", "last_name", "role", "organization", "jurisdiction")


def _editable_values(user: User) -> dict:
    return {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role": user.role,
        "organization": user.organization_id,
        "jurisdiction": user.jurisdiction_id,
    }


def user_update(
    *,
    actor: User,
    user: User,
    first_name: str,
    last_name: str,
    role: Role | str,
    organization: Organization | None,
    jurisdiction: Jurisdiction,
    request: HttpRequest | None = None,
) -> User:
    """Change an account's names, role, organization and jurisdiction; return the fresh row.

    Guarantees: the actor manages users and does not change their own role; the placement
    rules hold for the new values, and an account moved to another organization moves to an
    active one; one transaction with the account and its organization locked; a
    ``user_updated`` audit event naming the fields changed (never their values when they are
    names). Nothing changed, nothing written: no save, no event.
    """
    _require_manager(actor)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        organization = _locked_organization(organization)
        errors = placement_errors(role=role, organization=organization, jurisdiction=jurisdiction)
        if locked.pk == actor.pk and role != locked.role:
            _merge(errors, {"role": [_("You cannot change your own role.")]})
        if organization is not None and organization.pk != locked.organization_id and not organization.is_active:
            _merge(errors, _inactive_organization_error())
        before = _editable_values(locked)
        locked.first_name, locked.last_name, locked.role = first_name, last_name, role
        locked.organization, locked.jurisdiction = organization, jurisdiction
        after = _editable_values(locked)
        _full_clean(locked, errors, exclude=("password",))
        changed = [name for name in USER_EDITABLE_FIELDS if before[name] != after[name]]
        if not changed:
            return locked
        locked.save(update_fields=changed)
        record_event(
            action=AuditAction.USER_UPDATED,
            actor=actor,
            request=request,
            detail={**_audit_user(locked), "changed": changed},
        )
    return locked


def user_enable(*, actor: User, user: User, request: HttpRequest | None = None) -> User:
    """Re-enable a disabled account; return the fresh row.

    Guarantees: the actor manages users; the account is disabled now, and its placement still
    holds with an active organization (an organization may have been deactivated meanwhile);
    one transaction with the account and its organization locked; a ``user_enabled`` event.
    The account's second factor and sessions are not restored: it signs in afresh.
    """
    _require_manager(actor)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_active:
            raise ValidationError(_("This account is already active."))
        organization = _locked_organization(locked.organization)
        errors = placement_errors(role=locked.role, organization=organization, jurisdiction=locked.jurisdiction)
        if organization is not None and not organization.is_active:
            _merge(errors, _inactive_organization_error())
        if errors:
            # This page cannot change the account: say what to fix on its form.
            problems = [text for texts in ValidationError(errors).message_dict.values() for text in texts]
            raise ValidationError([_("Change the account first; it breaks a rule."), *problems])
        locked.is_active = True
        _full_clean(locked, {}, exclude=("password",))
        locked.save(update_fields=["is_active"])
        record_event(action=AuditAction.USER_ENABLED, actor=actor, request=request, detail=_audit_user(locked))
    return locked


def user_disable(*, actor: User, user: User, reason: str, request: HttpRequest | None = None) -> User:
    """Disable an account with a reason, ending its sessions and API tokens; return the fresh row.

    Guarantees: the actor manages users, is not disabling their own account, and gives a
    reason; the account is active now. ``registry.accounts.user_disable`` then deactivates it,
    ends every session and API token and writes the ``user_disabled`` event — all inside this
    one transaction, which holds the account's row lock throughout.
    """
    _require_manager(actor)
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.pk == actor.pk:
            raise ValidationError(_("You cannot disable your own account."))
        if not locked.is_active:
            raise ValidationError(_("This account is already disabled."))
        if not reason:
            raise ValidationError({"reason": [_("Give the reason for disabling the account.")]})
        accounts.user_disable(actor=actor, user=locked, reason=reason, request=request)
        locked.refresh_from_db()
    return locked


def user_reset_second_factor(*, actor: User, user: User, request: HttpRequest | None = None) -> User:
    """Remove an account's second-factor devices, so it enrols a new one at its next sign-in.

    Guarantees: the actor manages users; ``registry.accounts.user_reset_second_factor`` deletes
    the devices, ends the account's sessions and API tokens (a lost phone leaves no live
    session behind) and writes the ``second_factor_reset`` event, inside this one transaction,
    which holds the account's row lock throughout.
    """
    _require_manager(actor)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        accounts.user_reset_second_factor(actor=actor, user=locked, request=request)
    return locked


# --- Organizations ---------------------------------------------------------------------------


def _capacity_errors(kind: OrganizationKind | str, capacity: int | None) -> dict[str, list]:
    """Residential kinds need a bed capacity; other kinds have none (a number there is a mistake)."""
    if kind in RESIDENTIAL_KINDS and not capacity:
        # The model's own check constraint says the same, but on no particular field.
        return {"capacity": [_("A shelter or welfare home needs a bed capacity.")]}
    if kind not in RESIDENTIAL_KINDS and capacity is not None:
        return {"capacity": [_("Only a residential organization has a bed capacity; leave it empty.")]}
    return {}


def _staff_misfits(organization: Organization) -> list[str]:
    """Usernames of the organization's active accounts that its current values no longer fit."""
    staff = organization.staff.filter(is_active=True).select_related("jurisdiction").order_by("username")
    return [
        member.username
        for member in staff
        if placement_errors(role=member.role, organization=organization, jurisdiction=member.jurisdiction)
    ]


def organization_create(
    *,
    actor: User,
    name: str,
    department: Department | str,
    kind: OrganizationKind | str,
    jurisdiction: Jurisdiction,
    capacity: int | None,
    request: HttpRequest | None = None,
) -> Organization:
    """Create an active organization and return it.

    Guarantees: the actor manages organizations; residential kinds (relief station, welfare
    home, children's welfare institution) have a bed capacity and other kinds none; the name
    is unique within the jurisdiction; one transaction; an ``organization_created`` event.
    """
    _require_manager(actor)
    with transaction.atomic():
        organization = Organization(
            name=name.strip(),
            department=department,
            kind=kind,
            jurisdiction=jurisdiction,
            capacity=capacity,
            is_active=True,
        )
        _full_clean(organization, _capacity_errors(kind, capacity))
        organization.save(force_insert=True)
        record_event(
            action=AuditAction.ORGANIZATION_CREATED,
            actor=actor,
            request=request,
            detail=_audit_organization(organization),
        )
    return organization


ORGANIZATION_EDITABLE_FIELDS = ("name", "department", "kind", "jurisdiction", "capacity")


def organization_update(
    *,
    actor: User,
    organization: Organization,
    name: str,
    department: Department | str,
    kind: OrganizationKind | str,
    jurisdiction: Jurisdiction,
    capacity: int | None,
    request: HttpRequest | None = None,
) -> Organization:
    """Change an organization's name, department, kind, jurisdiction and capacity.

    Guarantees: as :func:`organization_create`, and the change leaves every active account of
    the organization within the account rules (a department, kind or jurisdiction its staff
    no longer fit is refused, naming them); one transaction with the organization locked (so
    no account joins it meanwhile); an ``organization_updated`` event naming the fields
    changed. Nothing changed, nothing written.
    """
    _require_manager(actor)
    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        before = {name_: getattr(locked, name_) for name_ in ORGANIZATION_EDITABLE_FIELDS}
        locked.name, locked.department, locked.kind = name.strip(), department, kind
        locked.jurisdiction, locked.capacity = jurisdiction, capacity
        changed = [name_ for name_ in ORGANIZATION_EDITABLE_FIELDS if getattr(locked, name_) != before[name_]]
        errors = _capacity_errors(kind, capacity)
        misfits = _staff_misfits(locked) if {"department", "kind", "jurisdiction"} & set(changed) else []
        if misfits:
            _merge(
                errors,
                {
                    NON_FIELD_ERRORS: [
                        ValidationError(
                            _(
                                "Its active accounts would no longer fit their role or jurisdiction: "
                                "%(usernames)s. Move or disable them first."
                            ),
                            params={"usernames": ", ".join(misfits[:10]) + (" …" if len(misfits) > 10 else "")},
                        )
                    ]
                },
            )
        _full_clean(locked, errors)
        if not changed:
            return locked
        locked.save(update_fields=changed)
        record_event(
            action=AuditAction.ORGANIZATION_UPDATED,
            actor=actor,
            request=request,
            detail={**_audit_organization(locked), "changed": changed},
        )
    return locked


def organization_deactivate(
    *, actor: User, organization: Organization, request: HttpRequest | None = None
) -> Organization:
    """Deactivate an organization: no account can be placed in it any more.

    Guarantees: the actor manages organizations; it is active now and no active account
    belongs to it (disable or move them first — an organization is never left with staff
    who can still sign in); one transaction with the organization locked, so no account
    joins it meanwhile; an ``organization_updated`` event with ``change: deactivated``.
    """
    _require_manager(actor)
    with transaction.atomic():
        locked = Organization.objects.select_for_update().select_related("jurisdiction").get(pk=organization.pk)
        if not locked.is_active:
            raise ValidationError(_("This organization is already deactivated."))
        active_staff = locked.staff.filter(is_active=True).count()
        if active_staff:
            raise ValidationError(
                _("%(count)s active accounts still belong to this organization; disable or move them first."),
                params={"count": active_staff},
            )
        locked.is_active = False
        _full_clean(locked, {})
        locked.save(update_fields=["is_active"])
        record_event(
            action=AuditAction.ORGANIZATION_UPDATED,
            actor=actor,
            request=request,
            detail={**_audit_organization(locked), "change": "deactivated"},
        )
    return locked


def organization_activate(
    *, actor: User, organization: Organization, request: HttpRequest | None = None
) -> Organization:
    """Make a deactivated organization active again.

    Guarantees: the actor manages organizations; it is deactivated now and still valid
    (capacity rule); one transaction with the organization locked; an
    ``organization_updated`` event with ``change: activated``.
    """
    _require_manager(actor)
    with transaction.atomic():
        locked = Organization.objects.select_for_update().select_related("jurisdiction").get(pk=organization.pk)
        if locked.is_active:
            raise ValidationError(_("This organization is already active."))
        locked.is_active = True
        _full_clean(locked, _capacity_errors(locked.kind, locked.capacity))
        locked.save(update_fields=["is_active"])
        record_event(
            action=AuditAction.ORGANIZATION_UPDATED,
            actor=actor,
            request=request,
            detail={**_audit_organization(locked), "change": "activated"},
        )
    return locked
