"""The case notes' pages: the notes tab (newest first, by kind, a correction with the note it
corrects struck through under it, a conference's organizations and decisions with their goals),
the forms (a note, a conference, a correction) and the quick entry under the case header — each
write offered to, and taken from, the roles that write notes only (the receiving departments
read them: 403 on every write page, no link, no quick entry).

The pages are served in Chinese: a message is compared with its translation (``zh``)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from care.choices import NoteKind
from care.models import CaseNote, Goal
from care.notes import operations
from exports.dossier import content as dossier
from registry import casefile, policy
from registry.policy import Section
from tests.care.test_notes_operations import (
    OPENERS,
    TEXT,
    conference_body,
    days,
    goal_of,
    note_body,
    without_reading,
    write_plan,
)
from tests.care.test_plan_views import zh
from tests.victims.conftest import TODAY
from tests.victims.test_api_matrix import referred_case
from victims import operations as case_operations
from victims.models import Referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(places, cast):
    return referred_case(places, cast, seed=61)


@pytest.fixture
def pages(cast):
    def signed_in(member=None):
        client = Client()
        client.force_login(member or cast.alice)
        return client

    return signed_in


def tab_url(case, tab="notes") -> str:
    return reverse("victims:case", args=[case.uuid]) + f"?tab={tab}"


def positions(html: str, *needles: str) -> list[int]:
    return [html.index(needle) for needle in needles]


def test_the_tab_lists_notes_newest_first_and_filters_by_kind(case, cast, pages):
    old = operations.note_create(actor=cast.alice, case=case, data=note_body(occurred_on=TODAY - days(5)))
    visit = operations.note_create(
        actor=cast.alice, case=case, data=note_body(kind=NoteKind.HOME_VISIT, occurred_on=TODAY - days(1))
    )
    html = pages().get(tab_url(case)).content.decode()
    first, second = positions(html, f'id="note-{visit.uuid}"', f'id="note-{old.uuid}"')
    assert first < second
    filtered = pages().get(tab_url(case) + "&kind=phone").content.decode()
    assert f'id="note-{old.uuid}"' in filtered and f'id="note-{visit.uuid}"' not in filtered
    assert 'id="add-note"' in html and 'id="add-conference"' in html


def test_a_correction_shows_the_corrected_note_struck_through_under_it(case, cast, pages):
    note = operations.note_create(actor=cast.alice, case=case, data=note_body())
    correction = operations.note_correct(actor=cast.alice, note=note, data={"text": "更正：应为家访（虚构）"})
    html = pages().get(tab_url(case)).content.decode()
    card = html[html.index(f'id="note-{correction.uuid}"') :]
    assert card.index("更正：应为家访（虚构）") < card.index(f'id="note-{note.uuid}"')
    assert re.search(r"<del>\s*" + re.escape(TEXT), card)
    # Only the latest of a chain may be corrected.
    assert f'id="correct-{correction.uuid}"' in html and f'id="correct-{note.uuid}"' not in html


def test_a_conference_shows_the_organizations_present_and_links_the_goals_its_decisions_made(case, cast, places, pages):
    write_plan(case, cast.alice)
    note = operations.note_create(
        actor=cast.alice,
        case=case,
        data=conference_body(places, decisions=[{"text": "安排心理辅导（虚构）", "goal": goal_of(places)}]),
    )
    html = pages().get(tab_url(case)).content.decode()
    for organization in (places.fz_shelter, places.fz_civil_affairs, places.fz_legal_aid):
        assert organization.name in html
    goal = Goal.objects.get()
    assert f'href="{tab_url(case, "care_plan")}#record-{goal.uuid}"' in html
    assert f'id="decision-{note.decisions.get().uuid}"' in html


def test_the_note_form_adds_a_note_and_comes_back_to_the_tab(case, cast, places, pages):
    url = reverse("care:note-add", args=[case.uuid])
    assert pages().get(url).status_code == 200
    answer = pages().post(
        url,
        {
            "kind": "counselling",
            "occurred_on": TODAY.isoformat(),
            "duration_minutes": "60",
            "participants": ["person", "psychologist"],
            "organizations": [str(places.fz_shelter.uuid)],
            "concerns": "health",
            "text": "心理辅导（虚构）",
        },
    )
    assert answer.status_code == 302 and answer["Location"] == tab_url(case)
    note = CaseNote.objects.get()
    assert (note.kind, note.concerns, note.duration_minutes) == ("counselling", "health", 60)


@pytest.mark.parametrize("member", OPENERS)
def test_the_note_form_offers_only_the_sections_the_writer_reads(case, cast, pages, member):
    """Computed from the policy: a writer of notes is offered every section they read but the
    excluded ones; a role that only reads notes gets no form (403)."""
    user = getattr(cast, member)
    answer = pages(user).get(reverse("care:note-add", args=[case.uuid]))
    if not policy.may_write(user, Section.NOTES):
        assert answer.status_code == 403
        return
    html = answer.content.decode()
    options = set(re.findall(r'<option value="([a-z_]+)"', html[html.index('name="concerns"') :].split("</select>")[0]))
    read = {section.value for section in Section if policy.may_read(user, section)} - operations.NOT_CONCERNED
    assert options == read == {section.value for section in operations.concernable_sections(user)}


def test_the_note_form_leaves_out_a_section_the_writer_does_not_read(case, cast, pages, monkeypatch):
    without_reading(monkeypatch, cast.dave, Section.HEALTH)
    html = pages(cast.dave).get(reverse("care:note-add", args=[case.uuid])).content.decode()
    options = set(re.findall(r'<option value="([a-z_]+)"', html[html.index('name="concerns"') :].split("</select>")[0]))
    assert "health" not in options and "person" in options


@pytest.mark.parametrize("member", OPENERS)
def test_a_role_that_only_reads_notes_is_refused_every_write_page(case, cast, places, pages, member):
    """Computed from the policy: the forms to add a note, record a conference and correct a note
    (one the member reads) and the quick entry answer 403 to a role that may not write notes,
    to a GET as to a POST, and nothing is written; a writer of notes gets the forms."""
    user = getattr(cast, member)
    note = operations.note_create(actor=cast.alice, case=case, data=note_body())
    client = pages(user)
    body = {"kind": "phone", "occurred_on": TODAY.isoformat(), "concerns": "person", "text": "记录（虚构）"}
    forms = (
        reverse("care:note-add", args=[case.uuid]),
        reverse("care:note-conference", args=[case.uuid]),
        reverse("care:note-correct", args=[case.uuid, note.uuid]),
    )
    if policy.may_write(user, Section.NOTES):
        assert [client.get(url).status_code for url in forms] == [200, 200, 200]
        return
    assert [client.get(url).status_code for url in forms] == [403, 403, 403]
    assert [client.post(url, body).status_code for url in forms] == [403, 403, 403]
    quick = {"quick-kind": "phone", "quick-occurred_on": TODAY.isoformat(), "quick-text": "记录", "quick-tab": "notes"}
    assert client.post(reverse("care:note-quick", args=[case.uuid]), quick).status_code == 403
    assert list(CaseNote.objects.all()) == [note]


def test_a_refused_note_keeps_what_was_typed(case, pages):
    url = reverse("care:note-add", args=[case.uuid])
    answer = pages().post(url, {"kind": "phone", "occurred_on": (TODAY + days(3)).isoformat(), "text": "未来的记录"})
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "未来的记录" in html and 'id="field-occurred_on"' in html and "field--error" in html
    assert not CaseNote.objects.exists()


def test_the_conference_form_records_decisions_and_a_goal(case, cast, places, pages):
    write_plan(case, cast.alice)
    url = reverse("care:note-conference", args=[case.uuid])
    data = {
        "kind": "conference",
        "occurred_on": TODAY.isoformat(),
        "organizations": [str(places.fz_shelter.uuid), str(places.fz_education.uuid)],
        "concerns": "person",
        "text": "个案会商（虚构）",
        "form-TOTAL_FORMS": "3",
        "form-INITIAL_FORMS": "0",
        "form-0-text": "入学评估（虚构）",
        "form-0-goal_domain": "education",
        "form-0-goal_description": "九月入学（虚构）",
        "form-0-goal_owner": str(places.fz_education.uuid),
        "form-0-goal_target_on": (TODAY + days(60)).isoformat(),
        "form-1-text": "继续心理辅导（虚构）",
    }
    answer = pages().post(url, data)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    note = CaseNote.objects.get()
    assert [d.text for d in note.decisions.order_by("id")] == ["入学评估（虚构）", "继续心理辅导（虚构）"]
    assert Goal.objects.get().owner == places.fz_education


def test_a_goal_half_given_is_refused_on_its_row(case, cast, places, pages):
    write_plan(case, cast.alice)
    url = reverse("care:note-conference", args=[case.uuid])
    data = {
        "kind": "conference",
        "occurred_on": TODAY.isoformat(),
        "organizations": [str(places.fz_shelter.uuid)],
        "concerns": "person",
        "text": "个案会商（虚构）",
        "form-TOTAL_FORMS": "3",
        "form-INITIAL_FORMS": "0",
        "form-0-text": "入学评估（虚构）",
        "form-0-goal_domain": "education",
    }
    answer = pages().post(url, data)
    assert answer.status_code == 200 and "field--error" in answer.content.decode()
    assert not CaseNote.objects.exists()


def test_the_correction_form_starts_from_the_note_and_saves_a_new_one(case, cast, pages):
    note = operations.note_create(actor=cast.alice, case=case, data=note_body())
    url = reverse("care:note-correct", args=[case.uuid, note.uuid])
    assert TEXT in pages().get(url).content.decode()
    answer = pages().post(
        url,
        {"kind": "phone", "occurred_on": note.occurred_on.isoformat(), "concerns": "person", "text": "更正（虚构）"},
    )
    assert answer.status_code == 302
    assert CaseNote.objects.get(corrects=note).text == "更正（虚构）"
    again = pages().post(url, {"kind": "phone", "occurred_on": TODAY.isoformat(), "concerns": "person", "text": "x"})
    refusal = zh("This note is corrected already: correct its latest correction instead.")
    assert again.status_code == 200 and refusal in again.content.decode()


def test_a_note_of_a_section_the_user_does_not_read_cannot_be_opened_for_correction(case, cast, pages, monkeypatch):
    """Out of the user's reach, the note is absent (404) before any question of writing: for a
    role that only reads notes, as for a writer who does not read its section."""
    note = operations.note_create(actor=cast.alice, case=case, data=note_body(concerns="health"))
    url = reverse("care:note-correct", args=[case.uuid, note.uuid])
    assert not policy.may_read(cast.bob, Section.HEALTH)
    assert pages(cast.bob).get(url).status_code == 404
    without_reading(monkeypatch, cast.dave, Section.HEALTH)
    assert pages(cast.dave).get(url).status_code == 404


# --- the quick entry ---------------------------------------------------------------------------------


@pytest.mark.parametrize("tab", ["person", "health", "timeline", "notes"])
def test_the_case_header_offers_the_quick_entry_on_every_tab(case, pages, tab):
    html = pages().get(tab_url(case, tab)).content.decode()
    form = html[html.index('id="quick-note-form"') :].split("</form>")[0]
    names = set(re.findall(r'name="quick-([a-z_]+)"', form))
    assert names == {"kind", "occurred_on", "text", "tab"}
    assert f'value="{TODAY.isoformat()}"' in form and f'name="quick-tab" value="{tab}"' in form


def test_the_quick_entry_saves_and_comes_back_to_the_same_tab(case, cast, pages):
    client = pages()
    url = reverse("care:note-quick", args=[case.uuid])
    answer = client.post(
        url,
        {"quick-kind": "phone", "quick-occurred_on": TODAY.isoformat(), "quick-text": "快速记录（虚构）",
         "quick-tab": "health"},
        follow=True,
    )  # fmt: skip
    assert answer.redirect_chain == [(tab_url(case, "health"), 302)]
    assert zh("The note is saved.") in answer.content.decode()
    note = CaseNote.objects.get()
    assert (note.kind, note.concerns, note.text, note.created_by) == ("phone", "person", "快速记录（虚构）", cast.alice)


@pytest.mark.parametrize("tab", ["health", "no-such-tab"])
def test_the_quick_entry_never_sends_back_to_a_tab_the_user_does_not_see(case, cast, pages, monkeypatch, tab):
    without_reading(monkeypatch, cast.dave, Section.HEALTH)
    url = reverse("care:note-quick", args=[case.uuid])
    data = {"quick-kind": "phone", "quick-occurred_on": TODAY.isoformat(), "quick-text": "记录", "quick-tab": tab}
    answer = pages(cast.dave).post(url, data)
    assert answer.status_code == 302 and answer["Location"] == reverse("victims:case", args=[case.uuid])
    assert CaseNote.objects.get().created_by == cast.dave


@pytest.mark.parametrize("member", OPENERS)
def test_the_quick_entry_is_offered_to_the_writers_of_notes_only(case, cast, pages, member):
    """Computed from the policy, on every tab the member sees (and the timeline)."""
    user = getattr(cast, member)
    tabs = [section.value for section in casefile.shown_sections(user)] + ["timeline"]
    client = pages(user)
    for tab in tabs:
        html = client.get(tab_url(case, tab)).content.decode()
        assert ('id="quick-note-form"' in html) is policy.may_write(user, Section.NOTES), (member, tab)


def test_a_refused_quick_entry_shows_its_fields_again_with_what_was_typed(case, pages):
    url = reverse("care:note-quick", args=[case.uuid])
    data = {"quick-kind": "phone", "quick-occurred_on": (TODAY + days(1)).isoformat(), "quick-text": "明天的记录",
            "quick-tab": "health"}  # fmt: skip
    answer = pages().post(url, data)
    html = answer.content.decode()
    assert answer.status_code == 200 and "明天的记录" in html and "field--error" in html
    assert f'href="{tab_url(case, "health")}"' in html  # Cancel goes back to the tab
    assert not CaseNote.objects.exists()


def test_the_quick_entry_is_refused_out_of_scope(case, cast, pages):
    url = reverse("care:note-quick", args=[case.uuid])
    data = {"quick-kind": "phone", "quick-occurred_on": TODAY.isoformat(), "quick-text": "记录"}
    assert pages(cast.carol).post(url, data).status_code == 404
    assert pages().get(url).status_code == 405
    assert not CaseNote.objects.exists()


def test_the_pages_carry_no_inline_script_or_style(case, cast, places, pages):
    operations.note_create(actor=cast.alice, case=case, data=conference_body(places))
    for url in (
        tab_url(case),
        reverse("care:note-add", args=[case.uuid]),
        reverse("care:note-conference", args=[case.uuid]),
    ):
        html = pages().get(url).content.decode()
        assert "<script>" not in html and " style=" not in html and "<style" not in html, url


def test_a_header_part_is_declared_while_the_apps_load_only():
    with pytest.raises(RuntimeError):
        casefile.register_header_part("care.notes.views.quick_entry")


def test_the_dossier_names_the_organizations_present_and_the_roles_that_took_part(case, cast, places):
    operations.note_create(actor=cast.alice, case=case, data=conference_body(places))
    content = dossier.build(cast.dave, case, language="en")
    printed = str(next(part for part in content.parts if part["key"] == "notes")["blocks"])
    for name in (places.fz_shelter.name, places.fz_civil_affairs.name, places.fz_legal_aid.name):
        assert name in printed
    assert "Government official" in printed and "Lawyer or legal aid worker" in printed
    assert str(places.fz_shelter.uuid) not in printed


@pytest.mark.parametrize("member", OPENERS)
def test_the_notes_tab_offers_writing_to_the_writers_of_notes_only(case, cast, pages, member):
    """Computed from the policy: the tab shows every member the note about the person; the links
    to add a note, record a conference and correct the note, the quick entry and the upload of a
    document under the notes are there for who writes notes, and for no one else."""
    user = getattr(cast, member)
    note = operations.note_create(actor=cast.alice, case=case, data=note_body())
    answer = pages(user).get(tab_url(case))
    assert answer.status_code == 200
    html = answer.content.decode()
    assert f'id="note-{note.uuid}"' in html and TEXT in html
    writes = policy.may_write(user, Section.NOTES)
    for offer in ('id="add-note"', 'id="add-conference"', f'id="correct-{note.uuid}"', 'id="quick-note-form"'):
        assert (offer in html) is writes, (member, offer)
    assert ('id="attachment-upload"' in html) is writes, member


@pytest.mark.parametrize("status", ["accepted", "completed"])
def test_the_notes_tab_opens_for_a_receiving_department_whatever_its_referral(case, cast, pages, status):
    """Receiving departments read notes and write none (the policy's row): whether their
    referral of the case is accepted or completed, the tab shows them the notes of their
    section and offers no write — no link, no quick entry, no upload of a document under the
    notes (``attachments`` asks ``victims.operations.require_referred_write``, which refuses a
    role that may not write the section before looking at referrals) — and never fails."""
    assert policy.may_read(cast.bob, Section.NOTES) and not policy.may_write(cast.bob, Section.NOTES)
    referral = Referral.objects.get(case=case, to_organization=cast.bob.organization)
    if status == "completed":
        case_operations.referral_respond(actor=cast.bob, referral=referral, decision="complete")
    note = operations.note_create(actor=cast.alice, case=case, data=note_body(concerns="schooling"))
    answer = pages(cast.bob).get(tab_url(case))
    assert answer.status_code == 200
    html = answer.content.decode()
    assert f'id="note-{note.uuid}"' in html
    assert 'enctype="multipart/form-data"' not in html
    assert 'id="add-note"' not in html and f'id="correct-{note.uuid}"' not in html
