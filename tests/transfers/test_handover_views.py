"""The hand-over's pages: the button under the case header, the form (a province or a
repatriation, its refusals on their fields, a stale form), who may open it, the transferred
case's header, the tab's readable record with the earlier free-text note, and the package page
behind the password step-up."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from exports.models import ArchiveRecord
from registry.history import recorded_change
from tests.factories import TEST_PASSWORD
from tests.transfers.test_handover_operations import case, hand_over  # noqa: F401 (the fixture)
from tests.victims.conftest import TODAY
from tests.victims.test_api_matrix import referred_case
from transfers.handover.operations import PACKAGE_REASON
from transfers.models import HandOver
from victims.choices import Stage
from victims.models import Case

pytestmark = pytest.mark.django_db
EARLIER_NOTE = "2019年经省厅协调送回原籍（虚构）"


@pytest.fixture(autouse=True)
def archive_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "archive": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }


def said(message: str) -> str:
    """``message`` as the Chinese pages print it."""
    with translation.override("zh-hans"):
        return gettext(message)


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def case_page(client, shown, tab="") -> str:
    return page(client.get(reverse("victims:case", args=[shown.uuid]) + (f"?tab={tab}" if tab else "")))


def form_url(handed) -> str:
    return reverse("transfers:handover-new", args=[handed.uuid])


def to_yunnan(handed, **overrides) -> dict:
    values = {
        "version": handed.version, "destination": "province", "province_code": "53", "country": "",
        "receiving_agency": "云南省民政厅", "contact_office": "社会救助处", "handed_over_on": TODAY.isoformat(),
        "legal_basis": "native_place", "consent": "person", "sections": ["person", "identity", "health"],
    }  # fmt: skip
    values.update(overrides)
    return values


def test_only_civil_affairs_is_offered_the_hand_over_on_an_open_case(client, case, cast):  # noqa: F811
    for user, offered in ((cast.dave, True), (cast.alice, False)):
        client.force_login(user)
        assert ('id="handover-start"' in case_page(client, case)) is offered, user
    hand_over(case, cast.dave)
    client.force_login(cast.dave)
    assert 'id="handover-start"' not in case_page(client, Case.objects.get(pk=case.pk))


def test_the_form_offers_the_provinces_but_the_cases_own_and_the_countries_but_china(client, case, cast):  # noqa: F811
    client.force_login(cast.dave)
    form = page(client.get(form_url(case)))
    assert '<option value="53">53 云南省</option>' in form
    assert '<option value="35">' not in form  # Fujian, the case's own province
    assert 'value="VN"' in form and 'value="CN"' not in form
    assert form.index('value="VN"') < form.index('value="AF"')  # the neighbours first
    for ticked in ("person", "identity", "health", "return_home"):
        assert re.search(rf'value="{ticked}" id="id_sections_\d+" checked', form), ticked
    assert f'name="version" value="{case.version}"' in form
    assert 'src="/static/transfers/handover.js"' in form and "<script>" not in form and "style=" not in form


def test_a_valid_hand_over_transfers_the_case_and_returns_to_it(client, case, cast):  # noqa: F811
    client.force_login(cast.dave)
    response = client.post(form_url(case), to_yunnan(case, country="VN", embassy_contact="ignored"))
    assert response.status_code == 302 and response.url == reverse("victims:case", args=[case.uuid])
    handover = HandOver.objects.get()
    assert (handover.province_code, handover.country, handover.embassy_contact) == ("53", "", "")  # the radio decides
    assert set(handover.sections) == {"person", "identity", "health"}
    assert Case.objects.get(pk=case.pk).stage == Stage.TRANSFERRED
    assert said("The case is handed over.") in case_page(client, case)


def test_a_repatriation_records_the_country_and_its_references(client, case, cast):  # noqa: F811
    client.force_login(cast.dave)
    body = to_yunnan(
        case, destination="country", province_code="35", country="VN", embassy_contact="越南驻广州总领事馆",
        travel_document="TD-0001", legal_basis="repatriation",
    )  # fmt: skip
    assert client.post(form_url(case), body).status_code == 302
    handover = HandOver.objects.get()
    assert (handover.province_code, handover.country, handover.travel_document) == ("", "VN", "TD-0001")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"province_code": ""}, "province_code"),
        ({"destination": "country", "country": "VN"}, "embassy_contact"),
        ({"consent": "not_obtainable"}, "consent_note"),
        ({"receiving_agency": ""}, "receiving_agency"),
        ({"handed_over_on": "2001-01-01"}, "handed_over_on"),
    ],
)
def test_a_refused_hand_over_says_why_on_the_field_and_changes_nothing(client, case, cast, overrides, field):  # noqa: F811
    client.force_login(cast.dave)
    response = client.post(form_url(case), to_yunnan(case, **overrides))
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not HandOver.objects.exists() and Case.objects.get(pk=case.pk).stage != Stage.TRANSFERRED


def test_a_stale_form_is_refused_with_a_message(client, case, cast):  # noqa: F811
    client.force_login(cast.dave)
    response = client.post(form_url(case), to_yunnan(case, version=case.version + 1))
    assert response.status_code == 400
    content = response.content.decode()
    assert 'id="form-errors"' in content and 'id="reload"' in content
    assert not HandOver.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("alice", 403), ("bob", 403), ("xavier", 404), ("grace", 404)])
def test_who_may_not_hand_over_is_refused_the_form(client, places, cast, who, status):
    referred = referred_case(places, cast)  # bob's organization serves the person: he sees the case
    client.force_login(getattr(cast, who))
    assert client.get(form_url(referred)).status_code == status
    assert client.post(form_url(referred), to_yunnan(referred)).status_code == status
    assert not HandOver.objects.exists()


def test_the_transferred_cases_header_and_tab_read_the_hand_over(client, case, cast):  # noqa: F811
    with recorded_change(actor=None, reason="test: a note from before hand-overs were recorded"):
        case.transfer_note = EARLIER_NOTE
        case.save(update_fields=["transfer_note"])
    handover = hand_over(Case.objects.get(pk=case.pk), cast.dave)
    package_url = reverse("transfers:handover-package", args=[handover.uuid])
    client.force_login(cast.dave)
    header = case_page(client, case)
    done = said("Handed over: %(destination)s %(agency)s, %(date)s") % {
        "destination": "53 云南省",
        "agency": "云南省民政厅",
        "date": TODAY.isoformat(),
    }
    assert done in header and package_url in header
    tab = case_page(client, case, "transfers").split('id="tab-transfers"')[1]
    assert "53 云南省" in tab and "本人同意" in tab and "身份信息" in tab
    assert said("Earlier hand-over note (free text)") in tab and EARLIER_NOTE in tab
    assert "使领馆" not in tab and str(cast.dave.uuid) not in tab  # another destination's fields; names, not ids
    client.force_login(cast.alice)
    header = case_page(client, case)
    assert done in header and package_url not in header


def test_the_package_page_generates_after_the_password_and_leads_to_the_dossiers(client, case, cast):  # noqa: F811
    handover = hand_over(case, cast.dave, sections=["identity"])
    url = reverse("transfers:handover-package", args=[handover.uuid])
    client.force_login(cast.alice)
    assert client.post(url).status_code == 403
    client.force_login(cast.xavier)
    assert client.get(url).status_code == 404
    client.force_login(cast.dave)
    assert 'id="package-form"' in page(client.get(url))
    step_up = client.post(url)
    assert step_up.status_code == 302 and step_up.url.startswith(reverse("confirm-identity"))
    assert not ArchiveRecord.objects.exists()
    assert client.post(reverse("confirm-identity"), {"password": TEST_PASSWORD, "next": url}).url == url
    response = client.post(url)
    assert response.status_code == 302 and response.url == reverse("exports:case-dossiers", args=[case.uuid])
    record = ArchiveRecord.objects.get()
    assert record.sections == ["person", "identity"]
    assert ArchiveRecord.history.get(id=record.pk).history_change_reason == PACKAGE_REASON
    assert record.archive_number in page(client.get(response.url))
