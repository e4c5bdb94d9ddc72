"""The assistance services' pages, read as the cast reads them: the case file's tabs, what each
role may do there, the forms (errors on their fields, input kept, stale versions), the refusals
(404 out of scope or outside the role's sections, 403 for a role that may not act), the
occupancy page, the audit of reads, and what never enters a URL."""

from __future__ import annotations

import datetime
import re
import uuid
from html import unescape

import pytest
from django.urls import reverse

from registry.decisions import MARKER
from registry.models import AuditAction, AuditEvent
from services import operations as services
from services.choices import Pathway, ReturnPlanStatus
from services.models import (
    EmploymentPlacement,
    FollowUpVisit,
    ReturnPlan,
    SchoolEnrollment,
    ShelterPlacement,
    VocationalTraining,
)
from tests.helpers import zh
from tests.services.conftest import TODAY, days_ago, plan_data
from victims.choices import Service, Stage
from victims.models import Case

pytestmark = pytest.mark.django_db


# --- helpers ----------------------------------------------------------------------------------


@pytest.fixture
def as_user(client, cast, dora):
    """``as_user("alice")``: the test client signed in as that member of the cast (or Dora)."""

    def sign_in(name):
        client.force_login(dora if name == "dora" else getattr(cast, name))
        return client

    return sign_in


def page(response) -> str:
    return response.content.decode()


def main_of(response) -> str:
    match = re.search(r"<main\b[^>]*>(.*)</main>", page(response), re.DOTALL)
    assert match, "page has no <main>"
    return match.group(1)


