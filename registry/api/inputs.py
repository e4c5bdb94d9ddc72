"""How a view reads its input: through a serializer, with DRF's errors flattened to the API's one
error shape (``{"victim.full_name": [reason]}``) — DRF's nested errors would otherwise be printed
as Python reprs. A refusal of the policy is ``registry.policy.require`` (403)."""

from __future__ import annotations

from collections.abc import Mapping

from rest_framework.exceptions import ValidationError

# Query parameters of paging, which no filter serializer declares.
PAGING_PARAMS = frozenset({"page", "page_size", "format"})


def flat_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's (possibly nested) error detail as ``{"outer.inner": [reason, …]}``."""
    if isinstance(detail, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = prefix if key == "non_field_errors" and prefix else (f"{prefix}.{key}" if prefix else str(key))
            for inner, reasons in flat_errors(value, name).items():
                flat.setdefault(inner, []).extend(reasons)
        return flat
    if isinstance(detail, list) and any(isinstance(item, Mapping | list) for item in detail):
        flat = {}
        for index, item in enumerate(detail):  # one entry per item of a list that was sent
            if item:
                flat.update(flat_errors(item, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    items = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [str(item) for item in items]}


def validated(serializer_class, data, **kwargs) -> dict:
    """``data`` checked by ``serializer_class``; 400 naming each field and reason otherwise."""
    serializer = serializer_class(data=data, **kwargs)
    if not serializer.is_valid():
        raise ValidationError(flat_errors(serializer.errors))
    return _plain(serializer.validated_data)


def _plain(value):
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    return value
