"""Handing a case over out of the province (五.3) or, for a foreign victim, to her country (五.2),
and the package that goes with it.

- :func:`case_hand_over` records the structured :class:`~transfers.models.HandOver` and moves the
  case to ``transferred``, where it is read-only until civil affairs reopens it
  (``victims.operations.case_reopen``; every other write is refused with 409
  ``case_transferred`` by ``victims.operations.lock_case``).
- :func:`handover_package` generates the package: the case's dossier limited to the sections
  the hand-over names, followed by the hand-over receipt form (``exports``).

Guarantees: civil affairs only (403), a case the actor sees (404), at the version the caller
read (412); each refusal of what was sent names its field (400); one transaction locks the case,
moves its stage through ``victims.stages.move`` (409 from a stage that cannot move), writes the
record, bumps the case's version, and records history (a fixed reason) and the audit event
``case_handed_over`` — whose detail holds codes only (destination, province or country, legal
basis, the sections), never the agency, the consent note or the travel document.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from exports.models import ArchiveRecord
from exports.operations import dossier_generate
from registry import policy
from registry.audit import record_event
from registry.errors import Conflict, RuleViolation
from registry.history import recorded_change
from registry.models import AuditAction
from registry.operations import full_clean, require_room
from registry.policy import Action, Section, require_action
from services.models import ShelterPlacement
from transfers.choices import Consent, Destination, LegalBasis, TransferStatus
from transfers.handover import places
from transfers.handover.receipt import receipt_of
from transfers.models import CaseTransfer, HandOver
from victims import stages, validation
from victims.choices import Stage
from victims.models import Case
from victims.operations import lock_case

# Ticked on the form: what a receiving civil affairs department needs to continue the assistance.
DEFAULT_SECTIONS = (Section.PERSON, Section.IDENTITY, Section.HEALTH, Section.RETURN_HOME)
PACKAGE_REASON = "hand-over package"


def package_sections(actor) -> tuple:
    """The sections a package ``actor`` makes may hold: every section the role reads."""
    return tuple(section for section in policy.readable_sections(actor))


def _required(value, field: str, message: str) -> str:
    value = (value or "").strip() if isinstance(value, str) else value
    if not value:
        raise RuleViolation(message, field=field)
    return value


def _absent(value, field: str, message: str) -> None:
    if isinstance(value, str) and value.strip():
        raise RuleViolation(message, field=field)


def _destination(case: Case, destination, province_code, country, embassy_contact, travel_document) -> dict:
    """The destination's fields, checked: a real province other than the case's own, or a
    country other than China with the repatriation's two references; the other's fields empty."""
    if destination == Destination.PROVINCE:
        code = (province_code or "").strip()
        if code not in places.provinces():
            raise RuleViolation(_("Choose the receiving province."), field="province_code")
        if code == case.jurisdiction.code[:2]:
            raise RuleViolation(
                _("The case is in this province already: to move it within the province, transfer it."),
                field="province_code",
            )
        for name, value in (("country", country), ("embassy_contact", embassy_contact),
                            ("travel_document", travel_document)):  # fmt: skip
            _absent(value, name, _("Only a repatriation to another country records this."))
        return {"province_code": code}
    if destination == Destination.COUNTRY:
        _absent(province_code, "province_code", _("A repatriation names a country, not a province."))
        code = validation.check_country(country, "country")
        if code == places.CHINA:
            raise RuleViolation(_("Choose the country the person returns to, not China."), field="country")
        return {
            "country": code,
            "embassy_contact": _required(
                embassy_contact, "embassy_contact", _("Name the embassy or consulate contacted.")
            ),
            "travel_document": _required(
                travel_document, "travel_document", _("Give the reference of the travel document.")
            ),
        }
    raise RuleViolation(_("Choose another province or another country."), field="destination")


def _sections(actor, sections) -> list[str]:
    """The package's sections in the policy's order, the person's always among them; 400
    ``sections`` for none, or one the actor does not read."""
    if not isinstance(sections, list | tuple) or not sections:
        raise RuleViolation(_("Choose the sections the receiving agency needs."), field="sections")
    allowed = {section.value: section for section in package_sections(actor)}
    if any(not isinstance(key, str) or key not in allowed for key in sections):
        raise RuleViolation(_("Choose among the sections of the case file you read."), field="sections")
    chosen = {*sections, Section.PERSON.value}
    return [key for key in allowed if key in chosen]


def _handed_over_on(case: Case, value) -> datetime.date:
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise RuleViolation(_("Give the date of the hand-over."), field="handed_over_on")
    validation.check_not_future(value, "handed_over_on")
    if value < case.opened_on:
        raise RuleViolation(_("The hand-over cannot precede the opening of the case."), field="handed_over_on")
    return value


def _refuse_while_engaged(case: Case) -> None:
    """409 while the person holds a bed here (discharge her first: a read-only case would keep
    it taken) or a transfer within the province awaits its answer (withdraw it first)."""
    if ShelterPlacement.objects.filter(case=case, discharged_on__isnull=True).exists():
        raise Conflict(
            _("The person is still in a shelter: discharge them before handing the case over."),
            code="placement_open",
        )
    if CaseTransfer.objects.filter(case=case, status=TransferStatus.PENDING).exists():
        raise Conflict(
            _("A transfer of this case awaits its answer: withdraw it before handing the case over."),
            code="transfer_pending",
        )


def case_hand_over(
    *,
    actor,
    case: Case,
    expected_version: int,
    destination: str,
    receiving_agency: str,
    contact_office: str,
    handed_over_on: datetime.date,
    legal_basis: str,
    consent: str,
    sections,
    province_code: str = "",
    country: str = "",
    consent_note: str = "",
    embassy_contact: str = "",
    travel_document: str = "",
) -> HandOver:
    """Hand ``case`` over to another province or country (civil affairs): see the module's
    docstring. 400 naming the field: ``destination``; ``province_code`` (not a province, or the
    case's own); ``country`` (not ISO 3166, or China); ``embassy_contact`` and
    ``travel_document`` (required for a country, refused for a province); ``receiving_agency``,
    ``contact_office``; ``handed_over_on`` (missing, in the future, before the case opened);
    ``legal_basis``; ``consent``; ``consent_note`` (required when consent could not be
    obtained); ``sections`` (none, or one the actor does not read; ``person`` is always
    added). 409: ``invalid_stage_transition`` (a closed, returned or transferred case),
    ``placement_open``, ``transfer_pending``, ``too_many_records``."""
    require_action(actor, Action.HAND_OVER_CASE)
    if legal_basis not in LegalBasis.values:
        raise RuleViolation(_("Choose the legal basis of the hand-over."), field="legal_basis")
    if consent not in Consent.values:
        raise RuleViolation(_("Say whether the person consented."), field="consent")
    consent_note = (consent_note or "").strip()
    if consent == Consent.NOT_OBTAINABLE and not consent_note:
        raise RuleViolation(_("Say why the consent could not be obtained."), field="consent_note")
    values = {
        "destination": destination,
        "receiving_agency": _required(receiving_agency, "receiving_agency", _("Name the receiving agency.")),
        "contact_office": _required(contact_office, "contact_office", _("Name the office to contact there.")),
        "legal_basis": legal_basis,
        "consent": consent,
        "consent_note": consent_note,
        "sections": _sections(actor, sections),
    }
    with transaction.atomic(), recorded_change(actor=actor, reason="case handed over"):
        locked = lock_case(actor, case, expected_version)
        values.update(
            _destination(locked, destination, province_code, country, embassy_contact, travel_document),
            handed_over_on=_handed_over_on(locked, handed_over_on),
        )
        stages.move(locked, Stage.TRANSFERRED)
        _refuse_while_engaged(locked)
        require_room(HandOver, locked)
        handover = HandOver(case=locked, recorded_by=actor, **values)
        full_clean(handover, exclude=["case", "recorded_by"])
        handover.save()
        locked.version += 1
        locked.save()
        record_event(
            action=AuditAction.CASE_HANDED_OVER, actor=actor, case_uuid=locked.uuid, sections=[Section.TRANSFERS],
            detail={
                "handover": str(handover.uuid), "stage": locked.stage, "destination": handover.destination,
                **({"province_code": handover.province_code} if handover.province_code else {}),
                **({"country": handover.country} if handover.country else {}),
                "legal_basis": handover.legal_basis, "sections": handover.sections,
            },
        )  # fmt: skip
    return handover


def handover_package(*, actor, handover: HandOver, request=None) -> ArchiveRecord:
    """The hand-over package of ``handover`` (a record from ``selectors.handover_for``): a
    dossier of its case (``exports.operations.dossier_generate``: stored encrypted, audited as
    ``dossier_generated``, fixity-checked like every dossier; 404 unless the actor sees the
    case, 403 unless the role may export dossiers) holding only the hand-over's sections,
    followed by the hand-over receipt form; history reason ``hand-over package``. 403 first
    unless the role may hand cases over."""
    require_action(actor, Action.HAND_OVER_CASE)
    return dossier_generate(
        actor=actor, case=handover.case, request=request, reason=PACKAGE_REASON, sections=handover.sections,
        receipt=receipt_of(handover, organization_name=actor.organization.name if actor.organization_id else ""),
    )  # fmt: skip
