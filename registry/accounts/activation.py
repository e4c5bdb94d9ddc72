"""Activation of staff accounts: the holder enrols through a one-time link, and a second person
approves an account that reads cases (issue 13, item 1).

The system administrator manages accounts but must never hold a working credential of a role
that reads cases (DESIGN §3, separation of duties). So no operation takes a password from the
administrator, and whenever an account is created, enabled again, or given another role,
organization or jurisdiction, :func:`activation_open` — inside that operation's transaction —

- clears ``is_active`` and makes the password unusable. ``is_active`` is the one fact every way
  in checks: Django's ``ModelBackend`` when a password is checked (the sign-in page and the token
  endpoint) and each time a session's user is loaded, the API token look-up
  (``registry.accounts.credentials.api_token_lookup``), the pending second-factor sign-in, and the
  policy itself (``registry.policy.role_of``). An account being activated therefore cannot sign
  in, keep a session, nor get or use a token, by any path;
- opens an :class:`~registry.models.AccountActivation` with an enrolment link: a random token
  (``secrets.token_urlsafe``, 256 bits) of which only the SHA-256 digest is stored, valid
  ``REGISTRY_ENROLMENT_HOURS``, handed back once as an :class:`EnrolmentLink` for the
  operation's page to show once.

The holder follows the link without signing in, chooses a password (Django's validators) and,
when a second factor is required (``second_factor_required``), proves one — the account's own
authenticator if it has one, else a new one enrolled on that page (:func:`user_enrol`). The link
dies then (its digest is cleared), as it does when it expires, when a new one is issued, or when
the activation is withdrawn.

An account whose role reads cases (``ROLE_SCOPE`` other than ``Scope.NONE``, :func:`reads_cases`)
becomes active only when, after its holder enrolled, a second person approves it
(:func:`user_approve`): a member of a role of ``REGISTRY_ACCOUNT_APPROVERS`` (civil affairs,
auditor) whose jurisdiction contains the account's, who is neither the account nor whoever asked
for the activation. Approval comes after enrolment so that the approver can check with the
person that they enrolled themselves (the page shows when); the administrator who saw the link
could otherwise use it after the approval. Auditors' and administrators' accounts become active
at enrolment.

Every step writes its audit event in its own transaction; the auditors' dashboard lists the
events of :data:`ACCOUNT_EVENTS` — that is how the auditors are told of every change.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user

from registry import policy, two_factor
from registry.accounts.credentials import second_factor_required, token_digest
from registry.accounts.rules import account_identity
from registry.audit import AuditAction, record_event
from registry.choices import Role
from registry.errors import PermissionDenied
from registry.models import AccountActivation, ActivationOutcome, ActivationReason, AuditEvent, User
from registry.policy import Scope
from registry.scope import code_within

__all__ = [
    "ACCOUNT_EVENTS",
    "EnrolmentLink",
    "activation_open",
    "activation_withdraw",
    "approvable_by",
    "audit_account",
    "enrolment_begin",
    "in_service",
    "is_approver",
    "live_activation",
    "open_activation",
    "password_error",
    "reads_cases",
    "recent_account_events",
    "renew_link",
    "user_approve",
    "user_enrol",
    "with_activation_pending",
]

# The events the auditors' dashboard lists: every change of who may sign in, and as what.
ACCOUNT_EVENTS = (
    AuditAction.USER_CREATED,
    AuditAction.USER_UPDATED,
    AuditAction.USER_ENABLED,
    AuditAction.USER_DISABLED,
    AuditAction.ENROLMENT_LINK_ISSUED,
    AuditAction.ACCOUNT_ENROLLED,
    AuditAction.ACCOUNT_APPROVED,
    AuditAction.ACCOUNT_ACTIVATED,
    AuditAction.SECOND_FACTOR_RESET,
    AuditAction.PASSWORD_RESET,
)


def recent_account_events(*, days: int = 30, limit: int = 20) -> list[AuditEvent]:
    """The latest events of :data:`ACCOUNT_EVENTS` of the last ``days`` days, newest first:
    what the auditors' dashboard shows them (they hold no personal value)."""
    since = timezone.now() - timedelta(days=days)
    return list(AuditEvent.objects.filter(action__in=ACCOUNT_EVENTS, occurred_at__gte=since).order_by("-id")[:limit])


@dataclass(frozen=True)
class EnrolmentLink:
    """An enrolment link as issued: the token exists only here, never in the database."""

    user: User
    token: str
    expires_at: datetime

    @property
    def path(self) -> str:
        return reverse("account-enrol", args=[self.token])


def reads_cases(role: Role | str) -> bool:
    """Whether accounts of ``role`` see any case (``registry.policy.ROLE_SCOPE``)."""
    try:
        return policy.ROLE_SCOPE[Role(role)] is not Scope.NONE
    except (ValueError, KeyError):
        return False


def audit_account(user: User) -> dict:
    """What the audit log says of a target account: identifiers and placement, no names."""
    return {
        **account_identity(user),
        "role": user.role,
        "organization": str(user.organization.uuid) if user.organization_id else None,
        "jurisdiction": user.jurisdiction.code,
    }


