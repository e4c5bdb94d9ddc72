"""How the case file names things (issue 18, item 8): Chinese names surname first, staff by
their names, history reasons as sentences, changes from the old value to the new, ages in
years, division codes of any province with their names, and pinyin beside Chinese names in
the English pages."""

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import timezone, translation

from legal_aid.operations.matters import DECISIONS
from registry import casefile, presentation
from registry.policy import Section
from tests.victims.conftest import register  # noqa: F401 (a fixture these tests use)
from transfers import operations as transfers
from transfers.choices import TransferReason
from victims import operations
from victims.models import CaseRecord, HealthAssessment, Referral
from victims.operations.referrals import _RESPONSES
from victims.operations.registration import VICTIM_SECTION_FIELDS

pytestmark = pytest.mark.django_db

APPS = ("registry", "victims", "services", "legal_aid", "care", "attachments", "transfers", "exports")


def zh(function, *args, **kwargs):
    with translation.override("zh-hans"):
        return function(*args, **kwargs)


def test_chinese_names_read_surname_first_and_other_names_given_name_first():
    assert presentation.person_name("陈", "建华") == "陈建华"
    assert presentation.person_name("Nguyen", "Thi Lan") == "Thi Lan Nguyen"
    assert presentation.person_name(" ", "") == ""


def test_staff_are_named_by_their_name_or_else_their_username(cast):
    cast.alice.last_name, cast.alice.first_name = "林", "晓燕"
    cast.alice.save()

    assert presentation.user_name(cast.alice) == "林晓燕"
    assert presentation.user_name(cast.bob) == "bob"
    names = presentation.user_names(["alice", str(cast.alice.uuid), str(cast.bob.uuid), "nobody"])
    assert names == {"alice": "林晓燕", str(cast.alice.uuid): "林晓燕", "bob": "bob", str(cast.bob.uuid): "bob"}


def _literal_reasons() -> set[str]:
    """Every reason the code hands ``recorded_change`` (or a stage change) as a literal."""
    reasons = set()
    for app in APPS:
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call):
                    for keyword in node.keywords:
                        if keyword.arg == "reason" and isinstance(keyword.value, ast.Constant):
                            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                            if name in ("recorded_change", "_change_stage"):
                                reasons.add(keyword.value.value)
    return reasons


def test_every_reason_the_operations_record_reads_as_a_sentence_of_its_own():
    reasons = _literal_reasons()
    assert {"registration", "case closed", "rescue added"} <= reasons  # the scan finds them
    assert sorted(reasons - set(presentation.HISTORY_REASONS)) == []


def test_every_reason_the_operations_build_reads_as_a_sentence_of_its_own():
    """The reasons made from a name: a record added or amended, a section of the person
    updated, a referral answered, a legal aid matter decided."""
    models = apps.get_app_config("victims").get_models()
    records = [model for model in models if issubclass(model, CaseRecord) and model is not Referral]
    built = [
        *(f"{model._meta.model_name} {verb}" for model in records for verb in ("added", "amended")),
        *(f"{section.value} updated" for section in VICTIM_SECTION_FIELDS),
        *(f"referral {decision}" for decision in _RESPONSES),
        *(f"legal aid matter {status.value}" for status in DECISIONS.values()),
    ]
    fallback = presentation.history_reason("not a reason")
    assert [reason for reason in built if presentation.history_reason(reason) == fallback] == []


def test_reasons_built_from_a_kind_or_a_section_read_with_its_label():
    assert zh(presentation.history_reason, "case closed") == "结案"
    assert zh(presentation.history_reason, "referral accept") == "接收转介"
    kind = zh(presentation.kind_label, HealthAssessment)
    assert zh(presentation.history_reason, "healthassessment added") == f"新增：{kind}"
    assert zh(presentation.history_reason, "healthassessment amended") == f"修改：{kind}"
    assert zh(presentation.history_reason, "contacts updated") == f"更新：{zh(str, Section.CONTACTS.label)}"


