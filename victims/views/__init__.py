"""The victim-file pages: case list and search, registration, the case file, record forms,
referrals and the civil affairs actions (issue 4 item 5).

Server-rendered, usable without JavaScript, no inline script or style (the CSP forbids them).

Guarantees:

- **Reads** go through ``victims.selectors`` only (``cases_for``, ``case_for``, ``shown_sections``,
  the section builders behind ``case_sections``, ``case_history``); a section the user may not
  read is never built, so its values are never decrypted for the page. Every read of victim data
  is logged with ``registry.audit.log_read``: ``case_listed``, ``case_searched`` (terms only as
  keyed digests) and ``case_viewed`` with the sections the page shows.
- **Writes** go through ``victims.operations`` only; a view never saves a model. An operation's
  ``RuleViolation``/``Conflict`` lands on the form field it names, ``StaleVersion`` asks the user
  to reload, ``PermissionDenied`` is a 403 page and ``NotFound`` a 404 page.
- **Out of scope is absent**: a case the user may not see and a case that does not exist give the
  same 404 page. 403 only for an action on a case the user sees but whose role may not take it.
  Both refusals are recorded as ``access_denied``.
- **No personal value in a URL**: search terms are posted and answered in the same response;
  cases and records are addressed by UUID; tabs and stage filters are the only query values.
"""

from victims.views.cases import case_file, case_list, case_register
from victims.views.dashboard import dashboard_work
from victims.views.records import record_add, record_edit, victim_edit
from victims.views.referrals import case_act, case_close, referral_act, referral_create

__all__ = [
    "case_act",
    "case_close",
    "case_file",
    "case_list",
    "case_register",
    "dashboard_work",
    "record_add",
    "record_edit",
    "referral_act",
    "referral_create",
    "victim_edit",
]
