"""Legal aid for the demonstration registry (``manage.py seed_demo``, after the victims).

For most of the *accepted* legal aid referrals of the cases the seed registered
(``victims.seed.synthetic_cases``: never a case someone registered by hand in the demo), the
receiving centre's demo worker opens a matter and takes it some way: decided (a few rejected),
under way with a consultation, drafting, mediation or hearing, and for about a quarter
concluded with a judgment, a settlement or a withdrawal, compensation awarded and partly
received. The kind of matter follows how the person
was exploited (a forced marriage → marriage or divorce, forced labour → a labour dispute …).
Every text is synthetic (``FICTION``).

Guarantees:

- Every write goes through ``legal_aid.operations`` as the centre's legal aid worker, so history
  and the audit log hold what a real registry would.
- Deterministic: each referral's plan is drawn from ``random.Random`` seeded by (seed, case
  number); dates follow today, never in the future and never before the case was opened.
- Idempotent: a referral that already has a matter is left alone (and one the draw leaves without
  a matter is drawn the same way next time), so a second run adds nothing.
- One transaction per matter (``victims.seed.attempt``): a matter an operation refuses is rolled
  back, its case listed by number in ``skipped`` and not counted, and the step goes on. Counts
  only are returned, nothing personal.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from legal_aid import operations
from legal_aid.choices import ActivityKind, MatterType, Outcome
from legal_aid.models import LegalAidMatter
from registry.choices import Role
from registry.history import recorded_change
from registry.models import User
from victims.choices import ExploitationType, ReferralStatus, Service
from victims.models import Referral, Rescue
from victims.seed import SkippedCase, attempt, synthetic_cases
from victims.synthetic import weighted
from victims.validation import today as current_day

FICTION = "（演示数据，情节虚构）"
SHARE = 0.8  # of the accepted legal aid referrals that get a matter
# How far a matter gets, by weight.
REACHED = {"applied": 12, "accepted": 10, "rejected": 5, "in_progress": 45, "concluded": 28}
# The likely matter for each kind of exploitation, by weight.
MATTERS = {
    ExploitationType.FORCED_MARRIAGE: {
        MatterType.MARRIAGE: 5,
        MatterType.CRIMINAL_VICTIM: 3,
        MatterType.CIVIL_COMPENSATION: 2,
    },
    ExploitationType.SEXUAL: {MatterType.CRIMINAL_VICTIM: 5, MatterType.CIVIL_COMPENSATION: 4},
    ExploitationType.LABOUR: {
        MatterType.LABOUR_DISPUTE: 5,
        MatterType.CIVIL_COMPENSATION: 3,
        MatterType.CRIMINAL_VICTIM: 2,
    },
    ExploitationType.BEGGING: {MatterType.CRIMINAL_VICTIM: 4, MatterType.CIVIL_COMPENSATION: 3},
    ExploitationType.CHILD_SALE: {
        MatterType.HOUSEHOLD_REGISTRATION: 5,
        MatterType.CUSTODY: 3,
        MatterType.CRIMINAL_VICTIM: 2,
    },
    ExploitationType.OTHER: {MatterType.CRIMINAL_VICTIM: 3, MatterType.HOUSEHOLD_REGISTRATION: 2, MatterType.OTHER: 1},
}


def likely_matters(forms) -> dict:
    """The weights of :data:`MATTERS` for a rescue's forms of exploitation (a list): those of its
    first form that has some, else those of ``other``."""
    known = [ExploitationType(form) for form in forms or () if form in MATTERS]
    return MATTERS[known[0] if known else ExploitationType.OTHER]


SUMMARIES = {
    MatterType.CRIMINAL_VICTIM: "作为被害人参加拐卖妇女案件刑事诉讼，委托诉讼代理人",
    MatterType.CIVIL_COMPENSATION: "就被拐卖期间所受人身、财产损害提起附带民事诉讼",
    MatterType.CUSTODY: "子女抚养权、监护权确认",
    MatterType.LABOUR_DISPUTE: "追索被强迫劳动期间的劳动报酬",
    MatterType.HOUSEHOLD_REGISTRATION: "协助恢复户籍登记、补办身份证件",
    MatterType.MARRIAGE: "被迫“成婚”，申请确认婚姻无效或离婚",
    MatterType.OTHER: "其他法律事务咨询与代理",
}
MONEY_MATTERS = (MatterType.CIVIL_COMPENSATION, MatterType.LABOUR_DISPUTE, MatterType.CRIMINAL_VICTIM)
ACTIVITIES = {
    ActivityKind.CONSULTATION: ("与受援人面谈，了解案情及诉求", "核对证据材料"),
    ActivityKind.DOCUMENT_DRAFTING: ("起草附带民事起诉状", "起草代理意见"),
    ActivityKind.COURT_HEARING: ("出庭参加庭审", "参加庭前会议"),
    ActivityKind.MEDIATION: ("参加调解", "与对方协商赔偿方案"),
    ActivityKind.VISIT: ("走访受援人安置机构", "回访受援人"),
}
NEXT_STEPS = ("提交证据材料", "向法院递交起诉状", "等待开庭通知", "跟进判决执行", "联系受援人确认意见")
HOURS = (Decimal("0.5"), Decimal("1"), Decimal("1.5"), Decimal("2"), Decimal("3"), Decimal("4"))
REASONS = {
    "accept": "经审查，受援人经济困难，符合法律援助条件",
    "reject": "经审查，该事项不属于法律援助范围，已告知受援人",
}
OUTCOMES = {Outcome.JUDGMENT: 5, Outcome.SETTLEMENT: 3, Outcome.WITHDRAWN: 1}
OUTCOME_TEXT = {
    Outcome.JUDGMENT: "法院作出判决，支持受援人主要诉讼请求",
    Outcome.SETTLEMENT: "经调解，双方达成协议",
    Outcome.WITHDRAWN: "受援人撤回申请",
    Outcome.OTHER: "事项已办结",
}


@dataclass(frozen=True)
class SeedResult:
    opened: int  # matters opened by this run
    present: int  # accepted referrals that already had a matter
    skipped: tuple[SkippedCase, ...] = ()  # refused by an operation, rolled back


class _Clock:
    """Dates that move forward from ``start`` and never pass today."""

    def __init__(self, rng: random.Random, start: datetime.date, today: datetime.date) -> None:
        self.rng, self.day, self.today = rng, min(start, today), today

    def after(self, low: int, high: int) -> datetime.date:
        self.day = min(self.day + datetime.timedelta(days=self.rng.randint(low, high)), self.today)
        return self.day


def _text(text: str) -> str:
    return text + FICTION


def _activity(matter, worker, rng: random.Random, clock: _Clock, *, last: bool, kinds) -> None:
    kind = rng.choice(kinds)
    occurred_on = clock.after(1, 20)
    due = None
    if last:  # the latest activity leaves the matter's next step; some are already overdue
        due = max(clock.today + datetime.timedelta(days=rng.randint(-5, 30)), occurred_on)
    operations.activity_add(
        actor=worker,
        matter=matter,
        kind=kind,
        occurred_on=occurred_on,
        hours=rng.choice(HOURS),
        notes=_text(rng.choice(ACTIVITIES[kind])),
        next_step=rng.choice(NEXT_STEPS) if last else None,
        next_step_due=due,
    )


def record_matter(referral: Referral, worker, rng: random.Random, today: datetime.date) -> None:
    """One matter of ``referral``'s case, taken to the step drawn, each step through its operation."""
    case = referral.case
    rescue = Rescue.objects.filter(case=case).order_by("id").only("exploitation").first()
    matter_type = weighted(rng, likely_matters(rescue.exploitation if rescue else ()))
    reached = weighted(rng, REACHED)
    clock = _Clock(rng, case.opened_on, today)
    matter = operations.matter_open(
        actor=worker,
        case=case,
        referral=referral,
        matter_type=matter_type,
        applied_on=clock.after(3, 20),
        summary=_text(SUMMARIES[matter_type]),
    )
    if reached == "applied":
        if rng.random() < 0.5:
            _activity(matter, worker, rng, clock, last=True, kinds=(ActivityKind.CONSULTATION,))
        return
    decision = "reject" if reached == "rejected" else "accept"
    matter = operations.matter_decide(
        actor=worker,
        matter=matter,
        expected_version=matter.version,
        decision=decision,
        decided_on=clock.after(0, 7),
        decision_reason=_text(REASONS[decision]),
    )
    if reached in ("accepted", "rejected"):
        return
    matter = operations.matter_start(
        actor=worker, matter=matter, expected_version=matter.version, started_on=clock.after(0, 10), lawyer=worker
    )
    count = rng.randint(1, 3)
    for number in range(count):
        _activity(
            matter, worker, rng, clock, last=number == count - 1 and reached == "in_progress", kinds=tuple(ActivityKind)
        )
    if reached != "concluded":
        return
    outcome = weighted(rng, OUTCOMES)
    awarded = received = received_on = None
    if outcome != Outcome.WITHDRAWN and matter_type in MONEY_MATTERS:
        awarded = Decimal(rng.randrange(5_000, 80_000, 500))
        received = (awarded * Decimal(rng.choice(("0", "0.3", "0.5", "1")))).quantize(Decimal("0.01"))
    concluded_on = clock.after(0, 30)
    if received:
        received_on = clock.after(0, 20)
    operations.matter_conclude(
        actor=worker,
        matter=matter,
        expected_version=matter.version,
        outcome=outcome,
        concluded_on=concluded_on,
        outcome_description=_text(OUTCOME_TEXT[outcome]),
        compensation_awarded=awarded,
        compensation_received=received or None,
        compensation_received_on=received_on,
    )


