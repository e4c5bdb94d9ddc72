"""The victim file's operations: registration, identity rules, duplicates, referrals, stages."""

import datetime
import threading

import pytest
from django.db import connection

from registry import casefile, policy
from registry.errors import Conflict, NotFound, PermissionDenied, RuleViolation, StaleVersion
from registry.models import AuditAction, AuditEvent
from tests.transfers.test_handover_operations import body as handover_body
from tests.victims.conftest import CLOSING, RESCUE, TODAY, person
from transfers.handover.operations import case_hand_over
from victims import operations
from victims.choices import ConsentGiver, DocumentType, ReferralStatus, Service, Stage
from victims.models import Case, Referral, Rescue, Victim

pytestmark = pytest.mark.django_db


def test_registration_opens_a_numbered_case_with_history_and_audit(register, cast):
    case = register()
    assert case.number == f"FJ-350102-{TODAY.year}-00001"
    assert (case.stage, case.version, case.lead_organization, case.created_by) == (
        Stage.REGISTERED, 1, cast.alice.organization, cast.alice,
    )  # fmt: skip
    assert list(case.assigned_caseworkers.all()) == [cast.alice]
    assert Rescue.objects.get(case=case).police_unit == "福州市公安局鼓楼分局"
    # One row: the case is written with the day and the age band of the rescue registered with it.
    assert case.history.get().history_change_reason == "registration"
    assert (case.rescued_on, case.age_band) == (RESCUE["rescued_on"], "18_plus")
    assert case.victim.history.get().history_user == cast.alice
    actions = list(AuditEvent.objects.filter(case_uuid=case.uuid).values_list("action", flat=True))
    assert actions == [AuditAction.RECORD_CREATED]  # one event for the case and its rescue
    assert register(seed=2).number.endswith("-00002")


def test_the_birth_date_comes_from_the_resident_id(register):
    case = register(seed=3)
    from stdnum.cn import ric

    assert case.victim.birth_date == ric.get_birth_date(case.victim.id_number)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id_number": "530102199001011235"}, "id_number"),  # wrong check digit
        ({"id_number": "999999199001011234"}, "id_number"),  # unknown region
        ({"id_number": "5301021990"}, "id_number"),  # too short
        ({"birth_date": datetime.date(1990, 1, 2)}, "birth_date"),  # differs from the ID
        ({"document_type": DocumentType.NONE, "id_number": None, "birth_date": TODAY + datetime.timedelta(days=1)},
         "birth_date"),
        ({"document_type": DocumentType.PASSPORT, "document_country": "XX", "id_number": "E1234"}, "document_country"),
        ({"nationality": "Vietnam"}, "nationality"),
        ({"sex": "unknown"}, "sex"),
    ],
)  # fmt: skip
def test_invalid_identity_is_refused_naming_the_field_and_nothing_is_saved(register, overrides, field):
    with pytest.raises(RuleViolation) as refused:
        register(seed=4, **overrides)
    assert refused.value.field == field
    assert not Victim.objects.exists() and not Case.objects.exists()


def test_a_legacy_15_digit_number_is_upconverted(register):
    case = register(seed=5, id_number="530102900101124")  # a woman: the sequence digit is even
    assert len(case.victim.id_number) == 18 and case.victim.id_number.startswith("530102199001011")


def test_a_foreign_national_is_registered_with_document_country_and_number(register):
    case = register(seed=6, document_type=DocumentType.PASSPORT, document_country="vn", nationality="VN",
                    id_number="c1234567", birth_date=datetime.date(2001, 5, 6))  # fmt: skip
    victim = Victim.objects.get(pk=case.victim_id)
    assert (victim.document_country, victim.nationality, victim.id_number) == ("VN", "VN", "C1234567")


def test_the_same_id_twice_in_scope_is_409_naming_the_case(register):
    first = register(seed=7)
    with pytest.raises(Conflict) as refused:
        register(seed=8, id_number=first.victim.id_number, full_name="另一个名字")
    assert refused.value.code == "duplicate_victim" and first.number in refused.value.message
    assert Case.objects.count() == 1


def test_the_same_name_and_birth_date_in_scope_is_409(register):
    first = register(seed=9, document_type=DocumentType.NONE, id_number=None, birth_date=datetime.date(2010, 3, 4))
    with pytest.raises(Conflict):
        register(seed=10, document_type=DocumentType.NONE, id_number=None, birth_date=datetime.date(2010, 3, 4),
                 full_name=" " + first.victim.full_name)  # fmt: skip


