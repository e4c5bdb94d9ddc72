"""Synthetic victims for the demonstration registry (``manage.py seed_demo --victims N``).

Every person, place and number here is made up (``victims.synthetic``): names drawn from common
characters, resident ID numbers valid in form only, passports in the usual shape of Viet Nam's,
Myanmar's and Laos', addresses never finer than 某街道 / 某村. Mostly women and children (ages
3–39, about 40 % under 18), rescued in Fuzhou and Xiamen, each followed through the journey the
current code supports: rescue, health assessment, DNA sample for children, households (the
purchasing one marked), family, consents, referrals and their answers, and for some cases
closure or transfer to another province.

Guarantees:

- Every write goes through ``victims.operations`` as the demo user whose job it is, so each
  leaves the history rows and audit events a real one would: the city's caseworker registers and
  records, its civil affairs officer approves children's referrals, closes and transfers, the
  receiving bureau answers its referrals. The actor's organization decides the city.
- Deterministic: a plan is drawn from ``random.Random`` seeded by (seed, person index), so
  ``--victims 30`` seeds the first 30 people of ``--victims 200``. Identity (name, birth date,
  document) is drawn against the fixed :data:`REFERENCE_DAY` and before anything that depends
  on today, so it is the same whichever day the command runs; the dates of the journey follow
  today (the last two years), as they must never be in the future.
- Idempotent: a person is known by their document number — by name and birth date when they have
  none — looked up through the blind index (never decrypting a row); one already registered is
  skipped whole. A second run adds nobody.
- One transaction per person: an interrupted run leaves whole people, and the next run completes it.
- Nothing personal is returned or printed: callers get counts only.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from stdnum.cn import ric

from registry.choices import Role
from registry.errors import Conflict
from registry.history import recorded_change
from registry.models import Jurisdiction, User
from registry.policy import Section
from victims import operations, synthetic, validation
from victims.choices import (
    ConsentGiver,
    DisabilityCategory,
    DNAMatch,
    DocumentType,
    ExploitationType,
    ReferralStatus,
    Relationship,
    Service,
    Sex,
    Stage,
)
from victims.models import Case, Victim

# Identity is drawn against this day, not today, so ID numbers do not change from day to day
# (which would make a later run register everyone again). Ages are 3–38 on it, 3–39 a year on.
REFERENCE_DAY = datetime.date(2026, 1, 1)
HISTORY_DAYS = 720  # cases were opened over the last two years
MIN_AGE, MAX_AGE = 3, 38  # on REFERENCE_DAY; every origin region is valid from 1983 (synthetic)
SCHOOL_AGES = range(6, 16)  # DESIGN §2 rule 2
TRAINING_AGE = 16  # rule 1
ADULT_AGE = 18


@dataclass(frozen=True)
class District:
    code: str
    name: str
    police_unit: str


@dataclass(frozen=True)
class City:
    code: str
    name: str
    suffix: str  # of the demo usernames: caseworker_fz
    districts: tuple[District, ...]


CITIES = (
    City("3501", "福州市", "fz", (
        District("350102", "鼓楼区", "福州市公安局鼓楼分局"),
        District("350103", "台江区", "福州市公安局台江分局"),
        District("350104", "仓山区", "福州市公安局仓山分局"),
        District("350111", "晋安区", "福州市公安局晋安分局"),
        District("350121", "闽侯县", "闽侯县公安局"),
        District("350181", "福清市", "福清市公安局"),
    )),
    City("3502", "厦门市", "xm", (
        District("350203", "思明区", "厦门市公安局思明分局"),
        District("350205", "海沧区", "厦门市公安局海沧分局"),
        District("350206", "湖里区", "厦门市公安局湖里分局"),
        District("350211", "集美区", "厦门市公安局集美分局"),
        District("350212", "同安区", "厦门市公安局同安分局"),
    )),
)  # fmt: skip
PROVINCES = {"53": "云南省", "52": "贵州省", "51": "四川省", "45": "广西壮族自治区", "43": "湖南省",
             "42": "湖北省", "36": "江西省", "34": "安徽省", "41": "河南省"}  # fmt: skip

VENUES = {
    ExploitationType.FORCED_MARRIAGE: ("某镇某村村民家中", "某乡某村村民家中"),
    ExploitationType.CHILD_SALE: ("某镇某村村民家中", "某街道某出租屋"),
    ExploitationType.SEXUAL: ("某街道某足浴店", "某街道某娱乐场所", "某街道某出租屋"),
    ExploitationType.LABOUR: ("某工业区某厂房", "某镇某建筑工地", "某镇某作坊"),
    ExploitationType.BEGGING: ("某商业街", "某客运站附近", "某景区附近"),
    ExploitationType.OTHER: ("某街道某出租屋", "某镇某村"),
}
CIRCUMSTANCES = {
    ExploitationType.FORCED_MARRIAGE: "被以介绍工作为由骗至本地，被迫与他人“成婚”；公安机关接群众举报后解救。",
    ExploitationType.CHILD_SALE: "幼年被拐卖至本地收买家庭；公安机关经线索排查后解救。",
    ExploitationType.SEXUAL: "被以高薪招聘为由骗至本地，被强迫从事色情服务；公安机关专项行动中解救。",
    ExploitationType.LABOUR: "被以招工为由骗至本地，被限制人身自由、强迫劳动且无报酬；公安机关会同劳动监察解救。",
    ExploitationType.BEGGING: "被他人控制在街头乞讨；公安机关巡查时发现并解救。",
    ExploitationType.OTHER: "经群众举报，公安机关核查后解救。",
}
FICTION = "（演示数据，情节虚构）"
PHYSICAL = ("身体状况良好", "轻度营养不良", "有陈旧性外伤，已处理", "患皮肤病，正在治疗", "贫血，需补充营养")
PSYCHOLOGICAL = ("情绪基本稳定", "焦虑、失眠，需心理疏导", "警惕性高，不愿交流", "有创伤后应激表现，已安排心理咨询")
NEEDS = ("定期体检", "心理辅导", "营养补充", "陪同就医")
STATUTORY_BASIS = "《中华人民共和国未成年人保护法》第九十二条：民政部门临时监护"
REFERRAL_REASONS = {
    Service.SCHOOLING: "学龄儿童，需安排就近入学",
    Service.TRAINING: "本人有就业意愿，需职业技能培训及就业推荐",
    Service.LEGAL_AID: "需法律援助：配合追究拐卖犯罪，主张民事赔偿",
}
RESPONSE_NOTES = {"accept": "已受理", "decline": "不符合本单位受理条件，已告知转介单位", "complete": "服务已完成"}
# How far a referral gets: the receiver's answers after it reaches them (children's referrals
# need civil affairs' approval first; "awaiting" stops before it).
OUTCOME_STEPS = {
    "awaiting": (),
    "pending": (),
    "accepted": ("accept",),
    "completed": ("accept", "complete"),
    "declined": ("decline",),
}
CHILD_OUTCOMES = {"awaiting": 30, "pending": 20, "accepted": 35, "completed": 15}
OUTCOMES = {"pending": 30, "accepted": 40, "completed": 20, "declined": 10}


# --- plans: what a person's file will hold, drawn without touching the database ----------------


@dataclass(frozen=True)
class MemberPlan:
    relationship: Relationship
    full_name: str
    phone: str | None
    is_guardian: bool
    verified: bool


@dataclass(frozen=True)
class HouseholdPlan:
    address: str
    jurisdiction_code: str
    is_purchaser: bool
    notes: str
    members: tuple[MemberPlan, ...]


@dataclass(frozen=True)
class ReferralPlan:
    service: Service
    consent: dict
    outcome: str  # a key of OUTCOME_STEPS


@dataclass
class PersonPlan:
    """One synthetic person and their case, as the operations will be asked to record them."""

    index: int
    victim: dict  # the registration fields, as ``case_register`` takes them
    key: tuple[str, object]  # (blind index, value) that identifies the person
    age: int  # today
    city: City | None = None
    district: District | None = None
    opened_on: datetime.date | None = None
    rescue: dict = field(default_factory=dict)
    disability: DisabilityCategory | None = None
    health: dict = field(default_factory=dict)
    dna: dict | None = None
    households: list[HouseholdPlan] = field(default_factory=list)
    referrals: list[ReferralPlan] = field(default_factory=list)
    ending: Stage | None = None  # CLOSED or TRANSFERRED; None leaves the case registered
    transfer_reason: str = ""


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _identity(rng: random.Random, anchor: datetime.date) -> tuple[dict, tuple[str, object]]:
    """Who the person is, drawn from ``rng`` and ``anchor`` alone (never from today): the
    registration fields and the key that identifies them (blind index, value)."""
    child = rng.random() < 0.42
    if child:
        low, high = _weighted(rng, {(MIN_AGE, 5): 15, (6, 13): 50, (14, 17): 35})
    else:
        low, high = _weighted(rng, {(18, 25): 45, (26, 32): 35, (33, MAX_AGE): 20})
    age = rng.randint(low, high)
    female = rng.random() < (0.65 if child else 0.92)
    born = synthetic.birth_date(rng, today=anchor, min_age=age, max_age=age + 1)
    victim = {"sex": Sex.FEMALE if female else Sex.MALE}
    if not child and female and rng.random() < 0.15:
        country = _weighted(rng, {"VN": 50, "MM": 30, "LA": 20})
        victim |= {
            "full_name": synthetic.foreign_name(rng, country, female=female),
            "nationality": country,
            "birth_date": born,
        }
        if rng.random() < 0.75:
            number = synthetic.passport_number(rng, country)
            victim |= {"document_type": DocumentType.PASSPORT, "document_country": country, "id_number": number}
        else:  # papers kept by the traffickers: age estimated
            victim |= {"document_type": DocumentType.NONE, "birth_date_estimated": True}
    else:
        region = rng.choice(sorted(synthetic.ORIGIN_PLACES))
        ethnicities = synthetic.ORIGIN_PLACES[region][1]
        victim |= {
            "full_name": synthetic.chinese_name(rng, surname=rng.choice(synthetic.SURNAMES), male=not female),
            "nationality": "CN",
            "native_place_code": region,
            "ethnicity": ethnicities[0] if rng.random() < 0.6 else rng.choice(ethnicities),
        }
        if child and rng.random() < 0.08:  # never registered (黑户): age estimated
            victim |= {"document_type": DocumentType.NONE, "birth_date": born, "birth_date_estimated": True}
        else:
            number = synthetic.resident_id(rng, region=region, birth_date=born, female=female)
            victim |= {"document_type": DocumentType.RESIDENT_ID, "id_number": number}
    if victim.get("id_number"):
        key = ("id_number_index", victim["id_number"])
    else:
        key = ("name_birth_index", (victim["full_name"], born))
    return victim, key


def _rng(seed: int, index: int, attempt: int, part: str) -> random.Random:
    """A generator of its own for each part of each person, so one part's draws never shift
    another's (a string seed is hashed the same in every process)."""
    return random.Random(f"seed_demo:{seed}:{index}:{attempt}:{part}")  # noqa: S311 - synthetic data, not secrets


