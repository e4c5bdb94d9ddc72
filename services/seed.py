"""Assistance services for the demonstration registry (``manage.py seed_demo``, after the victims).

For the open cases the seed registered (``victims.seed.synthetic_cases``: never a case someone
registered by hand in the demo), the city's demo users take the steps the services record:

- the caseworker admits most people to a shelter of their city — children to the children's
  welfare institution, women to the women's home while it has beds (it fills up: the "nearly
  full" alert), everyone else to the relief station — never above a shelter's capacity;
- the education bureau enrols some of the school-age children whose referral it accepted (the
  others, in shelter for more than 30 days, raise the "not enrolled" alert);
- the labour bureau records trainings, some completed with a certificate, and verified jobs for
  some of the people whose referral it accepted;
- return plans in every status: awaiting approval (written by the caseworker, for the city's civil
  affairs officer to approve), approved, completed, cancelled and rejected (with the officer's
  reason). The pathway follows the person: a foreign national is repatriated, a child or a person
  of unknown origin reunified with the birth family only after a confirmed DNA match (else
  institutional care), an adult returned to the birth family or resettled locally. Every plan
  records the person's wish — a child under 6 cannot express one — and a child's its
  best-interests determination (:func:`voice`). A completed plan has its follow-up visits; to show
  every kind, some get an extra visit whose due date has passed (left overdue or recorded as
  done), and some have their last visit waived by civil affairs, with a reason;
- in each city, the case of the second completed plan is closed as returned home: the person
  moved away, so civil affairs waives the visits still planned and closes it.

Guarantees:

- Every write goes through ``services.operations`` as the demo user whose job it is, so history
  and the audit log hold what a real registry would.
- Deterministic: each case's draws come from ``random.Random`` seeded by (seed, case number),
  and cases are taken in the order they were registered; the first admitted cases of each city
  take every plan status and kind of visit in turn, so each shows in the smallest demo. Dates
  follow today and are never in the future. Because a plan's approval is stamped with the time
  it is given and a handover cannot come before it, the seeded handovers all fall on the day the
  seed runs.
- Capacity: beds are counted from every open stay (a hand-registered person's too) and as the
  cases are taken, so no shelter is filled beyond its capacity (the operation checks it too,
  under a lock).
- Idempotent: a case that already has any record of the services is left alone (its stay still
  counted), so a second run adds nothing, and a larger ``--victims`` only adds to the new cases.
- One transaction per case (``victims.seed.attempt``): a case an operation refuses (a bed taken
  meanwhile by someone using the demo, a rule) is rolled back, listed by its number in
  ``skipped`` and not counted, and the step goes on. Counts only are returned, nothing personal.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from dataclasses import dataclass, field, fields

from django.db.models import Q

from registry.choices import OrganizationKind
from registry.history import recorded_change
from registry.models import Organization
from services import operations as services
from services.choices import Pathway, ReturnPlanStatus, TrainingOutcome, Wish
from services.models import (
    EmploymentPlacement,
    FollowUpVisit,
    ReturnPlan,
    SchoolEnrollment,
    ShelterPlacement,
    VocationalTraining,
)
from victims.choices import DNAMatch, ReferralStatus, Service, Sex, Stage
from victims.models import Case, DNASample, Household, Referral
from victims.operations import case_close, victim_age
from victims.seed import CITIES, PROVINCES, City, SkippedCase, Staff, attempt, synthetic_cases
from victims.validation import today as current_day

FICTION = "（虚构）"
SCHOOL_AGES = range(6, 16)
ADULT_AGE = 18
TRAINING_AGE = 16
SHARE_ADMITTED = {"child": 0.9, "adult": 0.7}
SHARE_ENROLLED = 0.6  # of the children whose schooling referral is accepted
SHARE_TRAINED = 0.7  # of the people whose training referral is accepted
# Plan status of the first admitted cases of each city, in turn (so every status shows); the
# later cases draw theirs with these weights (None: no plan yet).
FIRST_PLANS = (
    ReturnPlanStatus.COMPLETED,
    ReturnPlanStatus.AWAITING_APPROVAL,
    ReturnPlanStatus.APPROVED,
    ReturnPlanStatus.COMPLETED,
    ReturnPlanStatus.CANCELLED,
    ReturnPlanStatus.COMPLETED,
    ReturnPlanStatus.REJECTED,
)
PLAN_WEIGHTS = {
    None: 74,
    ReturnPlanStatus.AWAITING_APPROVAL: 8,
    ReturnPlanStatus.APPROVED: 5,
    ReturnPlanStatus.COMPLETED: 10,
    ReturnPlanStatus.CANCELLED: 3,
    ReturnPlanStatus.REJECTED: 2,
}
REPATRIATION_RECEIVERS = {
    "VN": "越南谅山省劳动荣军社会厅",
    "MM": "缅甸掸邦社会福利部门",
    "LA": "老挝琅南塔省劳动社会福利厅",
}
PROGRAMMES = ("电子商务", "家政服务", "中式烹调", "美容美发", "电工", "缝纫", "汽车维修")
JOBS = ("质检员", "收银员", "家政服务员", "厨师助理", "仓库管理员", "客服专员")
GRADES = ("一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "初一", "初二", "初三")
CANCEL_REASONS = ("本人改变意愿，暂缓返乡", "家属暂无法接收，另行安排", "需继续治疗，返乡延后")
REJECT_REASONS = ("监护人情况尚未核实，请补充家庭评估", "接收地安置条件未落实，请重新拟订")
VISIT_FINDINGS = ("居住稳定，家庭关系融洽", "已复学，情绪稳定", "已就业，生活自理", "经济困难，已申请临时救助")
WAIVER_REASON = "本人已随家人迁居外省，由迁入地民政部门接续跟踪"
CLOSED_AFTER_RETURN = 1  # the completed plan (0, 1, 2 … in each city) whose case is closed as returned home
CLOSING_COMMENT = "返乡后生活稳定，已随家人迁居外省，跟踪回访移交迁入地民政部门，结案"
EXPRESSES_WISH_FROM = 6  # a younger child cannot express a wish about the return


def voice(*, age: int, on: datetime.date, city: str) -> dict:
    """The person's voice a demo plan records on ``on``: the wish (agreeing to the return; a
    child under :data:`EXPRESSES_WISH_FROM` cannot express one), and for a minor the
    best-interests determination by the children's welfare institution, the child heard when
    old enough. Shared with the benchmark generator (``benchmarks.journeys.services``)."""
    expresses = age >= EXPRESSES_WISH_FROM
    data = {
        "wish": Wish.AGREES if expresses else Wish.NOT_EXPRESSED,
        "wish_statement": ("本人表示愿意按本计划返回，希望尽快与家人团聚" if expresses else "年幼，无法表达意愿")
        + FICTION,
        "wish_recorded_on": on,
    }
    if age < ADULT_AGE:
        data |= {
            "bid_assessed_by": f"{city}儿童福利院社工及心理咨询师{FICTION}",
            "bid_on": on,
            "bid_child_heard": expresses,
            "bid_conclusion": "综合评估儿童安全、照料条件和本人意见，该安排符合儿童最大利益" + FICTION,
        }
    return data


@dataclass
class SeedResult:
    admitted: int = 0
    enrolled: int = 0
    trainings: int = 0
    employments: int = 0
    plans: Counter = field(default_factory=Counter)  # by status
    visits_recorded: int = 0
    visits_waived: int = 0
    closed: int = 0  # cases closed as returned home
    present: int = 0  # cases that already had records of the services
    skipped: list[SkippedCase] = field(default_factory=list)  # refused by an operation, rolled back

    def add(self, case: SeedResult) -> None:
        """Count what one case's committed work wrote (its counts and plans)."""
        for counted in fields(self):
            value = getattr(case, counted.name)
            if isinstance(value, int):
                setattr(self, counted.name, getattr(self, counted.name) + value)
        self.plans += case.plans