def text_of(fragment: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def tab_url(case, tab: str) -> str:
    return reverse("victims:case", args=[case.uuid]) + f"?tab={tab}"


def url(name: str, case, *args) -> str:
    return reverse(f"services:{name}", args=[case.uuid, *args])


def field_error(response, name: str) -> str:
    match = re.search(rf'<div class="field field--error[^"]*" id="field-{name}">(.*?)</div>', page(response), re.DOTALL)
    assert match, f"the field {name!r} is not marked in error"
    return text_of(match.group(1))


def form_errors(response) -> str:
    match = re.search(
        r'<div class="alert[^"]*" role="alert" id="form-errors"[^>]*>(.*?)</div>', page(response), re.DOTALL
    )
    assert match, "no error above the form"
    return text_of(match.group(1))


def stage_of(case) -> str:
    return Case.objects.get(pk=case.pk).stage


def fresh(record):
    return type(record).objects.get(pk=record.pk)


@pytest.fixture
def sheltered(make_case, admit):
    """A child of ten Alice has admitted to the Fuzhou relief station."""
    case = make_case(age=10)
    placement = admit(case)
    return case, placement


# --- shelter ----------------------------------------------------------------------------------


def test_alice_sees_the_stay_with_its_steps_and_dave_reads_it_without_them(as_user, sheltered, places):
    case, placement = sheltered

    alice = main_of(as_user("alice").get(tab_url(case, "shelter")))
    dave = main_of(as_user("dave").get(tab_url(case, "shelter")))

    for body in (alice, dave):
        assert f'id="record-{placement.uuid}"' in body
        assert places.fz_shelter.name in body and TODAY.isoformat() in body
        assert 'id="occupancy-link"' in body
    for step in ("transfer", "discharge", "edit"):
        assert f'id="{step}-{placement.uuid}"' in alice
        assert f'id="{step}-{placement.uuid}"' not in dave
    assert 'id="admit"' not in alice  # in a shelter already: transfer or discharge instead


def test_the_admission_form_offers_the_shelters_within_reach_with_their_free_beds(as_user, make_case, places, shelter):
    case = make_case()
    inactive = shelter(capacity=5, is_active=False)

    response = as_user("alice").get(url("placement-admit", case))

    body = page(response)
    assert f'<option value="{places.fz_shelter.uuid}"' in body
    assert zh("%(name)s · %(free)s of %(capacity)s beds free", name=places.fz_shelter.name, free=40, capacity=40) in (
        unescape(body)
    )
    assert str(places.xm_shelter.uuid) not in body  # Xiamen is not Alice's area
    assert str(inactive.uuid) not in body
    assert f'value="{places.fz_shelter.pk}"' not in body  # no internal key in the page


def test_admitting_through_the_form_shelters_the_person(as_user, make_case, places):
    case = make_case(age=10)
    body = {"shelter": str(places.fz_shelter.uuid), "admitted_on": TODAY.isoformat(), "notes": "床位 3（虚构）"}

    response = as_user("alice").post(url("placement-admit", case), body)

    assert response.status_code == 302 and response.url == tab_url(case, "shelter")
    placement = ShelterPlacement.objects.get(case=case)
    assert (placement.shelter, placement.notes) == (places.fz_shelter, "床位 3（虚构）")
    assert stage_of(case) == Stage.SHELTERED
    assert placement.history.get().history_user == placement.case.created_by
    tab = main_of(as_user("alice").get(response.url))
    assert "床位 3（虚构）" in tab and 'id="admit"' not in tab


def test_a_full_shelter_is_refused_at_the_shelter_field_and_the_input_is_kept(as_user, make_case, admit, shelter):
    small = shelter(capacity=1)
    admit(make_case(), shelter=small)
    case = make_case()
    body = {"shelter": str(small.uuid), "admitted_on": TODAY.isoformat(), "notes": "候补（虚构）"}

    response = as_user("alice").post(url("placement-admit", case), body)

    assert response.status_code == 200
    assert small.name in field_error(response, "shelter")
    assert "候补（虚构）" in page(response)
    assert not ShelterPlacement.objects.filter(case=case).exists()


def test_a_future_admission_date_is_refused_at_its_field(as_user, make_case, places):
    case = make_case()
    tomorrow = (TODAY + datetime.timedelta(days=1)).isoformat()
    body = {"shelter": str(places.fz_shelter.uuid), "admitted_on": tomorrow, "notes": ""}

    response = as_user("alice").post(url("placement-admit", case), body)

    assert field_error(response, "admitted_on")
    assert f'data-latest="{TODAY.isoformat()}"' in page(response)  # flagged as it is typed


def test_a_transfer_moves_the_person_and_a_discharge_ends_the_stay(as_user, sheltered, shelter):
    case, placement = sheltered
    other = shelter(capacity=5, kind="children_welfare")
    client = as_user("alice")

    form = page(client.get(url("placement-transfer", case, placement.uuid)))
    assert str(other.uuid) in form and f'<option value="{placement.shelter.uuid}"' not in form
    moved = client.post(
        url("placement-transfer", case, placement.uuid),
        {"version": placement.version, "to_shelter": str(other.uuid), "transferred_on": TODAY.isoformat()},
    )

    assert moved.status_code == 302
    new = ShelterPlacement.objects.get(case=case, discharged_on__isnull=True)
    assert new.shelter == other and new.transferred_from == placement
    assert fresh(placement).discharge_reason == "transferred"

    left = client.post(
        url("placement-discharge", case, new.uuid),
        {"version": new.version, "discharged_on": TODAY.isoformat(), "reason": "left"},
    )
    assert left.status_code == 302
    assert fresh(new).discharged_on == TODAY
    assert stage_of(case) == Stage.REGISTERED
    assert 'id="admit"' in main_of(client.get(tab_url(case, "shelter")))


def test_a_stale_transfer_asks_to_reload_and_keeps_the_choice(as_user, sheltered, shelter, cast):
    case, placement = sheltered
    other = shelter(capacity=5)
    services.placement_amend(actor=cast.alice, placement=placement, expected_version=1, changes={"notes": "改"})

    response = as_user("alice").post(
        url("placement-transfer", case, placement.uuid),
        {"version": 1, "to_shelter": str(other.uuid), "transferred_on": TODAY.isoformat()},
    )

    assert response.status_code == 200
    assert zh("Reload the current version") in page(response)
    assert re.search(rf'<option value="{other.uuid}"[^>]*selected', page(response))
    assert ShelterPlacement.objects.filter(case=case).count() == 1


def test_the_discharge_form_does_not_offer_transfer_as_a_reason(as_user, sheltered):
    case, placement = sheltered

    body = page(as_user("alice").get(url("placement-discharge", case, placement.uuid)))

    assert 'value="left"' in body and 'value="transferred"' not in body


def test_editing_a_stay_saves_what_changed_or_says_nothing_changed(as_user, sheltered):
    case, placement = sheltered
    client = as_user("alice")

    unchanged = client.post(
        url("placement-edit", case, placement.uuid),
        {"version": 1, "admitted_on": placement.admitted_on.isoformat(), "notes": ""},
        follow=True,
    )
    assert fresh(placement).version == 1
    assert zh("Nothing was changed.") in page(unchanged)

    client.post(
        url("placement-edit", case, placement.uuid),
        {"version": 1, "admitted_on": days_ago(2).isoformat(), "notes": "补记（虚构）"},
    )
    saved = fresh(placement)
    assert (saved.version, saved.admitted_on, saved.notes) == (2, days_ago(2), "补记（虚构）")


# --- refusals ---------------------------------------------------------------------------------


def every_page(case, placement, plan, visit, enrollment) -> dict[str, str]:
    return {
        "placement-admit": url("placement-admit", case),
        "placement-edit": url("placement-edit", case, placement.uuid),
        "placement-transfer": url("placement-transfer", case, placement.uuid),
        "placement-discharge": url("placement-discharge", case, placement.uuid),
        "enrollment-add": url("enrollment-add", case),
        "enrollment-edit": url("enrollment-edit", case, enrollment.uuid),
        "training-add": url("training-add", case),
        "employment-add": url("employment-add", case),
        "plan-create": url("plan-create", case),
        "plan-edit": url("plan-edit", case, plan.uuid),
        "plan-complete": url("plan-complete", case, plan.uuid),
        "plan-cancel": url("plan-cancel", case, plan.uuid),
        "visit-schedule": url("visit-schedule", case),
        "visit-record": url("visit-record", case, visit.uuid),
        "visit-waive": url("visit-waive", case, visit.uuid),
    }


@pytest.fixture
def full_case(make_case, admit, returned, refer, cast):
    """A returned child (visits scheduled) with an enrolment by Bob under his accepted referral."""
    case = make_case(age=10)
    placement = admit(case, admitted_on=days_ago(10))
    refer(case, Service.SCHOOLING)
    enrollment = services.enrollment_add(
        actor=cast.bob, case=case, data={"school": "福州市某小学（虚构）", "started_on": days_ago(5)}
    )
    plan = returned(case, pathway=Pathway.INSTITUTIONAL_CARE)
    visit = FollowUpVisit.objects.filter(case=case).first()
    return case, fresh(placement), plan, visit, enrollment


@pytest.mark.parametrize("member", ["carol", "xavier", "grace", "heidi"])
def test_out_of_scope_users_get_404_on_every_page(as_user, full_case, member):
    client = as_user(member)
    for name, address in every_page(*full_case).items():
        assert client.get(address).status_code == 404, name
        assert client.post(address, {"version": 1, "reason": "x"}).status_code == 404, name
    case, _placement, plan, _visit, _enrollment = full_case
    assert client.post(url("plan-approve", case, plan.uuid), {"version": 1}).status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, case_uuid=case.uuid).exists()


