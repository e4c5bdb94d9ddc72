"""Case notes for the demonstration registry (``manage.py seed_demo``, after the care plans).

Most open cases the seed registered (``victims.seed.synthetic_cases``: never a case someone
registered by hand in the demo) get a service log written by the caseworker of the case's
organization: phone contacts, counselling sessions, home visits, interpreter sessions and others
over the last months, most about the person, some about health, shelter, the return home, legal
aid or schooling (and then read only by the readers of that section). The receiving departments
write no note (they read them; their own work is in their section's records, seeded by their
apps). Some cases hold a case conference naming the organizations present, whose decisions may
create a goal of the care plan (through ``care.plan.operations.goal_create``,
called by ``note_create``); a few notes are corrected by a later one. Every text is synthetic
(``FICTION``).

A share of the open cases (``WITHOUT_CONTACT``, among those opened long enough ago) is left
*without contact* for the dashboard's alert: no note for more than ``CASE_CONTACT_DAYS`` days,
and the history rows of their service records — written today by the services' and legal aid's
seeds — are moved back to a day before that (a queryset ``update()`` of the history tables,
the one write here that is no operation: it only dates the demo's synthetic past, as every
other seed dates its records in the past). Nothing else is backdated; ``created_at`` is not read
by the alert.

Guarantees:

- Every note goes through ``care.notes.operations`` as the caseworker, so history and the audit
  log hold what a real registry would.
- Deterministic: each case's log is drawn from ``random.Random`` seeded by (seed, case number);
  dates never lie in the future nor before the case was opened.
- Idempotent: a case that has notes is left alone, and the backdating of a case without contact
  gives the same dates again, so a second run adds nothing.
- One transaction per case (``victims.seed.attempt``): a case an operation refuses is rolled
  back, listed by number in ``skipped`` and not counted, and the step goes on. Counts only are
  returned, nothing personal.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from care.choices import NeedDomain, NoteKind, Participant
from care.models import CarePlan, CaseNote
from care.notes import operations
from care.notes.selectors import SERVICE_MODELS
from registry.choices import Department, OrganizationKind, Role
from registry.history import recorded_change
from registry.models import Organization, User
from registry.policy import Section
from victims.models import Case
from victims.seed import SkippedCase, attempt, synthetic_cases
from victims.stages import CLOSED_STAGES
from victims.synthetic import weighted
from victims.validation import today as current_day

FICTION = "（演示数据，情节虚构）"
SHARE = 0.8  # of the open cases that get a service log
WITHOUT_CONTACT = 0.12  # of the open cases opened long enough ago, left without recent contact
CONFERENCE = 0.25  # of the logs that hold a case conference
CORRECTED = 0.1  # of the notes corrected by a later one
KINDS = {NoteKind.PHONE: 4, NoteKind.COUNSELLING: 3, NoteKind.HOME_VISIT: 2, NoteKind.INTERPRETER: 1, NoteKind.OTHER: 1}
CONCERNS = {
    Section.PERSON: 10,
    Section.HEALTH: 3,
    Section.SHELTER: 2,
    Section.RETURN_HOME: 2,
    Section.LEGAL_AID: 1,
    Section.SCHOOLING: 1,
}
PARTICIPANTS = {
    NoteKind.PHONE: (Participant.PERSON, Participant.CASEWORKER),
    NoteKind.COUNSELLING: (Participant.PERSON, Participant.PSYCHOLOGIST, Participant.SOCIAL_WORKER),
    NoteKind.HOME_VISIT: (Participant.PERSON, Participant.FAMILY, Participant.CASEWORKER),
    NoteKind.INTERPRETER: (Participant.PERSON, Participant.INTERPRETER, Participant.CASEWORKER),
    NoteKind.OTHER: (Participant.CASEWORKER, Participant.OFFICIAL),
    NoteKind.CONFERENCE: (Participant.CASEWORKER, Participant.SOCIAL_WORKER, Participant.OFFICIAL),
}
MINUTES = {
    NoteKind.PHONE: (5, 30),
    NoteKind.COUNSELLING: (45, 90),
    NoteKind.HOME_VISIT: (60, 180),
    NoteKind.INTERPRETER: (30, 60),
    NoteKind.CONFERENCE: (60, 120),
}
TEXTS = {
    NoteKind.PHONE: (
        "电话联系受援人，了解近况，情绪稳定",
        "电话提醒受援人按时复诊",
        "电话沟通返乡意愿，受援人表示再考虑",
    ),
    NoteKind.COUNSELLING: (
        "个体心理辅导一次，睡眠有所改善",
        "团体辅导活动，受援人愿意与他人交流",
        "辅导中谈及被拐经历，情绪波动，已做稳定化处理",
    ),
    NoteKind.HOME_VISIT: (
        "走访受援人家庭，核实家庭情况与居住条件",
        "家访：家属愿意接纳，需进一步评估",
        "家访未见本人，已留联系方式",
    ),
    NoteKind.INTERPRETER: ("在翻译协助下完成需求评估面谈", "在翻译协助下说明法律援助流程"),
    NoteKind.OTHER: ("陪同办理临时身份证明", "与安置机构沟通生活安排"),
}
CONFERENCE_TEXT = "召开个案会商，讨论安置、心理辅导与返乡方案"
DECISIONS = ("协调法律援助中心跟进诉讼进展", "下次会商前完成体检复查", "与学校沟通复学安排")
# Decisions that create a goal of the care plan: the decision, and the goal in its domain.
GOAL = {
    NeedDomain.MENTAL_HEALTH: ("继续安排每周心理辅导", "按会商决定，每周一次心理辅导，三个月后评估"),
    NeedDomain.FAMILY: ("由民政部门牵头核实家庭情况", "按会商决定，核实家庭情况并提出返乡或安置建议"),
}
CORRECTION = "更正：上一条记录日期或内容有误，以本条为准。"
# The organizations a case conference may bring together, by department and kind, in the city.
ATTENDING = (
    (Department.CIVIL_AFFAIRS, OrganizationKind.BUREAU),
    (Department.EDUCATION, OrganizationKind.BUREAU),
    (Department.JUSTICE, OrganizationKind.LEGAL_AID_CENTRE),
    (Department.LABOR, OrganizationKind.BUREAU),
    (Department.PUBLIC_SECURITY, OrganizationKind.POLICE_UNIT),
)


@dataclass(frozen=True)
class SeedResult:
    notes: int  # notes written by this run (corrections included)
    conferences: int
    goals: int  # goals created by a conference's decision
    without_contact: int  # open cases left without contact for the dashboard's alert
    present: int  # open cases that already had notes
    skipped: tuple[SkippedCase, ...] = ()  # refused by an operation, rolled back


def _text(text: str) -> str:
    return text + FICTION


def _day(rng: random.Random, case: Case, today: datetime.date, low: int, high: int) -> datetime.date:
    """A day ``low`` to ``high`` days ago, not before the case was opened."""
    return max(today - datetime.timedelta(days=rng.randint(low, high)), case.opened_on)


def _note(kind: NoteKind, occurred_on, rng: random.Random, **extra) -> dict:
    low, high = MINUTES.get(kind, (0, 0))
    return {
        "kind": kind,
        "occurred_on": occurred_on,
        "duration_minutes": rng.randint(low, high) if high else None,
        "participants": list(PARTICIPANTS[kind]),
        "text": _text(rng.choice(TEXTS[kind])) if kind in TEXTS else _text(CONFERENCE_TEXT),
        **extra,
    }


def _attending(case: Case, rng: random.Random) -> list[Organization]:
    city = case.jurisdiction.code[:4]
    found = [case.lead_organization]
    for department, kind in rng.sample(ATTENDING, k=rng.randint(1, 3)):
        organization = Organization.objects.filter(
            jurisdiction__code__startswith=city, department=department, kind=kind, is_active=True
        ).first()
        if organization is not None and organization not in found:
            found.append(organization)
    return found


def _conference(case: Case, rng: random.Random, today: datetime.date) -> tuple[dict, int]:
    """A case conference of ``case`` and how many goals its decisions create (one at most,
    when the case has a care plan)."""
    decisions = [{"text": _text(text), "goal": None} for text in rng.sample(DECISIONS, k=rng.randint(1, 2))]
    goals = 0
    if CarePlan.objects.filter(case=case).exists() and rng.random() < 0.6:
        domain = rng.choice(list(GOAL))
        decision, goal = GOAL[domain]
        target_on = today + datetime.timedelta(days=rng.randint(30, 120))
        goal = {"domain": domain, "description": _text(goal), "owner": case.lead_organization, "target_on": target_on}
        decisions.insert(0, {"text": _text(decision), "goal": goal})
        goals = 1
    data = _note(
        NoteKind.CONFERENCE,
        _day(rng, case, today, 3, 40),
        rng,
        organizations=_attending(case, rng),
        decisions=decisions,
    )
    return data, goals


def record_log(case: Case, caseworker: User, rng: random.Random, today: datetime.date) -> tuple[int, int, int]:
    """The service log of ``case``: a few notes over the last months, the latest within the
    last weeks; maybe a conference, a correction. Returns how many notes, conferences and goals
    it wrote."""
    notes = conferences = goals = 0
    count = rng.randint(1, 4)
    for number in range(count):
        kind = weighted(rng, KINDS)
        recent = number == count - 1
        occurred_on = _day(rng, case, today, 0, 20) if recent else _day(rng, case, today, 21, 150)
        concerns = weighted(rng, CONCERNS)
        note = operations.note_create(
            actor=caseworker, case=case, data=_note(kind, occurred_on, rng, concerns=concerns.value)
        )
        notes += 1
        if rng.random() < CORRECTED:
            operations.note_correct(actor=caseworker, note=note, data={"text": _text(CORRECTION)})
            notes += 1
    if rng.random() < CONFERENCE:
        data, made = _conference(case, rng, today)
        operations.note_create(actor=caseworker, case=case, data=data)
        notes, conferences, goals = notes + 1, 1, made
    return notes, conferences, goals


def leave_without_contact(case: Case, rng: random.Random, today: datetime.date) -> datetime.date:
    """Date the history of the service records of ``case`` before the contact window (see the
    module's docstring); the day of its last contact."""
    window = settings.CASE_CONTACT_DAYS
    last = max(today - datetime.timedelta(days=window + rng.randint(5, 60)), case.opened_on)
    moved = timezone.make_aware(datetime.datetime.combine(last, datetime.time(10)))
    for model in SERVICE_MODELS:
        model.history.filter(case_id=case.pk, history_date__gt=moved).update(history_date=moved)
    return last


def seed_notes(*, seed: int) -> SeedResult:
    """Service logs for the open cases the seed registered that have no note yet (about ``SHARE``
    of them), and a share left without contact. Needs the victims', services', legal aid's and care plans'
    seeds first. Returns counts only."""
    today = current_day()
    window = settings.CASE_CONTACT_DAYS
    caseworkers: dict[int, User] = {}
    for user in User.objects.filter(role=Role.CASEWORKER, is_active=True).order_by("username"):
        caseworkers.setdefault(user.organization_id, user)
    with_notes = set(CaseNote.objects.values_list("case_id", flat=True))
    cases = synthetic_cases().exclude(stage__in=CLOSED_STAGES).select_related("jurisdiction", "lead_organization")
    notes = conferences = goals = without_contact = present = 0
    skipped: list[SkippedCase] = []
    with recorded_change(actor=None, reason="seed_demo"):
        for case in cases.order_by("id"):
            caseworker = caseworkers.get(case.lead_organization_id)
            if caseworker is None:
                continue
            rng = random.Random(f"case_notes:{seed}:{case.number}")  # noqa: S311 - synthetic data
            if case.opened_on < today - datetime.timedelta(days=window + 10) and rng.random() < WITHOUT_CONTACT:
                with attempt(case, skipped) as work:
                    last = leave_without_contact(case, rng, today)
                    noted = case.pk not in with_notes and rng.random() < 0.5  # one old note, or none at all
                    if noted:
                        operations.note_create(actor=caseworker, case=case, data=_note(NoteKind.PHONE, last, rng))
                if work.done:
                    notes, without_contact = notes + noted, without_contact + 1
            elif case.pk in with_notes:
                present += 1
            elif rng.random() < SHARE:
                with attempt(case, skipped) as work:
                    written, held, made = record_log(case, caseworker, rng, today)
                if work.done:
                    notes, conferences, goals = notes + written, conferences + held, goals + made
    return SeedResult(notes, conferences, goals, without_contact, present, tuple(skipped))