def test_the_same_id_out_of_scope_is_flagged_and_reveals_nothing(register, cast, places):
    first = register(seed=11)
    second = register(actor=cast.carol, seed=12, id_number=first.victim.id_number, jurisdiction=places.xiamen)
    assert second.possible_duplicate and second.duplicate_of == first
    assert not Case.objects.visible_to(cast.carol).filter(pk=first.pk).exists()


def test_a_caseworker_cannot_register_outside_her_organizations_jurisdiction(register, places):
    with pytest.raises(RuleViolation) as refused:
        register(seed=13, jurisdiction=places.xiamen)
    assert refused.value.field == "jurisdiction"


def test_roles_that_may_not_write_the_person_section_cannot_register(register, cast):
    for member in (cast.dave, cast.bob, cast.grace, cast.heidi):
        with pytest.raises(PermissionDenied):
            register(actor=member, seed=14)


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_get_distinct_consecutive_numbers(register, cast):
    numbers, errors = [], []

    def work(seed):
        try:
            numbers.append(register(seed=seed).number)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(100 + i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(int(number[-5:]) for number in numbers) == [1, 2, 3, 4, 5, 6]


def test_a_stale_version_is_412_and_changes_nothing(register, cast):
    case = register(seed=15)
    operations.victim_update(actor=cast.alice, case=case, expected_version=1, section="contacts",
                             changes={"phone": "13800000000"})  # fmt: skip
    with pytest.raises(StaleVersion):
        operations.victim_update(actor=cast.alice, case=case, expected_version=1, section="contacts",
                                 changes={"phone": "13900000000"})  # fmt: skip
    assert Victim.objects.get(pk=case.victim_id).phone == "13800000000"


def test_updating_fields_of_another_section_is_refused(register, cast):
    case = register(seed=16)
    with pytest.raises(RuleViolation) as refused:
        operations.victim_update(actor=cast.alice, case=case, expected_version=1, section="contacts",
                                 changes={"full_name": "x"})  # fmt: skip
    assert refused.value.field == "full_name"


def test_an_out_of_scope_case_is_not_found_for_writes(register, cast):
    case = register(seed=17)
    with pytest.raises(NotFound):
        operations.victim_update(actor=cast.carol, case=case, expected_version=1, section="contacts",
                                 changes={"phone": "1"})  # fmt: skip


# --- referrals ----------------------------------------------------------------------------------


def test_an_adult_referral_needs_the_persons_consent(register, consent, cast, places):
    case = register(seed=20, age=30)
    with pytest.raises(RuleViolation) as refused:
        operations.referral_create(actor=cast.alice, case=case, service=Service.LEGAL_AID,
                                   to_organization=places.fz_legal_aid)  # fmt: skip
    assert refused.value.code == "consent_required"
    consent(case, Service.LEGAL_AID)
    referral = operations.referral_create(actor=cast.alice, case=case, service=Service.LEGAL_AID,
                                          to_organization=places.fz_legal_aid)  # fmt: skip
    assert referral.status == ReferralStatus.PENDING
    assert Case.objects.visible_to(cast.erin).filter(pk=case.pk).exists()
    assert not Case.objects.visible_to(cast.bob).filter(pk=case.pk).exists()


def test_withdrawn_consent_does_not_support_a_referral(register, consent, cast, places):
    case = register(seed=21, age=30)
    consent(case, Service.LEGAL_AID, withdrawn_on=TODAY)
    with pytest.raises(RuleViolation):
        operations.referral_create(actor=cast.alice, case=case, service=Service.LEGAL_AID,
                                   to_organization=places.fz_legal_aid)  # fmt: skip


def test_a_childs_referral_needs_a_guardian_and_shows_nothing_until_approved(register, consent, cast, places):
    child = register(seed=22, age=10)
    consent(child, Service.SCHOOLING, given_by=ConsentGiver.PERSON)
    with pytest.raises(RuleViolation):  # a child's own consent is not enough
        operations.referral_create(actor=cast.alice, case=child, service=Service.SCHOOLING,
                                   to_organization=places.fz_education)  # fmt: skip
    consent(child, Service.SCHOOLING, given_by=ConsentGiver.GUARDIAN)
    referral = operations.referral_create(actor=cast.alice, case=child, service=Service.SCHOOLING,
                                          to_organization=places.fz_education)  # fmt: skip
    assert referral.status == ReferralStatus.AWAITING_APPROVAL
    assert not Case.objects.visible_to(cast.bob).filter(pk=child.pk).exists()
    with pytest.raises(PermissionDenied):
        operations.referral_approve(actor=cast.alice, referral=referral)
    operations.referral_approve(actor=cast.dave, referral=referral)
    assert Case.objects.visible_to(cast.bob).filter(pk=child.pk).exists()


def test_a_referral_goes_only_to_an_organization_of_the_right_department(register, consent, cast, places):
    case = register(seed=23, age=30)
    consent(case, Service.LEGAL_AID)
    with pytest.raises(RuleViolation) as refused:
        operations.referral_create(actor=cast.alice, case=case, service=Service.LEGAL_AID,
                                   to_organization=places.fz_education)  # fmt: skip
    assert refused.value.field == "to_organization"


def test_referral_steps_out_of_order_are_refused_and_revoke_ends_access(register, consent, cast, places):
    case = register(seed=24, age=30)
    consent(case, Service.TRAINING)
    referral = operations.referral_create(actor=cast.alice, case=case, service=Service.TRAINING,
                                          to_organization=places.fz_labor)  # fmt: skip
    with pytest.raises(Conflict) as refused:
        operations.referral_respond(actor=cast.frank, referral=referral, decision="complete")
    assert refused.value.code == "invalid_referral_transition"
    with pytest.raises(NotFound):  # only the receiving organization sees, and answers, it
        operations.referral_respond(actor=cast.bob, referral=referral, decision="accept")
    operations.referral_respond(actor=cast.frank, referral=referral, decision="accept")
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.ACCEPTED
    operations.referral_revoke(actor=cast.alice, referral=referral, comment="重复转介（虚构）")
    assert not Case.objects.visible_to(cast.frank).filter(pk=case.pk).exists()
    events = AuditEvent.objects.filter(case_uuid=case.uuid).values_list("action", flat=True)
    assert {AuditAction.REFERRAL_CREATED, AuditAction.REFERRAL_ACCEPTED, AuditAction.REFERRAL_REVOKED} <= set(events)


def test_a_referral_keeps_the_time_of_its_answer_not_of_its_completion(register, consent, cast, places):
    case = register(seed=25, age=30)
    consent(case, Service.TRAINING)
    referral = operations.referral_create(actor=cast.alice, case=case, service=Service.TRAINING,
                                          to_organization=places.fz_labor)  # fmt: skip
    assert referral.answered_at is None
    accepted = operations.referral_respond(actor=cast.frank, referral=referral, decision="accept")
    assert accepted.answered_at is not None
    completed = operations.referral_respond(actor=cast.frank, referral=accepted, decision="complete")
    assert completed.answered_at == accepted.answered_at


def test_the_case_keeps_the_day_of_its_first_rescue(register, cast):
    case = register()
    first = case.rescues.get()
    assert Case.objects.get(pk=case.pk).rescued_on == first.rescued_on
    earlier = first.rescued_on - datetime.timedelta(days=40)
    operations.record_add(actor=cast.alice, case=case, model="rescue", data={**RESCUE, "rescued_on": earlier})
    assert Case.objects.get(pk=case.pk).rescued_on == earlier
    added = case.rescues.get(rescued_on=earlier)
    operations.record_amend(actor=cast.alice, record=added, expected_version=added.version,
                            changes={"rescued_on": first.rescued_on})  # fmt: skip
    assert Case.objects.get(pk=case.pk).rescued_on == first.rescued_on


# --- stages -------------------------------------------------------------------------------------


def test_only_civil_affairs_closes_and_reopens_and_moves_follow_the_stage_rules(register, cast):
    case = register(seed=30)
    with pytest.raises(PermissionDenied):
        operations.case_close(actor=cast.alice, case=case, expected_version=1, **CLOSING)
    closed = operations.case_close(actor=cast.dave, case=case, expected_version=1, **CLOSING)
    assert (closed.stage, closed.closed_on, closed.version) == (Stage.CLOSED, TODAY, 2)
    with pytest.raises(Conflict) as refused:
        case_hand_over(actor=cast.dave, case=case, expected_version=2, **handover_body())
    assert refused.value.code == "invalid_stage_transition"
    reopened = operations.case_reopen(actor=cast.dave, case=case, expected_version=2, comment="再次求助（虚构）")
    assert (reopened.stage, reopened.closed_on) == (Stage.REGISTERED, None)


def test_civil_affairs_resolves_a_possible_duplicate(register, cast, places):
    first = register(seed=31)
    second = register(actor=cast.carol, seed=32, id_number=first.victim.id_number, jurisdiction=places.xiamen)
    with pytest.raises(PermissionDenied):
        operations.case_resolve_duplicate(actor=cast.carol, case=second, expected_version=1, same_person=False)
    resolved = operations.case_resolve_duplicate(actor=cast.xavier, case=second, expected_version=1,
                                                 same_person=False)  # fmt: skip
    assert (resolved.possible_duplicate, resolved.duplicate_of) == (False, None)


def test_record_amend_checks_the_version_and_history_keeps_both(register, cast):
    case = register(seed=33)
    rescue = Rescue.objects.get(case=case)
    operations.record_amend(actor=cast.alice, record=rescue, expected_version=1, changes={"place": "新地点"})
    with pytest.raises(StaleVersion):
        operations.record_amend(actor=cast.alice, record=rescue, expected_version=1, changes={"place": "x"})
    assert [h.place for h in Rescue.objects.get(pk=rescue.pk).history.all()] == [
        "新地点",
        person and "福州市鼓楼区某出租屋",
    ]


def test_person_helper_is_synthetic_and_valid():
    from stdnum.cn import ric

    assert ric.is_valid(person(99)["id_number"])


# --- selectors ----------------------------------------------------------------------------------


def test_case_sections_follow_the_policy_for_each_reader(register, consent, cast, places):
    from victims import selectors

    case = register(seed=40, age=30)
    consent(case, Service.LEGAL_AID)
    operations.referral_create(actor=cast.alice, case=case, service=Service.LEGAL_AID,
                               to_organization=places.fz_legal_aid)  # fmt: skip
    alice = casefile.case_sections(cast.alice, selectors.case_for(cast.alice, case.uuid))
    assert set(alice) >= {  # and the test scaffold's section, which she writes too
        "person", "identity", "contacts", "rescue", "health", "dna", "consents", "referrals",
        "shelter", "schooling", "training", "legal_aid", "return_home", "follow_ups", "care_plan", "notes",
    }  # fmt: skip
    assert set(alice) == {section.value for section in policy.readable_sections(cast.alice)}
    assert alice["person"]["full_name"] == case.victim.full_name and alice["person"]["age"] == 30
    erin = casefile.case_sections(cast.erin, selectors.case_for(cast.erin, case.uuid))
    assert set(erin) == {"person", "identity", "rescue", "consents", "referrals", "legal_aid", "care_plan", "notes"}
    with pytest.raises(NotFound):
        selectors.case_for(cast.bob, case.uuid)
    with pytest.raises(NotFound):
        selectors.case_for(cast.alice, "not-a-uuid")


def test_history_shows_only_readable_fields(register, consent, cast, places):

    case = register(seed=41, age=30)
    operations.victim_update(actor=cast.alice, case=case, expected_version=1, section="contacts",
                             changes={"phone": "13811112222"})  # fmt: skip
    consent(case, Service.LEGAL_AID)
    operations.referral_create(actor=cast.alice, case=case, service=Service.LEGAL_AID,
                               to_organization=places.fz_legal_aid)  # fmt: skip
    alice_changes = [entry["changes"] for entry in casefile.case_history(cast.alice, case)]
    assert {"phone": "13811112222"} in alice_changes
    erin_entries = casefile.case_history(cast.erin, case)
    assert all("phone" not in entry["changes"] and "address" not in entry["changes"] for entry in erin_entries)
    assert {entry["kind"] for entry in erin_entries} >= {"victim", "rescue", "consent", "referral"}
    assert "healthassessment" not in {entry["kind"] for entry in erin_entries}


def test_exact_search_by_id_number_and_name_uses_the_blind_index(register, cast):
    from victims import selectors

    case = register(seed=42)
    other = register(seed=43)
    by_id = selectors.cases_for(cast.alice, id_number=case.victim.id_number.lower())
    assert list(by_id) == [case]
    assert list(selectors.cases_for(cast.alice, name=" " + other.victim.full_name)) == [other]
    assert not selectors.cases_for(cast.carol, id_number=case.victim.id_number).exists()


def test_the_hand_overs_free_text_is_kept_out_of_history_reasons(register, cast):
    case = register(seed=44)
    note = "转交云南省某救助站，本人无法表达意愿"
    moved = case_hand_over(
        actor=cast.dave, case=case, expected_version=1, **handover_body(consent="not_obtainable", consent_note=note)
    )
    assert moved.consent_note == note
    assert all("云南" not in (row.history_change_reason or "") for row in Case.history.filter(id=case.pk))


def test_a_legacy_15_digit_search_finds_the_upconverted_number(register, cast):
    from victims import selectors

    case = register(seed=45, id_number="530102900101124")
    assert list(selectors.cases_for(cast.alice, id_number="530102900101124")) == [case]


def test_division_codes_must_be_six_digits(register, cast):
    with pytest.raises(RuleViolation) as refused:
        register(seed=46, native_place_code="abc")
    assert refused.value.field == "native_place_code"
    case = register(seed=47)
    with pytest.raises(RuleViolation) as refused:
        operations.record_add(actor=cast.alice, case=case, model="household",
                              data={"address": "某村", "jurisdiction_code": "zz"})  # fmt: skip
    assert refused.value.field == "jurisdiction_code"
