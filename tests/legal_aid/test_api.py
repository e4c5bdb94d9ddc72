"""The legal aid API: answers and error codes (400 naming the field, 403, 404, 409, 412, 428),
one centre's matters only, the worklist, the case detail's section, and never a 500."""

import datetime
import json

import pytest
from django.urls import reverse

from legal_aid.choices import MatterStatus
from legal_aid.models import LegalAidActivity, LegalAidMatter
from registry.models import AuditAction, AuditEvent
from tests.legal_aid.conftest import TODAY, accept, add_activity, open_matter, referral_of, start
from victims import operations as case_operations

pytestmark = pytest.mark.django_db
TOMORROW = TODAY + datetime.timedelta(days=1)


def matters_url(case):
    return reverse("legal-aid-case-matters", kwargs={"id": case.uuid})


def matter_url(matter, step=None):
    if step == "activities":
        return reverse("legal-aid-matter-activities", kwargs={"id": matter.uuid})
    name = f"legal-aid-matter-{step}" if step else "legal-aid-matter"
    return reverse(name, kwargs={"id": matter.uuid})


def activity_url(activity):
    return reverse("legal-aid-activity", kwargs={"id": activity.uuid})


def version(matter) -> dict:
    return {"If-Match": f'"{LegalAidMatter.objects.get(pk=matter.pk).version}"'}


@pytest.fixture
def erin(api_client_for, cast):
    return api_client_for(cast.erin)


# --- the happy path ---------------------------------------------------------------------------


def test_a_matter_is_opened_taken_through_its_steps_and_logged_over_the_api(erin, referred, cast):
    opened = erin.post(
        matters_url(referred),
        {
            "matter_type": "criminal_victim",
            "applied_on": TODAY.isoformat(),
            "summary": "作为被害人参加刑事诉讼（虚构）",
        },
        format="json",
    )
    assert opened.status_code == 201, opened.json()
    body = opened.json()
    assert (body["status"], body["version"], opened["ETag"]) == ("applied", 1, '"1"')
    matter = LegalAidMatter.objects.get(uuid=body["id"])

    decided = erin.post(
        matter_url(matter, "decide"),
        {
            "decision": "accept",
            "decided_on": TODAY.isoformat(),
            "decision_reason": "符合条件（虚构）",
            "lawyer": str(cast.erin.uuid),
        },
        format="json",
        headers={"If-Match": opened["ETag"]},
    )
    assert decided.status_code == 200 and decided.json()["lawyer"] == str(cast.erin.uuid)
    started = erin.post(
        matter_url(matter, "start"),
        {"started_on": TODAY.isoformat()},
        format="json",
        headers={"If-Match": decided["ETag"]},
    )
    assert started.json()["status"] == "in_progress"
    added = erin.post(
        matter_url(matter, "activities"),
        {
            "kind": "document_drafting",
            "occurred_on": TODAY.isoformat(),
            "hours": "2.5",
            "notes": "起草附带民事诉讼状（虚构）",
            "next_step": "提交法院",
            "next_step_due": TOMORROW.isoformat(),
        },
        format="json",
    )
    assert added.status_code == 201 and added.json()["hours"] == "2.50"
    concluded = erin.post(
        matter_url(matter, "conclude"),
        {
            "outcome": "judgment",
            "concluded_on": TODAY.isoformat(),
            "compensation_awarded": "30000",
            "compensation_received": "12000.5",
        },
        format="json",
        headers={"If-Match": started["ETag"]},
    )
    assert concluded.status_code == 200, concluded.json()
    result = concluded.json()
    assert (result["status"], result["compensation_awarded"], result["compensation_received"]) == (
        "concluded",
        "30000.00",
        "12000.50",
    )
    assert result["activities"][0]["next_step"] == "提交法院" and result["next_deadline"] == TOMORROW.isoformat()

    detail = erin.get(matter_url(matter))
    assert detail.json() == result and detail["ETag"] == concluded["ETag"]
    viewed = AuditEvent.objects.filter(action=AuditAction.CASE_VIEWED).last()
    assert (viewed.case_uuid, viewed.sections) == (referred.uuid, ["legal_aid"])


