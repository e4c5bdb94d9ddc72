"""Every change to a victim file (DESIGN §2, STYLE "one operation per business action").

Each operation is keyword-only and takes the acting user. It checks the policy (section write
or action) and the record scope, runs in one transaction with ``select_for_update`` on the row
whose state changes, compares the version the caller read (412 when stale), validates
(``full_clean`` and the plan's rules), saves inside ``recorded_change`` so history names the
actor and the reason, and writes its audit event in the same transaction. Errors are
``registry.errors`` exceptions: 400 rule, 403 policy, 404 scope, 409 conflict, 412 version.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from registry import casefile, policy
from registry.audit import record_event
from registry.choices import Department, Role
from registry.errors import Conflict, NotFound, PermissionDenied, RuleViolation
from registry.history import recorded_change
from registry.models import AuditAction, Jurisdiction, Organization
from registry.operations import full_clean, lock_for_change
from registry.policy import Action, Section, require_action, require_write
from victims import stages, validation
from victims.choices import OPEN_REFERRAL_STATUSES, ConsentGiver, ReferralStatus, Service, Stage
from victims.models import Case, CaseNumberCounter, CaseRecord, Consent, Referral, Rescue, Victim

# Fields of the victim each section owns (the person section also shows the case number and age).
VICTIM_SECTION_FIELDS: dict[Section, tuple[str, ...]] = {
    Section.PERSON: ("full_name", "sex"),
    Section.IDENTITY: (
        "aliases",
        "birth_date",
        "birth_date_estimated",
        "document_type",
        "document_country",
        "id_number",
        "nationality",
        "ethnicity",
        "native_place_code",
    ),
    Section.CONTACTS: ("phone", "address"),
    Section.HEALTH: ("disability",),
}
REGISTRATION_SECTIONS = (Section.PERSON, Section.IDENTITY, Section.CONTACTS)

# Which department's organizations may receive a referral for each service.
SERVICE_DEPARTMENT = {
    Service.SCHOOLING: Department.EDUCATION,
    Service.TRAINING: Department.LABOR,
    Service.LEGAL_AID: Department.JUSTICE,
}
CHILD_CONSENT_AGE = 14  # under it, a guardian consents and civil affairs approves referrals

PROVINCE_ABBREVIATIONS = {  # ISO 3166-2:CN, by the GB/T 2260 province code
    "11": "BJ", "12": "TJ", "13": "HE", "14": "SX", "15": "NM", "21": "LN", "22": "JL", "23": "HL",
    "31": "SH", "32": "JS", "33": "ZJ", "34": "AH", "35": "FJ", "36": "JX", "37": "SD", "41": "HA",
    "42": "HB", "43": "HN", "44": "GD", "45": "GX", "46": "HI", "50": "CQ", "51": "SC", "52": "GZ",
    "53": "YN", "54": "XZ", "61": "SN", "62": "GS", "63": "QH", "64": "NX", "65": "XJ",
}  # fmt: skip


# --- checks shared by the operations --------------------------------------------------------


def lock_case(actor, case: Case, expected_version: int | None = None) -> Case:
    """The case row, locked, if ``actor`` may see it (404 otherwise), at ``expected_version``
    (412 when stale): ``registry.operations.lock_for_change`` over the cases the actor sees."""
    return lock_for_change(
        Case.objects.visible_to(actor), case.pk, missing=_("No such case."), expected_version=expected_version
    )


def lock_record(actor, record: CaseRecord, expected_version: int | None = None) -> CaseRecord:
    """The record's case locked (404 when the actor does not see it), then the record itself
    (404 when gone), at ``expected_version`` (412 when stale) — the lock order of
    ``registry.operations.lock_for_change``. The record's scope is its case's."""
    return lock_for_change(
        type(record).objects,
        record.pk,
        missing=_("No such record."),
        expected_version=expected_version,
        case=lambda: lock_case(actor, record.case),
    )


def require_referred_write(actor, case: Case, section: Section, *, lock: bool = False) -> list[Referral]:
    """``registry.policy.require_receiving_write`` for ``actor`` writing ``section`` of ``case``,
    over the statuses of the case's referrals to the actor's organization for the section's
    service (403 ``referral_not_accepted`` / ``referral_completed``); returns the accepted ones
    (none for a role that receives no referral: its scope decides). ``lock`` locks those
    referrals for the rest of the transaction (call with the case locked), so that none is
    completed half-way through a write; a page asking whether to offer a form does not lock."""
    require_write(actor, section)
    if policy.receiving_section(actor) is None:
        return []
    referrals = Referral.objects.filter(
        case=case, to_organization=actor.organization_id, service=Service(section)
    ).order_by("id")
    if lock:
        referrals = referrals.select_for_update()
    referrals = list(referrals) if actor.organization_id is not None else []
    policy.require_receiving_write(actor, section, [referral.status for referral in referrals])
    return [referral for referral in referrals if referral.status == ReferralStatus.ACCEPTED]


def still_visible(actor, case: Case) -> None:
    """After a write, the actor must still see the case (no one moves a case out of their reach)."""
    if not Case.objects.visible_to(actor).filter(pk=case.pk).exists():
        raise PermissionDenied(_("This change would put the case outside your reach."))


def victim_age(victim: Victim, on: datetime.date | None = None) -> int | None:
    if victim.birth_date is None:
        return None
    return validation.age_on(victim.birth_date, on or validation.today())


# --- registration -----------------------------------------------------------------------------


def _allocate_number(jurisdiction: Jurisdiction, year: int) -> str:
    """The next case number for the jurisdiction and year, e.g. ``FJ-350102-2026-00042``.

    Race-free: the counter row is locked for the rest of the transaction, so two registrations
    at the same moment get consecutive numbers, never the same one."""
    code = jurisdiction.code.ljust(6, "0")
    prefix = f"{PROVINCE_ABBREVIATIONS.get(code[:2], code[:2])}-{code}-{year}"
    counter = CaseNumberCounter.objects.select_for_update().filter(prefix=prefix).first()
    if counter is None:
        try:
            with transaction.atomic():
                counter = CaseNumberCounter.objects.create(prefix=prefix)
        except IntegrityError:  # created by a concurrent registration a moment ago
            counter = CaseNumberCounter.objects.select_for_update().get(prefix=prefix)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{prefix}-{counter.last:05d}"


def _earlier_cases(victim: Victim) -> list[int]:
    """Ids of the cases, newest first, of a person with the same ID number, or the same name and
    birth date (every case, in scope or not: the caller narrows). Usually none."""
    field = Victim._meta.get_field
    digests = Q()
    id_digest = field("id_number_index").digest(victim.id_number)
    if id_digest:
        digests |= Q(victim__id_number_index=id_digest)
    name_digest = field("name_birth_index").digest((victim.full_name, victim.birth_date))
    if name_digest:
        digests |= Q(victim__name_birth_index=name_digest)
    if not digests:
        return []
    return list(Case._base_manager.filter(digests).order_by("-id").values_list("pk", flat=True))


def case_register(
    *,
    actor,
    victim: dict,
    jurisdiction: Jurisdiction,
    opened_on: datetime.date | None = None,
    rescue: dict | None = None,
) -> Case:
    """Register a rescued person and open their case in the actor's organization.

    A person already registered (same ID number, or same name and birth date) inside the
    actor's scope is refused with 409 naming that case; outside it, the case is registered and
    flagged as a possible duplicate for civil affairs to resolve — the actor learns nothing of
    the other case.
    """
    for section in REGISTRATION_SECTIONS:
        require_write(actor, section)
    organization = actor.organization
    if organization is None or not jurisdiction.code.startswith(organization.jurisdiction.code):
        raise RuleViolation(_("Choose a jurisdiction within your organization's."), field="jurisdiction")
    allowed = {name for section in REGISTRATION_SECTIONS for name in VICTIM_SECTION_FIELDS[section]}
    unknown = set(victim) - allowed
    if unknown:
        raise RuleViolation(_("Unknown field."), field=sorted(unknown)[0])
    opened_on = opened_on or validation.today()
    validation.check_not_future(opened_on, "opened_on")
    person = Victim(**validation.clean_identity(victim))
    # clean_identity has just enforced the victim's one constraint (a document has a number).
    full_clean(person, exclude=["full_name_index", "name_birth_index", "id_number_index"], constraints=False)
    with transaction.atomic(), recorded_change(actor=actor, reason="registration"):
        earlier = _earlier_cases(person)
        if earlier:
            # A case within the actor's reach is named even when a newer one lies outside it.
            within_reach = Case.objects.visible_to(actor).filter(pk__in=earlier).order_by("-id").first()
            if within_reach is not None:
                raise Conflict(
                    _("This person is already registered in case %(number)s.") % {"number": within_reach.number},
                    code="duplicate_victim",
                )
        person.save()
        case = Case(
            victim=person,
            jurisdiction=jurisdiction,
            lead_organization=organization,
            number=_allocate_number(jurisdiction, opened_on.year),
            opened_on=opened_on,
            created_by=actor,
            possible_duplicate=bool(earlier),
            duplicate_of_id=earlier[0] if earlier else None,
        )
        # The lead organization and the creator are the actor's own (the database holds them);
        # the jurisdiction is the caller's choice and is checked.
        full_clean(case, exclude=["victim", "duplicate_of", "lead_organization", "created_by"])
        case.save()
        case.assigned_caseworkers.add(actor)
        # Every fact scope depends on is set now (a rescue changes none): the actor must see it.
        still_visible(actor, case)
        record_event(
            action=AuditAction.RECORD_CREATED,
            actor=actor,
            case_uuid=case.uuid,
            sections=REGISTRATION_SECTIONS,
            detail={"model": "case"},
        )
        if rescue:
            # record_add without its lock_case: the case row was inserted by this transaction, so
            # no one else can see or lock it, and it was just checked to be within reach.
            require_write(actor, Rescue.section)
            with recorded_change(actor=actor, reason="rescue added"):
                _add_record(actor, case, Rescue, rescue)
    return case


def victim_update(*, actor, case: Case, expected_version: int, section: Section, changes: dict) -> Case:
    """Change the victim's fields of one section (person, identity, contacts, health) and bump
    the case version. Identity changes are re-validated as a whole."""
    section = Section(section)
    require_write(actor, section)
    fields = VICTIM_SECTION_FIELDS.get(section, ())
    unknown = set(changes) - set(fields)
    if unknown:
        raise RuleViolation(_("Unknown field."), field=sorted(unknown)[0])
    with transaction.atomic(), recorded_change(actor=actor, reason=f"{section.value} updated"):
        case = lock_case(actor, case, expected_version)
        person = Victim.objects.get(pk=case.victim_id)
        for name, value in changes.items():
            setattr(person, name, value)
        if section == Section.IDENTITY:
            identity = {name: getattr(person, name) for name in fields}
            for name, value in validation.clean_identity(identity).items():
                setattr(person, name, value)
        full_clean(person, exclude=["full_name_index", "name_birth_index", "id_number_index"])
        person.save()
        case.version += 1
        case.save()
        record_event(
            action=AuditAction.RECORD_UPDATED, actor=actor, case_uuid=case.uuid, sections=[section],
            detail={"model": "victim", "fields": sorted(changes)},
        )  # fmt: skip
    return case


# --- records on a case ------------------------------------------------------------------------


def record_model(name: str) -> type[CaseRecord]:
    """The record model called ``name`` (``"rescue"``, ``"healthassessment"`` …)."""
    from django.apps import apps

    model = apps.get_model("victims", name)
    if not issubclass(model, CaseRecord) or model is Referral:
        raise NotFound(_("No such kind of record."))
    return model


def record_add(*, actor, case: Case, model: str | type[CaseRecord], data: dict) -> CaseRecord:
    """Add a record (rescue, health assessment, DNA sample, household, family member, consent)
    to a case the actor may see, in a section the actor may write."""
    model = record_model(model) if isinstance(model, str) else model
    require_write(actor, model.section)
    with transaction.atomic(), recorded_change(actor=actor, reason=f"{model._meta.model_name} added"):
        case = lock_case(actor, case)
        return _add_record(actor, case, model, data)


def _add_record(actor, case: Case, model: type[CaseRecord], data: dict) -> CaseRecord:
    """The rest of :func:`record_add`, inside its transaction and history block, on a case that
    is locked (or new) and within the actor's reach."""
    record = model(case=case, **data)
    _check_record(record)
    full_clean(record, exclude=["case"])
    record.save()
    record_event(
        action=AuditAction.RECORD_CREATED, actor=actor, case_uuid=case.uuid, sections=[model.section],
        detail={"model": model._meta.model_name, "record": str(record.uuid)},
    )  # fmt: skip
    return record


