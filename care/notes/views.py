"""The case notes' pages: the ``notes`` tab of the case file, the forms (a note, a case
conference with its decisions, a correction), the quick entry under the case header, and the
dashboard panel of the open cases without contact.

Server-rendered, usable without JavaScript, no inline script or style (the CSP forbids them).
Reads go through the selectors — the case through ``victims.selectors.case_for``, notes through
``care.notes.selectors`` (only the notes of sections the user reads) — and each page that shows
case data is logged with the sections shown; writes through ``care.notes.operations`` only, a
refusal put back on the form (on its field when it names one), with what was typed. A case or a
note out of reach is the 404 page, a write the role may not make the 403 page (both audited by
``registry.pages.case_page``). No personal value is ever part of a URL.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from care.choices import NoteKind
from care.models import CaseNote
from care.notes import forms, operations, selectors
from care.notes.sections import NOTE
from registry import casefile, policy
from registry.audit import AuditAction, log_read
from registry.context_processors import display_name
from registry.forms import attempt
from registry.models import User
from registry.pages import case_page
from registry.policy import Section, require
from registry.presentation import case_url, facts, organization_names
from victims import selectors as case_selectors
from victims.validation import today

TAB = Section.NOTES.value
TIMELINE = "timeline"  # the case file's timeline tab
DASHBOARD_ROWS = 10
# What a note's card shows under its title, in order, when recorded (the text and decisions follow).
CARD_FACTS = ("duration_minutes", "participants", "organizations", "created_by")


# --- the case file's tab ----------------------------------------------------------------------------


def _names(notes: list[dict]) -> dict[str, str]:
    """Display names of the writers and the organizations the notes name (two queries)."""
    writers = {note["created_by"] for note in notes}
    names = {str(user.uuid): display_name(user) for user in User.objects.filter(uuid__in=writers)}
    return names | organization_names(uuid for note in notes for uuid in note["organizations"])


def _card(note: dict, names: dict[str, str], *, goals_url: str | None) -> dict[str, Any]:
    return {
        "id": note["id"],
        "title": NoteKind(note["kind"]).label,
        "date": note["occurred_on"].isoformat(),
        "concerns": policy.section_named(note["concerns"]).label,
        "facts": facts(CaseNote, note, [name for name in CARD_FACTS if note[name]], names=names, labels=NOTE.labels),
        "text": note["text"],
        "decisions": [
            {
                "id": decision["id"],
                "text": decision["text"],
                "goal_url": f"{goals_url}#record-{decision['goal']}" if decision["goal"] and goals_url else None,
            }
            for decision in note["decisions"]
        ],
    }


def note_cards(request: HttpRequest, case, data: list[dict], kind: str | None) -> list[dict[str, Any]]:
    """The notes of the tab, newest first: each note that no note the user reads corrects, with
    the earlier notes it corrects (its chain) under it; ``kind`` filters by the latest's kind."""
    user = request.user
    by_id = {note["id"]: note for note in data}
    names = _names(data)
    goals_url = case_url(case, Section.CARE_PLAN.value) if policy.may_read(user, Section.CARE_PLAN) else None
    writable = policy.may_write(user, Section.NOTES)
    cards = []
    for note in reversed(data):  # data is oldest first
        if note["corrected_by"] in by_id or (kind and note["kind"] != kind):
            continue
        card = _card(note, names, goals_url=goals_url)
        # Corrected by a note of a section the user does not read: never the last word.
        card["corrected_elsewhere"] = note["corrected_by"] is not None
        card["corrects_unseen"] = note["corrects"] is not None and note["corrects"] not in by_id
        if writable and note["corrected_by"] is None:
            card["correct_url"] = reverse("care:note-correct", args=[case.uuid, note["id"]])
        earlier, current = [], note
        while current["corrects"] in by_id:
            current = by_id[current["corrects"]]
            earlier.append(_card(current, names, goals_url=goals_url))
        card["earlier"] = earlier
        cards.append(card)
    return cards