def test_a_role_sees_a_page_of_a_section_it_does_not_read_as_absent(as_user, full_case):
    """Bob (education, with an accepted referral) sees the case, but not its shelter, return or
    follow-up sections: their pages answer 404, like pages that do not exist."""
    client = as_user("bob")
    pages = every_page(*full_case)
    for name in ("placement-admit", "placement-edit", "placement-transfer", "plan-create", "plan-edit",
                 "plan-complete", "visit-record", "visit-waive", "visit-schedule"):  # fmt: skip
        assert client.get(pages[name]).status_code == 404, name
    assert client.get(pages["training-add"]).status_code == 404  # another department's section


@pytest.mark.parametrize(
    ("member", "pages"),
    [
        ("dave", ["placement-admit", "placement-edit", "placement-transfer", "placement-discharge",
                  "enrollment-add", "enrollment-edit", "training-add", "visit-schedule", "visit-record"]),
        ("alice", ["enrollment-add", "enrollment-edit", "training-add", "employment-add", "visit-waive"]),
    ],
)  # fmt: skip
def test_a_role_that_only_reads_a_section_gets_403_from_its_forms(as_user, full_case, member, pages):
    client = as_user(member)
    addresses = every_page(*full_case)
    for name in pages:
        response = client.get(addresses[name])
        assert response.status_code == 403, name
        assert 'id="forbidden-title"' in page(response)


def test_a_record_is_reached_only_through_its_own_case(as_user, sheltered, make_case):
    _case, placement = sheltered
    other = make_case()

    assert as_user("alice").get(url("placement-edit", other, placement.uuid)).status_code == 404
    assert as_user("alice").get(url("placement-edit", other, uuid.uuid4())).status_code == 404


def test_the_pages_send_anonymous_visitors_to_sign_in(client, sheltered):
    case, _placement = sheltered

    response = client.get(url("placement-admit", case))

    assert response.status_code == 302 and response.url.startswith(reverse("login"))


# --- occupancy --------------------------------------------------------------------------------


def test_occupancy_lists_the_shelters_of_the_area_with_beds_taken_and_free(as_user, sheltered, places, shelter):
    small = shelter(capacity=1)  # one bed, free: nearly full (the sheltered child takes one of the station's)

    for member in ("alice", "dave"):
        response = as_user(member).get(reverse("services:occupancy"))
        assert response.status_code == 200
        row = re.search(rf'<tr id="shelter-{places.fz_shelter.uuid}">(.*?)</tr>', page(response), re.DOTALL)
        assert row and text_of(row.group(1)).split()[-3:] == ["40", "1", "39"]
        small_row = re.search(rf'<tr id="shelter-{small.uuid}">(.*?)</tr>', page(response), re.DOTALL)
        assert small_row and zh("Nearly full") in text_of(small_row.group(1))
        assert str(places.xm_shelter.uuid) not in page(response)
    assert str(places.fz_shelter.uuid) not in page(as_user("carol").get(reverse("services:occupancy")))


