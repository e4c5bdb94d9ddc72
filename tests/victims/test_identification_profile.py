"""The identification and exploitation profile (issue 14, item 3): several forms of exploitation
in one countable column, the identification status with its decision, the source, the unknown-
origin flag, and the case's age band at rescue derived by the operations — through the
operations, the API and the data migration that maps existing rows."""

from __future__ import annotations

import datetime
import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse

from registry.errors import RuleViolation
from registry.fields import MultipleChoiceField
from tests.victims.conftest import RESCUE, TODAY, person
from victims import operations
from victims.choices import AgeBand, DecidingUnit, DocumentType, ExploitationType, IdentificationStatus
from victims.models import Case, Rescue

MIGRATION = importlib.import_module("victims.migrations.0005_identification_profile")


def years_ago(years: int, days: int = 0) -> datetime.date:
    return TODAY.replace(year=TODAY.year - years) - datetime.timedelta(days=days)


def register(cast, places, *, birth_date=None, rescue=None, opened_on=None, seed=1):
    """A person without a document (so any birth date, or none), registered by Alice."""
    victim = person(seed, document_type=DocumentType.NONE, id_number=None, birth_date=birth_date)
    return operations.case_register(
        actor=cast.alice, victim=victim, jurisdiction=places.gulou, opened_on=opened_on, rescue=rescue
    )


def records_url(case, record=None) -> str:
    if record is None:
        return reverse("case-record-list", kwargs={"id": case.uuid, "kind": "rescue"})
    return reverse("case-record-detail", kwargs={"id": case.uuid, "kind": "rescue", "record_id": record.uuid})


def api_rescue(**changes) -> dict:
    body = {**RESCUE, "rescued_on": RESCUE["rescued_on"].isoformat(), "exploitation": ["labour"]}
    return {**body, **changes}


# --- several forms of exploitation -------------------------------------------------------------


def test_forms_of_exploitation_are_stored_sorted_between_delimiters_and_counted_by_sql(places, cast):
    case = register(cast, places, rescue={**RESCUE, "exploitation": ["sexual", "labour"]})
    register(cast, places, seed=2, rescue={**RESCUE, "exploitation": ["labour"]})
    register(cast, places, seed=3, rescue={**RESCUE, "exploitation": ["forced_criminality", "begging"]})

    with connection.cursor() as cursor:
        cursor.execute("SELECT exploitation FROM victims_rescue WHERE case_id = %s", [case.pk])
        assert cursor.fetchone()[0] == "|labour|sexual|"
    assert Rescue.objects.get(case=case).exploitation == ["labour", "sexual"]
    assert Rescue.objects.filter(exploitation__contains="|labour|").count() == 2
    assert Rescue.objects.filter(exploitation__contains="|sexual|").count() == 1
    assert Rescue.objects.filter(exploitation__contains="|begging|").count() == 1
    assert Rescue.objects.filter(exploitation=["sexual", "labour"]).count() == 1  # exact: the stored form


@pytest.mark.parametrize("exploitation", [["labour", "kidnapping"], ["labour", "labour"], []])
def test_an_unknown_repeated_or_missing_form_is_refused_naming_the_field(places, cast, exploitation):
    case = register(cast, places, rescue=dict(RESCUE))

    with pytest.raises(RuleViolation) as refused:
        operations.record_add(
            actor=cast.alice, case=case, model="rescue", data={**RESCUE, "exploitation": exploitation}
        )

    assert refused.value.field == "exploitation"
    assert Rescue.objects.filter(case=case).count() == 1


