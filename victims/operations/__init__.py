"""Every change to a victim file (DESIGN §2, STYLE "one operation per business action").

Each operation is keyword-only and takes the acting user. It checks the policy (section write
or action) and the record scope, runs in one transaction with ``select_for_update`` on the row
whose state changes, compares the version the caller read (412 when stale), validates
(``full_clean`` and the plan's rules), saves inside ``recorded_change`` so history names the
actor and the reason, and writes its audit event in the same transaction. Errors are
``registry.errors`` exceptions: 400 rule, 403 policy, 404 scope, 409 conflict, 412 version.
Free text is bounded by its model field (``registry.fields.EncryptedTextField``: 400 naming
the field) and a case holds at most ``REGISTRY_MAX_RECORDS_PER_KIND`` records of each kind
(``registry.operations.require_room``: 409 ``too_many_records``).

Split by action family: :mod:`.registration` (register a person, change the victim's fields),
:mod:`.records` (records on a case), :mod:`.referrals` (referrals and the receiving
departments' write rule), :mod:`.case` (the case's stage, duplicates, caseworkers),
:mod:`.void` (voiding a record of any app entered by mistake);
:mod:`.common` holds what they share (locks, scope check, the victim's fields by section). This
package exports their public API, so callers import from ``victims.operations``.
"""

from victims.operations.case import (
    case_assign,
    case_assignments_release,
    case_close,
    case_reopen,
    case_resolve_duplicate,
    case_unassign,
    caseworker_cases_reassign,
)
from victims.operations.common import (
    MAX_ALIASES,
    MAX_NAME_LENGTH,
    REGISTRATION_SECTIONS,
    VICTIM_SECTION_FIELDS,
    lock_case,
    lock_record,
    victim_age,
)
from victims.operations.records import record_add, record_amend, record_model
from victims.operations.referrals import (
    CHILD_CONSENT_AGE,
    SERVICE_DEPARTMENT,
    referral_approve,
    referral_create,
    referral_reject,
    referral_respond,
    referral_revoke,
    require_referred_write,
)
from victims.operations.registration import PROVINCE_ABBREVIATIONS, DuplicateVictim, case_register, victim_update
from victims.operations.void import may_void, record_void, refuse_in_force

__all__ = [
    "CHILD_CONSENT_AGE",
    "DuplicateVictim",
    "MAX_ALIASES",
    "MAX_NAME_LENGTH",
    "PROVINCE_ABBREVIATIONS",
    "REGISTRATION_SECTIONS",
    "SERVICE_DEPARTMENT",
    "VICTIM_SECTION_FIELDS",
    "case_assign",
    "case_assignments_release",
    "case_close",
    "case_register",
    "case_reopen",
    "case_resolve_duplicate",
    "case_unassign",
    "caseworker_cases_reassign",
    "lock_case",
    "lock_record",
    "may_void",
    "record_add",
    "record_amend",
    "record_model",
    "record_void",
    "referral_approve",
    "referral_create",
    "referral_reject",
    "referral_respond",
    "referral_revoke",
    "refuse_in_force",
    "require_referred_write",
    "victim_age",
    "victim_update",
]
