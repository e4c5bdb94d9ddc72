"""Forms that speak the user's language (issue 18, item 5): pickers of countries, divisions and
ethnic groups that show names and store codes, dates typed as YYYY-MM-DD with the registry's
own messages, no "---------" in a list, the error summary, and the way back from a consent
recorded on the way to a referral."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.conf import settings
from django.urls import reverse

from registry import countries, divisions, ethnicities
from registry.errors import RuleViolation
from registry.forms import DATE_PATTERN
from registry.history import recorded_change
from tests.victims.conftest import TODAY
from tests.victims.test_views import page, registration_body
from victims import operations
from victims.choices import STATUTORY_BASES, Service
from victims.models import Case, Consent, Referral, Victim


@pytest.fixture
def as_user(client, cast):
    def sign_in(name, language="zh-hans"):
        client.force_login(getattr(cast, name))
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return client

    return sign_in


def options(body: str, name: str) -> list[tuple[str, str]]:
    """``(value, label)`` of each option of the select ``name``."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', body, re.DOTALL)
    assert select, f"no select {name}"
    return [
        (value, unescape(label)) for value, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)<', select[1])
    ]


def register_url() -> str:
    return reverse("victims:register")


# --- country ------------------------------------------------------------------------------------


def test_the_country_picker_names_countries_in_chinese_china_first(as_user):
    listed = options(page(as_user("alice").get(register_url())), "nationality")
    assert listed[0][0] == "" and "-" not in listed[0][1]  # a placeholder, never "---------"
    assert listed[1] == ("CN", "中国")
    assert ("VN", "越南") in listed and ("MM", "缅甸") in listed and ("KH", "柬埔寨") in listed
    assert len(listed) == 1 + len(countries.country_choices())


def test_the_country_picker_names_countries_in_english_for_an_english_reader(as_user):
    listed = options(page(as_user("alice", "en").get(register_url())), "nationality")
    assert listed[1] == ("CN", "China")
    assert ("VN", "Vietnam") in listed and ("LA", "Laos") in listed


def test_a_picked_country_is_stored_as_its_code(as_user, places):
    response = as_user("alice").post(register_url(), registration_body(places, nationality="VN"))
    assert response.status_code == 302
    assert Victim.objects.get().nationality == "VN"


def test_an_unknown_country_code_is_refused_on_its_field(as_user, places):
    response = as_user("alice").post(register_url(), registration_body(places, nationality="XX"))
    assert response.status_code == 200 and not Case.objects.exists()
    assert 'class="field field--error" id="field-nationality"' in page(response)


