"""The stages of a case and the only moves between them (DESIGN §2).

``registered → sheltered → return_planned → returned → closed``, ``transferred`` when handed
over to another province or country, and back from ``closed`` or ``transferred`` only by
reopening (civil affairs). Operations call
:func:`move`; nothing else assigns ``Case.stage``.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from registry.errors import Conflict
from victims.choices import Stage

TRANSITIONS: dict[Stage, frozenset[Stage]] = {
    Stage.REGISTERED: frozenset({Stage.SHELTERED, Stage.RETURN_PLANNED, Stage.TRANSFERRED, Stage.CLOSED}),
    Stage.SHELTERED: frozenset({Stage.REGISTERED, Stage.RETURN_PLANNED, Stage.TRANSFERRED, Stage.CLOSED}),
    Stage.RETURN_PLANNED: frozenset({Stage.SHELTERED, Stage.REGISTERED, Stage.RETURNED, Stage.TRANSFERRED}),
    Stage.RETURNED: frozenset({Stage.CLOSED}),
    Stage.CLOSED: frozenset({Stage.REGISTERED}),
    Stage.TRANSFERRED: frozenset({Stage.REGISTERED}),
}

# The stages in which the registry's work on a case has ended: closed here, or handed to another province.
CLOSED_STAGES = (Stage.CLOSED, Stage.TRANSFERRED)


def move(case, to: Stage) -> None:
    """Set ``case.stage`` to ``to`` if the move is allowed, else raise 409 (nothing saved here)."""
    current = Stage(case.stage)
    if Stage(to) not in TRANSITIONS[current]:
        raise Conflict(
            _("A case cannot move from “%(current)s” to “%(to)s”.") % {"current": current.label, "to": Stage(to).label},
            field="stage",
            code="invalid_stage_transition",
        )
    case.stage = Stage(to)