def test_the_api_takes_a_list_answers_it_sorted_and_still_takes_a_single_value(places, cast, api_client_for):
    case = register(cast, places, rescue=dict(RESCUE))
    alice = api_client_for(cast.alice)

    several = alice.post(records_url(case), api_rescue(exploitation=["sexual", "forced_marriage"]), format="json")
    single = alice.post(records_url(case), api_rescue(exploitation="begging"), format="json")

    assert several.status_code == 201, several.json()
    assert several.json()["exploitation"] == ["forced_marriage", "sexual"]
    assert single.status_code == 201, single.json()
    assert single.json()["exploitation"] == ["begging"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"exploitation": ["labour", "kidnapping"]}, "exploitation"),
        ({"exploitation": ["labour", "labour"]}, "exploitation"),
        ({"exploitation": []}, "exploitation"),
        ({"exploitation": {"labour": True}}, "exploitation"),
        ({"identification_status": "certain"}, "identification_status"),
        ({"identified_by": "李警官"}, "identified_by"),
        ({"identification_source": "neighbour"}, "identification_source"),
        ({"identified_on": "2026-02-30"}, "identified_on"),
        ({"identification_status": "confirmed", "identified_by": "court"}, "identified_on"),
        ({"identification_status": "not_victim", "identified_on": TODAY.isoformat()}, "identified_by"),
        ({"identified_on": (TODAY + datetime.timedelta(days=1)).isoformat()}, "identified_on"),
    ],
)
def test_bad_profile_input_answers_400_naming_the_field_and_changes_nothing(
    places, cast, api_client_for, changes, field
):
    case = register(cast, places, rescue=dict(RESCUE))

    response = api_client_for(cast.alice).post(records_url(case), api_rescue(**changes), format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert "kidnapping" not in response.content.decode()  # a refused value is not repeated
    assert "李警官" not in response.content.decode()
    assert Rescue.objects.filter(case=case).count() == 1


def test_a_decided_identification_is_recorded_with_its_date_and_kind_of_unit(places, cast, api_client_for):
    case = register(cast, places, rescue=dict(RESCUE))
    body = api_rescue(
        identification_status="confirmed",
        identified_on=TODAY.isoformat(),
        identified_by="procuratorate",
        identification_source="police_operation",
    )

    response = api_client_for(cast.alice).post(records_url(case), body, format="json")

    assert response.status_code == 201, response.json()
    rescue = Rescue.objects.get(uuid=response.json()["id"])
    assert (rescue.identification_status, rescue.identified_on, rescue.identified_by) == (
        IdentificationStatus.CONFIRMED,
        TODAY,
        DecidingUnit.PROCURATORATE,
    )
    assert rescue.identification_source == "police_operation"


def test_a_rescue_without_a_status_is_presumed(places, cast):
    case = register(cast, places, rescue=dict(RESCUE))

    assert Rescue.objects.get(case=case).identification_status == IdentificationStatus.PRESUMED


def test_the_profile_has_history_and_the_tab_shows_every_form(places, cast, client):
    case = register(cast, places, rescue={**RESCUE, "exploitation": ["labour"]})
    rescue = Rescue.objects.get(case=case)

    operations.record_amend(
        actor=cast.alice, record=rescue, expected_version=rescue.version,
        changes={"exploitation": ["labour", "organ_removal"], "identification_source": "hospital"},
    )  # fmt: skip

    rows = list(Rescue.history.filter(id=rescue.pk).order_by("history_id"))
    assert [row.exploitation for row in rows] == [["labour"], ["labour", "organ_removal"]]
    assert rows[-1].identification_source == "hospital"
    client.force_login(cast.alice)
    body = client.get(reverse("victims:case", args=[case.uuid]) + "?tab=rescue").content.decode()
    assert str(ExploitationType.LABOUR.label) in body
    assert str(ExploitationType.ORGAN_REMOVAL.label) in body


def test_unknown_origin_is_an_identity_field_with_history(places, cast, api_client_for):
    case = register(cast, places, birth_date=years_ago(9), rescue=dict(RESCUE))
    url = reverse("case-section", kwargs={"id": case.uuid, "section": "identity"})

    response = api_client_for(cast.alice).patch(
        url, {"unknown_origin": True}, format="json", headers={"If-Match": f'"{case.version}"'}
    )

    assert response.status_code == 200, response.json()
    case.victim.refresh_from_db()
    assert case.victim.unknown_origin is True
    assert [row.unknown_origin for row in case.victim.history.order_by("history_id")] == [False, True]
    refused = api_client_for(cast.alice).patch(
        url, {"unknown_origin": "perhaps"}, format="json", headers={"If-Match": f'"{case.version + 1}"'}
    )
    assert refused.status_code == 400
    assert "unknown_origin" in refused.json()["fields"]


# --- the age band at rescue --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("years", "band"),
    [(3, AgeBand.UNDER_6), (6, AgeBand.AGE_6_13), (13, AgeBand.AGE_6_13), (14, AgeBand.AGE_14_15),
     (15, AgeBand.AGE_14_15), (16, AgeBand.AGE_16_17), (17, AgeBand.AGE_16_17), (18, AgeBand.ADULT),
     (40, AgeBand.ADULT)],
)  # fmt: skip
def test_the_age_band_is_the_age_on_the_day_of_rescue(places, cast, years, band):
    rescued = TODAY - datetime.timedelta(days=30)
    born = rescued.replace(year=rescued.year - years)  # the birthday falls on the rescue day

    case = register(cast, places, birth_date=born, rescue={**RESCUE, "rescued_on": rescued})

    assert Case.objects.get(pk=case.pk).age_band == band


