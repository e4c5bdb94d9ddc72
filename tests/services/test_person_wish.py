"""The person's voice before a return (issue 16, item 4): a return plan records the person's
wish — and for a child a best-interests determination — before civil affairs may approve it;
civil affairs never approves a plan against an adult's recorded wish (409 with a stable code).
The wish is recorded through the operations, the API and the plan's form, and shown on the
return home tab and in its history to the readers of that section only."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from registry.errors import Conflict, PermissionDenied, RuleViolation
from registry.models import AuditAction, AuditEvent
from services import operations as services
from services.choices import Pathway, ReturnPlanStatus, Wish
from services.models import ReturnPlan
from tests.services.conftest import NO_VOICE, TODAY, VOICE, plan_data
from tests.victims.test_api_matrix import if_match, referred_case
from victims.choices import DocumentType

pytestmark = pytest.mark.django_db

STATEMENT = "本人说想回到母亲身边（虚构）"
TOMORROW = TODAY + datetime.timedelta(days=1)
BEST_INTERESTS = ("bid_assessed_by", "bid_on", "bid_conclusion")


def approve(plan, user):
    return services.return_plan_approve(actor=user, plan=plan, expected_version=plan.version)


def refused_approval(plan, user) -> str:
    """The code of the refused approval, after checking nothing of the plan changed."""
    approvals = AuditEvent.objects.filter(action=AuditAction.APPROVAL_GRANTED, case_uuid=plan.case.uuid)
    before, granted = ReturnPlan.objects.get(pk=plan.pk), approvals.count()
    with pytest.raises(Conflict) as refused:
        approve(plan, user)
    after = ReturnPlan.objects.get(pk=plan.pk)
    assert (after.status, after.version, after.approved_by_id) == (before.status, before.version, None)
    assert after.status == ReturnPlanStatus.AWAITING_APPROVAL and approvals.count() == granted
    return refused.value.code


# --- approval turns on the person's voice -----------------------------------------------------


@pytest.mark.parametrize("age", [30, 10])
def test_a_plan_without_the_persons_wish_is_not_approved(make_case, plan, cast, age):
    written = plan(make_case(age=age), **NO_VOICE)
    assert written.status == ReturnPlanStatus.AWAITING_APPROVAL  # it may be written and discussed first
    assert refused_approval(written, cast.dave) == "wish_not_recorded"


def test_an_adults_plan_against_her_recorded_wish_is_written_but_never_approved(make_case, plan, cast):
    written = plan(make_case(age=30), wish=Wish.DISAGREES, wish_statement=STATEMENT)
    assert (written.wish, written.wish_statement) == (Wish.DISAGREES, STATEMENT)
    assert refused_approval(written, cast.dave) == "against_wish"

    agreed = services.return_plan_amend(
        actor=cast.alice, plan=written, expected_version=written.version, changes={"wish": Wish.AGREES}
    )
    assert approve(agreed, cast.dave).status == ReturnPlanStatus.APPROVED


@pytest.mark.parametrize("wish", [Wish.AGREES, Wish.NOT_EXPRESSED])
def test_an_adults_plan_she_agrees_to_or_could_not_speak_to_is_approved(make_case, plan, cast, wish):
    written = plan(make_case(age=30), wish=wish, bid_assessed_by="", bid_on=None, bid_conclusion="")
    assert approve(written, cast.dave).status == ReturnPlanStatus.APPROVED


@pytest.mark.parametrize("missing", BEST_INTERESTS)
def test_a_childs_plan_needs_a_complete_best_interests_determination(make_case, plan, cast, missing):
    blank = {"bid_on": None}.get(missing, "   ")
    written = plan(make_case(age=10), Pathway.INSTITUTIONAL_CARE, **{missing: blank})
    assert refused_approval(written, cast.dave) == "best_interests_missing"


def test_a_child_who_does_not_want_the_return_is_heard_and_the_determination_decides(make_case, plan, cast):
    written = plan(make_case(age=12), Pathway.INSTITUTIONAL_CARE, wish=Wish.DISAGREES, bid_child_heard=True)
    assert approve(written, cast.dave).status == ReturnPlanStatus.APPROVED


def test_a_person_without_a_birth_date_needs_the_determination_as_a_child(make_case, plan, cast):
    case = make_case(document_type=DocumentType.NONE, id_number=None)
    written = plan(case, wish=Wish.DISAGREES, bid_on=None)
    assert refused_approval(written, cast.dave) == "best_interests_missing"


def test_an_author_is_refused_for_four_eyes_before_the_voice_is_looked_at(make_case, plan, cast):
    written = plan(make_case(age=30), actor=cast.dave, **NO_VOICE)
    with pytest.raises(PermissionDenied) as refused:
        approve(written, cast.dave)
    assert refused.value.code == "four_eyes"


# --- recording it ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("voice", "field"),
    [
        ({"wish": Wish.AGREES, "wish_recorded_on": None}, "wish_recorded_on"),
        ({"wish": "", "wish_recorded_on": TODAY}, "wish"),
        ({"wish": "perhaps"}, "wish"),
        ({"wish_recorded_on": TOMORROW}, "wish_recorded_on"),
        ({"bid_on": TOMORROW}, "bid_on"),
        ({"wish_statement": "话" * 5000}, "wish_statement"),
    ],
)
def test_a_wish_is_recorded_with_its_day_none_in_the_future(make_case, plan, voice, field):
    case = make_case(age=10)
    with pytest.raises(RuleViolation) as refused:
        plan(case, Pathway.INSTITUTIONAL_CARE, **voice)
    assert refused.value.field == field
    assert not ReturnPlan.objects.filter(case=case).exists()


def test_recording_the_wish_on_an_approved_plan_withdraws_the_approval(make_case, plan, cast):
    approved = approve(plan(make_case(age=30)), cast.dave)
    changed = services.return_plan_amend(
        actor=cast.alice,
        plan=approved,
        expected_version=approved.version,
        changes={"wish": Wish.DISAGREES, "wish_statement": STATEMENT},
    )
    assert (changed.status, changed.approved_by) == (ReturnPlanStatus.AWAITING_APPROVAL, None)
    assert refused_approval(changed, cast.dave) == "against_wish"


def test_the_statement_and_the_determination_go_to_history_encrypted_and_never_to_the_audit_log(make_case, plan):
    written = plan(make_case(age=10), Pathway.INSTITUTIONAL_CARE, wish_statement=STATEMENT)
    row = written.history.latest("history_id")
    assert (row.wish, row.wish_statement, row.bid_conclusion) == (Wish.AGREES, STATEMENT, VOICE["bid_conclusion"])
    details = " ".join(str(event.detail) for event in AuditEvent.objects.filter(case_uuid=written.case.uuid))
    assert STATEMENT not in details and VOICE["bid_conclusion"] not in details


# --- the API --------------------------------------------------------------------------------------


def plans_url(case) -> str:
    return reverse("case-return-plan-list", kwargs={"id": case.uuid})


def approve_url(case, plan_id) -> str:
    return reverse("case-return-plan-approve", kwargs={"id": case.uuid, "record_id": plan_id})


def as_json(data: dict) -> dict:
    return {name: value.isoformat() if isinstance(value, datetime.date) else value for name, value in data.items()}


def test_the_api_records_the_voice_and_answers_each_refusal_with_its_code(places, cast, api_client_for):
    case = referred_case(places, cast)
    alice, dave = api_client_for(cast.alice), api_client_for(cast.dave)
    created = alice.post(plans_url(case), as_json(plan_data(**NO_VOICE)), format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["wish"], body["wish_recorded_on"], body["bid_on"]) == ("", None, None)

    refused = dave.post(approve_url(case, body["id"]), {}, format="json", headers=if_match(body["version"]))
    assert (refused.status_code, refused.json()["code"]) == (409, "wish_not_recorded")

    one = reverse("case-return-plan-detail", kwargs={"id": case.uuid, "record_id": body["id"]})
    changes = {"wish": "disagrees", "wish_statement": STATEMENT, "wish_recorded_on": TODAY.isoformat()}
    amended = alice.patch(one, changes, format="json", headers=if_match(body["version"]))
    assert (amended.status_code, amended.json()["wish"], amended.json()["wish_statement"]) == (
        200,
        "disagrees",
        STATEMENT,
    )
    refused = dave.post(approve_url(case, body["id"]), {}, format="json", headers=if_match(amended.json()["version"]))
    assert (refused.status_code, refused.json()["code"]) == (409, "against_wish")
    assert STATEMENT not in refused.content.decode()

    bad = alice.patch(one, {"wish": "perhaps"}, format="json", headers=if_match(amended.json()["version"]))
    assert bad.status_code == 400 and "wish" in bad.json()["fields"]


def test_the_voice_is_read_with_the_return_home_only(places, cast, api_client_for):
    case = referred_case(places, cast)
    services.return_plan_create(actor=cast.alice, case=case, data=plan_data(wish_statement=STATEMENT))
    detail = reverse("case-detail", kwargs={"id": case.uuid})
    history = reverse("case-history", kwargs={"id": case.uuid})
    assert api_client_for(cast.dave).get(detail).json()["return_home"][0]["wish_statement"] == STATEMENT
    for member in (cast.bob, cast.erin, cast.frank):
        for url in (detail, history):
            assert STATEMENT not in api_client_for(member).get(url).content.decode()


# --- the pages --------------------------------------------------------------------------------------


@pytest.fixture
def as_user(client, cast):
    def sign_in(name):
        client.force_login(getattr(cast, name))
        return client

    return sign_in


def form_fields(body: str) -> set[str]:
    return set(re.findall(r'id="field-([a-z_]+)"', body))


def test_the_plan_form_asks_the_wish_and_a_childs_best_interests(as_user, make_case):
    child, adult = make_case(age=10), make_case(age=30)
    child_form = as_user("alice").get(reverse("services:plan-create", args=[child.uuid])).content.decode()
    adult_form = as_user("alice").get(reverse("services:plan-create", args=[adult.uuid])).content.decode()

    voice = {"wish", "wish_statement", "wish_recorded_on"}
    determination = {"bid_assessed_by", "bid_on", "bid_child_heard", "bid_conclusion"}
    assert voice | determination <= form_fields(child_form)
    assert voice <= form_fields(adult_form) and not determination & form_fields(adult_form)


def test_the_plan_form_records_the_voice_and_the_edit_form_shows_it(as_user, make_case):
    case = make_case(age=10)
    body = {name: "" for name in ("destination_country", "household", "police_unit", "civil_affairs_unit", "notes")}
    body |= {name: str(value) for name, value in plan_data(Pathway.INSTITUTIONAL_CARE).items()}
    body |= {"wish": "disagrees", "wish_statement": STATEMENT, "bid_child_heard": "on"}

    response = as_user("alice").post(reverse("services:plan-create", args=[case.uuid]), body)

    assert response.status_code == 302
    written = ReturnPlan.objects.get(case=case)
    assert (written.wish, written.wish_statement, written.bid_child_heard) == (Wish.DISAGREES, STATEMENT, True)
    assert written.bid_conclusion == VOICE["bid_conclusion"]
    edit = as_user("alice").get(reverse("services:plan-edit", args=[case.uuid, written.uuid])).content.decode()
    assert STATEMENT in edit and '<option value="disagrees" selected>' in edit


def test_the_form_puts_a_missing_day_on_its_field(as_user, make_case):
    case = make_case(age=30)
    body = {name: "" for name in ("destination_country", "household", "police_unit", "civil_affairs_unit", "notes")}
    body |= {name: str(value) for name, value in plan_data().items()}
    body |= {"wish_recorded_on": ""}

    response = as_user("alice").post(reverse("services:plan-create", args=[case.uuid]), body)

    assert response.status_code == 200
    assert re.search(r'class="field field--error[^"]*" id="field-wish_recorded_on"', response.content.decode())
    assert not ReturnPlan.objects.filter(case=case).exists()


def test_the_tab_shows_the_wish_and_says_when_it_is_missing(as_user, make_case, plan):
    recorded = plan(make_case(age=30), wish_statement=STATEMENT)
    missing = plan(make_case(age=30), **NO_VOICE)
    tab = "?tab=return_home"

    # Dave did not write either plan: the first note says it waits for approval, a second that the
    # wish is missing.
    shown = as_user("dave").get(reverse("victims:case", args=[recorded.case.uuid]) + tab).content.decode()
    assert 'data-field="wish_statement"' in shown and STATEMENT in shown
    assert f'id="note-{recorded.uuid}-1"' in shown and f'id="note-{recorded.uuid}-2"' not in shown
    empty = as_user("dave").get(reverse("victims:case", args=[missing.case.uuid]) + tab).content.decode()
    assert re.search(r'data-field="wish"><dt>[^<]*</dt><dd>—</dd>', empty)
    assert f'id="note-{missing.uuid}-2"' in empty