def plan_person(seed: int, index: int, *, today: datetime.date, attempt: int = 0) -> PersonPlan:
    """The person ``index`` of ``seed`` (``attempt`` > 0 redraws one whose key was taken)."""
    anchor = min(REFERENCE_DAY, today)
    victim, key = _identity(_rng(seed, index, attempt, "identity"), anchor)
    born = victim.get("birth_date") or ric.get_birth_date(victim["id_number"])
    plan = PersonPlan(index=index, victim=victim, key=key, age=validation.age_on(born, today))
    _draw_journey(plan, _rng(seed, index, attempt, "journey"), born=born, today=today)
    return plan


def plan_people(*, seed: int, count: int, today: datetime.date) -> list[PersonPlan]:
    """The first ``count`` people of ``seed``, each with a key no earlier one has."""
    plans, keys = [], set()
    for index in range(count):
        attempt = 0
        plan = plan_person(seed, index, today=today)
        while plan.key in keys:  # the same number drawn twice: redraw this person, deterministically
            attempt += 1
            plan = plan_person(seed, index, today=today, attempt=attempt)
        keys.add(plan.key)
        plans.append(plan)
    return plans


def _exploitation(rng: random.Random, plan: PersonPlan) -> ExploitationType:
    e = ExploitationType
    female = plan.victim["sex"] == Sex.FEMALE
    if plan.age < 14:
        weights = {e.CHILD_SALE: 65, e.BEGGING: 25, e.OTHER: 10}
    elif plan.age < ADULT_AGE:
        marriageable = female and plan.age >= 16
        weights = {e.LABOUR: 35, e.SEXUAL: 25 if female else 0, e.FORCED_MARRIAGE: 20 if marriageable else 0,
                   e.BEGGING: 10, e.OTHER: 10}  # fmt: skip
    elif plan.victim["nationality"] != "CN":
        weights = {e.FORCED_MARRIAGE: 75, e.LABOUR: 15, e.SEXUAL: 10}
    elif female:
        weights = {e.FORCED_MARRIAGE: 40, e.SEXUAL: 30, e.LABOUR: 25, e.OTHER: 5}
    else:
        weights = {e.LABOUR: 85, e.BEGGING: 10, e.OTHER: 5}
    return _weighted(rng, weights)


