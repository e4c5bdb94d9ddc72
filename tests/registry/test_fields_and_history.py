"""Encrypted fields, blind indexes and history, through the ORM and in the raw database."""

import datetime

import pytest
from django.core.exceptions import FieldError
from django.db import connection, transaction

from registry.crypto import DecryptionError
from registry.history import HistoryBypassError, bulk_create_with_history, recorded_change
from registry.keyring import active_keyring
from tests.helpers import assert_history_holds_only_ciphertext, assert_not_stored, database_bytes
from tests.scaffold.models import SampleCase

CANARY = {
    "name": "金丝雀姓名甲乙",
    "id_number": "11010519491231002X",
    "health_note": "canary-health-7f3a91",
    "notes": {"free_text": "canary-json-note-55e2"},
}


def make_case(places, actor=None, reason="registration", **fields):
    values = {
        "jurisdiction": places.gulou,
        "lead_organization": places.fz_shelter,
        "name": CANARY["name"],
        "id_number": CANARY["id_number"],
        "birth_date": datetime.date(1949, 12, 31),
        "health_note": CANARY["health_note"],
        "notes": CANARY["notes"],
        **fields,
    }
    with recorded_change(actor=actor, reason=reason):
        return SampleCase.objects.create(**values)


def raw_column(model, pk, column):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{model._meta.db_table}" WHERE id = %s', [pk])  # noqa: S608
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_encrypted_values_round_trip_through_the_database(places):
    case = make_case(places)
    loaded = SampleCase.objects.get(pk=case.pk)
    assert loaded.name == CANARY["name"]
    assert loaded.birth_date == datetime.date(1949, 12, 31)
    assert loaded.notes == CANARY["notes"]
    stored = raw_column(SampleCase, case.pk, "name")
    assert stored.startswith("e1$") and CANARY["name"] not in stored


@pytest.mark.django_db
def test_only_isnull_lookups_are_allowed_on_encrypted_fields(places):
    make_case(places)
    for lookup in ({"name": "x"}, {"name__icontains": "x"}, {"birth_date__year": 1949}, {"name__in": ["x"]}):
        with pytest.raises(FieldError, match="encrypted"):
            list(SampleCase.objects.filter(**lookup))
    assert SampleCase.objects.filter(id_number__isnull=False).count() == 1


@pytest.mark.django_db
def test_blind_index_finds_the_row_and_follows_every_save(places):
    case = make_case(places)
    assert list(SampleCase.objects.blind_search("id_number_index", "11010519491231002x")) == [case]
    case.id_number = "110105194912310038"
    with recorded_change(actor=None, reason="correction"):
        case.save()
    assert not SampleCase.objects.blind_search("id_number_index", CANARY["id_number"]).exists()
    assert SampleCase.objects.blind_search("id_number_index", "110105194912310038").get() == case


@pytest.mark.django_db
def test_bulk_create_computes_blind_indexes_too(places):
    rows = [
        SampleCase(jurisdiction=places.gulou, lead_organization=places.fz_shelter, name=f"n{i}", id_number=f"ID{i}")
        for i in range(3)
    ]
    with recorded_change(actor=None, reason="batch import"):
        bulk_create_with_history(rows, SampleCase)
    assert SampleCase.objects.blind_search("id_number_index", "id2").count() == 1
    assert SampleCase.history.filter(history_change_reason="batch import").count() == 3


@pytest.mark.django_db
def test_bulk_create_without_history_is_refused(places):
    row = SampleCase(jurisdiction=places.gulou, lead_organization=places.fz_shelter, name="n")
    with recorded_change(actor=None, reason="batch import"), pytest.raises(HistoryBypassError):
        SampleCase.objects.bulk_create([row])
    with pytest.raises(HistoryBypassError, match="recorded_change"):
        bulk_create_with_history([row], SampleCase)
    assert SampleCase.objects.count() == 0


@pytest.mark.django_db
def test_queryset_update_and_bulk_update_are_refused(places):
    case = make_case(places)
    with pytest.raises(HistoryBypassError):
        SampleCase.objects.filter(pk=case.pk).update(sex="M")
    with pytest.raises(HistoryBypassError):
        SampleCase.objects.bulk_update([case], ["sex"])
    assert SampleCase.objects.get(pk=case.pk).sex == "F"


@pytest.mark.django_db
def test_a_tracked_save_without_a_reason_is_refused(places):
    with pytest.raises(HistoryBypassError, match="change reason"):
        SampleCase.objects.create(jurisdiction=places.gulou, lead_organization=places.fz_shelter, name="x")
    assert SampleCase.objects.count() == 0
    case = make_case(places)
    with pytest.raises(HistoryBypassError), transaction.atomic():
        case.delete()
    assert SampleCase.objects.filter(pk=case.pk).exists()


@pytest.mark.django_db
def test_history_names_the_actor_and_the_reason_and_decrypts(places, cast):
    case = make_case(places, actor=cast.alice, reason="registered after rescue")
    case.health_note = "second note"
    with recorded_change(actor=cast.alice, reason="health check"):
        case.save()
    newest, oldest = case.history.all()
    assert (oldest.history_user, oldest.history_change_reason) == (cast.alice, "registered after rescue")
    assert (newest.history_change_reason, newest.health_note, oldest.health_note) == (
        "health check",
        "second note",
        CANARY["health_note"],
    )


@pytest.mark.django_db
def test_history_rows_hold_only_ciphertext_and_no_blind_index(places):
    make_case(places)
    history_fields = {field.name for field in SampleCase.history.model._meta.get_fields()}
    assert "id_number_index" not in history_fields
    assert_history_holds_only_ciphertext(SampleCase)


@pytest.mark.django_db
def test_history_copy_is_bound_to_the_same_column_label(places):
    history_field = SampleCase.history.model._meta.get_field("name")
    assert history_field.column_label == SampleCase._meta.get_field("name").column_label == "scaffold.samplecase.name"


@pytest.mark.django_db
def test_a_value_read_with_a_missing_key_raises(places, settings):
    case = make_case(places)
    from registry.keyring import new_keyring_document

    settings.REGISTRY_KEYRING = new_keyring_document()  # a keyring without the key that encrypted
    assert active_keyring().primary  # the new keyring is in force
    with pytest.raises(DecryptionError, match="no key with id"):
        SampleCase.objects.get(pk=case.pk)


@pytest.mark.django_db(transaction=True)
def test_raw_database_holds_no_plaintext_in_model_or_history_tables(places, cast):
    case = make_case(places, actor=cast.alice)
    case.name = "第二个金丝雀名字"
    with recorded_change(actor=cast.alice, reason="name corrected"):
        case.save()
    canaries = [CANARY["name"], "第二个金丝雀名字", CANARY["id_number"], CANARY["health_note"], "canary-json-note-55e2"]
    assert b"e1$" in database_bytes()  # the scan sees the stored ciphertext, so it sees the tables
    assert_not_stored(*canaries)


def test_each_history_table_has_its_own_reason_field():
    """An inherited history (every CaseRecord model's) must not share one field instance: its
    ``model`` would name another table, and a queryset update would write there."""
    from legal_aid.models import LegalAidActivity
    from services.models import ReturnPlan
    from victims.models import Rescue

    for model in (Rescue, ReturnPlan, LegalAidActivity):
        history = model.history.model
        assert history._meta.get_field("history_change_reason").model is history