def test_the_band_is_taken_on_the_earliest_rescue_not_on_the_opening(places, cast):
    rescued = TODAY - datetime.timedelta(days=60)
    born = rescued.replace(year=rescued.year - 14) + datetime.timedelta(days=10)  # 13 at rescue, 14 at opening

    case = register(cast, places, birth_date=born, rescue={**RESCUE, "rescued_on": rescued})

    assert Case.objects.get(pk=case.pk).age_band == AgeBand.AGE_6_13


def test_without_a_rescue_the_band_is_taken_at_opening_and_moves_when_one_is_added(places, cast):
    opened = TODAY - datetime.timedelta(days=5)
    born = opened.replace(year=opened.year - 18) - datetime.timedelta(days=2)  # 18 at opening, 17 before

    case = register(cast, places, birth_date=born, opened_on=opened)
    assert Case.objects.get(pk=case.pk).age_band == AgeBand.ADULT

    operations.record_add(
        actor=cast.alice, case=case, model="rescue", data={**RESCUE, "rescued_on": opened - datetime.timedelta(days=9)}
    )

    assert Case.objects.get(pk=case.pk).age_band == AgeBand.AGE_16_17


def test_amending_the_rescue_date_recomputes_the_band_with_history(places, cast):
    rescued = TODAY - datetime.timedelta(days=10)
    born = rescued.replace(year=rescued.year - 16)
    case = register(cast, places, birth_date=born, rescue={**RESCUE, "rescued_on": rescued})
    rescue = Rescue.objects.get(case=case)
    version = Case.objects.get(pk=case.pk).version

    operations.record_amend(
        actor=cast.alice, record=rescue, expected_version=rescue.version,
        changes={"rescued_on": rescued - datetime.timedelta(days=1)},
    )  # fmt: skip

    stored = Case.objects.get(pk=case.pk)
    assert stored.age_band == AgeBand.AGE_14_15
    assert stored.version == version  # derived, not typed: a caseworker's open form stays valid
    latest = Case.history.filter(id=case.pk).order_by("-history_id").first()
    assert (latest.age_band, latest.history_user_id, latest.history_change_reason) == (
        AgeBand.AGE_14_15,
        cast.alice.pk,
        "rescue amended",
    )


def test_changing_or_adding_the_birth_date_recomputes_the_band(places, cast):
    case = register(cast, places, birth_date=None, rescue=dict(RESCUE))
    assert Case.objects.get(pk=case.pk).age_band == AgeBand.UNKNOWN

    case = operations.victim_update(
        actor=cast.alice, case=case, expected_version=case.version, section="identity",
        changes={"birth_date": years_ago(10)},
    )  # fmt: skip
    assert Case.objects.get(pk=case.pk).age_band == AgeBand.AGE_6_13

    case = operations.victim_update(
        actor=cast.alice, case=case, expected_version=case.version, section="identity",
        changes={"birth_date": years_ago(30)},
    )  # fmt: skip
    assert Case.objects.get(pk=case.pk).age_band == AgeBand.ADULT
    assert list(Case.history.filter(id=case.pk).order_by("history_id").values_list("age_band", flat=True))[-2:] == [
        AgeBand.AGE_6_13,
        AgeBand.ADULT,
    ]


