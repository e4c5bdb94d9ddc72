"""The hand-overs' API held to the policy: every route, run as every member of the cast.

The case is ``tests.victims.test_api_matrix``'s (Alice's, in Gulou, referred to Bob's, Erin's and
Frank's organizations). Handing it over and generating the package are civil affairs' actions
(403 for the other roles that see the case); the list of hand-overs is read by the readers of the
``transfers`` section — a receiving department that sees the case but not the section gets 404,
as for every kind of record its role does not read. Auditors, administrators and Xiamen: 404.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from registry import policy
from registry.policy import Action, Section
from tests.factories import TEST_PASSWORD
from tests.policy_matrix import PolicyMatrix
from tests.transfers.test_handover_operations import body as handover_body
from tests.victims.test_api_matrix import ENVELOPE, case_scope_facts, if_match, referred_case
from transfers.handover.operations import case_hand_over


def handed_over(places, cast):
    case = referred_case(places, cast)
    return case_hand_over(actor=cast.dave, case=case, expected_version=case.version, **handover_body())


@pytest.mark.django_db
class TestCaseHandOverMatrix(PolicyMatrix):
    route_name = "case-hand-over"
    kind = "write"
    method = "post"
    action = Action.HAND_OVER_CASE
    success_status = 201

    def make_record(self, places, cast):
        return referred_case(places, cast)

    def url(self, record):
        return reverse(self.route_name, kwargs={"id": record.uuid})

    def headers(self, record):
        return if_match(record.version)

    def body(self, record):
        return {**handover_body(), "handed_over_on": handover_body()["handed_over_on"].isoformat()}

    def scope_facts(self, record):
        return case_scope_facts(record)

    def result_id(self, record):
        return str(record.uuid)


@pytest.mark.django_db
class TestCaseHandOversMatrix(PolicyMatrix):
    route_name = "case-hand-overs"
    always_keys = ENVELOPE

    def make_record(self, places, cast):
        return handed_over(places, cast)

    def url(self, record):
        return reverse(self.route_name, kwargs={"id": record.case.uuid})

    def scope_facts(self, record):
        return case_scope_facts(record.case)

    def expected_status(self, user, visible):
        if visible and not policy.may_read(user, Section.TRANSFERS):
            return 404  # the kind of record is absent for a role that does not read its section
        return super().expected_status(user, visible)


@pytest.mark.django_db
class TestHandOverPackageMatrix(PolicyMatrix):
    route_name = "hand-over-package"
    kind = "write"
    method = "post"
    action = Action.HAND_OVER_CASE
    success_status = 201

    @pytest.fixture(autouse=True)
    def archive_storage(self, settings, tmp_path):
        settings.STORAGES = {
            **settings.STORAGES,
            "archive": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(tmp_path)},
            },
        }

    def make_record(self, places, cast):
        return handed_over(places, cast)

    def url(self, record):
        return reverse(self.route_name, kwargs={"id": record.uuid})

    def body(self, record):
        return {"password": TEST_PASSWORD}

    def scope_facts(self, record):
        return case_scope_facts(record.case)

    def expected_status(self, user, visible):
        if visible and not policy.may_read(user, Section.TRANSFERS):
            return 404  # a hand-over is absent for a role that does not read its section
        return super().expected_status(user, visible)
