"""Normalization that cannot be bypassed (issue 13, item 4): names and document numbers with an
invisible character are refused on every write path, naming the field; document numbers are
folded to their canonical form before the blind index; a search term is folded the same way."""

import datetime
import importlib
import re
import unicodedata

import pytest
from django.apps import apps
from django.urls import reverse

from registry import crypto
from registry.errors import Conflict
from registry.keyring import active_keyring
from tests.victims.conftest import person
from tests.victims.test_views import registration_body
from victims import operations, selectors
from victims.choices import DocumentType
from victims.models import Case, Victim

pytestmark = pytest.mark.django_db

# One character of each class the issue names.
INVISIBLE = {
    "zero-width space": "\u200b",
    "zero-width non-joiner": "\u200c",
    "zero-width joiner": "\u200d",
    "byte-order mark": "\ufeff",
    "soft hyphen": "\u00ad",
    "variation selector 16": "\ufe0f",
    "variation selector 17": "\U000e0100",
    "control": "\u0007",
}
PASSPORT = "E1234567"
# Spellings of PASSPORT a caseworker may type or paste: separators, Cyrillic or Greek letters.
PASSPORT_SPELLINGS = {
    "hyphen": "E-1234567",
    "spaces and hyphens": "e 1234-567",
    "non-breaking hyphen": "E\u20111234567",
    "dots and slashes": "E.1234/567",
    "full width": "Ｅ１２３４５６７",
    "cyrillic": "\u04151234567",
    "greek": "\u03951234567",
}


def spiked(value: str, char: str) -> str:
    return value[:4] + char + value[4:]


def passport(number: str = PASSPORT) -> dict:
    """The identity fields of a Vietnamese passport holder."""
    return {
        "document_type": DocumentType.PASSPORT,
        "document_country": "VN",
        "nationality": "VN",
        "id_number": number,
        "birth_date": datetime.date(2001, 5, 6),
    }


def passport_person(seed: int, number: str = PASSPORT) -> dict:
    return person(seed, **passport(number))


def as_json(data: dict) -> dict:
    return {key: value.isoformat() if isinstance(value, datetime.date) else value for key, value in data.items()}


def register_api(client, victim: dict):
    return client.post(reverse("case-list"), {"victim": as_json(victim)}, format="json")


# --- writes: refused naming the field -----------------------------------------------------------


@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_a_resident_id_with_an_invisible_character_is_refused_naming_it(api_client_for, cast, char):
    victim = person(1)
    victim["id_number"] = spiked(victim["id_number"], char)

    response = register_api(api_client_for(cast.alice), victim)

    assert response.status_code == 400
    assert response.json()["code"] == "rule_violation"
    assert list(response.json()["fields"]) == ["victim.id_number"]
    assert not Case.objects.exists()


@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
@pytest.mark.parametrize(("field", "named"), [("full_name", "victim.full_name"), ("aliases", "victim.aliases")])
def test_a_name_with_an_invisible_character_is_refused_naming_it(api_client_for, cast, char, field, named):
    victim = person(2)
    victim[field] = spiked("李小红的名字", char) if field == "full_name" else ["小红", spiked("阿红姐姐", char)]

    response = register_api(api_client_for(cast.alice), victim)

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [named]
    assert not Case.objects.exists()


@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_a_passport_number_with_an_invisible_character_is_refused_naming_it(api_client_for, cast, char):
    response = register_api(api_client_for(cast.alice), passport_person(3, spiked(PASSPORT, char)))

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["victim.id_number"]


def test_a_document_number_of_other_characters_is_refused(api_client_for, cast):
    response = register_api(api_client_for(cast.alice), passport_person(4, "E1234#567"))

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["victim.id_number"]


def test_changing_the_name_to_one_with_an_invisible_character_is_refused(api_client_for, register, cast):
    case = register(seed=5)
    url = reverse("case-section", kwargs={"id": case.uuid, "section": "person"})

    response = api_client_for(cast.alice).patch(
        url, {"full_name": "李\u200d小红"}, format="json", headers={"If-Match": f'"{case.version}"'}
    )

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["full_name"]
    assert Victim.objects.get(pk=case.victim_id).full_name == case.victim.full_name


def test_the_registration_page_shows_the_refusal_on_the_name_field(client, cast, places):
    client.force_login(cast.alice)

    response = client.post(reverse("victims:register"), registration_body(places, full_name="李\ufeff小红"))

    assert response.status_code == 200
    assert not Case.objects.exists()
    assert re.search(r'class="field field--error" id="field-full_name"', response.content.decode())


# --- duplicates: every spelling of one number is one person -------------------------------------


def test_a_resident_id_typed_with_separators_is_stored_canonical(register):
    number = person(6)["id_number"]

    case = register(seed=6, id_number=f"{number[:6]}-{number[6:14]} {number[14:].lower()}")

    assert Victim.objects.get(pk=case.victim_id).id_number == number