def password_error(error: ValidationError) -> ValidationError:
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


def _waiting() -> Exists:
    return Exists(AccountActivation.objects.filter(user=OuterRef("pk"), closed_at__isnull=True))


def in_service() -> Q:
    """Accounts that can sign in, or will once their open activation completes: an
    organization with such staff is still staffed."""
    return Q(is_active=True) | Q(_waiting())


def with_activation_pending(accounts: QuerySet[User]) -> QuerySet[User]:
    """``accounts``, each annotated with ``activation_pending``: whether it waits for its
    holder's enrolment or an approval (an inactive account that does not is disabled)."""
    return accounts.annotate(activation_pending=_waiting())


def open_activation(user: User, *, lock: bool = False) -> AccountActivation | None:
    """The account's open activation, if any (locked when ``lock``; take the account's lock first)."""
    rows = AccountActivation.objects.filter(user=user, closed_at__isnull=True)
    if lock:
        rows = rows.select_for_update()
    return rows.first()


def _close(activation: AccountActivation, outcome: ActivationOutcome, now: datetime) -> None:
    activation.closed_at, activation.outcome, activation.link_digest = now, outcome, None
    activation.save(update_fields=["closed_at", "outcome", "link_digest"])


def renew_link(activation: AccountActivation) -> EnrolmentLink:
    """Give the (unsaved or locked) activation a new link; the previous one, if any, dies."""
    token = secrets.token_urlsafe(32)
    activation.link_digest = token_digest(token)
    activation.link_expires_at = timezone.now() + timedelta(hours=settings.REGISTRY_ENROLMENT_HOURS)
    return EnrolmentLink(user=activation.user, token=token, expires_at=activation.link_expires_at)


def activation_withdraw(user: User) -> AccountActivation | None:
    """Withdraw the account's open activation, if any, and kill its link. Inside the caller's
    transaction, with the account's row locked."""
    activation = open_activation(user, lock=True)
    if activation is not None:
        _close(activation, ActivationOutcome.WITHDRAWN, timezone.now())
    return activation


def activation_open(*, user: User, requested_by: User, reason: ActivationReason) -> EnrolmentLink:
    """Make the account wait for its holder's enrolment (and, for a role that reads cases, a
    second person's approval); return the new enrolment link.

    Inside the caller's transaction, with the account's row locked and its new role, organization
    and jurisdiction saved: any open activation is withdrawn (its link dies, and an approval it
    held does not carry over), ``is_active`` is cleared, the password made unusable, and a new
    activation opened. The caller audits it.
    """
    activation_withdraw(user)
    user.is_active = False
    user.set_unusable_password()
    user.save(update_fields=["is_active", "password"])
    activation = AccountActivation(
        user=user, reason=reason, requested_by=requested_by, approval_required=reads_cases(user.role)
    )
    link = renew_link(activation)
    activation.save(force_insert=True)
    return link


def _complete_if_ready(activation: AccountActivation, user: User, *, actor: User, request) -> bool:
    """Activate the account if it is enrolled and, where required, approved; ``account_activated``."""
    if activation.enrolled_at is None or (activation.approval_required and activation.approved_at is None):
        return False
    user.is_active = True
    user.save(update_fields=["is_active"])
    _close(activation, ActivationOutcome.ACTIVATED, timezone.now())
    record_event(
        action=AuditAction.ACCOUNT_ACTIVATED,
        actor=actor,
        request=request,
        detail={**audit_account(user), "activation": str(activation.uuid)},
    )
    return True


# --- Enrolment: the holder, through the link ---------------------------------------------------


def live_activation(digest: str) -> AccountActivation | None:
    """The open, not yet enrolled activation whose unexpired link has ``digest``, or ``None``."""
    if not digest:
        return None
    return (
        AccountActivation.objects.select_related("user__jurisdiction", "user__organization")
        .filter(
            link_digest=digest, closed_at__isnull=True, enrolled_at__isnull=True, link_expires_at__gt=timezone.now()
        )
        .first()
    )


def enrolment_begin(digest: str) -> AccountActivation | None:
    """The live activation whose link has ``digest``, as that link is opened — with the
    account's unconfirmed authenticators dropped, so the enrolment form shows a secret that no
    earlier visitor of the link saw — or ``None`` for a dead link."""
    activation = live_activation(digest)
    if activation is not None:
        for device in devices_for_user(activation.user, confirmed=False):
            device.delete()
    return activation


def _dead_link() -> ValidationError:
    return ValidationError(
        _("This enrolment link is no longer valid: it was used, it expired, or a newer one replaced it."),
        code="link_dead",
    )


