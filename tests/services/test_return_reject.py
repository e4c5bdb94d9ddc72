"""Civil affairs rejects a return plan awaiting approval, with a reason its author reads (issue
18, item 4); approving and rejecting go through the confirmation page (``registry.decisions``)."""

import pytest
from django.urls import reverse

from inbox.choices import NotificationKind
from inbox.models import Notification
from registry.decisions import MARKER
from registry.errors import Conflict, PermissionDenied, RuleViolation
from registry.models import AuditAction, AuditEvent
from registry.policy import Action
from services import operations as services
from services.choices import ReturnPlanStatus
from services.models import ReturnPlan
from tests.services.test_api_matrix import StepMatrix, with_plan
from victims.choices import Stage
from victims.models import Case

pytestmark = pytest.mark.django_db

REASON = "家庭住址尚未核实（虚构）"


@pytest.fixture
def written(make_case, admit, plan):
    """A plan Alice wrote for a sheltered adult, awaiting approval."""
    case = make_case(age=30)
    admit(case)
    return plan(case)


def page_url(plan, verb: str) -> str:
    return reverse(f"services:plan-{verb}", args=[plan.case.uuid, plan.uuid])


def confirm(version: int, comment: str = "") -> dict:
    return {"version": version, "comment": comment, MARKER: "1"}


def fresh(plan) -> ReturnPlan:
    return ReturnPlan.objects.get(pk=plan.pk)


def test_a_rejected_plan_is_final_and_the_case_can_plan_again(cast, written, plan):
    assert Case.objects.get(pk=written.case.pk).stage == Stage.RETURN_PLANNED
    rejected = services.return_plan_reject(
        actor=cast.dave, plan=written, expected_version=written.version, comment=REASON
    )
    assert (rejected.status, rejected.decision_comment) == (ReturnPlanStatus.REJECTED, REASON)
    assert Case.objects.get(pk=written.case.pk).stage == Stage.SHELTERED
    assert fresh(written).history.latest().decision_comment == REASON
    event = AuditEvent.objects.filter(action=AuditAction.APPROVAL_REFUSED, case_uuid=written.case.uuid).get()
    assert REASON not in str(event.detail)
    item = Notification.objects.get(recipient=cast.alice, kind=NotificationKind.DECISION_REJECTED)
    assert item.subject_uuid == written.uuid
    with pytest.raises(Conflict):  # final: it can no longer change
        services.return_plan_amend(actor=cast.alice, plan=rejected, expected_version=rejected.version, changes={})
    assert plan(written.case).status == ReturnPlanStatus.AWAITING_APPROVAL  # a new plan


def test_rejecting_needs_a_reason_an_approver_and_not_an_author(cast, written, plan, make_case):
    with pytest.raises(RuleViolation) as refused:
        services.return_plan_reject(actor=cast.dave, plan=written, expected_version=written.version, comment=" ")
    assert refused.value.field == "comment"
    with pytest.raises(PermissionDenied):
        services.return_plan_reject(actor=cast.alice, plan=written, expected_version=written.version, comment=REASON)
    own = plan(make_case(age=30), actor=cast.dave)
    with pytest.raises(PermissionDenied) as four_eyes:
        services.return_plan_reject(actor=cast.dave, plan=own, expected_version=own.version, comment=REASON)
    assert four_eyes.value.code == "four_eyes"
    assert fresh(written).status == ReturnPlanStatus.AWAITING_APPROVAL


def test_only_a_plan_awaiting_approval_is_rejected(cast, written):
    approved = services.return_plan_approve(actor=cast.dave, plan=written, expected_version=written.version)
    with pytest.raises(Conflict) as refused:
        services.return_plan_reject(actor=cast.dave, plan=approved, expected_version=approved.version, comment=REASON)
    assert refused.value.code == "invalid_plan_transition"


def test_the_reject_page_confirms_then_the_author_reads_the_reason(client, cast, written):
    client.force_login(cast.dave)
    tab = client.get(reverse("victims:case", args=[written.case.uuid]) + "?tab=return_home").content.decode()
    assert f'href="{page_url(written, "reject")}"' in tab and f'href="{page_url(written, "approve")}"' in tab
    shown = client.get(page_url(written, "reject"))
    assert shown.status_code == 200 and 'id="decision-reject"' in shown.content.decode()
    assert client.post(page_url(written, "reject"), {"version": written.version}).status_code == 200
    assert client.post(page_url(written, "reject"), confirm(written.version)).status_code == 400
    assert fresh(written).status == ReturnPlanStatus.AWAITING_APPROVAL
    done = client.post(page_url(written, "reject"), confirm(written.version, REASON))
    assert done.status_code == 302 and fresh(written).status == ReturnPlanStatus.REJECTED
    client.force_login(cast.alice)
    tab = client.get(reverse("victims:case", args=[written.case.uuid]) + "?tab=return_home").content.decode()
    assert REASON in tab


def test_approving_on_the_page_keeps_the_comment(client, cast, written):
    client.force_login(cast.dave)
    assert client.post(page_url(written, "approve"), {"version": written.version}).status_code == 200
    assert fresh(written).status == ReturnPlanStatus.AWAITING_APPROVAL
    done = client.post(page_url(written, "approve"), confirm(written.version, "同意（虚构）"))
    approved = fresh(written)
    assert done.status_code == 302
    assert (approved.status, approved.decision_comment) == (ReturnPlanStatus.APPROVED, "同意（虚构）")


def test_the_api_rejects_with_a_reason(api_client_for, cast, written):
    dave = api_client_for(cast.dave)
    url = reverse("case-return-plan-reject", kwargs={"id": written.case.uuid, "record_id": written.uuid})
    headers = {"If-Match": f'"{written.version}"'}
    refused = dave.post(url, {}, format="json", headers=headers)
    assert refused.status_code == 400 and set(refused.json()["fields"]) == {"comment"}
    rejected = dave.post(url, {"comment": REASON}, format="json", headers=headers)
    assert (rejected.status_code, rejected.json()["status"]) == (200, ReturnPlanStatus.REJECTED)
    assert rejected.json()["decision_comment"] == REASON


@pytest.mark.django_db
class TestReturnPlanRejectMatrix(StepMatrix):
    """``POST /cases/{id}/return-plans/{record_id}/reject/`` held to the policy."""

    route_name = "case-return-plan-reject"
    record_model = ReturnPlan
    prepare = staticmethod(with_plan)
    action = Action.APPROVE_RETURN

    def body(self, record):
        return {"comment": REASON}