@dataclass
class CityState:
    """What the seed knows of one city while it goes through its cases."""

    city: City
    staff: Staff
    shelters: dict[str, Organization]  # by kind
    admitted: int = 0  # cases admitted by this run, for FIRST_PLANS
    completed: int = 0  # plans completed by this run, for the kinds of visit


def _shelters(city: City) -> dict[str, Organization]:
    rows = Organization.objects.filter(
        jurisdiction__code=city.code,
        is_active=True,
        kind__in=[OrganizationKind.SHELTER, OrganizationKind.CHILDREN_WELFARE, OrganizationKind.WELFARE_HOME],
    ).order_by("id")
    found: dict[str, Organization] = {}
    for row in rows:
        found.setdefault(row.kind, row)
    return found


def _cases_with_records() -> set[int]:
    """The cases that have any record of the services (one query per kind of record)."""
    models = (ShelterPlacement, SchoolEnrollment, VocationalTraining, EmploymentPlacement, ReturnPlan, FollowUpVisit)
    found: set[int] = set()
    for model in models:
        found |= set(model.objects.values_list("case_id", flat=True).distinct())
    return found


def _day(rng: random.Random, start: datetime.date, low: int, high: int, today: datetime.date) -> datetime.date:
    return min(start + datetime.timedelta(days=rng.randint(low, high)), today)


