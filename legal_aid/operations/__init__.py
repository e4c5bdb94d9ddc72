"""Every change to the legal aid record (DESIGN §2, §3; STYLE "one operation per business action").

Each operation is keyword-only and takes the acting user. It checks the policy (the ``legal_aid``
section), locks the case and then the row whose state changes (``select_for_update``) inside one
transaction, compares the version the caller read (412), validates (``full_clean`` and the rules
of its module), saves inside ``recorded_change`` so history names the actor and the reason, and
writes its audit event in the same transaction.

Errors are ``registry.errors`` exceptions: 400 rule (naming the field), 403 policy, 404 scope,
409 conflict (``too_many_records`` once a case holds ``REGISTRY_MAX_RECORDS_PER_KIND`` matters,
or activities), 412 version. Audit events carry no free text: the model, the record's id, the new
status or the names of the changed fields.

Split by sub-domain: :mod:`.matters` (open, decide, start, conclude, amend; the status rules)
and :mod:`.activities` (work recorded on a matter); :mod:`.common` holds what they share (the
write rule through referrals, one centre's matters, the locks, the checks of every save). This
package exports their public API, so callers import from ``legal_aid.operations``.
"""

from legal_aid.operations.activities import ACTIVITY_FIELDS, activity_add, activity_amend
from legal_aid.operations.common import require_recording
from legal_aid.operations.matters import (
    DECISIONS,
    amendable_fields,
    matter_amend,
    matter_conclude,
    matter_decide,
    matter_open,
    matter_start,
)

__all__ = [
    "ACTIVITY_FIELDS",
    "DECISIONS",
    "activity_add",
    "activity_amend",
    "amendable_fields",
    "matter_amend",
    "matter_conclude",
    "matter_decide",
    "matter_open",
    "matter_start",
    "require_recording",
]
