"""The case list as a working list (issue 18, item 3): each filter narrows the reader's scope
and never widens it, the sort orders, the numbered pages, the filters kept in the session,
bad values shown on their field, and the dashboard panels' links landing on the same cases."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from registry.choices import Department, OrganizationKind, Role
from registry.models import AuditEvent
from services import operations as services
from tests.factories import JurisdictionFactory, OrganizationFactory, UserFactory
from tests.helpers import zh
from tests.services.conftest import TODAY, days_ago, plan_data
from tests.victims.conftest import CLOSING, RESCUE, person
from victims import filters, operations
from victims.choices import AgeBand, DocumentType, Sex, Stage
from victims.views.cases import LIST_STATE

pytestmark = pytest.mark.django_db

LIST = reverse("victims:list")


@pytest.fixture
def make_case(places, cast):
    """``make_case(age=30, actor=alice, jurisdiction=Gulou, **victim_fields)``: a new person each call."""
    seeds = iter(range(100, 200))

    def make(*, age=30, actor=None, jurisdiction=None, **overrides):
        return operations.case_register(
            actor=actor or cast.alice,
            victim=person(next(seeds), age=age, **overrides),
            jurisdiction=jurisdiction or places.gulou,
            rescue=dict(RESCUE, rescued_on=days_ago(100)),
        )

    return make


def returned(case, cast):
    """A local resettlement of ``case`` approved and completed today (its visits scheduled)."""
    created = services.return_plan_create(actor=cast.alice, case=case, data=plan_data())
    approved = services.return_plan_approve(actor=cast.dave, plan=created, expected_version=created.version)
    services.return_plan_complete(
        actor=cast.alice, plan=approved, expected_version=approved.version, handover_on=TODAY,
        receiving_party="鼓楼区某社区居委会",
    )  # fmt: skip


def numbers(response) -> list[str]:
    """The case numbers in the list's table, in order."""
    html = response.content.decode()
    if 'id="cases"' not in html:
        return []
    table = html.split('id="cases"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<a href="/[^"]*cases/[^"]+/">([^<]+)</a>', table)


def total(response) -> int:
    heading = unescape(response.content.decode().split('id="results-title">', 1)[1].split("</h2>", 1)[0])
    return int(re.search(r"\d+", heading).group())


@pytest.fixture
def lists(client, cast):
    """``lists("dave", **params)``: the list page as that member, GET with ``params``."""

    def show(member, **params):
        client.force_login(getattr(cast, member))
        return client.get(LIST, params)

    return show


@pytest.fixture
def xiamen_case(places, cast, make_case):
    return make_case(actor=cast.carol, jurisdiction=places.xiamen)


def test_the_stage_filter_narrows_and_never_shows_a_case_outside_scope(lists, cast, make_case, xiamen_case):
    open_case, closed = make_case(), make_case()
    operations.case_close(actor=cast.dave, case=closed, expected_version=closed.version, **CLOSING)

    assert numbers(lists("dave", stage=Stage.CLOSED)) == [closed.number]
    assert numbers(lists("dave", stage=Stage.REGISTERED)) == [open_case.number]
    assert xiamen_case.number not in numbers(lists("dave", stage=Stage.REGISTERED))
    assert numbers(lists("xavier", stage=Stage.REGISTERED)) == [xiamen_case.number]


def test_the_jurisdiction_filter_offers_the_readers_divisions_only(lists, places, make_case, xiamen_case):
    taijiang = JurisdictionFactory(code="350103", name="台江区", parent=places.fuzhou)
    gulou_case, taijiang_case = make_case(), make_case(jurisdiction=taijiang)

    assert numbers(lists("dave", jurisdiction="350103")) == [taijiang_case.number]
    assert set(numbers(lists("dave", jurisdiction="3501"))) == {gulou_case.number, taijiang_case.number}
    refused = lists("dave", jurisdiction="3502")  # Xiamen: outside Dave's reach, like an unknown code
    assert refused.status_code == 200 and numbers(refused) == []
    assert 'id="field-jurisdiction"' in refused.content.decode() and "field--error" in refused.content.decode()