class _Beds:
    """Open stays per shelter, from the stays recorded and as the cases are taken (the seed's own
    view of capacity)."""

    def __init__(self) -> None:
        self.taken: Counter = Counter(
            ShelterPlacement.objects.filter(discharged_on__isnull=True).values_list("shelter_id", flat=True)
        )

    def free(self, shelter: Organization) -> int:
        return (shelter.capacity or 0) - self.taken[shelter.pk]


def _choose_shelter(state: CityState, beds: _Beds, age: int, female: bool) -> Organization | None:
    kinds = []
    if age < ADULT_AGE:
        kinds.append(OrganizationKind.CHILDREN_WELFARE)
    elif female:
        kinds.append(OrganizationKind.WELFARE_HOME)
    kinds.append(OrganizationKind.SHELTER)
    for kind in kinds:
        shelter = state.shelters.get(kind)
        if shelter is not None and beds.free(shelter) > 0:
            return shelter
    return None


# --- schooling and training -------------------------------------------------------------------


def _accepted_referral(case: Case, service: Service) -> Referral | None:
    return (
        Referral.objects.filter(case=case, service=service, status=ReferralStatus.ACCEPTED)
        .select_related("to_organization")
        .first()
    )


def _receiver(state: CityState, referral: Referral, service: Service):
    user = state.staff.receivers[service]
    return user if user.organization_id == referral.to_organization_id else None


def _enrol(case, state, rng, today, admitted_on, result) -> None:
    referral = _accepted_referral(case, Service.SCHOOLING)
    if referral is None or rng.random() >= SHARE_ENROLLED:
        return
    officer = _receiver(state, referral, Service.SCHOOLING)
    if officer is None:
        return
    started = _day(rng, admitted_on, 10, 40, today)
    if victim_age(case.victim, on=started) >= ADULT_AGE:
        return
    services.enrollment_add(
        actor=officer,
        case=case,
        data={
            "school": state.city.name + rng.choice(("鼓楼区", "某区")) + "某小学" + FICTION,
            "grade": rng.choice(GRADES),
            "started_on": started,
            "attendance": rng.choices(("regular", "irregular"), weights=(8, 2))[0],
            "follow_up_notes": "已安排随班就读，学校指定教师跟进" + FICTION,
        },
    )
    result.enrolled += 1


def _train(case, state, rng, today, result) -> None:
    referral = _accepted_referral(case, Service.TRAINING)
    if referral is None or rng.random() >= SHARE_TRAINED:
        return
    officer = _receiver(state, referral, Service.TRAINING)
    if officer is None:
        return
    started = _day(rng, case.opened_on, 14, 60, today)
    if victim_age(case.victim, on=started) < TRAINING_AGE:
        return
    outcome, ended, certificate = TrainingOutcome.IN_PROGRESS, None, ""
    programme = rng.choice(PROGRAMMES)
    if (today - started).days > 90:
        outcome = rng.choices(
            (TrainingOutcome.COMPLETED, TrainingOutcome.DROPPED_OUT, TrainingOutcome.IN_PROGRESS), weights=(6, 1, 2)
        )[0]
        if outcome != TrainingOutcome.IN_PROGRESS:
            ended = _day(rng, started, 45, 90, today)
        if outcome == TrainingOutcome.COMPLETED:
            certificate = f"{programme}专项职业能力证书（初级）{FICTION}"
    services.training_add(
        actor=officer,
        case=case,
        data={
            "provider": state.city.name + "职业技能培训中心",
            "programme": programme,
            "started_on": started,
            "ended_on": ended,
            "outcome": outcome,
            "certificate": certificate,
        },
    )
    result.trainings += 1
    if outcome == TrainingOutcome.COMPLETED and rng.random() < 0.6:
        services.employment_add(
            actor=officer,
            case=case,
            data={
                "employer": state.city.name + rng.choice(("某电子有限公司", "某家政服务公司", "某餐饮公司")) + FICTION,
                "job_title": rng.choice(JOBS),
                "started_on": _day(rng, ended, 7, 40, today),
                "verified": rng.random() < 0.7,
            },
        )
        result.employments += 1


