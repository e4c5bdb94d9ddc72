"""A registration costs a fixed number of queries (issue 19: registration at ≥ 150 per second on
PostgreSQL): the person's locks in one statement (PostgreSQL; SQLite's transaction holds its
write lock), earlier cases in one query, each row inserted once, the case number in one
statement, the history rows batched — and one audit event naming every section written. A
person registered before costs one query more, which asks which earlier cases are within
reach, however many there are. What the registration writes is the same as before the batching: the history rows
with their reasons and actor, the audit event with the sections and the rescue."""

from __future__ import annotations

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from registry.history import batched_history, recorded_change
from registry.models import AuditAction, AuditEvent, User
from registry.policy import REGISTRATION_SECTIONS, Section
from tests.factories import OrganizationFactory, UserFactory
from tests.victims.conftest import RESCUE, person
from victims import operations
from victims.models import Case, Rescue, Victim

pytestmark = pytest.mark.django_db

# record_event's cost once the actor's partition of the chain exists: lock and read its head,
# insert the event, which advances the head in the database (registry.audit.events.record_event).
AUDIT_EVENT = 2
# The registration's own statements: earlier cases (1); person, case, caseworker, rescue
# inserted (4); the case number (1); the history rows of the person, the case and the rescue
# (3) — plus, on PostgreSQL, the person's locks (1). Whether the actor will see the new case
# is known before the transaction, without a query (registry.scope.sees_new_case).
OWN = 9


def registration_queries() -> int:
    """The exact number of statements of one registration with a rescue, the transaction's
    own (BEGIN/COMMIT, or the savepoint around it inside a test's transaction) left aside."""
    return OWN + (1 if connection.vendor == "postgresql" else 0) + AUDIT_EVENT


def statements(captured) -> list[str]:
    """The statements captured, without the savepoints of the test's transaction."""
    return [query["sql"] for query in captured if not re.match(r"(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK)", query["sql"])]


def fresh(user) -> User:
    """The actor as the API's authentication brings it: organization and jurisdiction loaded."""
    return User.objects.select_related("organization__jurisdiction", "jurisdiction").get(pk=user.pk)


def register(actor, places, seed: int, **overrides) -> Case:
    return operations.case_register(
        actor=actor, victim=person(seed, **overrides), jurisdiction=places.gulou, rescue=dict(RESCUE)
    )


def test_a_registration_costs_a_fixed_number_of_queries(places, cast):
    alice = fresh(cast.alice)
    register(alice, places, seed=1)  # the year's case counter and the audit partition exist now
    with CaptureQueriesContext(connection) as captured:
        case = register(alice, places, seed=2)

    sql = statements(captured)
    assert len(sql) == registration_queries(), "\n".join(sql)
    inserts = [
        re.match(r'INSERT (?:OR IGNORE )?INTO "(\w+)"', query).group(1) for query in sql if query.startswith("INSERT")
    ]
    assert sorted(inserts) == sorted(
        [
            "victims_victim", "victims_case", "victims_case_assigned_caseworkers", "victims_rescue",
            "victims_historicalvictim", "victims_historicalcase", "victims_historicalrescue",
            "registry_auditevent",
        ]
    )  # fmt: skip
    assert AuditEvent.objects.filter(case_uuid=case.uuid).count() == 1


def test_earlier_cases_of_the_person_add_one_query(places, cast):
    """Registered by two shelters of Xiamen (outside Alice's reach), then by Alice: flagged as a
    possible duplicate of the newer, for one query more than a person never seen."""
    alice = fresh(cast.alice)
    register(alice, places, seed=3)
    other_shelter = UserFactory(username="yun", organization=OrganizationFactory(jurisdiction=places.xiamen))
    for caseworker in (cast.carol, other_shelter):
        operations.case_register(actor=caseworker, victim=person(4), jurisdiction=places.xiamen, rescue=dict(RESCUE))
    with CaptureQueriesContext(connection) as captured:
        case = register(alice, places, seed=4)

    assert len(statements(captured)) == registration_queries() + 1
    newest = Case.objects.exclude(pk=case.pk).latest("id")
    assert (case.possible_duplicate, case.duplicate_of_id, newest.lead_organization) == (
        True, newest.pk, other_shelter.organization,
    )  # fmt: skip


def test_a_duplicate_within_reach_is_refused_before_anything_is_written(places, cast):
    alice = fresh(cast.alice)
    first = register(alice, places, seed=5)
    with CaptureQueriesContext(connection) as captured, pytest.raises(operations.DuplicateVictim) as refused:
        register(alice, places, seed=5)

    assert refused.value.case == first
    assert not any(query.startswith(("INSERT", "UPDATE")) for query in statements(captured))
    assert (Case.objects.count(), Victim.objects.count(), Rescue.objects.count()) == (1, 1, 1)


