"""Reading hand-overs: only through the case's scope (``HandOver.objects.visible_to``) and the
policy's ``transfers`` section — a hand-over out of either is absent (404), like one that does
not exist."""

from __future__ import annotations

import uuid
from typing import Any

from django.utils.translation import gettext as _

from registry import casefile, policy
from registry.errors import NotFound
from registry.policy import Section
from transfers.models import HandOver


def handover_for(user, handover_id) -> HandOver:
    """The hand-over ``handover_id`` if ``user`` sees its case and reads the transfers section."""
    try:
        key = uuid.UUID(str(handover_id))
    except ValueError:
        raise NotFound(_("No such hand-over.")) from None
    found = None
    if policy.may_read(user, Section.TRANSFERS):
        found = HandOver.objects.visible_to(user).select_related("case").filter(uuid=key).first()
    if found is None:
        raise NotFound(_("No such hand-over."))
    return found


def case_handovers(user, case) -> list[dict[str, Any]]:
    """The hand-overs of ``case`` (one ``user`` sees) as the transfers section shows them, oldest
    first; 404 for a role that does not read the section."""
    try:
        return casefile.case_records(user, case, HandOver)
    except KeyError:
        raise NotFound(_("No such kind of record.")) from None