@pytest.mark.parametrize("member", ["bob", "erin", "frank", "grace", "heidi"])
def test_occupancy_is_for_who_follows_shelter_placements(as_user, db, cast, member):
    assert as_user(member).get(reverse("services:occupancy")).status_code == 403


# --- schooling, training and employment -------------------------------------------------------


def test_bob_enrols_a_referred_child_through_the_form(as_user, sheltered, refer, cast):
    case, _placement = sheltered
    refer(case, Service.SCHOOLING)
    client = as_user("bob")
    tab = main_of(client.get(tab_url(case, "schooling")))
    assert 'id="add-enrollment"' in tab

    response = client.post(
        url("enrollment-add", case),
        {"school": "福州市鼓楼区某小学（虚构）", "grade": "三年级", "started_on": TODAY.isoformat(),
         "ended_on": "", "attendance": "regular", "follow_up_notes": ""},
    )  # fmt: skip

    assert response.status_code == 302 and response.url == tab_url(case, "schooling")
    enrollment = SchoolEnrollment.objects.get(case=case)
    assert enrollment.school == "福州市鼓楼区某小学（虚构）" and enrollment.grade == "三年级"
    alice = main_of(as_user("alice").get(tab_url(case, "schooling")))
    assert "福州市鼓楼区某小学（虚构）" in alice
    assert 'id="add-enrollment"' not in alice and f'id="edit-{enrollment.uuid}"' not in alice


def test_bob_with_a_pending_referral_is_told_to_accept_it_first(as_user, sheltered, refer):
    case, _placement = sheltered
    refer(case, Service.SCHOOLING, status="pending")

    tab = main_of(as_user("bob").get(tab_url(case, "schooling")))
    refused = as_user("bob").get(url("enrollment-add", case))

    assert 'id="add-enrollment"' not in tab
    assert zh("Accept the referral of this case before recording in this section.") in unescape(tab)
    assert refused.status_code == 403


def test_an_adults_enrolment_is_refused_at_the_start_date(as_user, make_case, refer):
    case = make_case(age=15)
    refer(case, Service.SCHOOLING)
    in_four_years = TODAY.replace(year=TODAY.year + 4).isoformat()

    response = as_user("bob").post(
        url("enrollment-add", case),
        {"school": "某中学（虚构）", "started_on": in_four_years, "attendance": "regular"},
    )

    assert response.status_code == 200
    assert field_error(response, "started_on")
    assert "某中学（虚构）" in page(response)
    assert not SchoolEnrollment.objects.exists()


def test_an_enrolment_is_corrected_at_the_version_read_and_a_stale_one_is_refused(as_user, full_case, cast):
    case, _placement, _plan, _visit, enrollment = full_case
    client = as_user("bob")
    body = {"school": enrollment.school, "grade": "", "started_on": enrollment.started_on.isoformat(),
            "ended_on": "", "follow_up_notes": ""}  # fmt: skip

    saved = client.post(
        url("enrollment-edit", case, enrollment.uuid), {**body, "version": 1, "attendance": "irregular"}
    )
    stale = client.post(url("enrollment-edit", case, enrollment.uuid), {**body, "version": 1, "attendance": "regular"})

    assert saved.status_code == 302
    assert fresh(enrollment).attendance == "irregular" and fresh(enrollment).version == 2
    assert stale.status_code == 200 and zh("Reload the current version") in page(stale)
    assert fresh(enrollment).attendance == "irregular"


def test_frank_records_a_training_and_a_verified_job(as_user, make_case, refer, cast):
    case = make_case(age=20)
    refer(case, Service.TRAINING)
    client = as_user("frank")

    client.post(
        url("training-add", case),
        {"provider": "福州市职业技能培训中心", "programme": "电子商务", "started_on": TODAY.isoformat(),
         "outcome": "in_progress", "certificate": ""},
    )  # fmt: skip
    client.post(
        url("employment-add", case),
        {"employer": "福州某电子厂（虚构）", "job_title": "质检员", "started_on": TODAY.isoformat(), "verified": "on"},
    )

    training = VocationalTraining.objects.get(case=case)
    job = EmploymentPlacement.objects.get(case=case)
    assert training.certificate is None and training.programme == "电子商务"
    assert (job.verified_by, job.verified_on) == (cast.frank, TODAY)
    tab = main_of(client.get(tab_url(case, "training")))
    assert "电子商务" in tab and "质检员" in tab and "frank" in tab
    assert 'id="add-training"' in tab and 'id="add-employment"' in tab


