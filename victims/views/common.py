"""What every victim-file page shares: the reading of one section or record through the case
file (``registry.casefile``). How values read on a page is ``registry.presentation``'s; the page
guard and the audited 404/403 pages are ``registry.pages``'."""

from __future__ import annotations

from django.utils.translation import gettext as _

from registry import casefile, policy
from registry.errors import NotFound
from registry.policy import Section
from victims.models import Case

TIMELINE = "timeline"

# --- this app's pages -------------------------------------------------------------------------


# Who registers victims is the policy's rule (the menu, in the core, asks it too).
may_register = policy.may_register


# --- one section, one record ------------------------------------------------------------------

# The sections whose person's own fields a writer edits on their tab.
EDITABLE_VICTIM_SECTIONS = (Section.PERSON, Section.IDENTITY, Section.CONTACTS, Section.HEALTH)


def section_data(user, case: Case, section: Section):
    """One section of the case as ``casefile.case_sections`` builds it — only this one, and only
    if the user may read it; NotFound otherwise."""
    try:
        return casefile.section_data(user, case, section)
    except KeyError:
        raise NotFound(_("No such section.")) from None


def record_data(user, case: Case, model, record_id) -> dict:
    """The record ``record_id`` of ``model`` on ``case`` as the user's section shows it (a
    receiving organization sees only its own referrals); NotFound otherwise."""
    try:
        records = casefile.case_records(user, case, model)
    except KeyError:
        records = []
    for record in records:
        if record["id"] == str(record_id):
            return record
    raise NotFound(_("No such record."))


def record_object(user, model, case: Case, record_id):
    """The model instance the operations need: through the scoped manager, and on ``case``
    (the case in the URL), so a record of another case is never reached through this one."""
    record = model.objects.visible_to(user).filter(case=case, uuid=record_id).first()
    if record is None:
        raise NotFound(_("No such record."))
    return record