def _draw_journey(plan: PersonPlan, rng: random.Random, *, born: datetime.date, today: datetime.date) -> None:
    """Fill in the case: where and how the person was found, and what happened since."""

    def later(day: datetime.date, low: int, high: int) -> datetime.date:
        return min(today, day + datetime.timedelta(days=rng.randrange(low, high)))

    victim, foreign = plan.victim, plan.victim["nationality"] != "CN"
    female = victim["sex"] == Sex.FEMALE
    plan.city = CITIES[0] if plan.index % 5 in (0, 2, 4) else CITIES[1]  # three in five in Fuzhou
    plan.district = district = rng.choice(plan.city.districts)
    earliest = born + datetime.timedelta(days=365)
    plan.opened_on = max(earliest, today - datetime.timedelta(days=rng.randrange(HISTORY_DAYS)))
    exploitation = _exploitation(rng, plan)
    rescued_on = max(born, plan.opened_on - datetime.timedelta(days=rng.randrange(3)))
    plan.rescue = {
        "rescued_on": rescued_on,
        "place": plan.city.name + district.name + rng.choice(VENUES[exploitation]),
        "police_unit": district.police_unit,
        "police_case_number": f"A{district.code}{rescued_on.year}{rng.randrange(1, 10**5):05d}",
        "exploitation": exploitation,
        "circumstances": CIRCUMSTANCES[exploitation] + FICTION,
    }

    # Registration fields that follow from the story.
    purchaser_surname = rng.choice(synthetic.SURNAMES)
    bought = exploitation in (ExploitationType.CHILD_SALE, ExploitationType.FORCED_MARRIAGE)
    if bought and (exploitation == ExploitationType.CHILD_SALE or rng.random() < 0.7):
        # the name the purchasing household gave them
        victim["aliases"] = [synthetic.chinese_name(rng, surname=purchaser_surname, male=not female)]
    if plan.age >= 16 and rng.random() < (0.3 if foreign else 0.7):
        victim["phone"] = synthetic.phone(rng)
    if foreign:
        victim["address"] = synthetic.FOREIGN_PLACES[victim["nationality"]]
    elif victim["document_type"] != DocumentType.NONE and rng.random() < 0.85:
        victim["address"] = synthetic.address(rng, victim["native_place_code"])

    # Health, and a DNA sample for every child (采血入库比对, rule 4).
    if rng.random() < 0.06:
        plan.disability = rng.choice([c for c in DisabilityCategory if c != DisabilityCategory.NONE])
    needs = rng.sample(NEEDS, rng.randint(1, 2))
    if foreign:
        needs.append("需要" + synthetic.FOREIGN_LANGUAGES[victim["nationality"]] + "翻译")
    if plan.age < ADULT_AGE:
        needs.append("儿童心理辅导")
    plan.health = {
        "assessed_on": later(plan.opened_on, 0, 3),
        "assessor": plan.city.name + rng.choice(("救助管理站医务室", district.name + "社区卫生服务中心")),
        "physical": rng.choice(PHYSICAL),
        "psychological": rng.choice(PSYCHOLOGICAL),
        "needs": "；".join(needs),
    }
    confirmed = False
    if plan.age < ADULT_AGE:
        collected = later(plan.opened_on, 0, 4)
        plan.dna = {"collected_on": collected, "collected_by": district.police_unit + "刑侦大队"}
        if (today - collected).days >= 2 and rng.random() < 0.85:
            submitted = later(collected, 1, 8)
            plan.dna |= {
                "submitted_on": submitted,
                "database_reference": f"DNA-{submitted.year}-{rng.randrange(10**8):08d}",
            }
            waited = (today - submitted).days
            if waited >= 30:
                draw = rng.random()
                if draw < 0.45:
                    confirmed = True
                    matched = later(submitted, 20, min(waited, 120) + 1)
                    plan.dna |= {"match": DNAMatch.CONFIRMED, "matched_on": matched}
                elif draw < 0.6:
                    plan.dna |= {"match": DNAMatch.NO_MATCH}

    # Households: the purchasing one marked (rule 3), the birth family when it is known.
    if plan.age < ADULT_AGE:
        family_known = confirmed or (exploitation != ExploitationType.CHILD_SALE and rng.random() < 0.6)
        verified = confirmed
    else:
        family_known, verified = rng.random() < 0.85, rng.random() < 0.6
    guardian = None
    if family_known:
        members = []
        relatives = [Relationship.MOTHER] + ([Relationship.FATHER] if rng.random() < 0.6 else [])
        if plan.age >= ADULT_AGE:
            relatives = rng.sample([Relationship.MOTHER, Relationship.FATHER, Relationship.SIBLING], rng.randint(1, 2))
        for relationship in relatives:
            male = relationship == Relationship.FATHER or (relationship == Relationship.SIBLING and rng.random() < 0.5)
            if foreign:
                name = synthetic.foreign_name(rng, victim["nationality"], female=not male)
            elif relationship == Relationship.MOTHER:
                name = synthetic.chinese_name(rng)
            else:
                name = synthetic.chinese_name(rng, surname=victim["full_name"][0], male=male)
            is_guardian = plan.age < ADULT_AGE and relationship in (Relationship.MOTHER, Relationship.FATHER)
            phone = None if foreign or rng.random() < 0.2 else synthetic.phone(rng)
            members.append(MemberPlan(relationship, name, phone, is_guardian, verified))
            # A child under 14's guardian consents only once DNA has confirmed the parent (rule 4).
            if is_guardian and guardian is None and (verified or plan.age >= operations.CHILD_CONSENT_AGE):
                guardian = name
        plan.households.append(
            HouseholdPlan(
                address=synthetic.FOREIGN_PLACES[victim["nationality"]]
                if foreign
                else synthetic.address(rng, victim["native_place_code"]),
                jurisdiction_code="" if foreign else victim["native_place_code"],
                is_purchaser=False,
                notes="原生家庭" + ("；亲子关系经DNA比对确认" if confirmed else ""),
                members=tuple(members),
            )
        )
    if bought:
        if exploitation == ExploitationType.CHILD_SALE:
            members = (
                MemberPlan(Relationship.OTHER, synthetic.chinese_name(rng, surname=purchaser_surname, male=True),
                           None, False, False),
                MemberPlan(Relationship.OTHER, synthetic.chinese_name(rng), None, False, False),
            )  # fmt: skip
            notes = "收买家庭：不得由其继续抚养，不得送回"
        else:
            members = (
                MemberPlan(Relationship.OTHER, synthetic.chinese_name(rng, surname=purchaser_surname, male=True),
                           synthetic.phone(rng), False, False),
            )  # fmt: skip
            notes = "收买家庭（被迫“成婚”）"
        plan.households.append(
            HouseholdPlan(
                address="福建省" + plan.city.name + district.name + rng.choice(("某镇某村", "某乡某村")),
                jurisdiction_code=district.code,
                is_purchaser=True,
                notes=notes,
                members=members,
            )
        )

    # Where the case stands: a few closed (adults whose services are done), a few handed to the
    # home province; the rest open, with consents and referrals.
    native_province = victim.get("native_place_code", "")[:2]
    if plan.age >= ADULT_AGE and (today - plan.opened_on).days >= 90 and rng.random() < 0.22:
        plan.ending = Stage.CLOSED
    elif native_province in PROVINCES and rng.random() < 0.12:
        plan.ending = Stage.TRANSFERRED
        province = PROVINCES[native_province]
        plan.transfer_reason = f"本人户籍地为{province}，移交{province}民政部门接续救助"
        return  # handed over at once: no referrals in Fujian
    services = []
    if plan.age in SCHOOL_AGES:
        services.append(Service.SCHOOLING)
    if plan.age >= TRAINING_AGE and rng.random() < (0.4 if plan.age < ADULT_AGE else 0.45):
        services.append(Service.TRAINING)
    if plan.age >= ADULT_AGE and rng.random() < 0.65:
        services.append(Service.LEGAL_AID)
    for service in services:
        given_on = later(plan.opened_on, 1, 10)
        if plan.age < operations.CHILD_CONSENT_AGE:  # rule 9: a guardian, or a statutory basis
            consent = (
                {"given_by": ConsentGiver.GUARDIAN, "guardian_name": guardian}
                if guardian
                else {"given_by": ConsentGiver.STATUTORY, "statutory_basis": STATUTORY_BASIS}
            )
            outcome = _weighted(rng, CHILD_OUTCOMES)
        else:
            consent = (
                {"given_by": ConsentGiver.GUARDIAN, "guardian_name": guardian}
                if guardian and rng.random() < 0.3
                else {"given_by": ConsentGiver.PERSON}
            )
            outcome = _weighted(rng, OUTCOMES)
        if plan.ending == Stage.CLOSED:
            outcome = "completed"
        plan.referrals.append(ReferralPlan(service, {"service": service, "given_on": given_on, **consent}, outcome))


