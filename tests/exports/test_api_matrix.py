"""The dossiers' API routes held to the policy, run as every member of the cast.

Only civil affairs may ``export_dossier``: Dave (Fuzhou) generates, polls, lists and downloads; every
other member who sees the case gets 403, and Carol, Xavier (Xiamen), Grace and Heidi get 404.
The PDF is made by a stand-in renderer here (``fake_render``): these tests are about who may
do what; tests/exports/test_dossier_content.py reads real dossiers.
"""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse

from exports import jobs, operations
from exports.models import ArchiveRecord, DossierJob
from registry.policy import Action
from tests.exports.helpers import fake_render
from tests.factories import TEST_PASSWORD
from tests.policy_matrix import PolicyMatrix
from tests.victims.test_api_matrix import case_scope_facts, referred_case

ENVELOPE = frozenset({"count", "count_exact", "next", "previous", "results"})


JOB_KEYS = frozenset(
    {"id", "case", "case_number", "status", "language", "requested_by", "requested_at", "started_at",
     "finished_at", "time_limit", "error", "dossier", "url"}
)  # fmt: skip


@pytest.fixture(autouse=True)
def _fake_rendering():
    with mock.patch("exports.operations._render", fake_render):
        yield


class DossierCaseMatrix(PolicyMatrix):
    route_name = "case-dossier-list"
    action = Action.EXPORT_DOSSIER

    def make_record(self, places, cast):
        case = referred_case(places, cast)
        operations.dossier_generate(actor=cast.dave, case=case)
        return case

    def scope_facts(self, record):
        return case_scope_facts(record)

    def url(self, record):
        return reverse(self.route_name, kwargs={"id": record.uuid})


@pytest.mark.django_db
class TestCaseDossierListMatrix(DossierCaseMatrix):
    # A list under a case is a "detail" of the case for the matrix: 404 out of scope, 403 without
    # the action, and the page's envelope keys for Dave.
    kind = "detail"
    always_keys = ENVELOPE


@pytest.mark.django_db
class TestCaseDossierGenerateMatrix(DossierCaseMatrix):
    kind = "write"
    method = "post"
    success_status = 201

    def body(self, record):
        return {"password": TEST_PASSWORD}


@pytest.mark.django_db
class TestDossierPdfMatrix(PolicyMatrix):
    route_name = "dossier-pdf"
    kind = "download"  # neither a list nor a JSON detail: the answer is the PDF
    action = Action.EXPORT_DOSSIER

    def make_record(self, places, cast):
        case = referred_case(places, cast)
        return operations.dossier_generate(actor=cast.dave, case=case)

    def scope_facts(self, record: ArchiveRecord):
        return case_scope_facts(record.case)

    def url(self, record):
        return reverse(self.route_name, kwargs={"id": record.uuid})


@pytest.mark.django_db
class TestDossierJobMatrix(PolicyMatrix):
    route_name = "dossier-job-detail"
    action = Action.EXPORT_DOSSIER
    always_keys = JOB_KEYS

    def make_record(self, places, cast):
        case = referred_case(places, cast)
        return jobs.dossier_request(actor=cast.dave, case=case)  # inline in the tests: done at once

    def scope_facts(self, record: DossierJob):
        return case_scope_facts(record.case)

    def url(self, record):
        return reverse(self.route_name, kwargs={"id": record.uuid})