def test_the_organization_and_caseworker_filters(lists, cast, places, make_case, xiamen_case):
    other_shelter = OrganizationFactory(
        name="福州市儿童福利院", department=Department.CIVIL_AFFAIRS, kind=OrganizationKind.SHELTER,
        jurisdiction=places.fuzhou,
    )  # fmt: skip
    olga = UserFactory(username="olga", role=Role.CASEWORKER, organization=other_shelter, jurisdiction=places.fuzhou)
    mine, hers = make_case(), make_case(actor=olga)  # each assigned to who registered it

    assert numbers(lists("dave", organization=str(other_shelter.uuid))) == [hers.number]
    assert numbers(lists("dave", caseworker=str(cast.alice.uuid))) == [mine.number]
    for field, value in (("organization", str(places.xm_shelter.uuid)), ("caseworker", str(cast.carol.uuid))):
        refused = lists("dave", **{field: value})
        assert numbers(refused) == [] and f'id="field-{field}"' in refused.content.decode()
    # A role that does not manage assignments is not offered the caseworker filter.
    assert 'name="caseworker"' not in lists("bob").content.decode()


def test_the_person_filters_age_band_sex_and_nationality(lists, make_case):
    woman, child = make_case(age=30), make_case(age=10)
    man = make_case(sex=Sex.MALE, document_type=DocumentType.NONE, id_number=None)
    foreigner = make_case(nationality="VN", document_type=DocumentType.NONE, id_number=None)

    assert numbers(lists("dave", age_band=AgeBand.AGE_6_13)) == [child.number]
    assert numbers(lists("dave", sex=Sex.MALE)) == [man.number]
    assert numbers(lists("dave", nationality="VN")) == [foreigner.number]
    assert woman.number in numbers(lists("dave", sex=Sex.FEMALE))
    refused = lists("dave", sex="x", age_band="99")
    assert numbers(refused) == [] and refused.status_code == 200
    assert 'id="field-sex"' in refused.content.decode() and 'id="field-age_band"' in refused.content.decode()


def test_each_role_is_offered_the_filters_of_the_sections_it_reads(lists, make_case):
    make_case()
    html = lists("bob").content.decode()  # education: no identity, follow-ups or assignments
    assert 'name="sex"' in html and 'name="age_band"' in html and 'name="not_enrolled"' in html
    for withheld in ("nationality", "overdue", "caseworker", "duplicate"):
        assert f'name="{withheld}"' not in html
    refused = lists("bob", overdue="1")  # refused, never silently dropped
    assert refused.status_code == 200 and 'id="cases"' not in refused.content.decode()
    assert zh("Your role may not filter the list this way.") in unescape(refused.content.decode())
    unsortable = lists("dave", sort="id_number")
    assert zh("The list cannot be sorted by this column.") in unescape(unsortable.content.decode())


def test_the_overdue_filter_matches_the_dashboard_panel(lists, client, cast, make_case):
    late, on_time = make_case(), make_case()
    for case in (late, on_time):
        returned(case, cast)
    services.visit_schedule(actor=cast.alice, case=late, due_on=days_ago(10))

    listed = lists("alice", overdue="1")
    assert numbers(listed) == [late.number]
    dashboard = unescape(client.get(reverse("dashboard")).content.decode())
    link = re.search(r'href="([^"]+)" id="overdue-list-link"', dashboard).group(1)
    assert "overdue=1" in link
    assert total(client.get(link)) == int(re.search(r'id="overdue-count">(\d+)<', dashboard).group(1)) == 1


def test_the_not_enrolled_filter_matches_the_dashboard_panel(lists, client, cast, places, make_case):
    waiting, recent = make_case(age=10), make_case(age=9)
    for case, days in ((waiting, 40), (recent, 5)):
        services.placement_admit(actor=cast.alice, case=case, shelter=places.fz_shelter, admitted_on=days_ago(days))

    assert numbers(lists("dave", not_enrolled="1")) == [waiting.number]
    dashboard = unescape(client.get(reverse("dashboard")).content.decode())
    link = re.search(r'href="([^"]+)" id="not-enrolled-list-link"', dashboard).group(1)
    assert total(client.get(link)) == 1


