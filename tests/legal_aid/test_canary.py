"""The canary of the legal aid record: unique strings in every free-text field of a matter and
its activities, driven through the API and the pages, and then not one of them is found in clear
in the database (matters, activities, their history, the audit log) nor in any log record."""

import logging

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from legal_aid.models import LegalAidActivity, LegalAidMatter
from tests.helpers import assert_not_stored
from tests.victims.conftest import TODAY

TAG = "7c2e5d"


def call(client, method, url, body=None, status=200, headers=None):
    response = getattr(client, method)(url, body, format="json", headers=headers or {})
    assert response.status_code == status, (method, url, response.status_code, response.content[:300])
    return response


@pytest.mark.django_db(transaction=True)
def test_no_free_text_of_the_legal_aid_record_is_stored_or_logged_in_clear(
    register, refer_legal_aid, places, cast, caplog
):
    caplog.set_level(logging.DEBUG)
    canary = {
        name: f"金丝雀{TAG}{name}"
        for name in (
            "summary",
            "summary_2",
            "decision_reason",
            "decision_reason_2",
            "outcome_description",
            "notes",
            "notes_2",
            "next_step",
            "next_step_2",
        )
    }
    case = register(seed=81)
    refer_legal_aid(case, places.fz_legal_aid, cast.erin)
    erin = APIClient()
    erin.force_authenticate(cast.erin)
    today = TODAY.isoformat()

    opened = call(
        erin,
        "post",
        reverse("legal-aid-case-matters", kwargs={"id": case.uuid}),
        {"matter_type": "civil_compensation", "applied_on": today, "summary": canary["summary"]},
        201,
    )
    matter_id = opened.json()["id"]
    url = "legal-aid-matter{}".format
    tag = call(
        erin,
        "patch",
        reverse(url(""), kwargs={"id": matter_id}),
        {"summary": canary["summary_2"]},
        headers={"If-Match": opened["ETag"]},
    )["ETag"]
    tag = call(
        erin,
        "post",
        reverse(url("-decide"), kwargs={"id": matter_id}),
        {
            "decision": "accept",
            "decided_on": today,
            "decision_reason": canary["decision_reason"],
            "lawyer": str(cast.erin.uuid),
        },
        headers={"If-Match": tag},
    )["ETag"]
    tag = call(
        erin,
        "patch",
        reverse(url(""), kwargs={"id": matter_id}),
        {"decision_reason": canary["decision_reason_2"]},
        headers={"If-Match": tag},
    )["ETag"]
    tag = call(
        erin, "post", reverse(url("-start"), kwargs={"id": matter_id}), {"started_on": today}, headers={"If-Match": tag}
    )["ETag"]
    activity = call(
        erin,
        "post",
        reverse(url("-activities"), kwargs={"id": matter_id}),
        {
            "kind": "consultation",
            "occurred_on": today,
            "hours": "1",
            "notes": canary["notes"],
            "next_step": canary["next_step"],
            "next_step_due": today,
        },
        201,
    )
    call(
        erin,
        "patch",
        reverse("legal-aid-activity", kwargs={"id": activity.json()["id"]}),
        {"notes": canary["notes_2"], "next_step": canary["next_step_2"]},
        headers={"If-Match": activity["ETag"]},
    )
    for name in ("legal-aid-worklist",):
        call(erin, "get", reverse(name))
    call(erin, "get", reverse("case-detail", kwargs={"id": case.uuid}))
    call(erin, "get", reverse("case-history", kwargs={"id": case.uuid}))
    call(erin, "get", reverse(url("-activities"), kwargs={"id": matter_id}))

    # The pages read the same record: the tab, the matter, its forms, the worklist, the timeline.
    matter = LegalAidMatter.objects.get()
    for member in (cast.erin, cast.alice, cast.dave):
        pages = Client()
        pages.force_login(member)
        for path in (
            reverse("victims:case", args=[case.uuid]) + "?tab=legal_aid",
            reverse("victims:case", args=[case.uuid]) + "?tab=timeline",
            reverse("legal_aid:matter", args=[case.uuid, matter.uuid]),
            reverse("legal_aid:worklist"),
            reverse("dashboard"),
        ):
            assert pages.get(path).status_code == 200, (member, path)
    pages = Client()
    pages.force_login(cast.erin)
    edit = reverse("legal_aid:matter-edit", args=[case.uuid, matter.uuid])
    assert canary["summary_2"] in pages.get(edit).content.decode()
    conclude = reverse("legal_aid:matter-step", args=[case.uuid, matter.uuid, "conclude"])
    answer = pages.post(
        conclude,
        {
            "version": matter.version,
            "outcome": "judgment",
            "concluded_on": today,
            "outcome_description": canary["outcome_description"],
        },
    )
    assert answer.status_code == 302
    assert LegalAidMatter.objects.get().outcome_description == canary["outcome_description"]
    assert LegalAidActivity.objects.get().next_step == canary["next_step_2"]

    assert_not_stored(*canary.values())
    logged = "\n".join(
        f"{record.getMessage()} {record.args!r} {getattr(record, 'exc_text', '') or ''}" for record in caplog.records
    )
    for secret in canary.values():
        assert secret not in logged, f"{secret!r} found in a log record"
