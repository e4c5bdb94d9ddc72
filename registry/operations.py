"""What every app's operations share: the model-clean adapter and the lock-then-check-version step.

An operation (STYLE "one operation per business action") checks the policy, then inside one
transaction locks what it changes (:func:`lock_for_change`), validates (:func:`full_clean` and
its own rules; :func:`require_room` before it adds a record to a case), saves inside
``registry.history.recorded_change`` and writes its audit event.
Errors are ``registry.errors`` exceptions, which the API and the pages answer alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from registry.concurrency import ensure_version
from registry.errors import Conflict, NotFound, RuleViolation

Row = TypeVar("Row", bound=models.Model)


def full_clean(instance: models.Model, exclude=(), *, constraints: bool = True) -> None:
    """``instance.full_clean()`` with a ValidationError turned into a RuleViolation naming the
    field. ``constraints=False`` skips the model's check constraints (Django evaluates each with
    a query) where the caller has just enforced the same rules with their own messages; the
    database still refuses a row that breaks one."""
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=constraints)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise RuleViolation(messages[0], field=None if field == "__all__" else field) from None


def clean_value(model: type[models.Model], name: str, value: Any, *, field: str | None = None) -> Any:
    """``value`` cleaned by the model field ``name`` (its type, choices and validators — the
    length bound of free text among them), for an operation that sets one field from an input
    called otherwise; a ValidationError becomes a RuleViolation naming ``field`` (by default
    ``name``)."""
    try:
        return model._meta.get_field(name).clean(value, None)
    except ValidationError as exc:
        raise RuleViolation(exc.messages[0], field=field or name) from None


def lock_for_change(
    rows: models.QuerySet[Row],
    pk: Any,
    *,
    missing: str,
    expected_version: int | None = None,
    case: Callable[[], models.Model] | None = None,
    check: Callable[[Row], None] | None = None,
) -> Row:
    """The row ``pk`` of ``rows``, locked (``select_for_update``) until the end of the caller's
    transaction, for an operation to change; call inside ``transaction.atomic()``.

    Lock order — one for every operation, so that no two transactions ever wait on each other:

    1. the **case** row first, when the row hangs on a case: ``case()`` locks it and returns it
       (``victims.operations.lock_case``, itself this function over the cases the actor sees);
    2. then the **row** itself (and, after it, whatever the operation locks further: a record
       of the record, a referral).

    Then, on the locked rows and in this order: 404 ``missing`` when ``rows`` does not hold the
    row (``rows`` is scoped by the caller — ``Model.objects.visible_to(actor)`` — so a row out of
    scope is absent, exactly like one that does not exist); 409 ``record_voided`` when the row is
    a voided record (:func:`refuse_voided`: every change of a record, voiding it again included,
    passes here, so none reaches a voided one); ``check(row)``, a rule that needs the
    locks (e.g. the receiving department's referral, 403); and last the **version**:
    ``registry.concurrency.ensure_version`` — 412 unless the row is still at
    ``expected_version`` (``None`` when the caller compares another row's version). The row's
    ``case`` is the locked case."""
    locked_case = case() if case is not None else None
    locked = rows.select_for_update().filter(pk=pk).first()
    if locked is None:
        raise NotFound(missing)
    if locked_case is not None:
        locked.case = locked_case
    refuse_voided(locked)
    if check is not None:
        check(locked)
    if expected_version is not None:
        ensure_version(locked.version, expected_version)
    return locked


def has_void_fields(model: type[models.Model]) -> bool:
    """Whether ``model`` carries the void fields (``voided_at`` and the rest: a case record); which
    kinds a user may void is ``victims.operations.may_void``."""
    return any(field.name == "voided_at" for field in model._meta.concrete_fields)


def refuse_voided(row: models.Model) -> None:
    """409 ``record_voided`` when ``row`` is a record voided as entered by mistake: it is kept,
    greyed, for the file's history, and never changed again."""
    if getattr(row, "voided_at", None) is not None:
        raise Conflict(_("This record was voided as entered by mistake and cannot be changed."), code="record_voided")


def require_room(model: type[models.Model], case: models.Model, *, adding: int = 1) -> None:
    """409 ``too_many_records`` unless ``case`` can take ``adding`` more records of ``model``
    (a model with a ``case`` foreign key) and still hold at most ``REGISTRY_MAX_RECORDS_PER_KIND``
    of them. Every operation that adds a record to a case calls it with the case locked, so
    the count cannot change before the insert. The bound keeps one case from growing without
    end (each case file, history and dossier shows every record). Voided records do not count:
    a record entered by mistake leaves room for the right one."""
    limit = settings.REGISTRY_MAX_RECORDS_PER_KIND
    rows = model._base_manager.filter(case=case)
    if has_void_fields(model):
        rows = rows.filter(voided_at__isnull=True)
    if rows.count() + adding > limit:
        raise Conflict(
            _("This case already holds the most records of this kind allowed (%(limit)s).") % {"limit": limit},
            code="too_many_records",
        )
