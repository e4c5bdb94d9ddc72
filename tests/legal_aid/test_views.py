"""The legal aid pages: the case file's tab, a matter's page and its forms, the worklist and the
dashboard panel — what each role sees and may do, and what a form does with bad input."""

import datetime
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import translation

from legal_aid import operations
from legal_aid.choices import MatterStatus
from legal_aid.models import LegalAidActivity, LegalAidMatter
from registry.models import AuditAction, AuditEvent
from tests.legal_aid.conftest import TODAY, accept, add_activity, referral_of
from victims import operations as case_operations

pytestmark = pytest.mark.django_db
TOMORROW = TODAY + datetime.timedelta(days=1)


@pytest.fixture
def as_user(client, cast, lawyers):
    def sign_in(name):
        client.force_login(getattr(cast, name, None) or getattr(lawyers, name))
        return client

    return sign_in


def page(response) -> str:
    return response.content.decode()


def main_of(response) -> str:
    match = re.search(r"<main\b[^>]*>(.*)</main>", page(response), re.DOTALL)
    assert match, "page has no <main>"
    return match.group(1)


def text_of(fragment: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


def field_error(response, name: str) -> str:
    match = re.search(rf'<div class="field field--error[^"]*" id="field-{name}">(.*?)</div>', page(response), re.DOTALL)
    assert match, f"no error on {name}"
    return text_of(re.search(r'<p class="field__error"[^>]*>(.*?)</p>', match.group(1), re.DOTALL).group(1))


def tab_url(case):
    return reverse("victims:case", args=[case.uuid]) + "?tab=legal_aid"


def matter_url(matter, name="matter", *extra):
    return reverse(f"legal_aid:{name}", args=[matter.case.uuid, matter.uuid, *extra])


def step_url(matter, step):
    return matter_url(matter, "matter-step", step)


# --- the case file's tab ----------------------------------------------------------------------


def test_the_tab_lists_the_matters_and_offers_erin_to_open_one(as_user, in_progress, referred, cast):
    add_activity(in_progress, cast.erin)

    body = main_of(as_user("erin").get(tab_url(referred)))

    assert 'id="open-matter"' in body
    row = text_of(re.search(rf'<tr id="matter-{in_progress.uuid}">(.*?)</tr>', body, re.DOTALL).group(1))
    with translation.override("zh-hans"):
        assert str(MatterStatus.IN_PROGRESS.label) in row
    assert "erin" in row  # the lawyer, by name (the cast's accounts have only usernames)
    assert (TODAY + datetime.timedelta(days=5)).isoformat() in row
    assert matter_url(in_progress) in body


def test_readers_see_the_matters_without_the_button_and_others_have_no_tab(as_user, in_progress, referred):
    for member in ("alice", "dave"):
        body = main_of(as_user(member).get(tab_url(referred)))
        assert f'id="matter-{in_progress.uuid}"' in body and 'id="open-matter"' not in body
    assert 'id="tab-link-legal_aid"' in page(as_user("alice").get(tab_url(referred)))
    assert 'id="tab-link-legal_aid"' not in page(as_user("frank").get(tab_url(referred)))


def test_a_pending_referral_shows_why_nothing_can_be_recorded_yet(as_user, register, refer_legal_aid, places):
    case = register(seed=71)
    refer_legal_aid(case, places.fz_legal_aid)

    body = main_of(as_user("erin").get(tab_url(case)))

    assert 'id="open-matter"' not in body and 'id="legal-aid-read-only"' in body
    assert as_user("erin").get(reverse("legal_aid:matter-open", args=[case.uuid])).status_code == 403


# --- opening a matter -------------------------------------------------------------------------


def test_a_matter_is_opened_from_the_form(as_user, referred):
    client = as_user("erin")
    url = reverse("legal_aid:matter-open", args=[referred.uuid])
    form = page(client.get(url))
    assert 'name="matter_type"' in form and f'data-latest="{TODAY.isoformat()}"' in form

    response = client.post(url, {"matter_type": "labour_dispute", "applied_on": TODAY.isoformat(), "summary": "欠薪"})

    matter = LegalAidMatter.objects.get()
    assert response.status_code == 302 and response["Location"] == matter_url(matter)
    assert (matter.matter_type, matter.summary, matter.status) == ("labour_dispute", "欠薪", "applied")


def test_the_open_form_keeps_the_input_and_shows_the_error_at_its_field(as_user, referred):
    response = as_user("erin").post(
        reverse("legal_aid:matter-open", args=[referred.uuid]),
        {"matter_type": "custody", "applied_on": TOMORROW.isoformat(), "summary": "抚养权纠纷（虚构）"},
    )
    assert response.status_code == 200
    assert field_error(response, "applied_on") == zh("This date is in the future.")
    assert "抚养权纠纷（虚构）" in page(response) and 'value="custody" selected' in page(response)
    assert not LegalAidMatter.objects.exists()


# --- a matter's page --------------------------------------------------------------------------


def test_the_matter_page_shows_the_matter_its_steps_and_its_log_and_records_the_read(as_user, matter, cast):
    add_activity(matter, cast.erin, notes="首次咨询（虚构）")

    response = as_user("erin").get(matter_url(matter))

    body = main_of(response)
    assert response.status_code == 200
    assert 'id="decide"' in body and 'id="start"' not in body and 'id="add-activity"' in body
    assert "首次咨询（虚构）" in body and "主张人身损害赔偿（虚构）" in body
    assert matter.case.victim.full_name in body
    event = AuditEvent.objects.filter(action=AuditAction.CASE_VIEWED).last()
    assert (event.case_uuid, event.sections) == (matter.case.uuid, ["person", "legal_aid"])


def test_readers_get_the_page_without_the_steps(as_user, matter):
    body = main_of(as_user("alice").get(matter_url(matter)))
    assert 'id="matter-actions"' not in body and "主张人身损害赔偿（虚构）" in body
    assert as_user("alice").get(step_url(matter, "decide")).status_code == 403


@pytest.mark.parametrize("member", ["lena", "bob", "carol", "grace"])
def test_another_centre_and_other_roles_get_404_on_every_page_of_the_matter(
    as_user, matter, refer_legal_aid, lawyers, cast, member
):
    refer_legal_aid(matter.case, lawyers.gulou_centre, lawyers.lena)  # Lena's centre sees the case, not the matter
    activity = add_activity(matter, cast.erin)
    client = as_user(member)
    urls = [
        matter_url(matter),
        matter_url(matter, "matter-edit"),
        step_url(matter, "decide"),
        matter_url(matter, "activity-add"),
        matter_url(matter, "activity-edit", activity.uuid),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            step_url(matter, "decide"),
            {"version": 1, "decision": "reject", "decided_on": TODAY, "decision_reason": "x"},
        ).status_code
        == 404
    )
    assert LegalAidMatter.objects.get().status == MatterStatus.APPLIED


