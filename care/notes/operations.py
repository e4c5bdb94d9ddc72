"""Every change to the case notes: a note is added, or corrected by a new one — nothing else.

- **Append-only.** A note is never changed nor deleted (no operation does either; the API has no
  route for them). A mistake is put right by a *correction*: a new note pointing at the one it
  corrects (``corrects``), shown together with it. A note is corrected at most once (409
  ``already_corrected``: correct the latest one instead), so a chain of corrections is a line.
- **Who writes.** The role must write the ``notes`` section and read the section the note
  ``concerns`` (400 naming ``concerns`` otherwise): nobody writes what they could not read back.
  A note concerns any section of the policy but ``notes`` itself and those whose readers each
  see only part of them (:data:`NOT_CONCERNED`); by default the general section ``person``,
  which every role that opens a case reads. A correction keeps the concerns of the note it
  corrects unless it names another the writer reads.
- **What a note holds.** Its kind, the day it happened (not in the future), an optional
  duration (1 to 1440 minutes), who took part by role (``care.choices.Participant``, each
  once — never names: other victims may be present), the organizations present (active ones;
  at least one for a case conference), and its text (encrypted).
- **A case conference** lists the decisions taken (never on another kind of note), each of
  which may create a goal of the care plan through ``care.plan.operations.goal_create`` — in
  the same transaction, so a goal refused (no care plan yet, a field missing) refuses the whole
  note, and the refusal is named under ``decisions``. Adding goals needs the writer's role to
  write the care plan (403 ``care_plan_read_only`` otherwise).
- Each write locks the case, checks ``require_room`` for the notes and decisions it adds, runs in
  one transaction inside ``recorded_change`` (history names the actor and a fixed reason) and
  writes its audit event (ids, kind, section and counts: never the text).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from care.choices import NoteKind, Participant
from care.models import CaseNote, ConferenceDecision
from care.notes import selectors
from care.plan.operations import goal_create
from registry import policy
from registry.errors import Conflict, PermissionDenied, RuleViolation
from registry.history import recorded_change
from registry.models import AuditAction, Organization
from registry.operations import full_clean, lock_for_change, require_room
from registry.policy import Section, require_write
from services.operations.common import audit
from victims import validation
from victims.models import Case
from victims.operations import lock_case

NOTE_FIELDS = (
    "kind",
    "occurred_on",
    "duration_minutes",
    "participants",
    "organizations",
    "concerns",
    "text",
    "decisions",
)
GOAL_FIELDS = ("domain", "description", "owner", "target_on")
DEFAULT_CONCERNS = Section.PERSON
# Sections no note may concern: the notes themselves, and those whose readers each see only part
# of them (a receiving department reads only its own goals of the care plan, its own service's
# consents and its own referrals), where a note would tell them the rest.
NOT_CONCERNED = frozenset({Section.NOTES, Section.CARE_PLAN, Section.CONSENTS, Section.REFERRALS})
MAX_DURATION_MINUTES = 24 * 60
MAX_ORGANIZATIONS = 50
MAX_DECISIONS = 20


def concernable_sections(user) -> tuple[Section, ...]:
    """The sections a note written by ``user`` may concern, in the policy's order."""
    return tuple(
        section
        for section in policy.readable_sections(user)
        if isinstance(section, Section) and section not in NOT_CONCERNED
    )


# --- checking what was sent -----------------------------------------------------------------------