def test_the_api_refuses_an_unknown_country_naming_the_field(places, cast, api_client_for, register):
    case = register()
    response = api_client_for(cast.alice).patch(
        reverse("case-section", kwargs={"id": case.uuid, "section": "identity"}),
        {"nationality": "ZZ"},
        format="json",
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == 400 and "nationality" in response.json()["fields"]


# --- division -----------------------------------------------------------------------------------


def test_divisions_of_any_province_are_named_from_the_table():
    assert divisions.full_name("350102") == "福建省福州市鼓楼区"
    assert divisions.full_name("530102") == "云南省昆明市五华区"
    assert divisions.is_county("110101") and not divisions.is_county("3501") and not divisions.is_county("999999")
    assert [item.name for item in divisions.children("")][:2] == ["北京市", "天津市"]


def test_the_division_endpoint_answers_the_steps_of_the_cascade(as_user):
    client = as_user("alice")
    provinces = client.get(reverse("divisions")).json()["divisions"]
    assert {"code": "53", "name": "云南省", "leaf": False} in provinces
    cities = client.get(reverse("divisions"), {"parent": "53"}).json()["divisions"]
    assert {"code": "5301", "name": "昆明市", "leaf": False} in cities
    counties = client.get(reverse("divisions"), {"parent": "5301"}).json()["divisions"]
    assert {"code": "530102", "name": "五华区", "leaf": True} in counties


def test_the_division_endpoint_refuses_an_unknown_parent_and_strangers(client, as_user):
    assert client.get(reverse("divisions")).status_code == 302  # to the sign-in page
    response = as_user("alice").get(reverse("divisions"), {"parent": "99"})
    assert response.status_code == 400 and response.json()["field"] == "parent"


def test_the_division_field_shows_the_name_of_its_code_and_works_without_script(as_user, register):
    case = register()
    body = page(as_user("alice").get(reverse("victims:victim-edit", args=[case.uuid, "identity"])))
    field = re.search(r'<input type="text" name="native_place_code"[^>]*>', body)[0]
    assert 'value="530102"' in field and 'pattern="[0-9]{6}"' in field and "data-divisions-url" in field
    assert "云南省昆明市五华区" in body


def test_a_division_code_outside_the_table_is_refused_on_its_field(as_user, places):
    response = as_user("alice").post(register_url(), registration_body(places, native_place_code="359999"))
    assert response.status_code == 200 and not Case.objects.exists()
    assert 'class="field field--error" id="field-native_place_code"' in page(response)


def test_the_api_refuses_a_division_code_outside_the_table(places, cast, api_client_for, register):
    case = register()
    response = api_client_for(cast.alice).patch(
        reverse("case-section", kwargs={"id": case.uuid, "section": "identity"}),
        {"native_place_code": "359999"},
        format="json",
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == 400 and "native_place_code" in response.json()["fields"]


# --- ethnicity ----------------------------------------------------------------------------------


def test_the_ethnicity_picker_follows_the_standard_and_shows_names(as_user):
    zh_listed = options(page(as_user("alice").get(register_url())), "ethnicity")
    assert [value for value, _ in zh_listed[1:4]] == ["汉族", "蒙古族", "回族"]
    assert ("外国血统", "外国血统") in zh_listed and len(zh_listed) == 1 + len(ethnicities.ETHNIC_GROUPS)
    en_listed = options(page(as_user("alice", "en").get(register_url())), "ethnicity")
    assert ("汉族", "Han") in en_listed and ("彝族", "Yi") in en_listed


def test_an_older_ethnicity_stays_offered_and_kept_but_is_not_accepted_anew(as_user, cast, register):
    case = register()
    with recorded_change(actor=cast.alice, reason="typed before the picker existed"):
        older = Victim.objects.get(pk=case.victim_id)
        older.ethnicity = "穿青人"
        older.save()
    body = page(as_user("alice").get(reverse("victims:victim-edit", args=[case.uuid, "identity"])))
    assert ("穿青人", "穿青人") in options(body, "ethnicity")
    operations.victim_update(actor=cast.alice, case=case, expected_version=1, section="identity",
                             changes={"aliases": ["小梅"]})  # fmt: skip
    assert Victim.objects.get(pk=case.victim_id).ethnicity == "穿青人"
    with pytest.raises(RuleViolation) as refused:
        register(seed=2, ethnicity="穿青人")
    assert refused.value.field == "ethnicity"


# --- dates, lists, the error summary --------------------------------------------------------------


def test_a_date_is_a_text_field_typed_as_yyyy_mm_dd(as_user):
    body = page(as_user("alice").get(register_url()))
    field = re.search(r'<input [^>]*name="opened_on"[^>]*>', body)[0]
    assert 'type="text"' in field and f'pattern="{DATE_PATTERN}"' in field
    assert 'inputmode="numeric"' in field and 'placeholder="YYYY-MM-DD"' in field
    assert f'value="{TODAY.isoformat()}"' in field
    assert 'type="date"' not in body
    assert re.search(r'<form [^>]*id="registration"[^>]*novalidate', body)  # the server's messages, not the browser's


def test_a_malformed_date_gets_the_registrys_own_message(as_user, places):
    response = as_user("alice").post(register_url(), registration_body(places, opened_on="5/3/2024"))
    assert response.status_code == 200 and not Case.objects.exists()
    error = re.search(r'<p class="field__error" id="id_opened_on_error">([^<]*)</p>', page(response))
    assert error and "YYYY-MM-DD" in error[1]


def test_no_list_offers_dashes(as_user, register):
    case = register()
    client = as_user("alice")
    pages = [register_url()] + [
        reverse("victims:record-add", args=[case.uuid, kind])
        for kind in ("rescue", "healthassessment", "dnasample", "household", "familymember", "consent")
    ]
    for url in pages:
        assert "---------" not in page(client.get(url)), url


def test_after_a_refused_form_the_error_summary_links_to_each_field(as_user, places):
    body = page(as_user("alice").post(register_url(), registration_body(places, full_name="", native_place_code="1")))
    summary = re.search(
        r'<div class="alert error-summary" role="alert" id="form-errors" tabindex="-1">(.*?)</div>', body, re.DOTALL
    )
    assert summary, "no error summary"
    links = re.findall(r'<a href="#([^"]+)">', summary[1])
    assert links == ["id_full_name", "id_native_place_code"]
    assert all(f'id="{target}"' in body for target in links)
    assert "registry/forms.js" in body  # what moves the focus to the summary


OLDER_CITATION = "《未成年人保护法》第九十二条"  # typed before the list was offered


def test_the_statutory_basis_is_picked_from_the_list_and_an_older_one_stays_readable(
    as_user, register, consent, monkeypatch
):
    case = register(age=10)
    body = page(as_user("alice").get(reverse("victims:record-add", args=[case.uuid, "consent"])))
    assert [value for value, _ in options(body, "statutory_basis")] == ["", *STATUTORY_BASES]
    with monkeypatch.context() as before_the_list:
        before_the_list.setattr("victims.operations.records.STATUTORY_BASES", (*STATUTORY_BASES, OLDER_CITATION))
        older = consent(case, Service.LEGAL_AID, given_by="statutory", statutory_basis=OLDER_CITATION)
    edit = page(as_user("alice").get(reverse("victims:record-edit", args=[case.uuid, "consent", older.uuid])))
    assert (OLDER_CITATION, OLDER_CITATION) in options(edit, "statutory_basis")
    amended = operations.record_amend(
        actor=case.created_by, record=older, expected_version=older.version, changes={"withdrawn_on": TODAY}
    )
    assert amended.statutory_basis == OLDER_CITATION  # kept while it is not changed


@pytest.mark.parametrize("basis", ["", "《某某法》第一条（虚构）", None])
def test_a_statutory_basis_not_from_the_list_is_refused_by_the_operation(register, consent, basis):
    case = register(age=10)
    with pytest.raises(RuleViolation) as refused:
        consent(case, Service.LEGAL_AID, given_by="statutory", statutory_basis=basis)
    assert refused.value.field == "statutory_basis"
    assert not Consent.objects.filter(case=case).exists()


# --- consent on the way to a referral -------------------------------------------------------------

REASON = "本人希望参加职业技能培训（虚构）"


def test_a_consent_recorded_on_the_way_returns_to_the_referral_with_what_was_typed(as_user, places, register):
    case = register()
    client = as_user("alice")
    referral_url = reverse("victims:referral-create", args=[case.uuid, Service.TRAINING.value])
    refused = page(client.post(referral_url, {"to_organization": places.fz_labor.pk, "reason": REASON}))
    link = unescape(re.search(r'<a href="([^"]+)" id="add-consent">', refused)[1])
    assert REASON not in link and "next=" in link  # the typed reason stays out of the URL
    sealed = [value for key, value in client.session.items() if key.startswith("draft:")]
    assert len(sealed) == 1 and sealed[0].startswith("e1$") and REASON not in sealed[0]

    form = page(client.get(link))
    assert ("training", "selected") in re.findall(r'<option value="(training)"[^>]*(selected)', form)
    saved = client.post(link, {"service": "training", "given_by": "person", "given_on": TODAY.isoformat()})
    assert (saved.status_code, saved["Location"]) == (302, referral_url)

    back = page(client.get(referral_url))
    assert REASON in back
    assert re.search(rf'<option value="{places.fz_labor.pk}" selected>', back)
    client.post(referral_url, {"to_organization": places.fz_labor.pk, "reason": REASON})
    assert Referral.objects.filter(case=case, service=Service.TRAINING).count() == 1
    assert not [key for key in client.session.keys() if key.startswith("draft:")]


@pytest.mark.parametrize("target", ["https://example.org/", "//example.org/cases/", "/cases/{other}/", "/audit/"])
def test_the_way_back_goes_only_to_a_page_of_the_same_case(as_user, register, target):
    case, other = register(), register(seed=2)
    url = reverse("victims:record-add", args=[case.uuid, "consent"])
    body = {"service": "schooling", "given_by": "person", "given_on": TODAY.isoformat()}
    response = as_user("alice").post(url + "?next=" + target.format(other=other.uuid), body)
    assert response.status_code == 302
    assert response["Location"] == reverse("victims:case", args=[case.uuid]) + "?tab=consents"
