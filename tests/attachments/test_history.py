"""Uploads and withdrawals of attachments in the case's history and timeline: metadata only, and
only of the attachments the reader sees (its sections, photos with ``view_person_photo``, a
legal aid centre's own documents)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from attachments.choices import Kind
from attachments.models import Attachment
from attachments.operations import attachment_withdraw
from registry.policy import Section
from registry.presentation import HISTORY_ACTIONS, kind_label
from tests.attachments_helpers import attach
from victims.views.cases import timeline

PHOTO_TITLE = "本人照片标记"
REASON = "撤回原因标记"


@pytest.fixture
def filed(two_centres, referred, cast):
    """Both centres' legal aid documents (Erin's withdrawn) and a photo of the person by Alice."""
    referred.refresh_from_db()
    photo = attach(referred, section=Section.PERSON, kind=Kind.PHOTO, title=PHOTO_TITLE, data=None)
    erin_s = two_centres["erin"]
    attachment_withdraw(actor=cast.erin, attachment=erin_s, expected_version=erin_s.version, reason=REASON)
    return {**two_centres, "photo": photo}


def attachment_entries(client, case) -> list[dict]:
    response = client.get(reverse("case-history", kwargs={"id": case.uuid}), {"page_size": 500})
    assert response.status_code == 200
    body = response.json()
    text = json.dumps(body, ensure_ascii=False)
    assert PHOTO_TITLE not in text and REASON not in text and "的委托书" not in text
    return [entry for entry in body["results"] if entry["kind"] == "attachment"]


@pytest.mark.django_db
def test_the_history_lists_the_changes_of_the_attachments_the_reader_sees(api_client_for, filed, referred, cast):
    seen = {(entry["record"], entry["action"]) for entry in attachment_entries(api_client_for(cast.alice), referred)}
    everyone = {str(filed[name].uuid) for name in ("erin", "lena", "photo")}
    assert {record for record, _ in seen} == everyone
    assert (str(filed["erin"].uuid), "changed") in seen  # the withdrawal

    erin = attachment_entries(api_client_for(cast.erin), referred)
    assert {entry["record"] for entry in erin} == {str(filed["erin"].uuid)}  # not Lena's, not the photo
    uploaded = next(entry for entry in erin if entry["action"] == "created")
    assert uploaded["sections"] == ["legal_aid"]
    assert uploaded["changes"]["kind"] == Kind.OTHER and uploaded["changes"]["size"] == filed["erin"].size
    assert set(uploaded["changes"]) <= {"section", "kind", "media_type", "size", "page_count", "withdrawn_at"}
    withdrawn = next(entry for entry in erin if entry["action"] == "changed")
    assert set(withdrawn["changes"]) == {"withdrawn_at"}


@pytest.mark.django_db
def test_the_timeline_shows_uploads_and_withdrawals_of_what_the_reader_sees(filed, referred, cast):
    def attachment_events(user) -> list[tuple[str, str]]:
        titles = {str(HISTORY_ACTIONS[action]) % {"kind": kind_label(Attachment)}: action for action in HISTORY_ACTIONS}
        events = timeline(user, referred)
        text = json.dumps(events, ensure_ascii=False, default=str)
        assert PHOTO_TITLE not in text and REASON not in text and "的委托书" not in text
        return sorted((titles[event["title"]], event["sections"]) for event in events if event["title"] in titles)

    legal_aid, person = str(Section.LEGAL_AID.label), str(Section.PERSON.label)
    assert attachment_events(cast.erin) == [("changed", legal_aid), ("created", legal_aid)]
    assert attachment_events(cast.alice) == sorted(
        [("changed", legal_aid), ("created", legal_aid), ("created", legal_aid), ("created", person)]
    )
