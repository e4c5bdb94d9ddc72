"""Recording a plan through the operations, and the seeding run (``seed_victims``).

Guarantees:

- Every write goes through ``victims.operations`` as the demo user whose job it is, so each
  leaves the history rows and audit events a real one would: the city's caseworker registers and
  records, its civil affairs officer approves children's referrals, closes, and hands cases over
  to the person's home province (:func:`handover_of`), the receiving bureau answers its
  referrals. The actor's organization decides the city.
- A case is closed only with how it ended (:func:`closing_of`): here, before any return, with
  one of :data:`CLOSINGS` — a reason and civil affairs' comment, by the person's index.
- Idempotent: a person is known by their document number — by name and birth date when they have
  none — looked up through the blind index (never decrypting a row); one already registered is
  skipped whole. A second run adds nobody.
- One transaction per person: an interrupted run leaves whole people, and the next run completes it.
- Every case registered here is marked as the seed's own (:func:`mark_synthetic`, in the
  person's transaction): the later seed steps complete those cases only, never one registered
  by hand in the demo.
- Nothing personal is returned or printed: callers get counts only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from registry.choices import Role
from registry.errors import Conflict
from registry.history import recorded_change
from registry.models import Jurisdiction, User
from registry.policy import Section
from transfers.choices import Consent, Destination, LegalBasis
from transfers.handover.operations import DEFAULT_SECTIONS, case_hand_over
from victims import operations, validation
from victims.choices import Ending, ReferralStatus, Service, Stage
from victims.models import Case, Victim
from victims.seed.journey import OUTCOME_STEPS, REFERRAL_REASONS, RESPONSE_NOTES
from victims.seed.people import plan_people
from victims.seed.places import CITIES, PROVINCES, City
from victims.seed.plans import PersonPlan

# How the demo's cases closed without a completed return end: a reason and civil affairs' comment.
CLOSINGS: tuple[tuple[Ending, str], ...] = (
    (Ending.DECLINED_ASSISTANCE, "本人已有稳定住处和工作，书面表示不再需要救助，经社工评估同意结案（虚构）"),
    (Ending.CONTACT_LOST, "三个月内电话联系五次、按登记地址上门走访两次，均未能联系到本人，记录在案（虚构）"),
    (Ending.TRANSFERRED_OUT, "本人转入市妇联长期帮扶项目，由该项目接续提供心理疏导和就业服务（虚构）"),
)


def closing_of(plan: PersonPlan, stage: Stage) -> tuple[Ending | None, str]:
    """The reason and comment civil affairs closes the case of ``plan`` with, from ``stage``: none
    after a completed return (the case ends as returned home), else one of :data:`CLOSINGS` by
    the person's index (the benchmark generator closes its cases the same way)."""
    if stage == Stage.RETURNED:
        return None, ""
    return CLOSINGS[plan.index % len(CLOSINGS)]


def handover_of(plan: PersonPlan) -> dict:
    """What civil affairs hands the case of ``plan`` over to the civil affairs department of the
    person's home province with (``case_hand_over``'s arguments but the actor, case and
    version): on the day the case opened, to return to the native place, with her consent, the
    package's default sections (the benchmark generator hands over the same way)."""
    code = plan.victim["native_place_code"][:2]
    return {
        "destination": Destination.PROVINCE, "province_code": code, "receiving_agency": f"{PROVINCES[code]}民政厅",
        "contact_office": "社会救助处（虚构）", "handed_over_on": plan.opened_on,
        "legal_basis": LegalBasis.RETURN_TO_NATIVE_PLACE, "consent": Consent.PERSON,
        "sections": [section.value for section in DEFAULT_SECTIONS],
    }  # fmt: skip


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
            reason, comment = closing_of(plan, case.stage)
            case = operations.case_close(
                actor=staff.civil_affairs, case=case, expected_version=case.version, reason=reason, comment=comment
            )
        elif plan.ending == Stage.TRANSFERRED:
            case_hand_over(actor=staff.civil_affairs, case=case, expected_version=case.version, **handover_of(plan))
            case.refresh_from_db()
    return case


def mark_synthetic(case: Case) -> None:
    """Mark ``case``, just registered by the seed in the caller's transaction, as the seed's own
    (``Case.synthetic``): the later steps complete only such cases (``victims.seed.steps``).
    The row is read again under a lock, so its history row copies the case as it stands (not a
    stale copy) with the seed's reason (the surrounding ``recorded_change``); the version stays,
    as no user changed the case, and nothing a reader sees changes (the column is never shown)."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    locked.synthetic = True
    locked.save(update_fields=["synthetic"])


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
                    with transaction.atomic():  # the person and the mark, or neither
                        mark_synthetic(record_person(plan, staff[plan.city.suffix], jurisdictions))
                    created += 1
                except Conflict as error:  # the same name and birth date registered by someone else
                    if error.code != "duplicate_victim":
                        raise
                    present += 1
            if progress is not None:
                progress(1)
    return SeedResult(created=created, present=present)