def test_an_unknown_reason_is_never_shown_as_its_code():
    assert zh(presentation.history_reason, "something internal") == "记录变更"
    assert presentation.history_reason("") == ""


def test_the_timeline_shows_a_change_from_old_to_new_by_the_users_name_and_why(register, cast):  # noqa: F811
    cast.alice.last_name, cast.alice.first_name = "林", "晓燕"
    cast.alice.save()
    case = register()
    record = operations.record_add(
        actor=cast.alice, case=case, model="healthassessment",
        data={"assessed_on": timezone.localdate(), "assessor": "福州市第一医院", "physical": "轻度营养不良"},
    )  # fmt: skip
    operations.record_amend(
        actor=cast.alice, record=record, expected_version=record.version, changes={"physical": "已恢复"}
    )

    events = zh(
        presentation.timeline, case, casefile.case_sections(cast.alice, case), casefile.case_history(cast.alice, case)
    )

    label = zh(presentation.label_of, HealthAssessment, "physical")
    changed = [event for event in events if f"{label}：轻度营养不良 → 已恢复" in event.get("details", [])]
    assert len(changed) == 1
    assert changed[0]["actor"] == "林晓燕"
    assert changed[0]["title"] == f"修改：{zh(presentation.kind_label, HealthAssessment)}"
    assert changed[0]["reason"] == ""  # "修改：健康评估" too: said once
    registered = [event for event in events if event.get("reason") == "登记个案"]
    assert registered and all(event["actor"] == "林晓燕" for event in registered)


def test_a_record_dated_by_a_moment_takes_its_day_in_the_timeline(register, cast, places):  # noqa: F811
    """A transfer is dated by the moment it was requested: it sorts among the days (it raised
    "can't compare datetime.datetime to datetime.date")."""
    case = register()
    transfers.transfer_request(
        actor=cast.alice, case=case, expected_version=case.version, to_organization=places.xm_shelter,
        reason=TransferReason.NEARER_HOME,
    )  # fmt: skip
    case.refresh_from_db()

    events = presentation.timeline(case, casefile.case_sections(cast.alice, case), [])

    assert [event["sort"] for event in events] == sorted(event["sort"] for event in events)
    assert any(event["date"] == timezone.localdate().isoformat() for event in events[1:])


def test_division_codes_of_any_province_are_named(places):
    names = zh(presentation.place_names, ["350102", "110105", "4403", "999999"])

    assert names == {"350102": "350102 鼓楼区", "110105": "110105 朝阳区", "4403": "4403 深圳市", "999999": "999999"}


def test_the_english_pages_give_chinese_names_with_their_pinyin(places):
    with translation.override("en"):
        assert presentation.place_names(["3501"]) == {"3501": "3501 福州市 (Fuzhou)"}
        organizations = presentation.organization_names([places.fz_shelter.uuid, places.xm_shelter.uuid])
    assert organizations == {
        str(places.fz_shelter.uuid): "福州市救助管理站 (Fuzhou Jiuzhuguanlizhan)",
        str(places.xm_shelter.uuid): "厦门市救助管理站 (Xiamen Jiuzhuguanlizhan)",
    }
    assert zh(presentation.organization_names, [places.fz_shelter.uuid]) == {
        str(places.fz_shelter.uuid): "福州市救助管理站"
    }


def test_ages_read_in_years_and_values_after_a_full_width_colon():
    assert zh(presentation.display, None, "age", 25) == "25岁"
    with translation.override("en"):
        assert presentation.display(None, "age", 1) == "1 year"
    assert zh(presentation.labelled, "姓名", "陈建华") == "姓名：陈建华"


def test_a_link_to_another_record_reads_as_the_kind_of_record():
    links = [{"kind": "victims.referral", "id": "2f1c1d7e-7a53-4a8e-9b1e-0c1d2e3f4a5b"}]

    assert zh(presentation.display, None, "links", links) == zh(presentation.kind_label, Referral)
