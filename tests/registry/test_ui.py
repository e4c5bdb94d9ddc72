"""The UI shell: login, language, logout, the demo banner and each role's dashboard.

Pages are read as a user reads them: the tests look for the words on the page (Chinese by
default, English after switching), and compare the dashboard's lists with the policy table.
"""

import gettext
import re
from html import unescape

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from registry import policy, views
from registry.choices import Department, JurisdictionLevel, OrganizationKind, Role
from registry.policy import Action, Section
from tests.helpers import inline_scripts

PRODUCT_ZH = "被拐卖受害人救助安置登记系统"
PRODUCT_EN = "Victim assistance and resettlement registry"
SECTION_LABELS_ZH = {
    "基本信息",
    "身份信息",
    "联系人与家庭",
    "解救情况",
    "健康状况",
    "DNA采血",
    "知情同意",
    "转介",
    "救助安置",
    "入学教育",
    "职业培训与就业",
    "法律援助",
    "返乡安置",
    "跟踪回访",
    "帮扶计划",
    "个案记录",
    "转移与移交",
}
CASE_ROLE_MEMBERS = ["alice", "dave", "bob", "erin", "frank"]


def html(response) -> str:
    return response.content.decode()


def main_of(response) -> str:
    """The page's <main> region: what the dashboard says, without the shared header."""
    match = re.search(r"<main\b[^>]*>(.*)</main>", html(response), re.DOTALL)
    assert match, "page has no <main>"
    return match.group(1)


def list_items(response, list_id: str) -> list[str]:
    """The texts of the <li> items of the list with the given id; [] when the list is absent."""
    match = re.search(rf'<ul\b[^>]*\bid="{list_id}"[^>]*>(.*?)</ul>', html(response), re.DOTALL)
    if not match:
        return []
    items = re.findall(r"<li\b[^>]*>(.*?)</li>", match.group(1), re.DOTALL)
    return [unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in items]


def labels(items, language="zh-hans") -> list[str]:
    with translation.override(language):
        return [str(item.label) for item in items]


@pytest.fixture
def signed_in(client, cast):
    """``signed_in("bob")``: the test client, signed in as that member of the cast."""

    def sign_in(name):
        client.force_login(getattr(cast, name))
        return client

    return sign_in


def switch_to_english(client, next_url="/"):
    response = client.post(reverse("set_language"), {"language": "en", "next": next_url})
    assert response.status_code == 302
    return response


# --- Login, language, logout ----------------------------------------------------------------


def test_login_page_speaks_chinese_by_default(client, db):
    response = client.get(reverse("login"))

    page = html(response)
    assert '<html lang="zh-hans">' in page
    assert PRODUCT_ZH in page
    assert "<title>登录 · " in page
    assert '<h1 id="login-title">登录</h1>' in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert "Sign in" not in page


def test_language_switch_turns_the_login_page_into_english(client, db):
    response = switch_to_english(client, next_url=reverse("login"))
    assert response.url == reverse("login")

    page = html(client.get(reverse("login")))
    assert '<html lang="en">' in page
    assert PRODUCT_EN in page
    assert '<h1 id="login-title">Sign in</h1>' in page
    assert "登录" not in page


def test_language_switch_offers_both_languages_by_their_own_names(client, db):
    page = html(client.get(reverse("login")))

    assert 'value="zh-hans" lang="zh-hans" class="language-switch__option" aria-pressed="true">简体中文' in page
    assert 'value="en" lang="en" class="language-switch__option" aria-pressed="false">English' in page


def test_anonymous_visitor_is_sent_to_login(client, db):
    response = client.get(reverse("dashboard"))

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={reverse('dashboard')}"


def test_cast_member_signs_in_with_password_and_lands_on_dashboard(client, cast, password):
    response = client.post(reverse("login"), {"username": "alice", "password": password, "next": "/"})

    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    assert int(client.session["_auth_user_id"]) == cast.alice.pk
    page = main_of(client.get(response.url))
    assert "<h1>工作台</h1>" in page
    assert "我的工作" in page


def test_wrong_password_keeps_the_visitor_out_with_an_error(client, cast):
    response = client.post(reverse("login"), {"username": "alice", "password": "not her password"})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert 'role="alert"' in html(response)
    assert "请输入一个正确的" in html(response)  # Django's own Chinese message for a failed login


