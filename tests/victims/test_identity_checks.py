"""Dates and sex checked where the identity is validated (issue 13, item 9): a case opens neither
before 1 October 1949 nor in the future; the sex agrees with the resident ID's sequence digit."""

import datetime
import random
import re

import pytest
from django.urls import reverse

from registry.errors import RuleViolation
from tests.victims.conftest import TODAY, person
from tests.victims.test_views import registration_body
from victims import operations, synthetic
from victims.choices import DocumentType, Sex
from victims.models import Case, Victim

pytestmark = pytest.mark.django_db


def a_mans_id(seed: int, born: datetime.date | None = None) -> str:
    born = born or TODAY.replace(year=TODAY.year - 30) - datetime.timedelta(days=seed)
    return synthetic.resident_id(random.Random(seed), region="530102", birth_date=born, female=False)


def register_api(client, **body):
    victim = person(body.pop("seed", 1))
    victim.update(body.pop("victim", {}))
    return client.post(reverse("case-list"), {"victim": victim, **body}, format="json")


# --- the day a case opens -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "opened_on",
    [datetime.date(1949, 9, 30), datetime.date(1900, 1, 1), TODAY + datetime.timedelta(days=1)],
    ids=["the eve of the founding", "long before", "tomorrow"],
)
def test_a_case_cannot_open_before_1949_or_in_the_future(api_client_for, cast, opened_on):
    response = register_api(api_client_for(cast.alice), opened_on=opened_on.isoformat())

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["opened_on"]
    assert not Case.objects.exists()


def test_a_case_may_open_on_the_founding_day(register, cast, places):
    case = operations.case_register(
        actor=cast.alice, victim=person(2), jurisdiction=places.gulou, opened_on=datetime.date(1949, 10, 1)
    )

    assert case.opened_on == datetime.date(1949, 10, 1)


def test_the_registration_page_shows_an_impossible_opening_day_on_its_field(client, cast, places):
    client.force_login(cast.alice)

    response = client.post(reverse("victims:register"), registration_body(places, opened_on="1900-01-01"))

    assert response.status_code == 200
    assert not Case.objects.exists()
    assert re.search(r'class="field field--error" id="field-opened_on"', response.content.decode())


# --- sex and the resident ID --------------------------------------------------------------------


def test_sex_of_a_resident_id_is_its_sequence_digits_parity():
    from victims.validation import sex_of_resident_id

    assert sex_of_resident_id(a_mans_id(3)) == Sex.MALE
    assert sex_of_resident_id(person(3)["id_number"]) == Sex.FEMALE


def test_registering_a_woman_with_a_mans_id_is_refused_naming_sex(api_client_for, cast):
    response = register_api(api_client_for(cast.alice), victim={"id_number": a_mans_id(4), "sex": Sex.FEMALE})

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["victim.sex"]


def test_a_legacy_15_digit_number_is_checked_by_its_last_digit(register):
    with pytest.raises(RuleViolation) as refused:
        register(seed=5, id_number="530102900101123", sex=Sex.FEMALE)  # odd: a man

    assert refused.value.field == "sex"
    assert register(seed=5, id_number="530102900101123", sex=Sex.MALE).victim.sex == Sex.MALE


def test_changing_the_sex_against_the_resident_id_is_refused(api_client_for, register, cast):
    case = register(seed=6)
    url = reverse("case-section", kwargs={"id": case.uuid, "section": "person"})

    response = api_client_for(cast.alice).patch(
        url, {"sex": Sex.MALE}, format="json", headers={"If-Match": f'"{case.version}"'}
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["sex"]
    assert Victim.objects.get(pk=case.victim_id).sex == Sex.FEMALE


def test_changing_the_resident_id_to_a_mans_is_refused_for_a_woman(api_client_for, register, cast):
    case = register(seed=7)
    url = reverse("case-section", kwargs={"id": case.uuid, "section": "identity"})

    response = api_client_for(cast.alice).patch(
        url,
        {"id_number": a_mans_id(7, case.victim.birth_date)},
        format="json",
        headers={"If-Match": f'"{case.version}"'},
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["sex"]
    assert Victim.objects.get(pk=case.victim_id).id_number == case.victim.id_number


def test_a_foreign_document_says_nothing_of_sex(register):
    case = register(
        seed=8, sex=Sex.MALE, document_type=DocumentType.PASSPORT, document_country="VN", nationality="VN",
        id_number="C1234567", birth_date=datetime.date(2000, 1, 2),
    )  # fmt: skip

    assert case.victim.sex == Sex.MALE