def record_amend(*, actor, record: CaseRecord, expected_version: int, changes: dict) -> CaseRecord:
    """Change fields of a record at the version the caller read (412 when stale)."""
    model = type(record)
    require_write(actor, model.section)
    with transaction.atomic(), recorded_change(actor=actor, reason=f"{model._meta.model_name} amended"):
        locked = lock_record(actor, record, expected_version)
        for name, value in changes.items():
            if name in {"id", "uuid", "case", "case_id", "version", "created_at"}:
                raise RuleViolation(_("This field cannot be changed."), field=name)
            setattr(locked, name, value)
        _check_record(locked)
        full_clean(locked, exclude=["case"])
        locked.version += 1
        locked.save()
        record_event(
            action=AuditAction.RECORD_UPDATED, actor=actor, case_uuid=locked.case.uuid, sections=[model.section],
            detail={"model": model._meta.model_name, "record": str(locked.uuid), "fields": sorted(changes)},
        )  # fmt: skip
    return locked


def _check_record(record: CaseRecord) -> None:
    """Rules of the plan that a single record must satisfy."""
    for name in ("rescued_on", "assessed_on", "collected_on", "submitted_on", "matched_on", "given_on"):
        validation.check_not_future(getattr(record, name, None), name)
    if isinstance(record, Consent) and record.withdrawn_on:
        validation.check_not_future(record.withdrawn_on, "withdrawn_on")
        if record.withdrawn_on < record.given_on:
            raise RuleViolation(_("Consent cannot be withdrawn before it was given."), field="withdrawn_on")


