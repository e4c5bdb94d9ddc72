"""The reports pages: who opens them, what they show (suppressed cells as "<k", never their
number), the drill-down, the scorecard, bad input, the audit trail, and the dashboards' links."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from registry.models import AuditEvent
from reports.catalogue import CATALOGUE, Department
from tests.reports import pages_data
from tests.reports.pages_data import YEAR, assert_nothing_personal, table_rows

world = pages_data.world  # the fixture

ALL = "all"
# Who reads which department's indicators, written apart from reports.access (DESIGN §3).
READS = {
    "alice": None,
    "carol": None,
    "heidi": None,
    "grace": ALL,
    "dave": ALL,
    "xavier": ALL,
    "bob": Department.EDUCATION,
    "erin": Department.LEGAL_AID,
    "frank": Department.LABOUR,
}
JOINT = "cases_registered"
EDUCATION = "school_enrolled_within_30_days"


def _pages(key: str) -> list[str]:
    query = f"?period={YEAR}"
    return [
        reverse("reports:indicator", kwargs={"key": key}) + query,
        reverse("reports:table-file", kwargs={"key": key, "fmt": "csv"}) + query,
        reverse("reports:table-file", kwargs={"key": key, "fmt": "xlsx"}) + query,
    ]


def _client(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("member", sorted(READS))
def test_each_role_opens_the_pages_its_policy_grants(member, client, cast, places):
    user = getattr(cast, member)
    reads = READS[member]
    _client(client, user)
    for url in (reverse("reports:index"), reverse("reports:scorecard")):
        assert client.get(url).status_code == (403 if reads is None else 200), (member, url)
    for key in (JOINT, EDUCATION):
        department = CATALOGUE[key].department
        allowed = reads == ALL or reads == department
        expected = 200 if allowed else 403
        for url in _pages(key):
            assert client.get(url).status_code == expected, (member, url)


def test_caseworker_and_sysadmin_get_the_refusal_page_and_it_is_audited(client, cast):
    for user in (cast.alice, cast.heidi):
        _client(client, user)
        response = client.get(reverse("reports:indicator", kwargs={"key": JOINT}))
        assert response.status_code == 403
        assert AuditEvent.objects.filter(action="access_denied", actor_username=user.username).exists()
    assert not AuditEvent.objects.filter(action="report_viewed").exists()


def test_anonymous_is_sent_to_sign_in(client, places):
    response = client.get(reverse("reports:scorecard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("member", "code"),
    [("dave", "3502"), ("dave", "35"), ("xavier", "350102"), ("bob", "35"), ("dave", "3599"), ("grace", "360102")],
)
def test_a_jurisdiction_outside_the_readers_is_not_found(member, code, client, cast, places):
    _client(client, getattr(cast, member))
    key = EDUCATION if member == "bob" else JOINT
    for url in (
        reverse("reports:indicator", kwargs={"key": key}),
        reverse("reports:table-file", kwargs={"key": key, "fmt": "csv"}),
        reverse("reports:scorecard"),
        reverse("reports:evaluation-pdf"),
    ):
        response = client.get(url, {"jurisdiction": code, "period": YEAR})
        assert response.status_code == 404, (member, code, url)
    assert not AuditEvent.objects.filter(action="report_viewed").exists()


def test_an_unknown_indicator_or_file_type_is_not_found(client, cast, places):
    _client(client, cast.grace)
    assert client.get(reverse("reports:indicator", kwargs={"key": "no-such-indicator"})).status_code == 404
    url = reverse("reports:table-file", kwargs={"key": JOINT, "fmt": "exe"})
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"period": "2026-13"}, "period"),
        ({"period": "2026-01-01"}, "period"),
        ({"period": "last week"}, "period"),
        ({"by": "name"}, "by"),
        ({"by": "jurisdiction", "also_by": "id_number"}, "also_by"),
        ({"jurisdiction": "35x"}, "jurisdiction"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_records_no_view(query, field, client, cast, places):
    _client(client, cast.grace)
    response = client.get(reverse("reports:indicator", kwargs={"key": JOINT}), query)
    assert response.status_code == 400
    assert f'id="error-{field}"' in response.content.decode()
    assert not AuditEvent.objects.filter(action="report_viewed").exists()


def test_province_by_city_shows_the_counts_and_links_each_city(client, cast, world):
    _client(client, cast.grace)
    response = client.get(reverse("reports:indicator", kwargs={"key": JOINT}), {"period": YEAR})
    assert response.status_code == 200
    html = response.content.decode()
    rows = table_rows(html, "report-table")
    assert len(rows[0]) == 2  # the division and the count
    body = {row[0]: row[1] for row in rows[1:]}
    assert body["福州市"] == "7"
    assert body["厦门市"] == "7"
    assert rows[-1][-1] == "14"
    drill = reverse("reports:indicator", kwargs={"key": JOINT}) + f"?period={YEAR}&amp;jurisdiction=3501"
    assert drill in html


def test_suppressed_cells_show_k_and_never_their_number(client, cast, world):
    _client(client, cast.dave)
    response = client.get(reverse("reports:indicator", kwargs={"key": JOINT}), {"period": YEAR, "jurisdiction": "3501"})
    html = response.content.decode()
    rows = {row[0]: row[1:] for row in table_rows(html, "report-table")[1:]}
    # Taijiang's 1 is small; Gulou's 6 is hidden with it, or 7 − 6 would give the 1 away.
    assert rows["台江区"] == ["<5"]
    assert rows["鼓楼区"] == ["<5"]
    assert table_rows(html, "report-table")[-1][-1] == "7"  # the total is shown: 7 is not small
    chart = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert ">6<" not in chart and ">1<" not in chart
    assert chart.count("<rect") == 0  # no bar for a hidden cell, and every other county is zero
    assert "&lt;5" in chart
    assert 'id="suppression-rule"' in html


def test_the_drill_down_reaches_a_county(client, cast, world):
    _client(client, cast.grace)
    url = reverse("reports:indicator", kwargs={"key": JOINT})
    html = client.get(url, {"period": YEAR, "jurisdiction": "3502"}).content.decode()
    assert "jurisdiction=350203" in html
    response = client.get(url, {"period": YEAR, "jurisdiction": "350203"})
    assert response.status_code == 200
    html = response.content.decode()
    trail = re.search(r'<nav class="breadcrumbs"[^>]*id="jurisdiction-trail">(.*?)</nav>', html, re.S).group(1)
    assert ["福建省", "厦门市", "思明区"] == re.findall(r">([^<>]+)</(?:a|span)>", trail)
    assert table_rows(html, "report-table")[-1][-1] == "7"


def test_breakdown_by_two_dimensions(client, cast, world):
    _client(client, cast.grace)
    response = client.get(
        reverse("reports:indicator", kwargs={"key": JOINT}), {"period": YEAR, "by": "jurisdiction", "also_by": "sex"}
    )
    assert response.status_code == 200
    rows = table_rows(response.content.decode(), "report-table")
    assert len(rows[0]) == 3
    assert ["福州市", "女", "7"] in rows


def test_every_page_and_file_is_audited_with_its_coordinates(client, cast, world):
    _client(client, cast.grace)
    client.get(reverse("reports:indicator", kwargs={"key": JOINT}), {"period": f"{YEAR}-Q4", "jurisdiction": "3501"})
    client.get(reverse("reports:table-file", kwargs={"key": JOINT, "fmt": "xlsx"}), {"period": YEAR, "by": "sex"})
    client.get(reverse("reports:scorecard"), {"period": YEAR})
    events = list(AuditEvent.objects.filter(action="report_viewed").order_by("id"))
    assert [event.detail["format"] for event in events] == ["html", "xlsx", "html"]
    assert events[0].detail["indicators"] == [JOINT]
    assert events[0].detail["period"] == f"{YEAR}-Q4"
    assert events[0].detail["jurisdiction"] == "3501"
    assert events[1].detail["by"] == ["sex"]
    assert set(events[2].detail["indicators"]) == {key for key, ind in CATALOGUE.items() if ind.targets}


def test_no_page_holds_a_name_an_id_number_or_a_case_number(client, cast, world):
    _client(client, cast.grace)
    urls = [reverse("reports:index"), reverse("reports:scorecard") + "?jurisdiction=3501"]
    for key in CATALOGUE:
        urls.append(reverse("reports:indicator", kwargs={"key": key}) + "?by=jurisdiction&also_by=age_band")
    for url in urls:
        response = client.get(url, {"period": YEAR})
        assert response.status_code == 200, url
        assert_nothing_personal(response.content.decode(), world)


def test_a_department_sees_only_its_indicators_in_the_catalogue(client, cast, places):
    _client(client, cast.bob)
    html = client.get(reverse("reports:index")).content.decode()
    listed = set(re.findall(r'id="indicator-([a-z0-9_]+)"', html))
    assert listed == {key for key, ind in CATALOGUE.items() if ind.department == Department.EDUCATION}


def test_the_chart_is_accessible_and_needs_no_script(client, cast, world):
    _client(client, cast.grace)
    response = client.get(reverse("reports:indicator", kwargs={"key": JOINT}), {"period": YEAR})
    html = response.content.decode()
    svg = re.search(r"<svg[^>]*>", html).group(0)
    assert 'role="img"' in svg
    assert 'aria-labelledby="chart-cases_registered-title chart-cases_registered-desc"' in svg
    assert '<title id="chart-cases_registered-title">' in html
    assert '<desc id="chart-cases_registered-desc">' in html
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/registry/idle.js" defer>']  # site-wide only
    assert " style=" not in html and "<style" not in html
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_the_scorecard_drills_down_and_its_legend_does_not_rely_on_colour(client, cast, world):
    _client(client, cast.grace)
    html = client.get(reverse("reports:scorecard"), {"period": YEAR}).content.decode()
    assert 'id="line-3501"' in html and 'id="line-3502"' in html and 'id="line-35"' in html
    legend = re.search(r'<ul class="legend".*?</ul>', html, re.S).group(0)
    for word in ("已达标", "未达标"):
        assert word in legend
    assert "✓" in legend and "✗" in legend
    assert "jurisdiction=3501" in html
    html = client.get(reverse("reports:scorecard"), {"period": YEAR, "jurisdiction": "3501"}).content.decode()
    assert 'id="line-350102"' in html and 'id="line-350103"' in html
    html = client.get(reverse("reports:scorecard"), {"period": YEAR, "jurisdiction": "350102"}).content.decode()
    assert 'id="line-350102"' in html


@pytest.mark.parametrize(("member", "shown"), [("grace", True), ("dave", True), ("bob", True), ("alice", False)])
def test_dashboards_of_readers_link_the_reports(member, shown, client, cast, places):
    _client(client, getattr(cast, member))
    html = client.get(reverse("dashboard")).content.decode()
    assert ('id="reports-link"' in html) is shown
    assert (reverse("reports:scorecard") in html) is shown