def case_tab(request: HttpRequest, case, data: list[dict]) -> tuple[str, dict[str, Any]]:
    """The ``notes`` tab (declared in ``care/notes/sections.py``): the notes the user reads,
    newest first, a correction with the notes it corrects, filtered by ``?kind=``; links to
    add a note or record a case conference for who may write notes."""
    user = request.user
    kind = request.GET.get("kind")
    kind = kind if kind in NoteKind.values else None
    writable = policy.may_write(user, Section.NOTES)
    return "care/notes/_tab.html", {
        "notes_tab": {
            "cards": note_cards(request, case, data, kind),
            "kinds": NoteKind.choices,
            "kind": kind or "",
            "filter_url": reverse("victims:case", args=[case.uuid]),
            "add_url": reverse("care:note-add", args=[case.uuid]) if writable else None,
            "conference_url": reverse("care:note-conference", args=[case.uuid]) if writable else None,
            "total": len(data),
        }
    }


# --- the forms --------------------------------------------------------------------------------------


def _form_page(request, case, *, title: str, form, decisions=None, intro: str = "", back_tab: str | None = TAB):
    context = {
        "case": case,
        "title": title,
        "form": form,
        "decisions": decisions,
        "intro": intro,
        "back_url": case_url(case, back_tab),
    }
    return render(request, "care/notes/note_form.html", context)


def _write_note(request, case, *, conference: bool) -> HttpResponse:
    user = request.user
    require(policy.may_write(user, Section.NOTES), _("Your role may not write case notes."))
    posted = request.POST if request.method == "POST" else None
    form = forms.NoteForm(posted, user=user, case=case, conference=conference)
    decisions = None
    if conference:
        decisions = forms.DecisionFormSet(posted, form_kwargs={"organizations": forms.organizations_for(case)})
    if posted is not None and form.is_valid() and (decisions is None or decisions.is_valid()):
        data = form.values()
        if decisions is not None:
            data["decisions"] = forms.decisions_of(decisions)
        if attempt(form, lambda: operations.note_create(actor=user, case=case, data=data)):
            messages.success(request, _("The note is saved."))
            return HttpResponseRedirect(case_url(case, TAB))
    title = _("Record a case conference") if conference else _("Add a case note")
    return _form_page(request, case, title=title, form=form, decisions=decisions)


@case_page("GET", "HEAD", "POST")
def note_add(request: HttpRequest, case_id) -> HttpResponse:
    """Add a note of any kind to the case."""
    return _write_note(request, case_selectors.case_for(request.user, case_id), conference=False)


@case_page("GET", "HEAD", "POST")
def note_conference(request: HttpRequest, case_id) -> HttpResponse:
    """Record a case conference: the organizations present and the decisions taken, each of
    which may create a goal of the care plan."""
    return _write_note(request, case_selectors.case_for(request.user, case_id), conference=True)


@case_page("GET", "HEAD", "POST")
def note_correct(request: HttpRequest, case_id, note_id) -> HttpResponse:
    """Correct a note with a new one: the form starts from the note as it is."""
    user = request.user
    case = case_selectors.case_for(user, case_id)
    note = selectors.note_for(user, note_id, case=case)
    require(policy.may_write(user, Section.NOTES), _("Your role may not write case notes."))
    conference = note.kind == NoteKind.CONFERENCE
    initial = {
        "kind": note.kind,
        "occurred_on": note.occurred_on,
        "duration_minutes": note.duration_minutes,
        "participants": note.participants,
        "organizations": list(note.organizations.all()),
        "concerns": note.concerns,
        "text": note.text,
    }
    posted = request.POST if request.method == "POST" else None
    form = forms.NoteForm(posted, user=user, case=case, conference=conference, initial=initial)
    decisions = None
    if conference:
        decisions = forms.DecisionFormSet(posted, form_kwargs={"organizations": forms.organizations_for(case)})
    if request.method in ("GET", "HEAD"):  # the form shows the note's text
        log_read(
            request,
            action=AuditAction.CASE_VIEWED,
            case_uuid=case.uuid,
            sections=[Section.NOTES, note.concerns],
            detail={"view": "note_correct", "record": str(note.uuid)},
        )
    if posted is not None and form.is_valid() and (decisions is None or decisions.is_valid()):
        data = form.values()
        if decisions is not None:
            data["decisions"] = forms.decisions_of(decisions)
        if attempt(form, lambda: operations.note_correct(actor=user, note=note, data=data)):
            messages.success(request, _("The correction is saved; the corrected note stays, struck through."))
            return HttpResponseRedirect(case_url(case, TAB))
    intro = _(
        "A note is never changed: your correction is saved as a new note, shown above the one it corrects. "
        "The decisions of a corrected conference stay as they were; list here only those you record anew."
    )
    return _form_page(request, case, title=_("Correct a note"), form=form, decisions=decisions, intro=intro)