def test_a_matter_is_reached_only_through_its_own_case(as_user, matter, register, refer_legal_aid, places, cast):
    other = register(seed=72)
    refer_legal_aid(other, places.fz_legal_aid, cast.erin)
    url = reverse("legal_aid:matter", args=[other.uuid, matter.uuid])
    assert as_user("erin").get(url).status_code == 404


# --- the steps --------------------------------------------------------------------------------


def test_the_steps_are_taken_through_their_forms(as_user, matter, lawyers, cast):
    client = as_user("erin")
    decided = client.post(
        step_url(matter, "decide"),
        {
            "version": 1,
            "decision": "accept",
            "decided_on": TODAY,
            "decision_reason": "符合条件",
            "lawyer": str(lawyers.eric.uuid),
        },
    )
    assert decided.status_code == 302 and decided["Location"] == matter_url(matter)
    form = page(client.get(step_url(matter, "start")))
    assert f'value="{lawyers.eric.uuid}" selected' in form and str(lawyers.lena.uuid) not in form
    assert "lena" not in form
    client.post(step_url(matter, "start"), {"version": 2, "started_on": TODAY, "lawyer": str(lawyers.eric.uuid)})
    concluded = client.post(
        step_url(matter, "conclude"),
        {
            "version": 3,
            "outcome": "settlement",
            "concluded_on": TODAY,
            "compensation_awarded": "6000",
            "compensation_received": "6000",
            "compensation_received_on": TODAY,
        },
    )
    assert concluded.status_code == 302
    stored = LegalAidMatter.objects.get()
    assert (stored.status, stored.lawyer, str(stored.compensation_received)) == ("concluded", lawyers.eric, "6000.00")
    body = main_of(client.get(matter_url(matter)))
    assert 'id="add-activity"' not in body and "6000.00" in body