# --- return plans -----------------------------------------------------------------------------


def _plan_data(case: Case, state: CityState, rng: random.Random, today: datetime.date) -> dict:
    """A plan whose pathway the person's facts allow (the operation checks every rule again)."""
    victim, city = case.victim, state.city
    data = {
        "planned_on": today + datetime.timedelta(days=rng.randint(5, 30)),
        "escort": f"{city.name}救助管理站工作人员{FICTION}",
        **voice(age=victim_age(victim), on=today, city=city.name),
    }
    if victim.nationality != "CN":
        return data | {
            "pathway": Pathway.REPATRIATION,
            "police_unit": f"{city.name}公安局出入境管理支队",
            "civil_affairs_unit": "福建省民政厅",
            "receiving_party": REPATRIATION_RECEIVERS.get(victim.nationality, "原籍国主管部门") + FICTION,
        }
    family = (
        Household.objects.filter(case=case, is_purchaser=False).exclude(jurisdiction_code="").order_by("id").first()
    )
    age = victim_age(victim)
    matched = DNASample.objects.filter(case=case, submitted_on__isnull=False, match=DNAMatch.CONFIRMED).exists()
    if family is not None and ((age >= ADULT_AGE and not victim.unknown_origin) or matched):
        province = PROVINCES.get(family.jurisdiction_code[:2], "原籍地")
        return data | {
            "pathway": Pathway.FAMILY_REUNIFICATION,
            "household": family,
            "destination_code": family.jurisdiction_code,
            "receiving_party": f"{province}户籍地县级民政局救助管理站及家属{FICTION}",
        }
    if age < ADULT_AGE:
        return data | {
            "pathway": Pathway.INSTITUTIONAL_CARE,
            "destination_code": case.jurisdiction.code,
            "receiving_party": f"{city.name}儿童福利院（长期养育）",
        }
    return data | {
        "pathway": Pathway.LOCAL_RESETTLEMENT,
        "destination_code": case.jurisdiction.code,
        "receiving_party": f"{case.jurisdiction.name}某社区居民委员会{FICTION}",
    }


def _return(case, state, rng, today, status, result) -> bool:
    """Take a plan for ``case`` to ``status``; whether the person left the shelter."""
    worker, officer = state.staff.caseworker, state.staff.civil_affairs
    plan = services.return_plan_create(actor=worker, case=case, data=_plan_data(case, state, rng, today))
    result.plans[status] += 1
    if status == ReturnPlanStatus.AWAITING_APPROVAL:
        return False
    if status == ReturnPlanStatus.CANCELLED:
        services.return_plan_cancel(
            actor=worker, plan=plan, expected_version=plan.version, reason=rng.choice(CANCEL_REASONS) + FICTION
        )
        return False
    if status == ReturnPlanStatus.REJECTED:
        services.return_plan_reject(
            actor=officer, plan=plan, expected_version=plan.version, comment=rng.choice(REJECT_REASONS) + FICTION
        )
        return False
    plan = services.return_plan_approve(actor=officer, plan=plan, expected_version=plan.version)
    if status == ReturnPlanStatus.APPROVED:
        return False
    record = ""
    if plan.destination_code and plan.destination_code[:2] != case.jurisdiction.code[:2]:
        record = f"交接单 JJ-{today.year}-{rng.randrange(1, 10**4):04d}，接收单位已签收{FICTION}"
    plan = services.return_plan_complete(
        actor=worker, plan=plan, expected_version=plan.version, handover_on=today, handover_record=record
    )
    _visits(case, state, rng, today, plan, result)
    if state.completed == CLOSED_AFTER_RETURN:
        _close_returned(case, state, plan, result)
    state.completed += 1
    return True


def _close_returned(case, state, plan, result) -> None:
    """The person moved away after the return: civil affairs waives the visits still planned
    and closes the case, which ends as returned home (the completed return, no reason)."""
    officer = state.staff.civil_affairs
    for visit in FollowUpVisit.objects.filter(case=case, visited_on__isnull=True, waived_on__isnull=True):
        services.visit_waive(actor=officer, visit=visit, expected_version=visit.version, reason=WAIVER_REASON + FICTION)
        result.visits_waived += 1
    case.refresh_from_db()
    case_close(actor=officer, case=case, expected_version=case.version, comment=CLOSING_COMMENT + FICTION)
    result.closed += 1


