"""The assistance services' part of a synthetic journey: shelter stays, schooling, training and
jobs, return plans and follow-up visits — what ``services.operations`` would write for the
person, written by the bulk writer instead.

A person's services are drawn first, as a plan (:func:`draw`): pure data from the person's plan
(``victims.seed``), their own random generator (``journey.rng("services")``) and what the run
has written so far (beds taken, in :class:`ServicesState`). The plan is then written either by
:func:`step` (the generator: rows, history rows and audit events through
:class:`benchmarks.bulk.Writer`, each block naming the operation it stands for) or by
:func:`through_operations` (each step through its operation, as the user whose job it is — what
``tests/benchmarks/test_generate.py`` compares the generator with). Both take the same plan
from the same state, so they write the same rows.

The plan keeps the operations' rules, so no operation would refuse a step of it:

- stays: admission while a bed is free (``shelter_full``), one stay at a time, none
  overlapping (a transfer discharges and admits on one day); a stay that outlasts the journey
  keeps :data:`RESERVED_BEDS` free, so later people can still pass through a full shelter —
  otherwise their stay ends (they left), or they go to the city's relief station;
- school enrolment only for a minor (under 18 on the start date) whose schooling referral the
  education bureau accepted; training and jobs only from 16 on the start date, on an accepted
  training referral (a referral completed already leaves the section read-only);
- return plans in every status, written by the caseworker with the person's voice
  (``services.seed.voice``: the wish, a child's best-interests determination) and approved
  by the city's civil affairs officer (four eyes); the pathway follows the person: a foreign national is
  repatriated, a child reunified with the birth family only after a submitted DNA sample's
  confirmed match (otherwise institutional care) and never with the purchasing household
  (never chosen), an adult returned home, to their province or resettled locally; a plan to
  another province names the receiving agency and its completion the handover record;
- a plan's approval is stamped with the time it is given and a handover cannot come before
  it, so every completed plan was handed over on the day of the run (as ``services.seed``);
  completion discharges the person, moves the case to ``returned`` and schedules the visits of
  ``REGISTRY_FOLLOW_UP_MONTHS``; some cases get one more visit due in the past, left overdue
  or recorded as done, and some have their last visit waived by civil affairs;
- a case the victim file closes (``plan.ending``) is left closable: no stay open, no plan in
  force, and after a completed return every visit done or waived — its outstanding visits
  waived by the civil affairs officer who closes it. Transferred cases get no services.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from dataclasses import dataclass, field, replace

from django.db.models import Count
from stdnum.cn import ric

from benchmarks.bulk import Row, Writer
from benchmarks.journeys import Generation, Journey
from registry.choices import RESIDENTIAL_KINDS, OrganizationKind
from registry.models import AuditAction, Organization
from registry.policy import Section
from services import operations as services
from services.choices import Attendance, DischargeReason, Pathway, ReturnPlanStatus, TrainingOutcome
from services.models import (
    EmploymentPlacement,
    FollowUpVisit,
    ReturnPlan,
    SchoolEnrollment,
    ShelterPlacement,
    VocationalTraining,
)
from services.operations.common import ADULT_AGE, TRAINING_MIN_AGE, add_months, follow_up_months
from services.seed import voice
from victims.choices import DNAMatch, DocumentType, Service, Sex, Stage
from victims.models import Case, Household
from victims.seed import PROVINCES, PersonPlan
from victims.synthetic import weighted
from victims.validation import age_on

FICTION = "（虚构）"
SHARE_ADMITTED = {"child": 0.9, "adult": 0.7}
SHARE_TRANSFERRED = 0.15  # of the stays in a welfare home: first a night or more at the relief station
SHARE_LEFT = 0.25  # of the stays that could go on: the person left the shelter
LONGEST_OPEN_STAY = 240  # days: a stay begun earlier has ended (the person left)
RESERVED_BEDS = 1  # a stay that outlasts its journey leaves this many beds free in its shelter
SHARE_ENROLLED = 0.6  # of the children whose schooling referral is accepted
SHARE_TRAINED = 0.7  # of the people whose training referral is accepted
SHARE_EMPLOYED = 0.6  # of the completed trainings
SHARE_VERIFIED = 0.7  # of the jobs
SHARE_EXTRA_VISIT = 0.6  # of the completed plans: one more visit, due in the past
SHARE_EXTRA_DONE = 0.5  # of those: recorded as done (the others are overdue)
SHARE_LAST_WAIVED = 1 / 3  # of the completed plans: the last visit waived
# Return plan status by weight (None: no plan yet); a case the victim file closes has none, a
# cancelled one or a completed one. The first people of each city take every status in turn,
# so each shows in the smallest run.
PLAN_WEIGHTS = {
    None: 50,
    ReturnPlanStatus.AWAITING_APPROVAL: 12,
    ReturnPlanStatus.APPROVED: 8,
    ReturnPlanStatus.COMPLETED: 22,
    ReturnPlanStatus.CANCELLED: 8,
}
CLOSING_WEIGHTS = {None: 35, ReturnPlanStatus.CANCELLED: 10, ReturnPlanStatus.COMPLETED: 55}
FIRST_PLANS = (
    ReturnPlanStatus.COMPLETED,
    ReturnPlanStatus.AWAITING_APPROVAL,
    ReturnPlanStatus.APPROVED,
    ReturnPlanStatus.CANCELLED,
    ReturnPlanStatus.COMPLETED,
)
FIRST_CLOSING_PLANS = (ReturnPlanStatus.COMPLETED,)

REPATRIATION_RECEIVERS = {
    "VN": "越南谅山省劳动荣军社会厅",
    "MM": "缅甸掸邦社会福利部门",
    "LA": "老挝琅南塔省劳动社会福利厅",
}
PROGRAMMES = ("电子商务", "家政服务", "中式烹调", "美容美发", "电工", "缝纫", "汽车维修")
JOBS = ("质检员", "收银员", "家政服务员", "厨师助理", "仓库管理员", "客服专员")
EMPLOYERS = ("某电子有限公司", "某家政服务公司", "某餐饮公司", "某物流有限公司")
GRADES = ("一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "初一", "初二", "初三")
CANCEL_REASONS = ("本人改变意愿，暂缓返乡", "家属暂无法接收，另行安排", "需继续治疗，返乡延后")
VISIT_FINDINGS = ("居住稳定，家庭关系融洽", "已复学，情绪稳定", "已就业，生活自理", "经济困难，已申请临时救助")
VISIT_NEEDS = ("无", "需继续心理疏导", "需协助办理低保")
WAIVER_REASON = "本人已随家人迁居外省，由迁入地民政部门接续跟踪"
CLOSING_WAIVER_REASON = "本人生活稳定，经评估结束跟踪，结案"


# --- the plan ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StayPlan:
    """``placement_admit`` to ``shelter``; then ``placement_transfer`` to ``transfer_to`` and
    ``placement_discharge`` (left) on ``left_on`` when set."""

    shelter: Organization
    admitted_on: datetime.date
    notes: str
    transfer_to: Organization | None = None
    transferred_on: datetime.date | None = None
    transfer_notes: str = ""
    left_on: datetime.date | None = None


@dataclass(frozen=True)
class VisitsPlan:
    """After ``return_plan_complete``: ``visit_schedule`` of one more visit due ``extra_due``
    (in the past), ``visit_record`` of it with ``extra_record``, ``visit_waive`` of the
    scheduled visits at the positions ``waived``."""

    extra_due: datetime.date | None = None
    extra_record: dict | None = None
    waived: tuple[int, ...] = ()
    waiver_reason: str = ""


@dataclass(frozen=True)
class ReturnDraw:
    """``return_plan_create`` with ``data`` (``household``: the position of the household in
    the person's plan), then to ``status``: cancelled, approved, completed (handover today)."""

    status: ReturnPlanStatus
    data: dict
    household: int | None = None
    cancellation_reason: str = ""
    handover_record: str = ""
    visits: VisitsPlan | None = None


@dataclass(frozen=True)
class ServicesPlan:
    stay: StayPlan | None = None
    enrolment: dict | None = None  # enrollment_add's data
    training: dict | None = None  # training_add's data
    employment: dict | None = None  # employment_add's data
    ret: ReturnDraw | None = None


@dataclass
class ServicesState:
    """Across people: the cities' shelters, the beds taken, each city's turn."""

    shelters: dict[str, dict[str, Organization]]  # city code -> organization kind -> shelter
    taken: Counter = field(default_factory=Counter)  # shelter pk -> open stays
    turns: Counter = field(default_factory=Counter)  # city code -> people given a services plan
    closing_turns: Counter = field(default_factory=Counter)

    @classmethod
    def load(cls) -> ServicesState:
        shelters: dict[str, dict[str, Organization]] = {}
        rows = Organization.objects.filter(is_active=True, kind__in=RESIDENTIAL_KINDS).select_related("jurisdiction")
        for shelter in rows.order_by("id"):
            shelters.setdefault(shelter.jurisdiction.code, {}).setdefault(shelter.kind, shelter)
        state = cls(shelters=shelters)
        open_stays = (
            ShelterPlacement.objects.filter(discharged_on__isnull=True).values("shelter").annotate(n=Count("id"))
        )
        for row in open_stays:
            state.taken[row["shelter"]] = row["n"]
        return state

    def free(self, shelter: Organization) -> int:
        return (shelter.capacity or 0) - self.taken[shelter.pk]


def state_of(generation: Generation) -> ServicesState:
    state = generation.state.get("services")
    if state is None:
        state = generation.state["services"] = ServicesState.load()
    return state


def _later(rng: random.Random, day: datetime.date, low: int, high: int, today: datetime.date) -> datetime.date:
    return min(day + datetime.timedelta(days=rng.randint(low, high)), today)


def birth_date(plan: PersonPlan) -> datetime.date | None:
    """The birth date registration records (from the resident ID number when none is given)."""
    born = plan.victim.get("birth_date")
    if born is None and plan.victim.get("document_type") == DocumentType.RESIDENT_ID:
        born = ric.get_birth_date(plan.victim["id_number"])
    return born


def referral_outcome(plan: PersonPlan, service: Service) -> str | None:
    return next((referral.outcome for referral in plan.referrals if referral.service == service), None)


def _birthday(born: datetime.date, age: int) -> datetime.date:
    """The first day on which the person is ``age`` (``validation.age_on``)."""
    try:
        return born.replace(year=born.year + age)
    except ValueError:  # born on 29 February: of age on 1 March
        return datetime.date(born.year + age, 3, 1)


def _draw_stay(plan, rng, state, *, born, today, returned: bool, leaves: bool) -> StayPlan | None:
    """The person's stay, if they are admitted and a bed is free. ``returned``: the return plan's
    completion ends the stay; ``leaves``: the stay must end before the case closes."""
    admitted_on = _later(rng, plan.opened_on, 0, 2, today)
    child = age_on(born, admitted_on) < ADULT_AGE
    if rng.random() >= SHARE_ADMITTED["child" if child else "adult"]:
        return None
    shelters = state.shelters.get(plan.city.code, {})
    kinds = [OrganizationKind.CHILDREN_WELFARE] if child else []
    if not child and plan.victim["sex"] == Sex.FEMALE:
        kinds.append(OrganizationKind.WELFARE_HOME)
    kinds.append(OrganizationKind.SHELTER)
    candidates = [shelters[kind] for kind in kinds if kind in shelters]
    left = rng.random() < SHARE_LEFT or (today - admitted_on).days > LONGEST_OPEN_STAY or leaves
    transferred = rng.random() < SHARE_TRANSFERRED
    stays_open = not (returned or left)
    final = None
    if stays_open:  # keep a bed free for the people passing through
        final = next((shelter for shelter in candidates if state.free(shelter) > RESERVED_BEDS), None)
        stays_open = final is not None
    if final is None:
        final = next((shelter for shelter in candidates if state.free(shelter) > 0), None)
    if final is None:
        return None  # every shelter full: placement_admit would refuse (409 shelter_full)
    station = shelters.get(OrganizationKind.SHELTER)
    first, transfer = final, {}
    if transferred and station is not None and final != station and state.free(station) > 0:
        first = station
        transfer = {
            "transfer_to": final,
            "transferred_on": _later(rng, admitted_on, 1, 7, today),
            "transfer_notes": f"床位 {rng.randint(1, final.capacity)} 号{FICTION}",
        }
    since = transfer.get("transferred_on", admitted_on)
    left_on = None
    if not stays_open and not returned:  # left, or no bed to keep: the stay ended
        left_on = _later(rng, since, 5, 120, today)
    if stays_open:
        state.taken[final.pk] += 1
    return StayPlan(
        shelter=first,
        admitted_on=admitted_on,
        notes=f"床位 {rng.randint(1, first.capacity)} 号{FICTION}",
        left_on=left_on,
        **transfer,
    )


def _is_minor(born: datetime.date, *days: datetime.date) -> bool:
    """As ``services.operations.common.is_minor`` for a known birth date."""
    return any(age_on(born, day) < ADULT_AGE for day in days)


def _draw_return(plan, rng, status, *, born, today, closing: bool) -> ReturnDraw:
    """A plan whose pathway the person's facts allow (the operations check every rule again)."""
    city, victim = plan.city, plan.victim
    completed = status == ReturnPlanStatus.COMPLETED
    planned_on = today if completed else today + datetime.timedelta(days=rng.randint(5, 30))
    minor = _is_minor(born, planned_on, today)
    data = {
        "planned_on": planned_on,
        "escort": f"{city.name}救助管理站工作人员{FICTION}",
        "police_unit": "",
        "civil_affairs_unit": "",
        "destination_country": "CN",
        **voice(age=age_on(born, today), on=today, city=city.name),  # the person's voice, as the demo records it
    }
    household = None
    family = next(
        (
            index
            for index, home in enumerate(plan.households)
            if not home.is_purchaser and home.jurisdiction_code  # never the purchasing household
        ),
        None,
    )
    dna = plan.dna or {}
    matched = bool(dna.get("submitted_on")) and dna.get("match") == DNAMatch.CONFIRMED
    native = victim.get("native_place_code", "")
    if victim["nationality"] != "CN":
        data |= {
            "pathway": Pathway.REPATRIATION,
            "destination_code": "",
            "destination_country": victim["nationality"],
            "police_unit": f"{city.name}公安局出入境管理支队",
            "civil_affairs_unit": "福建省民政厅",
            "receiving_party": REPATRIATION_RECEIVERS.get(victim["nationality"], "原籍国主管部门") + FICTION,
        }
    elif family is not None and ((not minor and not victim.get("unknown_origin")) or matched):
        # a child, or a person of unknown origin, goes home only on a DNA match
        code = plan.households[family].jurisdiction_code
        household = family
        data |= {
            "pathway": Pathway.FAMILY_REUNIFICATION,
            "destination_code": code,
            "receiving_party": f"{PROVINCES.get(code[:2], '原籍地')}户籍地县级民政局救助管理站及家属{FICTION}",
        }
    elif minor:
        data |= {
            "pathway": Pathway.INSTITUTIONAL_CARE,
            "destination_code": plan.district.code,
            "receiving_party": f"{city.name}儿童福利院（长期养育）",
        }
    elif native[:2] in PROVINCES and native[:2] != plan.district.code[:2] and rng.random() < 0.5:
        data |= {
            "pathway": Pathway.INTER_PROVINCIAL,
            "destination_code": native,
            "receiving_party": f"{PROVINCES[native[:2]]}户籍地县级民政局救助管理站{FICTION}",
        }
    else:
        data |= {
            "pathway": Pathway.LOCAL_RESETTLEMENT,
            "destination_code": plan.district.code,
            "receiving_party": f"{city.name}{plan.district.name}某社区居民委员会{FICTION}",
        }
    out_of_province = bool(data["destination_code"]) and data["destination_code"][:2] != plan.district.code[:2]
    drawn = ReturnDraw(status=status, data=data, household=household)
    if status == ReturnPlanStatus.CANCELLED:
        return replace(drawn, cancellation_reason=rng.choice(CANCEL_REASONS) + FICTION)
    if not completed:
        return drawn
    record = f"交接单 JJ-{today.year}-{rng.randrange(1, 10**4):04d}，接收单位已签收{FICTION}" if out_of_province else ""
    months = follow_up_months()
    extra_due = extra_record = None
    if closing or rng.random() < SHARE_EXTRA_VISIT:
        extra_due = today - datetime.timedelta(days=rng.randint(8, 40))
        if closing or rng.random() < SHARE_EXTRA_DONE:
            extra_record = {
                "visited_on": _later(rng, extra_due, 0, 5, today),
                "visitor": f"{city.name}救助管理站社工{FICTION}",
                "living_conditions": rng.choice(VISIT_FINDINGS) + FICTION,
                "needs": rng.choice(VISIT_NEEDS),
            }
    if closing:  # closing ends the follow-up: the officer waives the visits still planned
        visits = VisitsPlan(extra_due, extra_record, tuple(range(len(months))), CLOSING_WAIVER_REASON + FICTION)
    elif rng.random() < SHARE_LAST_WAIVED:
        visits = VisitsPlan(extra_due, extra_record, (len(months) - 1,), WAIVER_REASON + FICTION)
    else:
        visits = VisitsPlan(extra_due, extra_record)
    return replace(drawn, handover_record=record, visits=visits)


def draw(journey: Journey, generation: Generation) -> ServicesPlan | None:
    """The person's services, or None (a case handed to another province at once, a person
    without a birth date, whose age rules cannot be checked). Call once per person, in order:
    it takes the beds of the stays that outlast the journey."""
    plan, today = journey.plan, generation.today
    born = journey.victim["birth_date"] if journey.victim is not None else birth_date(plan)
    if plan.ending == Stage.TRANSFERRED or born is None:
        return None
    state = state_of(generation)
    rng = journey.rng("services")
    city = plan.city.code
    closing = plan.ending == Stage.CLOSED
    turns, first, weights = (
        (state.closing_turns, FIRST_CLOSING_PLANS, CLOSING_WEIGHTS)
        if closing
        else (state.turns, FIRST_PLANS, PLAN_WEIGHTS)
    )
    turn = turns[city]
    turns[city] += 1
    status = first[turn] if turn < len(first) else weighted(rng, weights)
    completed = status == ReturnPlanStatus.COMPLETED
    stay = _draw_stay(plan, rng, state, born=born, today=today, returned=completed, leaves=closing)

    enrolment = None
    if referral_outcome(plan, Service.SCHOOLING) == "accepted" and rng.random() < SHARE_ENROLLED:
        started = _later(rng, stay.admitted_on if stay else plan.opened_on, 10, 40, today)
        if age_on(born, started) < ADULT_AGE:
            enrolment = {
                "school": f"{plan.city.name}{plan.district.name}某小学{FICTION}",
                "grade": rng.choice(GRADES),
                "started_on": started,
                "attendance": weighted(rng, {Attendance.REGULAR: 8, Attendance.IRREGULAR: 2}),
                "follow_up_notes": f"已安排随班就读，学校指定教师跟进{FICTION}",
            }

    training = employment = None
    if referral_outcome(plan, Service.TRAINING) == "accepted" and rng.random() < SHARE_TRAINED:
        started = max(_later(rng, plan.opened_on, 14, 60, today), _birthday(born, TRAINING_MIN_AGE))
        if started <= today:
            programme = rng.choice(PROGRAMMES)
            outcome, ended, certificate = TrainingOutcome.IN_PROGRESS, None, None
            if (today - started).days > 90:
                outcome = weighted(
                    rng, {TrainingOutcome.COMPLETED: 6, TrainingOutcome.DROPPED_OUT: 1, TrainingOutcome.IN_PROGRESS: 2}
                )
                if outcome != TrainingOutcome.IN_PROGRESS:
                    ended = _later(rng, started, 45, 90, today)
                if outcome == TrainingOutcome.COMPLETED:
                    certificate = f"{programme}专项职业能力证书（初级）{FICTION}"
            training = {
                "provider": f"{plan.city.name}职业技能培训中心",
                "programme": programme,
                "started_on": started,
                "ended_on": ended,
                "outcome": outcome,
                "certificate": certificate,
            }
            if outcome == TrainingOutcome.COMPLETED and rng.random() < SHARE_EMPLOYED:
                employment = {
                    "employer": plan.city.name + rng.choice(EMPLOYERS) + FICTION,
                    "job_title": rng.choice(JOBS),
                    "started_on": _later(rng, ended, 7, 40, today),
                    "verified": rng.random() < SHARE_VERIFIED,
                }

    ret = None
    if status is not None:
        ret = _draw_return(plan, rng, status, born=born, today=today, closing=closing)
    return ServicesPlan(stay=stay, enrolment=enrolment, training=training, employment=employment, ret=ret)


# --- the generator: the rows the operations write ---------------------------------------------


def case_rows(writer: Writer, model, case: Row) -> list[Row]:
    """The rows of ``model`` the journey wrote on ``case`` (they are the last ones held)."""
    rows = writer.rows.get(model, ())
    found = []
    for row in reversed(rows):
        if row["case_id"] != case.pk:
            break
        found.append(row)
    return found[::-1]


class _Bulk:
    """The writes of one person's services, operation by operation."""

    def __init__(self, journey: Journey, writer: Writer, today: datetime.date):
        self.journey, self.writer, self.today = journey, writer, today
        self.case = journey.case
        self.staff = journey.staff
        self.placement: Row | None = None  # the open stay

    def audit(self, actor, action: AuditAction, row: Row, step: str, **detail) -> None:
        """``services.operations.common.audit``."""
        self.writer.event(
            action,
            actor=actor,
            case=self.case,
            sections=[row.model.section],
            detail={"model": row.model._meta.model_name, "record": str(row["uuid"]), "step": step, **detail},
        )

    def move_stage(self, actor, to: Stage, reason: str) -> None:
        """``services.operations.common.move_stage``."""
        self.writer.change(self.case, {"stage": to, "version": self.case["version"] + 1}, actor=actor, reason=reason)
        self.writer.event(
            AuditAction.CASE_STAGE_CHANGED,
            actor=actor,
            case=self.case,
            sections=[Section.PERSON],
            detail={"stage": Stage(to).value},
        )

    def bump(self, row: Row, changes: dict, *, actor, reason: str) -> Row:
        return self.writer.change(row, {**changes, "version": row["version"] + 1}, actor=actor, reason=reason)

    def record_add(self, actor, model, data: dict) -> Row:
        """``victims.operations.record_add`` (enrolment, training and employment go through it)."""
        name = model._meta.model_name
        row = self.writer.add(model, {"case": self.case, **data}, actor=actor, reason=f"{name} added")
        self.writer.event(
            AuditAction.RECORD_CREATED,
            actor=actor,
            case=self.case,
            sections=[model.section],
            detail={"model": name, "record": str(row["uuid"])},
        )
        return row

    # --- shelter

    def admit(self, shelter: Organization, admitted_on, notes: str) -> None:
        worker, reason = self.staff.caseworker, "admitted to shelter"
        row = self.writer.add(
            ShelterPlacement,
            {"case": self.case, "shelter": shelter, "admitted_on": admitted_on, "notes": notes},
            actor=worker,
            reason=reason,
        )
        self.audit(worker, AuditAction.RECORD_CREATED, row, "admit", shelter=str(shelter.uuid))
        if self.case["stage"] == Stage.REGISTERED:
            self.move_stage(worker, Stage.SHELTERED, reason)
        self.placement = row

    def transfer(self, to_shelter: Organization, on, notes: str) -> None:
        worker, reason, current = self.staff.caseworker, "transferred to another shelter", self.placement
        self.bump(
            current, {"discharged_on": on, "discharge_reason": DischargeReason.TRANSFERRED}, actor=worker, reason=reason
        )
        new = self.writer.add(
            ShelterPlacement,
            {"case": self.case, "shelter": to_shelter, "admitted_on": on, "notes": notes, "transferred_from": current},
            actor=worker,
            reason=reason,
        )
        self.audit(worker, AuditAction.RECORD_UPDATED, current, "transfer_out")
        self.audit(worker, AuditAction.RECORD_CREATED, new, "transfer_in", shelter=str(to_shelter.uuid))
        self.placement = new

    def discharge(self, on) -> None:
        worker, reason = self.staff.caseworker, "discharged from shelter"
        self.bump(
            self.placement, {"discharged_on": on, "discharge_reason": DischargeReason.LEFT}, actor=worker, reason=reason
        )
        self.audit(worker, AuditAction.RECORD_UPDATED, self.placement, "discharge")
        if self.case["stage"] == Stage.SHELTERED:
            self.move_stage(worker, Stage.REGISTERED, reason)
        self.placement = None

    # --- return plan and visits

    def return_plan(self, drawn: ReturnDraw) -> None:
        worker, officer = self.staff.caseworker, self.staff.civil_affairs
        data = dict(drawn.data)
        if drawn.household is not None:
            data["household"] = case_rows(self.writer, Household, self.case)[drawn.household]
        reason = "return plan created"  # return_plan_create
        plan = self.writer.add(
            ReturnPlan, {"case": self.case, "created_by": worker, **data}, actor=worker, reason=reason
        )
        self.writer.link(ReturnPlan.authors.through, returnplan_id=plan.pk, user_id=worker.pk)  # four eyes
        self.audit(worker, AuditAction.RECORD_CREATED, plan, "create", pathway=Pathway(data["pathway"]).value)
        self.move_stage(worker, Stage.RETURN_PLANNED, reason)
        if drawn.status == ReturnPlanStatus.AWAITING_APPROVAL:
            return
        if drawn.status == ReturnPlanStatus.CANCELLED:  # return_plan_cancel
            reason = "return plan cancelled"
            changes = {"status": ReturnPlanStatus.CANCELLED, "cancellation_reason": drawn.cancellation_reason}
            self.bump(plan, changes, actor=worker, reason=reason)
            self.audit(worker, AuditAction.RECORD_UPDATED, plan, "cancel")
            self.move_stage(worker, Stage.SHELTERED if self.placement is not None else Stage.REGISTERED, reason)
            return
        changes = {"status": ReturnPlanStatus.APPROVED, "approved_by": officer, "approved_at": self.writer.clock.now()}
        self.bump(plan, changes, actor=officer, reason="return plan approved")  # return_plan_approve
        self.audit(officer, AuditAction.APPROVAL_GRANTED, plan, "approve")
        if drawn.status == ReturnPlanStatus.APPROVED:
            return
        reason = "return plan completed"  # return_plan_complete, handed over today
        changes = {
            "handover_record": drawn.handover_record,
            "handover_on": self.today,
            "status": ReturnPlanStatus.COMPLETED,
        }
        self.bump(plan, changes, actor=worker, reason=reason)
        placement = self.placement
        if placement is not None:
            changes = {"discharged_on": self.today, "discharge_reason": DischargeReason.RETURNED}
            self.bump(placement, changes, actor=worker, reason=reason)
            self.placement = None
        visits = [
            self.writer.add(
                FollowUpVisit,
                {"case": self.case, "return_plan": plan, "due_on": add_months(self.today, months)},
                actor=worker,
                reason=reason,
            )
            for months in follow_up_months()
        ]
        self.audit(worker, AuditAction.RECORD_UPDATED, plan, "complete")
        if placement is not None:
            self.audit(worker, AuditAction.RECORD_UPDATED, placement, "discharge")
        for visit in visits:
            self.audit(worker, AuditAction.RECORD_CREATED, visit, "schedule")
        self.move_stage(worker, Stage.RETURNED, reason)
        self.visits(drawn.visits, visits)

    def visits(self, drawn: VisitsPlan, scheduled: list[Row]) -> None:
        worker, officer = self.staff.caseworker, self.staff.civil_affairs
        if drawn.extra_due is not None:  # visit_schedule
            extra = self.writer.add(
                FollowUpVisit,
                {"case": self.case, "due_on": drawn.extra_due},
                actor=worker,
                reason="follow-up visit scheduled",
            )
            self.audit(worker, AuditAction.RECORD_CREATED, extra, "schedule")
            if drawn.extra_record is not None:  # visit_record
                self.bump(extra, drawn.extra_record, actor=worker, reason="follow-up visit recorded")
                self.audit(worker, AuditAction.RECORD_UPDATED, extra, "visit", fields=sorted(drawn.extra_record))
        for index in drawn.waived:  # visit_waive
            visit = scheduled[index]
            changes = {"waived_on": self.today, "waived_by": officer, "waiver_reason": drawn.waiver_reason}
            self.bump(visit, changes, actor=officer, reason="follow-up visit waived")
            self.audit(officer, AuditAction.RECORD_UPDATED, visit, "waive")


def step(journey: Journey, writer: Writer, generation: Generation) -> None:
    """The person's services (:func:`draw`), written as their operations write them, in the
    order :func:`through_operations` calls them."""
    drawn = draw(journey, generation)
    if drawn is None:
        return
    bulk = _Bulk(journey, writer, generation.today)
    staff = journey.staff
    stay = drawn.stay
    if stay is not None:
        bulk.admit(stay.shelter, stay.admitted_on, stay.notes)
        if stay.transfer_to is not None:
            bulk.transfer(stay.transfer_to, stay.transferred_on, stay.transfer_notes)
    if drawn.enrolment is not None:  # enrollment_add
        bulk.record_add(staff.receivers[Service.SCHOOLING], SchoolEnrollment, drawn.enrolment)
    if drawn.training is not None:  # training_add
        bulk.record_add(staff.receivers[Service.TRAINING], VocationalTraining, drawn.training)
    if drawn.employment is not None:  # employment_add
        officer = staff.receivers[Service.TRAINING]
        data = dict(drawn.employment)
        verified = data.pop("verified")
        data |= {"verified_by": officer if verified else None, "verified_on": generation.today if verified else None}
        bulk.record_add(officer, EmploymentPlacement, data)
    if stay is not None and stay.left_on is not None:
        bulk.discharge(stay.left_on)
    if drawn.ret is not None:
        bulk.return_plan(drawn.ret)


# --- the same plan through the operations (the reference the generator is held to) -----------


def through_operations(journey: Journey, case: Case, generation: Generation) -> None:
    """Record the person's services (:func:`draw`) through ``services.operations``, each step
    as the user whose job it is — what :func:`step` writes in bulk."""
    drawn = draw(journey, generation)
    if drawn is None:
        return
    staff = journey.staff
    worker, officer = staff.caseworker, staff.civil_affairs
    stay, placement = drawn.stay, None
    if stay is not None:
        placement = services.placement_admit(
            actor=worker, case=case, shelter=stay.shelter, admitted_on=stay.admitted_on, notes=stay.notes
        )
        if stay.transfer_to is not None:
            placement = services.placement_transfer(
                actor=worker,
                placement=placement,
                expected_version=placement.version,
                to_shelter=stay.transfer_to,
                transferred_on=stay.transferred_on,
                notes=stay.transfer_notes,
            )
    if drawn.enrolment is not None:
        services.enrollment_add(actor=staff.receivers[Service.SCHOOLING], case=case, data=drawn.enrolment)
    if drawn.training is not None:
        services.training_add(actor=staff.receivers[Service.TRAINING], case=case, data=drawn.training)
    if drawn.employment is not None:
        services.employment_add(actor=staff.receivers[Service.TRAINING], case=case, data=drawn.employment)
    if stay is not None and stay.left_on is not None:
        services.placement_discharge(
            actor=worker,
            placement=placement,
            expected_version=placement.version,
            discharged_on=stay.left_on,
            reason=DischargeReason.LEFT,
        )
    ret = drawn.ret
    if ret is None:
        return
    data = dict(ret.data)
    if ret.household is not None:
        data["household"] = list(Household.objects.filter(case=case).order_by("id"))[ret.household]
    plan = services.return_plan_create(actor=worker, case=case, data=data)
    if ret.status == ReturnPlanStatus.AWAITING_APPROVAL:
        return
    if ret.status == ReturnPlanStatus.CANCELLED:
        services.return_plan_cancel(
            actor=worker, plan=plan, expected_version=plan.version, reason=ret.cancellation_reason
        )
        return
    plan = services.return_plan_approve(actor=officer, plan=plan, expected_version=plan.version)
    if ret.status == ReturnPlanStatus.APPROVED:
        return
    plan = services.return_plan_complete(
        actor=worker,
        plan=plan,
        expected_version=plan.version,
        handover_on=generation.today,
        handover_record=ret.handover_record,
    )
    scheduled = list(FollowUpVisit.objects.filter(return_plan=plan).order_by("due_on", "id"))
    visits = ret.visits
    if visits.extra_due is not None:
        extra = services.visit_schedule(actor=worker, case=case, due_on=visits.extra_due)
        if visits.extra_record is not None:
            services.visit_record(
                actor=worker, visit=extra, expected_version=extra.version, changes=visits.extra_record
            )
    for index in visits.waived:
        visit = scheduled[index]
        services.visit_waive(actor=officer, visit=visit, expected_version=visit.version, reason=visits.waiver_reason)
