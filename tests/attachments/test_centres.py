"""Legal aid documents are kept per centre, as legal aid matters are (``legal_aid.models``): two
centres referred the same case each see the ``legal_aid`` documents of their own centre only —
in the list, the metadata, the content and the dossier — while the case's other readers see both."""

from __future__ import annotations

import pytest
from django.urls import reverse

from attachments.models import Attachment
from exports.dossier.documents import documents_of


def listed(client, case) -> set[str]:
    response = client.get(reverse("case-attachments", kwargs={"id": case.uuid}))
    assert response.status_code == 200
    body = response.json()
    return {row["id"] for row in (body["results"] if isinstance(body, dict) else body)}


@pytest.mark.django_db
def test_a_centre_sees_only_its_own_legal_aid_documents(api_client_for, two_centres, referred, lawyers, cast):
    for own, other in (("erin", "lena"), ("lena", "erin")):
        user = cast.erin if own == "erin" else lawyers.lena
        mine, theirs = two_centres[own], two_centres[other]
        client = api_client_for(user)
        assert listed(client, referred) == {str(mine.uuid)}
        assert [row.pk for row in Attachment.objects.visible_to(user)] == [mine.pk]
        assert [document.attachment.pk for document in documents_of(user, referred)] == [mine.pk]
        for route in ("attachment", "attachment-content"):
            assert client.get(reverse(route, kwargs={"id": mine.uuid})).status_code == 200
            assert client.get(reverse(route, kwargs={"id": theirs.uuid})).status_code == 404


@pytest.mark.django_db
def test_the_case_s_other_readers_see_the_documents_of_both_centres(api_client_for, two_centres, referred, cast):
    expected = {str(row.uuid) for row in two_centres.values()}
    assert listed(api_client_for(cast.alice), referred) == expected
    assert {row.uuid for row in Attachment.objects.visible_to(cast.alice)} == {row.uuid for row in two_centres.values()}