# --- recording a plan through the operations --------------------------------------------------


@dataclass(frozen=True)
class Staff:
    """The demo users of one city who act on its cases."""

    caseworker: User
    civil_affairs: User
    receivers: dict[Service, User]

    @classmethod
    def of(cls, city: City) -> Staff:
        users = {
            user.role: user
            for user in User.objects.select_related("organization__jurisdiction", "jurisdiction").filter(
                username__in=[f"{role.value}_{city.suffix}" for role in Role], is_active=True
            )
        }
        needed = (Role.CASEWORKER, Role.CIVIL_AFFAIRS, Role.EDUCATION, Role.LEGAL_AID, Role.LABOR)
        missing = [f"{role.value}_{city.suffix}" for role in needed if role not in users]
        if missing:
            raise LookupError("seed the demo accounts first; missing: " + ", ".join(missing))
        return cls(
            caseworker=users[Role.CASEWORKER],
            civil_affairs=users[Role.CIVIL_AFFAIRS],
            receivers={
                Service.SCHOOLING: users[Role.EDUCATION],
                Service.LEGAL_AID: users[Role.LEGAL_AID],
                Service.TRAINING: users[Role.LABOR],
            },
        )


def is_registered(plan: PersonPlan) -> bool:
    """Whether the person is in the registry already (through the blind index, never decrypting)."""
    return Victim.objects.blind_search(*plan.key).exists()


