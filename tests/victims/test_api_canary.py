"""The canary: a person registered with a unique string in every personal field, driven through
every read and write path of the API — and then not one of those strings is found in clear in
the database (cases, people, records, history, audit log) nor in any log record."""

import datetime
import logging

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient
from stdnum.cn import ric

from tests.helpers import assert_not_stored
from tests.transfers.test_handover_operations import body as handover_body
from tests.victims.conftest import TODAY
from victims.choices import STATUTORY_BASES
from victims.models import Case, Referral

TAG = "f3a9c1"
PLACEHOLDER_BIRTH = datetime.date(1987, 3, 29)


def resident_id(region: str, born: datetime.date, sequence: str) -> str:
    body = f"{region}{born:%Y%m%d}{sequence}"
    return body + ric.calc_check_digit(body + "0")


def canaries(prefix: str) -> dict[str, str]:
    """A unique string for each personal field of the person and of each record."""
    fields = (
        "full_name", "full_name_2", "alias", "alias_2", "address", "address_2", "place", "place_2",
        "police_case_number", "circumstances", "physical", "psychological", "needs", "needs_2",
        "database_reference", "database_reference_2", "household_address", "notes", "notes_2",
        "member_name", "member_name_2", "guardian_name", "reason", "note", "note_2",
        "police_unit", "police_unit_2", "assessor", "assessor_2", "collected_by", "collected_by_2",
        "closure_comment", "decision_comment",
    )  # fmt: skip
    return {name: f"金丝雀{prefix}{TAG}{name}" for name in fields}


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def call(client, method, url, body=None, status=200, headers=None):
    response = getattr(client, method)(url, body, format="json", headers=headers or {})
    assert response.status_code == status, (method, url, response.status_code, response.content[:300])
    return response


def version_of(response) -> dict:
    return {"If-Match": response["ETag"]}


