"""Bounds of the services' records (issue 13 item 9): every operation that adds a record to a
case stops at ``REGISTRY_MAX_RECORDS_PER_KIND`` of its kind (409 ``too_many_records``, nothing
saved), and free text is bounded by its model field (400 naming the field)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from registry.errors import Conflict, RuleViolation
from registry.fields import MAX_TEXT_LENGTH
from services import operations as services
from services.choices import DischargeReason
from services.models import FollowUpVisit, ReturnPlan, SchoolEnrollment, ShelterPlacement
from tests.services.conftest import TODAY, days_ago, plan_data
from victims.choices import Service

pytestmark = pytest.mark.django_db

TOO_LONG = "长" * (MAX_TEXT_LENGTH + 1)


def _too_many(call) -> None:
    with pytest.raises(Conflict) as refused:
        call()
    assert refused.value.code == "too_many_records"


def test_stays_in_shelter_stop_at_the_bound(make_case, admit, cast, settings):
    settings.REGISTRY_MAX_RECORDS_PER_KIND = 1
    case = make_case()
    stay = admit(case, admitted_on=days_ago(10))
    services.placement_discharge(
        actor=cast.alice,
        placement=stay,
        expected_version=stay.version,
        discharged_on=days_ago(5),
        reason=DischargeReason.LEFT,
    )

    _too_many(lambda: admit(case))
    assert ShelterPlacement.objects.filter(case=case).count() == 1


def test_return_plans_stop_at_the_bound(make_case, plan, cast, settings):
    settings.REGISTRY_MAX_RECORDS_PER_KIND = 1
    case = make_case()
    first = plan(case)
    services.return_plan_cancel(actor=cast.alice, plan=first, expected_version=first.version, reason="改期（虚构）")

    _too_many(lambda: plan(case))
    assert ReturnPlan.objects.filter(case=case).count() == 1


def test_a_return_that_would_schedule_visits_beyond_the_bound_is_refused_whole(
    make_case, approved_plan, cast, settings
):
    settings.REGISTRY_MAX_RECORDS_PER_KIND = 3  # fewer than the four visits of the default schedule
    approved = approved_plan(make_case())

    _too_many(
        lambda: services.return_plan_complete(
            actor=cast.alice,
            plan=approved,
            expected_version=approved.version,
            handover_on=TODAY,
            receiving_party="社区居委会（虚构）",
        )
    )
    assert ReturnPlan.objects.get(pk=approved.pk).status == "approved"
    assert not FollowUpVisit.objects.filter(case=approved.case).exists()


def test_extra_visits_stop_at_the_bound(make_case, returned, cast, settings):
    case = returned(make_case()).case
    settings.REGISTRY_MAX_RECORDS_PER_KIND = FollowUpVisit.objects.filter(case=case).count()

    _too_many(lambda: services.visit_schedule(actor=cast.alice, case=case, due_on=TODAY))


def test_school_enrolments_stop_at_the_bound_over_the_api(make_case, refer, cast, api_client_for, settings):
    settings.REGISTRY_MAX_RECORDS_PER_KIND = 1
    case = make_case(age=10)
    refer(case, Service.SCHOOLING)
    url = reverse("case-enrollment-list", kwargs={"id": case.uuid})
    body = {"school": "福州市某小学（虚构）", "started_on": TODAY.isoformat()}
    bob = api_client_for(cast.bob)
    assert bob.post(url, body, format="json").status_code == 201

    response = bob.post(url, body, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "too_many_records")
    assert SchoolEnrollment.objects.filter(case=case).count() == 1


def test_free_text_of_the_services_is_bounded_naming_the_field(make_case, admit, returned, plan, cast):
    with pytest.raises(RuleViolation) as refused:
        admit(make_case(), notes=TOO_LONG)
    assert refused.value.field == "notes"

    with pytest.raises(RuleViolation) as refused:
        services.return_plan_create(actor=cast.alice, case=make_case(), data=plan_data(escort=TOO_LONG))
    assert refused.value.field == "escort"

    visit = FollowUpVisit.objects.filter(case=returned(make_case()).case).first()
    with pytest.raises(RuleViolation) as refused:
        services.visit_record(
            actor=cast.alice,
            visit=visit,
            expected_version=visit.version,
            changes={"visited_on": TODAY, "visitor": "王某（虚构）", "living_conditions": TOO_LONG},
        )
    assert refused.value.field == "living_conditions"
    assert FollowUpVisit.objects.get(pk=visit.pk).visited_on is None