def test_signed_in_user_visiting_login_goes_to_dashboard(signed_in):
    client = signed_in("alice")

    response = client.get(reverse("login"))

    assert response.status_code == 302
    assert response.url == reverse("dashboard")


def test_header_names_the_user_role_and_organization(signed_in, cast):
    cast.alice.last_name, cast.alice.first_name = "林", "晓燕"
    cast.alice.save()
    page = html(signed_in("alice").get(reverse("dashboard")))

    assert re.search(r'<a class="account__name" href="/accounts/password/"[^>]*>林晓燕</a>', page)
    assert '<span class="account__role">救助机构工作人员</span>' in page
    assert '<span class="account__org">福州市救助管理站</span>' in page


def test_header_falls_back_to_the_username_without_a_name(signed_in):
    page = html(signed_in("bob").get(reverse("dashboard")))

    assert re.search(r'<a class="account__name" href="/accounts/password/"[^>]*>bob</a>', page)
    assert '<span class="account__role">教育部门工作人员</span>' in page


def test_logout_by_post_ends_the_session(signed_in):
    client = signed_in("alice")

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response.url == reverse("login")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("dashboard")).status_code == 302


def test_logout_by_get_is_refused_and_keeps_the_session(signed_in):
    client = signed_in("alice")

    response = client.get(reverse("logout"))

    assert response.status_code == 405
    assert client.get(reverse("dashboard")).status_code == 200


def test_logout_button_is_a_post_form_with_csrf(signed_in):
    page = html(signed_in("alice").get(reverse("dashboard")))

    form = re.search(rf'<form[^>]*method="post" action="{reverse("logout")}">(.*?)</form>', page, re.DOTALL)
    assert form, "no POST form to the logout URL"
    assert 'name="csrfmiddlewaretoken"' in form.group(1)
    assert "退出登录" in form.group(1)


# --- Demo banner ----------------------------------------------------------------------------


def test_demo_banner_shows_on_the_login_page_in_demo_mode(settings, client, db):
    settings.REGISTRY_MODE = "demo"

    page = html(client.get(reverse("login")))

    assert 'id="demo-banner"' in page
    assert "演示系统，仅含虚构数据" in page


def test_demo_banner_shows_on_the_dashboard_in_demo_mode(settings, signed_in):
    settings.REGISTRY_MODE = "demo"

    page = html(signed_in("alice").get(reverse("dashboard")))

    assert 'id="demo-banner"' in page
    assert "演示系统，仅含虚构数据" in page


@pytest.mark.parametrize("mode", ["production", "dev"])
def test_demo_banner_is_absent_outside_demo_mode(settings, signed_in, mode):
    settings.REGISTRY_MODE = mode

    page = html(signed_in("alice").get(reverse("dashboard")))

    assert 'id="demo-banner"' not in page
    assert "演示系统" not in page


# --- Dashboards -----------------------------------------------------------------------------


@pytest.mark.parametrize("member", CASE_ROLE_MEMBERS)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_case_role_dashboard_lists_exactly_the_sections_and_actions_of_the_policy(signed_in, cast, member, language):
    client = signed_in(member)
    if language == "en":
        switch_to_english(client)
    user = getattr(cast, member)
    writable = policy.writable_sections(user)

    response = client.get(reverse("dashboard"))

    assert list_items(response, "writable-sections") == labels(writable, language)
    assert list_items(response, "read-only-sections") == labels(
        [s for s in policy.readable_sections(user) if s not in writable], language
    )
    assert list_items(response, "actions") == labels(policy.allowed_actions(user), language)


def test_education_dashboard_offers_schooling_to_write(signed_in):
    response = signed_in("bob").get(reverse("dashboard"))

    assert list_items(response, "writable-sections") == ["入学教育"]
    # The care plan: the goals its department owns; the notes: those of sections it reads.
    assert list_items(response, "read-only-sections") == ["基本信息", "知情同意", "转介", "帮扶计划", "个案记录"]


def test_education_dashboard_does_not_offer_health_section(signed_in):
    page = main_of(signed_in("bob").get(reverse("dashboard")))

    assert "健康状况" not in page
    assert "身份信息" not in page
    assert "DNA采血" not in page


