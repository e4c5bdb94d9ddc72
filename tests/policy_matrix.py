"""The policy matrix: every API endpoint, run as every member of the cast, judged by the policy.

An endpoint plugs in with a subclass of :class:`PolicyMatrix` in its app's tests, naming its
route, how to build a record and a URL, and which serializer fields belong to which section.
The expected answer is computed from ``registry.policy`` alone — scope, section access and
actions — so a change of the policy table changes what every endpoint is held to, and the
meta-test in ``tests/registry/test_policy_matrix_coverage.py`` fails for a route no subclass
covers.

The record a subclass builds must belong to Alice's organization (Fuzhou relief station), lie in
Gulou district (350102), and be referred — with access granted — to the organizations of Bob
(education), Erin (legal aid) and Frank (labour): so every role has a member who sees it and
Carol and Xavier (Xiamen) must not.
"""

from __future__ import annotations

from typing import ClassVar

import pytest

from registry import policy
from registry.policy import Access, Action, Scope, Section

CAST = ("alice", "dave", "bob", "erin", "frank", "carol", "xavier", "grace", "heidi")


def in_scope(user, *, organization_id: int, jurisdiction_code: str, referred_organization_ids: set[int]) -> bool:
    """An oracle written apart from ``registry.scope``: whether ``user`` should see the record."""
    scope = policy.scope_of(user)
    if scope is Scope.ORGANIZATION:
        return user.organization_id == organization_id
    if scope is Scope.JURISDICTION:
        return jurisdiction_code.startswith(user.jurisdiction.code)
    if scope is Scope.REFERRAL:
        return user.organization_id in referred_organization_ids
    return False


class PolicyMatrix:
    """Subclass per endpoint. Set ``route_name``, ``kind`` and the hooks below."""

    route_name: ClassVar[str]
    kind: ClassVar[str] = "detail"  # "detail", "list" or "write"
    method: ClassVar[str] = "get"
    write_section: ClassVar[Section | None] = None  # the section a "write" endpoint changes
    action: ClassVar[Action | None] = None  # an action the endpoint needs beyond reading
    success_status: ClassVar[int] = 200
    always_keys: ClassVar[frozenset[str]] = frozenset({"id"})
    section_keys: ClassVar[dict[Section, frozenset[str]]] = {}

    # --- hooks ------------------------------------------------------------------------------
    def make_record(self, places, cast):
        raise NotImplementedError

    def url(self, record) -> str:
        raise NotImplementedError

    def body(self, record) -> dict | None:
        return None

    def headers(self, record) -> dict[str, str]:
        return {}

    def scope_facts(self, record) -> dict:
        """``organization_id``, ``jurisdiction_code`` and ``referred_organization_ids``."""
        raise NotImplementedError

    def result_id(self, record) -> str:
        return str(record.uuid)

    # --- expectations from the policy -------------------------------------------------------
    def expected_keys(self, user) -> set[str]:
        keys = set(self.always_keys)
        for section, names in self.section_keys.items():
            if policy.section_access(user, section) >= Access.READ:
                keys |= names
        return keys

    def expected_status(self, user, visible: bool) -> int:
        if self.kind == "list":
            return self.success_status
        if not visible:
            return 404
        if self.action is not None and not policy.may(user, self.action):
            return 403
        if self.write_section is not None and not policy.may_write(user, self.write_section):
            return 403
        return self.success_status

    # --- the generated tests ----------------------------------------------------------------
    def _call(self, client, record):
        method = getattr(client, self.method)
        return method(self.url(record), data=self.body(record), format="json", headers=self.headers(record))

    @pytest.mark.parametrize("member", CAST)
    def test_policy_matrix(self, member, places, cast, api_client_for):
        record = self.make_record(places, cast)
        user = getattr(cast, member)
        visible = in_scope(user, **self.scope_facts(record))
        response = self._call(api_client_for(user), record)
        expected = self.expected_status(user, visible)
        assert response.status_code == expected, (member, response.status_code, getattr(response, "data", None))
        if expected >= 400:
            assert set(response.json()) >= {"code", "message"}
            return
        if self.kind == "list":
            results = {item["id"]: item for item in response.json()["results"]}
            assert (self.result_id(record) in results) is visible, member
            for item in results.values():
                assert set(item) == self.expected_keys(user), member
        elif self.kind == "detail":
            assert set(response.json()) == self.expected_keys(user), member

    def test_anonymous_is_refused(self, places, cast, client):
        from rest_framework.test import APIClient

        record = self.make_record(places, cast)
        response = self._call(APIClient(), record)
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"
