"""Operations on organizations, done by the system administrator (issue 3, item 6).

One function per business action, keyword-only, each taking the acting ``actor``. Every
operation guarantees what ``registry.accounts.rules`` says (policy, placement, errors by field)
and runs in one transaction: the organization row is locked with ``select_for_update`` (so no
account joins it meanwhile), checked with ``full_clean()``, saved, and its audit event
(``registry.audit.record_event``) written inside the same transaction. Nothing changed,
nothing written.

A system administrator reads no victim data: nothing here touches a case.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from registry.accounts.activation import in_service
from registry.accounts.rules import full_clean, merge_errors, placement_errors, require_manager
from registry.audit import AuditAction, record_event
from registry.choices import RESIDENTIAL_KINDS, Department, OrganizationKind
from registry.models import Jurisdiction, Organization, User

__all__ = [
    "organization_activate",
    "organization_create",
    "organization_deactivate",
    "organization_update",
]


def _audit_organization(organization: Organization) -> dict:
    return {
        "organization": str(organization.uuid),
        "department": organization.department,
        "kind": organization.kind,
        "jurisdiction": organization.jurisdiction.code,
        "is_active": organization.is_active,
    }


def _capacity_errors(kind: OrganizationKind | str, capacity: int | None) -> dict[str, list]:
    """Residential kinds need a bed capacity; other kinds have none (a number there is a mistake)."""
    if kind in RESIDENTIAL_KINDS and not capacity:
        # The model's own check constraint says the same, but on no particular field.
        return {"capacity": [_("A shelter or welfare home needs a bed capacity.")]}
    if kind not in RESIDENTIAL_KINDS and capacity is not None:
        return {"capacity": [_("Only a residential organization has a bed capacity; leave it empty.")]}
    return {}


def _staff_misfits(organization: Organization) -> list[str]:
    """Usernames of the organization's accounts in service (active, or being activated) that its
    current values no longer fit."""
    staff = organization.staff.filter(in_service()).select_related("jurisdiction").order_by("username")
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
    require_manager(actor)
    with transaction.atomic():
        organization = Organization(
            name=name.strip(),
            department=department,
            kind=kind,
            jurisdiction=jurisdiction,
            capacity=capacity,
            is_active=True,
        )
        full_clean(organization, _capacity_errors(kind, capacity))
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

    Guarantees: as :func:`organization_create`, and the change leaves every account in service
    (active, or being activated) of the organization within the account rules (a department,
    kind or jurisdiction its staff no longer fit is refused, naming them); one transaction with
    the organization locked (so no account joins it meanwhile); an ``organization_updated``
    event naming the fields changed. Nothing changed, nothing written.
    """
    require_manager(actor)
    with transaction.atomic():
        locked = Organization.objects.select_for_update().get(pk=organization.pk)
        before = {name_: getattr(locked, name_) for name_ in ORGANIZATION_EDITABLE_FIELDS}
        locked.name, locked.department, locked.kind = name.strip(), department, kind
        locked.jurisdiction, locked.capacity = jurisdiction, capacity
        changed = [name_ for name_ in ORGANIZATION_EDITABLE_FIELDS if getattr(locked, name_) != before[name_]]
        errors = _capacity_errors(kind, capacity)
        misfits = _staff_misfits(locked) if {"department", "kind", "jurisdiction"} & set(changed) else []
        if misfits:
            merge_errors(
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
        full_clean(locked, errors)
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

    Guarantees: the actor manages organizations; it is active now and no account in service
    belongs to it — active, or waiting for its activation (disable or move them first — an
    organization is never left with staff who can sign in, or will); one transaction with the
    organization locked, so no account joins it meanwhile; an ``organization_updated`` event
    with ``change: deactivated``.
    """
    require_manager(actor)
    with transaction.atomic():
        locked = Organization.objects.select_for_update().select_related("jurisdiction").get(pk=organization.pk)
        if not locked.is_active:
            raise ValidationError(_("This organization is already deactivated."))
        active_staff = locked.staff.filter(in_service()).count()
        if active_staff:
            raise ValidationError(
                _("%(count)s active accounts still belong to this organization; disable or move them first."),
                params={"count": active_staff},
            )
        locked.is_active = False
        full_clean(locked, {})
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
    require_manager(actor)
    with transaction.atomic():
        locked = Organization.objects.select_for_update().select_related("jurisdiction").get(pk=organization.pk)
        if locked.is_active:
            raise ValidationError(_("This organization is already active."))
        locked.is_active = True
        full_clean(locked, _capacity_errors(locked.kind, locked.capacity))
        locked.save(update_fields=["is_active"])
        record_event(
            action=AuditAction.ORGANIZATION_UPDATED,
            actor=actor,
            request=request,
            detail={**_audit_organization(locked), "change": "activated"},
        )
    return locked