# --- referrals (rule 9) -----------------------------------------------------------------------


def _active_consent(case: Case, service: Service, *, child: bool) -> Consent | None:
    consents = Consent.objects.filter(case=case, service=service, withdrawn_on__isnull=True).order_by("-id")
    if child:
        consents = consents.exclude(given_by=ConsentGiver.PERSON)  # a child's own consent is not enough
    return consents.first()


def referral_create(
    *, actor, case: Case, service: Service, to_organization: Organization, reason: str = ""
) -> Referral:
    """Refer part of the case to another department's organization.

    Needs a recorded consent for the service that is not withdrawn (a guardian's or a statutory
    basis for a child under 14). A child's referral waits for a civil affairs officer's approval
    before the receiving organization sees anything."""
    service = Service(service)
    require_write(actor, Section.REFERRALS)
    if not to_organization.is_active or to_organization.department != SERVICE_DEPARTMENT[service]:
        raise RuleViolation(_("This organization does not provide that service."), field="to_organization")
    with transaction.atomic(), recorded_change(actor=actor, reason="referral created"):
        case = lock_case(actor, case)
        age = victim_age(case.victim)
        child = age is None or age < CHILD_CONSENT_AGE
        consent = _active_consent(case, service, child=child)
        if consent is None:
            message = (
                _("Record the guardian's consent or a statutory basis for this service first.")
                if child
                else _("Record the person's consent for this service first.")
            )
            raise RuleViolation(message, field="consent", code="consent_required")
        if Referral.objects.filter(
            case=case, to_organization=to_organization, service=service,
            status__in=OPEN_REFERRAL_STATUSES,
        ).exists():  # fmt: skip
            raise Conflict(_("An open referral to this organization already exists."), code="duplicate_referral")
        referral = Referral(
            case=case,
            service=service,
            to_organization=to_organization,
            consent=consent,
            status=ReferralStatus.AWAITING_APPROVAL if child else ReferralStatus.PENDING,
            reason=reason,
            created_by=actor,
        )
        full_clean(referral, exclude=["case", "consent", "created_by", "to_organization"])
        referral.save()
        record_event(
            action=AuditAction.REFERRAL_CREATED, actor=actor, case_uuid=case.uuid, sections=[Section.REFERRALS],
            detail={"referral": str(referral.uuid), "service": service.value},
        )  # fmt: skip
    return referral


