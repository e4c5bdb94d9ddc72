"""Caseworkers assigned to a case, unassigned, and a leaving caseworker's open cases handed on
(issue 17, item 1): the operations, the API with its policy matrices, and the pages."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from registry import policy
from registry.choices import Role
from registry.errors import Conflict, NotFound, PermissionDenied, RuleViolation, StaleVersion
from registry.history import recorded_change
from registry.models import AuditEvent
from registry.policy import Action
from tests.factories import UserFactory
from tests.policy_matrix import CAST, PolicyMatrix, in_scope
from tests.victims.conftest import CLOSING
from tests.victims.test_api_matrix import CaseMatrix, case_scope_facts, if_match, referred_case
from victims import operations
from victims.models import Case


@pytest.fixture
def colleague(places):
    """Alice's colleague at the Fuzhou relief station."""
    return UserFactory(username="lin", role=Role.CASEWORKER, organization=places.fz_shelter, jurisdiction=places.fuzhou)


def assigned(case) -> set[str]:
    return set(Case.objects.get(pk=case.pk).assigned_caseworkers.values_list("username", flat=True))


def events(case, action) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(case_uuid=case.uuid, action=action).order_by("id"))


# --- the operations ---------------------------------------------------------------------------


def test_assign_and_unassign_bump_the_version_and_are_audited(register, cast, colleague):
    case = register()
    registered = set(case.assigned_caseworkers.values_list("username", flat=True))
    case = operations.case_assign(actor=cast.dave, case=case, caseworker=colleague, expected_version=case.version)
    assert assigned(case) == registered | {"lin"}
    assert case.version == 2
    [event] = events(case, "caseworker_assigned")
    assert event.detail == {"assigned": str(colleague.uuid)} and event.actor_username == "dave"
    assert case.history.first().history_change_reason == "caseworker assigned"

    case = operations.case_unassign(actor=cast.alice, case=case, caseworker=colleague, expected_version=2)
    assert assigned(case) == registered
    assert case.version == 3
    assert events(case, "caseworker_unassigned")[0].detail == {"unassigned": str(colleague.uuid)}


def test_assign_refusals_change_nothing(register, cast, colleague, places):
    case = register()
    with pytest.raises(PermissionDenied):
        operations.case_assign(actor=cast.bob, case=case, caseworker=colleague, expected_version=1)
    with pytest.raises(NotFound):  # out of Carol's reach: absent
        operations.case_assign(actor=cast.carol, case=case, caseworker=colleague, expected_version=1)
    with pytest.raises(RuleViolation) as refused:
        operations.case_assign(actor=cast.alice, case=case, caseworker=cast.dave, expected_version=1)
    assert refused.value.field == "caseworker"
    with pytest.raises(StaleVersion):
        operations.case_assign(actor=cast.alice, case=case, caseworker=colleague, expected_version=7)
    case = operations.case_assign(actor=cast.alice, case=case, caseworker=colleague, expected_version=1)
    with pytest.raises(Conflict) as twice:
        operations.case_assign(actor=cast.alice, case=case, caseworker=colleague, expected_version=2)
    assert twice.value.code == "already_assigned"
    with pytest.raises(Conflict) as absent:
        operations.case_unassign(actor=cast.alice, case=case, caseworker=cast.carol, expected_version=2)
    assert absent.value.code == "not_assigned"
    assert Case.objects.get(pk=case.pk).version == 2


def test_an_assignment_never_widens_who_sees_the_case(register, cast, places):
    """A caseworker of another organization — even one civil affairs may name — is refused:
    being assigned would let her read the case."""
    home = UserFactory(username="wendy", role=Role.CASEWORKER, organization=places.fz_civil_affairs,
                       jurisdiction=places.fuzhou)  # fmt: skip
    case = register()
    with pytest.raises(RuleViolation) as refused:
        operations.case_assign(actor=cast.dave, case=case, caseworker=home, expected_version=1)
    assert refused.value.field == "caseworker"
    assert not Case.objects.visible_to(home).filter(pk=case.pk).exists()


def test_a_closed_case_keeps_its_caseworkers(register, cast, colleague):
    case = register()
    case = operations.case_close(actor=cast.dave, case=case, expected_version=1, **CLOSING)
    for operation in (operations.case_assign, operations.case_unassign):
        with pytest.raises(Conflict) as refused:
            operation(actor=cast.dave, case=case, caseworker=colleague, expected_version=case.version)
        assert refused.value.code == "case_closed"