def test_the_case_detail_carries_the_legal_aid_section_for_its_readers(api_client_for, in_progress, referred, cast):
    add_activity(in_progress, cast.erin)
    for member in (cast.alice, cast.dave, cast.erin):
        section = api_client_for(member).get(reverse("case-detail", kwargs={"id": referred.uuid})).json()["legal_aid"]
        assert [matter["id"] for matter in section] == [str(in_progress.uuid)]
        assert section[0]["activities"][0]["notes"] == "与受害人会谈（虚构）"
    case_operations.record_add(
        actor=cast.alice,
        case=referred,
        model="consent",
        data={"service": "schooling", "given_by": "person", "given_on": TODAY},
    )
    referral = case_operations.referral_create(
        actor=cast.alice, case=referred, service="schooling", to_organization=cast.bob.organization
    )
    case_operations.referral_respond(actor=cast.bob, referral=referral, decision="accept")
    assert "legal_aid" not in api_client_for(cast.bob).get(reverse("case-detail", kwargs={"id": referred.uuid})).json()


# --- one centre's matters only ----------------------------------------------------------------


def test_a_centre_never_sees_a_case_referred_to_another_centre(api_client_for, in_progress, referred, lawyers):
    lena = api_client_for(lawyers.lena)  # the Gulou centre: no referral of this case
    for url in (
        matters_url(referred),
        matter_url(in_progress),
        matter_url(in_progress, "activities"),
        reverse("case-detail", kwargs={"id": referred.uuid}),
    ):
        response = lena.get(url)
        assert response.status_code == 404 and response.json()["code"] == "not_found", url
    assert lena.get(reverse("legal-aid-worklist")).json()["results"] == []


@pytest.fixture
def lena_too(referred, refer_legal_aid, lawyers, cast):
    """Lena's centre accepted a referral of the same case; each centre has a matter on it."""
    refer_legal_aid(referred, lawyers.gulou_centre, lawyers.lena)
    ours = add_activity(open_matter(referred, cast.erin), cast.erin).matter
    theirs = open_matter(referred, lawyers.lena)
    return ours, theirs


def test_a_centre_never_reaches_another_centres_matter_through_the_api(api_client_for, lena_too, referred, lawyers):
    ours, theirs = lena_too
    lena = api_client_for(lawyers.lena)

    listed = lena.get(matters_url(referred)).json()["results"]
    assert [row["id"] for row in listed] == [str(theirs.uuid)]
    in_case = lena.get(reverse("case-detail", kwargs={"id": referred.uuid})).json()["legal_aid"]
    assert [row["id"] for row in in_case] == [str(theirs.uuid)]
    assert [row["id"] for row in lena.get(reverse("legal-aid-worklist")).json()["results"]] == [str(theirs.uuid)]

    activity = ours.activities.get()
    refusals = [
        lena.get(matter_url(ours)),
        lena.get(matter_url(ours, "activities")),
        lena.get(activity_url(activity)),
        lena.patch(matter_url(ours), {"summary": "x"}, format="json", headers=version(ours)),
        lena.post(
            matter_url(ours, "decide"),
            {"decision": "reject", "decided_on": TODAY.isoformat(), "decision_reason": "x"},
            format="json",
            headers=version(ours),
        ),
        lena.post(
            matter_url(ours, "activities"),
            {"kind": "visit", "occurred_on": TODAY.isoformat(), "hours": "1"},
            format="json",
        ),
        lena.patch(activity_url(activity), {"hours": "9"}, format="json", headers={"If-Match": '"1"'}),
    ]
    for response in refusals:
        assert response.status_code == 404 and response.json()["code"] == "not_found"
        assert str(ours.uuid) not in response.content.decode()
    assert LegalAidMatter.objects.get(pk=ours.pk).version == 1
    denied = AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED, case_uuid=referred.uuid)
    assert denied.count() == len(refusals)


