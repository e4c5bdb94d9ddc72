"""``Idempotency-Key`` on every write of the API (``registry.idempotency`` holds the rules).

:class:`IdempotentMixin` is part of ``registry.api.viewsets.ScopedViewSet``, the base of every
view over victim data, so every POST, PUT and PATCH built on it takes the header; a test checks
that no writing view of the API is left without it. The key is claimed once the caller is
authenticated and allowed by the view's permission classes, before the handler runs, and
bound to the method, the path with its query and the raw body.

- First request: runs; a 2xx answer is remembered (status, body, ``Content-Type``, ``ETag``,
  ``Location``, and the case views it was audited for); any other answer, or an exception,
  releases the key.
- Retry with the same key and request: the remembered answer, marked ``Idempotent-Replayed:
  true``, without running the handler; the case views it shows are audited again
  (``case_viewed`` with ``"replayed": true``), since the caller reads that case file again.
- Same key, another request: 422 ``idempotency_key_reused``; while the first still runs: 409
  ``idempotency_in_progress``; a malformed key: 400 naming ``Idempotency-Key``.
- No key: the request runs as it always did.
"""

from __future__ import annotations

from django.http.request import RawPostDataException

from registry import idempotency
from registry.audit import AuditAction, log_read
from registry.audit.context import request_id_of

# The headers of an answer that a replay gives back.
KEPT_HEADERS = ("Content-Type", "ETag", "Location")


class _Replay(Exception):  # noqa: N818 (not an error: the answer of a retry, carried to handle_exception)
    def __init__(self, answer: idempotency.Answer) -> None:
        super().__init__("replay")
        self.answer = answer


def _last_audit_id() -> int:
    from registry.models import AuditEvent

    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _case_views_since(request, after_id: int) -> list[dict]:
    """The ``case_viewed`` events this request recorded (ids above ``after_id``, taken when the
    key was claimed, so the primary key bounds the scan)."""
    from registry.models import AuditEvent

    rows = AuditEvent.objects.filter(
        id__gt=after_id, request_id=request_id_of(request), actor=request.user, action=AuditAction.CASE_VIEWED
    ).values_list("case_uuid", "sections")
    return [{"case": str(case) if case else None, "sections": list(sections)} for case, sections in rows]


class IdempotentMixin:
    """A DRF view whose writes take ``Idempotency-Key`` (see the module's docstring)."""

    idempotency_claim: idempotency.Claim | None = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, permissions, throttling
        key = request.headers.get(idempotency.HEADER)
        if key is None or request.method not in idempotency.METHODS:
            return
        idempotency.check_key(key, field_name=idempotency.HEADER)
        try:
            body = [request.body]
        except RawPostDataException:  # a multipart body already streamed into fields and files
            body = idempotency.form_parts(request.data, request.FILES)
        digest = idempotency.request_digest(request.method, request.get_full_path(), body)
        audit_mark = _last_audit_id()
        outcome = idempotency.claim(request.user, key, digest)
        if isinstance(outcome, idempotency.Answer):
            raise _Replay(outcome)
        self.idempotency_claim = outcome
        self.idempotency_audit_mark = audit_mark

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            for viewed in exc.answer.viewed:
                log_read(
                    self.request,
                    action=AuditAction.CASE_VIEWED,
                    case_uuid=viewed["case"],
                    sections=viewed["sections"],
                    detail={"replayed": True},
                )
            return exc.answer.as_response()
        return super().handle_exception(exc)

    def dispatch(self, request, *args, **kwargs):
        self.idempotency_claim = None
        try:
            response = super().dispatch(request, *args, **kwargs)
        except BaseException:
            if self.idempotency_claim is not None:
                self.idempotency_claim.release()
            raise
        claim = self.idempotency_claim
        if claim is not None:
            if 200 <= response.status_code < 300 and not response.streaming:
                if hasattr(response, "render"):
                    response.render()
                claim.finish(
                    idempotency.Answer(
                        response.status_code,
                        {name: response[name] for name in KEPT_HEADERS if response.has_header(name)},
                        response.content.decode(response.charset or "utf-8"),
                        _case_views_since(self.request, self.idempotency_audit_mark),
                    )
                )
            else:
                claim.release()
        return response
