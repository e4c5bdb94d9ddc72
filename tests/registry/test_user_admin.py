"""The system administrator's pages: accounts and organizations (issue 3, item 6; issue 13).

Heidi (sysadmin) manages; everyone else is refused with a 403 that the audit log records, and
an anonymous visitor is sent to the login page. Every rule of an account's placement is tried
through the page, and each refusal must leave the database as it was. Every change leaves its
audit event, naming Heidi as the actor. No page sets or shows a password: an account created,
enabled again or moved gets a one-time enrolment link (tests/registry/test_activation.py
follows it through enrolment and approval).
"""

from __future__ import annotations

import re
from html import unescape
from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import NoReverseMatch, Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse

from registry.accounts import organizations, users
from registry.accounts.credentials import token_digest
from registry.audit import AuditAction
from registry.choices import Department, OrganizationKind, Role
from registry.models import AccountActivation, AuditEvent, Organization, User
from tests.factories import JurisdictionFactory, OrganizationFactory, UserFactory
from tests.helpers import inline_scripts

CAST_BUT_HEIDI = ["alice", "dave", "bob", "erin", "frank", "carol", "xavier", "grace"]


def html(response) -> str:
    return response.content.decode()


def field_errors(response, name: str) -> list[str]:
    """The error messages shown under the field ``name`` of the page's form."""
    match = re.search(rf'<div class="field[^"]*" id="field-{name}">(.*?)</div>', html(response), re.DOTALL)
    assert match, f"no field {name!r} on the page"
    return [unescape(text) for text in re.findall(r'<p class="field__error">(.*?)</p>', match.group(1))]


def form_errors(response) -> list[str]:
    """The errors shown above the form, on no particular field."""
    match = re.search(r'<div class="alert" role="alert" id="form-errors">(.*?)</div>', html(response), re.DOTALL)
    return [unescape(text) for text in re.findall(r"<p>(.*?)</p>", match.group(1))] if match else []


def options(response, name: str) -> list[str]:
    """The values offered by the select ``name`` of the page."""
    match = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html(response), re.DOTALL)
    assert match, f"no select {name!r} on the page"
    return re.findall(r'<option value="([^"]*)"', match.group(1))


def selected(response, name: str) -> str | None:
    """The value selected in the select ``name`` of the page."""
    match = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html(response), re.DOTALL)
    assert match, f"no select {name!r} on the page"
    chosen = re.findall(r'<option value="([^"]*)" selected>', match.group(1))
    return chosen[0] if chosen else None


def events(action: AuditAction):
    return list(AuditEvent.objects.filter(action=action))


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def shown_link(response) -> str:
    """The enrolment link a page shows (its token is the last part of the path)."""
    shown = re.search(r'<code id="enrolment-link">([^<]+)</code>', html(response))
    assert shown, "no enrolment link on the page"
    return unescape(shown.group(1))