def test_the_case_history_over_the_api_shows_a_centre_its_own_matters_only(api_client_for, lena_too, referred, lawyers):
    ours, theirs = lena_too
    history = api_client_for(lawyers.lena).get(
        reverse("case-history", kwargs={"id": referred.uuid}), {"page_size": 200}
    )
    records = {entry["record"] for entry in history.json()["results"]}
    assert str(theirs.uuid) in records
    assert str(ours.uuid) not in records


def test_the_worklist_is_for_the_roles_that_read_legal_aid(api_client_for, in_progress, cast):
    add_activity(in_progress, cast.erin)
    for member in (cast.alice, cast.dave, cast.erin):
        rows = api_client_for(member).get(reverse("legal-aid-worklist")).json()["results"]
        assert [(row["id"], row["next_deadline"], row["next_step"]) for row in rows] == [
            (str(in_progress.uuid), (TODAY + datetime.timedelta(days=5)).isoformat(), "起草起诉状"),
        ]
    assert api_client_for(cast.carol).get(reverse("legal-aid-worklist")).json()["results"] == []
    for member in (cast.bob, cast.grace, cast.heidi):
        assert api_client_for(member).get(reverse("legal-aid-worklist")).status_code == 403
    listed = AuditEvent.objects.filter(action=AuditAction.CASE_LISTED, actor_username="erin").get()
    assert listed.sections == ["legal_aid"] and listed.detail["count"] == 1


# --- errors -----------------------------------------------------------------------------------


def test_a_step_out_of_order_answers_409_naming_both_statuses(erin, matter):
    response = erin.post(
        matter_url(matter, "start"),
        {"started_on": TODAY.isoformat()},
        format="json",
        headers={**version(matter), "Accept-Language": "en"},
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "invalid_status_transition"
    assert "“Applied”" in body["message"] and "“In progress”" in body["message"]
    assert LegalAidMatter.objects.get(pk=matter.pk).status == MatterStatus.APPLIED


def test_changes_need_the_version_read(erin, matter):
    url = matter_url(matter)
    assert erin.patch(url, {"summary": "x"}, format="json").status_code == 428
    malformed = erin.patch(url, {"summary": "x"}, format="json", headers={"If-Match": "yesterday"})
    assert (malformed.status_code, malformed.json()["code"]) == (400, "invalid_if_match")
    assert erin.patch(url, {"summary": "新"}, format="json", headers={"If-Match": '"1"'}).status_code == 200
    stale = erin.post(
        matter_url(matter, "decide"),
        {"decision": "accept", "decided_on": TODAY.isoformat(), "decision_reason": "x"},
        format="json",
        headers={"If-Match": '"1"'},
    )
    assert (stale.status_code, stale.json()["code"]) == (412, "stale_version")
    assert erin.post(matter_url(matter, "start"), {"started_on": TODAY.isoformat()}, format="json").status_code == 428
    activity = add_activity(matter, matter.opened_by)
    assert erin.patch(activity_url(activity), {"hours": "1"}, format="json").status_code == 428
    assert LegalAidMatter.objects.get(pk=matter.pk).status == MatterStatus.APPLIED


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"applied_on": "2026-01-01"}, "matter_type"),
        ({"matter_type": "adoption", "applied_on": "2026-01-01"}, "matter_type"),
        ({"matter_type": "custody", "applied_on": "01/02/2026"}, "applied_on"),
        ({"matter_type": "custody", "applied_on": "TOMORROW"}, "applied_on"),
        ({"matter_type": "custody", "applied_on": "2026-01-01", "status": "concluded"}, "status"),
        ({"matter_type": "custody", "applied_on": "2026-01-01", "referral": "nope"}, "referral"),
        (
            {"matter_type": "custody", "applied_on": "2026-01-01", "referral": "00000000-0000-0000-0000-000000000000"},
            "referral",
        ),
        ({"matter_type": "custody", "applied_on": "2026-01-01", "summary": "长" * 4001}, "summary"),
    ],
)
def test_opening_with_a_bad_field_answers_400_naming_it(erin, referred, body, field):
    if body.get("applied_on") == "TOMORROW":
        body = {**body, "applied_on": TOMORROW.isoformat()}
    response = erin.post(matters_url(referred), body, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert not LegalAidMatter.objects.exists()


def test_a_referral_not_the_centres_own_accepted_one_is_refused_on_that_field(erin, referred, places, cast):
    other = referral_of(referred, places.fz_legal_aid)
    case_operations.referral_respond(actor=cast.erin, referral=other, decision="complete")
    response = erin.post(
        matters_url(referred),
        {"matter_type": "custody", "applied_on": TODAY.isoformat(), "referral": str(other.uuid)},
        format="json",
    )
    assert response.status_code == 403  # no accepted referral left: read-only
    assert response.json()["code"] == "referral_completed"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"outcome": "judgment", "concluded_on": TODAY.isoformat(), "compensation_awarded": "-5"},
            "compensation_awarded",
        ),
        (
            {
                "outcome": "judgment",
                "concluded_on": TODAY.isoformat(),
                "compensation_awarded": "100",
                "compensation_received": "100.01",
            },
            "compensation_received",
        ),
        (
            {"outcome": "judgment", "concluded_on": TODAY.isoformat(), "compensation_awarded": "1e999"},
            "compensation_awarded",
        ),
        (
            {"outcome": "judgment", "concluded_on": TODAY.isoformat(), "compensation_awarded": "NaN"},
            "compensation_awarded",
        ),
        ({"concluded_on": TODAY.isoformat()}, "outcome"),
        ({"outcome": "judgment", "concluded_on": TOMORROW.isoformat()}, "concluded_on"),
    ],
)
def test_concluding_with_bad_amounts_answers_400_naming_the_field(erin, in_progress, body, field):
    response = erin.post(matter_url(in_progress, "conclude"), body, format="json", headers=version(in_progress))
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]


