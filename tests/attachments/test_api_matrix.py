"""The policy matrix of every attachments route, for every member of the cast, with documents
filed under sections of each shape of the policy table — a caseworker's section (health), one
every role reads (consents), the receiving departments' own (schooling, training, legal aid) and
the person's photo (``view_person_photo``) — and with the receiving departments' referrals
accepted, still pending (before acceptance) and revoked.

The expectation is computed from ``registry.policy`` and an oracle of scope written apart
(``tests.policy_matrix.in_scope``): a member sees an attachment exactly when the case is in
their scope and their role reads its section (a photo of the person: and has
``view_person_photo``); may file or withdraw one exactly when their role writes the section and,
for a receiving department, its referral is accepted."""

from __future__ import annotations

from typing import ClassVar

import pytest
from django.urls import reverse

from attachments import operations
from attachments.models import Attachment
from attachments.uploads import ephemeral_upload
from registry import policy
from registry.policy import Action, Section
from tests.attachments import samples
from tests.attachments.conftest import multipart_file
from tests.policy_matrix import CAST, PolicyMatrix, in_scope
from tests.victims.test_api_matrix import RECEIVERS, case_scope_facts, if_match, referred_case
from victims import operations as case_operations
from victims.models import Referral

KEYS = {
    "id", "version", "case", "section", "kind", "kind_label", "title", "file_name", "media_type", "size",
    "page_count", "sha256", "sm3", "uploaded_by", "uploaded_at", "withdrawn", "withdrawn_at", "withdrawn_by",
    "withdrawal_reason",
}  # fmt: skip
# Who files a document under each section in these tests (a writer of the section).
UPLOADER = {
    Section.PERSON: "alice",
    Section.HEALTH: "alice",
    Section.CONSENTS: "alice",
    Section.SCHOOLING: "bob",
    Section.TRAINING: "frank",
    Section.LEGAL_AID: "erin",
}
RECEIVING_SECTION = {receiver: service for service, _organization, receiver in RECEIVERS}


def reads(user, section) -> bool:
    if section == Section.PERSON and not policy.may(user, Action.VIEW_PERSON_PHOTO):
        return False
    return policy.may_read(user, section)


def may_file(user, section, referral_status: str) -> bool:
    """Whether ``user`` may add to (or withdraw from) ``section``: the role writes it, and a
    receiving department only under an accepted referral."""
    if not policy.may_write(user, section):
        return False
    return policy.receiving_section(user) is None or referral_status == "accepted"


class AttachmentMatrix(PolicyMatrix):
    """A document filed under ``section`` of Alice's referred case (as its section's writer),
    then the receiving departments' referrals left ``accepted``, or ``revoked``; or, with
    ``referral_status = "pending"``, never accepted (the document then filed by Alice under
    consents: no one may file under a receiving department's section before it accepts)."""

    section: ClassVar[Section] = Section.CONSENTS
    referral_status: ClassVar[str] = "accepted"
    kind: ClassVar[str] = "detail"

    def make_record(self, places, cast):
        pending = tuple(service for service, *_rest in RECEIVERS) if self.referral_status == "pending" else ()
        case = referred_case(places, cast, pending=pending)
        section = Section.CONSENTS if pending else self.section
        photo = section == Section.PERSON
        attachment = operations.attachment_upload(
            actor=getattr(cast, UPLOADER[section]),
            case=case,
            expected_version=case.version,
            section=section.value,
            kind="photo" if photo else "other",
            title="矩阵测试文件",
            upload=ephemeral_upload([samples.jpeg() if photo else samples.pdf()], name="m.jpg" if photo else "m.pdf"),
        )
        if self.referral_status == "revoked":
            for referral in Referral.objects.filter(case=case):
                case_operations.referral_revoke(actor=cast.alice, referral=referral, comment="重复转介（虚构）")
        return Attachment.objects.select_related("case").get(pk=attachment.pk)

    def scope_facts(self, record):
        return case_scope_facts(record.case)

    def url(self, record):
        return reverse(self.route_name, kwargs={"id": record.uuid})

    def sees_case(self, user, record) -> bool:
        return in_scope(user, **self.scope_facts(record))

    def expected(self, user, record) -> int:
        if not (self.sees_case(user, record) and reads(user, self.section)):
            return 404
        return 200

    def check(self, response, user, record) -> None:
        """What a successful answer must hold."""
        assert set(response.json()) == KEYS

    @pytest.mark.parametrize("member", CAST)
    def test_policy_matrix(self, member, places, cast, api_client_for):
        record = self.make_record(places, cast)
        user = getattr(cast, member)
        response = self._call(api_client_for(user), record)
        expected = self.expected(user, record)
        assert response.status_code == expected, (member, response.status_code, response.content[:300])
        if expected >= 400:
            assert {"code", "message"} <= set(response.json())
        else:
            self.check(response, user, record)


