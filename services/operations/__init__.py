"""Every change to the assistance services (STYLE "one operation per business action").

Each operation is keyword-only and takes the acting user; checks the policy (section write or
action) and the record scope (404 outside it); runs in one transaction with the case row
locked first, then the row whose state changes (``victims.operations.lock_case`` /
``lock_record``, the order of ``registry.operations.lock_for_change``); compares the version
the caller read (412 when stale); validates (``registry.operations.full_clean`` and the plan's
rules); saves inside ``registry.history.recorded_change`` so history names the actor and the
reason; and writes its audit events last, in the same transaction. Stages move only through
``victims.stages.move`` on the locked case. Errors are ``registry.errors`` exceptions: 400
rule (field and code named), 403 policy, 404 scope, 409 conflict, 412 version.

Split by sub-domain: :mod:`.shelter`, :mod:`.assistance` (schooling, training, employment),
:mod:`.returns`, :mod:`.follow_ups`; :mod:`.common` holds what they share.
"""

from services.operations.assistance import (
    employment_add,
    employment_amend,
    enrollment_add,
    enrollment_amend,
    training_add,
    training_amend,
)
from services.operations.common import follow_up_months, require_section_write
from services.operations.follow_ups import (
    refuse_close_with_outstanding_visits,
    visit_record,
    visit_schedule,
    visit_waive,
)
from services.operations.returns import (
    return_plan_amend,
    return_plan_approve,
    return_plan_cancel,
    return_plan_complete,
    return_plan_create,
    return_plan_reject,
)
from services.operations.shelter import (
    placement_admit,
    placement_amend,
    placement_discharge,
    placement_transfer,
    refuse_close_while_sheltered,
)

__all__ = [
    "employment_add",
    "employment_amend",
    "enrollment_add",
    "enrollment_amend",
    "follow_up_months",
    "placement_admit",
    "placement_amend",
    "placement_discharge",
    "placement_transfer",
    "refuse_close_while_sheltered",
    "refuse_close_with_outstanding_visits",
    "require_section_write",
    "return_plan_amend",
    "return_plan_approve",
    "return_plan_cancel",
    "return_plan_complete",
    "return_plan_create",
    "return_plan_reject",
    "training_add",
    "training_amend",
    "visit_record",
    "visit_schedule",
    "visit_waive",
]