def seed_legal_aid(*, seed: int) -> SeedResult:
    """Matters for the accepted legal aid referrals of the seed's cases that have none yet (about
    ``SHARE`` of them), opened by their centre's legal aid demo worker. Needs ``victims.seed`` first."""
    today = current_day()
    workers: dict[int, User] = {}
    for user in User.objects.filter(role=Role.LEGAL_AID, is_active=True).order_by("username"):
        workers.setdefault(user.organization_id, user)
    referrals = (
        Referral.objects.filter(service=Service.LEGAL_AID, status=ReferralStatus.ACCEPTED, case__in=synthetic_cases())
        .select_related("case")
        .order_by("id")
    )
    with_matter = set(LegalAidMatter.objects.values_list("referral_id", flat=True))
    opened = present = 0
    skipped: list[SkippedCase] = []
    with recorded_change(actor=None, reason="seed_demo"):
        for referral in referrals:
            if referral.pk in with_matter:
                present += 1
                continue
            worker = workers.get(referral.to_organization_id)
            rng = random.Random(f"legal_aid:{seed}:{referral.case.number}")  # noqa: S311 - synthetic data
            if worker is None or rng.random() >= SHARE:
                continue
            with attempt(referral.case, skipped) as work:
                record_matter(referral, worker, rng, today)
            opened += work.done
    return SeedResult(opened=opened, present=present, skipped=tuple(skipped))