_RESPONSES = {
    "accept": (ReferralStatus.PENDING, ReferralStatus.ACCEPTED, AuditAction.REFERRAL_ACCEPTED),
    "decline": (ReferralStatus.PENDING, ReferralStatus.DECLINED, AuditAction.REFERRAL_DECLINED),
    "complete": (ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED, AuditAction.REFERRAL_COMPLETED),
}


def _lock_referral(actor, referral: Referral, expected_version: int | None) -> Referral:
    """The referral alone, locked if the actor sees it (404), at ``expected_version`` (412). An
    answer to a referral changes no other row, so it locks no case."""
    rows = Referral.objects.visible_to(actor)
    return lock_for_change(rows, referral.pk, missing=_("No such referral."), expected_version=expected_version)


def _set_status(referral: Referral, expected: ReferralStatus, new: ReferralStatus) -> None:
    if referral.status != expected:
        raise Conflict(
            _("The referral is “%(status)s”; this step needs it “%(expected)s”.")
            % {"status": ReferralStatus(referral.status).label, "expected": expected.label},
            field="status",
            code="invalid_referral_transition",
        )
    referral.status = new
    referral.version += 1


def referral_respond(
    *, actor, referral: Referral, decision: str, note: str = "", expected_version: int | None = None
) -> Referral:
    """The receiving organization accepts or declines a pending referral, or completes an
    accepted one. Only users of that organization whose role may respond."""
    if decision not in _RESPONSES:
        raise RuleViolation(_("Answer accept, decline or complete."), field="decision")
    require_action(actor, Action.RESPOND_REFERRAL)
    expected, new, event = _RESPONSES[decision]
    with transaction.atomic(), recorded_change(actor=actor, reason=f"referral {decision}"):
        locked = _lock_referral(actor, referral, expected_version)
        if locked.to_organization_id != actor.organization_id:
            raise PermissionDenied(_("Only the receiving organization answers a referral."))
        _set_status(locked, expected, new)
        locked.responded_by = actor
        locked.response_note = note
        locked.save()
        record_event(
            action=event, actor=actor, case_uuid=locked.case.uuid, sections=[Section.REFERRALS],
            detail={"referral": str(locked.uuid)},
        )  # fmt: skip
    return locked


