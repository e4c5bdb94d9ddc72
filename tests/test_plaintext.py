"""Which text columns of victim data stay readable in the database, and why (DESIGN §4, issue 13).

Every text column — ``CharField``, ``TextField``, ``JSONField`` and their kin — of a model
holding victim data, and of its history model, is one of:

- encrypted (``registry.fields``): every free text that can describe a person or where she is;
- a closed choice (``choices``), which statistics, rules and routing read;
- listed in :data:`PLAIN` below with the reason it may stay in clear (codes, references,
  digests — never typed text about the person).

A new plain free-text column fails :func:`test_every_plain_text_column_of_victim_data_says_why`
until someone decides: encrypt it, or write here why it needs no protection. The lists are read
from the models, not written out by hand, so a new model is covered the moment it is installed.

The core app's own models (jurisdictions, organizations, staff accounts, the audit log, tokens)
hold no victim data: staff names and organizations are not the person's, and the audit log's
``detail`` never holds a personal value (tests/registry/test_audit_canary.py).
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from rest_framework.test import APIClient

from registry.fields import BlindIndexField, EncryptedField
from registry.scope import ScopedQuerySet
from tests.victims.conftest import RESCUE, TODAY, person
from victims import operations

# The apps whose models hold victim data: every model in them, and each one's history.
VICTIM_DATA_APPS = ("victims", "services", "legal_aid", "exports", "attachments", "care", "transfers")
# Test-only stand-ins of a case (tests/scaffold), exercised by the core's own tests.
TEST_ONLY_APPS = ("scaffold",)

# The plain free-text columns, "app.model.field" of the tracked model (its history copy follows
# it), each with the reason it may stay in clear.
PLAIN = {
    "victims.victim.document_country": "ISO 3166 code of the issuing state, in practice the nationality (DESIGN §2)",
    "victims.victim.nationality": "ISO 3166 code, plain for statistics and routing (DESIGN §2)",
    "victims.victim.ethnicity": "the name of an ethnic group, plain for statistics (DESIGN §2)",
    "victims.victim.native_place_code": "GB/T 2260 county code, plain for routing and statistics (DESIGN §2)",
    "victims.case.number": "allocated by the registry (province-county-year-sequence), never typed",
    "victims.casenumbercounter.prefix": "province-county-year of the case numbers",
    "victims.household.jurisdiction_code": "GB/T 2260 county code for the return rules; the address is encrypted",
    "services.returnplan.destination_code": "GB/T 2260 county code for the return rules and statistics",
    "services.returnplan.destination_country": "ISO 3166 code for the repatriation rules and statistics",
    "transfers.handover.province_code": "GB/T 2260 code of the receiving province, for routing and statistics",
    "transfers.handover.country": "ISO 3166 code of the country a victim is repatriated to, for statistics",
    "transfers.handover.receiving_agency": "the receiving agency: an office, never a person (no field names a contact)",
    "transfers.handover.contact_office": "the receiving agency's contact office: an office, never a person",
    "transfers.handover.embassy_contact": "the embassy or consulate contacted: an office, never a person",
    "exports.archivebatch.jurisdiction_code": "GB/T 2260 code of the jurisdiction a batch archives",
    "exports.archivebatch.failures": "case UUIDs and exception class names only",
    "exports.archiverecord.archive_number": "the case number and the dossier's sequence",
    "exports.archiverecord.template_version": "the version of the dossier template (software)",
    "exports.archiverecord.sections": "section keys of the policy",
    "exports.archiverecord.organization_name": "the civil affairs office that generated the dossier (staff's)",
    "exports.archiverecord.sha256": "digest of the dossier, for fixity",
    "exports.archiverecord.sm3": "digest of the dossier, for fixity",
    "exports.archiverecord.attachment_sha256": "digest of the attached case data, for fixity",
    "exports.archiverecord.storage_name": "made of the record's UUID and date (exports.storage)",
    "exports.archiverecord.key_id": "the id of the key that sealed the stored dossier",
    "exports.dossierjob.error_code": "the stable code of the error that ended a dossier job",
    "attachments.attachment.section": "a section key of the policy",
    "attachments.attachment.sha256": "digest of the content kept, for fixity",
    "attachments.attachment.sm3": "digest of the content kept, for fixity",
    "attachments.attachment.key_id": "the id of the key that sealed the stored file",
    "attachments.attachment.storage_name": "random (attachments.content), no personal value",
    "care.goal.links": "kinds and UUIDs of records of the same case, checked by the operations; nothing typed",
}
# Columns of every history table that are not copies of the tracked model's.
PLAIN_IN_HISTORY = {
    "history_change_reason": "a fixed description set by the operation (registry.history.recorded_change); "
    "typed text goes to encrypted fields",
}

# What issue 13 found in clear, in tables and history.
ISSUE_13 = [
    ("victims", "rescue", "police_unit"),
    ("victims", "healthassessment", "assessor"),
    ("victims", "dnasample", "collected_by"),
    ("services", "followupvisit", "visitor"),
    ("services", "schoolenrollment", "grade"),
    ("services", "vocationaltraining", "programme"),
    ("services", "employmentplacement", "job_title"),
    ("services", "returnplan", "police_unit"),
    ("services", "returnplan", "civil_affairs_unit"),
]


def victim_data_models() -> list[type[models.Model]]:
    """Every installed model of the victim-data apps, history models included."""
    return [model for model in apps.get_models() if model._meta.app_label in VICTIM_DATA_APPS]


def is_text(field) -> bool:
    return isinstance(field, models.CharField | models.TextField | models.JSONField)


def plain_text_columns() -> dict[str, str]:
    """``{"app.model.field" of the column: the key it is decided under}`` for every plain text
    column without choices; a history column is decided under its tracked model's column."""
    columns = {}
    for model in victim_data_models():
        tracked = getattr(model, "instance_type", None)  # set on simple-history's history models
        for field in model._meta.concrete_fields:
            if not is_text(field) or isinstance(field, EncryptedField | BlindIndexField) or field.choices:
                continue
            column = f"{model._meta.label_lower}.{field.name}"
            if tracked is not None and field.name in PLAIN_IN_HISTORY:
                columns[column] = f"history.{field.name}"
            elif tracked is not None:
                columns[column] = f"{tracked._meta.label_lower}.{field.name}"
            else:
                columns[column] = column
    return columns


