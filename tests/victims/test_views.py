"""The victim-file pages, read as the cast reads them: what each role sees, what it may do,
and what never leaves the server (search terms in URLs, sections outside the role)."""

import datetime
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import translation

from registry import casefile, policy
from registry.choices import Role
from registry.decisions import MARKER
from registry.models import AuditAction, AuditEvent
from registry.presentation import mask_id_number
from tests.factories import UserFactory
from tests.helpers import zh
from tests.victims.conftest import CLOSING, RESCUE, TODAY, person
from victims import operations
from victims.choices import ConsentGiver, ReferralStatus, Service, Stage
from victims.models import Case, Consent, Referral, Rescue

pytestmark = pytest.mark.django_db


# --- helpers ----------------------------------------------------------------------------------


@pytest.fixture
def as_user(client, cast):
    """``as_user("alice")``: the test client signed in as that member of the cast."""

    def sign_in(name):
        client.force_login(getattr(cast, name))
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


def tabs_of(response) -> list[str]:
    nav = re.search(r'<ul id="case-tabs">(.*?)</ul>', page(response), re.DOTALL)
    assert nav, "the case file has no tabs"
    return [text_of(item) for item in re.findall(r"<li>(.*?)</li>", nav.group(1), re.DOTALL)]


def labels(sections) -> list[str]:
    with translation.override("zh-hans"):
        return [str(policy.section_named(section).label) for section in sections]


def case_url(case, tab=None):
    url = reverse("victims:case", args=[case.uuid])
    return f"{url}?tab={tab}" if tab else url


def urls_in(response) -> list[str]:
    """Every URL the page links, posts or redirects to."""
    found = re.findall(r'(?:href|action|src)="([^"]*)"', page(response))
    if response.get("Location"):
        found.append(response["Location"])
    return found


def refer(case, organization, service=Service.LEGAL_AID, actor=None, cast=None):
    return operations.referral_create(
        actor=actor or cast.alice, case=case, service=service, to_organization=organization
    )


@pytest.fixture
def legal_aid_case(register, consent, cast, places):
    """A case of Alice's with a legal aid referral Erin has accepted."""
    case = register(seed=41)
    consent(case, Service.LEGAL_AID)
    referral = refer(case, places.fz_legal_aid, cast=cast)
    operations.referral_respond(actor=cast.erin, referral=referral, decision="accept")
    return case


# --- the case list ----------------------------------------------------------------------------


def test_list_shows_masked_id_numbers_and_only_visible_cases(as_user, register, cast, places):
    mine = [register(seed=1), register(seed=2)]
    theirs = register(actor=cast.carol, seed=3, jurisdiction=places.xiamen)

    response = as_user("alice").get(reverse("victims:list"))

    assert response.status_code == 200
    body = main_of(response)
    for case in mine:
        number = case.victim.id_number
        assert case.number in body
        assert case.victim.full_name in body
        assert number not in body
        assert f"{number[:4]}{'*' * 10}{number[-4:]}" in body
        assert reverse("victims:case", args=[case.uuid]) in body
    assert theirs.number not in body
    assert theirs.victim.full_name not in body


def test_id_numbers_are_masked_to_their_first_and_last_four_characters():
    assert mask_id_number("35010219900101123X") == "3501**********123X"
    assert mask_id_number("E1234567") == "******67"
    assert mask_id_number(None) == "—"


def test_list_hides_the_id_column_from_a_role_that_may_not_read_identity(as_user, register, consent, cast, places):
    case = register(seed=4)
    consent(case, Service.SCHOOLING)
    refer(case, places.fz_education, Service.SCHOOLING, cast=cast)

    response = as_user("bob").get(reverse("victims:list"))

    body = main_of(response)
    assert case.number in body
    assert case.victim.full_name in body  # the person section is his to read
    assert case.victim.id_number[-4:] not in body
    assert zh("ID document number") not in text_of(body.split('id="cases"')[1])


def test_the_list_is_paginated(as_user, register, monkeypatch):
    monkeypatch.setattr("victims.views.cases.PAGE_SIZE", 2)
    cases = [register(seed=seed) for seed in (5, 6, 7)]

    first = main_of(as_user("alice").get(reverse("victims:list")))
    second = main_of(as_user("alice").get(reverse("victims:list") + "?page=2"))

    assert cases[2].number in first and cases[1].number in first and cases[0].number not in first
    assert cases[0].number in second
    assert "?page=2" in first


def test_the_stage_filter_lists_only_cases_of_that_stage(as_user, register, cast):
    open_case, closed_case = register(seed=8), register(seed=9)
    operations.case_close(actor=cast.dave, case=closed_case, expected_version=closed_case.version, **CLOSING)

    body = main_of(as_user("dave").get(reverse("victims:list") + "?stage=closed"))

    assert closed_case.number in body
    assert open_case.number not in body


