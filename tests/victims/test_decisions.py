"""Safe decisions (issue 18, item 4): approve, reject, revoke, close and reopen each go through
one confirmation page (``registry.decisions``) — nothing changes on GET nor on a POST without
the confirmation step —, keep their comment encrypted in history, and a rejection reaches its
author with the reason."""

import pytest
from django.db import connection
from django.urls import reverse

from inbox.choices import NotificationKind
from inbox.models import Notification
from registry.decisions import MARKER
from registry.errors import Conflict, RuleViolation
from registry.models import AuditAction, AuditEvent
from registry.policy import Action
from registry.presentation import case_url
from tests.victims.conftest import CLOSING
from tests.victims.test_api_matrix import ReferralStepMatrix, referred_child_case
from victims import operations
from victims.choices import ConsentGiver, ReferralStatus, Service, Stage
from victims.models import Case, Referral

pytestmark = pytest.mark.django_db

REASON = "监护人尚未同意该校（虚构）"


@pytest.fixture
def as_user(client, cast):
    def sign_in(name):
        client.force_login(getattr(cast, name))
        return client

    return sign_in


@pytest.fixture
def child_referral(register, consent, cast, places):
    """A child's referral to the Fuzhou education bureau, awaiting Dave's approval."""
    child = register(seed=81, age=10)
    consent(child, Service.SCHOOLING, given_by=ConsentGiver.GUARDIAN)
    return operations.referral_create(
        actor=cast.alice, case=child, service=Service.SCHOOLING, to_organization=places.fz_education
    )


def act_url(referral, verb: str) -> str:
    return reverse("victims:referral-act", args=[referral.case.uuid, referral.uuid, verb])


def confirm(version: int, comment: str = "", **extra) -> dict:
    return {"version": version, "comment": comment, MARKER: "1", **extra}


def status_of(referral) -> str:
    return Referral.objects.get(pk=referral.pk).status


# --- the confirmation page ----------------------------------------------------------------------


