"""Reads of the case notes — every one through ``CaseNote.objects.visible_to(user)`` (the case
scope), narrowed to the notes whose section the user reads (:func:`readable_notes`).

Guarantees:

- **A note is read by the readers of the section it concerns, and by no one else**: a health
  note by who reads ``health``, a legal aid note by who reads ``legal_aid``. The same narrowing
  applies to a note's decisions and to the history rows of both (the section's ``RecordKind``
  declares it, so the API, the tab, the timeline, the history and dossiers all follow it). A
  note out of the reader's reach is :class:`registry.errors.NotFound`, exactly like an absent
  one.
- A correction is shown with the note it corrects: each note carries ``corrects`` and
  ``corrected_by`` (ids). ``corrected_by`` is given even when the correction concerns a section
  the reader does not read, so nobody takes a corrected note for the last word.
- The list of a case costs a fixed number of queries however many notes it holds (the
  organizations, decisions and the correcting note's id come in the same few queries).
- :func:`cases_without_contact` lists the open cases a user sees with no note and no change of
  a service record for ``CASE_CONTACT_DAYS`` days, in one query with uncorrelated subqueries
  over indexed columns (never a case loaded into Python to be judged).

Callers log what they show (``registry.audit.log_read``).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db.models import F, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from care.models import CaseNote, ConferenceDecision
from legal_aid.models import LegalAidActivity, LegalAidMatter
from registry import policy
from registry.errors import NotFound
from registry.models import Organization
from registry.policy import Section
from services.models import (
    EmploymentPlacement,
    FollowUpVisit,
    ReturnPlan,
    SchoolEnrollment,
    ShelterPlacement,
    VocationalTraining,
)
from victims import selectors as case_selectors
from victims.models import Case
from victims.stages import CLOSED_STAGES

# What a note shows (API, tab, dossier), in order; ``decisions`` is the list of a conference's.
NOTE_FIELDS = (
    "kind",
    "occurred_on",
    "duration_minutes",
    "participants",
    "organizations",
    "concerns",
    "text",
    "corrects",
    "corrected_by",
    "created_by",
)
# What the history of a note shows: the fields kept in its history table (the organizations are
# a many-to-many relation, without history; the writer is the history row's user).
NOTE_HISTORY_FIELDS = ("kind", "occurred_on", "duration_minutes", "participants", "concerns", "text", "corrects")
DECISION_FIELDS = ("text", "goal")

# The records whose creation or change counts as a service to the person (with the notes).
SERVICE_MODELS = (
    ShelterPlacement,
    SchoolEnrollment,
    VocationalTraining,
    EmploymentPlacement,
    ReturnPlan,
    FollowUpVisit,
    LegalAidMatter,
    LegalAidActivity,
)


# --- who reads which note -----------------------------------------------------------------------


def readable_concerns(user) -> list[str]:
    """The values of the sections ``user`` reads: the notes concerning them are the user's."""
    return [section.value for section in policy.readable_sections(user)]


def readable_notes(user, rows: QuerySet) -> QuerySet:
    """``rows`` of notes (or their history rows) narrowed to those concerning a section ``user``
    reads (the ``narrow`` of the notes' ``RecordKind``)."""
    return rows.filter(concerns__in=readable_concerns(user))


def readable_decisions(user, rows: QuerySet) -> QuerySet:
    """``rows`` of decisions (or their history rows) of the notes :func:`readable_notes` leaves."""
    return rows.filter(note__concerns__in=readable_concerns(user))


# --- one note, as every face shows it ------------------------------------------------------------


def decision_dict(decision: ConferenceDecision) -> dict[str, Any]:
    return {
        "id": str(decision.uuid),
        "version": decision.version,
        "text": decision.text,
        "goal": str(decision.goal_uuid) if decision.goal_uuid else None,
    }


def note_dict(note: CaseNote) -> dict[str, Any]:
    """A note from :func:`_detailed` (its organizations and decisions prefetched, the ids of
    the notes it corrects and that correct it annotated)."""
    return {
        "id": str(note.uuid),
        "version": note.version,
        "kind": note.kind,
        "occurred_on": note.occurred_on,
        "duration_minutes": note.duration_minutes,
        "participants": note.participants,
        "organizations": sorted(str(organization.uuid) for organization in note.organizations.all()),
        "concerns": note.concerns,
        "text": note.text,
        "corrects": str(note.corrects_uuid) if note.corrects_uuid else None,
        "corrected_by": str(note.corrected_by_uuid) if note.corrected_by_uuid else None,
        "created_by": str(note.created_by.uuid),
        "decisions": [decision_dict(decision) for decision in note.decisions.all()],
    }