def link_token(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[-1]


def can_sign_in(username: str, password: str) -> bool:
    """Whether a fresh browser signs in as ``username`` through the login page."""
    browser = Client()
    browser.post(reverse("login"), {"username": username, "password": password})
    return "_auth_user_id" in browser.session


@pytest.fixture
def signed_in(client, cast):
    """``signed_in("heidi")``: the test client, signed in as that member of the cast."""

    def sign_in(name):
        client.force_login(getattr(cast, name))
        return client

    return sign_in


@pytest.fixture
def heidi(signed_in):
    return signed_in("heidi")


# --- Who may open the pages ------------------------------------------------------------------


def page_urls(cast, places) -> dict[str, str]:
    """One URL for every page of the administration, by URL name."""
    user, organization = cast.alice.uuid, places.fz_shelter.uuid
    return {
        "manage-users": reverse("manage-users"),
        "manage-user-create": reverse("manage-user-create"),
        "manage-user": reverse("manage-user", args=[user]),
        "manage-user-disable": reverse("manage-user-disable", args=[user]),
        "manage-user-enable": reverse("manage-user-enable", args=[user]),
        "manage-user-enrolment-link": reverse("manage-user-enrolment-link", args=[user]),
        "manage-user-unlock": reverse("manage-user-unlock", args=[user]),
        "manage-user-credentials-reset": reverse("manage-user-credentials-reset", args=[user]),
        "manage-organizations": reverse("manage-organizations"),
        "manage-organization-create": reverse("manage-organization-create"),
        "manage-organization": reverse("manage-organization", args=[organization]),
        "manage-organization-deactivate": reverse("manage-organization-deactivate", args=[organization]),
        "manage-organization-activate": reverse("manage-organization-activate", args=[organization]),
    }


PAGES = [
    "manage-users",
    "manage-user-create",
    "manage-user",
    "manage-user-disable",
    "manage-user-enable",
    "manage-user-enrolment-link",
    "manage-user-unlock",
    "manage-user-credentials-reset",
    "manage-organizations",
    "manage-organization-create",
    "manage-organization",
    "manage-organization-deactivate",
    "manage-organization-activate",
]


def _manage_route_names(patterns=None, prefix=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _manage_route_names(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and route.startswith("manage/"):
            yield pattern.name


def test_every_administration_page_is_held_to_the_access_tests_below():
    assert sorted(_manage_route_names()) == sorted(PAGES)


@pytest.mark.parametrize("member", CAST_BUT_HEIDI)
@pytest.mark.parametrize("page", PAGES)
def test_other_roles_get_403_on_every_administration_page_and_the_refusal_is_audited(
    signed_in, cast, places, member, page
):
    client = signed_in(member)

    response = client.get(page_urls(cast, places)[page])

    assert response.status_code == 403
    assert "只有系统管理员才能管理账户和机构" in html(response)
    denied = events(AuditAction.ACCESS_DENIED)
    assert len(denied) == 1
    assert denied[0].actor_id == getattr(cast, member).pk
    assert denied[0].outcome == "denied"
    assert denied[0].detail == {"page": page, "method": "GET"}


@pytest.mark.parametrize("page", PAGES)
def test_other_roles_posting_to_an_administration_page_change_nothing(signed_in, cast, places, page):
    client = signed_in("grace")
    before = (
        list(User.objects.order_by("pk").values()),
        list(Organization.objects.order_by("pk").values()),
    )
    body = {
        "username": "mallory",
        "role": Role.SYSADMIN,
        "jurisdiction": places.province.pk,
        "reason": "taking over",
        "name": "x",
        "department": Department.CIVIL_AFFAIRS,
        "kind": OrganizationKind.BUREAU,
    }

    response = client.post(page_urls(cast, places)[page], body)

    assert response.status_code == 403
    after = (
        list(User.objects.order_by("pk").values()),
        list(Organization.objects.order_by("pk").values()),
    )
    assert after == before
    assert not AuditEvent.objects.exclude(action__in=[AuditAction.ACCESS_DENIED, AuditAction.LOGIN]).exists()
    assert len(events(AuditAction.ACCESS_DENIED)) == 1


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitor_is_sent_to_login_from_every_administration_page(client, cast, places, page):
    url = page_urls(cast, places)[page]

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("page", PAGES)
def test_sysadmin_opens_every_administration_page(heidi, cast, places, page):
    response = heidi.get(page_urls(cast, places)[page])

    assert response.status_code == 200
    assert not events(AuditAction.ACCESS_DENIED)


@pytest.mark.parametrize("member", ["alice", "grace"])
def test_operations_refuse_an_actor_who_is_not_a_sysadmin(cast, places, member):
    actor = getattr(cast, member)

    with pytest.raises(PermissionDenied):
        users.user_create(
            actor=actor,
            username="mallory",
            first_name="",
            last_name="",
            role=Role.SYSADMIN,
            organization=None,
            jurisdiction=places.province,
        )
    with pytest.raises(PermissionDenied):
        users.user_enrolment_link_renew(actor=actor, user=cast.bob)
    with pytest.raises(PermissionDenied):
        organizations.organization_deactivate(actor=actor, organization=places.xm_civil_affairs)

    assert not User.objects.filter(username="mallory").exists()
    assert Organization.objects.get(pk=places.xm_civil_affairs.pk).is_active


def test_django_admin_is_not_installed_and_no_admin_url_exists(client, db):
    assert "django.contrib.admin" not in settings.INSTALLED_APPS
    with pytest.raises(Resolver404):
        resolve("/admin/")
    with pytest.raises(NoReverseMatch):
        reverse("admin:index")
    assert client.get("/admin/").status_code == 404


def test_every_form_of_the_administration_posts_with_a_csrf_token(heidi, cast, places):
    for page, url in page_urls(cast, places).items():
        page_html = html(heidi.get(url))
        forms = re.findall(r"<form\b([^>]*)>(.*?)</form>", page_html, re.DOTALL)
        posting = [body for attributes, body in forms if 'method="post"' in attributes]
        assert posting, f"{page} has no POST form"
        for body in posting:
            assert 'name="csrfmiddlewaretoken"' in body, page


def test_a_post_without_the_csrf_token_is_refused(cast, places):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.heidi)

    response = client.post(
        reverse("manage-organization-create"),
        {"name": "新机构", "department": Department.EDUCATION, "kind": OrganizationKind.SCHOOL},
    )

    assert response.status_code == 403
    assert not Organization.objects.filter(name="新机构").exists()


def test_administration_pages_carry_no_inline_script_or_style(heidi, cast, places):
    for page, url in page_urls(cast, places).items():
        page_html = html(heidi.get(url))
        assert not inline_scripts(page_html), page
        assert " style=" not in page_html and "<style" not in page_html, page


def test_sysadmin_dashboard_links_to_accounts_and_organizations(heidi):
    page = html(heidi.get(reverse("dashboard")))

    assert f'<a href="{reverse("manage-users")}">账户</a>' in page
    assert f'<a href="{reverse("manage-organizations")}">机构</a>' in page


# --- The account list ------------------------------------------------------------------------


def listed_usernames(response) -> list[str]:
    table = re.search(r'<table class="record-table" id="accounts">(.*?)</table>', html(response), re.DOTALL)
    return re.findall(r'<td><a href="/manage/users/[^"]+/">([^<]+)</a></td>', table.group(1)) if table else []


def test_account_list_shows_every_account_in_chinese(heidi, cast):
    response = heidi.get(reverse("manage-users"))

    assert listed_usernames(response) == sorted(
        ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "xavier"]
    )
    assert '<h1 id="page-title">账户</h1>' in html(response)
    assert "救助机构工作人员" in html(response)


def test_account_list_filters_by_role(heidi):
    response = heidi.get(reverse("manage-users"), {"role": Role.CASEWORKER})

    assert listed_usernames(response) == ["alice", "carol"]


def test_account_list_filters_by_organization(heidi, places):
    response = heidi.get(reverse("manage-users"), {"organization": places.office.uuid})

    assert listed_usernames(response) == ["grace", "heidi"]


def test_account_list_filters_by_status(heidi, cast):
    users.user_disable(actor=cast.heidi, user=cast.carol, reason="离职")
    users.user_disable(actor=cast.heidi, user=cast.xavier, reason="调动")
    users.user_enable(actor=cast.heidi, user=cast.xavier)

    disabled = heidi.get(reverse("manage-users"), {"active": "no"})
    active = heidi.get(reverse("manage-users"), {"active": "yes", "role": Role.CASEWORKER})
    pending = heidi.get(reverse("manage-users"), {"active": "pending"})

    assert listed_usernames(disabled) == ["carol"]
    assert listed_usernames(active) == ["alice"]
    assert listed_usernames(pending) == ["xavier"]


# --- Creating an account ---------------------------------------------------------------------


def new_account(places, **changes) -> dict:
    data = {
        "username": "lin",
        "last_name": "林",
        "first_name": "晓燕",
        "role": Role.CASEWORKER,
        "organization": places.fz_shelter.uuid,
        "jurisdiction": places.fuzhou.code,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_the_new_account_form_asks_for_no_password(heidi):
    page = html(heidi.get(reverse("manage-user-create")))

    assert 'type="password"' not in page
    assert 'name="password' not in page


def test_sysadmin_creates_an_account_that_cannot_sign_in_until_enrolled_and_approved(heidi, cast, places):
    response = heidi.post(reverse("manage-user-create"), new_account(places, password="chosen-by-heidi-1234"))

    lin = User.objects.get(username="lin")
    assert response.status_code == 200
    assert (lin.role, lin.organization, lin.jurisdiction) == (Role.CASEWORKER, places.fz_shelter, places.fuzhou)
    assert (lin.last_name, lin.first_name, lin.is_active) == ("林", "晓燕", False)
    assert not lin.has_usable_password()  # a password posted anyway is ignored
    assert not lin.check_password("chosen-by-heidi-1234")
    link = shown_link(response)
    assert link.startswith("http://testserver/accounts/enrol/")
    (activation,) = AccountActivation.objects.filter(user=lin)
    assert activation.approval_required and activation.requested_by == cast.heidi
    assert activation.link_digest == token_digest(link_token(link))  # only the digest is stored


def test_creating_an_account_writes_user_created_by_the_sysadmin(heidi, cast, places):
    heidi.post(reverse("manage-user-create"), new_account(places))

    lin = User.objects.get(username="lin")
    (event,) = events(AuditAction.USER_CREATED)
    assert event.actor == cast.heidi
    assert event.actor_username == "heidi"
    assert event.detail["user"] == str(lin.uuid)
    assert event.detail["role"] == Role.CASEWORKER
    assert "林" not in str(event.detail) and "晓燕" not in str(event.detail)  # names stay out of the log


def test_the_enrolment_link_is_shown_once_and_stored_nowhere(heidi, places):
    response = heidi.post(reverse("manage-user-create"), new_account(places))

    token = link_token(shown_link(response))
    lin = User.objects.get(username="lin")
    assert len(token) >= 43  # 256 random bits
    assert "no-store" in response["Cache-Control"]
    # Shown in that response only: not in the session, a message, the account page or the database.
    assert token not in str(dict(heidi.session))
    assert messages_of(response) == []
    assert token not in html(heidi.get(reverse("manage-user", args=[lin.uuid])))
    assert token not in str(list(AccountActivation.objects.values()))
    assert token not in str(list(AuditEvent.objects.values()))


def test_each_enrolment_link_is_new(cast):
    users.user_disable(actor=cast.heidi, user=cast.bob, reason="调动")
    users.user_enable(actor=cast.heidi, user=cast.bob)
    links = {users.user_enrolment_link_renew(actor=cast.heidi, user=cast.bob).token for _ in range(20)}

    assert len(links) == 20


# Each case breaks one rule; the page must say so on the right field and create nothing.
BROKEN_RULES = {
    "case role without organization": (
        {"organization": ""},
        "organization",
        "办理个案的角色必须隶属于一个机构。",
    ),
    "jurisdiction outside the organization's": (
        {"jurisdiction": "xiamen"},
        "jurisdiction",
        "账户的辖区须在所属机构的辖区（3501 福州市）之内。",
    ),
    "jurisdiction wider than the organization's": (
        {"jurisdiction": "province"},
        "jurisdiction",
        "账户的辖区须在所属机构的辖区（3501 福州市）之内。",
    ),
    "caseworker in an education bureau": (
        {"organization": "fz_education"},
        "organization",
        "救助机构工作人员须隶属于民政部门或妇联主管的救助管理站、福利院或儿童福利机构。",
    ),
    "caseworker in a civil affairs bureau, which houses nobody": (
        {"organization": "fz_civil_affairs"},
        "organization",
        "救助机构工作人员须隶属于民政部门或妇联主管的救助管理站、福利院或儿童福利机构。",
    ),
    "education officer in a relief station": (
        {"role": Role.EDUCATION},
        "organization",
        "教育部门工作人员须隶属于教育部门的机构。",
    ),
    "legal aid worker in a labour bureau": (
        {"role": Role.LEGAL_AID, "organization": "fz_labor"},
        "organization",
        "法律援助工作人员须隶属于司法行政部门的机构。",
    ),
    "labour officer in a legal aid centre": (
        {"role": Role.LABOR, "organization": "fz_legal_aid"},
        "organization",
        "人力资源和社会保障部门工作人员须隶属于人力资源和社会保障部门的机构。",
    ),
    "civil affairs officer in an education bureau": (
        {"role": Role.CIVIL_AFFAIRS, "organization": "fz_education"},
        "organization",
        "民政部门工作人员须隶属于民政部门的机构。",
    ),
    "username taken, in another case": ({"username": "Alice"}, "username", "已有账户使用该用户名。"),
    "username with a space": ({"username": "lin xiaoyan"}, "username", "请输入合法的用户名。"),
}


def as_posted(places, key: str, value):
    """A place named in BROKEN_RULES as the form posts it: an organization's UUID, a code."""
    if key == "organization" and value:
        return getattr(places, value).uuid
    if key == "jurisdiction" and value:
        return getattr(places, value).code
    return value


@pytest.mark.parametrize("rule", BROKEN_RULES)
def test_creating_an_account_that_breaks_a_rule_shows_the_error_and_changes_nothing(heidi, places, rule):
    changes, field, message = BROKEN_RULES[rule]
    changes = {key: as_posted(places, key, value) for key, value in changes.items()}
    users_before = list(User.objects.order_by("pk").values())
    data = new_account(places, **changes)

    response = heidi.post(reverse("manage-user-create"), data)

    assert response.status_code == 200
    assert any(message in error for error in field_errors(response, field)), field_errors(response, field)
    assert list(User.objects.order_by("pk").values()) == users_before
    assert not events(AuditAction.USER_CREATED)
    # What was typed is still there, ready to correct.
    assert f'value="{data["username"]}"' in html(response)


def test_creating_an_account_in_a_deactivated_organization_is_refused(heidi, cast, places):
    places.fz_shelter.is_active = False
    places.fz_shelter.save()

    form = heidi.get(reverse("manage-user-create"))
    response = heidi.post(reverse("manage-user-create"), new_account(places))

    assert str(places.fz_shelter.uuid) not in options(form, "organization")  # not offered
    assert str(places.fz_civil_affairs.uuid) in options(form, "organization")
    assert field_errors(response, "organization")
    assert not User.objects.filter(username="lin").exists()
    # The operation refuses it too, whatever form or command calls it.
    with pytest.raises(ValidationError) as refused:
        users.user_create(
            actor=cast.heidi,
            username="lin",
            first_name="",
            last_name="",
            role=Role.CASEWORKER,
            organization=places.fz_shelter,
            jurisdiction=places.fuzhou,
        )
    assert refused.value.message_dict == {"organization": ["该机构已停用，请选择启用中的机构。"]}
    assert not User.objects.filter(username="lin").exists()
    assert not events(AuditAction.USER_CREATED)


@pytest.mark.parametrize(
    ("role", "organization", "jurisdiction"),
    [
        (Role.CASEWORKER, "fz_shelter", "gulou"),  # a division within the organization's
        (Role.CIVIL_AFFAIRS, "fz_civil_affairs", "fuzhou"),
        (Role.EDUCATION, "fz_education", "fuzhou"),
        (Role.LEGAL_AID, "fz_legal_aid", "fuzhou"),
        (Role.LABOR, "fz_labor", "fuzhou"),
        (Role.AUDITOR, None, "province"),  # auditors and administrators need no organization
        (Role.SYSADMIN, "office", "province"),
    ],
)
def test_each_role_is_accepted_where_it_fits(heidi, places, role, organization, jurisdiction):
    data = new_account(
        places,
        role=role,
        organization=getattr(places, organization).uuid if organization else "",
        jurisdiction=getattr(places, jurisdiction).code,
    )

    response = heidi.post(reverse("manage-user-create"), data)

    assert response.status_code == 200
    assert shown_link(response), (field_errors(response, "organization"), form_errors(response))
    assert User.objects.get(username="lin").role == role


@pytest.mark.parametrize(
    ("department", "kind"),
    [
        (Department.WOMENS_FEDERATION, OrganizationKind.SHELTER),
        (Department.CIVIL_AFFAIRS, OrganizationKind.WELFARE_HOME),
        (Department.CIVIL_AFFAIRS, OrganizationKind.CHILDREN_WELFARE),
    ],
)
def test_caseworker_fits_every_residential_unit_of_civil_affairs_or_the_womens_federation(
    heidi, places, department, kind
):
    unit = OrganizationFactory(department=department, kind=kind, jurisdiction=places.fuzhou, capacity=20)

    response = heidi.post(reverse("manage-user-create"), new_account(places, organization=unit.uuid))

    assert shown_link(response)
    assert User.objects.get(username="lin").organization == unit


# --- Editing an account ----------------------------------------------------------------------


def account_form(user, **changes) -> dict:
    data = {
        "last_name": user.last_name,
        "first_name": user.first_name,
        "role": user.role,
        "organization": user.organization.uuid if user.organization else "",
        "jurisdiction": user.jurisdiction.code,
    }
    data.update(changes)
    return data


def test_sysadmin_moves_an_account_and_the_change_is_audited(heidi, cast, places):
    carol = cast.carol
    url = reverse("manage-user", args=[carol.uuid])
    xm_home = OrganizationFactory(
        name="厦门市儿童福利院", kind=OrganizationKind.CHILDREN_WELFARE, jurisdiction=places.xiamen, capacity=30
    )

    response = heidi.post(url, account_form(carol, organization=xm_home.uuid, last_name="陈"))

    assert response.status_code == 200
    assert shown_link(response)  # a move needs a new enrolment (and approval)
    carol.refresh_from_db()
    assert (carol.organization, carol.last_name, carol.is_active) == (xm_home, "陈", False)
    (event,) = events(AuditAction.USER_UPDATED)
    assert event.actor == cast.heidi
    assert event.detail["user"] == str(carol.uuid)
    assert event.detail["changed"] == ["last_name", "organization"]
    assert event.detail["organization"] == str(xm_home.uuid)
    assert event.detail["approval_required"] is True
    assert "陈" not in str(event.detail)


def test_changing_only_the_names_is_no_move(heidi, cast):
    url = reverse("manage-user", args=[cast.bob.uuid])

    response = heidi.post(url, account_form(cast.bob, last_name="王"))

    assert response.status_code == 302
    assert response.url == url
    cast.bob.refresh_from_db()
    assert cast.bob.is_active and cast.bob.last_name == "王"
    assert not AccountActivation.objects.exists()
    (event,) = events(AuditAction.USER_UPDATED)
    assert event.detail["changed"] == ["last_name"]
    assert "sessions_ended" not in event.detail


def test_edit_form_shows_the_accounts_current_values(heidi, cast):
    response = heidi.get(reverse("manage-user", args=[cast.bob.uuid]))

    assert selected(response, "organization") == str(cast.bob.organization.uuid)
    assert selected(response, "role") == Role.EDUCATION
    assert selected(response, "jurisdiction") == cast.bob.jurisdiction.code


def test_editing_an_account_into_an_organization_that_does_not_fit_changes_nothing(heidi, cast, places):
    bob = cast.bob
    before = User.objects.filter(pk=bob.pk).values().get()

    response = heidi.post(reverse("manage-user", args=[bob.uuid]), account_form(bob, organization=places.fz_labor.uuid))

    assert response.status_code == 200
    assert field_errors(response, "organization") == ["教育部门工作人员须隶属于教育部门的机构。"]
    assert User.objects.filter(pk=bob.pk).values().get() == before
    assert not events(AuditAction.USER_UPDATED)


def test_editing_an_account_outside_its_organizations_jurisdiction_changes_nothing(heidi, cast, places):
    response = heidi.post(
        reverse("manage-user", args=[cast.dave.uuid]), account_form(cast.dave, jurisdiction=places.xiamen.code)
    )

    assert field_errors(response, "jurisdiction") == ["账户的辖区须在所属机构的辖区（3501 福州市）之内。"]
    cast.dave.refresh_from_db()
    assert cast.dave.jurisdiction == places.fuzhou


def test_sysadmin_cannot_change_their_own_role(heidi, cast):
    response = heidi.post(reverse("manage-user", args=[cast.heidi.uuid]), account_form(cast.heidi, role=Role.AUDITOR))

    assert field_errors(response, "role") == ["不能更改自己的角色。"]
    cast.heidi.refresh_from_db()
    assert cast.heidi.role == Role.SYSADMIN


def test_sysadmin_cannot_move_their_own_account(heidi, cast, places):
    response = heidi.post(
        reverse("manage-user", args=[cast.heidi.uuid]), account_form(cast.heidi, jurisdiction=places.fuzhou.code)
    )

    assert response.status_code == 200
    assert field_errors(response, "jurisdiction")
    cast.heidi.refresh_from_db()
    assert cast.heidi.jurisdiction == places.province and cast.heidi.is_active


def test_saving_an_account_unchanged_writes_no_event(heidi, cast):
    response = heidi.post(reverse("manage-user", args=[cast.bob.uuid]), account_form(cast.bob))

    assert response.status_code == 302
    assert not events(AuditAction.USER_UPDATED)


# --- Disabling, enabling, second factor ------------------------------------------------------


def test_disabling_an_account_writes_user_disabled_by_the_sysadmin(heidi, cast):
    response = heidi.post(reverse("manage-user-disable", args=[cast.alice.uuid]), {"reason": "调离岗位"})

    assert response.status_code == 302
    cast.alice.refresh_from_db()
    assert not cast.alice.is_active
    (event,) = events(AuditAction.USER_DISABLED)
    assert event.actor == cast.heidi
    assert event.detail["user"] == str(cast.alice.uuid)
    assert event.detail["reason"] == "调离岗位"


def test_disabling_an_account_needs_a_reason(heidi, cast):
    response = heidi.post(reverse("manage-user-disable", args=[cast.alice.uuid]), {"reason": "  "})

    assert response.status_code == 200
    assert field_errors(response, "reason")
    cast.alice.refresh_from_db()
    assert cast.alice.is_active
    assert not events(AuditAction.USER_DISABLED)


def test_disabling_ends_the_targets_live_session(cast, password):
    alice = Client()
    assert alice.post(reverse("login"), {"username": "alice", "password": password}).status_code == 302
    assert alice.get(reverse("dashboard")).status_code == 200
    alice_session = alice.session.session_key
    heidi = Client()
    heidi.force_login(cast.heidi)

    heidi.post(reverse("manage-user-disable", args=[cast.alice.uuid]), {"reason": "账户泄露"})

    response = alice.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    assert not store.exists(alice_session), "the session itself must be gone, not merely refused"


def test_sysadmin_cannot_disable_themself(heidi, cast):
    page = html(heidi.get(reverse("manage-user", args=[cast.heidi.uuid])))
    assert reverse("manage-user-disable", args=[cast.heidi.uuid]) not in page  # not offered

    response = heidi.post(reverse("manage-user-disable", args=[cast.heidi.uuid]), {"reason": "测试"})

    assert response.status_code == 200
    assert form_errors(response) == ["不能停用自己的账户。"]
    cast.heidi.refresh_from_db()
    assert cast.heidi.is_active
    assert not events(AuditAction.USER_DISABLED)
    assert heidi.get(reverse("manage-users")).status_code == 200  # still signed in


def test_enabling_a_disabled_account_gives_an_enrolment_link_not_its_old_password(heidi, cast, password):
    users.user_disable(actor=cast.heidi, user=cast.alice, reason="休假")
    assert not can_sign_in("alice", password)

    response = heidi.post(reverse("manage-user-enable", args=[cast.alice.uuid]))

    assert response.status_code == 200
    assert shown_link(response)
    cast.alice.refresh_from_db()
    assert not cast.alice.is_active and not cast.alice.has_usable_password()
    (event,) = events(AuditAction.USER_ENABLED)
    assert event.actor == cast.heidi
    assert event.detail["user"] == str(cast.alice.uuid)
    assert not can_sign_in("alice", password)  # until she enrols again and is approved
    state = html(heidi.get(reverse("manage-user", args=[cast.alice.uuid])))
    assert reverse("manage-user-enrolment-link", args=[cast.alice.uuid]) in state
    assert reverse("manage-user-enable", args=[cast.alice.uuid]) not in state


def test_enabling_an_account_already_waiting_for_its_activation_is_refused(heidi, cast):
    users.user_disable(actor=cast.heidi, user=cast.alice, reason="休假")
    users.user_enable(actor=cast.heidi, user=cast.alice)

    response = heidi.post(reverse("manage-user-enable", args=[cast.alice.uuid]))

    assert response.status_code == 200
    assert form_errors(response)
    assert len(events(AuditAction.USER_ENABLED)) == 1


def test_a_new_enrolment_link_kills_the_previous_one_and_is_audited(heidi, cast):
    users.user_disable(actor=cast.heidi, user=cast.alice, reason="休假")
    first = users.user_enable(actor=cast.heidi, user=cast.alice)

    response = heidi.post(reverse("manage-user-enrolment-link", args=[cast.alice.uuid]))

    second = link_token(shown_link(response))
    activation = AccountActivation.objects.get(user=cast.alice, closed_at__isnull=True)
    assert activation.link_digest == token_digest(second) != token_digest(first.token)
    (event,) = events(AuditAction.ENROLMENT_LINK_ISSUED)
    assert event.actor == cast.heidi and event.detail["user"] == str(cast.alice.uuid)


def test_no_enrolment_link_for_an_account_not_waiting_for_one(heidi, cast):
    response = heidi.post(reverse("manage-user-enrolment-link", args=[cast.alice.uuid]))

    assert response.status_code == 200
    assert form_errors(response)
    assert 'id="enrolment-link"' not in html(response)
    assert not events(AuditAction.ENROLMENT_LINK_ISSUED)


def test_enabling_an_account_whose_organization_was_deactivated_is_refused(heidi, cast, places):
    users.user_disable(actor=cast.heidi, user=cast.carol, reason="机构撤销")
    users.user_disable(actor=cast.heidi, user=cast.xavier, reason="机构撤销")
    organizations.organization_deactivate(actor=cast.heidi, organization=places.xm_shelter)

    response = heidi.post(reverse("manage-user-enable", args=[cast.carol.uuid]))

    assert response.status_code == 200
    assert "该机构已停用，请选择启用中的机构。" in form_errors(response)
    cast.carol.refresh_from_db()
    assert not cast.carol.is_active
    assert not events(AuditAction.USER_ENABLED)


def test_enabling_an_active_account_is_refused(heidi, cast):
    response = heidi.post(reverse("manage-user-enable", args=[cast.bob.uuid]))

    assert form_errors(response) == ["该账户已处于启用状态。"]
    assert not events(AuditAction.USER_ENABLED)


# --- Organizations ---------------------------------------------------------------------------


def organization_form(places, **changes) -> dict:
    data = {
        "name": "福州市第二救助管理站",
        "department": Department.CIVIL_AFFAIRS,
        "kind": OrganizationKind.SHELTER,
        "jurisdiction": places.fuzhou.code,
        "capacity": 60,
    }
    data.update(changes)
    return data


def test_sysadmin_creates_a_shelter_with_its_capacity_and_it_is_audited(heidi, cast, places):
    response = heidi.post(reverse("manage-organization-create"), organization_form(places))

    assert response.status_code == 302
    shelter = Organization.objects.get(name="福州市第二救助管理站")
    assert (shelter.capacity, shelter.jurisdiction, shelter.is_active) == (60, places.fuzhou, True)
    (event,) = events(AuditAction.ORGANIZATION_CREATED)
    assert event.actor == cast.heidi
    assert event.detail["organization"] == str(shelter.uuid)


@pytest.mark.parametrize(
    "kind", [OrganizationKind.SHELTER, OrganizationKind.WELFARE_HOME, OrganizationKind.CHILDREN_WELFARE]
)
def test_residential_organization_needs_a_capacity(heidi, places, kind):
    count = Organization.objects.count()

    response = heidi.post(reverse("manage-organization-create"), organization_form(places, kind=kind, capacity=""))

    assert response.status_code == 200
    assert field_errors(response, "capacity") == ["救助管理站、福利院和儿童福利机构须填写床位数。"]
    assert form_errors(response) == []  # said once, on the field
    assert Organization.objects.count() == count
    assert not events(AuditAction.ORGANIZATION_CREATED)
    assert 'value="福州市第二救助管理站"' in html(response)


def test_non_residential_organization_has_no_capacity(heidi, places):
    response = heidi.post(
        reverse("manage-organization-create"),
        organization_form(places, name="福州第一中学", department=Department.EDUCATION, kind=OrganizationKind.SCHOOL),
    )

    assert field_errors(response, "capacity") == ["只有提供住宿的机构才有床位数，请留空。"]
    assert not Organization.objects.filter(name="福州第一中学").exists()


def test_non_residential_organization_is_created_without_capacity(heidi, places):
    response = heidi.post(
        reverse("manage-organization-create"),
        organization_form(
            places, name="福州第一中学", department=Department.EDUCATION, kind=OrganizationKind.SCHOOL, capacity=""
        ),
    )

    assert response.status_code == 302
    assert Organization.objects.get(name="福州第一中学").capacity is None


def test_editing_a_shelter_cannot_drop_its_capacity(heidi, places):
    shelter = places.fz_shelter
    data = organization_form(places, name=shelter.name, capacity="")

    response = heidi.post(reverse("manage-organization", args=[shelter.uuid]), data)

    assert field_errors(response, "capacity") == ["救助管理站、福利院和儿童福利机构须填写床位数。"]
    shelter.refresh_from_db()
    assert shelter.capacity == 40
    assert not events(AuditAction.ORGANIZATION_UPDATED)


def test_organization_name_is_unique_within_its_jurisdiction(heidi, places):
    response = heidi.post(reverse("manage-organization-create"), organization_form(places, name="福州市救助管理站"))

    assert response.status_code == 200
    assert form_errors(response)
    assert Organization.objects.filter(name="福州市救助管理站").count() == 1


def test_editing_an_organization_is_audited_with_the_fields_changed(heidi, cast, places):
    shelter = places.fz_shelter

    response = heidi.post(
        reverse("manage-organization", args=[shelter.uuid]), organization_form(places, name=shelter.name, capacity=80)
    )

    assert response.status_code == 302
    shelter.refresh_from_db()
    assert shelter.capacity == 80
    (event,) = events(AuditAction.ORGANIZATION_UPDATED)
    assert event.actor == cast.heidi
    assert event.detail["changed"] == ["capacity"]


def test_changing_an_organizations_department_under_its_staff_is_refused(heidi, places):
    bureau = places.fz_education
    data = organization_form(
        places, name=bureau.name, department=Department.LABOR, kind=OrganizationKind.BUREAU, capacity=""
    )

    response = heidi.post(reverse("manage-organization", args=[bureau.uuid]), data)

    assert response.status_code == 200
    assert any("bob" in error for error in form_errors(response)), form_errors(response)
    bureau.refresh_from_db()
    assert bureau.department == Department.EDUCATION


def test_moving_an_organization_away_from_its_staffs_jurisdiction_is_refused(heidi, places):
    bureau = places.fz_education
    data = organization_form(
        places,
        name=bureau.name,
        department=Department.EDUCATION,
        kind=OrganizationKind.BUREAU,
        jurisdiction=places.xiamen.code,
        capacity="",
    )

    response = heidi.post(reverse("manage-organization", args=[bureau.uuid]), data)

    assert any("bob" in error for error in form_errors(response))
    bureau.refresh_from_db()
    assert bureau.jurisdiction == places.fuzhou


def test_organization_with_active_accounts_cannot_be_deactivated(heidi, places):
    response = heidi.post(reverse("manage-organization-deactivate", args=[places.fz_shelter.uuid]))

    assert response.status_code == 200
    assert form_errors(response) == ["仍有1个启用中的账户隶属于该机构，请先停用或调走这些账户。"]
    places.fz_shelter.refresh_from_db()
    assert places.fz_shelter.is_active
    assert not events(AuditAction.ORGANIZATION_UPDATED)


def test_deactivating_an_organization_is_audited_and_bars_new_accounts(heidi, cast, places):
    users.user_disable(actor=cast.heidi, user=cast.alice, reason="机构撤销")

    response = heidi.post(reverse("manage-organization-deactivate", args=[places.fz_shelter.uuid]))

    assert response.status_code == 302
    places.fz_shelter.refresh_from_db()
    assert not places.fz_shelter.is_active
    (event,) = events(AuditAction.ORGANIZATION_UPDATED)
    assert event.actor == cast.heidi
    assert event.detail["change"] == "deactivated"
    assert str(places.fz_shelter.uuid) not in options(heidi.get(reverse("manage-user-create")), "organization")


def test_deactivated_organization_can_be_activated_again(heidi, cast, places):
    empty = OrganizationFactory(kind=OrganizationKind.BUREAU, department=Department.EDUCATION, capacity=None)
    organizations.organization_deactivate(actor=cast.heidi, organization=empty)

    response = heidi.post(reverse("manage-organization-activate", args=[empty.uuid]))

    assert response.status_code == 302
    empty.refresh_from_db()
    assert empty.is_active
    assert [event.detail["change"] for event in events(AuditAction.ORGANIZATION_UPDATED)] == [
        "deactivated",
        "activated",
    ]


def test_organization_list_shows_kind_capacity_and_status_in_chinese(heidi, places):
    page = html(heidi.get(reverse("manage-organizations")))

    row = re.search(r"<tr>\s*<td><a [^>]*>福州市救助管理站</a></td>(.*?)</tr>", page, re.DOTALL)
    assert row
    cells = re.findall(r"<td>(.*?)</td>", row.group(1))
    assert cells == ["民政", "救助管理站", "3501 福州市", "40", "启用"]


# --- A province other than the cast's --------------------------------------------------------


def test_organization_from_another_province_is_managed_the_same_way(heidi, cast):
    zhejiang = JurisdictionFactory(code="33", name="浙江省")
    hangzhou = JurisdictionFactory(code="3301", name="杭州市", parent=zhejiang)
    station = OrganizationFactory(name="杭州市救助管理站", jurisdiction=hangzhou)
    worker = UserFactory(username="hz", role=Role.CASEWORKER, organization=station, jurisdiction=hangzhou)

    response = heidi.post(
        reverse("manage-user", args=[worker.uuid]), account_form(worker, jurisdiction=cast.alice.jurisdiction.code)
    )

    assert field_errors(response, "jurisdiction") == ["账户的辖区须在所属机构的辖区（3301 杭州市）之内。"]


# --- One transaction: a change and its audit event stand or fall together --------------------


class AuditDown(Exception):
    pass


def test_a_change_whose_audit_event_cannot_be_written_is_not_kept(monkeypatch, cast, places):
    def fail(**kwargs):
        raise AuditDown

    monkeypatch.setattr(users, "record_event", fail)
    monkeypatch.setattr(organizations, "record_event", fail)
    heidi = cast.heidi

    with pytest.raises(AuditDown):
        users.user_create(
            actor=heidi,
            username="lin",
            first_name="",
            last_name="",
            role=Role.AUDITOR,
            organization=None,
            jurisdiction=places.province,
        )
    with pytest.raises(AuditDown):
        users.user_update(
            actor=heidi,
            user=cast.bob,
            first_name="",
            last_name="王",
            role=Role.EDUCATION,
            organization=places.fz_education,
            jurisdiction=places.gulou,
        )
    with pytest.raises(AuditDown):
        organizations.organization_update(
            actor=heidi,
            organization=places.fz_shelter,
            name="改名",
            department=Department.CIVIL_AFFAIRS,
            kind=OrganizationKind.SHELTER,
            jurisdiction=places.fuzhou,
            capacity=10,
        )

    assert not User.objects.filter(username="lin").exists()
    bob = User.objects.get(pk=cast.bob.pk)
    assert (bob.last_name, bob.jurisdiction) == ("", places.fuzhou)
    shelter = Organization.objects.get(pk=places.fz_shelter.pk)
    assert (shelter.name, shelter.capacity) == ("福州市救助管理站", 40)
