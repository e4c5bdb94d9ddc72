"""``seed_demo``'s legal aid step (``legal_aid.seed``): matters of the accepted legal aid
referrals, recorded through the operations by the receiving centre's worker — in the demo of
``make run``, seeded once for every module that reads it (``seeded_demo``, tests/conftest.py)."""

from legal_aid.choices import MatterStatus
from legal_aid.models import LegalAidActivity, LegalAidMatter
from legal_aid.seed import seed_legal_aid
from registry.choices import Role
from victims.choices import ReferralStatus, Service
from victims.models import Referral
from victims.validation import today


def test_most_accepted_legal_aid_referrals_get_a_matter_of_their_centre(seeded_demo, db):
    matters = list(LegalAidMatter.objects.select_related("referral", "opened_by", "lawyer"))
    accepted = Referral.objects.filter(service=Service.LEGAL_AID, status=ReferralStatus.ACCEPTED)
    assert 0 < len(matters) <= accepted.count()
    assert f"legal aid matters: {len(matters)} opened" in seeded_demo
    for matter in matters:
        assert matter.referral.status == ReferralStatus.ACCEPTED and matter.referral.case_id == matter.case_id
        assert matter.centre_id == matter.referral.to_organization_id
        assert (matter.opened_by.role, matter.opened_by.organization_id) == (Role.LEGAL_AID, matter.centre_id)
        assert matter.lawyer is None or matter.lawyer.organization_id == matter.centre_id
        assert matter.history.earliest("history_id").history_user == matter.opened_by


def test_the_seeded_matters_obey_the_rules(seeded_demo, db):
    day = today()
    for matter in LegalAidMatter.objects.all():
        matter.full_clean()
        dates = [matter.applied_on, matter.decided_on, matter.started_on, matter.concluded_on]
        recorded = [value for value in dates if value]
        assert recorded == sorted(recorded) and max(recorded) <= day
        if matter.status == MatterStatus.CONCLUDED and matter.compensation_received is not None:
            assert matter.compensation_received <= matter.compensation_awarded
    for activity in LegalAidActivity.objects.select_related("matter"):
        activity.full_clean()
        assert activity.occurred_on <= day
        assert activity.next_step_due is None or activity.next_step_due >= activity.occurred_on


def test_a_second_run_adds_nothing(seeded_demo, db):
    before = LegalAidMatter.objects.count(), LegalAidActivity.objects.count()
    result = seed_legal_aid(seed=1)
    assert (result.opened, result.present) == (0, before[0])
    assert (LegalAidMatter.objects.count(), LegalAidActivity.objects.count()) == before