def test_listing_is_audited_as_case_listed(as_user, register):
    register(seed=10)

    as_user("alice").get(reverse("victims:list") + "?stage=registered")

    event = AuditEvent.objects.get(action=AuditAction.CASE_LISTED)
    assert event.detail["count"] == 1
    assert event.detail["filters"] == {"stage": "registered"}
    assert event.sections == ["person", "identity"]


@pytest.mark.parametrize("member", ["grace", "heidi"])
def test_roles_without_cases_may_not_open_the_case_list(as_user, member):
    response = as_user(member).get(reverse("victims:list"))

    assert response.status_code == 403
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).exists()


def test_the_list_sends_anonymous_visitors_to_sign_in(client, db):
    response = client.get(reverse("victims:list"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# --- search -----------------------------------------------------------------------------------


def test_searching_by_id_number_finds_the_case_and_the_term_is_in_no_url(as_user, register):
    wanted, other = register(seed=11), register(seed=12)
    term = wanted.victim.id_number

    response = as_user("alice").post(reverse("victims:list"), {"id_number": term, "name": "", "stage": ""})

    assert response.status_code == 200  # answered in place: no redirect carrying the term
    assert "Location" not in response
    body = main_of(response)
    assert wanted.number in body
    assert other.number not in body
    assert not [url for url in urls_in(response) if term in url or term[-6:] in url]


def test_searching_by_id_number_matches_a_lower_case_check_digit_and_spaces(as_user, register):
    # A synthetic number whose check digit is X (the birth dates, hence the numbers, follow today's date).
    case = register(seed=next(seed for seed in range(100, 1000) if person(seed)["id_number"].endswith("X")))
    number = case.victim.id_number
    assert number.endswith("X")
    typed = f" {number[:6]} {number[6:].lower()} "

    body = main_of(as_user("alice").post(reverse("victims:list"), {"id_number": typed}))

    assert case.number in body


def test_searching_by_full_name_finds_exact_matches_only(as_user, register):
    case = register(seed=14, full_name="林晓燕")
    register(seed=15, full_name="林晓")

    exact = main_of(as_user("alice").post(reverse("victims:list"), {"name": "林晓燕"}))
    partial = main_of(as_user("alice").post(reverse("victims:list"), {"name": "林"}))

    assert case.number in exact and exact.count("<tr>") == 2  # header and one case
    assert 'id="no-cases"' in partial


def test_search_never_finds_a_case_outside_the_users_scope(as_user, register):
    case = register(seed=16)

    body = main_of(as_user("carol").post(reverse("victims:list"), {"id_number": case.victim.id_number}))

    assert case.number not in body
    assert 'id="no-cases"' in body


def test_a_search_is_audited_with_hashed_terms_only(as_user, register):
    case = register(seed=17)
    term = case.victim.id_number

    as_user("alice").post(reverse("victims:list"), {"id_number": term})

    event = AuditEvent.objects.get(action=AuditAction.CASE_SEARCHED)
    assert event.detail["terms"]["id_number"].startswith("hmac:")
    assert term not in str(event.detail)
    assert event.detail["cases"] == [str(case.uuid)]


def test_a_plain_stage_filter_posted_redirects_to_a_link_without_personal_values(as_user, db, cast):
    response = as_user("alice").post(reverse("victims:list"), {"id_number": "", "name": "", "stage": "closed"})

    assert response.status_code == 302
    assert response.url == reverse("victims:list") + "?stage=closed"


def test_search_results_page_with_posted_buttons(as_user, register, monkeypatch):
    monkeypatch.setattr("victims.views.cases.PAGE_SIZE", 1)
    first, second = register(seed=18, full_name="陈静"), register(seed=19, full_name="陈静")

    page_one = as_user("alice").post(reverse("victims:list"), {"name": "陈静"})
    page_two = as_user("alice").post(reverse("victims:list"), {"name": "陈静", "page": "2"})

    assert second.number in main_of(page_one) and first.number not in main_of(page_one)
    assert first.number in main_of(page_two)
    assert 'name="page" value="2"' in page(page_one)
    assert not [url for url in urls_in(page_one) if "陈静" in unescape(url) or "%E9%99%88" in url]


# --- registration -----------------------------------------------------------------------------


def registration_body(places, seed=21, **overrides):
    data = person(seed)
    body = {
        "full_name": data["full_name"],
        "sex": data["sex"],
        "document_type": data["document_type"],
        "id_number": data["id_number"],
        "document_country": "",
        "document_number": "",
        "birth_date": "",
        "aliases": "",
        "nationality": "CN",
        "ethnicity": "汉族",
        "native_place_code": data["native_place_code"],
        "phone": data["phone"],
        "address": data["address"],
        "jurisdiction": places.gulou.pk,
        "opened_on": TODAY.isoformat(),
        "rescued_on": (TODAY - datetime.timedelta(days=2)).isoformat(),
        "place": "福州市鼓楼区某出租屋",
        "police_unit": "福州市公安局鼓楼分局",
        "police_case_number": "",
        "exploitation": ["forced_marriage", "labour"],
        "identification_status": "presumed",
        "identification_source": "hotline",
        "identified_on": "",
        "identified_by": "",
        "circumstances": "",
    }
    body.update(overrides)
    return body


@pytest.mark.parametrize("member", ["dave", "bob", "erin", "frank", "grace", "heidi"])
def test_only_caseworkers_may_open_the_registration_form(as_user, member):
    assert as_user(member).get(reverse("victims:register")).status_code == 403


def test_registration_form_checks_as_the_user_types(as_user, db):
    body = page(as_user("alice").get(reverse("victims:register")))

    assert 'pattern="[0-9]{17}[0-9Xx]"' in body
    assert f'data-latest="{TODAY.isoformat()}"' in body  # a future date is flagged as it is typed
    assert re.search(r'<input type="text" name="full_name"[^>]*required', body)
    assert 'name="csrfmiddlewaretoken"' in body
    assert 'autocomplete="off"' in body


def test_registration_offers_only_jurisdictions_within_the_caseworkers_organization(as_user, places):
    body = page(as_user("alice").get(reverse("victims:register")))

    assert f'<option value="{places.gulou.pk}"' in body
    assert f'value="{places.xiamen.pk}"' not in body


def test_registration_opens_the_case_file(as_user, places):
    body = registration_body(places)

    response = as_user("alice").post(reverse("victims:register"), body)

    case = Case.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("victims:case", args=[case.uuid])
    assert case.victim.full_name == body["full_name"]
    assert Rescue.objects.get(case=case).police_unit == "福州市公安局鼓楼分局"
    assert body["id_number"] not in response.url
    assert case.number in page(as_user("alice").get(response.url))


def test_registration_keeps_what_was_typed_and_shows_the_field_error(as_user, places):
    body = registration_body(places, id_number="530102199001011235")  # wrong check digit

    response = as_user("alice").post(reverse("victims:register"), body)

    assert response.status_code == 200
    assert not Case.objects.exists()
    html = page(response)
    field = re.search(r'<div class="field field--error" id="field-id_number">(.*?)</div>', html, re.DOTALL)
    assert field, "the ID number field is not marked in error"
    assert zh("The check digit of the resident ID number is wrong.") in unescape(field.group(1))
    assert 'value="530102199001011235"' in html
    assert f'value="{body["full_name"]}"' in html
    assert "福州市公安局鼓楼分局" in html


def test_a_foreign_documents_error_lands_on_the_document_number_field(as_user, places):
    body = registration_body(places, document_type="passport", id_number="", document_country="VN",
                             document_number="", birth_date="2000-01-01", nationality="VN")  # fmt: skip

    response = as_user("alice").post(reverse("victims:register"), body)

    assert 'id="field-document_number"' in page(response)
    assert re.search(r'class="field field--error" id="field-document_number"', page(response))


def test_registration_of_a_future_rescue_date_is_refused_on_that_field(as_user, places):
    tomorrow = (TODAY + datetime.timedelta(days=1)).isoformat()

    response = as_user("alice").post(reverse("victims:register"), registration_body(places, rescued_on=tomorrow))

    assert re.search(r'class="field field--error" id="field-rescued_on"', page(response))
    assert not Case.objects.exists()


def test_duplicate_registration_names_the_existing_case(as_user, register, places):
    existing = register(seed=22)
    body = registration_body(places, seed=23, id_number=existing.victim.id_number)

    response = as_user("alice").post(reverse("victims:register"), body)

    assert response.status_code == 200
    assert Case.objects.count() == 1
    errors = re.search(
        r'<div class="alert[^"]*" role="alert" id="form-errors"[^>]*>(.*?)</div>', page(response), re.DOTALL
    )
    assert errors and existing.number in errors.group(1)
    assert f'<a href="{case_url(existing)}">' in page(response)  # the case within reach, linked


@pytest.mark.parametrize(("first", "second"), [("alice", "carol"), ("carol", "alice")])
def test_a_person_registered_in_the_other_city_gets_the_same_words_in_both_and_is_flagged(
    as_user, cast, places, first, second
):
    """Fuzhou then Xiamen, and Xiamen then Fuzhou: the second caseworker's case is registered
    and flagged for civil affairs, and she reads 已登记，请联系民政部门 — nothing of the other case."""
    city = {"alice": places.gulou, "carol": places.xiamen}
    earlier = operations.case_register(
        actor=getattr(cast, first), victim=person(24), jurisdiction=city[first], rescue=dict(RESCUE)
    )
    body = registration_body(places, seed=25, id_number=earlier.victim.id_number, jurisdiction=city[second].pk)

    response = as_user(second).post(reverse("victims:register"), body, follow=True)

    later = Case.objects.exclude(pk=earlier.pk).get()
    assert later.possible_duplicate and later.duplicate_of == earlier
    html = page(response)
    assert zh("Already registered: please contact civil affairs.") in html
    assert earlier.number not in html and str(earlier.uuid) not in html and earlier.victim.full_name not in html


# --- the case file ----------------------------------------------------------------------------


def test_alice_sees_a_tab_for_every_section_she_may_read_and_a_timeline(as_user, register, cast):
    case = register(seed=31)

    response = as_user("alice").get(case_url(case))

    assert response.status_code == 200
    assert tabs_of(response) == [*labels(casefile.shown_sections(cast.alice)), zh("Timeline")]
    assert tabs_of(response)[:8] == labels(
        ["person", "identity", "contacts", "rescue", "health", "dna", "consents", "referrals"]
    )
    assert case.victim.full_name in main_of(response)


def test_erin_with_an_accepted_legal_aid_referral_sees_only_her_sections(as_user, legal_aid_case):
    response = as_user("erin").get(case_url(legal_aid_case))

    assert response.status_code == 200
    assert tabs_of(response) == [
        *labels(["person", "identity", "rescue", "consents", "referrals", "legal_aid", "care_plan", "notes"]),
        zh("Timeline"),
    ]
    for section in ("health", "contacts", "dna", "shelter", "schooling", "return_home"):
        assert f'id="tab-link-{section}"' not in page(response)
        asked = main_of(as_user("erin").get(case_url(legal_aid_case, section)))
        assert f'id="tab-{section}"' not in asked and 'id="tab-person"' in asked  # the first tab instead


def test_erin_does_not_see_the_contacts_of_the_victim_anywhere(as_user, legal_aid_case):
    for tab in ("person", "identity", "rescue", "consents", "referrals", "timeline", "contacts"):
        body = main_of(as_user("erin").get(case_url(legal_aid_case, tab)))
        assert legal_aid_case.victim.phone not in body
        assert legal_aid_case.victim.address not in body


def test_each_tab_shows_translated_labels_and_choice_labels(as_user, register):
    case = register(seed=32)

    body = main_of(as_user("alice").get(case_url(case, "rescue")))

    with translation.override("zh-hans"):
        from victims.choices import ExploitationType

        assert str(ExploitationType.FORCED_MARRIAGE.label) in body
    assert "forced_marriage" not in body
    assert "福州市公安局鼓楼分局" in body
    assert "<dl" in body


def test_identity_tab_shows_the_whole_id_number_to_those_who_may_read_it(as_user, register):
    case = register(seed=33)

    body = main_of(as_user("alice").get(case_url(case, "identity")))

    assert case.victim.id_number in body


def test_viewing_a_case_is_audited_with_the_sections_shown(as_user, register):
    case = register(seed=34)

    as_user("alice").get(case_url(case, "health"))

    event = AuditEvent.objects.get(action=AuditAction.CASE_VIEWED)
    assert event.case_uuid == case.uuid
    assert event.sections == ["person", "health"]


def test_carol_in_xiamen_gets_the_same_404_for_alices_case_as_for_no_case(as_user, register):
    import uuid

    case = register(seed=35)

    hidden = as_user("carol").get(case_url(case))
    absent = as_user("carol").get(reverse("victims:case", args=[uuid.uuid4()]))

    assert hidden.status_code == absent.status_code == 404
    assert main_of(hidden) == main_of(absent)
    assert case.number not in page(hidden)
    denied = AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, case_uuid=case.uuid)
    assert denied.count() == 1


@pytest.mark.parametrize("member", ["carol", "xavier", "bob", "grace", "heidi"])
def test_out_of_scope_users_get_404_on_every_page_of_the_case(as_user, register, member):
    case = register(seed=36)
    rescue = Rescue.objects.get(case=case)
    urls = [
        case_url(case),
        reverse("victims:victim-edit", args=[case.uuid, "contacts"]),
        reverse("victims:record-add", args=[case.uuid, "rescue"]),
        reverse("victims:record-edit", args=[case.uuid, "rescue", rescue.uuid]),
        reverse("victims:referral-create", args=[case.uuid, "schooling"]),
    ]

    for url in urls:
        assert as_user(member).get(url).status_code == 404, url


def test_add_and_edit_links_appear_only_where_the_role_may_write(as_user, register, cast):
    case = register(seed=37)

    alice = main_of(as_user("alice").get(case_url(case, "rescue")))
    dave = main_of(as_user("dave").get(case_url(case, "rescue")))

    assert 'id="add-rescue"' in alice and "/edit/" not in dave and 'id="add-rescue"' not in dave
    assert reverse("victims:record-add", args=[case.uuid, "rescue"]) in alice


def test_the_timeline_merges_history_and_record_dates(as_user, register):
    case = register(seed=38)

    body = main_of(as_user("alice").get(case_url(case, "timeline")))

    assert zh("Case opened") in body
    assert zh("Rescued") in body
    assert (TODAY - datetime.timedelta(days=3)).isoformat() in body
    assert "alice" in body  # who made the change


# --- record forms -----------------------------------------------------------------------------


def test_a_record_is_added_through_its_form_and_shown_on_its_tab(as_user, register):
    case = register(seed=51)
    body = {
        "assessed_on": TODAY.isoformat(),
        "assessor": "福州市第一医院",
        "physical": "轻度营养不良（虚构）",
        "psychological": "",
        "needs": "",
    }

    response = as_user("alice").post(reverse("victims:record-add", args=[case.uuid, "healthassessment"]), body)

    assert response.status_code == 302 and response.url == case_url(case, "health")
    assert "福州市第一医院" in main_of(as_user("alice").get(response.url))


def test_a_role_that_may_only_read_a_section_gets_403_from_its_forms(as_user, register):
    case = register(seed=52)

    assert as_user("dave").get(reverse("victims:record-add", args=[case.uuid, "rescue"])).status_code == 403
    assert as_user("dave").post(reverse("victims:victim-edit", args=[case.uuid, "health"]), {}).status_code == 403


def test_editing_a_record_saves_the_change_with_the_version_read(as_user, register):
    case = register(seed=53)
    rescue = Rescue.objects.get(case=case)
    url = reverse("victims:record-edit", args=[case.uuid, "rescue", rescue.uuid])
    form = page(as_user("alice").get(url))
    assert 'name="version" value="1"' in form

    body = {**{name: getattr(rescue, name) or "" for name in casefile.kind_of(Rescue).fields}, "version": 1}
    body["police_unit"] = "福州市公安局台江分局"
    response = as_user("alice").post(url, body)

    assert response.status_code == 302
    rescue.refresh_from_db()
    assert (rescue.police_unit, rescue.version) == ("福州市公安局台江分局", 2)


def test_editing_a_record_someone_else_changed_shows_the_stale_version_error(as_user, register, cast):
    case = register(seed=54)
    rescue = Rescue.objects.get(case=case)
    url = reverse("victims:record-edit", args=[case.uuid, "rescue", rescue.uuid])
    body = {**{name: getattr(rescue, name) or "" for name in casefile.kind_of(Rescue).fields}, "version": 1}
    operations.record_amend(actor=cast.alice, record=rescue, expected_version=1, changes={"police_unit": "另一个单位"})

    body["circumstances"] = "补充说明（虚构）"
    response = as_user("alice").post(url, body)

    assert response.status_code == 200
    html = unescape(page(response))
    assert (
        zh(
            "Someone else changed this record while you were editing it. Reload the page to see "
            "the current version, then make your change again."
        )
        in html
    )
    assert 'id="reload"' in html
    rescue.refresh_from_db()
    assert (rescue.version, rescue.circumstances) == (2, "解救经过（虚构）")


def test_editing_the_victims_own_section_uses_the_case_version(as_user, register):
    case = register(seed=55)
    url = reverse("victims:victim-edit", args=[case.uuid, "contacts"])
    assert f'name="version" value="{case.version}"' in page(as_user("alice").get(url))

    response = as_user("alice").post(url, {"phone": "13800000000", "address": "福州市鼓楼区（虚构）", "version": 1})

    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.victim.phone, case.version) == ("13800000000", 2)
    stale = as_user("alice").post(url, {"phone": "13900000000", "address": "x", "version": 1})
    assert stale.status_code == 200 and 'id="reload"' in page(stale)


