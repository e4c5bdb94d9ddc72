"""The sysadmin's and auditor's pages look like the rest of the app (issue 18, item 10): the
forms of the case file (``case-form``: styled selects, check boxes of at least 24 px), tables in
their scrolling wrapper, numbered pages with the current one marked, and controls of at least
24 px in the style sheet."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CSS = Path(settings.BASE_DIR) / "registry" / "static" / "registry" / "app.css"


def test_the_account_list_has_the_apps_form_table_and_numbered_pages(client, cast, monkeypatch):
    monkeypatch.setattr("registry.admin_views.PAGE_SIZE", 4)
    for number in range(6):
        UserFactory(username=f"staff{number}", role=cast.alice.role, organization=cast.alice.organization)
    client.force_login(cast.heidi)

    html = client.get(reverse("manage-users"), {"page": "2"}).content.decode()

    assert '<form method="get" action="/manage/users/" class="case-form" id="user-filters">' in html
    assert re.search(r'<div class="table-wrap">\s*<table class="record-table" id="accounts">', html)
    pager = html.split('<nav class="pager"', 1)[1].split("</nav>", 1)[0]
    assert 'aria-current="page">2</a>' in pager and 'href="?page=1">1</a>' in pager


def test_the_admin_forms_and_the_audit_log_use_the_case_file_forms(client, cast):
    client.force_login(cast.heidi)
    for name in ("manage-user-create", "manage-organization-create"):
        assert 'class="case-form"' in client.get(reverse(name)).content.decode(), name
    client.force_login(cast.grace)
    html = client.get(reverse("audit-log")).content.decode()
    assert 'class="case-form" id="audit-filters"' in html and 'class="case-form audit-export"' in html


def test_the_style_sheet_gives_pager_sort_and_check_box_controls_24_px():
    css = CSS.read_text(encoding="utf-8")
    block = css.split("issue 18, items 3 and 10", 1)[1]
    for selector in (
        ".pager__number,",
        ".sort-link",
        ".list-filters > summary",
        '.case-form .field--check input[type="checkbox"]',
    ):
        rule = block.split(selector, 1)[1].split("}", 1)[0]
        assert re.search(r"min-height: (2\.25rem|24px)", rule), selector