@pytest.mark.parametrize("typed", PASSPORT_SPELLINGS.values(), ids=PASSPORT_SPELLINGS.keys())
def test_another_spelling_of_a_registered_passport_is_caught_as_a_duplicate(api_client_for, cast, typed):
    alice = api_client_for(cast.alice)
    first = register_api(alice, passport_person(7))
    assert first.status_code == 201

    again = register_api(alice, passport_person(8, typed))

    assert again.status_code == 409
    assert again.json()["code"] == "duplicate_victim"
    assert Case.objects.count() == 1
    assert Victim.objects.get().id_number == PASSPORT


def test_a_passport_registered_with_cyrillic_letters_is_stored_in_latin(register):
    case = register(seed=9, **passport("\u0415-1234567"))

    assert Victim.objects.get(pk=case.victim_id).id_number == PASSPORT


# --- search: the term is folded as the stored number was ---------------------------------------


@pytest.mark.parametrize("typed", PASSPORT_SPELLINGS.values(), ids=PASSPORT_SPELLINGS.keys())
def test_any_spelling_of_a_passport_number_finds_the_case(api_client_for, cast, typed):
    alice = api_client_for(cast.alice)
    case_id = register_api(alice, passport_person(10)).json()["id"]

    response = alice.get(reverse("case-list"), {"id_number": typed})

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [case_id]


@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
@pytest.mark.parametrize("parameter", ["id_number", "name"])
def test_a_search_term_with_an_invisible_character_is_refused_naming_it(
    api_client_for, register, cast, char, parameter
):
    case = register(seed=11)
    term = case.victim.id_number if parameter == "id_number" else case.victim.full_name

    response = api_client_for(cast.alice).get(reverse("case-list"), {parameter: spiked(term, char)})

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [parameter]


def test_the_selector_folds_a_search_term_as_the_api_does(register, cast):
    case = register(seed=12, **passport())

    assert list(selectors.cases_for(cast.alice, id_number="\u0415 1234-567")) == [case]


def test_the_search_page_finds_a_passport_typed_with_a_hyphen(client, register, cast):
    case = register(seed=13, **passport())
    client.force_login(cast.alice)

    body = client.post(reverse("victims:list"), {"id_number": "E-1234 567"}).content.decode()

    assert case.number in body


def test_the_search_page_shows_the_refusal_of_an_invisible_character_on_its_field(client, register, cast):
    case = register(seed=14)
    client.force_login(cast.alice)

    response = client.post(reverse("victims:list"), {"name": spiked(case.victim.full_name, "\u200b")})

    assert response.status_code == 200
    assert case.number not in response.content.decode()
    assert re.search(r'class="field field--error" id="field-name"', response.content.decode())


# --- stored digests: recomputed by the migration -----------------------------------------------


def old_digest(field, value) -> str:
    """The digest the blind index held before issue 13: NFKC, no white space, upper case."""
    parts = value if isinstance(value, tuple) else (value,)
    text = "\x00".join(str(part) for part in parts)
    return crypto.index_digest(
        re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).upper(),
        column=field.index_label,
        keyring=active_keyring(),
    )


def test_the_migration_recomputes_digests_of_values_stored_before_normalization(register, cast):
    """Before issue 13 a passport number was stored as typed (upper-cased) and a name with an
    invisible character was accepted; their digests missed the same person spelled plainly."""
    legacy = register(seed=15, **passport("E9999999"))
    stored_number, stored_name = "E-1234 567", "陈\u200b静"
    born = Victim.objects.get(pk=legacy.victim_id).birth_date
    field = Victim._meta.get_field
    Victim._base_manager.filter(pk=legacy.victim_id).update(
        id_number=stored_number,
        full_name=stored_name,
        id_number_index=old_digest(field("id_number_index"), stored_number),
        full_name_index=old_digest(field("full_name_index"), stored_name),
        name_birth_index=old_digest(field("name_birth_index"), (stored_name, born.isoformat())),
    )
    assert not selectors.cases_for(cast.alice, id_number=PASSPORT).exists()

    migration = importlib.import_module("victims.migrations.0004_blind_index_normalization")
    migration.recompute_blind_indexes(apps, None)

    assert list(selectors.cases_for(cast.alice, id_number=PASSPORT)) == [legacy]
    assert list(selectors.cases_for(cast.alice, name="陈静")) == [legacy]
    same_name_and_birth = person(16, full_name="陈静", birth_date=born, document_type=DocumentType.NONE)
    same_name_and_birth.pop("id_number")
    with pytest.raises(Conflict) as refused:
        operations.case_register(actor=cast.alice, victim=same_name_and_birth, jurisdiction=legacy.jurisdiction)
    assert refused.value.code == "duplicate_victim"