def test_a_lawyer_of_another_centre_is_refused_like_an_unknown_one(erin, matter, lawyers):
    answers = [
        erin.post(
            matter_url(matter, "decide"),
            {"decision": "accept", "decided_on": TODAY.isoformat(), "decision_reason": "x", "lawyer": lawyer},
            format="json",
            headers=version(matter),
        )
        for lawyer in (str(lawyers.lena.uuid), "00000000-0000-0000-0000-000000000000")
    ]
    assert [answer.status_code for answer in answers] == [400, 400]
    assert answers[0].json() == answers[1].json()
    assert "lawyer" in answers[0].json()["fields"]


def test_roles_that_read_legal_aid_may_not_write_it(api_client_for, matter, referred, cast):
    for member in (cast.alice, cast.dave):
        client = api_client_for(member)
        assert client.get(matter_url(matter)).status_code == 200
        opened = client.post(
            matters_url(referred), {"matter_type": "custody", "applied_on": TODAY.isoformat()}, format="json"
        )
        decided = client.post(
            matter_url(matter, "decide"),
            {"decision": "accept", "decided_on": TODAY.isoformat(), "decision_reason": "x"},
            format="json",
            headers=version(matter),
        )
        assert opened.status_code == decided.status_code == 403
    assert LegalAidMatter.objects.count() == 1