def test_a_training_under_16_is_refused_at_the_start_date(as_user, make_case, refer):
    case = make_case(age=16)
    refer(case, Service.TRAINING)
    a_year_ago = TODAY.replace(year=TODAY.year - 1).isoformat()

    response = as_user("frank").post(
        url("training-add", case),
        {"provider": "某培训学校（虚构）", "programme": "烹饪", "started_on": a_year_ago, "outcome": "in_progress"},
    )

    assert field_error(response, "started_on")
    assert not VocationalTraining.objects.exists()


def test_unchecking_verified_clears_the_verification(as_user, make_case, refer, cast):
    case = make_case(age=20)
    refer(case, Service.TRAINING)
    job = services.employment_add(
        actor=cast.frank, case=case,
        data={"employer": "某厂（虚构）", "job_title": "工人", "started_on": TODAY, "verified": True},
    )  # fmt: skip

    as_user("frank").post(
        url("employment-edit", case, job.uuid),
        {"version": job.version, "employer": "某厂（虚构）", "job_title": "工人", "started_on": TODAY.isoformat()},
    )

    assert fresh(job).verified_by is None and fresh(job).version == job.version + 1


# --- return plans -----------------------------------------------------------------------------


def plan_body(pathway=Pathway.INSTITUTIONAL_CARE, **extra) -> dict:
    data = plan_data(pathway)
    body = {name: "" for name in ("destination_code", "destination_country", "household", "receiving_party",
                                  "police_unit", "civil_affairs_unit", "escort", "notes")}  # fmt: skip
    body.update({name: str(value) for name, value in data.items()})
    body.update(extra)
    return body


def test_alice_plans_a_return_that_waits_for_civil_affairs(as_user, sheltered, cast):
    case, _placement = sheltered

    response = as_user("alice").post(url("plan-create", case), plan_body())

    assert response.status_code == 302 and response.url == tab_url(case, "return_home")
    plan = ReturnPlan.objects.get(case=case)
    assert (plan.status, plan.created_by, plan.destination_country) == ("awaiting_approval", cast.alice, "CN")
    assert stage_of(case) == Stage.RETURN_PLANNED
    tab = main_of(as_user("alice").get(response.url))
    assert text_of(re.search(rf'id="status-{plan.uuid}">(.*?)<', tab).group(1)) == zh("Awaiting approval")
    assert zh("Waiting for approval by a civil affairs officer who did not write or change the plan.") in tab
    assert f'id="approve-{plan.uuid}"' not in tab  # Alice may not approve
    assert f'id="edit-{plan.uuid}"' in tab and f'id="cancel-{plan.uuid}"' in tab
    assert 'id="plan-return"' not in tab  # one plan in force


def test_the_household_choice_marks_the_purchasing_household_and_a_minor_is_refused_it(as_user, sheltered, household):
    case, _placement = sheltered
    bought = household(case, is_purchaser=True, jurisdiction_code="350102")
    household(case)

    form = page(as_user("alice").get(url("plan-create", case)))
    option = re.search(rf'<option value="{bought.uuid}">(.*?)</option>', form)
    assert option and zh("PURCHASING HOUSEHOLD") in unescape(option.group(1))

    response = as_user("alice").post(
        url("plan-create", case), plan_body(Pathway.LOCAL_RESETTLEMENT, household=str(bought.uuid))
    )
    assert response.status_code == 200
    assert zh("A minor is never returned to nor placed with the household that bought them.") in field_error(
        response, "household"
    )
    assert not ReturnPlan.objects.exists()


def test_reunifying_a_child_without_a_dna_match_is_refused_at_the_pathway(as_user, sheltered, household):
    case, _placement = sheltered
    family = household(case)

    response = as_user("alice").post(
        url("plan-create", case), plan_body(Pathway.FAMILY_REUNIFICATION, household=str(family.uuid))
    )

    assert zh("Reunifying a child needs a DNA sample submitted to the database and a confirmed match.") in (
        field_error(response, "pathway")
    )
    assert 'value="昆明市救助管理站"' in page(response) or "昆明市救助管理站" in page(response)


def test_a_child_with_a_confirmed_match_is_reunified_with_the_family(as_user, sheltered, household, dna):
    case, _placement = sheltered
    family = household(case)
    dna(case)

    response = as_user("alice").post(
        url("plan-create", case), plan_body(Pathway.FAMILY_REUNIFICATION, household=str(family.uuid))
    )

    assert response.status_code == 302
    assert ReturnPlan.objects.get(case=case).household == family