def test_one_audit_event_names_every_section_written_and_the_rescue(places, cast):
    case = register(fresh(cast.alice), places, seed=6)

    (event,) = AuditEvent.objects.filter(case_uuid=case.uuid)
    rescue = Rescue.objects.get(case=case)
    assert (event.action, event.actor_username) == (AuditAction.RECORD_CREATED, "alice")
    assert event.sections == [section.value for section in (*REGISTRATION_SECTIONS, Section.RESCUE)]
    assert event.detail == {"model": "case", "records": {"rescue": str(rescue.uuid)}}


def test_a_registration_without_a_rescue_names_only_the_registration_sections(places, cast):
    case = operations.case_register(actor=fresh(cast.alice), victim=person(7), jurisdiction=places.gulou)

    (event,) = AuditEvent.objects.filter(case_uuid=case.uuid)
    assert event.sections == [section.value for section in REGISTRATION_SECTIONS]
    assert event.detail == {"model": "case"}
    assert not Rescue.objects.filter(case=case).exists()


def test_history_rows_keep_their_reasons_actor_and_values(places, cast):
    case = register(fresh(cast.alice), places, seed=8)

    rows = [
        (model.history.get(id=pk), reason)
        for model, pk, reason in (
            (Victim, case.victim_id, "registration"),
            (Case, case.pk, "registration"),
            (Rescue, Rescue.objects.get(case=case).pk, "rescue added"),
        )
    ]
    for row, reason in rows:
        assert (row.history_type, row.history_change_reason, row.history_user) == ("+", reason, cast.alice)
    victim_row, case_row, rescue_row = (row for row, _ in rows)
    assert (case_row.number, case_row.rescued_on, case_row.age_band) == (case.number, RESCUE["rescued_on"], "18_plus")
    assert victim_row.full_name == case.victim.full_name
    assert rescue_row.police_unit == RESCUE["police_unit"]
    # Taken at each save, in the order of the saves.
    assert victim_row.history_date <= case_row.history_date <= rescue_row.history_date


# --- the batched history the registration relies on (registry.history.batched_history) -------


def test_batched_history_writes_each_saved_row_once_as_it_was_saved(places, cast):
    victim = Victim(**{**person(9), "document_type": "none", "id_number": None})
    with transaction.atomic(), recorded_change(actor=cast.alice, reason="registration"):
        with batched_history():
            victim.save()
            victim.phone = "13900000000"
            with recorded_change(actor=cast.dave, reason="contacts updated"):
                victim.save()
            assert not Victim.history.filter(id=victim.pk).exists()  # written when the block ends

    rows = Victim.history.filter(id=victim.pk).order_by("history_date", "history_id")
    assert [(row.history_type, row.history_change_reason, row.history_user) for row in rows] == [
        ("+", "registration", cast.alice),
        ("~", "contacts updated", cast.dave),
    ]
    assert rows[0].phone == person(9)["phone"] and rows[1].phone == "13900000000"


def test_a_batched_block_that_raises_rolls_its_rows_back(places, cast):
    """Even when the exception is caught inside the transaction, the row saved in the block never
    commits without its history row: the block marks its transaction for rollback."""
    victim = Victim(**{**person(10), "document_type": "none", "id_number": None})
    with transaction.atomic():
        with recorded_change(actor=cast.alice, reason="registration"):
            try:
                with batched_history():
                    victim.save()
                    raise RuntimeError("refused after the save")
            except RuntimeError:
                pass
        assert transaction.get_rollback()
    assert not Victim.objects.filter(pk=victim.pk).exists()
    assert not Victim.history.filter(id=victim.pk).exists()


def test_a_save_in_a_savepoint_rolled_back_inside_the_block_leaves_no_history(places, cast):
    """The savepoint's rollback takes the row and its history row together; the batch never
    writes history for a row that does not exist."""
    kept = Victim(**{**person(11), "document_type": "none", "id_number": None})
    dropped = Victim(**{**person(12), "document_type": "none", "id_number": None})
    with transaction.atomic(), recorded_change(actor=cast.alice, reason="registration"):
        with batched_history():
            kept.save()
            try:
                with transaction.atomic():
                    dropped.save()
                    raise RuntimeError("refused inside a savepoint")
            except RuntimeError:
                pass
    assert Victim.history.filter(id=kept.pk).count() == 1
    assert not Victim.objects.filter(pk=dropped.pk).exists()
    assert not Victim.history.filter(id=dropped.pk).exists()
