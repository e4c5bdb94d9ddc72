"""Loading GB/T 2260 divisions from python-stdnum's table (registry.jurisdictions)."""

import pytest

from registry.choices import JurisdictionLevel
from registry.jurisdictions import load_province, parse_names, province_divisions
from registry.models import Jurisdiction
from tests.factories import JurisdictionFactory


@pytest.fixture
def fujian(db):
    load_province("35")
    return {row.code: row for row in Jurisdiction.objects.select_related("parent")}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("福州市", ("福州市", True)),
        ("[1983-]鼓楼区", ("鼓楼区", True)),
        ("[1983-1994]郊区,[1995-]晋安区", ("晋安区", True)),
        ("[1994-2017]长乐市", ("长乐市", False)),
        ("[-1987]建阳地区,[1988-1993]南平地区", ("南平地区", False)),
    ],
)
def test_latest_name_and_currency_come_from_the_last_year_span(value, expected):
    assert parse_names(value) == expected


def test_a_name_value_that_does_not_parse_is_an_error_not_a_guess():
    with pytest.raises(ValueError):
        parse_names("[1983-]鼓楼区,晋安区")


def test_province_city_and_county_have_their_names_levels_and_parents(fujian):
    province, fuzhou, gulou, xiamen = fujian["35"], fujian["3501"], fujian["350102"], fujian["3502"]
    assert (province.name, province.level, province.parent) == ("福建省", JurisdictionLevel.PROVINCE, None)
    assert (fuzhou.name, fuzhou.level, fuzhou.parent) == ("福州市", JurisdictionLevel.CITY, province)
    assert (gulou.name, gulou.level, gulou.parent) == ("鼓楼区", JurisdictionLevel.COUNTY, fuzhou)
    assert (xiamen.name, xiamen.level, xiamen.parent) == ("厦门市", JurisdictionLevel.CITY, province)
    assert all(row.is_current for row in (province, fuzhou, gulou, xiamen))


def test_every_prefecture_level_city_of_the_province_is_loaded_and_current(fujian):
    current_cities = {code: row.name for code, row in fujian.items() if row.level == "city" and row.is_current}
    assert current_cities == {
        "3501": "福州市",
        "3502": "厦门市",
        "3503": "莆田市",
        "3504": "三明市",
        "3505": "泉州市",
        "3506": "漳州市",
        "3507": "南平市",
        "3508": "龙岩市",
        "3509": "宁德市",
    }


def test_abolished_divisions_are_kept_but_not_current(fujian):
    changle_city = fujian["350182"]
    assert (changle_city.name, changle_city.is_current, changle_city.parent.code) == ("长乐市", False, "3501")
    assert (fujian["350112"].name, fujian["350112"].is_current) == ("长乐区", True)
    # A former prefecture (地区) whose counties old ID numbers still name.
    assert (fujian["3521"].name, fujian["3521"].is_current, fujian["3521"].parent.code) == ("南平地区", False, "35")
    assert fujian["352121"].parent == fujian["3521"]


def test_a_renamed_division_carries_its_current_name(fujian):
    assert (fujian["350111"].name, fujian["350111"].is_current) == ("晋安区", True)


def test_placeholders_are_not_loaded_as_divisions(fujian):
    assert not Jurisdiction.objects.filter(name__in=["市辖区", "市区"]).exists()
    assert "350101" not in fujian  # 福州市 市辖区
    assert "350120" not in fujian  # [-1983]市区
    assert "350100" not in fujian  # codes are shortened to their level: the city is 3501


def test_every_row_has_a_code_of_its_level_under_its_parent(fujian):
    widths = {JurisdictionLevel.PROVINCE: 2, JurisdictionLevel.CITY: 4, JurisdictionLevel.COUNTY: 6}
    for row in fujian.values():
        assert len(row.code) == widths[row.level]
        assert row.code.startswith("35")
        if row.parent is not None:
            assert row.parent.contains(row) and len(row.parent.code) < len(row.code)


def test_loading_twice_writes_nothing_the_second_time(db):
    first = load_province("35")
    count = Jurisdiction.objects.count()
    assert first == count > 150
    assert load_province("35") == 0
    assert Jurisdiction.objects.count() == count


def test_loading_corrects_existing_rows_by_code_without_duplicating_them(db):
    JurisdictionFactory(code="35", name="福建")
    JurisdictionFactory(code="3501", name="旧名", is_current=False)
    load_province("35")
    assert Jurisdiction.objects.filter(code="3501").count() == 1
    fuzhou = Jurisdiction.objects.get(code="3501")
    assert (fuzhou.name, fuzhou.is_current, fuzhou.parent.name) == ("福州市", True, "福建省")


def test_loading_a_province_leaves_other_provinces_alone(db):
    JurisdictionFactory(code="36", name="江西省")
    load_province("35")
    assert Jurisdiction.objects.get(code="36").name == "江西省"
    assert not Jurisdiction.objects.filter(code__startswith="36").exclude(code="36").exists()


def test_loading_is_not_specific_to_fujian(db):
    load_province("42")
    xiantao = Jurisdiction.objects.get(code="429004")  # 仙桃市, administered directly by the province
    assert (xiantao.name, xiantao.level, xiantao.parent.code) == ("仙桃市", JurisdictionLevel.COUNTY, "42")
    assert Jurisdiction.objects.get(code="4201").name == "武汉市"
    assert not Jurisdiction.objects.filter(code="4290").exists()  # 省直辖县级行政单位 is a grouping


def test_municipality_districts_hang_directly_under_the_municipality():
    beijing = {division.code: division for division in province_divisions("11")}
    assert beijing["110101"].name == "东城区"
    assert beijing["110101"].parent_code == "11"
    assert "1101" not in beijing  # 市辖区
    assert "1102" not in beijing  # 县


@pytest.mark.parametrize("code", ["3", "350", "3501", "", "ab"])
def test_a_malformed_province_code_is_refused(code):
    with pytest.raises(ValueError):
        province_divisions(code)


def test_an_unknown_province_is_refused():
    with pytest.raises(LookupError):
        province_divisions("99")
