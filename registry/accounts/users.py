"""Operations on staff accounts, done by the system administrator (issue 3, item 6).

One function per business action, keyword-only, each taking the acting ``actor``. Every
operation guarantees what ``registry.accounts.rules`` says (policy, placement, errors by field)
and:

- **One transaction**: the account row is locked with ``select_for_update`` (and so is the
  organization it is placed in, so a concurrent change of that organization cannot slip
  between the check and the write); the row is checked with ``full_clean()``, saved, and its
  audit event (``registry.audit.record_event``) is written inside the same transaction. Either
  the change and its event both commit, or neither does.
- A system administrator cannot disable their own account nor change their own role, so the
  registry never loses its last administrator by their own hand.
- Disabling an account and resetting its second factor also end every session and API token
  it holds (``registry.accounts.credentials.revoke_credentials``), in the same transaction.

A system administrator reads no victim data: nothing here touches a case.
"""

from __future__ import annotations

import secrets

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user

from registry.accounts.credentials import revoke_credentials
from registry.accounts.rules import account_identity, full_clean, merge_errors, placement_errors, require_manager
from registry.audit import AuditAction, record_event
from registry.choices import Role
from registry.models import Jurisdiction, Organization, User

__all__ = [
    "generate_password",
    "user_create",
    "user_disable",
    "user_enable",
    "user_reset_second_factor",
    "user_update",
]

# Characters of generated passwords: no 0/O, 1/l/I, so they can be read out and typed.
_READABLE_CHARACTERS = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

USER_EDITABLE_FIELDS = ("first_name", "last_name", "role", "organization", "jurisdiction")


def generate_password() -> str:
    """A random password of 20 characters in groups of five (about 114 bits), easy to read out."""
    chars = [secrets.choice(_READABLE_CHARACTERS) for _ in range(20)]
    return "-".join("".join(chars[i : i + 5]) for i in range(0, 20, 5))


def _locked_organization(organization: Organization | None) -> Organization | None:
    """The organization an account is placed in, re-read under a row lock (or None)."""
    if organization is None:
        return None
    return Organization.objects.select_for_update().select_related("jurisdiction").get(pk=organization.pk)


def _audit_user(user: User) -> dict:
    """What the audit log says of a target account: identifiers and placement, no names."""
    return {
        **account_identity(user),
        "role": user.role,
        "organization": str(user.organization.uuid) if user.organization_id else None,
        "jurisdiction": user.jurisdiction.code,
    }


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
    password: str,
    request: HttpRequest | None = None,
) -> User:
    """Create an active staff account and return it.

    Guarantees: the actor manages users; the placement rules hold (``placement_errors``) and
    the organization is active; the username is free, compared without regard to case; the
    password passes every ``AUTH_PASSWORD_VALIDATORS`` check (it is stored only as a hash);
    one transaction with the organization row locked; a ``user_created`` audit event in it.
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
            is_active=True,
        )
        errors = placement_errors(role=role, organization=organization, jurisdiction=jurisdiction)
        if organization is not None and not organization.is_active:
            merge_errors(errors, _inactive_organization_error())
        if User.objects.filter(username__iexact=user.username).exists():
            merge_errors(errors, {"username": [_("An account with this username already exists.")]})
        try:
            password_validation.validate_password(password, user=user)
        except ValidationError as error:
            merge_errors(errors, {"password": [_password_error(item) for item in error.error_list]})
        user.set_password(password)
        full_clean(user, errors)
        try:
            user.save(force_insert=True)
        except IntegrityError:
            # Another administrator took the username between our check and the insert.
            raise ValidationError({"username": [_("An account with this username already exists.")]}) from None
        record_event(action=AuditAction.USER_CREATED, actor=actor, request=request, detail=_audit_user(user))
    return user


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
    require_manager(actor)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        organization = _locked_organization(organization)
        errors = placement_errors(role=role, organization=organization, jurisdiction=jurisdiction)
        if locked.pk == actor.pk and role != locked.role:
            merge_errors(errors, {"role": [_("You cannot change your own role.")]})
        if organization is not None and organization.pk != locked.organization_id and not organization.is_active:
            merge_errors(errors, _inactive_organization_error())
        before = _editable_values(locked)
        locked.first_name, locked.last_name, locked.role = first_name, last_name, role
        locked.organization, locked.jurisdiction = organization, jurisdiction
        after = _editable_values(locked)
        full_clean(locked, errors, exclude=("password",))
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
    require_manager(actor)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_active:
            raise ValidationError(_("This account is already active."))
        organization = _locked_organization(locked.organization)
        errors = placement_errors(role=locked.role, organization=organization, jurisdiction=locked.jurisdiction)
        if organization is not None and not organization.is_active:
            merge_errors(errors, _inactive_organization_error())
        if errors:
            # This page cannot change the account: say what to fix on its form.
            problems = [text for texts in ValidationError(errors).message_dict.values() for text in texts]
            raise ValidationError([_("Change the account first; it breaks a rule."), *problems])
        locked.is_active = True
        full_clean(locked, {}, exclude=("password",))
        locked.save(update_fields=["is_active"])
        record_event(action=AuditAction.USER_ENABLED, actor=actor, request=request, detail=_audit_user(locked))
    return locked


def user_disable(*, actor: User, user: User, reason: str, request: HttpRequest | None = None) -> User:
    """Disable an account with a reason; return the fresh row. It can no longer sign in, and
    its live sessions and API tokens stop working at their next request.

    Guarantees: the actor manages users, is not disabling their own account, and gives a
    reason; the account is active now. In one transaction, holding the account's row lock
    throughout: ``is_active`` cleared, every session and API token ended
    (``revoke_credentials``) and the ``user_disabled`` event written with the reason and the
    number of sessions and tokens ended.
    """
    require_manager(actor)
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.pk == actor.pk:
            raise ValidationError(_("You cannot disable your own account."))
        if not locked.is_active:
            raise ValidationError(_("This account is already disabled."))
        if not reason:
            raise ValidationError({"reason": [_("Give the reason for disabling the account.")]})
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        revoked = revoke_credentials(locked)
        record_event(
            action=AuditAction.USER_DISABLED,
            actor=actor,
            request=request,
            detail={
                **account_identity(locked),
                "reason": reason[:200],
                "sessions_ended": revoked.sessions,
                "tokens_revoked": revoked.tokens,
            },
        )
    return locked


def user_reset_second_factor(*, actor: User, user: User, request: HttpRequest | None = None) -> User:
    """Remove an account's second-factor devices, so it enrols a new one at its next sign-in;
    return the fresh row.

    Guarantees: the actor manages users; in one transaction, holding the account's row lock
    throughout: every device deleted, the account's sessions and API tokens ended (a lost phone
    leaves no live session behind) and the ``second_factor_reset`` event written with the
    number of devices, sessions and tokens removed.
    """
    require_manager(actor)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        removed = 0
        for device in list(devices_for_user(locked, confirmed=None)):
            device.delete()
            removed += 1
        revoked = revoke_credentials(locked)
        record_event(
            action=AuditAction.SECOND_FACTOR_RESET,
            actor=actor,
            request=request,
            detail={
                **account_identity(locked),
                "devices_removed": removed,
                "sessions_ended": revoked.sessions,
                "tokens_revoked": revoked.tokens,
            },
        )
    return locked
