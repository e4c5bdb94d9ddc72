"""README "Extending the registry", proven: a test-only section (``tests/scaffold``: one model,
two fields, one of them encrypted) reaches the API's case detail, its page tab, the history
endpoint, the dossier and the policy matrix by one declaration (``tests/scaffold/sections.py``)
plus its policy row (``tests/scaffold/apps.py``) — and nowhere else is it named."""

import datetime
from pathlib import Path

import pytest

from exports import operations as dossier_operations
from exports import storage
from registry import casefile, policy
from registry.choices import Role
from registry.history import recorded_change
from tests.exports.helpers import pdf_text
from tests.scaffold.models import SCAFFOLD_SECTION, SampleRecord
from tests.victims import test_api_matrix
from tests.victims.conftest import register  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

REMARK = "脚手架备注-7f3a"  # a value only this record holds
OBSERVED = datetime.date(2026, 5, 4)
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def noted_case(register, cast):  # noqa: F811 (the fixture imported above)
    case = register()
    with recorded_change(actor=cast.alice, reason="scaffold record added"):
        SampleRecord.objects.create(case=case, observed_on=OBSERVED, remark=REMARK)
    return case


def test_the_section_is_declared_once_and_named_nowhere_outside_the_scaffold():
    declared = casefile.declared(SCAFFOLD_SECTION)
    assert [kind.model for kind in declared.records] == [SampleRecord]
    mentions = [
        path.relative_to(ROOT)
        for package in ("registry", "victims", "services", "legal_aid", "exports")
        for path in (ROOT / package).rglob("*.py")
        if "SampleRecord" in path.read_text() or f'"{SCAFFOLD_SECTION}"' in path.read_text()
    ]
    assert mentions == []


def test_the_api_case_detail_carries_the_section_for_its_readers_only(noted_case, cast, api_client_for):
    url = f"/api/v1/cases/{noted_case.uuid}/"
    for name in ("alice", "dave"):
        body = api_client_for(getattr(cast, name)).get(url).json()
        assert body[SCAFFOLD_SECTION] == [
            {
                "id": str(noted_case.samplerecords.get().uuid),
                "version": 1,
                "observed_on": "2026-05-04",
                "remark": REMARK,
            }
        ]
    assert api_client_for(cast.bob).get(url).status_code == 404  # not referred: no case at all


def test_the_case_file_page_has_a_tab_for_it(noted_case, cast, client):
    client.force_login(cast.alice)
    page = client.get(f"/cases/{noted_case.uuid}/").content.decode()
    assert f'id="tab-link-{SCAFFOLD_SECTION}"' in page and "脚手架记录" in page
    tab = client.get(f"/cases/{noted_case.uuid}/?tab={SCAFFOLD_SECTION}").content.decode()
    assert REMARK in tab and "2026-05-04" in tab


def test_the_history_endpoint_shows_its_changes(noted_case, cast, api_client_for):
    entries = api_client_for(cast.dave).get(f"/api/v1/cases/{noted_case.uuid}/history/").json()["results"]
    mine = [entry for entry in entries if entry["kind"] == "samplerecord"]
    assert len(mine) == 1
    assert mine[0]["sections"] == [SCAFFOLD_SECTION]
    assert mine[0]["changes"]["remark"] == REMARK


def test_the_dossier_has_a_part_for_it(noted_case, cast):
    record = dossier_operations.dossier_generate(actor=cast.dave, case=noted_case)
    assert SCAFFOLD_SECTION in record.sections
    pdf = storage.open_sealed(storage.read(record.storage_name), record_uuid=record.uuid)
    text = "".join(pdf_text(pdf).split())
    assert "脚手架记录" in text and REMARK in text


def test_the_policy_matrix_holds_the_case_detail_to_its_row():
    assert test_api_matrix.TestCaseDetailMatrix.section_keys[policy.section_named(SCAFFOLD_SECTION)] == {
        SCAFFOLD_SECTION
    }
    assert policy.SECTION_ACCESS[SCAFFOLD_SECTION] == {
        Role.CASEWORKER: policy.Access.WRITE,
        Role.CIVIL_AFFAIRS: policy.Access.READ,
    }
