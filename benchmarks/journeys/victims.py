"""The victim file's part of a synthetic journey: what ``victims.seed.record_person`` asks the
operations to write, written by the bulk writer instead.

Each block below names the operation it stands for; the rows, history reasons, actors and audit
events are those of that operation (``victims/operations.py``). Checks the operations make
that cannot fail for a drawn plan (policy, scope, validation of a valid plan) are not repeated;
those that can are, through the blind-index digests of every person written so far: a person
whose key (ID number, or name and birth date) is registered already is skipped, as
``seed_victims`` skips them; one found by the other index within the caseworker's reach is
refused (409, the seed skips the person), outside it registered and flagged as a possible
duplicate of the newest such case.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from benchmarks.bulk import Row, Writer
from benchmarks.journeys import Generation, Journey
from registry.models import AuditAction
from registry.policy import Section
from transfers.choices import Destination, LegalBasis
from transfers.models import HandOver
from victims import validation
from victims.choices import Ending, ReferralStatus, Stage
from victims.models import (
    Case,
    CaseNumberCounter,
    Consent,
    DNASample,
    FamilyMember,
    HealthAssessment,
    Household,
    Referral,
    Rescue,
    Victim,
)
from victims.operations import CHILD_CONSENT_AGE, PROVINCE_ABBREVIATIONS, REGISTRATION_SECTIONS
from victims.seed import OUTCOME_STEPS, REFERRAL_REASONS, RESPONSE_NOTES
from victims.seed.recording import closing_of, handover_of

DECISIONS = {  # referral_respond: decision -> (new status, audit action)
    "accept": (ReferralStatus.ACCEPTED, AuditAction.REFERRAL_ACCEPTED),
    "decline": (ReferralStatus.DECLINED, AuditAction.REFERRAL_DECLINED),
    "complete": (ReferralStatus.COMPLETED, AuditAction.REFERRAL_COMPLETED),
}


@dataclass
class VictimsState:
    """Across people: case-number counters and who is registered (by blind-index digest)."""

    counters: dict[str, int] = field(default_factory=dict)
    # blind-index digest (ID number, name and birth date) -> [(case id, lead organization id)]
    registered: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    def next_number(self, jurisdiction, year: int) -> str:
        """As ``victims.operations.registration._allocate_number``: ``FJ-350102-2026-00042``."""
        code = jurisdiction.code.ljust(6, "0")
        prefix = f"{PROVINCE_ABBREVIATIONS.get(code[:2], code[:2])}-{code}-{year}"
        if prefix not in self.counters:
            row = CaseNumberCounter.objects.filter(prefix=prefix).first()
            self.counters[prefix] = row.last if row else 0
        self.counters[prefix] += 1
        return f"{prefix}-{self.counters[prefix]:05d}"

    def save_counters(self, writer: Writer) -> None:
        for prefix, last in self.counters.items():
            CaseNumberCounter.objects.update_or_create(prefix=prefix, defaults={"last": last})


def _state(generation: Generation) -> VictimsState:
    state = generation.state.get("victims")
    if state is None:
        state = generation.state["victims"] = VictimsState()
        generation.at_end.append(state.save_counters)
    return state


_ID_INDEX = Victim._meta.get_field("id_number_index")
_NAME_BIRTH_INDEX = Victim._meta.get_field("name_birth_index")


def _record_add(writer: Writer, journey: Journey, actor, model, data: dict) -> Row:
    """``operations.record_add``: the record, its history row, ``record_created``."""
    name = model._meta.model_name
    row = writer.add(model, {"case": journey.case, **data}, actor=actor, reason=f"{name} added")
    writer.event(
        AuditAction.RECORD_CREATED,
        actor=actor,
        case=journey.case,
        sections=[model.section],
        detail={"model": name, "record": str(row["uuid"])},
    )
    return row


def register(journey: Journey, writer: Writer, generation: Generation) -> None:
    """``case_register`` (with the rescue), the health section's disability
    (``victim_update``), ``record_add`` of the assessment, DNA sample, households and family,
    and per service a consent, ``referral_create`` and the answers (``referral_approve``,
    ``referral_respond``) — in ``record_person``'s order."""
    state, plan, staff = _state(generation), journey.plan, journey.staff
    worker = staff.caseworker
    jurisdiction = generation.jurisdictions[plan.district.code]

    # seed_victims: a person already registered (by the plan's key) is skipped
    key_field, key_value = plan.key
    if Victim._meta.get_field(key_field).digest(key_value) in state.registered:
        journey.skipped = True
        return

    # case_register
    person = validation.clean_identity(plan.victim)
    digests = [
        digest
        for digest in (
            _ID_INDEX.digest(person.get("id_number")),
            _NAME_BIRTH_INDEX.digest((person["full_name"], person.get("birth_date"))),
        )
        if digest
    ]
    candidates = [found for digest in digests for found in state.registered.get(digest, ())]
    if any(organization == worker.organization_id for _, organization in candidates):
        journey.skipped = True  # 409 duplicate_victim: the seed counts the person as present
        return
    duplicate = max((case_id for case_id, _ in candidates), default=None)
    victim = writer.add(Victim, person, actor=worker, reason="registration")
    case = writer.add(
        Case,
        {
            "victim": victim,
            "jurisdiction": jurisdiction,
            "lead_organization": worker.organization_id,
            "number": state.next_number(jurisdiction, plan.opened_on.year),
            "opened_on": plan.opened_on,
            "created_by": worker,
            "possible_duplicate": duplicate is not None,
            "duplicate_of": duplicate,
            # case_register writes the day and the age band of the rescue registered with it
            "rescued_on": plan.rescue["rescued_on"],
            "age_band": validation.age_band(person.get("birth_date"), plan.rescue["rescued_on"]),
        },
        actor=worker,
        reason="registration",
    )
    writer.link(Case.assigned_caseworkers.through, case_id=case.pk, user_id=worker.pk)
    for digest in digests:
        state.registered.setdefault(digest, []).append((case.pk, worker.organization_id))
    journey.victim, journey.case = victim, case
    rescue = writer.add(Rescue, {"case": case, **plan.rescue}, actor=worker, reason="rescue added")
    # case_register writes one event for the case and the rescue registered with it
    writer.event(
        AuditAction.RECORD_CREATED,
        actor=worker,
        case=case,
        sections=[*REGISTRATION_SECTIONS, Rescue.section],
        detail={"model": "case", "records": {"rescue": str(rescue["uuid"])}},
    )

    # victim_update of the health section
    if plan.disability:
        writer.change(victim, {"disability": plan.disability}, actor=worker, reason="health updated")
        writer.change(case, {"version": case["version"] + 1}, actor=worker, reason="health updated")
        writer.event(
            AuditAction.RECORD_UPDATED,
            actor=worker,
            case=case,
            sections=[Section.HEALTH],
            detail={"model": "victim", "fields": ["disability"]},
        )

    _record_add(writer, journey, worker, HealthAssessment, plan.health)
    if plan.dna:
        _record_add(writer, journey, worker, DNASample, plan.dna)
    for household in plan.households:
        home = _record_add(
            writer,
            journey,
            worker,
            Household,
            {
                "address": household.address,
                "jurisdiction_code": household.jurisdiction_code,
                "is_purchaser": household.is_purchaser,
                "notes": household.notes,
            },
        )
        for member in household.members:
            _record_add(
                writer,
                journey,
                worker,
                FamilyMember,
                {
                    "household": home,
                    "relationship": member.relationship,
                    "full_name": member.full_name,
                    "phone": member.phone,
                    "is_guardian": member.is_guardian,
                    "verified": member.verified,
                },
            )

    birth_date = person.get("birth_date")
    age = validation.age_on(birth_date, generation.today) if birth_date else None
    child = age is None or age < CHILD_CONSENT_AGE
    for planned in plan.referrals:
        consent = _record_add(writer, journey, worker, Consent, planned.consent)
        receiver = staff.receivers[planned.service]
        referral = writer.add(  # referral_create
            Referral,
            {
                "case": case,
                "service": planned.service,
                "to_organization": receiver.organization_id,
                "consent": consent,
                "status": ReferralStatus.AWAITING_APPROVAL if child else ReferralStatus.PENDING,
                "reason": REFERRAL_REASONS[planned.service],
                "created_by": worker,
            },
            actor=worker,
            reason="referral created",
        )
        writer.event(
            AuditAction.REFERRAL_CREATED,
            actor=worker,
            case=case,
            sections=[Section.REFERRALS],
            detail={"referral": str(referral["uuid"]), "service": planned.service.value},
        )
        if planned.outcome == "awaiting":
            continue
        if referral["status"] == ReferralStatus.AWAITING_APPROVAL:  # referral_approve
            writer.change(
                referral,
                {
                    "status": ReferralStatus.PENDING,
                    "version": referral["version"] + 1,
                    "approved_by": staff.civil_affairs,
                },
                actor=staff.civil_affairs,
                reason="child referral approved",
            )
            writer.event(
                AuditAction.APPROVAL_GRANTED,
                actor=staff.civil_affairs,
                case=case,
                sections=[Section.REFERRALS],
                detail={"referral": str(referral["uuid"])},
            )
        for decision in OUTCOME_STEPS[planned.outcome]:  # referral_respond
            status, action = DECISIONS[decision]
            writer.change(
                referral,
                {
                    "status": status,
                    "version": referral["version"] + 1,
                    "responded_by": receiver,
                    "response_note": RESPONSE_NOTES[decision],
                    **({"answered_at": writer.clock.now()} if decision != "complete" else {}),
                },
                actor=receiver,
                reason=f"referral {decision}",
            )
            writer.event(
                action,
                actor=receiver,
                case=case,
                sections=[Section.REFERRALS],
                detail={"referral": str(referral["uuid"])},
            )