def _text(value, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RuleViolation(_("Write the text."), field=field)
    return value.strip()


def _occurred_on(value) -> datetime.date:
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise RuleViolation(_("Give the date."), field="occurred_on")
    validation.check_not_future(value, "occurred_on")
    return value


def _duration(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DURATION_MINUTES:
        raise RuleViolation(
            _("Give the duration in minutes, from 1 to %(most)s.") % {"most": MAX_DURATION_MINUTES},
            field="duration_minutes",
        )
    return value


def _participants(value) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list | tuple) or any(item not in Participant.values for item in value):
        raise RuleViolation(_("Choose who took part from the list of roles."), field="participants")
    if len(set(value)) != len(value):
        raise RuleViolation(_("A value is given twice."), field="participants")
    return list(value)


def _organizations(value, kept=()) -> list[Organization]:
    """Active organizations — or, in a correction, those of the corrected note (``kept``), which
    may have been deactivated since."""
    if value is None:
        return []
    if (
        not isinstance(value, list | tuple)
        or len(value) > MAX_ORGANIZATIONS
        or any(not isinstance(item, Organization) or not (item.is_active or item in kept) for item in value)
    ):
        raise RuleViolation(
            _("Choose at most %(count)s active organizations.") % {"count": MAX_ORGANIZATIONS}, field="organizations"
        )
    return list(dict.fromkeys(value))


def _concerns(actor, value) -> str:
    if not isinstance(value, str) or value not in {section.value for section in concernable_sections(actor)}:
        raise RuleViolation(
            _("Choose a section of the case file you read (not the notes, care plan, consents or referrals)."),
            field="concerns",
        )
    return value


def _decisions(actor, value, kind: str) -> list[dict[str, Any]]:
    """The decisions of a conference: ``[{"text", "goal": None | {domain, description, owner,
    target_on}}]``; refused under ``decisions`` for another kind of note, or malformed."""
    if not value:
        return []
    if kind != NoteKind.CONFERENCE:
        raise RuleViolation(_("Only a case conference records decisions."), field="decisions")
    if not isinstance(value, list | tuple) or len(value) > MAX_DECISIONS:
        raise RuleViolation(_("Give at most %(count)s decisions.") % {"count": MAX_DECISIONS}, field="decisions")
    decisions = []
    for number, item in enumerate(value, start=1):
        if not isinstance(item, dict) or set(item) - {"text", "goal"}:
            raise RuleViolation(_("Give each decision as its text and, if it creates one, a goal."), field="decisions")
        text = item.get("text")
        if not isinstance(text, str) or not text.strip():
            raise RuleViolation(
                _("Decision %(number)s: write what was decided.") % {"number": number}, field="decisions"
            )
        goal = item.get("goal")
        if goal is not None and (not isinstance(goal, dict) or set(goal) - set(GOAL_FIELDS)):
            raise RuleViolation(
                _("Decision %(number)s: give the goal's domain, description, owner and target date.")
                % {"number": number},
                field="decisions",
            )
        decisions.append({"text": text.strip(), "goal": goal})
    if any(decision["goal"] for decision in decisions) and not policy.may_write(actor, Section.CARE_PLAN):
        raise PermissionDenied(
            _("Your role may not add goals to the care plan: record the decisions without goals."),
            field="decisions",
            code="care_plan_read_only",
        )
    return decisions


def _values(actor, data: dict, defaults: dict | None = None) -> dict[str, Any]:
    """What ``data`` asks for, checked, over ``defaults`` (a correction's: the corrected note's)."""
    unknown = sorted(set(data) - set(NOTE_FIELDS))
    if unknown:
        raise RuleViolation(_("Unknown field."), field=unknown[0])
    given = {**(defaults or {}), **data}
    if given.get("kind") not in NoteKind.values:
        raise RuleViolation(_("Choose the kind of note."), field="kind")
    values = {
        "kind": given["kind"],
        "occurred_on": _occurred_on(given.get("occurred_on")),
        "duration_minutes": _duration(given.get("duration_minutes")),
        "participants": _participants(given.get("participants")),
        "organizations": _organizations(given.get("organizations"), (defaults or {}).get("organizations", ())),
        "concerns": _concerns(actor, given.get("concerns") or DEFAULT_CONCERNS),
        "text": _text(data.get("text"), "text"),
        "decisions": _decisions(actor, data.get("decisions"), given["kind"]),
    }
    if values["kind"] == NoteKind.CONFERENCE and not values["organizations"]:
        raise RuleViolation(_("Name the organizations present at the case conference."), field="organizations")
    return values


# --- writing ---------------------------------------------------------------------------------------


def _goal(actor, case: Case, number: int, goal: dict):
    """The goal a decision creates (``goal_create``); its refusal named under ``decisions``."""
    try:
        return goal_create(actor=actor, case=case, data=dict(goal))
    except (RuleViolation, Conflict) as refused:
        raise RuleViolation(
            _("Decision %(number)s: %(reason)s") % {"number": number, "reason": refused.message},
            field="decisions",
            code=refused.code,
        ) from None


def _save(actor, case: Case, values: dict[str, Any], *, corrects: CaseNote | None = None) -> CaseNote:
    """Insert the note, its organizations and its decisions (with their goals) on the locked
    ``case``, and the audit event."""
    decisions = values.pop("decisions")
    organizations = values.pop("organizations")
    require_room(CaseNote, case)
    if decisions:
        require_room(ConferenceDecision, case, adding=len(decisions))
    note = CaseNote(case=case, corrects=corrects, created_by=actor, **values)
    full_clean(note, exclude=["case", "corrects", "created_by"])
    note.save()
    note.organizations.set(organizations)
    goals = 0
    for number, decision in enumerate(decisions, start=1):
        goal = _goal(actor, case, number, decision["goal"]) if decision["goal"] else None
        goals += goal is not None
        row = ConferenceDecision(case=case, note=note, text=decision["text"], goal=goal)
        full_clean(row, exclude=["case", "note", "goal"])
        row.save()
    detail = {"kind": note.kind, "concerns": note.concerns, "decisions": len(decisions), "goals": goals}
    if corrects is not None:
        detail["corrects"] = str(corrects.uuid)
    audit(actor, AuditAction.RECORD_CREATED, note, "correct" if corrects else "create", **detail)
    return note


def note_create(*, actor, case: Case, data: dict) -> CaseNote:
    """Add a note to ``case``.

    ``data``: ``kind``, ``occurred_on``, ``text``; optionally ``duration_minutes``,
    ``participants``, ``organizations`` (:class:`registry.models.Organization` rows),
    ``concerns`` (default ``person``) and, for a conference, ``decisions`` (see the module's
    docstring). 403 unless the actor writes notes, 404 out of scope, 400 naming the field,
    409 ``too_many_records``. Audit ``record_created``."""
    require_write(actor, Section.NOTES)
    values = _values(actor, data)
    with transaction.atomic(), recorded_change(actor=actor, reason="case note added"):
        locked = lock_case(actor, case)
        return _save(actor, locked, values)


def note_correct(*, actor, note: CaseNote, data: dict) -> CaseNote:
    """Correct ``note`` with a new note pointing at it. ``data`` as for :func:`note_create`;
    ``text`` is required, every other field omitted is the corrected note's (its decisions are
    not copied: a correction of a conference lists the decisions it records anew). 404 unless
    the actor reads ``note``, 409 ``already_corrected`` when it has a correction already. Audit
    ``record_created`` naming the corrected note."""
    require_write(actor, Section.NOTES)
    with transaction.atomic(), recorded_change(actor=actor, reason="case note corrected"):
        original = lock_for_change(
            selectors.readable_notes(actor, CaseNote.objects.visible_to(actor)),
            note.pk,
            missing=_("No such note."),
            case=lambda: lock_case(actor, note.case),
        )
        if CaseNote.objects.filter(corrects=original).exists():
            raise Conflict(
                _("This note is corrected already: correct its latest correction instead."),
                code="already_corrected",
            )
        defaults = {
            "kind": original.kind,
            "occurred_on": original.occurred_on,
            "duration_minutes": original.duration_minutes,
            "participants": original.participants,
            "organizations": list(original.organizations.all()),
            "concerns": original.concerns,
        }
        values = _values(actor, data, defaults)
        return _save(actor, original.case, values, corrects=original)
