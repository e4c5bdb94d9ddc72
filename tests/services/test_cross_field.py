"""Cross-field checks of the assistance services' records (issue 18, item 5): no date before
the rescue, no end before its start, a child never placed in a women's home, a destination
from the division table — enforced by the operations and shown on the forms."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from registry.choices import Department, OrganizationKind
from registry.errors import RuleViolation
from services import operations as services
from services.choices import Pathway
from services.models import ShelterPlacement
from tests.factories import OrganizationFactory
from tests.services.conftest import RESCUED_ON, TODAY, days_ago, plan_data
from victims.choices import Service

DAY = datetime.timedelta(days=1)


@pytest.fixture
def womens_home(places):
    """A residential unit of the women's federation in Fuzhou (a women's home)."""
    return OrganizationFactory(
        name="福州市妇女儿童维权中心庇护所",
        department=Department.WOMENS_FEDERATION,
        kind=OrganizationKind.SHELTER,
        jurisdiction=places.fuzhou,
        capacity=5,
    )


def test_a_child_is_not_placed_in_a_womens_home_but_an_adult_is(make_case, admit, womens_home):
    child, adult = make_case(age=12), make_case(age=30)
    with pytest.raises(RuleViolation) as refused:
        admit(child, shelter=womens_home)
    assert (refused.value.field, refused.value.code) == ("shelter", "child_in_womens_home")
    assert admit(adult, shelter=womens_home).shelter == womens_home


def test_a_child_is_not_transferred_to_a_womens_home(make_case, admit, womens_home, cast):
    placement = admit(make_case(age=12))
    with pytest.raises(RuleViolation) as refused:
        services.placement_transfer(actor=cast.alice, placement=placement, expected_version=1, to_shelter=womens_home)
    assert refused.value.code == "child_in_womens_home"
    assert ShelterPlacement.objects.get(pk=placement.pk).discharged_on is None  # nothing half done


def test_the_admission_form_shows_the_refusal_on_the_shelter(client, cast, make_case, womens_home):
    case = make_case(age=12)
    client.force_login(cast.alice)
    url = reverse("services:placement-admit", args=[case.uuid])
    body = {"shelter": womens_home.uuid, "admitted_on": TODAY.isoformat(), "notes": ""}
    page = client.post(url, body).content.decode()
    assert 'class="field field--error" id="field-shelter"' in page and '<a href="#id_shelter">' in page
    assert not ShelterPlacement.objects.exists()


def test_no_stay_begins_before_the_rescue(make_case, admit):
    case = make_case()
    with pytest.raises(RuleViolation) as refused:
        admit(case, admitted_on=RESCUED_ON - DAY)
    assert refused.value.field == "admitted_on"
    assert admit(case, admitted_on=RESCUED_ON).admitted_on == RESCUED_ON


def test_a_training_does_not_end_before_it_starts(make_case, refer, cast):
    case = make_case(age=20)
    refer(case, Service.TRAINING)
    data = {"provider": "福州市职业技能培训中心", "programme": "电子商务", "started_on": days_ago(10)}
    with pytest.raises(RuleViolation) as refused:
        services.training_add(actor=cast.frank, case=case, data={**data, "ended_on": days_ago(11)})
    assert refused.value.field == "ended_on"
    assert services.training_add(actor=cast.frank, case=case, data={**data, "ended_on": days_ago(10)}).pk


def test_a_return_goes_to_a_county_the_division_table_knows(make_case, cast):
    case = make_case()
    with pytest.raises(RuleViolation) as refused:
        services.return_plan_create(actor=cast.alice, case=case, data=plan_data(destination_code="359999"))
    assert refused.value.field == "destination_code"


def test_a_return_may_go_to_a_county_of_any_province(make_case, cast):
    data = plan_data(Pathway.INTER_PROVINCIAL, destination_code="110101", receiving_party="北京市东城区救助站")
    plan = services.return_plan_create(actor=cast.alice, case=make_case(), data=data)
    assert plan.destination_code == "110101"
