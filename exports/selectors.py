"""Reads of dossiers and batches — every one through the scope of the case or the jurisdiction.

Guarantees: an archive record is found only through ``ArchiveRecord.objects.visible_to(user)``
(the scope of its case), so a dossier of a case outside the user's reach is
:class:`~registry.errors.NotFound`, exactly like one that does not exist. These functions do
not check the ``export_dossier`` action: the operations and the interfaces do, after scope, so
that a user who sees the case but may not export gets 403 and one who does not see it 404.
Batches are seen by those who may export dossiers, for jurisdictions within their own.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from exports.models import ArchiveBatch, ArchiveRecord
from registry import policy
from registry.errors import NotFound
from registry.policy import Action


def case_dossiers(user, case) -> QuerySet[ArchiveRecord]:
    """The dossiers of ``case`` (a case from ``victims.selectors.case_for``), newest first."""
    return (
        ArchiveRecord.objects.visible_to(user)
        .filter(case=case)
        .select_related("generated_by", "case")
        .order_by("-sequence")
    )


def dossier_for(user, dossier_id) -> ArchiveRecord:
    """The archive record ``dossier_id`` if ``user`` sees its case; NotFound otherwise (also for a
    malformed id)."""
    try:
        record = (
            ArchiveRecord.objects.visible_to(user)
            .select_related("case", "generated_by")
            .filter(uuid=dossier_id)
            .first()
        )
    except ValidationError:  # not a UUID
        record = None
    if record is None:
        raise NotFound(_("No such dossier."))
    return record


def batches_for(user) -> QuerySet[ArchiveBatch]:
    """The batch runs over jurisdictions within ``user``'s, for users who may export dossiers."""
    if not policy.may(user, Action.EXPORT_DOSSIER):
        return ArchiveBatch.objects.none()
    return ArchiveBatch.objects.filter(jurisdiction_code__startswith=user.jurisdiction.code).select_related(
        "started_by"
    )


def case_uuid_of_dossier(dossier_id):
    """The UUID of the case a dossier is of, whoever may see it — for the audit log only, which
    records a refused request against the case it concerned. Never shown to the requester."""
    try:
        return ArchiveRecord._base_manager.filter(uuid=dossier_id).values_list("case__uuid", flat=True).first()
    except ValidationError:
        return None
