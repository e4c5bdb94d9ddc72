"""Rule 4 for a person of unknown origin (来历不明, issue 14): whatever the age, family
reunification needs a DNA sample submitted to the database with a confirmed match — when the
plan is written, amended and approved."""

from __future__ import annotations

import pytest

from registry.errors import RuleViolation
from services import operations as services
from services.choices import Pathway, ReturnPlanStatus
from services.models import ReturnPlan
from victims import operations
from victims.choices import DNAMatch


@pytest.mark.parametrize(("match", "submitted"), [(None, False), (DNAMatch.PENDING, True), (DNAMatch.NO_MATCH, True)])
def test_an_adult_of_unknown_origin_is_not_reunified_without_a_matched_sample(
    make_case, household, dna, plan, match, submitted
):
    case = make_case(age=30, unknown_origin=True)
    if match is not None:
        dna(case, match=match, submitted=submitted)

    with pytest.raises(RuleViolation) as refused:
        plan(case, Pathway.FAMILY_REUNIFICATION, household=household(case))

    assert (refused.value.field, refused.value.code) == ("pathway", "dna_match_required")
    assert not ReturnPlan.objects.filter(case=case).exists()


def test_with_a_confirmed_match_the_person_of_unknown_origin_may_be_reunified(make_case, household, dna, plan):
    case = make_case(age=30, unknown_origin=True)
    dna(case, match=DNAMatch.CONFIRMED)

    created = plan(case, Pathway.FAMILY_REUNIFICATION, household=household(case))

    assert created.status == ReturnPlanStatus.AWAITING_APPROVAL


def test_an_adult_of_known_origin_needs_no_sample(make_case, household, plan):
    case = make_case(age=30)

    assert plan(case, Pathway.FAMILY_REUNIFICATION, household=household(case)).pathway == Pathway.FAMILY_REUNIFICATION


def test_other_pathways_need_no_sample(make_case, plan):
    case = make_case(age=30, unknown_origin=True)

    assert plan(case, Pathway.LOCAL_RESETTLEMENT).status == ReturnPlanStatus.AWAITING_APPROVAL


def test_a_person_flagged_after_the_plan_was_written_is_refused_at_approval(make_case, household, plan, cast):
    case = make_case(age=30)
    written = plan(case, Pathway.FAMILY_REUNIFICATION, household=household(case))
    case.refresh_from_db()
    operations.victim_update(
        actor=cast.alice, case=case, expected_version=case.version, section="identity",
        changes={"unknown_origin": True},
    )  # fmt: skip

    with pytest.raises(RuleViolation) as refused:
        services.return_plan_approve(actor=cast.dave, plan=written, expected_version=written.version)

    assert refused.value.code == "dna_match_required"
    written.refresh_from_db()
    assert written.status == ReturnPlanStatus.AWAITING_APPROVAL