def test_every_plain_text_column_of_victim_data_says_why():
    decided = {*PLAIN, *(f"history.{name}" for name in PLAIN_IN_HISTORY)}
    undecided = sorted(column for column, key in plain_text_columns().items() if key not in decided)
    assert not undecided, (
        f"plain text columns of victim data with no decision: {undecided}. Encrypt each one "
        "(registry.fields.EncryptedTextField, with a migration that seals the stored values: "
        "registry.encrypt_existing), or add it to PLAIN in tests/test_plaintext.py with the reason "
        "it may stay in clear, and a comment next to the field."
    )


def test_the_allow_list_names_only_columns_that_are_plain_today():
    keys = set(plain_text_columns().values())
    stale = sorted(set(PLAIN) - keys)
    assert not stale, f"PLAIN names columns that are gone or encrypted now; remove them: {stale}"


def test_every_model_holding_victim_data_is_in_a_victim_data_app():
    scoped = [
        model._meta.label
        for model in apps.get_models()
        if isinstance(model._default_manager.get_queryset(), ScopedQuerySet)
        and model._meta.app_label not in (*VICTIM_DATA_APPS, *TEST_ONLY_APPS)
    ]
    assert not scoped, f"models with victim data outside {VICTIM_DATA_APPS}: add their app there: {scoped}"


def test_a_history_table_encrypts_what_its_model_encrypts():
    for model in victim_data_models():
        tracked = getattr(model, "instance_type", None)
        if tracked is None:
            continue
        encrypted = {f.name for f in tracked._meta.concrete_fields if isinstance(f, EncryptedField)}
        copied = {f.name: f for f in model._meta.concrete_fields if f.name in encrypted}
        assert set(copied) == encrypted, model._meta.label
        for name, field in copied.items():
            assert isinstance(field, EncryptedField), f"{model._meta.label}.{name}"
            assert field.column_label == f"{tracked._meta.label_lower}.{name}"


@pytest.mark.parametrize(("app", "model_name", "field_name"), ISSUE_13)
def test_what_issue_13_found_in_clear_is_encrypted_in_the_table_and_its_history(app, model_name, field_name):
    model = apps.get_model(app, model_name)
    for table in (model, model.history.model):
        assert isinstance(table._meta.get_field(field_name), EncryptedField), table._meta.label


@pytest.mark.parametrize(("app", "model_name", "field_name"), ISSUE_13)
def test_an_encrypted_column_keeps_the_length_bound_of_the_plain_one(app, model_name, field_name):
    field = apps.get_model(app, model_name)._meta.get_field(field_name)
    assert field.max_length is not None
    assert field.formfield().max_length == field.max_length
    field.clean("字" * field.max_length, None)
    with pytest.raises(ValidationError) as refused:
        field.clean("字" * (field.max_length + 1), None)
    assert [error.code for error in refused.value.error_list] == ["max_length"]


@pytest.mark.django_db
def test_the_api_refuses_an_encrypted_unit_longer_than_its_bound_naming_the_field(places, cast):
    case = operations.case_register(actor=cast.alice, victim=person(3), jurisdiction=places.gulou, rescue=dict(RESCUE))
    client = APIClient()
    client.force_authenticate(cast.alice)
    url = reverse("case-record-list", kwargs={"id": case.uuid, "kind": "rescue"})
    body = {"rescued_on": TODAY.isoformat(), "place": "某地", "exploitation": "labour"}
    response = client.post(url, {**body, "police_unit": "公" * 129}, format="json")
    assert response.status_code == 400
    assert "police_unit" in response.json()["fields"]
    assert client.post(url, {**body, "police_unit": "公" * 128}, format="json").status_code == 201