def test_changing_the_resident_id_takes_the_birth_date_from_the_new_number(as_user, register):
    case = register(seed=56)
    new_number = person(57)["id_number"]
    url = reverse("victims:victim-edit", args=[case.uuid, "identity"])
    victim = case.victim
    body = {
        "version": case.version, "document_type": "resident_id", "id_number": new_number, "document_country": "",
        "document_number": "", "birth_date": victim.birth_date.isoformat(), "aliases": "", "nationality": "CN",
        "ethnicity": "", "native_place_code": victim.native_place_code,
    }  # fmt: skip

    response = as_user("alice").post(url, body)

    assert response.status_code == 302, page(response)
    victim.refresh_from_db()
    assert victim.id_number == new_number
    assert victim.birth_date.strftime("%Y%m%d") == new_number[6:14]


def test_a_guardian_consent_without_the_guardians_name_is_refused_on_that_field(as_user, register):
    case = register(seed=58)
    body = {"service": "schooling", "given_by": "guardian", "guardian_name": "", "statutory_basis": "",
            "given_on": TODAY.isoformat(), "withdrawn_on": ""}  # fmt: skip

    response = as_user("alice").post(reverse("victims:record-add", args=[case.uuid, "consent"]), body)

    assert response.status_code == 200
    assert re.search(r'class="field field--error" id="field-guardian_name"', page(response))
    assert not Consent.objects.exists()