def test_education_dashboard_in_english_does_not_offer_health_section(signed_in):
    client = signed_in("bob")
    switch_to_english(client)

    response = client.get(reverse("dashboard"))

    assert list_items(response, "writable-sections") == ["Schooling"]
    assert "Health" not in main_of(response)


def test_caseworker_dashboard_offers_health_and_dna_to_write_but_only_reads_schooling(signed_in):
    response = signed_in("alice").get(reverse("dashboard"))

    writable = list_items(response, "writable-sections")
    assert "健康状况" in writable
    assert "DNA采血" in writable
    assert list_items(response, "read-only-sections") == ["入学教育", "职业培训与就业", "法律援助", "转移与移交"]


def test_caseworker_dashboard_offers_no_approval(signed_in):
    response = signed_in("alice").get(reverse("dashboard"))

    assert list_items(response, "actions") == [
        "查看本人照片",
        "分配或取消承办社工",
        "申请、撤回、接收或拒绝机构间个案转移",
    ]
    assert "审批" not in main_of(response)


def test_civil_affairs_dashboard_offers_approvals_closing_and_dossiers(signed_in):
    response = signed_in("dave").get(reverse("dashboard"))

    actions = list_items(response, "actions")
    assert "审批返乡安置方案" in actions
    assert "审批儿童转介" in actions
    assert "结案" in actions
    assert "生成归档档案" in actions
    assert list_items(response, "writable-sections") == ["知情同意", "转介", "返乡安置", "个案记录"]
    assert "福州市" in html(response)  # the jurisdiction it oversees


def test_legal_aid_dashboard_reads_identity_and_rescue_but_not_health(signed_in):
    response = signed_in("erin").get(reverse("dashboard"))

    assert list_items(response, "writable-sections") == ["法律援助"]
    assert "身份信息" in list_items(response, "read-only-sections")
    assert "解救情况" in list_items(response, "read-only-sections")
    assert "健康状况" not in main_of(response)


def test_labor_dashboard_offers_training_and_not_schooling(signed_in):
    response = signed_in("frank").get(reverse("dashboard"))

    assert list_items(response, "writable-sections") == ["职业培训与就业"]
    assert "入学教育" not in main_of(response)


@pytest.mark.parametrize("member", ["bob", "erin", "frank"])
def test_receiving_departments_may_respond_to_referrals(signed_in, member):
    response = signed_in(member).get(reverse("dashboard"))

    # and read their own department's indicators of the evaluation reports (issue 14)
    assert list_items(response, "actions") == ["接收、拒绝或办结转介", "查阅汇总统计报表"]
    assert "转介到本机构" in main_of(response)


@pytest.mark.parametrize("member", CASE_ROLE_MEMBERS)
def test_case_roles_see_their_work_panel_and_no_oversight_panel(signed_in, member):
    page = main_of(signed_in(member).get(reverse("dashboard")))

    assert 'id="my-work"' in page
    assert "我的工作" in page
    assert 'id="oversight"' not in page
    assert 'id="administration"' not in page


def test_auditor_dashboard_offers_audit_log_and_reports(signed_in):
    response = signed_in("grace").get(reverse("dashboard"))

    assert list_items(response, "actions") == ["查阅审计日志", "查阅汇总统计报表"]
    page = main_of(response)
    assert "审计与报表" in page
    assert "不能查看任何受害人档案" in page
    assert "我的工作" not in page


def test_sysadmin_dashboard_offers_user_management(signed_in):
    response = signed_in("heidi").get(reverse("dashboard"))

    assert list_items(response, "actions") == ["管理用户和机构"]
    page = main_of(response)
    assert "系统管理" in page
    assert "不能查看任何受害人数据" in page
    assert "我的工作" not in page


@pytest.mark.parametrize("member", ["grace", "heidi"])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_auditor_and_sysadmin_dashboards_mention_no_case_section(signed_in, member, language):
    client = signed_in(member)
    if language == "en":
        switch_to_english(client)

    page = main_of(client.get(reverse("dashboard")))

    for label in labels(Section, language):
        assert label not in page, f"{member}'s dashboard names the section {label!r}"
    assert list_items(client.get(reverse("dashboard")), "writable-sections") == []
    assert list_items(client.get(reverse("dashboard")), "read-only-sections") == []
    for label in labels([Action.APPROVE_RETURN, Action.CLOSE_CASE, Action.EXPORT_DOSSIER], language):
        assert label not in page


