"""The rules every operation of the system administrator obeys (``registry.accounts.users`` and
``registry.accounts.organizations``; issue 3, item 6).

- **Policy**: the actor must hold ``Action.MANAGE_USERS`` (the ``sysadmin`` role); anyone else
  gets ``PermissionDenied`` before anything is read or written (:func:`require_manager`).
- **Placement** (:func:`placement_errors`): a role that works on cases (caseworker, civil
  affairs, education, legal aid, labour) belongs to an active organization whose department fits
  the role (:data:`ROLE_PLACEMENT`); an auditor or a system administrator may have one or none.
  An account with an organization works within that organization's jurisdiction: its
  jurisdiction code starts with the organization's (equal or a division of it).
- **Reporting**: a broken rule raises ``ValidationError`` keyed by the field to blame
  (``NON_FIELD_ERRORS`` when no single field is), which a form shows next to what was typed;
  :func:`full_clean` adds the model's own checks and says each message once. Nothing is
  written then.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from registry import policy
from registry.choices import RESIDENTIAL_KINDS, Department, OrganizationKind, Role
from registry.models import Jurisdiction, Organization, User
from registry.policy import Action

__all__ = [
    "ROLE_PLACEMENT",
    "Placement",
    "account_identity",
    "full_clean",
    "merge_errors",
    "placement_errors",
    "require_manager",
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


def require_manager(actor: User) -> None:
    if not policy.may(actor, Action.MANAGE_USERS):
        raise PermissionDenied("only a system administrator manages users and organizations")


def account_identity(user: User) -> dict:
    """What the audit log says to name an account: its UUID and username, no personal name."""
    return {"user": str(user.uuid), "username": user.get_username()}


def merge_errors(errors: dict[str, list], more: Mapping[str, list]) -> dict[str, list]:
    for field, messages in more.items():
        errors.setdefault(field, []).extend(messages)
    return errors


def full_clean(instance, errors: dict[str, list], exclude: tuple[str, ...] = ()) -> None:
    """``full_clean()`` the instance and raise every error found, the operation's own included.

    A message already shown on a field is not repeated among the general ones: a model's check
    constraint says on no field what the operation has already said on the right one.
    """
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        merge_errors(errors, error.error_dict)
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