def test_the_approve_page_says_what_will_happen_and_changes_nothing_on_get(as_user, child_referral):
    response = as_user("dave").get(act_url(child_referral, "approve"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="decision-sentence"' in html and child_referral.case.number in html
    assert 'id="decision-record"' in html and 'id="decision-cancel"' in html
    assert f'name="{MARKER}"' in html and f'value="{child_referral.version}"' in html
    assert status_of(child_referral) == ReferralStatus.AWAITING_APPROVAL


def test_a_one_click_post_without_the_confirmation_step_changes_nothing(as_user, child_referral):
    response = as_user("dave").post(act_url(child_referral, "approve"), {"version": child_referral.version})
    assert response.status_code == 200 and 'id="decision-form"' in response.content.decode()
    assert status_of(child_referral) == ReferralStatus.AWAITING_APPROVAL


def test_the_case_file_links_civil_affairs_to_approve_and_reject_pages(as_user, child_referral):
    html = as_user("dave").get(case_url(child_referral.case, "referrals")).content.decode()
    for verb in ("approve", "reject"):
        assert f'<a href="{act_url(child_referral, verb)}"' in html


def test_approving_keeps_the_optional_comment_in_history(as_user, child_referral):
    response = as_user("dave").post(
        act_url(child_referral, "approve"), confirm(child_referral.version, "材料齐全（虚构）")
    )
    assert response.status_code == 302 and response.url == case_url(child_referral.case, "referrals")
    approved = Referral.objects.get(pk=child_referral.pk)
    assert (approved.status, approved.decision_comment) == (ReferralStatus.PENDING, "材料齐全（虚构）")
    assert approved.history.latest().decision_comment == "材料齐全（虚构）"


def test_approving_at_a_stale_version_answers_409_with_the_current_version(as_user, cast, child_referral):
    response = as_user("dave").post(act_url(child_referral, "approve"), confirm(child_referral.version + 5))
    html = response.content.decode()
    assert response.status_code == 409 and 'id="form-errors"' in html
    assert f'value="{child_referral.version}"' in html  # confirm again at the version shown now
    assert status_of(child_referral) == ReferralStatus.AWAITING_APPROVAL


# --- reject ---------------------------------------------------------------------------------------


def test_rejecting_needs_a_reason_and_changes_nothing_without_one(as_user, cast, child_referral):
    response = as_user("dave").post(act_url(child_referral, "reject"), confirm(child_referral.version, "  "))
    assert response.status_code == 400 and 'id="id_comment_error"' in response.content.decode()
    assert status_of(child_referral) == ReferralStatus.AWAITING_APPROVAL
    with pytest.raises(RuleViolation) as refused:
        operations.referral_reject(actor=cast.dave, referral=child_referral, comment="")
    assert (refused.value.field, refused.value.code) == ("comment", "comment_required")


def test_a_rejected_referral_tells_its_author_the_reason(as_user, cast, child_referral):
    response = as_user("dave").post(act_url(child_referral, "reject"), confirm(child_referral.version, REASON))
    assert response.status_code == 302
    rejected = Referral.objects.get(pk=child_referral.pk)
    assert (rejected.status, rejected.decision_comment) == (ReferralStatus.REJECTED, REASON)
    assert not rejected.visible_to_receiver
    item = Notification.objects.get(recipient=cast.alice, kind=NotificationKind.DECISION_REJECTED)
    assert item.subject_uuid == rejected.uuid
    assert not Notification.objects.filter(  # the officers' "to approve" items are settled
        kind=NotificationKind.CHILD_REFERRAL_TO_APPROVE, subject_uuid=rejected.uuid, read_at=None
    ).exists()
    event = AuditEvent.objects.filter(action=AuditAction.APPROVAL_REFUSED).latest("id")
    assert REASON not in str(event.detail)
    card = as_user("alice").get(case_url(child_referral.case, "referrals")).content.decode()
    assert REASON in card


def test_the_reason_is_ciphertext_in_the_database(cast, child_referral):
    operations.referral_reject(actor=cast.dave, referral=child_referral, comment=REASON)
    with connection.cursor() as cursor:
        cursor.execute("SELECT decision_comment FROM victims_referral WHERE id = %s", [child_referral.pk])
        (stored,) = cursor.fetchone()
    assert REASON not in stored


def test_only_civil_affairs_rejects_and_only_what_awaits_approval(as_user, cast, child_referral):
    assert as_user("alice").get(act_url(child_referral, "reject")).status_code == 403
    operations.referral_approve(actor=cast.dave, referral=child_referral)
    with pytest.raises(Conflict) as refused:
        operations.referral_reject(actor=cast.dave, referral=child_referral, comment=REASON)
    assert refused.value.code == "invalid_referral_transition"


def test_a_new_referral_can_be_made_after_a_rejection(cast, places, child_referral):
    operations.referral_reject(actor=cast.dave, referral=child_referral, comment=REASON)
    again = operations.referral_create(
        actor=cast.alice, case=child_referral.case, service=Service.SCHOOLING, to_organization=places.fz_education
    )
    assert again.status == ReferralStatus.AWAITING_APPROVAL


def test_the_api_rejects_with_a_reason_and_refuses_without(api_client_for, cast, child_referral):
    dave = api_client_for(cast.dave)
    url = reverse("referral-reject", kwargs={"id": child_referral.uuid})
    refused = dave.post(url, {}, format="json")
    assert refused.status_code == 400 and set(refused.json()["fields"]) == {"comment"}
    rejected = dave.post(url, {"comment": REASON}, format="json")
    assert (rejected.status_code, rejected.json()["status"]) == (200, ReferralStatus.REJECTED)
    assert rejected.json()["decision_comment"] == REASON


# --- revoke ---------------------------------------------------------------------------------------


def test_revoking_needs_a_reason_on_the_page_and_in_the_api(as_user, api_client_for, cast, child_referral):
    page = as_user("alice").post(act_url(child_referral, "revoke"), confirm(child_referral.version))
    assert page.status_code == 400
    api = api_client_for(cast.alice).post(reverse("referral-revoke", kwargs={"id": child_referral.uuid}), {}, "json")
    assert api.status_code == 400
    assert status_of(child_referral) == ReferralStatus.AWAITING_APPROVAL
    done = as_user("alice").post(act_url(child_referral, "revoke"), confirm(child_referral.version, "重复转介（虚构）"))
    assert done.status_code == 302 and status_of(child_referral) == ReferralStatus.REVOKED


# --- close and reopen -----------------------------------------------------------------------------


def close_url(case) -> str:
    return reverse("victims:case-close", args=[case.uuid])


def reopen_url(case) -> str:
    return reverse("victims:case-act", args=[case.uuid, "reopen"])


def test_closing_goes_through_the_confirmation_page(as_user, register):
    case = register(seed=82)
    page = as_user("dave").get(close_url(case))
    assert page.status_code == 200 and 'id="decision-close"' in page.content.decode()
    as_user("dave").post(close_url(case), {"version": case.version, **CLOSING})  # no confirmation step
    assert Case.objects.get(pk=case.pk).stage != Stage.CLOSED
    done = as_user("dave").post(close_url(case), confirm(case.version, **CLOSING))
    assert done.status_code == 302 and Case.objects.get(pk=case.pk).stage == Stage.CLOSED


def test_a_closed_cases_main_button_is_not_reopen(as_user, cast, register):
    case = register(seed=83)
    closed = operations.case_close(actor=cast.dave, case=case, expected_version=case.version, **CLOSING)
    header = as_user("dave").get(case_url(closed)).content.decode()
    assert f'href="{reopen_url(closed)}" class="button button--secondary' in header
    assert "button--primary" not in header.split('id="case-actions"')[1].split("</div>")[0]


def test_reopening_needs_a_reason_kept_in_history(as_user, cast, register):
    case = register(seed=84)
    closed = operations.case_close(actor=cast.dave, case=case, expected_version=case.version, **CLOSING)
    assert as_user("dave").get(reopen_url(closed)).status_code == 200
    assert Case.objects.get(pk=case.pk).stage == Stage.CLOSED
    refused = as_user("dave").post(reopen_url(closed), confirm(closed.version))
    assert refused.status_code == 400 and Case.objects.get(pk=case.pk).stage == Stage.CLOSED
    done = as_user("dave").post(reopen_url(closed), confirm(closed.version, "本人再次求助（虚构）"))
    reopened = Case.objects.get(pk=case.pk)
    assert done.status_code == 302 and reopened.stage == Stage.REGISTERED
    assert reopened.history.latest().decision_comment == "本人再次求助（虚构）"


def test_the_api_reopens_only_with_a_reason(api_client_for, cast, register):
    case = register(seed=85)
    closed = operations.case_close(actor=cast.dave, case=case, expected_version=case.version, **CLOSING)
    dave = api_client_for(cast.dave)
    url = reverse("case-reopen", kwargs={"id": case.uuid})
    headers = {"If-Match": f'"{closed.version}"'}
    assert dave.post(url, {}, format="json", headers=headers).status_code == 400
    reopened = dave.post(url, {"comment": "本人再次求助（虚构）"}, format="json", headers=headers)
    assert (reopened.status_code, reopened.json()["stage"]) == (200, Stage.REGISTERED)


@pytest.mark.django_db
class TestReferralRejectMatrix(ReferralStepMatrix):
    """``POST /referrals/{id}/reject/`` held to the policy: civil affairs within reach only."""

    route_name = "referral-reject"
    action = Action.APPROVE_CHILD_REFERRAL

    def make_record(self, places, cast):
        return self.education_referral(referred_child_case(places, cast))

    def body(self, record):
        return {"comment": REASON}