def test_the_opened_between_filter_and_its_bad_values(lists, make_case):
    case = make_case()
    today = case.opened_on.isoformat()

    assert numbers(lists("dave", opened_from=today, opened_to=today)) == [case.number]
    assert numbers(lists("dave", opened_from="2000-01-01", opened_to="2000-12-31")) == []
    for params in ({"opened_from": "2026-13-45"}, {"opened_from": today, "opened_to": "2000-01-01"}):
        refused = lists("dave", **params)
        assert refused.status_code == 200 and 'id="cases"' not in refused.content.decode()
        assert "field--error" in refused.content.decode()


def test_each_column_sorts_both_ways(lists, make_case):
    cases = [make_case(age=age) for age in (30, 10, 40)]
    by_number = sorted(case.number for case in cases)

    assert numbers(lists("dave", sort="number")) == by_number
    assert numbers(lists("dave", sort="-number")) == by_number[::-1]
    assert numbers(lists("dave", clear="1")) == [case.number for case in reversed(cases)]  # newest first
    names = sorted(cases, key=lambda case: filters.by_name_key(case.victim.full_name))
    assert numbers(lists("dave", sort="name")) == [case.number for case in names]
    assert numbers(lists("dave", sort="-name")) == [case.number for case in reversed(names)]
    for key in ("sex", "stage", "jurisdiction", "opened_on"):
        assert sorted(numbers(lists("dave", sort=key))) == by_number
        assert sorted(numbers(lists("dave", sort=f"-{key}"))) == by_number
    html = lists("dave", sort="number").content.decode()
    assert 'aria-sort="ascending"' in html and 'id="sort-number" href="?sort=-number"' in html


def test_pages_are_numbered_with_the_total(lists, make_case, monkeypatch):
    monkeypatch.setattr("victims.views.cases.PAGE_SIZE", 2)
    cases = [make_case() for _ in range(5)]

    first = lists("dave")
    assert total(first) == 5 and len(numbers(first)) == 2
    html = lists("dave", page="2").content.decode()
    pager = html.split('class="pager"', 1)[1].split("</nav>", 1)[0]
    assert 'href="?page=2" aria-current="page">2</a>' in pager and 'href="?page=3">3</a>' in pager
    assert numbers(lists("dave", page="3")) == [cases[0].number]


def test_the_filters_are_kept_in_the_session_and_cleared_on_request(lists, client, cast, make_case):
    closed, _open = make_case(), make_case()
    operations.case_close(actor=cast.dave, case=closed, expected_version=closed.version, **CLOSING)
    lists("dave", stage=Stage.CLOSED, sort="-number")

    back = client.get(LIST)  # back from a case, no parameters
    assert back.status_code == 302 and back["Location"] == f"{LIST}?stage=closed&sort=-number"
    assert numbers(client.get(back["Location"])) == [closed.number]
    assert len(numbers(client.get(LIST, {"clear": "1"}))) == 2
    assert client.get(LIST).status_code == 200  # nothing left to restore


def test_a_saved_filter_that_no_longer_holds_is_forgotten_not_a_trap(lists, client, places):
    lists("dave", stage=Stage.REGISTERED)
    session = client.session
    session[LIST_STATE] = f"organization={places.xm_shelter.uuid}"  # e.g. no longer within reach
    session.save()

    refused = client.get(client.get(LIST)["Location"])

    assert refused.status_code == 200 and 'id="cases"' not in refused.content.decode()
    assert client.get(LIST).status_code == 200  # the next visit opens the list, unfiltered


def test_a_listing_is_audited_with_its_filters(lists, make_case):
    make_case()
    lists("dave", stage=Stage.REGISTERED, sort="name")
    event = AuditEvent.objects.filter(action="case_listed").latest("id")
    assert event.detail["filters"] == {"stage": "registered"} and event.detail["sort"] == "name"


def test_a_dashboard_panel_says_how_many_in_all_and_links_to_the_same_list(client, cast, make_case, monkeypatch):
    monkeypatch.setattr("victims.views.dashboard.RECENT_CASES", 2)
    for _n in range(3):
        make_case()
    client.force_login(cast.alice)

    dashboard = unescape(client.get(reverse("dashboard")).content.decode())

    assert re.search(r'id="recent-shown">\s*共 3 个，显示前 2 个', dashboard)
    link = re.search(r'href="([^"]+)" id="all-cases"', dashboard).group(1)
    assert total(client.get(link)) == 3