MALFORMED = [
    [],
    "text",
    {"hours": {"nested": True}},
    {"decided_on": "2026-13-45", "decision": "accept", "decision_reason": "x"},
    {"decision": ["accept"], "decided_on": None, "decision_reason": None},
    {"lawyer": 7, "started_on": "today"},
    {"compensation_awarded": "9" * 40, "outcome": "judgment", "concluded_on": "2026-01-01"},
    {"compensation_received_on": "2026-01-01", "outcome": "judgment", "concluded_on": "2026-01-01"},
    {"kind": "visit", "occurred_on": "2026-01-01", "hours": "25"},
    {"kind": "visit", "occurred_on": "2026-01-01", "hours": "0.001"},
    {"kind": "visit", "occurred_on": "2026-01-01", "hours": "1", "next_step": "", "next_step_due": "2026-01-02"},
    {"summary": "\x00"},
    {"next_step": None, "notes": None},
]


@pytest.mark.parametrize("body", MALFORMED)
def test_malformed_input_never_answers_500(erin, in_progress, referred, body):
    activity = add_activity(in_progress, in_progress.opened_by)
    calls = [
        ("post", matters_url(referred), {}),
        ("patch", matter_url(in_progress), version(in_progress)),
        ("post", matter_url(in_progress, "decide"), version(in_progress)),
        ("post", matter_url(in_progress, "start"), version(in_progress)),
        ("post", matter_url(in_progress, "conclude"), version(in_progress)),
        ("post", matter_url(in_progress, "activities"), {}),
        ("patch", activity_url(activity), {"If-Match": '"1"'}),
    ]
    for method, url, headers in calls:
        response = getattr(erin, method)(url, json.dumps(body), content_type="application/json", headers=headers)
        assert 400 <= response.status_code < 500, (method, url, response.status_code)
        assert set(response.json()) >= {"code", "message"}
    assert LegalAidMatter.objects.get(pk=in_progress.pk).status == MatterStatus.IN_PROGRESS


def test_malformed_ids_answer_404(erin):
    for url in (
        "/api/v1/legal-aid/matters/nope/",
        "/api/v1/legal-aid/activities/12/",
        "/api/v1/cases/nope/legal-aid/matters/",
        "/api/v1/legal-aid/matters/nope/decide/",
    ):
        response = erin.post(url, {}, format="json") if url.endswith("decide/") else erin.get(url)
        assert response.status_code == 404 and response.json()["code"] == "not_found", url


def test_an_activity_on_a_concluded_matter_answers_409(erin, in_progress, cast):
    concluded = erin.post(
        matter_url(in_progress, "conclude"),
        {"outcome": "withdrawn", "concluded_on": TODAY.isoformat()},
        format="json",
        headers=version(in_progress),
    )
    assert concluded.status_code == 200
    response = erin.post(
        matter_url(in_progress, "activities"),
        {"kind": "visit", "occurred_on": TODAY.isoformat(), "hours": "1"},
        format="json",
    )
    assert (response.status_code, response.json()["code"]) == (409, "matter_closed")
    assert not LegalAidActivity.objects.exists()


def test_the_activity_log_is_paginated_and_audited(erin, matter, cast):
    for day in range(3):
        add_activity(matter, cast.erin, occurred_on=TODAY - datetime.timedelta(days=day))
    response = erin.get(matter_url(matter, "activities"), {"page_size": 2})
    assert response.json()["count"] == 3 and len(response.json()["results"]) == 2
    dates = [row["occurred_on"] for row in response.json()["results"]]
    assert dates == sorted(dates)
    event = AuditEvent.objects.filter(action=AuditAction.CASE_VIEWED).last()
    assert event.detail == {"view": "legal_aid_activities", "record": str(matter.uuid)}


def test_a_matter_under_way_keeps_its_lawyer(erin, matter, cast, lawyers):
    matter = start(accept(matter, cast.erin), cast.erin)
    unassigned = erin.patch(matter_url(matter), {"lawyer": None}, format="json", headers=version(matter))
    assert unassigned.status_code == 400 and "lawyer" in unassigned.json()["fields"]
    reassigned = erin.patch(
        matter_url(matter), {"lawyer": str(lawyers.eric.uuid)}, format="json", headers=version(matter)
    )
    assert reassigned.json()["lawyer"] == str(lawyers.eric.uuid)
