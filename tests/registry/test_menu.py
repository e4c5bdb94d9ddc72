"""The menu of every signed-in page (registry/menu.py, registry/templates/registry/base.html) and
the case file's section picker (victims/templates/victims/case_file.html).

What each member of the cast is offered is worked out here from the policy's own tables (who
sees cases, who writes which section, which role holds which action, who approves accounts) —
not by asking the functions the menu asks — and every link offered must open for its reader.
"""

import re
from html import unescape

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from registry import menu, policy
from registry.choices import Role
from registry.policy import ACTION_ROLES, REFERRAL_SECTION, ROLE_SCOPE, SECTION_ACCESS, Access, Action, Scope, Section
from tests.helpers import inline_scripts
from tests.victims.conftest import RESCUE, person
from victims import operations

CAST = ["alice", "dave", "bob", "erin", "frank", "carol", "xavier", "grace", "heidi"]


def granted(role: Role, action: Action) -> bool:
    return role in ACTION_ROLES[action]


def writes(role: Role, section: Section) -> bool:
    return SECTION_ACCESS[section].get(role, Access.NONE) is Access.WRITE


def expected_pages(user) -> list[str]:
    """The URL names the policy opens to ``user``, in the menu's order (the issue's)."""
    role = Role(user.role)
    allowed = {
        "dashboard": True,
        "victims:list": ROLE_SCOPE[role] is not Scope.NONE,
        "victims:register": user.organization_id is not None
        and all(writes(role, section) for section in policy.REGISTRATION_SECTIONS),
        "inbox:list": True,
        "transfers:list": granted(role, Action.TRANSFER_CASE),
        "victims:caseworkers": granted(role, Action.ASSIGN_CASEWORKER),
        "services:occupancy": role in SECTION_ACCESS[Section.SHELTER],
        "legal_aid:worklist": REFERRAL_SECTION.get(role) is Section.LEGAL_AID,
        "reports:index": granted(role, Action.VIEW_REPORTS),
        "audit-log": granted(role, Action.VIEW_AUDIT),
        "manage-users": granted(role, Action.MANAGE_USERS),
        "manage-organizations": granted(role, Action.MANAGE_USERS),
        "account-approvals": role.value in settings.REGISTRY_ACCOUNT_APPROVERS,
    }
    return [name for name, shown in allowed.items() if shown]