def user_enrol(*, digest: str, password: str, code: str = "", request: HttpRequest | None = None) -> AccountActivation:
    """The holder of a live enrolment link sets the account's password and second factor.

    Guarantees: one transaction, with the account's row and then its activation locked (the
    order every account operation takes), in which the link is checked live again (a dead link
    is a ``ValidationError`` of code ``link_dead``); the password passes every
    ``AUTH_PASSWORD_VALIDATORS`` check (errors on ``password``); when a second factor is required
    the code is that of the account's confirmed authenticator, or confirms the device being
    enrolled (``registry.two_factor.confirm_enrolment``; errors on ``otp_token``). Only then is
    the password stored (as a hash), the link's digest cleared — so it cannot be used twice —
    and ``account_enrolled`` written, followed by ``account_activated`` when no approval is
    required. A wrong code changes nothing but django-otp's failure counter, which is kept.
    """
    activation = live_activation(digest)
    if activation is None:
        raise _dead_link()
    wrong_code = False
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=activation.user_id)
        activation = AccountActivation.objects.select_for_update().get(pk=activation.pk)
        if activation.link_digest != digest or activation.link_expires_at <= timezone.now() or not activation.is_open:
            raise _dead_link()  # used, replaced, withdrawn or expired since the look-up
        try:
            password_validation.validate_password(password, user=user)
        except ValidationError as error:
            raise ValidationError({"password": [password_error(item) for item in error.error_list]}) from None
        if second_factor_required(user):
            if two_factor.confirmed_device(user) is not None:
                wrong_code = two_factor.verify_code(user, code) is None
            else:
                wrong_code = two_factor.confirm_enrolment(user, code, request=request) is None
        if not wrong_code:
            user.set_password(password)
            user.save(update_fields=["password"])
            activation.enrolled_at, activation.link_digest = timezone.now(), None
            activation.save(update_fields=["enrolled_at", "link_digest"])
            record_event(
                action=AuditAction.ACCOUNT_ENROLLED,
                actor=user,
                request=request,
                detail={**audit_account(user), "activation": str(activation.uuid)},
            )
            _complete_if_ready(activation, user, actor=user, request=request)
    # Raised after the block, so the transaction keeps django-otp's count of the failure.
    if wrong_code:
        raise ValidationError({"otp_token": [_("The code is not correct. Enter the code your app shows now.")]})
    return activation


# --- Approval: a second person ------------------------------------------------------------------


def is_approver(user) -> bool:
    """Whether ``user``'s role approves accounts (``REGISTRY_ACCOUNT_APPROVERS``)."""
    role = policy.role_of(user)
    return role is not None and role.value in settings.REGISTRY_ACCOUNT_APPROVERS


def approvable_by(actor) -> QuerySet[AccountActivation]:
    """The open activations waiting for an approval that ``actor`` may give: of an account whose
    jurisdiction lies within the actor's, neither the actor's own nor asked for by the actor.
    Those whose holder has not enrolled yet are included (the page says they wait); none for a
    role that does not approve."""
    if not is_approver(actor):
        return AccountActivation.objects.none()
    return (
        AccountActivation.objects.filter(closed_at__isnull=True, approval_required=True, approved_at__isnull=True)
        .filter(code_within("user__jurisdiction__code", actor.jurisdiction.code))
        .exclude(user=actor)
        .exclude(requested_by=actor)
        .select_related("user__jurisdiction", "user__organization", "requested_by")
        .order_by("requested_at", "pk")
    )


def user_approve(
    *,
    actor: User,
    user: User,
    activation: AccountActivation | None = None,
    request: HttpRequest | None = None,
) -> User:
    """A second person approves the account's open activation; return the fresh account row.

    Guarantees: the actor's role approves accounts and the account is one of
    :func:`approvable_by` — its jurisdiction within the actor's, not the actor's own account, not
    an activation the actor asked for — else ``registry.errors.PermissionDenied`` (403), before
    anything is written; ``activation``, when given (the one the approver was shown), is still
    the open one (a move since opens a new one, which needs its own approval). The account
    waits for an activation, its holder has enrolled, and the activation needs an approval it
    has not had (else ``ValidationError``: of two approvers at once, one wins and the other is
    told). One transaction, the account's row then its activation locked: ``account_approved``,
    then the account activated (``account_activated``).
    """
    if not is_approver(actor):
        raise PermissionDenied(gettext("Your role does not approve accounts."), code="not_an_approver")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        current = open_activation(locked, lock=True)
        if current is None:  # activated by another approver meanwhile, or withdrawn
            raise ValidationError(_("This account is not waiting for an approval any more."))
        if not approvable_by(actor).filter(pk=current.pk).exists():
            raise PermissionDenied(gettext("You may not approve this account."), code="not_your_approval")
        if activation is not None and activation.pk != current.pk:
            raise ValidationError(_("This account was changed since you opened this page; check it again."))
        if current.enrolled_at is None:
            raise ValidationError(_("Its holder has not enrolled yet: approve the account once they have."))
        current.approved_by, current.approved_at = actor, timezone.now()
        current.save(update_fields=["approved_by", "approved_at"])
        record_event(
            action=AuditAction.ACCOUNT_APPROVED,
            actor=actor,
            request=request,
            detail={**audit_account(locked), "activation": str(current.uuid)},
        )
        _complete_if_ready(current, locked, actor=actor, request=request)
    return locked