def test_dave_approves_a_plan_alice_wrote(as_user, sheltered, plan, cast):
    case, _placement = sheltered
    written = plan(case, Pathway.INSTITUTIONAL_CARE)
    client = as_user("dave")
    assert f'id="approve-{written.uuid}"' in main_of(client.get(tab_url(case, "return_home")))

    response = client.post(
        url("plan-approve", case, written.uuid), {MARKER: "1", "version": written.version}, follow=True
    )

    approved = fresh(written)
    assert (approved.status, approved.approved_by) == (ReturnPlanStatus.APPROVED, cast.dave)
    body = main_of(response)
    assert zh("You approved the return plan.") in body
    assert f'id="approve-{written.uuid}"' not in body
    assert AuditEvent.objects.filter(action=AuditAction.APPROVAL_GRANTED, case_uuid=case.uuid).exists()


def test_the_author_is_told_why_he_may_not_approve_and_a_forged_approval_is_refused(as_user, sheltered, plan, cast):
    case, _placement = sheltered
    written = plan(case, Pathway.INSTITUTIONAL_CARE, actor=cast.dave)
    client = as_user("dave")

    tab = main_of(client.get(tab_url(case, "return_home")))
    forged = client.post(url("plan-approve", case, written.uuid), {MARKER: "1", "version": written.version})

    assert f'id="approve-{written.uuid}"' not in tab
    assert zh(
        "You wrote or changed this plan, so you may not approve it: another civil affairs officer approves it "
        "(four eyes)."
    ) in unescape(tab)
    assert forged.status_code == 403
    assert fresh(written).status == ReturnPlanStatus.AWAITING_APPROVAL
    assert f'id="approve-{written.uuid}"' in main_of(as_user("dora").get(tab_url(case, "return_home")))


def test_an_officer_who_changed_the_plan_may_not_approve_it_either(as_user, sheltered, plan, cast):
    case, _placement = sheltered
    written = plan(case, Pathway.INSTITUTIONAL_CARE)
    services.return_plan_amend(actor=cast.dave, plan=written, expected_version=1, changes={"notes": "补充（虚构）"})

    tab = main_of(as_user("dave").get(tab_url(case, "return_home")))

    assert f'id="approve-{written.uuid}"' not in tab
    assert f'id="note-{written.uuid}-2"' in tab  # the four-eyes explanation
    assert f'id="approve-{written.uuid}"' in main_of(as_user("dora").get(tab_url(case, "return_home")))


def test_a_caseworker_may_not_approve(as_user, sheltered, plan):
    case, _placement = sheltered
    written = plan(case, Pathway.INSTITUTIONAL_CARE)

    response = as_user("alice").post(url("plan-approve", case, written.uuid), {MARKER: "1", "version": written.version})

    assert response.status_code == 403
    assert fresh(written).status == ReturnPlanStatus.AWAITING_APPROVAL


def test_a_stale_approval_says_the_plan_changed(as_user, sheltered, plan, cast):
    case, _placement = sheltered
    written = plan(case, Pathway.INSTITUTIONAL_CARE)
    services.return_plan_amend(actor=cast.alice, plan=written, expected_version=1, changes={"notes": "补充（虚构）"})

    response = as_user("dave").post(url("plan-approve", case, written.uuid), {MARKER: "1", "version": 1})

    assert response.status_code == 409
    assert zh("Someone else changed this meanwhile. Check it again below, then confirm.") in main_of(response)
    assert fresh(written).status == ReturnPlanStatus.AWAITING_APPROVAL


def test_editing_an_approved_plan_withdraws_its_approval(as_user, sheltered, approved_plan):
    case, _placement = sheltered
    approved = approved_plan(case, Pathway.INSTITUTIONAL_CARE)
    client = as_user("alice")
    form = page(client.get(url("plan-edit", case, approved.uuid)))
    assert zh("This plan is approved: changing it withdraws the approval, and it must be approved again.") in (
        unescape(form)
    )

    body = plan_body(planned_on=(TODAY + datetime.timedelta(days=9)).isoformat(), version=str(approved.version))
    response = client.post(url("plan-edit", case, approved.uuid), body)

    assert response.status_code == 302
    changed = fresh(approved)
    assert (changed.status, changed.approved_by) == (ReturnPlanStatus.AWAITING_APPROVAL, None)