def test_a_leaving_caseworkers_open_cases_go_to_a_colleague_in_one_operation(register, cast, colleague, places):
    first, second, closed = register(seed=1), register(seed=2), register(seed=3)
    for case in (first, second, closed):
        operations.case_assign(actor=cast.dave, case=case, caseworker=colleague, expected_version=case.version)
    closed = operations.case_close(actor=cast.dave, case=Case.objects.get(pk=closed.pk), expected_version=2, **CLOSING)
    theirs = register(actor=cast.carol, seed=4, jurisdiction=places.xiamen)  # not Dave's to see
    lent = register(seed=5)
    with recorded_change(actor=None, reason="test: led by another organization of Dave's city"):
        lent.lead_organization = places.fz_civil_affairs
        lent.save()
    lent.assigned_caseworkers.add(colleague)  # kept from before assignments were the lead organization's only
    mei = UserFactory(username="mei", role=Role.CASEWORKER, organization=places.fz_shelter, jurisdiction=places.fuzhou)
    before = AuditEvent.objects.count()

    handed = operations.caseworker_cases_reassign(actor=cast.dave, caseworker=colleague, to=mei)

    assert handed == 2
    for case in (first, second):
        assert "mei" in assigned(case) and "lin" not in assigned(case)
        assert Case.objects.get(pk=case.pk).version == 3
        [event] = events(case, "caseworker_assigned")[-1:]
        assert event.detail == {"assigned": str(mei.uuid), "unassigned": str(colleague.uuid)}
    assert "lin" in assigned(closed)  # a closed case keeps its record as it was
    assert "mei" not in assigned(theirs)
    assert assigned(lent) >= {"lin"} and "mei" not in assigned(lent)  # Mei would newly see it: not hers
    assert AuditEvent.objects.count() == before + 2


def test_reassign_refuses_another_organization_and_the_same_caseworker(cast, colleague):
    with pytest.raises(RuleViolation) as other:
        operations.caseworker_cases_reassign(actor=cast.dave, caseworker=colleague, to=cast.carol)
    assert other.value.field == "to"
    with pytest.raises(RuleViolation):
        operations.caseworker_cases_reassign(actor=cast.dave, caseworker=colleague, to=colleague)
    with pytest.raises(PermissionDenied):
        operations.caseworker_cases_reassign(actor=cast.erin, caseworker=colleague, to=cast.alice)


# --- the API ----------------------------------------------------------------------------------


def test_api_assigns_lists_and_unassigns(api_client_for, register, cast, colleague):
    case = register()
    api = api_client_for(cast.alice)
    url = reverse("case-assignment-list", kwargs={"id": case.uuid})
    answer = api.post(url, {"caseworker": str(colleague.uuid)}, format="json", headers=if_match(1))
    assert answer.status_code == 201, answer.json()
    assert answer.json()["version"] == 2 and answer["ETag"] == '"2"'
    listed = api.get(url).json()
    assert str(colleague.uuid) in {item["id"] for item in listed}
    unknown = api.post(url, {"caseworker": str(cast.carol.uuid)}, format="json", headers=if_match(2))
    assert unknown.status_code == 400 and "caseworker" in unknown.json()["fields"]
    stale = api.delete(reverse("case-assignment-detail", kwargs={"id": case.uuid, "user_id": colleague.uuid}),
                       headers=if_match(1))  # fmt: skip
    assert stale.status_code == 412
    gone = api.delete(reverse("case-assignment-detail", kwargs={"id": case.uuid, "user_id": colleague.uuid}),
                      headers=if_match(2))  # fmt: skip
    assert gone.status_code == 200 and gone.json()["version"] == 3
    not_there = api.delete(reverse("case-assignment-detail", kwargs={"id": case.uuid, "user_id": "nope"}),
                           headers=if_match(3))  # fmt: skip
    assert not_there.status_code == 409 and not_there.json()["code"] == "not_assigned"


def test_api_hands_on_a_caseworkers_cases(api_client_for, register, cast, colleague, places):
    case = register()
    operations.case_assign(actor=cast.alice, case=case, caseworker=colleague, expected_version=1)
    url = reverse("caseworker-reassign", kwargs={"id": colleague.uuid})
    answer = api_client_for(cast.alice).post(url, {"to": str(cast.alice.uuid)}, format="json")
    assert answer.status_code == 200 and answer.json() == {"cases": 1}
    assert "lin" not in assigned(case)
    # Carol manages Xiamen's caseworkers only: Fuzhou's are not hers to name.
    refused = api_client_for(cast.carol).post(url, {"to": str(cast.carol.uuid)}, format="json")
    assert refused.status_code == 400 and "id" in refused.json()["fields"]


class AssignmentMatrix(CaseMatrix):
    kind = "write"
    action = Action.ASSIGN_CASEWORKER

    def headers(self, record):
        return if_match(record.version)


