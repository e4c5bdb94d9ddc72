"""The journey of a person's case, drawn into their plan: where and how they were found (the
forms of exploitation, several for some, and the identification profile), their health and DNA
sample, households (the purchasing one marked), and where the case stands — closed, handed to
the home province, or open with consents and referrals. With the words the
seed writes (places, circumstances, health notes, referral reasons and answers), all made up and
never finer than 某街道 / 某村.
"""

from __future__ import annotations

import datetime
import random

from victims import operations, synthetic
from victims.choices import (
    DECIDED_IDENTIFICATION,
    STATUTORY_BASES,
    ConsentGiver,
    DecidingUnit,
    DisabilityCategory,
    DNAMatch,
    DocumentType,
    ExploitationType,
    IdentificationSource,
    IdentificationStatus,
    Relationship,
    Service,
    Sex,
    Stage,
)
from victims.seed.places import CITIES, PROVINCES
from victims.seed.plans import HouseholdPlan, MemberPlan, PersonPlan, ReferralPlan, weighted

# Cases open from the first day of 2025 to today, so every indicator of 2025 and 2026 has numbers.
FIRST_OPENING = datetime.date(2025, 1, 1)
SCHOOL_AGES = range(6, 16)  # DESIGN §2 rule 2
TRAINING_AGE = 16  # rule 1
ADULT_AGE = 18

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
STATUTORY_BASIS = STATUTORY_BASES[0]
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
    return weighted(rng, weights)


# Forms that come with the main one in some cases (CTDC counts each): (main, also, odds).
ALSO_EXPLOITED = (
    (ExploitationType.SEXUAL, ExploitationType.LABOUR, 0.15),
    (ExploitationType.FORCED_MARRIAGE, ExploitationType.LABOUR, 0.1),
    (ExploitationType.BEGGING, ExploitationType.FORCED_CRIMINALITY, 0.3),
    (ExploitationType.LABOUR, ExploitationType.FORCED_CRIMINALITY, 0.05),
    (ExploitationType.CHILD_SALE, ExploitationType.ILLEGAL_ADOPTION, 0.4),
    (ExploitationType.LABOUR, ExploitationType.ORGAN_REMOVAL, 0.01),
)
# How the person came to notice, by the main form of exploitation.
SOURCES = {
    ExploitationType.FORCED_MARRIAGE: {
        "hotline": 40,
        "police_operation": 30,
        "self_referral": 15,
        "other_province": 15,
    },
    ExploitationType.CHILD_SALE: {"police_operation": 60, "school": 15, "hospital": 10, "hotline": 15},
    ExploitationType.SEXUAL: {"police_operation": 70, "hotline": 20, "self_referral": 10},
    ExploitationType.LABOUR: {"police_operation": 60, "hotline": 25, "self_referral": 10, "transport_hub": 5},
    ExploitationType.BEGGING: {"street_rescue": 70, "transport_hub": 20, "police_operation": 10},
    ExploitationType.OTHER: {"hotline": 50, "transport_hub": 30, "other": 20},
}
IDENTIFICATION = {"presumed": 55, "confirmed": 35, "suspected": 8, "not_victim": 2}
DECIDERS = {DecidingUnit.PUBLIC_SECURITY: 60, DecidingUnit.PROCURATORATE: 25, DecidingUnit.COURT: 15}
UNKNOWN_ORIGIN_ODDS = 0.5  # of the children sold young whose family is not known


def _identification(rng: random.Random, plan: PersonPlan, main: ExploitationType, rescued_on, today) -> dict:
    """The rescue's identification profile: status, and for a decision its date and kind of unit;
    the source by the main form of exploitation (a foreign authority for some foreign nationals)."""
    foreign = plan.victim["nationality"] != "CN"
    source = IdentificationSource.FOREIGN_AUTHORITY if foreign and rng.random() < 0.3 else weighted(rng, SOURCES[main])
    status = IdentificationStatus(weighted(rng, IDENTIFICATION))
    profile = {"identification_status": status, "identification_source": source}
    if status in DECIDED_IDENTIFICATION:
        decider = DecidingUnit.FOREIGN_AUTHORITY if source == IdentificationSource.FOREIGN_AUTHORITY else None
        profile |= {
            "identified_on": min(today, rescued_on + datetime.timedelta(days=rng.randrange(5, 90))),
            "identified_by": decider or weighted(rng, DECIDERS),
        }
    return profile


def draw_journey(plan: PersonPlan, rng: random.Random, *, born: datetime.date, today: datetime.date) -> None:
    """Fill in the case: where and how the person was found, and what happened since."""

    def later(day: datetime.date, low: int, high: int) -> datetime.date:
        return min(today, day + datetime.timedelta(days=rng.randrange(low, high)))

    victim, foreign = plan.victim, plan.victim["nationality"] != "CN"
    female = victim["sex"] == Sex.FEMALE
    plan.city = CITIES[0] if plan.index % 5 in (0, 2, 4) else CITIES[1]  # three in five in Fuzhou
    plan.district = district = rng.choice(plan.city.districts)
    earliest = born + datetime.timedelta(days=365)
    first_day = max(earliest, min(today, FIRST_OPENING))
    plan.opened_on = first_day + datetime.timedelta(days=rng.randrange((today - first_day).days + 1))
    exploitation = _exploitation(rng, plan)
    forms = {exploitation} | {
        also for main, also, odds in ALSO_EXPLOITED if main == exploitation and rng.random() < odds
    }
    rescued_on = max(born, plan.opened_on - datetime.timedelta(days=rng.randrange(3)))
    plan.rescue = {
        "rescued_on": rescued_on,
        "place": plan.city.name + district.name + rng.choice(VENUES[exploitation]),
        "police_unit": district.police_unit,
        "police_case_number": f"A{district.code}{rescued_on.year}{rng.randrange(1, 10**5):05d}",
        "exploitation": sorted(forms),
        "circumstances": CIRCUMSTANCES[exploitation] + FICTION,
        **_identification(rng, plan, exploitation, rescued_on, today),
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
        # 来历不明: sold young, family not known — reunification then waits for a DNA match.
        if exploitation == ExploitationType.CHILD_SALE and not family_known and rng.random() < UNKNOWN_ORIGIN_ODDS:
            victim["unknown_origin"] = True
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
            outcome = weighted(rng, CHILD_OUTCOMES)
        else:
            consent = (
                {"given_by": ConsentGiver.GUARDIAN, "guardian_name": guardian}
                if guardian and rng.random() < 0.3
                else {"given_by": ConsentGiver.PERSON}
            )
            outcome = weighted(rng, OUTCOMES)
        if plan.ending == Stage.CLOSED:
            outcome = "completed"
        plan.referrals.append(ReferralPlan(service, {"service": service, "given_on": given_on, **consent}, outcome))