def record_person(plan: PersonPlan, staff: Staff, jurisdictions: dict[str, Jurisdiction]) -> Case:
    """Register the person and record their journey, all in one transaction, each step through
    its operation as the user whose job it is."""
    worker = staff.caseworker
    with transaction.atomic():
        case = operations.case_register(
            actor=worker,
            victim=plan.victim,
            jurisdiction=jurisdictions[plan.district.code],
            opened_on=plan.opened_on,
            rescue=plan.rescue,
        )
        if plan.disability:
            case = operations.victim_update(
                actor=worker, case=case, expected_version=case.version, section=Section.HEALTH,
                changes={"disability": plan.disability},
            )  # fmt: skip
        operations.record_add(actor=worker, case=case, model="healthassessment", data=plan.health)
        if plan.dna:
            operations.record_add(actor=worker, case=case, model="dnasample", data=plan.dna)
        for household in plan.households:
            row = operations.record_add(
                actor=worker, case=case, model="household",
                data={"address": household.address, "jurisdiction_code": household.jurisdiction_code,
                      "is_purchaser": household.is_purchaser, "notes": household.notes},
            )  # fmt: skip
            for member in household.members:
                operations.record_add(
                    actor=worker, case=case, model="familymember",
                    data={"household": row, "relationship": member.relationship, "full_name": member.full_name,
                          "phone": member.phone, "is_guardian": member.is_guardian, "verified": member.verified},
                )  # fmt: skip
        for planned in plan.referrals:
            operations.record_add(actor=worker, case=case, model="consent", data=planned.consent)
            receiver = staff.receivers[planned.service]
            referral = operations.referral_create(
                actor=worker, case=case, service=planned.service, to_organization=receiver.organization,
                reason=REFERRAL_REASONS[planned.service],
            )  # fmt: skip
            if planned.outcome == "awaiting":
                continue
            if referral.status == ReferralStatus.AWAITING_APPROVAL:
                referral = operations.referral_approve(actor=staff.civil_affairs, referral=referral)
            for decision in OUTCOME_STEPS[planned.outcome]:
                referral = operations.referral_respond(
                    actor=receiver, referral=referral, decision=decision, note=RESPONSE_NOTES[decision]
                )
        if plan.ending == Stage.CLOSED:
            case = operations.case_close(actor=staff.civil_affairs, case=case, expected_version=case.version)
        elif plan.ending == Stage.TRANSFERRED:
            case = operations.case_transfer(
                actor=staff.civil_affairs, case=case, expected_version=case.version, reason=plan.transfer_reason
            )
    return case


