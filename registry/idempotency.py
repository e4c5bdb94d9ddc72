"""Idempotent writes: a retried request gets the first answer instead of making a second change.

A client whose write timed out cannot tell whether it committed. It sends the request again
with the same key — the ``Idempotency-Key`` header on the API (``registry.api.idempotency``),
the hidden field every page form carries (``registry.templatetags.form_keys``, read by
``registry.middleware.IdempotentFormsMiddleware``) — and gets the answer the first attempt got,
without the write running again.

Guarantees:

- **One answer per key and account.** A key belongs to the account that sent it, in its present
  role, organization and jurisdiction: the same key from another account, or from this one
  after it was moved, is another key.
- **Race-free claim.** The first request inserts its row, committed at once, before anything
  runs; the unique constraint on ``(user, key)`` refuses the insert of any concurrent retry,
  which answers 409 ``idempotency_in_progress`` (a page waits a few seconds for the first
  answer first).
- **A key names one request.** The method, the path with its query and the body are compared
  through a keyed digest; the same key with another request answers 422
  ``idempotency_key_reused`` and runs nothing.
- **Only a change is remembered.** The API keeps a 2xx answer and a page a redirect (the page
  shows the result on the next GET). Any other answer — a refusal, a validation error, a crash
  — changed nothing, since every operation runs in one transaction, so the claim is released
  and a retry runs again.
- **Nothing in clear.** The key and the request are kept as keyed HMACs; the answer, which may
  show a victim's file, only encrypted (``registry.fields.EncryptedJSONField``, re-encrypted by
  ``rotate_keys`` like every encrypted column).
- **Kept for a day.** A key is remembered ``REGISTRY_IDEMPOTENCY_HOURS`` (24) after its first
  use; expired rows are purged as new keys are claimed, a batch at a time.
- **A claim whose request died** (the worker was killed between its write and its answer) is
  given up after :data:`ABANDONED_AFTER`, longer than any request may run; a retry then runs
  again, and the operation's own checks (duplicate detection, ``If-Match`` versions) stand
  behind that rare case.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.errors import Conflict, RegistryError, RuleViolation
from registry.keyring import active_keyring

HEADER = "Idempotency-Key"
FORM_FIELD = "idempotency_key"
METHODS = frozenset({"POST", "PUT", "PATCH"})
# Visible ASCII, as a header carries it: a UUID, a random token, a client's request id.
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
# Longer than any request may run (gunicorn's WEB_TIMEOUT is 60 s by default).
ABANDONED_AFTER = timedelta(minutes=10)
PURGE_BATCH = 500
# How long a page waits, polling, for the answer of a first submission still running.
PAGE_WAIT_SECONDS = 5.0
_POLL_SECONDS = 0.2


class KeyInProgress(Conflict):
    """The first request with this key is still running (409)."""

    code = "idempotency_in_progress"

    def __init__(self) -> None:
        super().__init__(_("The first request with this idempotency key is still running; retry in a moment."))


class KeyReused(RegistryError):
    """The key was used for another request (422)."""

    status = 422
    code = "idempotency_key_reused"


@dataclass(frozen=True)
class Answer:
    """A remembered answer: status, the headers that matter, the body, and the case views the
    first answer was audited for (the API logs them again when it replays the answer)."""

    status: int
    headers: dict[str, str]
    body: str = ""
    viewed: list[dict] = field(default_factory=list)

    def as_stored(self) -> dict:
        return {"status": self.status, "headers": self.headers, "body": self.body, "viewed": self.viewed}

    @classmethod
    def from_stored(cls, stored: dict) -> Answer:
        return cls(stored["status"], stored["headers"], stored.get("body", ""), stored.get("viewed", []))

    def as_response(self) -> HttpResponse:
        response = HttpResponse(self.body.encode("utf-8"), status=self.status)
        for name, value in self.headers.items():
            response[name] = value
        response["Idempotent-Replayed"] = "true"
        return response


def valid_key(value: str) -> bool:
    return bool(_KEY.match(value))


def check_key(value: str, *, field_name: str) -> None:
    """400 naming ``field_name`` unless ``value`` is a usable key."""
    if not valid_key(value):
        raise RuleViolation(
            _("An idempotency key is 1 to 255 visible ASCII characters (a UUID, for example)."),
            field=field_name,
            code="invalid_idempotency_key",
        )


def _digest(purpose: str, parts: Iterable[bytes]) -> str:
    """Keyed HMAC-SHA256 of ``parts`` (each length-prefixed, so no two lists of parts collide),
    under a key derived from the keyring for ``purpose``: a body holding an ID number cannot be
    recovered by hashing guesses."""
    mac = hmac.new(active_keyring().column_key(purpose), digestmod=hashlib.sha256)
    for part in parts:
        mac.update(len(part).to_bytes(8, "big"))
        mac.update(part)
    return mac.hexdigest()


def request_digest(method: str, full_path: str, body: Iterable[bytes]) -> str:
    """What a key is bound to: the method, the path with its query, and the body's parts."""
    return _digest("registry.idempotency.request", [method.encode(), full_path.encode(), *body])