# --- referrals --------------------------------------------------------------------------------


def test_the_referral_form_offers_only_organizations_of_the_matching_department(as_user, register, places):
    case = register(seed=61)

    schooling = page(as_user("alice").get(reverse("victims:referral-create", args=[case.uuid, "schooling"])))
    legal_aid = page(as_user("alice").get(reverse("victims:referral-create", args=[case.uuid, "legal_aid"])))

    assert places.fz_education.name in schooling and places.fz_legal_aid.name not in schooling
    assert places.fz_legal_aid.name in legal_aid and places.fz_education.name not in legal_aid


def test_a_referral_without_consent_is_refused_with_the_reason(as_user, register, places):
    case = register(seed=62)

    response = as_user("alice").post(
        reverse("victims:referral-create", args=[case.uuid, "legal_aid"]), {"to_organization": places.fz_legal_aid.pk}
    )

    assert response.status_code == 200
    assert zh("Record the person's consent for this service first.") in unescape(page(response))
    assert not Referral.objects.exists()


def test_a_referral_is_made_from_the_form(as_user, register, consent, places):
    case = register(seed=63)
    consent(case, Service.LEGAL_AID)

    response = as_user("alice").post(
        reverse("victims:referral-create", args=[case.uuid, "legal_aid"]),
        {"to_organization": places.fz_legal_aid.pk, "reason": "需要法律援助"},
    )

    assert response.status_code == 302
    referral = Referral.objects.get()
    assert (referral.status, referral.to_organization) == (ReferralStatus.PENDING, places.fz_legal_aid)


