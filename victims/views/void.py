"""Voiding a record entered by mistake, from the case file (issue 18 item 4): the confirmation
page of every decision (``registry.decisions.decide``) with the record, a required reason and
Confirm / Cancel; nothing changes on GET, nor on a POST without the confirmation step, nor on one
whose reason is blank (the page again, 400).

Any kind of the case file that ``victims.operations.may_void`` allows, named in the URL by its
model name (``rescue``, ``shelterplacement``, ``legalaidmatter`` …; ``registry.casefile.kind_named``):
404 for any other kind, for a record the reader does not see (a centre's matter to another
centre) and for a case out of scope; 403 for a reader whose role may not write the section.
A record voided already, or one in force (``victims.operations.refuse_in_force``), says so on
the page before anything is typed; confirming anyway is refused by the operation (409), and a
stale version shows the page again (409) — never a 500.
"""

from __future__ import annotations

import datetime

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry import casefile, policy
from registry.decisions import Decision, decide
from registry.errors import Conflict, NotFound
from registry.operations import refuse_voided
from registry.pages import case_page
from registry.policy import require
from registry.presentation import Records, case_url, display, kind_label, section_parts
from victims import operations, selectors

VOID_SENTENCE = gettext_lazy(
    "The record stays in the case file, greyed and marked as voided with your reason; it leaves the reports and "
    "the dossier's current view. It cannot be changed afterwards."
)


def void_url(case, model, record_id) -> str:
    """The confirmation page voiding record ``record_id`` of ``model`` on ``case``."""
    return reverse("victims:record-void", args=[case.uuid, model._meta.model_name, record_id])


def mark_void(context: dict, user, case, section, data) -> None:
    """Mark, in a tab's ``context`` (whichever app built it), every card of a record of
    ``section`` (``data``, as ``casefile`` built it): a dict anywhere in the context whose ``id``
    is a record's gets :func:`card_void` — ``voided`` with its links, buttons and actions taken
    away, or ``void_url``. The tab's template shows them with ``victims/_voided.html``."""
    marks = {}
    pending = list(section_parts(casefile.declared(section), data).records)
    while pending:
        records = pending.pop()
        for row in records.rows:
            marks[row["id"]] = card_void(user, case, records.kind.model, row)
            pending.extend(Records(child, row.get(child.key) or []) for child in records.kind.children)
    _mark(context, {key: mark for key, mark in marks.items() if mark})


def _mark(content, marks: dict) -> None:
    if isinstance(content, dict):
        mark = marks.get(content.get("id")) if isinstance(content.get("id"), str) else None
        if mark:
            content.update(mark)
            if "voided" in mark:
                content.update({name: [] for name in ("links", "buttons", "actions") if name in content})
        for value in content.values():
            _mark(value, marks)
    elif isinstance(content, list | tuple):
        for item in content:
            _mark(item, marks)


def card_void(user, case, model, record: dict) -> dict:
    """What a record card (``victims/_voided.html``) shows of voiding: for a voided record
    ``voided`` (its reason and day), greyed, and no edit link; otherwise ``void_url`` for a
    user who may write the section of a kind that may be voided (the operation still decides:
    a record in force is refused there, with the reason)."""
    if casefile.is_voided(record):
        when = display(model, "voided_at", datetime.datetime.fromisoformat(record["voided_at"]))
        return {"voided": {"reason": record["void_reason"], "at": when}, "edit_url": None}
    if operations.may_void(model) and policy.may_write(user, model.section):
        return {"void_url": void_url(case, model, record["id"])}
    return {}


def _voidable_model(kind: str):
    try:
        model = casefile.kind_named(kind).model
    except KeyError:
        raise NotFound(_("No such kind of record.")) from None
    if not operations.may_void(model):
        raise NotFound(_("This kind of record cannot be voided."))
    return model


@case_page("GET", "HEAD", "POST")
def record_void(request: HttpRequest, case_id, kind: str, record_id) -> HttpResponse:
    """Confirm voiding one record, with its reason (``registry.decisions.decide``); on success
    back to the record's tab."""
    user = request.user
    case = selectors.case_for(user, case_id)
    model = _voidable_model(kind)
    record = selectors.case_record(user, case, model, record_id)
    require(policy.may_write(user, model.section), _("Your role may not change this section."))
    try:  # said before the reason is typed; the operation asks again with the record locked
        refuse_voided(record)
        operations.refuse_in_force(record)
        intro = ""
    except Conflict as refused:
        intro = refused.message
    decision = Decision(
        verb="void",
        title=_("Void this record"),
        sentence=VOID_SENTENCE,
        done=_("Voided: %(kind)s.") % {"kind": kind_label(model)},
        comment_required=True,
        style="danger",
    )

    def act(data):
        operations.record_void(actor=user, record=record, expected_version=data["version"], reason=data["comment"])

    back = case_url(case, model.section.value)
    return decide(
        request, decision, case=case, version=record.version, act=act, back_url=back, record=record, intro=intro
    )
