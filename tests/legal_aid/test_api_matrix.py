"""The legal aid API held to the policy: every route and method, run as every member of the cast.

The record is a matter of Erin's centre on the case of ``tests.victims.test_api_matrix``
(Alice's, in Gulou, referred to Bob's, Erin's and Frank's organizations, all accepted), brought
to the status the step under test needs, with one activity. Expectations come from the policy:

- a role that may not read the ``legal_aid`` section finds no matter at all: 404 on every route
  that names a case or a matter (like a kind of record it may not read), 403 on the worklist,
  which names none;
- a receiving organization sees a matter only when it is the matter's centre;
- writes need the section's write access (403 for caseworkers and civil affairs, who read it).
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from legal_aid.models import LegalAidActivity, LegalAidMatter
from legal_aid.selectors import ACTIVITY_FIELDS, MATTER_FIELDS
from registry import policy
from registry.models import User
from registry.policy import Section
from tests.legal_aid.conftest import accept, add_activity, open_matter, start
from tests.policy_matrix import PolicyMatrix
from tests.victims.conftest import TODAY
from tests.victims.test_api_matrix import ENVELOPE, case_scope_facts, if_match, referred_case

MATTER_KEYS = frozenset({"id", "version", *MATTER_FIELDS, "next_deadline", "activities"})
ACTIVITY_KEYS = frozenset({"id", "version", *ACTIVITY_FIELDS})
WORKLIST_KEYS = frozenset(
    {
        "id",
        "version",
        "case",
        "case_number",
        "matter_type",
        "status",
        "applied_on",
        "lawyer",
        "next_deadline",
        "next_step",
    }
)


class LegalAidMatrix(PolicyMatrix):
    """The record is a matter of Erin's centre at ``status`` (applied, accepted, in_progress)."""

    status = "in_progress"

    def make_record(self, places, cast):
        case = referred_case(places, cast)
        matter = open_matter(case, cast.erin)
        if self.status in ("accepted", "in_progress"):
            matter = accept(matter, cast.erin)
        if self.status == "in_progress":
            matter = start(matter, cast.erin)
        add_activity(matter, cast.erin)
        return LegalAidMatter.objects.select_related("case").get(pk=matter.pk)

    def scope_facts(self, record):
        facts = case_scope_facts(record.case)
        # A receiving organization sees the matter only when it is the matter's centre.
        facts["referred_organization_ids"] &= {record.centre_id}
        return facts

    def result_id(self, record):
        return str(record.uuid)

    def expected_status(self, user, visible):
        if visible and not policy.may_read(user, Section.LEGAL_AID):
            return 404  # to a role that reads no legal aid, no matter exists
        return super().expected_status(user, visible)


class CaseMattersMatrix(LegalAidMatrix):
    route_name = "legal-aid-case-matters"

    def url(self, record):
        return reverse(self.route_name, kwargs={"id": record.case.uuid})

    def scope_facts(self, record):
        return case_scope_facts(record.case)  # the route names the case: the case's scope


@pytest.mark.django_db
class TestCaseMatterListMatrix(CaseMattersMatrix):
    always_keys = ENVELOPE


@pytest.mark.django_db
class TestCaseMatterOpenMatrix(CaseMattersMatrix):
    kind = "write"
    method = "post"
    success_status = 201
    write_section = Section.LEGAL_AID

    def body(self, record):
        return {"matter_type": "custody", "applied_on": TODAY.isoformat(), "summary": "抚养权（虚构）"}


class MatterMatrix(LegalAidMatrix):
    route_name = "legal-aid-matter"

    def url(self, record):
        return reverse(self.route_name, kwargs={"id": record.uuid})


@pytest.mark.django_db
class TestMatterDetailMatrix(MatterMatrix):
    always_keys = MATTER_KEYS


class MatterWriteMatrix(MatterMatrix):
    kind = "write"
    method = "post"
    write_section = Section.LEGAL_AID

    def headers(self, record):
        return if_match(record.version)


@pytest.mark.django_db
class TestMatterAmendMatrix(MatterWriteMatrix):
    method = "patch"

    def body(self, record):
        return {"summary": "补充说明（虚构）"}


@pytest.mark.django_db
class TestMatterDecideMatrix(MatterWriteMatrix):
    route_name = "legal-aid-matter-decide"
    status = "applied"

    def body(self, record):
        return {"decision": "accept", "decided_on": TODAY.isoformat(), "decision_reason": "符合条件（虚构）"}


@pytest.mark.django_db
class TestMatterStartMatrix(MatterWriteMatrix):
    route_name = "legal-aid-matter-start"
    status = "accepted"

    def body(self, record):
        return {"started_on": TODAY.isoformat(), "lawyer": str(User.objects.get(username="erin").uuid)}


@pytest.mark.django_db
class TestMatterConcludeMatrix(MatterWriteMatrix):
    route_name = "legal-aid-matter-conclude"

    def body(self, record):
        return {
            "outcome": "settlement",
            "concluded_on": TODAY.isoformat(),
            "compensation_awarded": "8000.00",
            "compensation_received": "8000.00",
            "compensation_received_on": TODAY.isoformat(),
        }


@pytest.mark.django_db
class TestMatterActivityListMatrix(MatterMatrix):
    route_name = "legal-aid-matter-activities"
    always_keys = ENVELOPE


@pytest.mark.django_db
class TestMatterActivityAddMatrix(MatterMatrix):
    route_name = "legal-aid-matter-activities"
    kind = "write"
    method = "post"
    success_status = 201
    write_section = Section.LEGAL_AID

    def body(self, record):
        return {
            "kind": "court_hearing",
            "occurred_on": TODAY.isoformat(),
            "hours": "3.5",
            "notes": "出庭（虚构）",
            "next_step": "等待判决",
            "next_step_due": (TODAY + datetime.timedelta(days=30)).isoformat(),
        }


class ActivityMatrix(LegalAidMatrix):
    route_name = "legal-aid-activity"

    def url(self, record):
        return reverse(self.route_name, kwargs={"id": LegalAidActivity.objects.get(matter=record).uuid})


@pytest.mark.django_db
class TestActivityDetailMatrix(ActivityMatrix):
    always_keys = ACTIVITY_KEYS


@pytest.mark.django_db
class TestActivityAmendMatrix(ActivityMatrix):
    kind = "write"
    method = "patch"
    write_section = Section.LEGAL_AID

    def headers(self, record):
        return if_match(LegalAidActivity.objects.get(matter=record).version)

    def body(self, record):
        return {"hours": "2.00"}


@pytest.mark.django_db
class TestWorklistMatrix(LegalAidMatrix):
    route_name = "legal-aid-worklist"
    kind = "list"
    always_keys = WORKLIST_KEYS

    def url(self, record):
        return reverse(self.route_name)

    def expected_status(self, user, visible):
        # The worklist names no case: a role that reads no legal aid is refused it outright.
        return 200 if policy.may_read(user, Section.LEGAL_AID) else 403