def test_a_step_out_of_order_is_explained_above_the_form(as_user, matter, cast):
    accept(matter, cast.erin)
    with translation.override("zh-hans"):
        accepted, rejected = str(MatterStatus.ACCEPTED.label), str(MatterStatus.REJECTED.label)
    response = as_user("erin").post(
        step_url(matter, "decide"), {"version": 2, "decision": "reject", "decided_on": TODAY, "decision_reason": "x"}
    )
    errors = text_of(re.search(r'id="form-errors"[^>]*>(.*?)</div>', page(response), re.DOTALL).group(1))
    assert response.status_code == 200 and f"“{accepted}”" in errors and f"“{rejected}”" in errors
    assert LegalAidMatter.objects.get().status == MatterStatus.ACCEPTED


def test_a_stale_step_asks_to_reload_and_keeps_the_input(as_user, matter, cast):
    operations.matter_amend(actor=cast.erin, matter=matter, expected_version=1, changes={"summary": "他人修改"})
    response = as_user("erin").post(
        step_url(matter, "decide"),
        {"version": 1, "decision": "accept", "decided_on": TODAY, "decision_reason": "我的理由（虚构）"},
    )
    assert response.status_code == 200
    assert 'id="reload"' in page(response) and "我的理由（虚构）" in page(response)
    assert LegalAidMatter.objects.get().status == MatterStatus.APPLIED


def test_conclusion_errors_land_on_their_fields(as_user, in_progress):
    response = as_user("erin").post(
        step_url(in_progress, "conclude"),
        {
            "version": 3,
            "outcome": "judgment",
            "concluded_on": TODAY,
            "compensation_awarded": "100",
            "compensation_received": "150",
        },
    )
    assert field_error(response, "compensation_received") == zh(
        "The compensation received cannot exceed the compensation awarded."
    )
    assert 'value="150"' in page(response)
    missing = as_user("erin").post(step_url(in_progress, "conclude"), {"version": 3, "concluded_on": TODAY})
    assert "field-outcome" in page(missing) and 'class="field field--error' in page(missing)
    assert LegalAidMatter.objects.get().status == MatterStatus.IN_PROGRESS


def test_an_accepted_matter_is_offered_a_withdrawal_only(as_user, matter, cast):
    accept(matter, cast.erin)
    client = as_user("erin")
    assert 'id="conclude"' in main_of(client.get(matter_url(matter)))
    response = client.post(step_url(matter, "conclude"), {"version": 2, "outcome": "judgment", "concluded_on": TODAY})
    assert response.status_code == 200 and 'id="form-errors"' in page(response)
    assert (
        client.post(
            step_url(matter, "conclude"), {"version": 2, "outcome": "withdrawn", "concluded_on": TODAY}
        ).status_code
        == 302
    )
    assert LegalAidMatter.objects.get().outcome == "withdrawn"


def test_an_unknown_step_is_404(as_user, matter):
    assert as_user("erin").get(step_url(matter, "reopen")).status_code == 404


# --- editing and activities -------------------------------------------------------------------


def test_the_edit_form_offers_the_fields_of_the_present_step(as_user, in_progress):
    form = page(as_user("erin").get(matter_url(in_progress, "matter-edit")))
    for name in ("matter_type", "summary", "lawyer", "decided_on", "decision_reason", "started_on"):
        assert f'name="{name}"' in form
    assert 'name="outcome"' not in form and 'name="status"' not in form
    event = AuditEvent.objects.filter(action=AuditAction.CASE_VIEWED).last()
    assert event.sections == ["legal_aid"]


def test_editing_saves_only_what_changed_at_the_version_read(as_user, in_progress, cast):
    data = {
        "version": 3,
        "matter_type": in_progress.matter_type,
        "summary": "新的摘要",
        "applied_on": in_progress.applied_on,
        "lawyer": str(cast.erin.uuid),
        "decided_on": in_progress.decided_on,
        "decision_reason": in_progress.decision_reason,
        "started_on": in_progress.started_on,
    }
    assert as_user("erin").post(matter_url(in_progress, "matter-edit"), data).status_code == 302
    stored = LegalAidMatter.objects.get()
    assert (stored.summary, stored.version) == ("新的摘要", 4)
    assert stored.history.first().history_change_reason == "legal aid matter amended"
    stale = as_user("erin").post(matter_url(in_progress, "matter-edit"), {**data, "summary": "另一个"})
    assert 'id="reload"' in page(stale) and LegalAidMatter.objects.get().summary == "新的摘要"


