"""People and places of the registry: jurisdictions, organizations and user accounts (with
their authenticators and sign-in delays).

None of these hold victim data; victim models live in the domain apps and use the scoped,
tracked managers of ``registry.scope`` and ``registry.history``.
"""

from __future__ import annotations

import json
import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.plugins.otp_totp import models as otp_totp

from registry.choices import RESIDENTIAL_KINDS, Department, EmailNotice, JurisdictionLevel, OrganizationKind, Role
from registry.fields import EncryptedJSONField, EncryptedTextField


class Jurisdiction(models.Model):
    """An administrative division by its GB/T 2260 code, shortened to its level.

    Province ``35``, city ``3501``, county ``350102``: a division contains every division whose
    code starts with its own, which is how jurisdiction scope is checked.
    """

    code = models.CharField(_("code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=16, choices=JurisdictionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    is_current = models.BooleanField(_("current division"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("jurisdiction")
        verbose_name_plural = _("jurisdictions")
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[0-9]{2}([0-9]{2}([0-9]{2})?)?$"), name="jurisdiction_code_shape"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def contains(self, other: Jurisdiction) -> bool:
        return other.code.startswith(self.code)


class Organization(models.Model):
    """A shelter, school, legal aid centre, bureau or other unit whose staff use the registry."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=128)
    department = models.CharField(_("department"), max_length=32, choices=Department.choices)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganizationKind.choices)
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT, related_name="organizations"
    )
    capacity = models.PositiveIntegerField(_("bed capacity"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["jurisdiction__code", "name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "name"], name="organization_unique_name"),
            models.CheckConstraint(
                condition=~Q(kind__in=RESIDENTIAL_KINDS) | Q(capacity__gt=0),
                name="organization_residential_has_capacity",
                violation_error_message=_("A shelter or welfare home needs a bed capacity."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A staff account: one role, one organization, the jurisdiction it works in.

    The role decides what the account may read and do (``registry.policy``); the organization
    and jurisdiction decide which cases (record scope).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("jurisdiction"), on_delete=models.PROTECT, related_name="staff"
    )
    # The holder's own choice (inbox): no e-mail, a daily digest, or a message at once.
    email_notice = models.CharField(
        _("e-mail about new items"), max_length=16, choices=EmailNotice.choices, default=EmailNotice.NONE
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="user_role_known"),
            models.CheckConstraint(
                condition=Q(role__in=[Role.AUDITOR, Role.SYSADMIN]) | Q(organization__isnull=False),
                name="user_case_roles_have_organization",
                violation_error_message=_("Every role that works on cases belongs to an organization."),
            ),
        ]

    def __str__(self) -> str:
        return self.username


class AuditAction(models.TextChoices):
    """What an audit event records. Stable values: filters, exports and reports use them."""

    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Failed sign-in")
    LOGOUT = "logout", _("Signed out")
    TOKEN_ISSUED = "token_issued", _("API token issued")
    CASE_VIEWED = "case_viewed", _("Case viewed")
    CASE_LISTED = "case_listed", _("Cases listed")
    CASE_SEARCHED = "case_searched", _("Cases searched")
    RECORD_CREATED = "record_created", _("Record created")
    RECORD_UPDATED = "record_updated", _("Record updated")
    RECORD_VOIDED = "record_voided", _("Record voided")
    REFERRAL_CREATED = "referral_created", _("Referral created")
    REFERRAL_ACCEPTED = "referral_accepted", _("Referral accepted")
    REFERRAL_DECLINED = "referral_declined", _("Referral declined")
    REFERRAL_COMPLETED = "referral_completed", _("Referral completed")
    REFERRAL_REVOKED = "referral_revoked", _("Referral revoked")
    APPROVAL_GRANTED = "approval_granted", _("Approval granted")
    APPROVAL_REFUSED = "approval_refused", _("Approval refused")
    CASE_STAGE_CHANGED = "case_stage_changed", _("Case stage changed")
    DUPLICATE_RESOLVED = "duplicate_resolved", _("Possible duplicate resolved")
    DOSSIER_REQUESTED = "dossier_requested", _("Dossier requested")
    DOSSIER_GENERATED = "dossier_generated", _("Dossier generated")
    DOSSIER_DOWNLOADED = "dossier_downloaded", _("Dossier downloaded")
    REPORT_VIEWED = "report_viewed", _("Report viewed")
    ACCESS_DENIED = "access_denied", _("Access denied")
    USER_CREATED = "user_created", _("User created")
    USER_UPDATED = "user_updated", _("User updated")
    USER_DISABLED = "user_disabled", _("User disabled")
    USER_ENABLED = "user_enabled", _("User enabled")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    PASSWORD_RESET = "password_reset", _("Password reset")
    SECOND_FACTOR_ENROLLED = "second_factor_enrolled", _("Second factor enrolled")
    SECOND_FACTOR_RESET = "second_factor_reset", _("Second factor reset")
    ACCOUNT_LOCKED = "account_locked", _("Account locked")
    ACCOUNT_UNLOCKED = "account_unlocked", _("Account unlocked")
    SESSIONS_ENDED = "sessions_ended", _("Sessions ended")
    ORGANIZATION_CREATED = "organization_created", _("Organization created")
    ORGANIZATION_UPDATED = "organization_updated", _("Organization updated")
    AUDIT_VIEWED = "audit_viewed", _("Audit log viewed")
    AUDIT_EXPORTED = "audit_exported", _("Audit log exported")
    KEY_ROTATED = "key_rotated", _("Encryption keys rotated")
    ENROLMENT_LINK_ISSUED = "enrolment_link_issued", _("Enrolment link issued")
    ACCOUNT_ENROLLED = "account_enrolled", _("Account enrolled by its holder")
    ACCOUNT_APPROVED = "account_approved", _("Account approved")
    ACCOUNT_ACTIVATED = "account_activated", _("Account activated")
    ATTACHMENT_UPLOADED = "attachment_uploaded", _("Attachment uploaded")
    ATTACHMENT_DOWNLOADED = "attachment_downloaded", _("Attachment downloaded")
    ATTACHMENT_WITHDRAWN = "attachment_withdrawn", _("Attachment withdrawn")
    CASEWORKER_ASSIGNED = "caseworker_assigned", _("Caseworker assigned")
    CASEWORKER_UNASSIGNED = "caseworker_unassigned", _("Caseworker unassigned")
    TRANSFER_REQUESTED = "transfer_requested", _("Transfer requested")
    TRANSFER_ACCEPTED = "transfer_accepted", _("Transfer accepted")
    TRANSFER_DECLINED = "transfer_declined", _("Transfer declined")
    TRANSFER_WITHDRAWN = "transfer_withdrawn", _("Transfer withdrawn")
    CASE_HANDED_OVER = "case_handed_over", _("Case handed over out of the province")


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", _("Success")
    DENIED = "denied", _("Denied")
    FAILURE = "failure", _("Failure")


class AuditEventQuerySet(models.QuerySet):
    """The audit log only grows: no queryset path changes or removes an event or a checkpoint.

    The database triggers of migrations ``0002_audit_event`` and ``0008_audit_partitions``
    refuse the same at the SQL level; this refusal only makes the mistake loud earlier, in
    Python. New events come only from ``registry.audit.record_event`` (which chains their
    hashes), new checkpoints only from ``registry.audit.checkpoint_record``.
    """

    def update(self, **kwargs):
        raise AuditLogImmutableError("the audit log is append-only; update() is refused")

    def delete(self):
        raise AuditLogImmutableError("the audit log is append-only; delete() is refused")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditLogImmutableError("the audit log is append-only; bulk_update() is refused")

    def bulk_create(self, objs, *args, **kwargs):
        raise AuditLogImmutableError("the audit log is written one row at a time by registry.audit")

    def update_or_create(self, *args, **kwargs):
        raise AuditLogImmutableError("the audit log is append-only; update_or_create() is refused")


class AuditLogImmutableError(RuntimeError):
    """Something tried to change or remove an audit event."""


def canonical_json(value) -> str:
    """Compact JSON with sorted keys and unescaped non-ASCII: one text for one value."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class CanonicalJSONField(models.TextField):
    """JSON kept as its canonical text (:func:`canonical_json`) in a plain text column.

    Unlike ``JSONField`` (``jsonb`` on PostgreSQL, which reorders keys and spaces), both
    databases hand back the very text that was written, so the audit chain can hash the stored
    column as it is, without parsing it: that keeps ``verify_audit`` fast.
    """

    def from_db_value(self, value, expression, connection):
        return None if value is None else json.loads(value)

    def to_python(self, value):
        return json.loads(value) if isinstance(value, str) else value

    def get_prep_value(self, value):
        return None if value is None else canonical_json(value)

    def value_to_string(self, obj):
        return canonical_json(self.value_from_object(obj))


class AuditEvent(models.Model):
    """One entry of the audit log: who did what to which case, when, from where, with what outcome.

    Append-only and hash-chained (``registry.audit``): ``hash`` is the digest of ``prev_hash``
    and the canonical form of the row's own fields, so a changed, removed or reordered row breaks
    the chain at that row (``manage.py verify_audit``). Who acted is copied (username, role,
    organization id and name) so the entry still reads the same after the account or the
    organization changes. ``detail`` never holds a personal value: search terms and attempted
    usernames are stored only as keyed HMACs. Kept at least 180 days; nothing deletes it.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    occurred_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        "registry.User",
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_uuid = models.UUIDField(_("user id"), null=True, blank=True)
    actor_username = models.CharField(_("username"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=32, blank=True)
    # The organization's primary key, kept as a plain number: the entry must outlive the row.
    organization_ref = models.BigIntegerField(_("organization id"), null=True, blank=True)
    organization_name = models.CharField(_("organization"), max_length=128, blank=True)
    # Validated against AuditAction by record_event; not declared as ``choices`` so that a new
    # kind of event needs no migration of this append-only table.
    action = models.CharField(_("action"), max_length=40)
    case_uuid = models.UUIDField(_("case UUID"), null=True, blank=True, db_index=True)
    sections = CanonicalJSONField(_("sections"), default=list, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    # Normalized by record_event and stored as text, so both databases return the exact bytes
    # that were hashed (PostgreSQL's inet type would print some addresses differently).
    ip_address = models.CharField(_("IP address"), max_length=45, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=AuditOutcome.choices)
    detail = CanonicalJSONField(_("detail"), default=dict, blank=True)
    # The chain the event belongs to (``registry.audit.chain.partition_of``: one per organization
    # of the actor), so writers of different offices never wait on one lock. Covered by the hash.
    # Empty for the events written before the chain was partitioned: one chain of their own.
    partition = models.CharField(_("chain"), max_length=32, default="", blank=True)
    # Unique: two writers that read the same last hash cannot both append (no fork of the chain).
    # Each partition starts from a genesis hash of its own name, so they never share a value.
    prev_hash = models.CharField(_("previous hash"), max_length=64, unique=True)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["actor_username", "id"], name="audit_username_idx"),
            models.Index(fields=["action", "id"], name="audit_action_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(outcome__in=AuditOutcome.values), name="audit_outcome_known"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.outcome}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditLogImmutableError("audit events are append-only; an existing event cannot be saved again")
        if not getattr(self, "_chained", False):
            raise AuditLogImmutableError("write audit events through registry.audit.record_event")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogImmutableError("audit events are append-only; delete() is refused")

    @property
    def action_label(self) -> str:
        try:
            return AuditAction(self.action).label
        except ValueError:
            return self.action

    @property
    def role_label(self) -> str:
        try:
            return Role(self.role).label
        except ValueError:
            return self.role

    @property
    def section_labels(self) -> list[str]:
        from registry.policy import Section

        return [Section(value).label if value in Section.values else value for value in self.sections]


class AuditChainHead(models.Model):
    """Where one partition of the audit chain ends: its last event and that event's hash.

    ``registry.audit.record_event`` locks this row (``SELECT … FOR UPDATE``), reads the hash it
    chains from and inserts the event, which advances the row in the same statement (a trigger,
    migration 0009), all in the event's transaction: the lock is per partition, so only writers
    of the same partition wait on each other. Not append-only (it moves with every event);
    ``verify_audit`` checks it against the events it walks, and the checkpoints
    (:class:`AuditCheckpoint`) pin where every head was.
    """

    partition = models.CharField(_("chain"), max_length=32, primary_key=True)
    last_event_id = models.BigIntegerField(_("last event id"), null=True, blank=True)
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain heads")

    def __str__(self) -> str:
        return f"{self.partition or '-'} @ {self.last_event_id}"


class AuditCheckpoint(models.Model):
    """Every partition's head at one moment, hashed into a chain of checkpoints of its own.

    ``hash`` = H(``prev_hash`` ‖ canonical JSON of ``{"at": …, "heads": …}``) with ``heads`` =
    ``{partition: [last event id, its hash]}``, so a checkpoint removed or changed breaks the
    checkpoint chain, and an event a checkpoint names that is later removed, changed or moved is
    caught by ``verify_audit`` however its own partition was rewritten. Recorded periodically
    (``manage.py audit_checkpoint``, Celery beat); append-only like the events (migration
    ``0008_audit_partitions``'s triggers).
    """

    created_at = models.DateTimeField(_("time"))
    heads = CanonicalJSONField(_("heads"), default=dict)
    prev_hash = models.CharField(_("previous hash"), max_length=64, unique=True)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")

    def __str__(self) -> str:
        return f"#{self.pk} {self.hash[:12]}"


class ApiToken(models.Model):
    """A credential for the REST API, issued by ``POST /api/v1/auth/token/``
    (``registry.accounts.credentials``).

    Only the SHA-256 digest of the token is stored: the token itself is shown once, in the answer
    that issues it, and a copy of the database cannot be used to call the API. ``prefix`` (its
    first characters) lets a person tell one token from another. A token stops working when it
    expires, when its account is disabled, or when the account's credentials are revoked.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(_("digest"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("prefix"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires"), db_index=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="api_token_expires_after_creation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}…"


class UserSession(models.Model):
    """The index of an account's open web sessions: one row per session key, written at sign-in.

    Ending every session of an account (``registry.accounts.credentials.revoke_credentials``) reads the keys
    here instead of decoding every session in the store. Rows of sessions that ended on their
    own are pruned at the account's next sign-in.
    """

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="session_index")
    session_key = models.CharField(_("session key"), max_length=40, unique=True)
    created_at = models.DateTimeField(_("signed in"), default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("user session")
        verbose_name_plural = _("user sessions")

    def __str__(self) -> str:
        return f"session of {self.user_id}"


class ActivationReason(models.TextChoices):
    """Why an account waits for its holder's enrolment (and a second person's approval)."""

    CREATED = "created", _("New account")
    ENABLED = "enabled", _("Enabled again")
    MOVED = "moved", _("Role, organization or jurisdiction changed")


class ActivationOutcome(models.TextChoices):
    ACTIVATED = "activated", _("Activated")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class AccountActivation(models.Model):
    """One activation of a staff account: the holder's enrolment through a one-time link, and,
    for a role that reads cases, a second person's approval (``registry.accounts.activation``).

    Opened when the system administrator creates an account, enables it again, or changes its
    role, organization or jurisdiction; the account stays inactive (``User.is_active`` false,
    which every way of signing in checks) until the activation is complete. At most one is
    open per account. Only the SHA-256 digest of the enrolment link's token is stored, and it
    is cleared when the link is used. Closed rows are kept: who asked, who enrolled when, who
    approved. The constraints hold the rules the database can: an approver is neither the
    account nor whoever asked for the activation, and an account is activated only once
    enrolled and, where required, approved.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, verbose_name=_("account"), on_delete=models.CASCADE, related_name="activations")
    reason = models.CharField(_("reason"), max_length=16, choices=ActivationReason.choices)
    requested_by = models.ForeignKey(User, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    approval_required = models.BooleanField(_("approval required"))
    link_digest = models.CharField(_("enrolment link digest"), max_length=64, unique=True, null=True, editable=False)
    link_expires_at = models.DateTimeField(_("enrolment link expires"), null=True, blank=True)
    enrolled_at = models.DateTimeField(_("enrolled"), null=True, blank=True)
    approved_by = models.ForeignKey(
        User, verbose_name=_("approved by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=ActivationOutcome.choices, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("account activation")
        verbose_name_plural = _("account activations")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(closed_at__isnull=True), name="account_activation_one_open"
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | (~Q(approved_by=F("user")) & ~Q(approved_by=F("requested_by"))),
                name="account_activation_second_person",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True, approved_at__isnull=True)
                | Q(approved_by__isnull=False, approved_at__isnull=False, approval_required=True),
                name="account_activation_approval_shape",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True, outcome="")
                | Q(closed_at__isnull=False, outcome__in=ActivationOutcome.values),
                name="account_activation_outcome_when_closed",
            ),
            models.CheckConstraint(
                condition=~Q(outcome=ActivationOutcome.ACTIVATED)
                | Q(enrolled_at__isnull=False, approval_required=False)
                | Q(enrolled_at__isnull=False, approved_at__isnull=False),
                name="account_activation_complete_when_activated",
            ),
        ]

    def __str__(self) -> str:
        return f"activation {self.uuid}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class SignInDelay(models.Model):
    """The failed sign-ins of one account name, from any address, and when it may try again
    (the progressive delay of ``registry.accounts.lockout``).

    Keyed by the keyed digest of the name typed (what django-axes counts too), never the name:
    people sometimes type a password into that field. A row exists only after a failure, and
    is forgotten ``LOCKOUT_DELAY_FORGET_SECONDS`` after the last one, at a successful sign-in,
    or when the system administrator unlocks the account.
    """

    username = models.CharField(_("account name digest"), max_length=80, unique=True, editable=False)
    failures = models.PositiveIntegerField(_("failed sign-ins"), default=0)
    last_failure_at = models.DateTimeField(_("last failed sign-in"), db_index=True)
    next_attempt_at = models.DateTimeField(_("next attempt allowed"))

    class Meta:
        verbose_name = _("sign-in delay")
        verbose_name_plural = _("sign-in delays")

    def __str__(self) -> str:
        return f"sign-in delay {self.pk}"


class Authenticator(TimestampMixin, ThrottlingMixin, Device):
    """A staff member's authenticator app (TOTP, RFC 6238): django-otp's TOTP device with its
    secret sealed by the field-encryption keyring.

    The fields, the verification (one use per code, drift, django-otp's throttling) and the
    ``otpauth://`` URL are those of ``django_otp.plugins.otp_totp``, taken over unchanged; only
    ``key`` differs: AEAD ciphertext bound to ``registry.authenticator.key``, rotated by
    ``rotate_keys`` like every encrypted column. django-otp's own table stays installed only so
    the migration that moved its devices here can run; nothing writes to it.
    """

    key = EncryptedTextField(
        _("secret key"), default=otp_totp.default_key, validators=[otp_totp.key_validator], editable=False
    )
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = _("authenticator")
        verbose_name_plural = _("authenticators")

    def __str__(self) -> str:
        return f"authenticator {self.pk}"

    # django-otp's TOTP behaviour, read from the same attributes (``bin_key`` unhexlifies ``key``).
    bin_key = otp_totp.TOTPDevice.bin_key
    config_url = otp_totp.TOTPDevice.config_url
    verify_token = otp_totp.TOTPDevice.verify_token
    get_throttle_factor = otp_totp.TOTPDevice.get_throttle_factor
    _read_str_from_settings = otp_totp.TOTPDevice._read_str_from_settings


class IdempotencyRecord(models.Model):
    """The first answer to a write sent with an idempotency key, kept so that a retry of the
    same request gets that answer instead of making the change twice (``registry.idempotency``).

    One row per account and key, inserted before the request runs: the unique constraint makes
    the claim race-free. The key and the request are kept only as keyed digests, the answer
    (status, the headers that matter, a body that may show a victim's file) only encrypted; it
    is empty while the first request runs. Rows expire after ``REGISTRY_IDEMPOTENCY_HOURS``.
    """

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+")
    key_digest = models.CharField(_("key digest"), max_length=64)
    request_digest = models.CharField(_("request digest"), max_length=64)
    response = EncryptedJSONField(_("answer"), null=True, blank=True)
    created_at = models.DateTimeField(_("first used"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["user", "key_digest"], name="idempotency_key_once_per_user"),
        ]

    def __str__(self) -> str:
        return f"idempotency key {self.pk}"