def test_the_receiver_accepts_a_referral(as_user, register, consent, cast, places):
    case = register(seed=64)
    consent(case, Service.LEGAL_AID)
    referral = refer(case, places.fz_legal_aid, cast=cast)
    tab = main_of(as_user("erin").get(case_url(case, "referrals")))
    assert f'id="accept-{referral.uuid}"' in tab and f'id="decline-{referral.uuid}"' in tab

    response = as_user("erin").post(
        reverse("victims:referral-act", args=[case.uuid, referral.uuid, "accept"]), {"version": referral.version}
    )

    assert response.status_code == 302 and response.url == case_url(case, "referrals")
    referral.refresh_from_db()
    assert (referral.status, referral.responded_by) == (ReferralStatus.ACCEPTED, cast.erin)
    assert f'id="complete-{referral.uuid}"' in main_of(as_user("erin").get(response.url))


def test_only_the_receiver_sees_accept_and_only_the_referring_side_sees_revoke(
    as_user, register, consent, cast, places
):
    case = register(seed=65)
    consent(case, Service.LEGAL_AID)
    referral = refer(case, places.fz_legal_aid, cast=cast)

    alice = main_of(as_user("alice").get(case_url(case, "referrals")))
    erin = main_of(as_user("erin").get(case_url(case, "referrals")))

    assert f'id="revoke-{referral.uuid}"' in alice and f'id="accept-{referral.uuid}"' not in alice
    assert f'id="revoke-{referral.uuid}"' not in erin
    forbidden = as_user("alice").post(
        reverse("victims:referral-act", args=[case.uuid, referral.uuid, "accept"]), {"version": 1}
    )
    assert forbidden.status_code == 403


