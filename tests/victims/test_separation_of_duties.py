"""Auditors and system administrators read no victim's file, on any page or endpoint."""

import pytest
from django.urls import reverse

from victims.models import Rescue

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("member", ["heidi", "grace"])
def test_sysadmin_and_auditor_see_no_victim_on_any_page_or_endpoint(register, cast, client, member):
    case = register(seed=60)
    rescue = Rescue.objects.get(case=case)
    secrets = [case.victim.full_name, case.victim.id_number, case.number]
    client.force_login(getattr(cast, member))
    pages = [
        reverse("dashboard"),
        reverse("victims:list"),
        reverse("victims:register"),
        reverse("victims:case", kwargs={"case_id": case.uuid}),
        reverse("victims:victim-edit", kwargs={"case_id": case.uuid, "section": "contacts"}),
        reverse("victims:record-edit", kwargs={"case_id": case.uuid, "kind": "rescue", "record_id": rescue.uuid}),
        reverse("case-list"),
        reverse("case-detail", kwargs={"id": case.uuid}),
        reverse("case-history", kwargs={"id": case.uuid}),
    ]
    for url in pages:
        response = client.get(url)
        body = response.content.decode()
        assert not any(secret in body for secret in secrets), url
        if url.startswith("/api/v1/cases/") and url != reverse("case-list"):
            assert response.status_code == 404, url
    api_list = client.get(reverse("case-list")).json()
    assert api_list["count"] == 0