@pytest.mark.django_db
class TestCaseAssignmentListMatrix(CaseMatrix):
    route_name = "case-assignment-list"

    @pytest.mark.parametrize("member", CAST)
    def test_policy_matrix(self, member, places, cast, api_client_for):
        record = self.make_record(places, cast)
        user = getattr(cast, member)
        visible = in_scope(user, **self.scope_facts(record))
        response = api_client_for(user).get(self.url(record))
        assert response.status_code == (200 if visible else 404), member
        if visible:
            assert all(set(item) == {"id", "username", "name", "organization"} for item in response.json())


@pytest.mark.django_db
class TestCaseAssignMatrix(AssignmentMatrix):
    route_name = "case-assignment-list"
    method = "post"
    success_status = 201

    def body(self, record):
        return {"caseworker": str(record.lead_organization.staff.get(username="alice").uuid)}

    def make_record(self, places, cast):
        case = referred_case(places, cast)
        case.assigned_caseworkers.clear()  # a case nobody is assigned to yet
        return case


@pytest.mark.django_db
class TestCaseUnassignMatrix(AssignmentMatrix):
    route_name = "case-assignment-detail"
    method = "delete"

    def url(self, record):
        alice = record.assigned_caseworkers.get(username="alice")
        return reverse(self.route_name, kwargs={"id": record.uuid, "user_id": alice.uuid})


@pytest.mark.django_db
class TestCaseworkerReassignMatrix(PolicyMatrix):
    """Not a case route: the caseworker named must be one the caller manages (400 otherwise),
    and the cases moved are those the caller sees."""

    route_name = "caseworker-reassign"
    kind = "write"
    method = "post"
    action = Action.ASSIGN_CASEWORKER

    def make_record(self, places, cast):
        return referred_case(places, cast)

    def scope_facts(self, record):
        return case_scope_facts(record)

    def url(self, record):
        return reverse(self.route_name, kwargs={"id": record.assigned_caseworkers.get(username="alice").uuid})

    def body(self, record):
        mei = UserFactory(username="mei", role=Role.CASEWORKER, organization=record.lead_organization,
                          jurisdiction=record.jurisdiction)  # fmt: skip
        return {"to": str(mei.uuid)}

    def expected_status(self, user, visible):
        if not policy.may(user, Action.ASSIGN_CASEWORKER):
            return 403
        return 200 if visible else 400  # Alice is named only by who manages her


# --- the pages --------------------------------------------------------------------------------


def test_the_case_header_shows_caseworkers_and_assigns(register, cast, colleague):
    case = register()
    client = Client()
    client.force_login(cast.alice)
    page = client.get(reverse("victims:case", args=[case.uuid])).content.decode()
    assert 'id="assignments"' in page and 'id="assign-form"' in page
    answer = client.post(reverse("victims:assign", args=[case.uuid]),
                         {"version": 1, "caseworker": str(colleague.uuid)})  # fmt: skip
    assert answer.status_code == 302
    assert "lin" in assigned(case)
    answer = client.post(reverse("victims:unassign", args=[case.uuid, colleague.uuid]), {"version": 1})
    assert "lin" in assigned(case)  # a stale form changes nothing
    client.post(reverse("victims:unassign", args=[case.uuid, colleague.uuid]), {"version": 2})
    assert "lin" not in assigned(case)


def test_a_receiving_department_sees_caseworkers_but_no_form(places, cast):
    case = referred_case(places, cast)
    client = Client()
    client.force_login(cast.bob)
    page = client.get(reverse("victims:case", args=[case.uuid])).content.decode()
    assert 'id="assignments"' in page and 'id="assign-form"' not in page


def test_the_caseworkers_page_hands_on_open_cases_after_confirmation(register, cast, colleague):
    case = register()
    operations.case_assign(actor=cast.alice, case=case, caseworker=colleague, expected_version=1)
    client = Client()
    client.force_login(cast.dave)
    page = client.get(reverse("victims:caseworkers"))
    assert page.status_code == 200 and 'id="reassign-form"' in page.content.decode()
    form = {"caseworker": str(colleague.uuid), "to": str(cast.alice.uuid)}
    unconfirmed = client.post(reverse("victims:caseworkers"), form)
    assert unconfirmed.status_code == 200 and "lin" in assigned(case)
    done = client.post(reverse("victims:caseworkers"), {**form, "confirm": "on"})
    assert done.status_code == 302 and "lin" not in assigned(case)
    client.force_login(cast.bob)
    assert client.get(reverse("victims:caseworkers")).status_code == 403
