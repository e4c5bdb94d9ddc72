"""Items due for the reminders' tests, written straight into the tables (the reminders read
plain columns only; the operations that write these rows are tested in their own apps)."""

from __future__ import annotations

import datetime
import itertools

from django.utils import timezone

from care.models import CarePlan
from legal_aid.choices import ActivityKind, MatterStatus, MatterType
from legal_aid.models import LegalAidActivity, LegalAidMatter
from registry.history import recorded_change
from services.models import FollowUpVisit
from tests.victims.conftest import RESCUE, TODAY, person
from victims import operations
from victims.choices import ReferralStatus, Service
from victims.models import Referral

_SEEDS = itertools.count(5000)


def recorded(write):
    """``write`` inside a change context of its own, as test set-up (history needs a reason)."""

    def wrapped(*args, **kwargs):
        with recorded_change(actor=None, reason="reminders test set-up"):
            return write(*args, **kwargs)

    return wrapped


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def new_case(cast, places, *, age: int = 30, seed: int | None = None, **victim):
    return operations.case_register(
        actor=cast.alice,
        victim=person(seed if seed is not None else next(_SEEDS), age=age, **victim),
        jurisdiction=places.gulou,
        rescue=dict(RESCUE),
    )


@recorded
def visit(case, due_on, **fields) -> FollowUpVisit:
    return FollowUpVisit.objects.create(case=case, due_on=due_on, **fields)


@recorded
def care_plan(case, cast, next_review_on) -> CarePlan:
    return CarePlan.objects.create(
        case=case, assessed_on=days(-60), next_review_on=next_review_on, created_by=cast.alice
    )


@recorded
def referral(case, cast, organization, *, service=Service.SCHOOLING, status=ReferralStatus.PENDING, age_days=0,
             answered_days_ago=None) -> Referral:  # fmt: skip
    made = Referral.objects.create(
        case=case, service=service, to_organization=organization, status=status, created_by=cast.alice
    )
    made.created_at = timezone.now() - datetime.timedelta(days=age_days)
    if answered_days_ago is not None:
        made.answered_at = timezone.now() - datetime.timedelta(days=answered_days_ago)
    made.save()
    return made


@recorded
def legal_aid_step(case, cast, places, due_on, *, status=MatterStatus.IN_PROGRESS) -> LegalAidActivity:
    """An open matter of the Fuzhou centre whose latest activity leaves a step due on ``due_on``."""
    referred = referral(case, cast, places.fz_legal_aid, service=Service.LEGAL_AID, status=ReferralStatus.ACCEPTED)
    matter = LegalAidMatter.objects.create(
        case=case, centre=places.fz_legal_aid, referral=referred, matter_type=MatterType.CIVIL_COMPENSATION,
        applied_on=days(-20), status=status, opened_by=cast.erin, decided_on=days(-15), decision_reason="（虚构）",
        started_on=days(-10) if status == MatterStatus.IN_PROGRESS else None,
    )  # fmt: skip
    return LegalAidActivity.objects.create(
        case=case, matter=matter, kind=ActivityKind.CONSULTATION, occurred_on=days(-1), hours=1,
        next_step="提交起诉材料（虚构）", next_step_due=due_on, recorded_by=cast.erin,
    )  # fmt: skip