def test_an_activity_is_recorded_and_corrected_through_its_forms(as_user, in_progress):
    client = as_user("erin")
    url = matter_url(in_progress, "activity-add")
    bad = client.post(
        url,
        {"kind": "mediation", "occurred_on": TODAY, "hours": "2", "notes": "调解（虚构）", "next_step_due": TOMORROW},
    )
    assert "field-next_step" in page(bad) and "调解（虚构）" in page(bad)
    assert (
        client.post(
            url,
            {
                "kind": "mediation",
                "occurred_on": TODAY,
                "hours": "2",
                "notes": "调解（虚构）",
                "next_step": "签订调解协议",
                "next_step_due": TOMORROW,
            },
        ).status_code
        == 302
    )
    activity = LegalAidActivity.objects.get()
    edit = matter_url(in_progress, "activity-edit", activity.uuid)
    assert "调解（虚构）" in page(client.get(edit))
    assert (
        client.post(
            edit,
            {
                "version": 1,
                "kind": "mediation",
                "occurred_on": TODAY,
                "hours": "3",
                "notes": "调解（虚构）",
                "next_step": "签订调解协议",
                "next_step_due": TOMORROW,
            },
        ).status_code
        == 302
    )
    activity.refresh_from_db()
    assert (str(activity.hours), activity.version) == ("3.00", 2)
    body = main_of(client.get(matter_url(in_progress)))
    assert "签订调解协议" in body and "3.00" in body


def test_after_the_referral_is_completed_the_pages_are_read_only(as_user, in_progress, referred, places, cast):
    case_operations.referral_respond(
        actor=cast.erin, referral=referral_of(referred, places.fz_legal_aid), decision="complete"
    )
    client = as_user("erin")
    body = main_of(client.get(matter_url(in_progress)))
    assert 'id="matter-actions"' not in body and 'id="read-only"' in body
    assert 'id="open-matter"' not in main_of(client.get(tab_url(referred)))
    for url in (
        step_url(in_progress, "conclude"),
        matter_url(in_progress, "matter-edit"),
        matter_url(in_progress, "activity-add"),
        reverse("legal_aid:matter-open", args=[referred.uuid]),
    ):
        assert client.get(url).status_code == 403, url


# --- the worklist -----------------------------------------------------------------------------


def test_the_dashboard_shows_the_centres_worklist_by_deadline(as_user, in_progress, matter, cast, lawyers):
    add_activity(
        in_progress,
        cast.erin,
        next_step="提交证据",
        next_step_due=TODAY - datetime.timedelta(days=1),
        occurred_on=TODAY - datetime.timedelta(days=2),
    )

    body = main_of(as_user("erin").get(reverse("dashboard")))

    panel = body.split('id="legal-aid-worklist"')[1]
    assert re.search(r'id="worklist-count">\s*1\s*<', panel)
    assert "提交证据" in panel and "badge--warn" in panel  # overdue
    assert in_progress.case.number in panel and in_progress.case.victim.full_name in panel
    lena_body = main_of(as_user("lena").get(reverse("dashboard")))
    assert in_progress.case.number not in lena_body


def test_the_worklist_page_lists_and_is_audited(as_user, in_progress, cast):
    response = as_user("erin").get(reverse("legal_aid:worklist"))
    assert response.status_code == 200 and matter_url(in_progress) in page(response)
    event = AuditEvent.objects.filter(action=AuditAction.CASE_LISTED).last()
    assert event.sections == ["person", "legal_aid"] and event.detail["view"] == "legal_aid_worklist"
    assert as_user("bob").get(reverse("legal_aid:worklist")).status_code == 403


# --- the pages as a whole ---------------------------------------------------------------------


def test_legal_aid_pages_carry_no_inline_script_or_style_and_every_form_has_csrf(as_user, in_progress, cast):
    activity = add_activity(in_progress, cast.erin)
    client = as_user("erin")
    urls = [
        tab_url(in_progress.case),
        reverse("dashboard"),
        reverse("legal_aid:worklist"),
        matter_url(in_progress),
        matter_url(in_progress, "matter-edit"),
        step_url(in_progress, "conclude"),
        matter_url(in_progress, "activity-add"),
        matter_url(in_progress, "activity-edit", activity.uuid),
        reverse("legal_aid:matter-open", args=[in_progress.case.uuid]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = page(response)
        assert not re.search(r"<script(?![^>]*\bsrc=\"/static/)", body), url  # static files only
        assert " style=" not in body and "<style" not in body, url
        for form in re.findall(r'<form[^>]*method="post"[^>]*>(.*?)</form>', body, re.DOTALL):
            assert 'name="csrfmiddlewaretoken"' in form, url