def test_a_declined_referral_sends_the_receiver_back_to_the_dashboard(as_user, register, consent, cast, places):
    case = register(seed=66)
    consent(case, Service.LEGAL_AID)
    referral = refer(case, places.fz_legal_aid, cast=cast)

    response = as_user("erin").post(
        reverse("victims:referral-act", args=[case.uuid, referral.uuid, "decline"]), {"version": 1, "note": "无"}
    )

    assert response.url == reverse("dashboard")
    assert as_user("erin").get(case_url(case)).status_code == 404


def test_a_stale_referral_answer_changes_nothing(as_user, register, consent, cast, places):
    case = register(seed=67)
    consent(case, Service.LEGAL_AID)
    referral = refer(case, places.fz_legal_aid, cast=cast)
    operations.referral_respond(actor=cast.erin, referral=referral, decision="accept")

    as_user("erin").post(reverse("victims:referral-act", args=[case.uuid, referral.uuid, "decline"]), {"version": 1})

    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED


def test_a_childs_referral_is_hidden_from_bob_until_dave_approves(as_user, register, consent, cast, places):
    case = register(seed=68, age=10)
    consent(case, Service.SCHOOLING, given_by=ConsentGiver.GUARDIAN)
    referral = refer(case, places.fz_education, Service.SCHOOLING, cast=cast)
    assert referral.status == ReferralStatus.AWAITING_APPROVAL

    assert as_user("bob").get(case_url(case)).status_code == 404
    assert case.number not in main_of(as_user("bob").get(reverse("victims:list")))
    assert case.number not in main_of(as_user("bob").get(reverse("dashboard")))
    assert f'id="approve-{referral.uuid}"' not in main_of(as_user("alice").get(case_url(case, "referrals")))
    dave_tab = main_of(as_user("dave").get(case_url(case, "referrals")))
    assert f'id="approve-{referral.uuid}"' in dave_tab

    response = as_user("dave").post(
        reverse("victims:referral-act", args=[case.uuid, referral.uuid, "approve"]),
        {MARKER: "1", "version": referral.version},
    )

    assert response.status_code == 302
    assert as_user("bob").get(case_url(case)).status_code == 200
    assert case.number in main_of(as_user("bob").get(reverse("dashboard")))


