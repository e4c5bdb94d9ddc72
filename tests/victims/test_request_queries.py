"""What every request pays before its own work (issue 19): the account (token or session) comes
with its organization and jurisdiction in one query, and the audit event of the request costs
exactly two queries — lock and read its partition's head, insert the event (which advances the
head in the database) — with no query for the actor's organization, no separate read of the
last hash and no statement of its own to move the head."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from registry.accounts import credentials

# A lazy load of the actor's organization or jurisdiction, one row by its key.
_LAZY_LOAD = re.compile(r'FROM "registry_(organization|jurisdiction)" WHERE "registry_\1"\."id" = ')


def assert_fixed_costs(queries: list[dict], account_table: str) -> None:
    """The request's first read of an account is its own, with its placement joined; nothing
    loads the placement again; its audit event is two queries."""
    sql = [query["sql"] for query in queries]
    account = next(s for s in sql if re.search(r'FROM "registry_(apitoken|user)"', s))
    assert f'FROM "{account_table}"' in account
    assert '"registry_organization"' in account and '"registry_jurisdiction"' in account
    if account_table == "registry_apitoken":
        assert len([s for s in sql if "registry_apitoken" in s]) == 1
    assert [s for s in sql if _LAZY_LOAD.search(s)] == []
    audit = [s for s in sql if "registry_audit" in s]
    assert len(audit) == 2, audit
    head, insert = audit
    assert head.startswith("SELECT") and "registry_auditchainhead" in head
    assert ("FOR UPDATE" in head) == (connection.vendor == "postgresql")
    assert insert.startswith("INSERT") and "registry_auditevent" in insert


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/cases/", "/api/v1/cases/{id}/", "/api/v1/cases/{id}/history/"])
def test_an_api_request_pays_one_query_for_its_token_and_two_for_its_audit_event(cast, register, path):
    case = register()
    _, raw = credentials.api_token_issue(user=cast.alice)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {raw}")
    url = path.format(id=case.uuid)
    client.get(url)  # the token's first use is stamped; later ones within the minute are not
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert_fixed_costs(captured.captured_queries, "registry_apitoken")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/cases/", "/cases/{id}/"])
def test_a_page_pays_one_query_for_its_session_account_and_two_for_its_audit_event(cast, register, path):
    case = register()
    client = Client()
    client.force_login(cast.alice, backend="registry.accounts.lockout.PasswordBackend")  # as a sign-in does
    url = path.format(id=case.uuid)
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert_fixed_costs(captured.captured_queries, "registry_user")