def _visits(case, state, rng, today, plan, result) -> None:
    """Every other completed plan gets an extra visit due in the past, left overdue or done; every
    third has its last visit waived by civil affairs."""
    worker, officer = state.staff.caseworker, state.staff.civil_affairs
    index = state.completed
    due = today - datetime.timedelta(days=rng.randint(8, 40))
    extra = services.visit_schedule(actor=worker, case=case, due_on=due)
    if index % 2 == 1:
        services.visit_record(
            actor=worker,
            visit=extra,
            expected_version=extra.version,
            changes={
                "visited_on": _day(rng, due, 0, 5, today),
                "visitor": f"{state.city.name}救助管理站社工{FICTION}",
                "living_conditions": rng.choice(VISIT_FINDINGS) + FICTION,
                "needs": rng.choice(("无", "需继续心理疏导", "需协助办理低保")),
            },
        )
        result.visits_recorded += 1
    if index % 3 == 0:
        last = FollowUpVisit.objects.filter(return_plan=plan).order_by("-due_on").first()
        services.visit_waive(actor=officer, visit=last, expected_version=last.version, reason=WAIVER_REASON + FICTION)
        result.visits_waived += 1


# --- one case ---------------------------------------------------------------------------------


def _seed_case(case: Case, state: CityState, beds: _Beds, rng: random.Random, today, result) -> None:
    age = victim_age(case.victim)
    if age is None:  # no birth date: the age rules cannot be checked (a case a demo user added)
        return
    child = age < ADULT_AGE
    if case.stage != Stage.REGISTERED or rng.random() >= SHARE_ADMITTED["child" if child else "adult"]:
        if not child:
            _train(case, state, rng, today, result)
        return
    admitted_on = _day(rng, case.opened_on, 0, 2, today)
    age_then = victim_age(case.victim, on=admitted_on)  # a child then goes to the children's institution
    shelter = _choose_shelter(state, beds, age_then, case.victim.sex == Sex.FEMALE)
    if shelter is None:
        return
    services.placement_admit(
        actor=state.staff.caseworker, case=case, shelter=shelter, admitted_on=admitted_on,
        notes=f"床位 {rng.randint(1, shelter.capacity or 1)} 号{FICTION}",
    )  # fmt: skip
    beds.taken[shelter.pk] += 1
    result.admitted += 1
    if age in SCHOOL_AGES:
        _enrol(case, state, rng, today, admitted_on, result)
    if age >= TRAINING_AGE:
        _train(case, state, rng, today, result)
    turn = state.admitted
    state.admitted += 1
    if turn < len(FIRST_PLANS):
        status = FIRST_PLANS[turn]
    else:
        status = rng.choices(list(PLAN_WEIGHTS), weights=list(PLAN_WEIGHTS.values()))[0]
    if status is not None and _return(case, state, rng, today, status, result):
        beds.taken[shelter.pk] -= 1


def _seed_case_or_skip(case: Case, state: CityState, beds: _Beds, rng: random.Random, today, result) -> None:
    """:func:`_seed_case` in a transaction of its own; when an operation refuses it, the case is
    skipped and what it took is given back (its counts, beds and turn of :data:`FIRST_PLANS`)."""
    own = SeedResult()
    turns, taken = (state.admitted, state.completed), beds.taken.copy()
    with attempt(case, result.skipped) as work:
        _seed_case(case, state, beds, rng, today, own)
    if work.done:
        result.add(own)
    else:
        (state.admitted, state.completed), beds.taken = turns, taken


def seed_services(*, seed: int) -> SeedResult:
    """Services for the open cases the seed registered in the demo cities that have none yet.
    Needs ``victims.seed`` (and the demo accounts) first. Returns counts only."""
    today = current_day()
    states = {city.code: CityState(city, Staff.of(city), _shelters(city)) for city in CITIES}
    beds = _Beds()
    result = SeedResult()
    in_cities = Q()
    for code in states:
        in_cities |= Q(jurisdiction__code__startswith=code)
    cases = synthetic_cases().filter(in_cities).select_related("victim", "jurisdiction").order_by("id")
    with_records = _cases_with_records()
    with recorded_change(actor=None, reason="seed_demo"):
        for case in cases:
            if case.pk in with_records:
                result.present += 1
                continue
            if case.stage in (Stage.CLOSED, Stage.TRANSFERRED):
                continue
            rng = random.Random(f"services:{seed}:{case.number}")  # noqa: S311 - synthetic data
            _seed_case_or_skip(case, states[case.jurisdiction.code[:4]], beds, rng, today, result)
    return result