def ending(journey: Journey, writer: Writer, generation: Generation) -> None:
    """``case_close`` or ``case_hand_over`` by the city's civil affairs officer; a close records
    how the case ended as ``victims.seed`` closes it (``closing_of``: returned home after a
    completed return, else a reason with its comment), a hand-over goes to the person's home
    province as ``victims.seed`` hands over (``handover_of``). (The close checks other apps
    register are not run: their steps must leave cases they allow to close.)"""
    plan, case = journey.plan, journey.case
    officer = journey.staff.civil_affairs
    if plan.ending == Stage.CLOSED:
        closing, comment = closing_of(plan, case["stage"])
        closing = closing or Ending.RETURNED_HOME
        changes = {"ending": closing, "closure_comment": comment, "closed_on": generation.today}
        writer.change(case, {"stage": plan.ending, "version": case["version"] + 1, **changes}, actor=officer,
                      reason="case closed")  # fmt: skip
        writer.event(AuditAction.CASE_STAGE_CHANGED, actor=officer, case=case, sections=[Section.PERSON],
                     detail={"stage": Stage.CLOSED.value, "ending": Ending(closing).value})  # fmt: skip
    elif plan.ending == Stage.TRANSFERRED:
        values = handover_of(plan)
        reason = "case handed over"
        handover = writer.add(HandOver, {"case": case, "recorded_by": officer, **values}, actor=officer, reason=reason)
        writer.change(case, {"stage": plan.ending, "version": case["version"] + 1}, actor=officer, reason=reason)
        writer.event(
            AuditAction.CASE_HANDED_OVER, actor=officer, case=case, sections=[Section.TRANSFERS],
            detail={
                "handover": str(handover["uuid"]), "stage": Stage.TRANSFERRED.value,
                "destination": Destination(values["destination"]).value, "province_code": values["province_code"],
                "legal_basis": LegalBasis(values["legal_basis"]).value, "sections": values["sections"],
            },
        )  # fmt: skip
