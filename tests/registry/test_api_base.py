"""The API base: scope (404 outside), section-filtered fields, If-Match, error shape, tokens,
schema and docs — exercised through the scaffold endpoint."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from registry.history import recorded_change
from registry.policy import Section
from tests.policy_matrix import PolicyMatrix
from tests.scaffold.models import SampleCase, SampleReferral


def sample_case(places, cast, **extra):
    with recorded_change(actor=cast.alice, reason="test registration"):
        case = SampleCase.objects.create(
            jurisdiction=places.gulou,
            lead_organization=places.fz_shelter,
            name="王小梅",
            id_number="350102201001011234",
            health_note="fragile",
            **extra,
        )
        for organization in (places.fz_education, places.fz_legal_aid, places.fz_labor):
            SampleReferral.objects.create(case=case, to_organization=organization, status="accepted")
    return case


class ScaffoldMatrix(PolicyMatrix):
    always_keys = frozenset({"id", "version"})
    section_keys = {
        Section.PERSON: frozenset({"name", "sex"}),
        Section.IDENTITY: frozenset({"id_number", "birth_date"}),
        Section.HEALTH: frozenset({"health_note"}),
    }

    def make_record(self, places, cast):
        return sample_case(places, cast)

    def scope_facts(self, record):
        return {
            "organization_id": record.lead_organization_id,
            "jurisdiction_code": record.jurisdiction.code,
            "referred_organization_ids": set(record.referrals.values_list("to_organization_id", flat=True)),
        }


@pytest.mark.django_db
class TestSampleDetailMatrix(ScaffoldMatrix):
    route_name = "sample-detail"

    def url(self, record):
        return reverse("sample-detail", kwargs={"id": record.uuid})


@pytest.mark.django_db
class TestSampleListMatrix(ScaffoldMatrix):
    route_name = "sample-list"
    kind = "list"

    def url(self, record):
        return reverse("sample-list")


@pytest.mark.django_db
class TestSampleUpdateMatrix(ScaffoldMatrix):
    route_name = "sample-detail"
    kind = "write"
    method = "patch"
    write_section = Section.PERSON

    def url(self, record):
        return reverse("sample-detail", kwargs={"id": record.uuid})

    def body(self, record):
        return {"name": "王小梅二"}

    def headers(self, record):
        return {"If-Match": f'"{record.version}"'}


@pytest.mark.django_db
def test_out_of_scope_answers_exactly_like_a_missing_record(places, cast, api_client_for):
    case = sample_case(places, cast)
    carol = api_client_for(cast.carol)
    outside = carol.get(reverse("sample-detail", kwargs={"id": case.uuid}))
    missing = carol.get(reverse("sample-detail", kwargs={"id": "00000000-0000-4000-8000-000000000000"}))
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json() == {"code": "not_found", "message": outside.json()["message"]}


@pytest.mark.django_db
def test_revoking_a_referral_ends_the_receivers_access(places, cast, api_client_for):
    case = sample_case(places, cast)
    url = reverse("sample-detail", kwargs={"id": case.uuid})
    assert api_client_for(cast.bob).get(url).status_code == 200
    referral = case.referrals.get(to_organization=places.fz_education)
    referral.status = "revoked"
    referral.save()
    assert api_client_for(cast.bob).get(url).status_code == 404


@pytest.mark.django_db
def test_a_case_assigned_to_a_caseworker_of_another_organization_is_visible_to_her(places, cast, api_client_for):
    case = sample_case(places, cast)
    url = reverse("sample-detail", kwargs={"id": case.uuid})
    assert api_client_for(cast.carol).get(url).status_code == 404
    case.assigned_caseworkers.add(cast.carol)
    assert api_client_for(cast.carol).get(url).status_code == 200


@pytest.mark.django_db
def test_list_counts_each_visible_case_once_despite_several_referrals(places, cast, api_client_for):
    sample_case(places, cast)
    case = sample_case(places, cast)
    case.assigned_caseworkers.add(cast.alice)
    body = api_client_for(cast.alice).get(reverse("sample-list")).json()
    assert body["count"] == 2 and len(body["results"]) == 2


@pytest.mark.django_db
class TestIfMatch:
    def patch(self, client, case, headers):
        return client.patch(
            reverse("sample-detail", kwargs={"id": case.uuid}), {"name": "新名字"}, format="json", headers=headers
        )

    def test_detail_carries_the_version_as_etag(self, places, cast, api_client_for):
        case = sample_case(places, cast)
        response = api_client_for(cast.alice).get(reverse("sample-detail", kwargs={"id": case.uuid}))
        assert response["ETag"] == '"1"'

    def test_update_without_if_match_is_428_and_changes_nothing(self, places, cast, api_client_for):
        case = sample_case(places, cast)
        response = self.patch(api_client_for(cast.alice), case, {})
        assert (response.status_code, response.json()["code"]) == (428, "version_required")
        assert SampleCase.objects.get(pk=case.pk).name == "王小梅"

    def test_update_with_a_stale_version_is_412_and_changes_nothing(self, places, cast, api_client_for):
        case = sample_case(places, cast)
        client = api_client_for(cast.alice)
        assert self.patch(client, case, {"If-Match": '"1"'}).status_code == 200
        stale = self.patch(client, case, {"If-Match": '"1"'})
        assert (stale.status_code, stale.json()["code"]) == (412, "stale_version")
        assert SampleCase.objects.get(pk=case.pk).version == 2

    def test_malformed_if_match_is_400_naming_the_header(self, places, cast, api_client_for):
        case = sample_case(places, cast)
        response = self.patch(api_client_for(cast.alice), case, {"If-Match": "yesterday"})
        assert response.status_code == 400
        assert response.json()["fields"] == {"If-Match": [response.json()["message"]]}

    def test_a_successful_update_records_history_with_actor(self, places, cast, api_client_for):
        case = sample_case(places, cast)
        self.patch(api_client_for(cast.alice), case, {"If-Match": '"1"'})
        latest = SampleCase.objects.get(pk=case.pk).history.first()
        assert (latest.name, latest.version, latest.history_user) == ("新名字", 2, cast.alice)


@pytest.mark.django_db
def test_a_role_without_write_access_to_the_section_gets_403_and_nothing_changes(places, cast, api_client_for):
    case = sample_case(places, cast)
    url = reverse("sample-detail", kwargs={"id": case.uuid})
    response = api_client_for(cast.dave).patch(url, {"name": "x"}, format="json", headers={"If-Match": '"1"'})
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert SampleCase.objects.get(pk=case.pk).name == "王小梅"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("member", "data", "reason"),
    [
        ("dave", {"name": "x"}, "This field is read-only for your role."),
        ("bob", {"id_number": "x"}, "Unknown field."),
        ("bob", {"health_note": "x"}, "Unknown field."),
    ],
)
def test_serializer_refuses_fields_of_sections_the_role_may_not_write(places, cast, member, data, reason):
    from rest_framework.test import APIRequestFactory

    from tests.scaffold.api import SampleCaseSerializer

    request = APIRequestFactory().patch("/")
    request.user = getattr(cast, member)
    serializer = SampleCaseSerializer(sample_case(places, cast), data=data, partial=True, context={"request": request})
    assert not serializer.is_valid()
    assert serializer.errors == {next(iter(data)): [reason]}


@pytest.mark.django_db
def test_serializer_fields_follow_the_policy_per_request_without_leaking_between_requests(places, cast):
    from rest_framework.test import APIRequestFactory

    from tests.scaffold.api import SampleCaseSerializer

    case = sample_case(places, cast)
    shown = {}
    for member in ("alice", "bob", "alice"):
        request = APIRequestFactory().get("/")
        request.user = getattr(cast, member)
        shown.setdefault(member, []).append(set(SampleCaseSerializer(case, context={"request": request}).data))
    assert (
        shown["alice"][0]
        == shown["alice"][1]
        == {"id", "version", "name", "sex", "id_number", "birth_date", "health_note"}
    )
    assert shown["bob"][0] == {"id", "version", "name", "sex"}
    assert SampleCaseSerializer.Meta.fields == (
        "id",
        "version",
        "name",
        "sex",
        "id_number",
        "birth_date",
        "health_note",
    )


@pytest.mark.django_db
def test_validation_errors_name_the_field_and_reason(places, cast, api_client_for):
    case = sample_case(places, cast)
    url = reverse("sample-detail", kwargs={"id": case.uuid})
    response = api_client_for(cast.alice).patch(url, {"sex": "toolong"}, format="json", headers={"If-Match": '"1"'})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error" and "sex" in body["fields"]


@pytest.mark.django_db
def test_token_endpoint_exchanges_credentials_for_a_token(cast, password):
    client = APIClient()
    response = client.post(reverse("api-token"), {"username": "alice", "password": password}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    authed = APIClient()
    authed.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert authed.get(reverse("sample-list")).status_code == 200


@pytest.mark.django_db
def test_token_endpoint_refuses_a_wrong_password_with_a_coded_error(cast):
    response = APIClient().post(reverse("api-token"), {"username": "alice", "password": "wrong"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


@pytest.mark.django_db
def test_schema_and_docs_are_served_from_local_assets(cast, client):
    client.force_login(cast.alice)
    schema = client.get(reverse("api-schema"))
    assert schema.status_code == 200 and b"/api/v1/auth/token/" in schema.content
    docs = client.get(reverse("api-docs")).content.decode()
    assert "/static/drf_spectacular_sidecar/" in docs
    assert "cdn" not in docs.lower() and "https://" not in docs