def test_zh_section_labels_are_the_plan_wording():
    """The Chinese labels the tests above look for are those of the catalogue, all sixteen."""
    assert set(labels(Section)) == SECTION_LABELS_ZH


@pytest.mark.parametrize("role", ["", "ghost"])
def test_user_without_a_known_role_gets_a_403_page(cast, role):
    user = cast.alice
    user.role = role  # the database refuses such a role; this is the view's own line of defence
    request = RequestFactory().get(reverse("dashboard"))
    request.user = user

    with translation.override("zh-hans"):
        response = views.dashboard(request)

    assert response.status_code == 403
    page = html(response)
    assert "无权访问" in page
    assert "请联系系统管理员为您分配角色" in page
    assert "我的工作" not in page
    assert not [label for label in SECTION_LABELS_ZH if label in main_of(response)]
    assert 'class="account__role"' not in page  # never a raw, untranslated role value


@pytest.mark.parametrize("member", ["alice", "grace"])
def test_pages_carry_no_inline_script_or_style(client, signed_in, member):
    """A strict Content-Security-Policy will forbid inline code; the pages already need none."""
    pages = [html(client.get(reverse("login")))]
    pages.append(html(signed_in(member).get(reverse("dashboard"))))

    for page in pages:
        assert not inline_scripts(page)
        assert " style=" not in page
        assert "<style" not in page
        assert "http://" not in page and "https://" not in page  # nothing fetched from elsewhere


# --- Translations ---------------------------------------------------------------------------

CATALOGUE = settings.BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES"


def _po_entries(text: str) -> list[tuple[str, str, bool, str]]:
    """(msgid, msgstr, fuzzy, msgid_plural) of each entry of a .po file, header included; for a
    plural entry msgstr is its only form (Chinese has one, msgstr[0]). An entry with a context
    has the key gettext gives it: ``context + "\\x04" + msgid``."""
    entries = []
    for block in text.strip().split("\n\n"):
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in block.splitlines())
        parts = {"msgctxt": [], "msgid": [], "msgid_plural": [], "msgstr": []}
        current = None
        for line in block.splitlines():
            if line.startswith(("msgctxt ", "msgid ", "msgid_plural ", "msgstr ", "msgstr[0] ")):
                current, _, line = line.partition(" ")
                current = current.removesuffix("[0]")
            elif line.startswith("msgstr["):  # further plural forms: none for Chinese
                current = None
                continue
            elif not line.startswith('"') or current is None:
                continue
            parts[current].append(line[1:-1])
        context = "".join(parts["msgctxt"])
        msgid = f"{context}\x04{''.join(parts['msgid'])}" if context else "".join(parts["msgid"])
        entries.append((msgid, "".join(parts["msgstr"]), fuzzy, "".join(parts["msgid_plural"])))
    return entries


def unescape_po(text: str) -> str:
    """The string a .po literal stands for (the escapes gettext uses)."""
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda match: escapes.get(match.group(1), match.group(0)), text)


@pytest.mark.parametrize("choices", [Role, Department, OrganizationKind, JurisdictionLevel, Section, Action])
def test_every_choice_label_has_a_chinese_translation(choices):
    with translation.override("zh-hans"):
        untranslated = [str(label) for label in choices.labels if not re.search(r"[\u4e00-\u9fff]", str(label))]

    assert untranslated == []


def test_chinese_catalogue_is_complete_without_fuzzy_entries_and_compiled():
    entries = _po_entries((CATALOGUE / "django.po").read_text(encoding="utf-8"))
    messages = [entry for entry in entries if entry[0]]

    assert messages, "the catalogue is empty"
    assert [msgid for msgid, _, fuzzy, _ in entries if fuzzy] == []
    assert [msgid for msgid, msgstr, _, _ in messages if not msgstr] == []
    with (CATALOGUE / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)

    def compiled_form(msgid, plural):
        if plural:
            return compiled.ngettext(unescape_po(msgid), unescape_po(plural), 1)
        return compiled.gettext(unescape_po(msgid))

    stale = [msgid for msgid, msgstr, _, plural in messages if compiled_form(msgid, plural) != unescape_po(msgstr)]
    assert stale == [], "django.mo is older than django.po: run compilemessages"