class DetailMatrix(AttachmentMatrix):
    route_name = "attachment"


class ContentMatrix(AttachmentMatrix):
    route_name = "attachment-content"

    def check(self, response, user, record):
        assert b"".join(response.streaming_content)[:4] in (b"%PDF", b"\xff\xd8\xff\xe0")
        assert response["Cache-Control"].startswith("no-store")


class WithdrawMatrix(AttachmentMatrix):
    route_name = "attachment-withdraw"
    method = "post"

    def body(self, record):
        return {"reason": "矩阵测试撤回"}

    def headers(self, record):
        return if_match(record.version)

    def expected(self, user, record):
        status = super().expected(user, record)
        if status == 200 and not may_file(user, self.section, self.referral_status):
            return 403
        return status

    def check(self, response, user, record):
        assert response.json()["withdrawn"] is True


class ListMatrix(AttachmentMatrix):
    route_name = "case-attachments"

    def url(self, record):
        return reverse(self.route_name, kwargs={"id": record.case.uuid})

    def expected(self, user, record):
        return 200 if self.sees_case(user, record) else 404

    def check(self, response, user, record):
        results = response.json()["results"]
        assert [item["id"] for item in results] == ([str(record.uuid)] if reads(user, self.section) else [])
        assert all(set(item) == KEYS for item in results)


class UploadMatrix(AttachmentMatrix):
    route_name = "case-attachments"
    method = "post"

    def url(self, record):
        return reverse(self.route_name, kwargs={"id": record.case.uuid})

    def _call(self, client, record):
        photo = self.section == Section.PERSON
        body = {
            "file": multipart_file(samples.jpeg() if photo else samples.pdf(), "u.jpg" if photo else "u.pdf"),
            "section": self.section.value,
            "kind": "photo" if photo else "other",
            "title": "矩阵测试上传",
        }
        return client.post(self.url(record), body, format="multipart", headers=if_match(record.case.version))

    def expected(self, user, record):
        if not self.sees_case(user, record):
            return 404
        return 201 if may_file(user, self.section, self.referral_status) else 403

    def check(self, response, user, record):
        assert set(response.json()) == KEYS and response.json()["section"] == self.section.value


ROUTES = (DetailMatrix, ContentMatrix, WithdrawMatrix, ListMatrix, UploadMatrix)
SECTIONS = (Section.PERSON, Section.HEALTH, Section.CONSENTS, Section.SCHOOLING, Section.LEGAL_AID)


def _states(route, section) -> list[str]:
    """Accepted referrals for every section; revoked ones for a receiving department's section
    and one every role reads; pending ones where a document can exist then (consents) and, for
    an upload, a receiving department's section."""
    states = ["accepted"]
    if section in (Section.CONSENTS, Section.SCHOOLING):
        states.append("revoked")
    if section == Section.CONSENTS or (route is UploadMatrix and section == Section.SCHOOLING):
        states.append("pending")
    return states


def _matrices():
    """One test class per route, section and state of the referrals."""
    for route in ROUTES:
        for section in SECTIONS:
            for state in _states(route, section):
                name = f"Test{route.__name__}_{section.value}_{state}"
                attrs = {"section": section, "referral_status": state, "__module__": __name__}
                yield name, pytest.mark.django_db(type(name, (route,), attrs))


globals().update(dict(_matrices()))