def body(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def menu_links(html: str) -> list[tuple[str, str, str | None, str]]:
    """``(id, href, aria-current or None, text)`` of each link of the page's menu, in order."""
    nav = re.search(r'<nav class="site-nav"[^>]*>(.*?)</nav>', html, re.DOTALL)
    if nav is None:
        return []
    links = re.findall(r'<a href="([^"]*)" id="([^"]*)"(?: aria-current="([^"]*)")?>(.*?)</a>', nav.group(1), re.DOTALL)
    return [
        (key, href, current or None, unescape(re.sub(r"<[^>]+>", "", text)).strip())
        for href, key, current, text in links
    ]


@pytest.fixture
def signed_in(cast):
    def sign_in(name: str) -> Client:
        client = Client()
        client.force_login(getattr(cast, name))
        return client

    return sign_in


@pytest.mark.parametrize("name", CAST)
def test_each_member_is_offered_exactly_the_pages_the_policy_opens_to_them_and_each_opens(name, cast, signed_in):
    user = getattr(cast, name)
    client = signed_in(name)
    links = menu_links(body(client.get(reverse("dashboard"))))

    assert [href for _key, href, _current, _text in links] == [reverse(url) for url in expected_pages(user)]
    for _key, href, _current, _text in links:
        assert client.get(href).status_code == 200, href


@pytest.mark.parametrize("name", CAST)
def test_a_page_left_out_of_the_menu_does_not_open_for_that_member(name, cast, signed_in):
    """The converse, but for one page: the legal aid worklist is offered to the centres that work
    the matters; caseworkers and civil affairs, who read the section, may still open it."""
    user = getattr(cast, name)
    client = signed_in(name)
    reads_legal_aid = policy.may_read(user, Section.LEGAL_AID)
    for entry in menu.ENTRIES:
        if entry.url_name in expected_pages(user) or (entry.url_name == "legal_aid:worklist" and reads_legal_aid):
            continue
        assert client.get(reverse(entry.url_name)).status_code in (403, 404), entry.url_name


def test_the_caseworker_reads_her_menu_in_chinese_with_the_inbox_counted_in_it(signed_in):
    links = menu_links(body(signed_in("alice").get(reverse("dashboard"))))
    assert [text for _key, _href, _current, text in links] == [
        "工作台",
        "个案",
        "登记受害人",
        "待办消息 0条未读",
        "转移",
        "社工及其承办个案",
        "救助机构床位",
    ]


def test_the_menus_of_the_auditor_and_the_administrator_in_chinese(signed_in):
    def texts(name):
        return [text for _key, _href, _current, text in menu_links(body(signed_in(name).get(reverse("dashboard"))))]

    assert texts("grace") == ["工作台", "待办消息 0条未读", "统计评估", "审计日志", "账户审批"]
    assert texts("heidi") == ["工作台", "待办消息 0条未读", "用户管理", "机构管理"]


def test_the_inbox_counter_is_in_the_menu_only(signed_in):
    html = body(signed_in("alice").get(reverse("dashboard")))
    assert html.count('id="inbox-count"') == 1
    assert 'id="inbox-count"' in re.search(r'<nav class="site-nav".*?</nav>', html, re.DOTALL).group(0)


def test_the_current_page_is_marked_and_a_page_under_an_entry_marks_that_entry(cast, places, signed_in):
    client = signed_in("alice")
    case = operations.case_register(
        actor=cast.alice, victim=person(801), jurisdiction=places.gulou, rescue=dict(RESCUE)
    )

    def current(url: str) -> dict[str, str]:
        return {key: mark for key, _href, mark, _text in menu_links(body(client.get(url))) if mark}

    assert current(reverse("dashboard")) == {"menu-dashboard": "page"}
    assert current(reverse("victims:list")) == {"menu-cases": "page"}
    assert current(reverse("victims:register")) == {"menu-register": "page"}
    assert current(reverse("victims:caseworkers")) == {"menu-caseworkers": "page"}
    assert current(reverse("victims:case", args=[case.uuid])) == {"menu-cases": "true"}
    assert current(reverse("inbox:settings")) == {"menu-inbox": "true"}


def test_no_menu_for_a_visitor_or_an_account_without_a_known_role(cast, client):
    assert 'id="site-nav"' not in client.get(reverse("login")).content.decode()
    user = cast.alice
    user.role = "ghost"  # the database refuses such a role; the menu offers it nothing all the same
    assert menu.menu_for(user, reverse("dashboard")) == []


def test_the_menu_opens_on_a_phone_without_script(signed_in):
    """The disclosure comes before the list; app.css shows the list only while it is open."""
    html = body(signed_in("dave").get(reverse("dashboard")))
    nav = re.search(r'<nav class="site-nav".*?</nav>', html, re.DOTALL).group(0)
    assert re.search(
        r'<details class="site-nav__toggle" id="menu-toggle"><summary>[^<]+</summary></details>\s*<ul', nav
    )
    assert not inline_scripts(html) and "style=" not in html
    css = (settings.BASE_DIR / "registry" / "static" / "registry" / "app.css").read_text(encoding="utf-8")
    assert ".site-nav__toggle[open] + .site-nav__list" in css


def test_the_case_file_has_desktop_tabs_and_a_phone_picker_both_keeping_the_place(cast, places, signed_in):
    case = operations.case_register(
        actor=cast.alice, victim=person(802), jurisdiction=places.gulou, rescue=dict(RESCUE)
    )
    url = reverse("victims:case", args=[case.uuid])
    html = body(signed_in("alice").get(f"{url}?tab=rescue"))

    nav = re.search(r'<nav class="case-tabs case-tabs--file" id="case-sections"[^>]*>(.*?)</nav>', html, re.DOTALL)
    assert nav, "the case file has no section navigation"
    picker = re.search(
        r'<details class="section-picker"[^>]*>\s*<summary>(.*?)</summary>(.*?)</details>', nav.group(1), re.DOTALL
    )
    tabs = re.search(r'<ul id="case-tabs"[^>]*>(.*?)</ul>', nav.group(1), re.DOTALL)
    assert picker and tabs
    assert picker.group(1) == "栏目：解救情况"

    tab_links = re.findall(r'<a href="([^"]*)" id="tab-link-([^"]*)"( aria-current="page")?>', tabs.group(1))
    pick_links = re.findall(r'<a href="([^"]*)" id="pick-link-([^"]*)"( aria-current="page")?>', picker.group(2))
    assert [key for _href, key, _mark in tab_links] == [key for _href, key, _mark in pick_links]
    assert len(tab_links) > 5
    for links in (tab_links, pick_links):
        assert all(href.startswith(url) and href.endswith("#case-sections") for href, _key, _mark in links)
        assert [key for _href, key, mark in links if mark] == ["rescue"]