def form_parts(data, files) -> Iterator[bytes]:
    """The fields (the form's key aside) and files of a form body, in a stable order, as the
    parts :func:`request_digest` takes."""
    for name, values in sorted(data.lists()):
        if name != FORM_FIELD:
            yield f"{name}:{len(values)}".encode()
            yield from (str(value).encode() for value in values)
    for name, uploads in sorted(files.lists()):
        for upload in uploads:
            yield f"{name}:{upload.name}:{upload.size}".encode()
            yield from upload.chunks()
            upload.seek(0)


def _key_digest(user, key: str) -> str:
    placement = [str(getattr(user, name, "") or "") for name in ("role", "organization_id", "jurisdiction_id")]
    return _digest("registry.idempotency.key", [*(part.encode() for part in placement), key.encode()])


class Claim:
    """The right to run the request a key names: :meth:`finish` remembers its answer,
    :meth:`release` forgets the key (the request changed nothing)."""

    def __init__(self, record) -> None:
        self.record = record

    def finish(self, answer: Answer) -> None:
        from registry.models import IdempotencyRecord

        IdempotencyRecord.objects.filter(pk=self.record.pk, response__isnull=True).update(response=answer.as_stored())

    def release(self) -> None:
        from registry.models import IdempotencyRecord

        IdempotencyRecord.objects.filter(pk=self.record.pk, response__isnull=True).delete()


def _purge_expired(now) -> None:
    from registry.models import IdempotencyRecord

    expired = list(IdempotencyRecord.objects.filter(expires_at__lte=now).values_list("pk", flat=True)[:PURGE_BATCH])
    if expired:
        IdempotencyRecord.objects.filter(pk__in=expired).delete()


def _claim_once(user, key_digest: str, digest: str) -> Claim | Answer | None:
    """One attempt: the claim, the remembered answer, or ``None`` when a dead row was removed
    (try again). Raises :class:`KeyReused` or :class:`KeyInProgress`."""
    from registry.models import IdempotencyRecord

    now = timezone.now()
    try:
        with transaction.atomic():
            _purge_expired(now)
            record = IdempotencyRecord.objects.create(
                user=user,
                key_digest=key_digest,
                request_digest=digest,
                created_at=now,
                expires_at=now + timedelta(hours=settings.REGISTRY_IDEMPOTENCY_HOURS),
            )
        return Claim(record)
    except IntegrityError:
        pass
    existing = IdempotencyRecord.objects.filter(user=user, key_digest=key_digest).first()
    if existing is None:
        return None  # released or purged since the insert failed
    running = existing.response is None
    if existing.expires_at <= now or (running and existing.created_at <= now - ABANDONED_AFTER):
        IdempotencyRecord.objects.filter(pk=existing.pk).delete()
        return None
    if not hmac.compare_digest(existing.request_digest, digest):
        raise KeyReused(_("This idempotency key was used for another request; use a new key for a new request."))
    if running:
        raise KeyInProgress()
    return Answer.from_stored(existing.response)


def claim(user, key: str, digest: str, *, wait: float = 0.0) -> Claim | Answer:
    """Claim ``key`` for the request ``digest`` names, on behalf of ``user``.

    Returns a :class:`Claim` when this request is the first (run it, then ``finish`` or
    ``release``), or the :class:`Answer` of the first when it is a retry. Raises
    :class:`KeyReused` (422) when the key named another request, :class:`KeyInProgress` (409)
    when the first is still running after waiting up to ``wait`` seconds for it."""
    key_digest = _key_digest(user, key)
    deadline = time.monotonic() + wait
    removed = 0
    while True:
        try:
            outcome = _claim_once(user, key_digest, digest)
        except KeyInProgress:
            if time.monotonic() >= deadline:
                raise
            time.sleep(_POLL_SECONDS)
            continue
        if outcome is not None:
            return outcome
        removed += 1
        if removed > 2:  # another request keeps winning the freed key
            raise KeyInProgress()
