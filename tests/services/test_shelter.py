"""Shelter placements (DESIGN §2 rule 8): admit, transfer, discharge; no overlap; capacity."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import IntegrityError, connection, transaction

from registry.choices import OrganizationKind
from registry.errors import Conflict, NotFound, PermissionDenied, RuleViolation, StaleVersion
from registry.models import AuditAction, AuditEvent
from services import operations as services
from services import selectors
from services.choices import DischargeReason
from services.models import ShelterPlacement
from tests.services.conftest import TODAY, days_ago
from tests.victims.conftest import CLOSING
from victims import operations
from victims.choices import Stage
from victims.models import Case

pytestmark = pytest.mark.django_db


def stage_of(case) -> str:
    return Case.objects.get(pk=case.pk).stage


def test_admitting_moves_a_registered_case_to_sheltered_with_history_and_audit(make_case, admit, cast, places):
    case = make_case()
    placement = admit(case, admitted_on=days_ago(2), notes="入站体检正常")
    assert (placement.shelter, placement.admitted_on, placement.discharged_on) == (places.fz_shelter, days_ago(2), None)
    assert stage_of(case) == Stage.SHELTERED
    assert Case.objects.get(pk=case.pk).version == 2
    row = placement.history.get()
    assert (row.history_user, row.history_change_reason) == (cast.alice, "admitted to shelter")
    events = list(AuditEvent.objects.filter(case_uuid=case.uuid).order_by("id").values_list("action", "detail"))
    assert events[-2] == (
        AuditAction.RECORD_CREATED,
        {"model": "shelterplacement", "record": str(placement.uuid), "step": "admit",
         "shelter": str(places.fz_shelter.uuid)},
    )  # fmt: skip
    assert events[-1] == (AuditAction.CASE_STAGE_CHANGED, {"stage": "sheltered"})


def test_a_second_open_placement_is_refused(make_case, admit, shelter):
    case = make_case()
    admit(case)
    with pytest.raises(Conflict) as refused:
        admit(case, shelter=shelter(capacity=5))
    assert refused.value.code == "placement_open"
    assert ShelterPlacement.objects.filter(case=case).count() == 1


def test_the_database_refuses_two_open_placements_of_one_case(make_case, admit, places):
    placement = admit(make_case())
    twin = ShelterPlacement(case=placement.case, shelter=places.fz_shelter, admitted_on=TODAY)
    from registry.history import recorded_change

    with pytest.raises(IntegrityError), transaction.atomic(), recorded_change(actor=None, reason="test"):
        twin.save()


def test_an_admission_overlapping_an_earlier_stay_is_refused(make_case, admit, cast):
    case = make_case()
    first = admit(case, admitted_on=days_ago(30))
    services.placement_discharge(actor=cast.alice, placement=first, expected_version=1, discharged_on=days_ago(10))
    with pytest.raises(RuleViolation) as refused:
        admit(case, admitted_on=days_ago(11))
    assert (refused.value.field, refused.value.code) == ("admitted_on", "placement_overlap")
    assert admit(case, admitted_on=days_ago(10)).admitted_on == days_ago(10)  # the day the other ended


def test_correcting_an_admission_date_into_an_earlier_stay_is_refused(make_case, admit, cast):
    case = make_case()
    first = admit(case, admitted_on=days_ago(30))
    first = services.placement_discharge(actor=cast.alice, placement=first, expected_version=1,
                                         discharged_on=days_ago(10))  # fmt: skip
    second = admit(case, admitted_on=days_ago(5))
    with pytest.raises(RuleViolation) as refused:
        services.placement_amend(actor=cast.alice, placement=second, expected_version=1,
                                 changes={"admitted_on": days_ago(20)})  # fmt: skip
    assert refused.value.code == "placement_overlap"
    amended = services.placement_amend(actor=cast.alice, placement=second, expected_version=1,
                                       changes={"admitted_on": days_ago(8), "notes": "更正入站日期"})  # fmt: skip
    assert (amended.admitted_on, amended.version) == (days_ago(8), 2)


def test_a_future_admission_is_refused(make_case, admit):
    with pytest.raises(RuleViolation) as refused:
        admit(make_case(), admitted_on=TODAY + datetime.timedelta(days=1))
    assert refused.value.field == "admitted_on"


def test_a_full_shelter_refuses_the_next_admission(make_case, admit, shelter):
    small = shelter(capacity=1)
    admit(make_case(), shelter=small)
    second = make_case()
    with pytest.raises(Conflict) as refused:
        admit(second, shelter=small)
    assert refused.value.code == "shelter_full"
    assert stage_of(second) == Stage.REGISTERED and not ShelterPlacement.objects.filter(case=second).exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"is_active": False},
        {"kind": OrganizationKind.SCHOOL, "capacity": None},
        {"jurisdiction": "xiamen"},  # outside Alice's jurisdiction
    ],
)
def test_only_an_active_residential_organization_within_reach_takes_people(make_case, admit, shelter, places, fields):
    if fields.get("jurisdiction") == "xiamen":
        fields = {"jurisdiction": places.xiamen}
    with pytest.raises(RuleViolation) as refused:
        admit(make_case(), shelter=shelter(capacity=fields.pop("capacity", 3), **fields))
    assert refused.value.field == "shelter"


def test_welfare_homes_and_childrens_institutions_take_people_too(make_case, admit, shelter):
    home = shelter(capacity=2, kind=OrganizationKind.CHILDREN_WELFARE)
    assert admit(make_case(age=8), shelter=home).shelter == home


def test_only_a_caseworker_admits(make_case, cast, places):
    case = make_case()
    for member in (cast.dave, cast.bob, cast.grace):
        with pytest.raises(PermissionDenied):
            services.placement_admit(actor=member, case=case, shelter=places.fz_shelter)


def test_a_caseworker_cannot_admit_a_case_outside_her_reach(make_case, cast, places):
    case = make_case()
    with pytest.raises(NotFound):
        services.placement_admit(actor=cast.carol, case=case, shelter=places.xm_shelter)


def test_a_closed_case_cannot_be_admitted(make_case, admit, cast):
    case = operations.case_close(actor=cast.dave, case=make_case(), expected_version=1, **CLOSING)
    with pytest.raises(Conflict) as refused:
        admit(case)
    assert refused.value.code == "invalid_stage_transition"


def test_transfer_discharges_and_admits_on_one_day_and_keeps_the_stage(make_case, admit, shelter, cast):
    case = make_case()
    first = admit(case, admitted_on=days_ago(20))
    other = shelter(capacity=3)
    new = services.placement_transfer(actor=cast.alice, placement=first, expected_version=1, to_shelter=other,
                                      transferred_on=days_ago(4))  # fmt: skip
    first.refresh_from_db()
    assert (first.discharged_on, first.discharge_reason, first.version) == (days_ago(4), "transferred", 2)
    assert (new.shelter, new.admitted_on, new.transferred_from) == (other, days_ago(4), first)
    assert stage_of(case) == Stage.SHELTERED
    assert new.history.get().history_change_reason == "transferred to another shelter"
    with pytest.raises(StaleVersion):
        services.placement_transfer(actor=cast.alice, placement=new, expected_version=7, to_shelter=shelter(3))


def test_a_transfer_to_a_full_shelter_changes_nothing(make_case, admit, shelter, cast):
    full = shelter(capacity=1)
    admit(make_case(), shelter=full)
    placement = admit(make_case())
    with pytest.raises(Conflict) as refused:
        services.placement_transfer(actor=cast.alice, placement=placement, expected_version=1, to_shelter=full)
    assert refused.value.code == "shelter_full"
    placement.refresh_from_db()
    assert (placement.discharged_on, placement.version) == (None, 1)


def test_a_transfer_to_the_same_shelter_is_refused(make_case, admit, cast, places):
    placement = admit(make_case())
    with pytest.raises(RuleViolation) as refused:
        services.placement_transfer(actor=cast.alice, placement=placement, expected_version=1,
                                    to_shelter=places.fz_shelter)  # fmt: skip
    assert refused.value.field == "to_shelter"


def test_discharge_moves_a_sheltered_case_back_to_registered(make_case, admit, cast):
    case = make_case()
    placement = admit(case, admitted_on=days_ago(3))
    discharged = services.placement_discharge(actor=cast.alice, placement=placement, expected_version=1)
    assert (discharged.discharged_on, discharged.discharge_reason) == (TODAY, DischargeReason.LEFT)
    assert stage_of(case) == Stage.REGISTERED
    with pytest.raises(Conflict) as again:
        services.placement_discharge(actor=cast.alice, placement=discharged, expected_version=2)
    assert again.value.code == "placement_discharged"


def test_discharge_keeps_a_case_whose_return_is_planned(make_case, admit, plan, cast):
    case = make_case()
    placement = admit(case)
    plan(case)
    services.placement_discharge(actor=cast.alice, placement=placement, expected_version=1)
    assert stage_of(case) == Stage.RETURN_PLANNED


@pytest.mark.parametrize(("day", "reason"), [(-5, "left"), (0, "transferred"), (0, "unknown")])
def test_discharge_dates_and_reasons_are_checked(make_case, admit, cast, day, reason):
    placement = admit(make_case(), admitted_on=days_ago(2))
    with pytest.raises(RuleViolation):
        services.placement_discharge(actor=cast.alice, placement=placement, expected_version=1,
                                     discharged_on=days_ago(2 - day), reason=reason)  # fmt: skip


def test_a_case_is_not_closed_while_the_person_holds_a_bed(make_case, admit, cast):
    case = make_case()
    placement = admit(case)
    with pytest.raises(Conflict) as refused:
        operations.case_close(actor=cast.dave, case=case, expected_version=2, **CLOSING)
    assert refused.value.code == "placement_open"
    services.placement_discharge(actor=cast.alice, placement=placement, expected_version=1)
    assert operations.case_close(actor=cast.dave, case=case, expected_version=3, **CLOSING).stage == Stage.CLOSED


# --- occupancy --------------------------------------------------------------------------------


def test_occupancy_counts_open_placements_of_every_case_in_the_users_area(make_case, admit, shelter, cast, places):
    small = shelter(capacity=2)
    admit(make_case(), shelter=small)
    discharged = admit(make_case(), shelter=small)
    services.placement_discharge(actor=cast.alice, placement=discharged, expected_version=1)
    admit(make_case(), shelter=small)
    # A Xiamen case placed there by a caseworker Alice cannot see still takes a bed.
    rows = {row["name"]: row for row in selectors.shelter_occupancy(cast.alice)}
    assert rows[small.name] == {
        "id": str(small.uuid), "name": small.name, "kind": "shelter", "jurisdiction": "3501",
        "capacity": 2, "occupied": 2, "free": 0, "nearly_full": True,
    }  # fmt: skip
    assert set(rows) == {places.fz_shelter.name, small.name}
    assert {row["name"] for row in selectors.shelter_occupancy(cast.dave)} == set(rows)
    assert {row["name"] for row in selectors.shelter_occupancy(cast.carol)} == {places.xm_shelter.name}
    for member in (cast.bob, cast.grace, cast.heidi):
        assert selectors.shelter_occupancy(member) == []


def test_nearly_full_is_ninety_percent_or_one_bed_left(make_case, admit, shelter, cast):
    ten, three = shelter(capacity=10), shelter(capacity=3)
    for _ in range(8):
        admit(make_case(), shelter=ten)
    admit(make_case(), shelter=three)
    assert {row["name"] for row in selectors.shelters_nearly_full(cast.alice)} == set()
    admit(make_case(), shelter=ten)  # 9 of 10
    admit(make_case(), shelter=three)  # 2 of 3: one bed left
    assert {row["name"] for row in selectors.shelters_nearly_full(cast.alice)} == {ten.name, three.name}


# --- two caseworkers, one bed -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_admissions_at_the_same_moment_never_overfill_a_shelter(make_case, shelter, cast):
    """Two threads, each with its own connection, admit two people to the last bed at once:
    exactly one succeeds, the other is refused with 409, and occupancy equals capacity. Without
    the shelter's row lock both would count one free bed (on PostgreSQL)."""
    beds = shelter(capacity=2)
    services.placement_admit(actor=cast.alice, case=make_case(), shelter=beds)
    cases = [make_case(), make_case()]
    start = threading.Barrier(2)
    outcomes = {}

    def admit_one(case):
        try:
            start.wait()
            services.placement_admit(actor=cast.alice, case=case, shelter=beds)
            outcomes[case.pk] = "admitted"
        except Conflict as refused:
            outcomes[case.pk] = refused.code
        finally:
            connection.close()

    threads = [threading.Thread(target=admit_one, args=(case,)) for case in cases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["admitted", "shelter_full"]
    assert ShelterPlacement.objects.filter(shelter=beds, discharged_on__isnull=True).count() == 2
    row = next(row for row in selectors.shelter_occupancy(cast.alice) if row["id"] == str(beds.uuid))
    assert (row["occupied"], row["free"]) == (row["capacity"], 0)
    refused = next(case for case in cases if outcomes[case.pk] == "shelter_full")
    assert stage_of(refused) == Stage.REGISTERED
