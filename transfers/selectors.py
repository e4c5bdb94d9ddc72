"""Reads of the transfers between organizations of the province — two audiences, each through
one path:

- **the sender side**: the transfers of the cases a user sees,
  ``CaseTransfer.objects.visible_to(user)`` (the case's scope, like every record of a case);
- **the receivers** of a transfer (:func:`incoming_for`): the caseworkers of the receiving
  organization and the civil affairs officers whose jurisdiction contains the receiving
  organization's — the roles that may ``transfer_case``. Until they accept, they do not see the
  case: they read a transfer only as its :func:`summary`, which carries no personal value.

Guarantees: a transfer that is neither of the user's side nor addressed to them is
:class:`registry.errors.NotFound`, exactly like an absent one (also for a malformed id); what a
user reads of a transfer is what they see of its case — the whole record (:func:`transfer_record`)
when they see the case, else the summary; nothing is decrypted for a summary (the comments are
left out of the query). Callers log what they show (``registry.audit.log_read``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.utils.translation import gettext as _

from registry import policy
from registry.choices import Role
from registry.policy import Action, Section
from registry.scope import code_within
from transfers.choices import TransferStatus
from transfers.models import CaseTransfer
from victims.models import Case, Victim

# The fields of the whole record (the section's, ``transfers.sections``); the summary is the
# plain part of it, and the case's number, age band and the person's sex.
RECORD_FIELDS = (
    "from_organization", "to_organization", "reason", "comment", "sections_first", "status",
    "requested_by", "created_at", "decided_by", "decided_at", "decision_comment",
)  # fmt: skip
SUMMARY_FIELDS = (
    "from_organization",
    "to_organization",
    "reason",
    "sections_first",
    "status",
    "created_at",
    "decided_at",
)
# Encrypted columns a summary never loads (so never decrypts).
_SECRET = ("comment", "decision_comment")
INCOMING, OUTGOING = "incoming", "outgoing"


def _receiver_condition(user) -> Q | None:
    """Which transfers ``user`` receives: addressed to their organization (a caseworker), or to
    an organization within their jurisdiction (civil affairs); ``None`` for every other role."""
    if not policy.may(user, Action.TRANSFER_CASE):
        return None
    role = policy.role_of(user)
    if role is Role.CASEWORKER and user.organization_id:
        return Q(to_organization_id=user.organization_id)
    if role is Role.CIVIL_AFFAIRS:
        return code_within("to_organization__jurisdiction__code", user.jurisdiction.code)
    return None


def incoming_for(user) -> QuerySet:
    """Every transfer addressed to ``user`` as a receiver, pending or decided, whether or not
    they see its case (this audience is the transfer's, not the case's: the one read of a
    transfer that does not start from ``visible_to``)."""
    condition = _receiver_condition(user)
    return CaseTransfer.objects.none() if condition is None else CaseTransfer.objects.filter(condition)


def _plain(rows: QuerySet) -> QuerySet:
    """``rows`` with the case and organizations in the same query, the person's sex as
    ``victim_sex`` (a plain column: the person's encrypted ones are never loaded) and the
    comments left out (loaded, and decrypted, only if the whole record is read)."""
    return (
        rows.select_related("case", "from_organization", "to_organization")
        .annotate(victim_sex=F("case__victim__sex"))
        .defer(*_SECRET)
    )


def pending_incoming(user) -> QuerySet:
    """The transfers awaiting ``user``'s answer, oldest first (the dashboard and the list)."""
    return _plain(incoming_for(user).filter(status=TransferStatus.PENDING)).order_by("created_at", "id")


def transfer_for_receiver(user, transfer_id) -> CaseTransfer:
    """The transfer ``transfer_id`` if it is addressed to ``user``; NotFound otherwise (the
    inbox opens an item only while this finds it)."""
    return _plain(incoming_for(user)).one(transfer_id, missing=_("No such transfer."))


def transfers_for(user) -> QuerySet:
    """The transfers ``user`` reads at all: those of the cases they see, and those addressed to
    them; each annotated with ``case_seen`` and ``addressed`` (which of the two it is)."""
    if not policy.may_read(user, Section.TRANSFERS):  # the section is absent for the role
        return CaseTransfer.objects.none()
    condition = _receiver_condition(user)
    seen = Exists(Case.objects.visible_to(user).filter(pk=OuterRef("case_id")))
    addressed = Value(False) if condition is None else Exists(incoming_for(user).filter(pk=OuterRef("pk")))
    rows = _plain(CaseTransfer.objects.all()).annotate(case_seen=seen, addressed=addressed)
    return rows.filter(Q(case_seen=True) | Q(addressed=True))


def transfer_for(user, transfer_id) -> CaseTransfer:
    """The transfer ``transfer_id`` if ``user`` reads it (:func:`transfers_for`); NotFound otherwise."""
    return transfers_for(user).one(transfer_id, missing=_("No such transfer."))


def summary(transfer: CaseTransfer) -> dict[str, Any]:
    """What a receiver reads before accepting: the case's number and age band, the person's sex,
    the reason, the sections needed first, who sends it to whom and when — no name, no identity,
    no comment (free text may name people), nothing decrypted."""
    case = transfer.case
    data = {
        "id": str(transfer.uuid),
        "version": transfer.version,
        "case_number": case.number,
        "age_band": case.age_band,
        "sex": getattr(transfer, "victim_sex", None)
        or Victim._base_manager.filter(pk=case.victim_id).values_list("sex", flat=True).first(),
    }
    for name in SUMMARY_FIELDS:
        value = getattr(transfer, name)
        data[name] = str(value.uuid) if hasattr(value, "uuid") else value
    return data


def transfer_record(transfer: CaseTransfer) -> dict[str, Any]:
    """The whole record, for who sees the case: the summary with the case's id, who requested
    and decided, and the comments."""
    data = summary(transfer)
    data["case_id"] = str(transfer.case.uuid)
    for name in ("comment", "requested_by", "decided_by", "decision_comment"):
        value = getattr(transfer, name)
        data[name] = str(value.uuid) if hasattr(value, "uuid") else value
    return data


def shown(transfer: CaseTransfer) -> dict[str, Any]:
    """A transfer of :func:`transfers_for` as its reader reads it, with its ``direction``
    (``incoming`` when addressed to them): the whole record when they see the case, else the
    summary (a receiver's)."""
    data = transfer_record(transfer) if transfer.case_seen else summary(transfer)
    return {**data, "direction": INCOMING if transfer.addressed else OUTGOING}
