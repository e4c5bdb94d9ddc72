"""The policy matrix of the attachment pages: every member of the cast, documents filed under a
section of each shape, the answer of each page judged by ``registry.policy`` and the scope
oracle (as ``test_api_matrix`` does for the API)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from registry.policy import Section
from tests.attachments import samples
from tests.attachments.test_api_matrix import UPLOADER, may_file, reads
from tests.attachments.test_pages import file_document
from tests.policy_matrix import CAST, in_scope
from tests.victims.test_api_matrix import case_scope_facts, referred_case


@pytest.mark.django_db
@pytest.mark.parametrize("section", [Section.PERSON, Section.HEALTH, Section.CONSENTS, Section.SCHOOLING])
@pytest.mark.parametrize("member", CAST)
def test_each_page_answers_as_the_policy_says(client, places, cast, member, section):
    case = referred_case(places, cast, seed=71)
    photo = section == Section.PERSON
    document = file_document(
        case,
        getattr(cast, UPLOADER[section]),
        section=section.value,
        kind="photo" if photo else "other",
        data=samples.jpeg() if photo else samples.pdf(),
        name="m.jpg" if photo else "m.pdf",
    )
    user = getattr(cast, member)
    sees_case = in_scope(user, **case_scope_facts(case))
    sees = sees_case and reads(user, section)
    writes = may_file(user, section, "accepted")
    client.force_login(user)

    def status(name, *args):
        return client.get(reverse(f"attachments:{name}", args=args)).status_code

    assert status("preview", document.uuid) == (200 if sees else 404)
    assert status("download", document.uuid) == (200 if sees else 404)
    assert status("withdraw", document.uuid) == (404 if not sees else 200 if writes else 403)
    assert status("upload", case.uuid, section.value) == (404 if not sees else 200 if writes else 403)
    if sees_case:
        page = client.get(reverse("victims:case", args=[case.uuid]) + f"?tab={section.value}")
        assert (f'id="attachment-{document.uuid}"' in page.content.decode()) is sees