def test_bob_may_not_approve_a_childs_referral(as_user, register, consent, cast, places):
    case = register(seed=69, age=25)
    consent(case, Service.SCHOOLING)
    referral = refer(case, places.fz_education, Service.SCHOOLING, cast=cast)

    response = as_user("bob").post(
        reverse("victims:referral-act", args=[case.uuid, referral.uuid, "approve"]), {"version": 1}
    )

    assert response.status_code == 403


# --- civil affairs actions --------------------------------------------------------------------


def test_dave_closes_and_reopens_a_case(as_user, register):
    case = register(seed=71)
    header = page(as_user("dave").get(case_url(case)))
    assert f'href="{reverse("victims:case-close", args=[case.uuid])}"' in header

    as_user("dave").post(reverse("victims:case-close", args=[case.uuid]), {MARKER: "1", "version": 1, **CLOSING})
    case.refresh_from_db()
    assert (case.stage, case.ending) == (Stage.CLOSED, CLOSING["reason"])
    assert reverse("victims:case-act", args=[case.uuid, "reopen"]) in page(as_user("dave").get(case_url(case)))

    as_user("dave").post(
        reverse("victims:case-act", args=[case.uuid, "reopen"]),
        {MARKER: "1", "version": case.version, "comment": "本人再次求助（虚构）"},
    )
    case.refresh_from_db()
    assert case.stage == Stage.REGISTERED


def test_alice_has_no_close_button_and_may_not_close(as_user, register):
    case = register(seed=72)

    assert 'id="case-actions"' not in page(as_user("alice").get(case_url(case)))
    assert as_user("alice").get(reverse("victims:case-close", args=[case.uuid])).status_code == 403
    response = as_user("alice").post(reverse("victims:case-close", args=[case.uuid]), {"version": 1, **CLOSING})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.stage == Stage.REGISTERED


def test_only_civil_affairs_is_told_of_a_possible_duplicate_and_resolves_it(as_user, register, cast, places):
    first = register(actor=cast.carol, seed=73, jurisdiction=places.xiamen)
    second = register(seed=74, id_number=first.victim.id_number, full_name=first.victim.full_name)
    assert second.possible_duplicate
    assert 'id="duplicate-notice"' not in page(as_user("alice").get(case_url(second)))  # she learns nothing
    assert 'id="duplicate-notice"' in page(as_user("dave").get(case_url(second)))
    assert first.number not in page(as_user("dave").get(case_url(second)))  # outside his jurisdiction

    dashboard = main_of(as_user("dave").get(reverse("dashboard")))
    assert second.number in dashboard.split('id="possible-duplicates"')[1]
    as_user("dave").post(
        reverse("victims:case-act", args=[second.uuid, "resolve-duplicate"]), {"version": 1, "same_person": "no"}
    )

    second.refresh_from_db()
    assert not second.possible_duplicate


# --- dashboards -------------------------------------------------------------------------------


def count_in(response, element_id: str) -> int:
    match = re.search(rf'id="{element_id}">(\d+)<', page(response))
    assert match, f"no count {element_id}"
    return int(match.group(1))


def test_caseworker_dashboard_counts_her_open_cases_and_lists_the_recent_ones(as_user, register, cast):
    cases = [register(seed=seed) for seed in range(80, 92)]
    operations.case_close(actor=cast.dave, case=cases[0], expected_version=1, **CLOSING)

    response = as_user("alice").get(reverse("dashboard"))

    assert count_in(response, "open-assigned-count") == 11
    assert count_in(response, "open-total-count") == 11
    recent = page(response).split('id="recent-cases"')[1].split("</table>")[0]
    assert [case.number for case in reversed(cases)][:10] == re.findall(r"FJ-\d+-\d+-\d+", recent)
    assert reverse("victims:register") in page(response)


def test_civil_affairs_dashboard_counts_cases_by_stage_and_lists_approvals(as_user, register, consent, cast, places):
    register(seed=93)
    child = register(seed=94, age=9)
    consent(child, Service.SCHOOLING, given_by=ConsentGiver.GUARDIAN)
    refer(child, places.fz_education, Service.SCHOOLING, cast=cast)

    response = as_user("dave").get(reverse("dashboard"))

    assert count_in(response, "cases-total") == 2
    assert count_in(response, "awaiting-approval-count") == 1
    assert child.number in page(response).split('id="approvals"')[1]
    xavier = as_user("xavier").get(reverse("dashboard"))
    assert count_in(xavier, "cases-total") == 0 and child.number not in page(xavier)