def _detailed(rows: QuerySet) -> QuerySet:
    """``rows`` with what :func:`note_dict` shows, in four queries however many notes."""
    correction = CaseNote.objects.filter(corrects=OuterRef("pk")).values("uuid")[:1]
    decisions = ConferenceDecision.objects.annotate(goal_uuid=F("goal__uuid")).order_by("id")
    return (
        rows.select_related("created_by")
        .annotate(corrects_uuid=F("corrects__uuid"), corrected_by_uuid=Subquery(correction))
        .prefetch_related(
            Prefetch("organizations", queryset=Organization.objects.only("uuid")),
            Prefetch("decisions", queryset=decisions),
        )
    )


def note_record(note: CaseNote) -> dict[str, Any]:
    """One note as its section shows it (the ``to_dict`` of the notes' ``RecordKind``)."""
    return note_dict(_detailed(CaseNote.objects.filter(pk=note.pk)).get())


def check_readable(user) -> None:
    """NotFound unless the user's role opens the notes at all."""
    if not policy.may_read(user, Section.NOTES):
        raise NotFound(_("No such note."))


def _notes(user) -> QuerySet:
    return readable_notes(user, CaseNote.objects.visible_to(user))


def case_notes(user, case: Case, *, kind: str | None = None, newest_first: bool = False) -> list[dict[str, Any]]:
    """The notes of ``case`` (a case from ``victims.selectors.case_for``) that ``user`` reads,
    of ``kind`` when given, in the order they happened (``newest_first`` reversed): the
    ``notes`` section of the case file. NotFound when the role may not open the notes."""
    check_readable(user)
    rows = _notes(user).filter(case=case)
    if kind:
        rows = rows.filter(kind=kind)
    order = ("-occurred_on", "-id") if newest_first else ("occurred_on", "id")
    return [note_dict(note) for note in _detailed(rows.order_by(*order))]


def note_for(user, note_id, *, case: Case | None = None) -> CaseNote:
    """The note with UUID ``note_id`` if ``user`` reads it (and it is on ``case`` when one is
    given); NotFound otherwise — also for a note of a section the user does not read and for a
    malformed id."""
    check_readable(user)
    rows = _notes(user).select_related("case")
    if case is not None:
        rows = rows.filter(case=case)
    return rows.one(note_id, missing=_("No such note."))


# --- the dashboard: cases without contact --------------------------------------------------------


def contact_since(today: datetime.date) -> datetime.date:
    """The first day that still counts as recent contact: ``CASE_CONTACT_DAYS`` before today."""
    return today - datetime.timedelta(days=settings.CASE_CONTACT_DAYS)


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def cases_without_contact(user, today: datetime.date) -> QuerySet:
    """The open cases (neither closed nor transferred) ``user`` sees that were opened before
    :func:`contact_since` and have had since then no note (by the day it happened) and no
    service record (:data:`SERVICE_MODELS`) created or changed (by its history), oldest opened
    first. Every subquery is uncorrelated — the case ids of recent notes and of recent history
    rows, read through the indexes on the dates — so the database answers it in one pass,
    however many cases there are. Empty for a role that does not open the notes."""
    if not policy.may_read(user, Section.NOTES):
        return Case.objects.none()
    since = contact_since(today)
    recent = Q(opened_on__gte=since) | Q(pk__in=CaseNote.objects.filter(occurred_on__gte=since).values("case_id"))
    for model in SERVICE_MODELS:
        # A history row's case is nullable: NOT IN over a NULL would drop every case.
        changed = model.history.filter(history_date__gte=_start_of(since), case_id__isnull=False)
        recent |= Q(pk__in=changed.values("case_id"))
    return case_selectors.cases_for(user).exclude(stage__in=CLOSED_STAGES).exclude(recent).order_by("opened_on", "id")


def last_contacts(case_ids: list[int]) -> dict[int, datetime.date]:
    """The day of the last note or service change of each case (absent when there was none):
    a query per kind of record, for the few cases a dashboard lists."""
    found: dict[int, datetime.date] = {}

    def keep(case_id: int, day: datetime.date) -> None:
        if case_id not in found or day > found[case_id]:
            found[case_id] = day

    notes = CaseNote.objects.filter(case_id__in=case_ids).values("case_id").annotate(last=Max("occurred_on"))
    for row in notes.order_by():
        keep(row["case_id"], row["last"])
    for model in SERVICE_MODELS:
        changes = model.history.filter(case_id__in=case_ids).values("case_id").annotate(last=Max("history_date"))
        for row in changes.order_by():
            keep(row["case_id"], timezone.localdate(row["last"]))
    return found
