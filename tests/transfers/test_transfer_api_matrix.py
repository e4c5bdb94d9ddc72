"""The transfers' API held to the policy: every route, run as every member of the cast.

The record is a pending transfer of the matrix's case (Alice's, in Gulou, referred to Bob's,
Erin's and Frank's organizations) to the Xiamen relief station. Two audiences, each written here
from the policy, apart from the code:

- **who sees the case** (its scope) and reads the transfers section (caseworkers, civil affairs):
  the whole record; the receiving departments see the case but not the section (404);
- **the receivers** — the Xiamen station's caseworkers (Carol) and the civil affairs officers
  whose jurisdiction contains Xiamen's (Xavier) — who do not see the case yet: only the summary,
  and they alone answer (accept, decline). Anyone else: 404, as for an absent transfer.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from registry import policy
from registry.choices import Role
from registry.policy import Action, Section
from tests.policy_matrix import CAST, PolicyMatrix, in_scope
from tests.transfers.test_transfer_operations import request_transfer
from tests.victims.test_api_matrix import ENVELOPE, case_scope_facts, if_match, referred_case

SUMMARY_KEYS = frozenset(
    {"id", "version", "direction", "case_number", "age_band", "sex", "from_organization", "to_organization", "reason"}
    | {"sections_first", "status", "created_at", "decided_at"}
)
RECORD_KEYS = SUMMARY_KEYS | {"case_id", "comment", "requested_by", "decided_by", "decision_comment"}


def sees_transfers_of(user, case) -> bool:
    """Sees the case and reads its transfers section."""
    return in_scope(user, **case_scope_facts(case)) and policy.may_read(user, Section.TRANSFERS)


def receives(user, transfer) -> bool:
    """A receiver of ``transfer``: a role that may transfer cases, and the receiving organization's
    caseworker or a civil affairs officer whose jurisdiction contains the receiving organization's."""
    if not policy.may(user, Action.TRANSFER_CASE):
        return False
    if policy.role_of(user) is Role.CASEWORKER:
        return user.organization_id == transfer.to_organization_id
    return transfer.to_organization.jurisdiction.code.startswith(user.jurisdiction.code)


# --- the case's transfers: the case's audience ----------------------------------------------------


class CaseTransfersMatrix(PolicyMatrix):
    route_name = "case-transfer-list"

    def make_record(self, places, cast):
        return referred_case(places, cast)

    def scope_facts(self, record):
        return case_scope_facts(record)

    def url(self, record):
        return reverse(self.route_name, kwargs={"id": record.uuid})


@pytest.mark.django_db
class TestCaseTransferListMatrix(CaseTransfersMatrix):
    always_keys = ENVELOPE

    def expected_status(self, user, visible):
        # A role that does not read the section finds it absent, like an unknown kind.
        return 200 if visible and policy.may_read(user, Section.TRANSFERS) else 404


@pytest.mark.django_db
class TestCaseTransferCreateMatrix(CaseTransfersMatrix):
    kind = "write"
    method = "post"
    action = Action.TRANSFER_CASE
    success_status = 201

    def body(self, record):
        return {"to_organization": str(self.receiver.uuid), "reason": "nearer_home", "sections_first": ["health"]}

    def headers(self, record):
        return if_match(record.version)

    def make_record(self, places, cast):
        self.receiver = places.xm_shelter
        return super().make_record(places, cast)


# --- one transfer: the case's audience and the receivers -----------------------------------------


class TransferMatrix(PolicyMatrix):
    """The oracle here is :func:`sees_transfers_of` or :func:`receives`, not the case's scope
    alone, so the generated test is this class's own."""

    def make_record(self, places, cast):
        return request_transfer(places, cast, referred_case(places, cast))

    def scope_facts(self, record):
        return case_scope_facts(record.case)

    def url(self, record):
        return reverse(self.route_name, kwargs={"id": record.uuid})

    def status_for(self, user, record) -> int:
        return self.success_status if sees_transfers_of(user, record.case) or receives(user, record) else 404

    def keys_for(self, user, record) -> frozenset[str]:
        return RECORD_KEYS if sees_transfers_of(user, record.case) else SUMMARY_KEYS

    @pytest.mark.parametrize("member", CAST)
    def test_policy_matrix(self, member, places, cast, api_client_for):
        record = self.make_record(places, cast)
        user = getattr(cast, member)
        response = self._call(api_client_for(user), record)
        expected = self.status_for(user, record)
        assert response.status_code == expected, (member, response.status_code, getattr(response, "data", None))
        if expected >= 400:
            assert set(response.json()) >= {"code", "message"}
            return
        record.refresh_from_db()
        if self.kind == "list":
            results = {item["id"]: item for item in response.json()["results"]}
            assert (str(record.uuid) in results) is True, member
            assert set(results[str(record.uuid)]) == self.keys_for(user, record), member
        else:
            assert set(response.json()) == self.keys_for(user, record), member


@pytest.mark.django_db
class TestTransferListMatrix(TransferMatrix):
    route_name = "transfer-list"
    kind = "list"

    def url(self, record):
        return reverse(self.route_name)

    @pytest.mark.parametrize("member", CAST)
    def test_policy_matrix(self, member, places, cast, api_client_for):
        record = self.make_record(places, cast)
        user = getattr(cast, member)
        response = self._call(api_client_for(user), record)
        assert response.status_code == 200, member
        results = {item["id"]: item for item in response.json()["results"]}
        reads = sees_transfers_of(user, record.case) or receives(user, record)
        assert (str(record.uuid) in results) is reads, member
        if reads:
            assert set(results[str(record.uuid)]) == self.keys_for(user, record), member
            assert results[str(record.uuid)]["direction"] == ("incoming" if receives(user, record) else "outgoing")


@pytest.mark.django_db
class TestTransferDetailMatrix(TransferMatrix):
    route_name = "transfer-detail"


class AnswerMatrix(TransferMatrix):
    kind = "write"
    method = "post"

    def status_for(self, user, record):
        return 200 if receives(user, record) else 404

    def keys_for(self, user, record):
        # Once accepted the receiver sees the case: the whole record; declined, still the summary.
        return RECORD_KEYS if self.route_name == "transfer-accept" else SUMMARY_KEYS


@pytest.mark.django_db
class TestTransferAcceptMatrix(AnswerMatrix):
    route_name = "transfer-accept"


@pytest.mark.django_db
class TestTransferDeclineMatrix(AnswerMatrix):
    route_name = "transfer-decline"

    def body(self, record):
        return {"comment": "本站暂无床位"}


@pytest.mark.django_db
class TestTransferWithdrawMatrix(TransferMatrix):
    route_name = "transfer-withdraw"
    kind = "write"
    method = "post"

    def status_for(self, user, record):
        if sees_transfers_of(user, record.case):
            return 200 if policy.may(user, Action.TRANSFER_CASE) else 403
        return 404  # a receiver does not withdraw what it did not send; anyone else finds nothing

    def headers(self, record):
        return if_match(record.version)

    def body(self, record):
        return {"comment": "重复申请（虚构）"}
