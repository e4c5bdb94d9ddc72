"""The case notes section of the case file, declared once (``registry.casefile``): the notes of
the case the reader may read — each only by the readers of the section it concerns — newest
correction shown with the note it corrects, a conference's decisions nested in its note.

Registered by ``CareConfig.ready``. The content is built by ``selectors.case_notes`` (scoped,
narrowed, in a fixed number of queries); the kinds below say how a note and a decision are
shown, whose history a reader sees (the same narrowing: ``narrow``), and the timeline's events
(the day a note's contact happened, titled by its kind). The dashboard panel lists the open
cases without contact for ``CASE_CONTACT_DAYS`` days.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from care.choices import NoteKind
from care.models import CaseNote, ConferenceDecision
from care.notes import selectors
from registry.casefile import CaseSection, Panel, RecordKind
from registry.choices import Role
from registry.policy import Section


def timeline_title(note: dict) -> str:
    """A note's event on the timeline: its kind, and whether it corrects another."""
    kind = NoteKind(note["kind"]).label
    return _("%(kind)s (correction)") % {"kind": kind} if note.get("corrects") else str(kind)


DECISION = RecordKind(
    ConferenceDecision,
    selectors.DECISION_FIELDS,
    key="decisions",
    related=("goal",),
    narrow=selectors.readable_decisions,
    label=gettext_lazy("Conference decision"),
)
NOTE = RecordKind(
    CaseNote,
    selectors.NOTE_FIELDS,
    to_dict=selectors.note_record,
    related=("created_by",),
    order=("occurred_on", "id"),
    narrow=selectors.readable_notes,
    history_fields=selectors.NOTE_HISTORY_FIELDS,
    dates=(("occurred_on", timeline_title),),
    children=(DECISION,),
    labels={"corrected_by": gettext_lazy("Corrected by"), "decisions": gettext_lazy("Decisions taken")},
)

SECTION = CaseSection(
    Section.NOTES,
    records=(NOTE,),
    build=lambda case, user: selectors.case_notes(user, case),
    tab="care.notes.views.case_tab",
    panels=(
        Panel(
            "care/notes/dashboard.html",
            "care.notes.views.dashboard_contact",
            frozenset({Role.CASEWORKER, Role.CIVIL_AFFAIRS}),
        ),
    ),
)