# --- the quick entry under the case header -----------------------------------------------------------


def _back_tab(user, tab: str | None) -> str | None:
    """The tab of the case file to come back to: one the user sees, else the first one."""
    shown = {section.value for section in casefile.shown_sections(user)} | {TIMELINE}
    return tab if tab in shown else None


def quick_entry(request: HttpRequest, case) -> tuple[str, dict[str, Any]] | None:
    """The case header's part (``registry.casefile.register_header_part``): three fields and
    save, for who may write notes; nothing for anyone else."""
    if not policy.may_write(request.user, Section.NOTES):
        return None
    tab = _back_tab(request.user, request.GET.get("tab")) or ""
    form = forms.QuickNoteForm(initial={"occurred_on": today(), "tab": tab})
    return "care/notes/_quick_entry.html", {"form": form, "url": reverse("care:note-quick", args=[case.uuid])}


@case_page("POST")
def note_quick(request: HttpRequest, case_id) -> HttpResponse:
    """Save the quick entry (a note concerning the general section) and go back to the tab it
    was typed on; a refusal shows the three fields again, with what was typed."""
    user = request.user
    case = case_selectors.case_for(user, case_id)
    require(policy.may_write(user, Section.NOTES), _("Your role may not write case notes."))
    form = forms.QuickNoteForm(request.POST)
    back = _back_tab(user, request.POST.get(form.add_prefix("tab")))
    if form.is_valid() and attempt(form, lambda: operations.note_create(actor=user, case=case, data=form.values())):
        messages.success(request, _("The note is saved."))
        return HttpResponseRedirect(case_url(case, back))
    return _form_page(request, case, title=_("Add a case note"), form=form, back_tab=back)


# --- the dashboard ----------------------------------------------------------------------------------


def dashboard_contact(request: HttpRequest) -> dict[str, Any]:
    """The panel of the open cases without contact (``selectors.cases_without_contact``): the
    first ones, oldest opened first, with the day of their last contact, and how many there are.
    Logged as ``case_listed`` when it names any case."""
    user = request.user
    if not policy.may_read(user, Section.NOTES):
        return {}
    day = today()
    show_person = policy.may_read(user, Section.PERSON)
    cases = selectors.cases_without_contact(user, day).select_related(None)
    fields = ["uuid", "number", "opened_on"]
    if show_person:
        cases = cases.select_related("victim")
        fields.append("victim__full_name")
    shown = list(cases.only(*fields)[:DASHBOARD_ROWS])
    total = len(shown) if len(shown) < DASHBOARD_ROWS else cases.count()
    last = selectors.last_contacts([case.pk for case in shown])
    rows = []
    for case in shown:
        contact = last.get(case.pk)
        rows.append(
            {
                "url": case_url(case, TAB),
                "number": case.number,
                "name": case.victim.full_name if show_person else None,
                "opened_on": case.opened_on.isoformat(),
                "last_contact": contact.isoformat() if contact else None,
                "days": (day - (contact or case.opened_on)).days,
            }
        )
    if rows:
        log_read(
            request,
            action=AuditAction.CASE_LISTED,
            sections=[Section.PERSON, Section.NOTES] if show_person else [Section.NOTES],
            detail={"view": "contact_dashboard", "count": len(rows)},
        )
    return {"rows": rows, "total": total, "days": settings.CASE_CONTACT_DAYS, "show_person": show_person}
