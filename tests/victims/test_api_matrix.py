"""The victim file's API held to the policy: every route, run as every member of the cast.

Each class plugs one route (and method) into :class:`tests.policy_matrix.PolicyMatrix`. The
record is always built with the operations: a case Alice registers in Gulou, whose adult victim
consented to schooling, legal aid and training, referred to the organizations of Bob, Erin and
Frank, who accepted — so every role has a member who sees it, and Carol and Xavier must not.

Two refinements of the matrix's expectations, both derived from the policy:
- a record whose section the role may not read answers 404, like an unknown kind (403 is for a
  section the role reads but may not write);
- a referral's steps are judged against the referral itself, which a receiving organization
  sees only when it is addressed to it and grants access.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from registry import casefile, policy
from registry.choices import Department, OrganizationKind
from registry.policy import Action, Section
from tests.factories import OrganizationFactory
from tests.policy_matrix import PolicyMatrix
from tests.victims.conftest import CLOSING, RESCUE, TODAY, person
from victims import operations
from victims.api.serializers import RECORD_KINDS
from victims.choices import ConsentGiver, Service
from victims.models import Case, Referral

ENVELOPE = frozenset({"count", "count_exact", "next", "previous", "results"})
RECEIVERS = (  # service, the organization's attribute on ``places``, the receiver in ``cast``
    (Service.SCHOOLING, "fz_education", "bob"),
    (Service.LEGAL_AID, "fz_legal_aid", "erin"),
    (Service.TRAINING, "fz_labor", "frank"),
)


# --- building the record with the operations ---------------------------------------------------


def register_case(places, cast, *, seed=1, age=30, actor=None, jurisdiction=None, **overrides) -> Case:
    return operations.case_register(
        actor=actor or cast.alice,
        victim=person(seed, age=age, **overrides),
        jurisdiction=jurisdiction or places.gulou,
        rescue=dict(RESCUE),
    )


def referred_case(places, cast, *, seed=1, pending=(), **overrides) -> Case:
    """Alice's case in Gulou of an adult who consented to each service, referred to Bob's,
    Erin's and Frank's organizations; each referral accepted unless its service is ``pending``."""
    case = register_case(places, cast, seed=seed, **overrides)
    for service, organization, receiver in RECEIVERS:
        consent = {"service": service, "given_by": ConsentGiver.PERSON, "given_on": TODAY}
        operations.record_add(actor=cast.alice, case=case, model="consent", data=consent)
        referral = operations.referral_create(
            actor=cast.alice, case=case, service=service, to_organization=getattr(places, organization)
        )
        if service not in pending:
            operations.referral_respond(actor=getattr(cast, receiver), referral=referral, decision="accept")
    return case


def referred_child_case(places, cast, *, seed=2) -> Case:
    """A child's case (10 years old, guardian's consent); Dave approved the referral to Erin's
    organization, who accepted; the one to Bob's awaits his approval. (No training referral: it
    is for people 16 or older, ``victims.validation.check_referral_age``.)"""
    case = register_case(places, cast, seed=seed, age=10)
    for service, organization, receiver in RECEIVERS:
        if service == Service.TRAINING:
            continue
        consent = {"service": service, "given_by": ConsentGiver.GUARDIAN, "guardian_name": "监护人（虚构）"}
        operations.record_add(actor=cast.alice, case=case, model="consent", data={**consent, "given_on": TODAY})
        referral = operations.referral_create(
            actor=cast.alice, case=case, service=service, to_organization=getattr(places, organization)
        )
        if service != Service.SCHOOLING:
            operations.referral_approve(actor=cast.dave, referral=referral)
            operations.referral_respond(actor=getattr(cast, receiver), referral=referral, decision="accept")
    return case


def case_scope_facts(case: Case) -> dict:
    return {
        "organization_id": case.lead_organization_id,
        "jurisdiction_code": case.jurisdiction.code,
        "referred_organization_ids": set(
            Referral.objects.filter(case=case, visible_to_receiver=True).values_list("to_organization_id", flat=True)
        ),
    }


def if_match(version: int) -> dict[str, str]:
    return {"If-Match": f'"{version}"'}


class CaseMatrix(PolicyMatrix):
    def make_record(self, places, cast):
        return referred_case(places, cast)

    def scope_facts(self, record):
        return case_scope_facts(record)

    def url(self, record):
        return reverse(self.route_name, kwargs={"id": record.uuid})


# --- cases ------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestCaseListMatrix(CaseMatrix):
    route_name = "case-list"
    kind = "list"
    always_keys = frozenset({"id", "case_number", "stage"})
    section_keys = {Section.PERSON: frozenset({"person"})}

    def url(self, record):
        return reverse("case-list")


@pytest.mark.django_db
class TestCaseRegistrationMatrix(CaseMatrix):
    route_name = "case-list"
    kind = "write"
    method = "post"
    success_status = 201

    def url(self, record):
        return reverse("case-list")

    def body(self, record):
        return {"victim": person(900), "rescue": RESCUE}  # in the registering organization's jurisdiction

    def expected_status(self, user, visible):
        # Registration opens a new case: the record's scope is not involved, only the sections.
        writes = all(policy.may_write(user, section) for section in operations.REGISTRATION_SECTIONS)
        return self.success_status if writes else 403


@pytest.mark.django_db
class TestCaseDetailMatrix(CaseMatrix):
    route_name = "case-detail"
    always_keys = frozenset({"id", "case_number", "stage", "version"})
    # The keys are the sections themselves, for every section some installed app provides.
    section_keys = {declared.section: frozenset({declared.section.value}) for declared in casefile.sections()}


@pytest.mark.django_db
class TestCaseHistoryMatrix(CaseMatrix):
    route_name = "case-history"
    always_keys = ENVELOPE


SECTION_CHANGES = {
    Section.PERSON: {"full_name": "林新名"},
    Section.IDENTITY: {"ethnicity": "彝族"},
    Section.CONTACTS: {"phone": "13700000001"},
    Section.HEALTH: {"disability": "hearing"},
}


class SectionMatrix(CaseMatrix):
    route_name = "case-section"
    kind = "write"
    method = "patch"

    def url(self, record):
        return reverse("case-section", kwargs={"id": record.uuid, "section": self.write_section.value})

    def body(self, record):
        return SECTION_CHANGES[self.write_section]

    def headers(self, record):
        return if_match(record.version)


for _section in SECTION_CHANGES:
    _name = f"TestSection{_section.value.title()}UpdateMatrix"
    globals()[_name] = pytest.mark.django_db(type(_name, (SectionMatrix,), {"write_section": _section}))


# --- stage actions ---------------------------------------------------------------------------


class StageMatrix(CaseMatrix):
    kind = "write"
    method = "post"

    def headers(self, record):
        return if_match(record.version)


@pytest.mark.django_db
class TestCaseCloseMatrix(StageMatrix):
    route_name = "case-close"
    action = Action.CLOSE_CASE

    def body(self, record):
        return CLOSING


@pytest.mark.django_db
class TestCaseReopenMatrix(StageMatrix):
    route_name = "case-reopen"
    action = Action.CLOSE_CASE

    def make_record(self, places, cast):
        return operations.case_close(actor=cast.dave, case=referred_case(places, cast), expected_version=1, **CLOSING)

    def body(self, record):
        return {"comment": "本人再次求助（虚构）"}


@pytest.mark.django_db
class TestCaseResolveDuplicateMatrix(StageMatrix):
    route_name = "case-resolve-duplicate"
    action = Action.RESOLVE_DUPLICATE

    def make_record(self, places, cast):
        register_case(places, cast, seed=5, actor=cast.carol, jurisdiction=places.xiamen)
        case = referred_case(places, cast, seed=5)  # the same person, registered out of Carol's sight
        assert case.possible_duplicate
        return case

    def body(self, record):
        return {"same_person": False}


# --- records on a case -------------------------------------------------------------------------

RECORD_BODIES = {
    "rescue": {
        "rescued_on": TODAY - datetime.timedelta(days=9),
        "place": "福州市晋安区某厂房",
        "police_unit": "福州市公安局晋安分局",
        "exploitation": "labour",
    },
    "healthassessment": {"assessed_on": TODAY, "assessor": "福州市第一医院", "physical": "轻度营养不良"},
    "dnasample": {"collected_on": TODAY, "collected_by": "福州市公安局鼓楼分局"},
    "household": {"address": "云南省昆明市五华区某村", "jurisdiction_code": "530102", "is_purchaser": False},
    "familymember": {"relationship": "mother", "full_name": "母亲（虚构）", "phone": "13600000000"},
    "consent": {"service": "legal_aid", "given_by": "person", "given_on": TODAY},
}
RECORD_CHANGES = {
    "rescue": {"place": "福州市鼓楼区另一出租屋"},
    "healthassessment": {"needs": "心理疏导"},
    "dnasample": {"submitted_on": TODAY},
    "household": {"notes": "已核实"},
    "familymember": {"verified": True},
    "consent": {"withdrawn_on": TODAY},
}


class RecordMatrix(CaseMatrix):
    record_kind: str

    def make_record(self, places, cast):
        case = referred_case(places, cast)  # with a rescue and consents already
        if not RECORD_KINDS[self.record_kind].objects.filter(case=case).exists():
            operations.record_add(
                actor=cast.alice, case=case, model=self.record_kind, data=RECORD_BODIES[self.record_kind]
            )
        self.case = case  # expected_status reads its target record
        return case

    def target(self, case):
        return RECORD_KINDS[self.record_kind].objects.filter(case=case).first()

    def url(self, record):
        kwargs = {"id": record.uuid, "kind": self.record_kind}
        if self.route_name == "case-record-detail":
            kwargs["record_id"] = self.target(record).uuid
        return reverse(self.route_name, kwargs=kwargs)

    def body(self, record):
        return {"post": RECORD_BODIES, "patch": RECORD_CHANGES}.get(self.method, {}).get(self.record_kind)

    def headers(self, record):
        return if_match(self.target(record).version) if self.method == "patch" else {}

    def expected_status(self, user, visible):
        if visible and not policy.may_read(user, RECORD_KINDS[self.record_kind].section):
            return 404  # a kind the role may not read is, to it, no kind at all
        if visible and self.route_name == "case-record-detail" and not self.target_shown_to(user):
            return 404  # a record its kind narrows away from the reader (another service's consent) is absent
        return super().expected_status(user, visible)

    def target_shown_to(self, user) -> bool:
        kind = casefile.kind_of(RECORD_KINDS[self.record_kind])
        rows = kind.model.objects.filter(pk=self.target(self.case).pk)
        return kind.narrow is None or kind.narrow(user, rows).exists()


# Four classes per kind of record: list, one record, add, amend (TestRecordAddRescueMatrix …).
for _kind, _model in RECORD_KINDS.items():
    _fields = frozenset({"id", "version", *casefile.kind_of(_model).fields})
    for _prefix, _attrs in (
        ("RecordList", {"route_name": "case-record-list", "always_keys": ENVELOPE}),
        ("RecordDetail", {"route_name": "case-record-detail", "always_keys": _fields}),
        ("RecordAdd", {"route_name": "case-record-list", "kind": "write", "method": "post", "success_status": 201}),
        ("RecordAmend", {"route_name": "case-record-detail", "kind": "write", "method": "patch"}),
    ):
        if _attrs.get("kind") == "write":
            _attrs["write_section"] = _model.section
        _name = f"Test{_prefix}{_model.__name__}Matrix"
        globals()[_name] = pytest.mark.django_db(type(_name, (RecordMatrix,), {"record_kind": _kind, **_attrs}))


# --- referrals --------------------------------------------------------------------------------


@pytest.mark.django_db
class TestCaseReferralListMatrix(CaseMatrix):
    route_name = "case-referral-list"
    always_keys = ENVELOPE


@pytest.mark.django_db
class TestCaseReferralCreateMatrix(CaseMatrix):
    route_name = "case-referral-list"
    kind = "write"
    method = "post"
    success_status = 201
    write_section = Section.REFERRALS

    def make_record(self, places, cast):
        case = referred_case(places, cast)
        case.school = OrganizationFactory(
            name="福州市第一中学",
            department=Department.EDUCATION,
            kind=OrganizationKind.SCHOOL,
            jurisdiction=places.fuzhou,
        )
        return case

    def body(self, record):
        return {"service": "schooling", "to_organization": str(record.school.uuid), "reason": "复学"}


class ReferralStepMatrix(PolicyMatrix):
    """The record is the referral a step acts on (Bob's organization's)."""

    kind = "write"
    method = "post"

    def make_record(self, places, cast):
        return self.education_referral(referred_case(places, cast))

    @staticmethod
    def education_referral(case):
        return Referral.objects.get(case=case, service=Service.SCHOOLING)

    def url(self, record):
        return reverse(self.route_name, kwargs={"id": record.uuid})

    def scope_facts(self, record):
        facts = case_scope_facts(record.case)
        # A receiver sees only a referral addressed to it that grants access.
        facts["referred_organization_ids"] = {record.to_organization_id} if record.visible_to_receiver else set()
        return facts


@pytest.mark.django_db
class TestReferralAcceptMatrix(ReferralStepMatrix):
    route_name = "referral-accept"
    action = Action.RESPOND_REFERRAL

    def make_record(self, places, cast):
        return self.education_referral(referred_case(places, cast, pending={Service.SCHOOLING}))


@pytest.mark.django_db
class TestReferralDeclineMatrix(TestReferralAcceptMatrix):
    route_name = "referral-decline"

    def body(self, record):
        return {"note": "本区无合适学位"}


@pytest.mark.django_db
class TestReferralCompleteMatrix(ReferralStepMatrix):
    route_name = "referral-complete"
    action = Action.RESPOND_REFERRAL


@pytest.mark.django_db
class TestReferralApproveMatrix(ReferralStepMatrix):
    route_name = "referral-approve"
    action = Action.APPROVE_CHILD_REFERRAL

    def make_record(self, places, cast):
        return self.education_referral(referred_child_case(places, cast))


@pytest.mark.django_db
class TestReferralRevokeMatrix(ReferralStepMatrix):
    route_name = "referral-revoke"
    write_section = Section.REFERRALS

    def body(self, record):
        return {"comment": "重复转介（虚构）"}