def referral_approve(*, actor, referral: Referral, expected_version: int | None = None) -> Referral:
    """A civil affairs officer approves a child's referral; the receiver sees the case from now."""
    require_action(actor, Action.APPROVE_CHILD_REFERRAL)
    with transaction.atomic(), recorded_change(actor=actor, reason="child referral approved"):
        locked = _lock_referral(actor, referral, expected_version)
        _set_status(locked, ReferralStatus.AWAITING_APPROVAL, ReferralStatus.PENDING)
        locked.approved_by = actor
        locked.save()
        record_event(
            action=AuditAction.APPROVAL_GRANTED, actor=actor, case_uuid=locked.case.uuid,
            sections=[Section.REFERRALS], detail={"referral": str(locked.uuid)},
        )  # fmt: skip
    return locked


def referral_revoke(*, actor, referral: Referral, expected_version: int | None = None) -> Referral:
    """Withdraw a referral that is still open; the receiver loses access at once."""
    require_write(actor, Section.REFERRALS)
    with transaction.atomic(), recorded_change(actor=actor, reason="referral revoked"):
        locked = _lock_referral(actor, referral, expected_version)
        if locked.status not in OPEN_REFERRAL_STATUSES:
            raise Conflict(
                _("Only an open referral can be revoked."), field="status", code="invalid_referral_transition"
            )
        locked.status = ReferralStatus.REVOKED
        locked.version += 1
        locked.save()
        record_event(
            action=AuditAction.REFERRAL_REVOKED, actor=actor, case_uuid=locked.case.uuid,
            sections=[Section.REFERRALS], detail={"referral": str(locked.uuid)},
        )  # fmt: skip
    return locked