def test_the_band_is_never_typed(places, cast, api_client_for):
    case = register(cast, places, birth_date=years_ago(30), rescue=dict(RESCUE))
    url = reverse("case-section", kwargs={"id": case.uuid, "section": "person"})

    response = api_client_for(cast.alice).patch(
        url, {"age_band": "under_6"}, format="json", headers={"If-Match": f'"{case.version}"'}
    )

    assert response.status_code == 400
    assert Case.objects.get(pk=case.pk).age_band == AgeBand.ADULT


def test_the_case_file_shows_the_band(places, cast, api_client_for):
    case = register(cast, places, birth_date=years_ago(15, days=40), rescue=dict(RESCUE))

    body = api_client_for(cast.alice).get(reverse("case-detail", kwargs={"id": case.uuid})).json()

    assert body["person"]["age_band"] == AgeBand.AGE_14_15


# --- the migration of existing data -----------------------------------------------------------


def _editor():
    """What the migration's data steps use of a schema editor (SQLite refuses a real one inside
    the test's transaction)."""

    def execute(sql, params=()):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    return SimpleNamespace(connection=connection, execute=execute)


def _stored(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT exploitation FROM {table} ORDER BY id")  # noqa: S608 - a constant of the test
        return [row[0] for row in cursor.fetchall()]


def test_the_migration_turns_each_single_form_into_a_list_of_one_history_included(places, cast):
    case = register(cast, places, rescue=dict(RESCUE))
    register(cast, places, seed=2, rescue={**RESCUE, "exploitation": ["forced_criminality", "labour"]})
    with connection.cursor() as cursor:  # the shape before issue 14
        cursor.execute("UPDATE victims_rescue SET exploitation = 'child_sale' WHERE case_id = %s", [case.pk])
        cursor.execute("UPDATE victims_historicalrescue SET exploitation = 'begging' WHERE case_id = %s", [case.pk])

    MIGRATION.exploitation_to_lists(apps, _editor())

    assert _stored("victims_rescue") == ["|child_sale|", "|forced_criminality|labour|"]
    assert _stored("victims_historicalrescue") == ["|begging|", "|forced_criminality|labour|"]
    assert Rescue.objects.filter(exploitation__contains="|child_sale|").count() == 1

    MIGRATION.exploitation_to_single(apps, _editor())  # reversed: one value the old column knew

    assert _stored("victims_rescue") == ["child_sale", "labour"]


def test_the_migration_fills_the_band_of_existing_cases_and_their_history(places, cast):
    rescued = TODAY - datetime.timedelta(days=100)
    child = register(cast, places, birth_date=rescued.replace(year=rescued.year - 7), rescue={**RESCUE,
                     "rescued_on": rescued})  # fmt: skip
    unknown = register(cast, places, seed=2, birth_date=None, rescue=dict(RESCUE))
    opened = register(cast, places, seed=3, birth_date=years_ago(16, days=3))  # no rescue: at opening
    Case._base_manager.update(age_band=AgeBand.UNKNOWN)  # as before the migration
    Case.history.update(age_band=AgeBand.UNKNOWN)

    MIGRATION.fill_age_bands(apps, _editor())

    bands = dict(Case.objects.values_list("pk", "age_band"))
    assert bands == {child.pk: AgeBand.AGE_6_13, unknown.pk: AgeBand.UNKNOWN, opened.pk: AgeBand.AGE_16_17}
    assert set(Case.history.filter(id=child.pk).values_list("age_band", flat=True)) == {AgeBand.AGE_6_13}


def test_the_field_reads_the_stored_forms_it_may_meet():
    field = MultipleChoiceField(choices=ExploitationType.choices)

    assert field.to_python("|labour|sexual|") == ["labour", "sexual"]
    assert field.to_python("labour") == ["labour"]  # a value of the old single column
    assert field.to_python("") == field.to_python(None) == []
    assert field.get_prep_value(["sexual", "labour", "sexual"]) == "|labour|sexual|"
    assert field.get_prep_value([]) == ""