@dataclass(frozen=True)
class SeedResult:
    created: int  # people registered by this run
    present: int  # people found already registered and left alone


def seed_victims(*, count: int, seed: int, progress: Callable[[int], object] | None = None) -> SeedResult:
    """Seed the first ``count`` synthetic people of ``seed`` who are not registered yet.

    Needs the demo accounts and jurisdictions (``seed_demo`` writes them first). Calls
    ``progress(1)`` after each person. Returns counts only — nothing personal."""
    today = validation.today()
    plans = plan_people(seed=seed, count=count, today=today)
    staff = {city.suffix: Staff.of(city) for city in CITIES}
    codes = {district.code for city in CITIES for district in city.districts}
    jurisdictions = {place.code: place for place in Jurisdiction.objects.filter(code__in=codes)}
    created = present = 0
    # Every write below names its own actor and reason (the operations); this outer block only
    # explains any tracked write that might not.
    with recorded_change(actor=None, reason="seed_demo"):
        for plan in plans:
            if is_registered(plan):
                present += 1
            else:
                try:
                    record_person(plan, staff[plan.city.suffix], jurisdictions)
                    created += 1
                except Conflict as error:  # the same name and birth date registered by someone else
                    if error.code != "duplicate_victim":
                        raise
                    present += 1
            if progress is not None:
                progress(1)
    return SeedResult(created=created, present=present)