def test_alice_records_the_handover_and_the_visits_are_scheduled(as_user, sheltered, approved_plan):
    case, placement = sheltered
    approved = approved_plan(case, Pathway.INSTITUTIONAL_CARE)
    client = as_user("alice")
    tab = main_of(client.get(tab_url(case, "return_home")))
    assert f'id="complete-{approved.uuid}"' in tab
    assert text_of(re.search(rf'id="status-{approved.uuid}">(.*?)<', tab).group(1)) == zh("Approved")

    response = client.post(
        url("plan-complete", case, approved.uuid),
        {"version": approved.version, "handover_on": TODAY.isoformat(), "escort": "陈某（虚构）",
         "receiving_party": "福州市儿童福利院", "handover_record": ""},
    )  # fmt: skip

    assert response.status_code == 302 and response.url == tab_url(case, "follow_ups")
    assert fresh(approved).status == ReturnPlanStatus.COMPLETED
    assert stage_of(case) == Stage.RETURNED
    assert fresh(placement).discharge_reason == "returned"
    visits = FollowUpVisit.objects.filter(case=case)
    assert visits.count() == 4
    follow_ups = main_of(client.get(response.url))
    for visit in visits:
        assert f'id="record-{visit.uuid}"' in follow_ups
        assert text_of(re.search(rf'id="status-{visit.uuid}">(.*?)<', follow_ups).group(1)) == zh("Scheduled")


def test_the_handover_needs_an_escort_and_an_approved_plan(as_user, sheltered, plan, approved_plan, make_case, admit):
    case, _placement = sheltered
    approved = approved_plan(case, Pathway.INSTITUTIONAL_CARE)
    client = as_user("alice")
    body = {"version": approved.version, "handover_on": TODAY.isoformat(), "escort": "",
            "receiving_party": "福州市儿童福利院", "handover_record": ""}  # fmt: skip

    no_escort = client.post(url("plan-complete", case, approved.uuid), body)
    assert no_escort.status_code == 200 and field_error(no_escort, "escort")

    other = make_case()
    admit(other)
    waiting = plan(other, Pathway.INSTITUTIONAL_CARE)
    early = client.post(url("plan-complete", other, waiting.uuid), {**body, "version": 1, "escort": "陈某"})
    assert zh("The plan must be approved by civil affairs before the handover.") in form_errors(early)
    assert fresh(waiting).status == ReturnPlanStatus.AWAITING_APPROVAL


def test_cancelling_needs_a_reason_and_brings_the_case_back_to_sheltered(as_user, sheltered, plan):
    case, _placement = sheltered
    written = plan(case, Pathway.INSTITUTIONAL_CARE)
    client = as_user("alice")

    blank = client.post(url("plan-cancel", case, written.uuid), {"version": 1, "reason": "  "})
    done = client.post(url("plan-cancel", case, written.uuid), {"version": 1, "reason": "家属来接（虚构）"})

    assert blank.status_code == 200 and field_error(blank, "reason")
    assert done.status_code == 302
    assert fresh(written).status == ReturnPlanStatus.CANCELLED
    assert stage_of(case) == Stage.SHELTERED
    assert 'id="plan-return"' in main_of(client.get(tab_url(case, "return_home")))


# --- follow-up visits -------------------------------------------------------------------------


def test_alice_records_a_visit_and_dave_waives_another(as_user, make_case, returned, cast):
    case = make_case()
    returned(case)
    first, second, *_rest = FollowUpVisit.objects.filter(case=case)
    alice = as_user("alice")

    recorded = alice.post(
        url("visit-record", case, first.uuid),
        {"version": 1, "visited_on": TODAY.isoformat(), "visitor": "鼓楼区民政局 王某",
         "living_conditions": "居住稳定（虚构）", "needs": ""},
    )  # fmt: skip
    assert recorded.status_code == 302
    assert (fresh(first).visitor, fresh(first).living_conditions) == ("鼓楼区民政局 王某", "居住稳定（虚构）")

    alice_tab = main_of(alice.get(tab_url(case, "follow_ups")))
    assert f'id="record-visit-{second.uuid}"' in alice_tab and f'id="waive-{second.uuid}"' not in alice_tab

    dave = as_user("dave")
    tab = main_of(dave.get(tab_url(case, "follow_ups")))
    assert f'id="waive-{second.uuid}"' in tab and f'id="waive-{first.uuid}"' not in tab
    assert f'id="record-visit-{second.uuid}"' not in tab
    waived = dave.post(url("visit-waive", case, second.uuid), {"version": 1, "reason": "本人已迁居外省（虚构）"})
    assert waived.status_code == 302
    assert (fresh(second).waived_by, fresh(second).waiver_reason) == (cast.dave, "本人已迁居外省（虚构）")

    tab = main_of(as_user("alice").get(tab_url(case, "follow_ups")))
    assert text_of(re.search(rf'id="status-{first.uuid}">(.*?)<', tab).group(1)) == zh("Done")
    assert text_of(re.search(rf'id="status-{second.uuid}">(.*?)<', tab).group(1)) == zh("Waived")
    assert "本人已迁居外省（虚构）" in tab


