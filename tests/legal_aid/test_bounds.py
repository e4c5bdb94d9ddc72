"""Bounds of the legal aid record (issue 13 item 9): a case holds at most
``REGISTRY_MAX_RECORDS_PER_KIND`` matters and as many activities (409 ``too_many_records``,
nothing saved), and free text is bounded by its model field (400 naming the field)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from legal_aid.models import LegalAidActivity, LegalAidMatter
from registry.errors import Conflict, RuleViolation
from registry.fields import MAX_TEXT_LENGTH
from tests.legal_aid.conftest import LAST_WEEK, YESTERDAY, add_activity, open_matter

pytestmark = pytest.mark.django_db

TOO_LONG = "长" * (MAX_TEXT_LENGTH + 1)


def test_matters_of_a_case_stop_at_the_bound(referred, cast, settings):
    settings.REGISTRY_MAX_RECORDS_PER_KIND = 1
    open_matter(referred, cast.erin)

    with pytest.raises(Conflict) as refused:
        open_matter(referred, cast.erin)
    assert refused.value.code == "too_many_records"
    assert LegalAidMatter.objects.filter(case=referred).count() == 1


def test_activities_stop_at_the_bound_over_the_api(matter, cast, api_client_for, settings):
    settings.REGISTRY_MAX_RECORDS_PER_KIND = 1
    add_activity(matter, cast.erin)
    url = reverse("legal-aid-matter-activities", kwargs={"id": matter.uuid})
    body = {"kind": "consultation", "occurred_on": YESTERDAY.isoformat(), "hours": "1.00"}
    response = api_client_for(cast.erin).post(url, body, format="json")

    assert (response.status_code, response.json()["code"]) == (409, "too_many_records")
    assert LegalAidActivity.objects.filter(matter=matter).count() == 1


@pytest.mark.parametrize("field", ["notes", "next_step"])
def test_an_activity_refuses_overlong_text_naming_the_field(matter, cast, field):
    with pytest.raises(RuleViolation) as refused:
        add_activity(matter, cast.erin, **{field: TOO_LONG})
    assert refused.value.field == field
    assert not LegalAidActivity.objects.filter(matter=matter).exists()


def test_a_matter_refuses_an_overlong_summary_naming_it(referred, cast):
    with pytest.raises(RuleViolation) as refused:
        open_matter(referred, cast.erin, summary=TOO_LONG, applied_on=LAST_WEEK)
    assert refused.value.field == "summary"
    assert not LegalAidMatter.objects.filter(case=referred).exists()