def test_receiving_dashboard_lists_referrals_waiting_and_under_way(as_user, register, consent, cast, places):
    waiting, active = register(seed=95), register(seed=96)
    for case in (waiting, active):
        consent(case, Service.LEGAL_AID)
    refer(waiting, places.fz_legal_aid, cast=cast)
    operations.referral_respond(actor=cast.erin, referral=refer(active, places.fz_legal_aid, cast=cast),
                                decision="accept")  # fmt: skip

    response = as_user("erin").get(reverse("dashboard"))

    assert count_in(response, "pending-count") == 1 and count_in(response, "active-count") == 1
    assert waiting.number in page(response).split('id="pending-referrals"')[1].split("</table>")[0]
    assert active.number in page(response).split('id="active-referrals"')[1]
    assert count_in(as_user("frank").get(reverse("dashboard")), "pending-count") == 0


# --- the pages as a whole ---------------------------------------------------------------------


def test_case_pages_carry_no_inline_script_or_style_and_every_form_has_csrf(as_user, legal_aid_case, cast):
    client = as_user("alice")
    rescue = Rescue.objects.get(case=legal_aid_case)
    urls = [
        reverse("victims:list"),
        reverse("victims:register"),
        reverse("dashboard"),
        reverse("victims:victim-edit", args=[legal_aid_case.uuid, "identity"]),
        reverse("victims:record-edit", args=[legal_aid_case.uuid, "rescue", rescue.uuid]),
        reverse("victims:referral-create", args=[legal_aid_case.uuid, "schooling"]),
        *[case_url(legal_aid_case, section.value) for section in casefile.shown_sections(cast.alice)],
        case_url(legal_aid_case, "timeline"),
    ]
    for url in urls:
        body = page(client.get(url))
        # Scripts only from static files (the attachments' upload and preview), none inline.
        assert not re.search(r"<script(?![^>]*\bsrc=\"/static/)", body), url
        assert " style=" not in body and "<style" not in body, url
        for form in re.findall(r'<form[^>]*method="post"[^>]*>(.*?)</form>', body, re.DOTALL):
            assert 'name="csrfmiddlewaretoken"' in form, url


def test_every_case_page_speaks_english_after_the_switch(as_user, legal_aid_case):
    client = as_user("alice")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    body = page(client.get(case_url(legal_aid_case)))

    assert '<html lang="en">' in body
    assert "Timeline" in body and "Identity" in body


def test_posted_values_are_hidden_from_error_reports(rf, cast, register):
    from django.views.debug import SafeExceptionReporterFilter

    from victims.views import case_list

    case = register(seed=97)
    request = rf.post(reverse("victims:list"), {"id_number": case.victim.id_number})
    request.user = cast.alice
    case_list(request)

    cleansed = SafeExceptionReporterFilter().get_post_parameters(request)
    assert case.victim.id_number not in str(dict(cleansed))


def test_civil_affairs_is_led_to_the_earlier_case_only_when_it_is_in_his_jurisdiction(client, register, cast, places):
    first = register(seed=98)
    second = register(actor=cast.carol, seed=99, jurisdiction=places.xiamen, id_number=first.victim.id_number,
                      full_name=first.victim.full_name)  # fmt: skip
    provincial = UserFactory(username="paula", role=Role.CIVIL_AFFAIRS, organization=places.fz_civil_affairs,
                             jurisdiction=places.province)  # fmt: skip

    client.force_login(cast.xavier)  # Xiamen: Fuzhou's case is not his to see
    notice = page(client.get(case_url(second)))
    client.force_login(provincial)
    linked = page(client.get(case_url(second)))

    assert 'id="duplicate-notice"' in notice and first.number not in notice
    assert reverse("victims:case", args=[first.uuid]) in linked and first.number in linked


@pytest.mark.django_db
def test_edit_forms_that_show_a_section_record_the_read_in_the_audit_log(register, cast, client):
    from registry.models import AuditAction, AuditEvent
    from victims.models import Rescue

    case = register(seed=70)
    rescue = Rescue.objects.get(case=case)
    client.force_login(cast.alice)
    pages = {
        "identity": reverse("victims:victim-edit", kwargs={"case_id": case.uuid, "section": "identity"}),
        "rescue": reverse(
            "victims:record-edit", kwargs={"case_id": case.uuid, "kind": "rescue", "record_id": rescue.uuid}
        ),
    }
    for section, url in pages.items():
        before = AuditEvent.objects.filter(action=AuditAction.CASE_VIEWED, case_uuid=case.uuid).count()
        assert client.get(url).status_code == 200
        viewed = AuditEvent.objects.filter(action=AuditAction.CASE_VIEWED, case_uuid=case.uuid).order_by("id")
        assert viewed.count() == before + 1 and viewed.last().sections == [section]
