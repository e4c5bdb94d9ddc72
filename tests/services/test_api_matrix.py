"""The services' API held to the policy: every route, run as every member of the cast.

The record is a case Alice registers in Gulou for a 16-year-old (a minor, and old enough for
training) who consented to schooling, legal aid and training, referred to the organizations of
Bob, Erin and Frank, who accepted — so every role has a member who sees it and Carol and Xavier
must not. Each class then adds what its route acts on (a placement, an enrolment, a plan …).

As for the victim file's records, a kind whose section the role may not read answers 404, like
an unknown kind; 403 is for a section the role reads but may not write, or an action it lacks.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from registry import casefile, policy
from registry.policy import Action, Section
from services import operations as services
from services.models import (
    EmploymentPlacement,
    FollowUpVisit,
    ReturnPlan,
    SchoolEnrollment,
    ShelterPlacement,
    VocationalTraining,
)
from tests.factories import OrganizationFactory
from tests.policy_matrix import PolicyMatrix
from tests.services.conftest import plan_data
from tests.victims.conftest import TODAY
from tests.victims.test_api_matrix import ENVELOPE, case_scope_facts, if_match, referred_case

ENROLMENT = {"school": "福州市鼓楼区某中学（虚构）", "grade": "初三", "started_on": TODAY}
TRAINING = {"provider": "福州市某职业培训学校（虚构）", "programme": "电子商务", "started_on": TODAY}
JOB = {"employer": "福州市某电商公司（虚构）", "job_title": "客服", "started_on": TODAY}


def service_case(places, cast):
    return referred_case(places, cast, age=16)


def with_placement(case, places, cast):
    services.placement_admit(actor=cast.alice, case=case, shelter=places.fz_shelter)


def with_enrollment(case, places, cast):
    services.enrollment_add(actor=cast.bob, case=case, data=ENROLMENT)


def with_training(case, places, cast):
    services.training_add(actor=cast.frank, case=case, data=TRAINING)


def with_employment(case, places, cast):
    services.employment_add(actor=cast.frank, case=case, data=JOB)


def with_plan(case, places, cast):
    services.return_plan_create(actor=cast.alice, case=case, data=plan_data())


def with_approved_plan(case, places, cast):
    with_plan(case, places, cast)
    plan = ReturnPlan.objects.get(case=case)
    services.return_plan_approve(actor=cast.dave, plan=plan, expected_version=plan.version)


def with_visits(case, places, cast):
    with_approved_plan(case, places, cast)
    plan = ReturnPlan.objects.get(case=case)
    services.return_plan_complete(actor=cast.alice, plan=plan, expected_version=plan.version, handover_on=TODAY,
                                  receiving_party="鼓楼区某社区（虚构）")  # fmt: skip


def nothing(case, places, cast):
    pass


class ServiceMatrix(PolicyMatrix):
    """One route over one kind of record; ``prepare`` adds the record the route acts on."""

    record_model: type
    prepare = staticmethod(nothing)

    def make_record(self, places, cast):
        case = service_case(places, cast)
        self.prepare(case, places, cast)
        case.shelter_uuid = places.fz_shelter.uuid
        return case

    def target(self, case):
        return self.record_model.objects.filter(case=case).order_by("id").first()

    def url(self, record):
        kwargs = {"id": record.uuid}
        if not self.route_name.endswith("-list"):
            kwargs["record_id"] = self.target(record).uuid
        return reverse(self.route_name, kwargs=kwargs)

    def headers(self, record):
        if self.kind == "write" and not self.route_name.endswith("-list"):
            return if_match(self.target(record).version)
        return {}

    def scope_facts(self, record):
        return case_scope_facts(record)

    def expected_status(self, user, visible):
        if visible and not policy.may_read(user, self.record_model.section):
            return 404  # a kind the role may not read is, to it, no kind at all
        return super().expected_status(user, visible)


KEYS = {
    ShelterPlacement: ("id", "version", "shelter", "shelter_name", "admitted_on", "discharged_on",
                       "discharge_reason", "transferred_from", "notes"),
    SchoolEnrollment: ("id", "version", "school", "grade", "started_on", "ended_on", "attendance", "follow_up_notes"),
    VocationalTraining: ("id", "version", "provider", "programme", "started_on", "ended_on", "outcome",
                         "certificate"),
    EmploymentPlacement: ("id", "version", "employer", "job_title", "started_on", "ended_on", "verified_by",
                          "verified_on"),
    ReturnPlan: ("id", "version", "pathway", "status", "destination_code", "destination_country", "household",
                 "receiving_party", "police_unit", "civil_affairs_unit", "escort", "planned_on", "notes",
                 "wish", "wish_statement", "wish_recorded_on", "bid_assessed_by", "bid_on", "bid_child_heard",
                 "bid_conclusion", "created_by", "approved_by", "approved_at", "decision_comment", "handover_on",
                 "handover_record", "cancellation_reason"),
    FollowUpVisit: ("id", "version", "return_plan", "due_on", "status", "visited_on", "visitor", "living_conditions",
                    "needs", "waived_on", "waived_by", "waiver_reason"),
}  # fmt: skip

# stem, model, what exists for list/detail/amend, what exists for create, create body, amend body
KINDS = (
    ("placement", ShelterPlacement, with_placement, nothing,
     lambda case: {"shelter": str(case.shelter_uuid)}, {"notes": "床位调整"}),
    ("enrollment", SchoolEnrollment, with_enrollment, nothing, lambda case: ENROLMENT, {"attendance": "irregular"}),
    ("training", VocationalTraining, with_training, nothing, lambda case: TRAINING, {"outcome": "dropped_out"}),
    ("employment", EmploymentPlacement, with_employment, nothing, lambda case: JOB, {"verified": True}),
    ("return-plan", ReturnPlan, with_plan, nothing, lambda case: plan_data(), {"notes": "改期"}),
    ("follow-up", FollowUpVisit, with_visits, with_visits,
     lambda case: {"due_on": TODAY + datetime.timedelta(days=10)},
     {"visited_on": TODAY, "visitor": "鼓楼区民政局（虚构）", "needs": "就业指导"}),
)  # fmt: skip

# Four classes per kind: list, one record, add, amend (TestPlacementListMatrix …).
for _stem, _model, _existing, _before_create, _create_body, _amend_body in KINDS:
    _title = "".join(part.title() for part in _stem.split("-"))
    for _suffix, _attrs in (
        ("List", {"route_name": f"case-{_stem}-list", "always_keys": ENVELOPE, "prepare": staticmethod(_existing)}),
        ("Detail", {"route_name": f"case-{_stem}-detail", "always_keys": frozenset(KEYS[_model]),
                    "prepare": staticmethod(_existing)}),
        ("Create", {"route_name": f"case-{_stem}-list", "kind": "write", "method": "post", "success_status": 201,
                    "prepare": staticmethod(_before_create),
                    "body": (lambda body: lambda self, record: body(record))(_create_body)}),
        ("Amend", {"route_name": f"case-{_stem}-detail", "kind": "write", "method": "patch",
                   "prepare": staticmethod(_existing), "body": (lambda body: lambda self, record: body)(_amend_body)}),
    ):  # fmt: skip
        if _attrs.get("kind") == "write":
            _attrs["write_section"] = _model.section
        _name = f"Test{_title}{_suffix}Matrix"
        globals()[_name] = pytest.mark.django_db(
            type(_name, (ServiceMatrix,), {"record_model": _model, **_attrs, "__module__": __name__})
        )


# --- the steps --------------------------------------------------------------------------------


class StepMatrix(ServiceMatrix):
    kind = "write"
    method = "post"


@pytest.mark.django_db
class TestPlacementTransferMatrix(StepMatrix):
    route_name = "case-placement-transfer"
    record_model = ShelterPlacement
    prepare = staticmethod(with_placement)
    write_section = Section.SHELTER
    success_status = 201

    def make_record(self, places, cast):
        case = super().make_record(places, cast)
        case.other_shelter = OrganizationFactory(name="福州市儿童福利院", kind="children_welfare", capacity=30,
                                                 jurisdiction=places.fuzhou)  # fmt: skip
        return case

    def body(self, record):
        return {"to_shelter": str(record.other_shelter.uuid), "transferred_on": TODAY}


@pytest.mark.django_db
class TestPlacementDischargeMatrix(StepMatrix):
    route_name = "case-placement-discharge"
    record_model = ShelterPlacement
    prepare = staticmethod(with_placement)
    write_section = Section.SHELTER

    def body(self, record):
        return {"reason": "left"}


@pytest.mark.django_db
class TestReturnPlanApproveMatrix(StepMatrix):
    route_name = "case-return-plan-approve"
    record_model = ReturnPlan
    prepare = staticmethod(with_plan)
    action = Action.APPROVE_RETURN


@pytest.mark.django_db
class TestReturnPlanCompleteMatrix(StepMatrix):
    route_name = "case-return-plan-complete"
    record_model = ReturnPlan
    prepare = staticmethod(with_approved_plan)
    write_section = Section.RETURN_HOME

    def body(self, record):
        return {"handover_on": TODAY, "receiving_party": "鼓楼区某社区（虚构）"}


@pytest.mark.django_db
class TestReturnPlanCancelMatrix(StepMatrix):
    route_name = "case-return-plan-cancel"
    record_model = ReturnPlan
    prepare = staticmethod(with_plan)
    write_section = Section.RETURN_HOME

    def body(self, record):
        return {"reason": "家属暂不具备接收条件（虚构）"}


@pytest.mark.django_db
class TestFollowUpWaiveMatrix(StepMatrix):
    route_name = "case-follow-up-waive"
    record_model = FollowUpVisit
    prepare = staticmethod(with_visits)
    action = Action.CLOSE_CASE

    def body(self, record):
        return {"reason": "已迁往外省，委托当地跟进（虚构）"}


# --- occupancy --------------------------------------------------------------------------------


@pytest.mark.django_db
class TestShelterOccupancyMatrix(PolicyMatrix):
    """The record is the Fuzhou relief station (Alice's organization, in Fuzhou): caseworkers of
    that organization and civil affairs of Fuzhou see its row; no other role sees any shelter."""

    route_name = "shelter-occupancy"
    kind = "list"
    always_keys = frozenset({"id", "name", "kind", "jurisdiction", "capacity", "occupied", "free", "nearly_full"})

    def make_record(self, places, cast):
        services.placement_admit(actor=cast.alice, case=service_case(places, cast), shelter=places.fz_shelter)
        return places.fz_shelter

    def url(self, record):
        return reverse(self.route_name)

    def scope_facts(self, record):
        # Through the oracle's axes: the shelter is the caseworker's organization and lies in
        # Fuzhou; no referral shows a shelter.
        return {"organization_id": record.pk, "jurisdiction_code": record.jurisdiction.code,
                "referred_organization_ids": set()}  # fmt: skip

    def expected_keys(self, user):
        assert policy.may_read(user, Section.SHELTER)  # only those who see a row reach here
        return set(self.always_keys)


def test_the_matrix_keys_are_what_the_selectors_build(db, places, cast):
    case = service_case(places, cast)
    for prepare in (with_placement, with_enrollment, with_training, with_employment, with_visits):
        prepare(case, places, cast)
    for model, keys in KEYS.items():
        record = model.objects.filter(case=case).first()
        assert set(casefile.record_data(record)) == set(keys), model
