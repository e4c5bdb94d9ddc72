"""The operations' shared steps: the model-clean adapter and the one lock-then-check-version helper."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from registry.errors import NotFound, PermissionDenied, RuleViolation, StaleVersion
from registry.operations import full_clean, lock_for_change
from tests.registry.test_api_base import sample_case
from tests.scaffold.models import SampleCase, SampleReferral


def test_the_row_is_locked_at_the_version_read(places, cast):
    case = sample_case(places, cast)
    with transaction.atomic():
        locked = lock_for_change(SampleCase.objects.visible_to(cast.alice), case.pk, missing="gone", expected_version=1)
    assert locked.pk == case.pk


def test_a_row_out_of_scope_is_missing_like_an_absent_one(places, cast):
    case = sample_case(places, cast)
    with transaction.atomic(), pytest.raises(NotFound) as outside:
        lock_for_change(SampleCase.objects.visible_to(cast.carol), case.pk, missing="No such case.")
    with transaction.atomic(), pytest.raises(NotFound) as absent:
        lock_for_change(SampleCase.objects.visible_to(cast.alice), case.pk + 1000, missing="No such case.")
    assert outside.value.message == absent.value.message == "No such case."


def test_a_stale_version_is_refused_after_the_lock(places, cast):
    case = sample_case(places, cast)
    with transaction.atomic(), pytest.raises(StaleVersion):
        lock_for_change(SampleCase.objects.all(), case.pk, missing="gone", expected_version=2)


def test_the_case_is_locked_first_then_the_row_then_the_check_then_the_version(places, cast):
    case = sample_case(places, cast)
    referral = SampleReferral.objects.filter(case=case).first()
    steps = []

    def lock_the_case():
        steps.append("case")
        return lock_for_change(SampleCase.objects.all(), case.pk, missing="gone")

    def check(row):
        steps.append("check")
        raise PermissionDenied("refused", code="referral_completed")

    with transaction.atomic(), CaptureQueriesContext(connection) as queries, pytest.raises(PermissionDenied):
        # A stale version would be 412, but the rule that needs the locks answers first.
        lock_for_change(
            SampleReferral.objects.all(),
            referral.pk,
            missing="gone",
            expected_version=99,
            case=lock_the_case,
            check=check,
        )
    tables = [
        table
        for query in queries.captured_queries
        for table in ("scaffold_samplecase", "scaffold_samplereferral")
        if f'FROM "{table}"' in query["sql"]
    ]
    assert steps == ["case", "check"]
    assert tables[:2] == ["scaffold_samplecase", "scaffold_samplereferral"]


def test_the_locked_row_carries_the_locked_case(places, cast):
    case = sample_case(places, cast)
    referral = SampleReferral.objects.filter(case=case).first()
    with transaction.atomic():
        locked_case = SampleCase.objects.get(pk=case.pk)
        locked = lock_for_change(SampleReferral.objects.all(), referral.pk, missing="gone", case=lambda: locked_case)
    assert locked.case is locked_case


def test_full_clean_names_the_first_offending_field(places, cast):
    case = sample_case(places, cast)
    case.sex = "toolong"
    with pytest.raises(RuleViolation) as refused:
        full_clean(case)
    assert refused.value.field == "sex"