def test_a_visit_needs_its_date_and_visitor_and_a_future_date_is_refused(as_user, make_case, returned):
    case = make_case()
    returned(case)
    visit = FollowUpVisit.objects.filter(case=case).first()
    tomorrow = (TODAY + datetime.timedelta(days=1)).isoformat()

    missing = as_user("alice").post(url("visit-record", case, visit.uuid), {"version": 1, "visited_on": TODAY})
    future = as_user("alice").post(
        url("visit-record", case, visit.uuid), {"version": 1, "visited_on": tomorrow, "visitor": "王某"}
    )

    assert field_error(missing, "visitor")
    assert field_error(future, "visited_on")
    assert 'value="王某"' in page(future)
    assert fresh(visit).version == 1


def test_a_waiver_needs_a_reason(as_user, make_case, returned):
    case = make_case()
    returned(case)
    visit = FollowUpVisit.objects.filter(case=case).first()

    response = as_user("dave").post(url("visit-waive", case, visit.uuid), {"version": 1, "reason": ""})

    assert field_error(response, "reason")
    assert fresh(visit).waived_on is None


def test_another_visit_is_scheduled_only_after_the_return(as_user, make_case, returned, sheltered):
    case = make_case()
    returned(case)
    later = TODAY + datetime.timedelta(days=400)

    tab = main_of(as_user("alice").get(tab_url(case, "follow_ups")))
    response = as_user("alice").post(url("visit-schedule", case), {"due_on": later.isoformat()})
    too_early = as_user("alice").post(url("visit-schedule", sheltered[0]), {"due_on": later.isoformat()})

    assert 'id="schedule-visit"' in tab
    assert response.status_code == 302
    assert FollowUpVisit.objects.filter(case=case, due_on=later, return_plan__isnull=True).exists()
    assert zh("Follow-up visits are scheduled after the return.") in form_errors(too_early)
    assert 'id="schedule-visit"' not in main_of(as_user("alice").get(tab_url(sheltered[0], "follow_ups")))


# --- reads, audit and URLs --------------------------------------------------------------------


def test_each_tab_is_logged_as_a_view_of_its_section(as_user, full_case):
    case = full_case[0]
    for tab in ("shelter", "schooling", "training", "return_home", "follow_ups"):
        as_user("alice").get(tab_url(case, tab))
        event = AuditEvent.objects.filter(action=AuditAction.CASE_VIEWED).latest("id")
        assert (event.case_uuid, event.sections) == (case.uuid, ["person", tab])


def test_forms_that_show_a_record_log_the_read(as_user, full_case):
    case, placement, plan, visit, enrollment = full_case
    reads = {
        url("placement-edit", case, placement.uuid): ["shelter"],
        url("visit-record", case, visit.uuid): ["follow_ups"],
        url("plan-create", case): ["contacts"],
    }
    for address, sections in reads.items():
        as_user("alice").get(address)
        event = AuditEvent.objects.filter(action=AuditAction.CASE_VIEWED).latest("id")
        assert (event.case_uuid, event.sections) == (case.uuid, sections), address
    as_user("bob").get(url("enrollment-edit", case, enrollment.uuid))
    event = AuditEvent.objects.filter(action=AuditAction.CASE_VIEWED).latest("id")
    assert (event.actor_username, event.sections, event.detail["record"]) == (
        "bob",
        ["schooling"],
        str(enrollment.uuid),
    )


def test_no_personal_value_enters_a_url_and_every_page_is_free_of_inline_script(as_user, full_case):
    case = full_case[0]
    victim = case.victim
    secrets = [victim.full_name, victim.id_number, victim.phone, "福州市某小学"]
    client = as_user("alice")
    addresses = [tab_url(case, tab) for tab in ("shelter", "schooling", "training", "return_home", "follow_ups")]
    addresses += [
        value
        for key, value in every_page(*full_case).items()
        if not key.startswith(("enrollment", "training", "employment", "visit-waive"))
    ]  # noqa: E501
    addresses += [reverse("services:occupancy"), reverse("dashboard")]
    for address in addresses:
        response = client.get(address)
        assert response.status_code == 200, address
        body = page(response)
        assert not re.search(r"<script(?![^>]*\bsrc=\"/static/)", body), address  # static files only
        assert " style=" not in body and "<style" not in body, address
        links = re.findall(r'(?:href|action|src)="([^"]*)"', body)
        assert not [link for link in links for secret in secrets if secret and secret in unescape(link)], address
        for form in re.findall(r'<form[^>]*method="post"[^>]*>(.*?)</form>', body, re.DOTALL):
            assert 'name="csrfmiddlewaretoken"' in form, address
