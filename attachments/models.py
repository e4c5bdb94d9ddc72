"""The attachment (DESIGN §2, issue 15): a document of the case file — a signed consent form, a
copy of an identity document, a DNA match letter, a court judgment, a handover receipt, a photo
of the person — filed under one section of the case.

The row holds metadata only; the content is a sealed file in ``STORAGES["attachments"]``
(``attachments.content``) under a random name. Title and original file name are encrypted;
section, kind, media type, size, page count, digests and key id stay plain (they name no
person: what statistics, fixity checks and key rotation need). History tracks the row, so it
never holds content. An attachment is never deleted: it is withdrawn, with a reason, and its
file stays for the archive. Writes go through ``attachments.operations`` only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from attachments.choices import Kind, MediaType
from registry import policy
from registry.fields import EncryptedTextField
from registry.policy import Action, Scope, Section
from victims.models import CaseRecord, CaseRecordQuerySet

DIGEST_LENGTH = 64  # hex SHA-256 and SM3


class AttachmentQuerySet(CaseRecordQuerySet):
    """The case scope, narrowed to the sections the user's role reads (``registry.policy``),
    and photos of the person only for the roles with ``view_person_photo``: exactly the
    readers of an attachment's section see it; anyone else finds it absent (404).

    Legal aid documents follow the legal aid matters (``legal_aid.models``): a role that sees
    cases through referrals sees the ``legal_aid`` documents filed by users of its own
    organization only, so two centres referred the same case never see each other's."""

    def visible_to(self, user):
        rows = super().visible_to(user)
        readable = [section.value for section in policy.readable_sections(user)]
        if not policy.may(user, Action.VIEW_PERSON_PHOTO):
            readable = [key for key in readable if key != Section.PERSON.value]
        rows = rows.filter(section__in=readable)
        if policy.scope_of(user) is Scope.REFERRAL:
            rows = rows.exclude(
                Q(section=Section.LEGAL_AID.value) & ~Q(uploaded_by__organization_id=user.organization_id)
            )
        return rows


class Attachment(CaseRecord):
    """A document of the case file, filed under one section."""

    # Plain: a key of registry.policy (validated by the operations: an app may add sections,
    # so the model lists no choices), read by the scoped path.
    section = models.CharField(_("section"), max_length=32)
    kind = models.CharField(_("kind of document"), max_length=24, choices=Kind.choices)
    title = EncryptedTextField(_("title"), max_length=200)
    file_name = EncryptedTextField(_("original file name"), max_length=255)
    media_type = models.CharField(_("media type"), max_length=32, choices=MediaType.choices)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    # Plain: digests of the content kept (after metadata removal), for fixity checks.
    sha256 = models.CharField(_("SHA-256"), max_length=DIGEST_LENGTH)
    sm3 = models.CharField(_("SM3"), max_length=DIGEST_LENGTH)
    # Plain: the keyring key the content is sealed with (rotation reads it) and the random name
    # of the sealed file in the storage (no personal value is ever part of it).
    key_id = models.CharField(_("key id"), max_length=64)
    storage_name = models.CharField(_("stored file"), max_length=128, unique=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("withdrawn by"),
    )
    withdrawal_reason = EncryptedTextField(_("reason for the withdrawal"), max_length=500, null=True, blank=True)

    objects = AttachmentQuerySet.as_manager()

    class Meta(CaseRecord.Meta):
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        indexes = [models.Index(fields=["case", "section"], name="attachment_case_section")]
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True, withdrawn_by__isnull=True, withdrawal_reason__isnull=True)
                | Q(withdrawn_at__isnull=False, withdrawn_by__isnull=False, withdrawal_reason__isnull=False),
                name="attachment_withdrawal_complete",
                violation_error_message=_("A withdrawal records who, when and why."),
            ),
            models.CheckConstraint(
                condition=Q(kind=Kind.PHOTO, section=Section.PERSON.value)
                | (~Q(kind=Kind.PHOTO) & ~Q(section=Section.PERSON.value)),
                name="attachment_photo_under_person",
                violation_error_message=_("A photo of the person is filed under the person, and only there."),
            ),
            models.CheckConstraint(
                condition=Q(page_count__isnull=True) | Q(media_type=MediaType.PDF),
                name="attachment_pages_of_pdf_only",
            ),
        ]

    def __str__(self) -> str:
        return f"attachment {self.uuid}"

    @property
    def uploaded_at(self):
        return self.created_at

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None
