"""Care plans for the demonstration registry (``manage.py seed_demo``, after the services).

Most open cases the seed registered (``victims.seed.synthetic_cases``: never a case someone
registered by hand in the demo) get a plan written by the caseworker of the case's
organization: every domain of the needs assessment rated (the heavier needs where the person
was exploited), two to four goals owned by the organization whose work serves them (the
education bureau for schooling, the legal aid centre for legal matters …) and linked to the
case's records that serve them, some achieved, some closed with a reason, most still open;
reviews at the case's interval, with about a quarter of the plans left with an overdue review.
A child's plan and its reviews are approved by the city's civil affairs officer (never the
author), except a few left awaiting approval. Every text is synthetic (``FICTION``).

Guarantees:

- Every write goes through ``care.plan.operations`` as the caseworker or the civil affairs
  officer, so history and the audit log hold what a real registry would.
- Deterministic: each case's plan is drawn from ``random.Random`` seeded by (seed, case
  number); dates never lie in the future nor before the case was opened.
- Idempotent: a case that has a plan is left alone (and one the draw leaves without a plan is
  drawn the same way next time), so a second run adds nothing.
- One transaction per plan (``victims.seed.attempt``): a plan an operation refuses is rolled
  back, its case listed by number in ``skipped`` and not counted, and the step goes on. Counts
  only are returned, nothing personal.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from care.choices import GoalLinkKind, GoalStatus, NeedDomain, NeedRating
from care.models import CarePlan
from care.plan import operations
from legal_aid.models import LegalAidMatter
from registry.choices import Department, OrganizationKind, Role
from registry.history import recorded_change
from registry.models import Organization, User
from services.models import EmploymentPlacement, ReturnPlan, SchoolEnrollment, ShelterPlacement, VocationalTraining
from victims.choices import ExploitationType, Service, Stage
from victims.models import Case, Referral, Rescue
from victims.seed import SkippedCase, attempt, synthetic_cases
from victims.synthetic import weighted
from victims.validation import today as current_day

FICTION = "（演示数据，情节虚构）"
SHARE = 0.85  # of the open cases that get a plan
LAPSED = 0.25  # of the plans whose latest review is missing (overdue)
LEFT_AWAITING = 0.1  # of the children's plans (and of their latest reviews) left awaiting approval
RATINGS = {NeedRating.NONE: 2, NeedRating.LOW: 3, NeedRating.MODERATE: 3, NeedRating.HIGH: 2}
# Domains that weigh more, by the form of exploitation.
HEAVY = {
    ExploitationType.FORCED_MARRIAGE: (NeedDomain.FAMILY, NeedDomain.LEGAL, NeedDomain.DOCUMENTS),
    ExploitationType.SEXUAL: (NeedDomain.MENTAL_HEALTH, NeedDomain.PHYSICAL_HEALTH, NeedDomain.SAFETY),
    ExploitationType.LABOUR: (NeedDomain.LIVELIHOOD, NeedDomain.LEGAL, NeedDomain.PHYSICAL_HEALTH),
    ExploitationType.BEGGING: (NeedDomain.PHYSICAL_HEALTH, NeedDomain.EDUCATION, NeedDomain.SAFETY),
    ExploitationType.CHILD_SALE: (NeedDomain.FAMILY, NeedDomain.DOCUMENTS, NeedDomain.EDUCATION),
}
NEEDS = {
    NeedDomain.SAFETY: "担心被原“买家”或中间人找到，需安全安置与出行陪同",
    NeedDomain.PHYSICAL_HEALTH: "营养不良，需全面体检并跟进慢性病治疗",
    NeedDomain.MENTAL_HEALTH: "失眠、易受惊，有创伤后应激反应，需持续心理辅导",
    NeedDomain.EDUCATION: "中断学业一年以上，需评估年级并安排入学",
    NeedDomain.LIVELIHOOD: "无稳定收入来源，希望学习一门技能",
    NeedDomain.LEGAL: "需作为被害人参加刑事诉讼并主张赔偿",
    NeedDomain.FAMILY: "与原生家庭失联，需核实家庭情况、评估返乡条件",
    NeedDomain.DOCUMENTS: "身份证件遗失，户籍信息待核实",
}
GOALS = {
    NeedDomain.SAFETY: "落实安全保护措施，在安置机构稳定生活",
    NeedDomain.PHYSICAL_HEALTH: "完成全面体检，按医嘱完成治疗",
    NeedDomain.MENTAL_HEALTH: "每周一次心理辅导，创伤反应明显缓解",
    NeedDomain.EDUCATION: "入学复课，跟上年级学习进度",
    NeedDomain.LIVELIHOOD: "完成职业技能培训并取得证书，实现就业",
    NeedDomain.LEGAL: "在法律援助下参加诉讼，依法获得赔偿",
    NeedDomain.FAMILY: "核实家庭情况，制定返乡或安置方案",
    NeedDomain.DOCUMENTS: "补办身份证，恢复户籍登记",
}
ENDINGS = {GoalStatus.OPEN: 11, GoalStatus.ACHIEVED: 5, GoalStatus.NOT_ACHIEVABLE: 2, GoalStatus.NO_LONGER_NEEDED: 2}
REASONS = {
    GoalStatus.ACHIEVED: "",
    GoalStatus.NOT_ACHIEVABLE: "受援人本人明确表示不再参加，经个案会商决定终止该目标",
    GoalStatus.NO_LONGER_NEEDED: "需求已由其他渠道解决，经复核不再需要",
}
REVIEWS = (
    "与受援人面谈，逐项回顾目标进展；安置情况稳定，继续执行计划",
    "召开个案会商，调整心理辅导频次，其他目标按计划推进",
    "电话回访并家访一次，受援人情绪好转，学习与培训进展顺利",
)
SUMMARY = "入站评估：与受援人面谈两次，结合救助管理站社工观察及体检结果形成评估"
# Who owns a goal of each domain, by the organization's department and kind in the case's city
# (None: the case's own organization, the relief station).
OWNERS = {
    NeedDomain.EDUCATION: (Department.EDUCATION, OrganizationKind.BUREAU),
    NeedDomain.LIVELIHOOD: (Department.LABOR, OrganizationKind.BUREAU),
    NeedDomain.LEGAL: (Department.JUSTICE, OrganizationKind.LEGAL_AID_CENTRE),
    NeedDomain.DOCUMENTS: (Department.PUBLIC_SECURITY, OrganizationKind.POLICE_UNIT),
}
# The records of the case that may serve a goal of each domain.
SERVING = {
    NeedDomain.SAFETY: ((GoalLinkKind.SHELTER_PLACEMENT, ShelterPlacement, {}),),
    NeedDomain.EDUCATION: (
        (GoalLinkKind.REFERRAL, Referral, {"service": Service.SCHOOLING}),
        (GoalLinkKind.SCHOOL_ENROLLMENT, SchoolEnrollment, {}),
    ),
    NeedDomain.LIVELIHOOD: (
        (GoalLinkKind.REFERRAL, Referral, {"service": Service.TRAINING}),
        (GoalLinkKind.VOCATIONAL_TRAINING, VocationalTraining, {}),
        (GoalLinkKind.EMPLOYMENT_PLACEMENT, EmploymentPlacement, {}),
    ),
    NeedDomain.LEGAL: (
        (GoalLinkKind.REFERRAL, Referral, {"service": Service.LEGAL_AID}),
        (GoalLinkKind.LEGAL_AID_MATTER, LegalAidMatter, {}),
    ),
    NeedDomain.FAMILY: ((GoalLinkKind.RETURN_PLAN, ReturnPlan, {}),),
}


@dataclass(frozen=True)
class SeedResult:
    written: int  # plans written by this run
    present: int  # open cases that already had a plan
    skipped: tuple[SkippedCase, ...] = ()  # refused by an operation, rolled back


def _text(text: str) -> str:
    return text + FICTION


def _needs(case: Case, rng: random.Random) -> list[dict]:
    rescue = Rescue.objects.filter(case=case).order_by("id").only("exploitation").first()
    heavy = {domain for form in (rescue.exploitation if rescue else ()) for domain in HEAVY.get(form, ())}
    needs = []
    for domain in NeedDomain:
        rating = NeedRating.HIGH if domain in heavy and rng.random() < 0.7 else weighted(rng, RATINGS)
        needs.append(
            {
                "domain": domain,
                "rating": rating,
                "description": "" if rating == NeedRating.NONE else _text(NEEDS[domain]),
            }
        )
    return needs


def _owner(case: Case, domain: NeedDomain) -> Organization:
    if domain not in OWNERS:
        return case.lead_organization
    department, kind = OWNERS[domain]
    owner = Organization.objects.filter(
        jurisdiction__code__startswith=case.jurisdiction.code[:4], department=department, kind=kind, is_active=True
    ).first()
    return owner or case.lead_organization


def _links(case: Case, domain: NeedDomain) -> list[dict]:
    links = []
    for kind, model, where in SERVING.get(domain, ()):
        record = model.objects.filter(case=case, **where).order_by("id").values_list("uuid", flat=True).first()
        if record is not None:
            links.append({"kind": kind, "id": str(record)})
    return links


def _review_days(plan: CarePlan, interval: datetime.timedelta, rng: random.Random, today: datetime.date) -> list:
    """The dates of the plan's reviews so far: each about one interval after the previous; for
    a lapsed plan, the latest one missing (so its review is overdue)."""
    days, day = [], plan.assessed_on
    while True:
        day = max(day + interval + datetime.timedelta(days=rng.randint(-5, 3)), plan.assessed_on)
        if day > today:
            break
        days.append(day)
    if days and rng.random() < LAPSED:
        days.pop()
    return days


def record_plan(case: Case, caseworker, approver, rng: random.Random, today: datetime.date) -> None:
    """The plan of ``case``, its goals and reviews, each through its operation."""
    assessed_on = min(
        max(case.opened_on + datetime.timedelta(days=rng.randint(2, 14)), today - datetime.timedelta(days=240)),
        today,
    )
    plan = operations.care_plan_create(
        actor=caseworker,
        case=case,
        data={"assessed_on": assessed_on, "summary": _text(SUMMARY), "needs": _needs(case, rng)},
    )
    child = operations.is_child(case)
    if child and approver is not None and rng.random() >= LEFT_AWAITING:
        plan = operations.care_plan_approve(actor=approver, plan=plan, expected_version=plan.version)
    rated = [need.domain for need in plan.needs.exclude(rating=NeedRating.NONE).order_by("id")]
    for domain in rng.sample(rated, k=min(len(rated), rng.randint(2, 4))):
        domain = NeedDomain(domain)
        goal = operations.goal_create(
            actor=caseworker,
            case=case,
            data={
                "domain": domain,
                "description": _text(GOALS[domain]),
                "owner": _owner(case, domain),
                "target_on": assessed_on + datetime.timedelta(days=rng.randint(30, 180)),
                "links": _links(case, domain),
            },
        )
        ending = weighted(rng, ENDINGS)
        if ending != GoalStatus.OPEN:
            reason = _text(REASONS[ending]) if REASONS[ending] else ""
            operations.goal_close(
                actor=caseworker, goal=goal, expected_version=goal.version, status=ending, reason=reason
            )
    days = _review_days(plan, operations.review_interval(case), rng, today)
    for number, day in enumerate(days):
        review = operations.review_create(
            actor=caseworker, plan=plan, data={"reviewed_on": day, "summary": _text(rng.choice(REVIEWS))}
        )
        latest = number == len(days) - 1
        if child and approver is not None and not (latest and rng.random() < LEFT_AWAITING * 3):
            operations.review_approve(actor=approver, review=review, expected_version=review.version)


def _staff(role: Role) -> list[User]:
    return list(User.objects.filter(role=role, is_active=True).select_related("jurisdiction").order_by("username"))


def seed_care_plans(*, seed: int) -> SeedResult:
    """Plans for the open cases the seed registered that have none yet (about ``SHARE`` of them), written by the
    caseworker of the case's organization. Needs ``victims.seed`` and ``services.seed`` first
    (the goals link the records they wrote). Returns counts only."""
    today = current_day()
    caseworkers: dict[int, User] = {}
    for user in _staff(Role.CASEWORKER):
        caseworkers.setdefault(user.organization_id, user)
    approvers = _staff(Role.CIVIL_AFFAIRS)
    with_plan = set(CarePlan.objects.values_list("case_id", flat=True))
    cases = (
        synthetic_cases()
        .exclude(stage__in=(Stage.CLOSED, Stage.TRANSFERRED))
        .select_related("victim", "jurisdiction", "lead_organization")
        .order_by("id")
    )
    written = present = 0
    skipped: list[SkippedCase] = []
    with recorded_change(actor=None, reason="seed_demo"):
        for case in cases:
            if case.pk in with_plan:
                present += 1
                continue
            caseworker = caseworkers.get(case.lead_organization_id)
            rng = random.Random(f"care_plan:{seed}:{case.number}")  # noqa: S311 - synthetic data
            if caseworker is None or rng.random() >= SHARE:
                continue
            approver = next((u for u in approvers if case.jurisdiction.code.startswith(u.jurisdiction.code)), None)
            with attempt(case, skipped) as work:
                record_plan(case, caseworker, approver, rng, today)
            written += work.done
    return SeedResult(written=written, present=present, skipped=tuple(skipped))
