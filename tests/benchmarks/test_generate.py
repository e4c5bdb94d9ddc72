"""The benchmark generator writes exactly what the operations write.

The same people (``victims.seed``'s plans) are recorded twice on the same reference data:
once through the operations (:func:`record_through_operations`: ``victims.seed`` for the
victim file, then the services and legal aid plans of ``benchmarks.journeys`` through their
operations, then the case's ending; rolled back), once by ``benchmarks.generate``. Table by
table — the models, their history tables, the links and the audit log — the rows must be
equal once what is random by nature is set aside (primary keys and UUIDs compared by
position, timestamps, nonces, audit hashes): decrypted values, blind indexes, history reasons
and actors, audit actions, sections and details. The generated audit chain must verify and
every value must be ciphertext under the keyring's first key.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
from django.db import connection, transaction
from stdnum.cn import ric

from benchmarks.generate import generate, seed_reference_data
from benchmarks.journeys import Generation, Journey
from benchmarks.journeys import legal_aid as legal_aid_journey
from benchmarks.journeys import services as services_journey
from legal_aid.choices import MatterStatus
from legal_aid.models import LegalAidActivity, LegalAidMatter
from registry import crypto, rotation
from registry.audit import verify_chain
from registry.choices import RESIDENTIAL_KINDS
from registry.errors import Conflict
from registry.fields import BlindIndexField
from registry.history import recorded_change
from registry.keyring import active_keyring
from registry.models import AuditEvent, Jurisdiction, Organization
from services.choices import DischargeReason, ReturnPlanStatus
from services.models import (
    EmploymentPlacement,
    FollowUpVisit,
    ReturnPlan,
    SchoolEnrollment,
    ShelterPlacement,
    VocationalTraining,
)
from transfers.handover.operations import case_hand_over
from transfers.models import HandOver
from victims import operations as victims_operations
from victims import seed as victims_seed
from victims import validation
from victims.choices import DocumentType, Ending, ReferralStatus, Stage
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
from victims.seed.recording import closing_of, handover_of

PEOPLE = 60
SEED = 8
MODELS = [
    Victim, Case, Rescue, HealthAssessment, DNASample, Household, FamilyMember, Consent, Referral,
    ShelterPlacement, SchoolEnrollment, VocationalTraining, EmploymentPlacement, ReturnPlan, FollowUpVisit,
    LegalAidMatter, LegalAidActivity, HandOver,
]  # fmt: skip
TABLES = [
    *MODELS,
    *(model.history.model for model in MODELS),
    Case.assigned_caseworkers.through,
    ReturnPlan.authors.through,
    CaseNumberCounter,
    AuditEvent,
]
# approved_at: the time of the approval (a return plan's), answered_at of an answer (a
# referral's), like created_at.
SET_ASIDE = frozenset(
    {
        "history_id",
        "history_date",
        "created_at",
        "occurred_at",
        "approved_at",
        "answered_at",
        "uuid",
        "prev_hash",
        "hash",
    }
)
# Beds of the demo's shelters during the comparison: few, so that shelters fill up and the
# generator's bed count meets the operations' capacity check (409 shelter_full).
BEDS = 2


class Rollback(Exception):
    pass


def record_through_operations(count: int, seed: int) -> int:
    """The people ``generate(count, seed=seed)`` writes, each step of their journey through its
    operations, in the order of ``benchmarks.journeys.JOURNEY``: ``victims.seed`` for the victim
    file (skipping whom ``seed_victims`` skips), the services and the legal aid matter
    (``through_operations`` of their journey modules), then the case's ending (``case_close``
    or ``case_hand_over``, close checks included). Returns the number of cases registered."""
    today = validation.today()
    staff = {city.suffix: victims_seed.Staff.of(city) for city in victims_seed.CITIES}
    codes = {district.code for city in victims_seed.CITIES for district in city.districts}
    jurisdictions = {place.code: place for place in Jurisdiction.objects.filter(code__in=codes)}
    generation = Generation(seed=seed, today=today, jurisdictions=jurisdictions)
    created = 0
    with recorded_change(actor=None, reason="seed_demo"):
        for plan in victims_seed.plan_people(seed=seed, count=count, today=today):
            if victims_seed.is_registered(plan):
                continue
            team = staff[plan.city.suffix]
            try:
                case = victims_seed.record_person(replace(plan, ending=None), team, jurisdictions)
            except Conflict as error:
                if error.code != "duplicate_victim":
                    raise
                continue
            created += 1
            journey = Journey(index=plan.index, plan=plan, staff=team, seed=seed)
            services_journey.through_operations(journey, case, generation)
            legal_aid_journey.through_operations(journey, case, generation)
            case.refresh_from_db()
            officer = team.civil_affairs
            if plan.ending == Stage.CLOSED:
                reason, comment = closing_of(plan, case.stage)
                victims_operations.case_close(
                    actor=officer, case=case, expected_version=case.version, reason=reason, comment=comment
                )
            elif plan.ending == Stage.TRANSFERRED:
                case_hand_over(actor=officer, case=case, expected_version=case.version, **handover_of(plan))
    return created


def snapshot() -> dict[str, list[dict]]:
    """Every row of :data:`TABLES`, in primary-key order, with keys and UUIDs replaced by
    positions (``("victims.case", 3)``) and what differs by nature left out."""
    rows = {model: list(model._base_manager.order_by("pk").values()) for model in TABLES}
    position = {}  # (model, pk) -> position; uuid -> (label, position)
    for model, table in rows.items():
        for index, row in enumerate(table):
            position[(model, row[model._meta.pk.attname])] = (model._meta.label_lower, index)
            if isinstance(row.get("uuid"), uuid.UUID) and model is not AuditEvent:
                position[row["uuid"]] = (model._meta.label_lower, index)

    def same(value):
        if isinstance(value, uuid.UUID):
            return position.get(value, "unknown uuid")
        if isinstance(value, str) and len(value) == 36:
            try:
                return position.get(uuid.UUID(value), value)
            except ValueError:
                return value
        if isinstance(value, dict):
            return {key: same(item) for key, item in value.items()}
        return value

    result = {}
    for model, table in rows.items():
        fields = {f.attname: f for f in model._meta.concrete_fields}
        original = getattr(model, "instance_type", None)  # a history model's tracked model
        normalized = []
        for row in table:
            entry = {}
            for name, value in row.items():
                f = fields[name]
                if name in SET_ASIDE or f.primary_key:
                    continue
                if original is not None and name == "id":
                    value = position[(original, value)]
                elif f.is_relation and f.related_model in rows and value is not None:
                    value = position[(f.related_model, value)]
                elif name in {"case_uuid", "detail"}:
                    value = same(value)
                entry[name] = value
            normalized.append(entry)
        result[model._meta.label_lower] = normalized
    return result


def assert_same(expected: dict, actual: dict) -> None:
    for label, rows in expected.items():
        assert len(actual[label]) == len(rows), f"{label}: {len(rows)} rows by the operations, {len(actual[label])}"
        for index, (want, got) in enumerate(zip(rows, actual[label], strict=True)):
            if want != got:
                differing = {key: (want.get(key), got.get(key)) for key in want.keys() | got.keys()}
                differing = {key: pair for key, pair in differing.items() if pair[0] != pair[1]}
                pytest.fail(f"{label} row {index} differs (operations, generator): {differing}")


def assert_covers_the_services_and_legal_aid(tables: dict, cases: list[dict]) -> None:
    """Every kind of services and legal aid record the generator writes is in the comparison."""
    today = validation.today()
    stays = tables["services.shelterplacement"]
    assert {row["discharge_reason"] for row in stays} >= {
        "",
        DischargeReason.TRANSFERRED,
        DischargeReason.RETURNED,
        DischargeReason.LEFT,
    }
    open_stays = [row["shelter_id"] for row in stays if row["discharged_on"] is None]
    assert BEDS - services_journey.RESERVED_BEDS in {open_stays.count(shelter) for shelter in open_stays}  # full
    plans = tables["services.returnplan"]
    # The benchmark load rejects no plan (the demo seed does).
    assert {row["status"] for row in plans} == set(ReturnPlanStatus) - {ReturnPlanStatus.REJECTED}
    assert tables["services.schoolenrollment"] and tables["services.vocationaltraining"]
    assert tables["services.employmentplacement"]
    visits = tables["services.followupvisit"]
    assert any(row["visited_on"] for row in visits) and any(row["waived_on"] for row in visits)
    assert any(row["due_on"] < today and not row["visited_on"] and not row["waived_on"] for row in visits)
    returned = {row["case_id"] for row in plans if row["status"] == ReturnPlanStatus.COMPLETED}
    assert {Stage.RETURNED, Stage.RETURN_PLANNED, Stage.SHELTERED} <= {case["stage"] for case in cases}
    closed = [index for index, case in enumerate(cases) if case["stage"] == Stage.CLOSED]
    assert any(("victims.case", index) in returned for index in closed)  # closed after the visits
    endings = {cases[index]["ending"] for index in closed}  # each closed case says how it ended
    assert Ending.RETURNED_HOME in endings and "" not in endings and len(endings) > 1
    matters = tables["legal_aid.legalaidmatter"]
    assert {row["status"] for row in matters} == set(MatterStatus)
    assert tables["legal_aid.legalaidactivity"]


@pytest.fixture
def with_duplicates(monkeypatch):
    """People 5 and 6 are person 1 again (same name and birth date) under a passport number:
    the seed does not find them by their key, registration finds them by name and birth date.
    5 is in person 1's city (the operations refuse it: 409, the seed skips it), 6 in the other
    city (registered, flagged as a possible duplicate of person 1's case)."""
    original = victims_seed.plan_person

    def plan_person(seed, index, *, today, attempt=0):
        if index not in (5, 6) or attempt:
            return original(seed, index, today=today, attempt=attempt)
        plan = original(seed, 1, today=today)
        plan.index = index
        victim = dict(plan.victim)
        born = victim.get("birth_date") or ric.get_birth_date(victim["id_number"])
        number = f"E{index:08d}"
        victim.update(document_type=DocumentType.PASSPORT, document_country="CN", id_number=number, birth_date=born)
        plan.victim, plan.key = victim, ("id_number_index", number)
        if index == 6:
            other = next(city for city in victims_seed.CITIES if city != plan.city)
            plan.city, plan.district = other, other.districts[0]
        return plan

    # Where each caller finds it: plan_people in its own module, benchmarks.generate in the package.
    monkeypatch.setattr(victims_seed.people, "plan_person", plan_person)
    monkeypatch.setattr(victims_seed, "plan_person", plan_person)


@pytest.mark.django_db
def test_the_generator_writes_what_the_operations_write(with_duplicates):
    seed_reference_data()
    Organization.objects.filter(kind__in=RESIDENTIAL_KINDS).update(capacity=BEDS)
    try:
        with transaction.atomic():
            created = record_through_operations(PEOPLE, SEED)
            by_operations = snapshot()
            raise Rollback
    except Rollback:
        pass
    assert not Case.objects.exists()
    # The comparison covers every kind of journey the operations record.
    cases = by_operations["victims.case"]
    assert created == PEOPLE - 1 and len(cases) == PEOPLE - 1  # person 5 refused as a duplicate
    assert {case["stage"] for case in cases} >= {Stage.REGISTERED, Stage.CLOSED, Stage.TRANSFERRED}
    assert [case["possible_duplicate"] for case in cases].count(True) == 1
    statuses = {row["status"] for row in by_operations["victims.referral"]}
    assert statuses >= {ReferralStatus.AWAITING_APPROVAL, ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED}
    assert any(row["approved_by_id"] for row in by_operations["victims.referral"])
    assert any(row["disability"] != "none" for row in by_operations["victims.victim"])
    assert by_operations["victims.dnasample"] and by_operations["victims.historicalcase"]
    assert_covers_the_services_and_legal_aid(by_operations, cases)

    report = generate(PEOPLE, seed=SEED, batch=7)  # batches end in the middle of journeys' neighbours
    assert report.cases == PEOPLE - 1
    assert_same(by_operations, snapshot())
    assert verify_chain().ok
    current = f"{crypto.PREFIX}${active_keyring().primary.key_id}$"
    with connection.cursor() as cursor:
        for table in rotation.encrypted_tables():
            for f in table.fields:
                cursor.execute(f'SELECT "{f.column}" FROM "{table.db_table}" WHERE "{f.column}" IS NOT NULL')  # noqa: S608
                assert all(value.startswith(current) for (value,) in cursor.fetchall()), f"{table.db_table}.{f.column}"


@pytest.mark.django_db
def test_generated_rows_can_be_searched_and_written_on_by_the_operations():
    """Keys, counters and sequences are left where the operations expect them."""
    from victims import operations

    seed_reference_data()
    generate(12, seed=SEED)
    victim = Victim.objects.filter(id_number__isnull=False).order_by("pk").first()
    assert Victim.objects.blind_search("id_number_index", victim.id_number).get() == victim
    for index in (f for f in Victim._meta.concrete_fields if isinstance(f, BlindIndexField)):
        assert Victim.objects.filter(**{f"{index.name}__isnull": False}).exists()
    case = Case.objects.order_by("-pk").first()
    worker = case.created_by
    plan = victims_seed.plan_person(SEED + 1, 0, today=validation.today())
    new = operations.case_register(
        actor=worker, victim=plan.victim, jurisdiction=case.jurisdiction, opened_on=plan.opened_on, rescue=plan.rescue
    )
    assert new.pk > case.pk
    prefix = new.number.rsplit("-", 1)[0]
    numbers = Case.objects.filter(number__startswith=prefix).values_list("number", flat=True)
    assert len(set(numbers)) == len(numbers)  # the counter continued after the generated cases
    assert verify_chain().ok
