"""Operations on staff accounts, done by the system administrator (issue 3, item 6; issue 13,
items 1 and 6).

One function per business action, keyword-only, each taking the acting ``actor``. Every
operation guarantees what ``registry.accounts.rules`` says (policy, placement, errors by field)
and:

- **One transaction**: the account row is locked with ``select_for_update`` (and so is the
  organization it is placed in, so a concurrent change of that organization cannot slip
  between the check and the write); the row is checked with ``full_clean()``, saved, and its
  audit event (``registry.audit.record_event``) is written inside the same transaction. Either
  the change and its event both commit, or neither does.
- **No password from the administrator**: creating an account, enabling it again, changing
  its role, organization or jurisdiction, or resetting its credentials (a forgotten password,
  a lost authenticator: :func:`user_credentials_reset`) leaves it inactive with an unusable password and
  returns a one-time enrolment link (``registry.accounts.activation``), through which its holder
  sets their own password and second factor; an account whose role reads cases is then
  approved by a second person before it can sign in. The administrator never holds a working
  credential of it.
- **A move ends what the old placement held**: a change of role, organization or jurisdiction,
  and disabling, end every session and API token of the account and drop every grant (case
  assignments) its new placement does not reach (``registry.accounts.access.revoke_access``),
  in the same transaction.
- A system administrator cannot disable their own account nor change their own role,
  organization or jurisdiction, so the registry never loses its last administrator by their
  own hand.

A system administrator reads no victim data: nothing here reads a case.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user

from registry.accounts.access import revoke_access
from registry.accounts.activation import (
    EnrolmentLink,
    activation_open,
    activation_withdraw,
    audit_account,
    open_activation,
    reads_cases,
    renew_link,
)
from registry.accounts.credentials import revoke_credentials
from registry.accounts.rules import account_identity, full_clean, merge_errors, placement_errors, require_manager
from registry.audit import AuditAction, record_event
from registry.choices import Role
from registry.models import ActivationReason, Jurisdiction, Organization, User

__all__ = [
    "user_create",
    "user_credentials_reset",
    "user_disable",
    "user_enable",
    "user_enrolment_link_renew",
    "user_update",
]

USER_EDITABLE_FIELDS = ("first_name", "last_name", "role", "organization", "jurisdiction")
# What an account is: changing any of these is a move, which needs a new activation.
PLACEMENT_FIELDS = ("role", "organization", "jurisdiction")


def _locked_organization(organization: Organization | None) -> Organization | None:
    """The organization an account is placed in, re-read under a row lock (or None)."""
    if organization is None:
        return None
    return Organization.objects.select_for_update().select_related("jurisdiction").get(pk=organization.pk)


def _inactive_organization_error() -> dict[str, list]:
    return {"organization": [_("This organization is deactivated; choose an active one.")]}


def _activation_detail(link: EnrolmentLink) -> dict:
    """What the audit event of an operation that opens an activation says of it."""
    return {"approval_required": reads_cases(link.user.role), "link_expires_at": link.expires_at.isoformat()}


def _editable_values(user: User) -> dict:
    return {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role": user.role,
        "organization": user.organization_id,
        "jurisdiction": user.jurisdiction_id,
    }


def user_create(
    *,
    actor: User,
    username: str,
    first_name: str,
    last_name: str,
    role: Role | str,
    organization: Organization | None,
    jurisdiction: Jurisdiction,
    request: HttpRequest | None = None,
) -> EnrolmentLink:
    """Create a staff account, inactive until its holder enrols (and, for a role that reads
    cases, a second person approves it); return its one-time enrolment link.

    Guarantees: the actor manages users; the placement rules hold (``placement_errors``) and
    the organization is active; the username is free, compared without regard to case; the
    account has no usable password; one transaction with the organization row locked, holding
    the account, its open activation (``activation_open``) and the ``user_created`` audit event.
    ``request`` only lends the audit event its IP address and request id.
    """
    require_manager(actor)
    with transaction.atomic():
        organization = _locked_organization(organization)
        user = User(
            username=User.normalize_username(username),
            first_name=first_name,
            last_name=last_name,
            role=role,
            organization=organization,
            jurisdiction=jurisdiction,
            is_active=False,
        )
        user.set_unusable_password()
        errors = placement_errors(role=role, organization=organization, jurisdiction=jurisdiction)
        if organization is not None and not organization.is_active:
            merge_errors(errors, _inactive_organization_error())
        if User.objects.filter(username__iexact=user.username).exists():
            merge_errors(errors, {"username": [_("An account with this username already exists.")]})
        full_clean(user, errors)
        try:
            with transaction.atomic():
                user.save(force_insert=True)
        except IntegrityError:
            # Another administrator took the username between our check and the insert.
            raise ValidationError({"username": [_("An account with this username already exists.")]}) from None
        link = activation_open(user=user, requested_by=actor, reason=ActivationReason.CREATED)
        record_event(
            action=AuditAction.USER_CREATED,
            actor=actor,
            request=request,
            detail={**audit_account(user), **_activation_detail(link)},
        )
    return link


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
) -> tuple[User, EnrolmentLink | None]:
    """Change an account's names, role, organization and jurisdiction; return the fresh row and,
    when the account was moved, its new enrolment link.

    Guarantees: the actor manages users and does not change their own role, organization or
    jurisdiction; the placement rules hold for the new values, and an account moved to another
    organization moves to an active one; one transaction with the account and its organization
    locked; a ``user_updated`` audit event naming the fields changed (never their values when
    they are names). Nothing changed, nothing written: no save, no event.

    A **move** — a change of role, organization or jurisdiction — also, in that transaction:
    ends every session and API token of the account and drops its grants outside the new
    placement (``revoke_access``: a caseworker's assignments to cases of another organization);
    and, unless the account is disabled, opens a new activation (``activation_open``): the
    account is inactive until its holder enrols again through the link returned and, for a role
    that reads cases, a second person approves it in its new place. The event records the counts
    and whether an activation is pending.
    """
    require_manager(actor)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        organization = _locked_organization(organization)
        errors = placement_errors(role=role, organization=organization, jurisdiction=jurisdiction)
        if locked.pk == actor.pk:
            if role != locked.role:
                merge_errors(errors, {"role": [_("You cannot change your own role.")]})
            if organization != locked.organization:
                merge_errors(errors, {"organization": [_("You cannot move your own account.")]})
            if jurisdiction != locked.jurisdiction:
                merge_errors(errors, {"jurisdiction": [_("You cannot move your own account.")]})
        if organization is not None and organization.pk != locked.organization_id and not organization.is_active:
            merge_errors(errors, _inactive_organization_error())
        before = _editable_values(locked)
        locked.first_name, locked.last_name, locked.role = first_name, last_name, role
        locked.organization, locked.jurisdiction = organization, jurisdiction
        after = _editable_values(locked)
        full_clean(locked, errors, exclude=("password",))
        changed = [name for name in USER_EDITABLE_FIELDS if before[name] != after[name]]
        if not changed:
            return locked, None
        in_service = locked.is_active or open_activation(locked) is not None
        locked.save(update_fields=changed)
        detail = {**audit_account(locked), "changed": changed}
        link = None
        if set(changed) & set(PLACEMENT_FIELDS):
            detail.update(revoke_access(actor=actor, user=locked).as_detail())
            if in_service:
                link = activation_open(user=locked, requested_by=actor, reason=ActivationReason.MOVED)
                detail.update(_activation_detail(link))
        record_event(action=AuditAction.USER_UPDATED, actor=actor, request=request, detail=detail)
    return locked, link


def user_enable(*, actor: User, user: User, request: HttpRequest | None = None) -> EnrolmentLink:
    """Start re-activating a disabled account; return its one-time enrolment link.

    Guarantees: the actor manages users; the account is disabled now (neither active nor
    waiting for an activation), and its placement still holds with an active organization (an
    organization may have been deactivated meanwhile); one transaction with the account and its
    organization locked, opening an activation (``activation_open``) and writing the
    ``user_enabled`` event. The account signs in only once its holder has enrolled again — a
    new password, and the second factor — and, for a role that reads cases, a second person
    has approved it.
    """
    require_manager(actor)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_active:
            raise ValidationError(_("This account is already active."))
        if open_activation(locked) is not None:
            raise ValidationError(_("This account is already waiting for its holder's enrolment or an approval."))
        organization = _locked_organization(locked.organization)
        errors = placement_errors(role=locked.role, organization=organization, jurisdiction=locked.jurisdiction)
        if organization is not None and not organization.is_active:
            merge_errors(errors, _inactive_organization_error())
        if errors:
            # This page cannot change the account: say what to fix on its form.
            problems = [text for texts in ValidationError(errors).message_dict.values() for text in texts]
            raise ValidationError([_("Change the account first; it breaks a rule."), *problems])
        full_clean(locked, {}, exclude=("password",))
        link = activation_open(user=locked, requested_by=actor, reason=ActivationReason.ENABLED)
        record_event(
            action=AuditAction.USER_ENABLED,
            actor=actor,
            request=request,
            detail={**audit_account(locked), **_activation_detail(link)},
        )
    return link


def user_enrolment_link_renew(*, actor: User, user: User, request: HttpRequest | None = None) -> EnrolmentLink:
    """Issue a new enrolment link for an account whose holder has not enrolled yet (the first
    was lost or expired); return it. The previous link dies.

    Guarantees: the actor manages users; the account has an open activation not yet enrolled
    (else ``ValidationError``); one transaction with the account and its activation locked;
    an ``enrolment_link_issued`` event. An approval is never carried by the link: it still
    follows the enrolment.
    """
    require_manager(actor)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        activation = open_activation(locked, lock=True)
        if activation is None or activation.enrolled_at is not None:
            raise ValidationError(_("This account is not waiting for its holder's enrolment."))
        link = renew_link(activation)
        activation.save(update_fields=["link_digest", "link_expires_at"])
        record_event(
            action=AuditAction.ENROLMENT_LINK_ISSUED,
            actor=actor,
            request=request,
            detail={**audit_account(locked), **_activation_detail(link), "activation": str(activation.uuid)},
        )
    return link


def user_disable(*, actor: User, user: User, reason: str, request: HttpRequest | None = None) -> User:
    """Disable an account with a reason; return the fresh row. It can no longer sign in, and
    its live sessions and API tokens stop working at their next request.

    Guarantees: the actor manages users, is not disabling their own account, and gives a
    reason; the account is active now, or waiting for an activation (which is withdrawn: its
    link dies). In one transaction, holding the account's row lock throughout: ``is_active``
    cleared, every session and API token ended and every grant outside the account's placement
    dropped (``revoke_access``), and the ``user_disabled`` event written with the reason and
    the counts.
    """
    require_manager(actor)
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.pk == actor.pk:
            raise ValidationError(_("You cannot disable your own account."))
        withdrawn = activation_withdraw(locked)
        if not locked.is_active and withdrawn is None:
            raise ValidationError(_("This account is already disabled."))
        if not reason:
            raise ValidationError({"reason": [_("Give the reason for disabling the account.")]})
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        revoked = revoke_access(actor=actor, user=locked)
        record_event(
            action=AuditAction.USER_DISABLED,
            actor=actor,
            request=request,
            detail={
                **account_identity(locked),
                "reason": reason[:200],
                "activation_withdrawn": withdrawn is not None,
                **revoked.as_detail(),
            },
        )
    return locked


def user_credentials_reset(*, actor: User, user: User, request: HttpRequest | None = None) -> EnrolmentLink:
    """A forgotten password or a lost authenticator: the account enrols again through a new
    one-time link, as a new account does; return the link.

    Guarantees: the actor manages users and is not resetting their own account (they change
    their own password on their account page); the account is active now (one waiting for its
    enrolment gets a new link instead, a disabled one is enabled again). One transaction,
    holding the account's row lock throughout: every second-factor device deleted, every
    session and API token ended, and an activation opened (``activation_open``: inactive,
    the password unusable; for a role that reads cases a second person approves it after the
    holder enrolled, so the administrator who saw the link cannot use it), with the
    ``password_reset`` event naming the account and the numbers removed. The administrator
    never chooses the password. The activation's reason is ``enabled``: the account is enabled
    again by its holder's new enrolment.
    """
    require_manager(actor)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.pk == actor.pk:
            raise ValidationError(_("Change your own password on your account page."))
        if not locked.is_active:
            raise ValidationError(_("This account is not active: issue it a new enrolment link or enable it again."))
        removed = 0
        for device in list(devices_for_user(locked, confirmed=None)):
            device.delete()
            removed += 1
        revoked = revoke_credentials(locked)
        link = activation_open(user=locked, requested_by=actor, reason=ActivationReason.ENABLED)
        record_event(
            action=AuditAction.PASSWORD_RESET,
            actor=actor,
            request=request,
            detail={
                **audit_account(locked),
                **_activation_detail(link),
                "devices_removed": removed,
                "sessions_ended": revoked.sessions,
                "tokens_revoked": revoked.tokens,
            },
        )
    return link