@pytest.mark.django_db(transaction=True)
def test_no_personal_value_sent_through_the_api_is_stored_or_logged_in_clear(places, cast, caplog):
    caplog.set_level(logging.DEBUG)
    adult, child, other = canaries("甲"), canaries("乙"), canaries("丙")
    adult_id = resident_id("530102", PLACEHOLDER_BIRTH, "732")  # a woman: even sequence
    child_id = resident_id("530102", TODAY.replace(year=TODAY.year - 9, day=1), "842")
    phones = {"adult": "13957310246", "adult_2": "15863920417", "child": "18720469351", "member": "13692058174",
              "member_2": "15039471826", "other": "18873920461"}  # fmt: skip
    secrets = [
        *adult.values(), *child.values(), *other.values(), *phones.values(), adult_id, child_id,
        PLACEHOLDER_BIRTH.isoformat(),
    ]  # fmt: skip
    alice, bob, dave, erin = (client_for(member) for member in (cast.alice, cast.bob, cast.dave, cast.erin))
    carol, xavier = client_for(cast.carol), client_for(cast.xavier)
    today = TODAY.isoformat()

    # --- registration (with the rescue), as Alice; the same person again as Carol (flagged) ---
    registered = call(alice, "post", reverse("case-list"), {
        "victim": {"full_name": adult["full_name"], "aliases": [adult["alias"]], "sex": "female",
                   "document_type": "resident_id", "id_number": adult_id, "nationality": "CN",
                   "native_place_code": "530102", "phone": phones["adult"], "address": adult["address"]},
        "jurisdiction": "350102",
        "rescue": {"rescued_on": today, "place": adult["place"], "police_unit": adult["police_unit"],
                   "police_case_number": adult["police_case_number"], "exploitation": "forced_marriage",
                   "circumstances": adult["circumstances"]},
    }, status=201)  # fmt: skip
    case = Case.objects.get(uuid=registered.json()["id"])
    assert registered.json()["person"]["full_name"] == adult["full_name"]
    case_url = reverse("case-detail", kwargs={"id": case.uuid})
    flagged = call(carol, "post", reverse("case-list"), {
        "victim": {"full_name": other["full_name"], "sex": "female", "document_type": "resident_id",
                   "id_number": adult_id, "phone": phones["other"], "address": other["address"]},
    }, status=201).json()  # fmt: skip
    assert adult["full_name"] not in str(flagged)

    # --- refused requests carrying personal values: nothing of them is echoed or logged ---
    refused = call(alice, "post", reverse("case-list"), {
        "victim": {"full_name": other["full_name_2"], "sex": other["alias"], "document_type": "passport",
                   "id_number": other["alias_2"], "phone": phones["other"]},
    }, status=400)  # fmt: skip
    assert other["alias"] not in refused.content.decode()
    call(alice, "post", reverse("case-list"), {
        "victim": {"full_name": other["full_name_2"], "sex": "female", "document_type": "resident_id",
                   "id_number": adult_id},
    }, status=409)  # fmt: skip
    call(alice, "get", reverse("case-list") + f"?nmae={other['notes']}", status=400)

    # --- reads: list, search by name and by number, the file, a section's records, history ---
    call(alice, "get", reverse("case-list"))
    assert call(alice, "get", reverse("case-list"), {"name": adult["full_name"]}).json()["count"] == 1
    assert call(dave, "get", reverse("case-list"), {"id_number": adult_id}).json()["count"] == 1
    detail = call(alice, "get", case_url)

    # --- the person's sections ---
    section = "case-section"
    version = version_of(detail)
    for name, changes in (
        ("person", {"full_name": adult["full_name_2"]}),
        ("identity", {"aliases": [adult["alias"], adult["alias_2"]]}),
        ("contacts", {"phone": phones["adult_2"], "address": adult["address_2"]}),
        ("health", {"disability": "hearing"}),
    ):
        url = reverse(section, kwargs={"id": case.uuid, "section": name})
        version = version_of(call(alice, "patch", url, changes, headers=version))

    # --- every kind of record: add, list, read one, amend ---
    records = {
        "rescue": ({"rescued_on": today, "place": adult["place_2"], "police_unit": adult["police_unit_2"],
                    "exploitation": "labour"}, {"circumstances": adult["notes"], "police_unit": other["police_unit"]}),
        "healthassessment": ({"assessed_on": today, "assessor": adult["assessor"], "physical": adult["physical"],
                              "psychological": adult["psychological"], "needs": adult["needs"]},
                             {"needs": adult["needs_2"], "assessor": adult["assessor_2"]}),
        "dnasample": ({"collected_on": today, "collected_by": adult["collected_by"],
                       "database_reference": adult["database_reference"]},
                      {"submitted_on": today, "database_reference": adult["database_reference_2"],
                       "collected_by": adult["collected_by_2"]}),
        "household": ({"address": adult["household_address"], "jurisdiction_code": "530102",
                       "notes": adult["notes_2"]}, {"is_purchaser": True}),
        "familymember": ({"relationship": "mother", "full_name": adult["member_name"], "phone": phones["member"]},
                         {"full_name": adult["member_name_2"], "phone": phones["member_2"]}),
        "consent": ({"service": "legal_aid", "given_by": "statutory", "statutory_basis": STATUTORY_BASES[0],
                     "given_on": today}, {"withdrawn_on": today}),
    }  # fmt: skip
    for kind, (body, changes) in records.items():
        listing = reverse("case-record-list", kwargs={"id": case.uuid, "kind": kind})
        added = call(alice, "post", listing, body, status=201)
        one = reverse("case-record-detail", kwargs={"id": case.uuid, "kind": kind, "record_id": added.json()["id"]})
        call(alice, "get", listing)
        call(dave, "get", one)
        call(alice, "patch", one, changes, headers=version_of(added))

    # --- referrals: consent, refer, accept, complete; another declined; a child's approved; revoke ---
    consents = reverse("case-record-list", kwargs={"id": case.uuid, "kind": "consent"})
    referrals = reverse("case-referral-list", kwargs={"id": case.uuid})
    call(alice, "post", consents, {"service": "legal_aid", "given_by": "person", "given_on": today}, status=201)
    call(alice, "post", consents, {"service": "schooling", "given_by": "person", "given_on": today}, status=201)
    legal_aid = call(alice, "post", referrals, {"service": "legal_aid", "reason": adult["reason"],
                     "to_organization": str(places.fz_legal_aid.uuid)}, status=201)  # fmt: skip
    schooling = call(dave, "post", referrals, {"service": "schooling", "reason": adult["note_2"],
                     "to_organization": str(places.fz_education.uuid)}, status=201)  # fmt: skip
    step = "referral-{}".format
    call(erin, "post", reverse(step("accept"), kwargs={"id": legal_aid.json()["id"]}), {"note": adult["note"]})
    call(erin, "get", case_url)
    call(erin, "get", referrals)
    call(erin, "post", reverse(step("complete"), kwargs={"id": legal_aid.json()["id"]}), {"note": other["note"]})
    call(bob, "post", reverse(step("decline"), kwargs={"id": schooling.json()["id"]}), {"note": other["note_2"]})
    call(alice, "get", reverse("case-history", kwargs={"id": case.uuid}))
    call(erin, "get", reverse("case-history", kwargs={"id": case.uuid}))

    young = call(alice, "post", reverse("case-list"), {
        "victim": {"full_name": child["full_name"], "aliases": [child["alias"]], "sex": "female",
                   "document_type": "resident_id", "id_number": child_id, "phone": phones["child"],
                   "address": child["address"]},
    }, status=201).json()  # fmt: skip
    young_consents = reverse("case-record-list", kwargs={"id": young["id"], "kind": "consent"})
    call(alice, "post", young_consents, {"service": "schooling", "given_by": "guardian", "given_on": today,
                                         "guardian_name": child["guardian_name"]}, status=201)  # fmt: skip
    young_referral = call(alice, "post", reverse("case-referral-list", kwargs={"id": young["id"]}), {
        "service": "schooling", "reason": child["reason"], "to_organization": str(places.fz_education.uuid),
    }, status=201).json()  # fmt: skip
    call(dave, "post", reverse(step("approve"), kwargs={"id": young_referral["id"]}))
    call(bob, "get", reverse("case-detail", kwargs={"id": young["id"]}))
    call(bob, "post", reverse(step("accept"), kwargs={"id": young_referral["id"]}), {"note": child["note"]})
    call(alice, "post", reverse(step("revoke"), kwargs={"id": young_referral["id"]}),
         {"comment": child["decision_comment"]})  # fmt: skip
    assert Referral.objects.get(uuid=young_referral["id"]).status == "revoked"

    # --- stage actions ---
    flagged_url = "case-{}".format
    call(xavier, "post", reverse(flagged_url("resolve-duplicate"), kwargs={"id": flagged["id"]}),
         {"same_person": True}, headers={"If-Match": '"1"'})  # fmt: skip
    current = version_of(call(dave, "get", case_url))
    closing = {"reason": "contact_lost", "comment": adult["closure_comment"]}
    current = version_of(
        call(dave, "post", reverse(flagged_url("close"), kwargs={"id": case.uuid}), closing, headers=current)
    )
    assert call(dave, "get", case_url).json()["person"]["closure_comment"] == adult["closure_comment"]
    call(dave, "get", reverse("case-history", kwargs={"id": case.uuid}))
    officer = Client()
    officer.force_login(cast.dave)
    for tab in ("person", "timeline"):  # the comment on the person tab, its change on the timeline
        assert officer.get(reverse("victims:case", kwargs={"case_id": case.uuid}), {"tab": tab}).status_code == 200
    reopen = reverse(flagged_url("reopen"), kwargs={"id": case.uuid})
    current = version_of(call(dave, "post", reopen, {"comment": adult["decision_comment"]}, headers=current))
    handover = {**handover_body(), "handed_over_on": TODAY.isoformat()}
    call(dave, "post", reverse("case-hand-over", kwargs={"id": young["id"]}), handover, status=201,
         headers={"If-Match": '"1"'})  # fmt: skip

    # --- the web pages read the same file: list, search, every tab, the timeline ---
    for member in (cast.alice, cast.dave, cast.erin):
        pages = Client()
        pages.force_login(member)
        assert pages.get(reverse("victims:list")).status_code == 200
        assert (
            pages.post(reverse("victims:list"), {"id_number": adult_id, "name": adult["full_name"]}).status_code == 200
        )
        for tab in ("person", "identity", "contacts", "rescue", "health", "dna", "consents", "referrals", "timeline"):
            pages.get(reverse("victims:case", kwargs={"case_id": case.uuid}), {"tab": tab})

    # --- nothing in clear: database (models, history, audit) and every log record ---
    assert_not_stored(*secrets)
    logged = "\n".join(
        f"{record.getMessage()} {record.args!r} {getattr(record, 'exc_text', '') or ''}" for record in caplog.records
    )
    for secret in secrets:
        assert secret not in logged, f"{secret!r} found in a log record"
