"""The assistance services' pages: the case file's tabs (shelter, schooling, training and
employment, return home, follow-up visits), their forms, the shelters' occupancy, and the
dashboard's alerts (issue 5).

Server-rendered, usable without JavaScript, no inline script or style (the CSP forbids them).
They follow the victim file's pages (``victims.views``):

- **Reads** through the selectors only: the case through ``victims.selectors.case_for``, the
  tabs from the section builders' output, one record through ``services.selectors
  .case_service_record`` (404 when its section is not the role's), alerts and occupancy through
  ``services.selectors``. A page that shows case data logs the read (``log_read``) with the
  sections it shows; the dashboard's alerts as ``case_listed``.
- **Writes** through ``services.operations`` only. An operation's ``RuleViolation``/``Conflict``
  lands on the form field it names, ``StaleVersion`` asks the user to reload; every form that
  changes a record carries the version read. POST-redirect-GET throughout.
- **Refusals** by ``registry.pages.case_page``: a case out of scope, a record of another
  case, or a section the role does not read is the 404 page; an action the role may not take is
  the 403 page (both audited as ``access_denied``).
- **No personal value in a URL**: cases and records by UUID, nothing else.

The tabs are named in the sections' declarations (``services/sections.py``).
"""

from services.views.assistance import record_add, record_edit
from services.views.dashboard import dashboard_alerts
from services.views.follow_ups import visit_record, visit_schedule, visit_waive
from services.views.returns import plan_approve, plan_cancel, plan_complete, plan_create, plan_edit, plan_reject
from services.views.shelter import occupancy, placement_admit, placement_discharge, placement_edit, placement_transfer

__all__ = [
    "dashboard_alerts",
    "occupancy",
    "placement_admit",
    "placement_discharge",
    "placement_edit",
    "placement_transfer",
    "plan_approve",
    "plan_cancel",
    "plan_complete",
    "plan_create",
    "plan_edit",
    "plan_reject",
    "record_add",
    "record_edit",
    "visit_record",
    "visit_schedule",
    "visit_waive",
]