# --- the case's stage -------------------------------------------------------------------------


def _change_stage(
    *, actor, case: Case, expected_version: int | None, to: Stage, reason: str, checks=(), **fields
) -> Case:
    with transaction.atomic(), recorded_change(actor=actor, reason=reason):
        locked = lock_case(actor, case, expected_version)
        stages.move(locked, to)
        for check in checks:
            check(locked)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.version += 1
        locked.save()
        record_event(
            action=AuditAction.CASE_STAGE_CHANGED, actor=actor, case_uuid=locked.uuid, sections=[Section.PERSON],
            detail={"stage": locked.stage},
        )  # fmt: skip
    return locked


def case_transfer(*, actor, case: Case, expected_version: int, reason: str) -> Case:
    """Hand the case to another province (it leaves this registry's active work)."""
    require_action(actor, Action.CLOSE_CASE)
    if not reason.strip():
        raise RuleViolation(_("Give the reason and the receiving province."), field="reason")
    # The free text may name people or places: it goes to an encrypted field, never into the
    # history reason or the audit log.
    return _change_stage(actor=actor, case=case, expected_version=expected_version, to=Stage.TRANSFERRED,
                         reason="transferred to another province", transfer_note=reason.strip())  # fmt: skip


def case_close(*, actor, case: Case, expected_version: int) -> Case:
    """Close a case (civil affairs), unless a close check of a section (``registry.casefile``) refuses."""
    require_action(actor, Action.CLOSE_CASE)
    return _change_stage(
        actor=actor, case=case, expected_version=expected_version, to=Stage.CLOSED, reason="case closed",
        checks=casefile.close_checks(), closed_on=validation.today(),
    )  # fmt: skip


def case_reopen(*, actor, case: Case, expected_version: int) -> Case:
    """Reopen a closed case (civil affairs), e.g. when the person needs help again."""
    require_action(actor, Action.CLOSE_CASE)
    return _change_stage(
        actor=actor, case=case, expected_version=expected_version, to=Stage.REGISTERED, reason="case reopened",
        closed_on=None,
    )  # fmt: skip


def case_resolve_duplicate(*, actor, case: Case, expected_version: int, same_person: bool) -> Case:
    """Civil affairs settles a possible duplicate: not the same person (flag cleared), or the
    same person (kept linked to the earlier case for the record)."""
    require_action(actor, Action.RESOLVE_DUPLICATE)
    with transaction.atomic(), recorded_change(actor=actor, reason="possible duplicate resolved"):
        locked = lock_case(actor, case, expected_version)
        if not locked.possible_duplicate:
            raise Conflict(_("This case is not flagged as a possible duplicate."), code="not_a_duplicate")
        locked.possible_duplicate = False
        if not same_person:
            locked.duplicate_of = None
        locked.version += 1
        locked.save()
        record_event(
            action=AuditAction.DUPLICATE_RESOLVED, actor=actor, case_uuid=locked.uuid, sections=[Section.IDENTITY],
            detail={"same_person": same_person},
        )  # fmt: skip
    return locked


def case_assign(*, actor, case: Case, caseworker, expected_version: int) -> Case:
    """Assign a caseworker (of the lead organization, or another one helping) to the case."""
    require_write(actor, Section.PERSON)
    if caseworker.role != Role.CASEWORKER or not caseworker.is_active:
        raise RuleViolation(_("Only an active caseworker can be assigned."), field="caseworker")
    with transaction.atomic(), recorded_change(actor=actor, reason="caseworker assigned"):
        locked = lock_case(actor, case, expected_version)
        locked.assigned_caseworkers.add(caseworker)
        locked.version += 1
        locked.save()
        record_event(
            action=AuditAction.RECORD_UPDATED, actor=actor, case_uuid=locked.uuid, sections=[Section.PERSON],
            detail={"assigned": str(caseworker.uuid)},
        )  # fmt: skip
    return locked
