"""The legal aid record's operations: status order, who may write (through an accepted
referral, one centre's matters only), the lawyer, amounts and dates, activities, history, audit."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from legal_aid import operations, selectors
from legal_aid.choices import MatterStatus, MatterType, Outcome
from legal_aid.models import LegalAidActivity, LegalAidMatter
from registry import casefile
from registry.errors import Conflict, NotFound, PermissionDenied, RuleViolation, StaleVersion
from registry.models import AuditAction, AuditEvent
from tests.helpers import assert_history_holds_only_ciphertext
from tests.legal_aid.conftest import (
    LAST_WEEK,
    TODAY,
    YESTERDAY,
    accept,
    add_activity,
    conclude,
    open_matter,
    referral_of,
    start,
)
from victims import operations as case_operations
from victims.choices import ConsentGiver, Service

pytestmark = pytest.mark.django_db
TOMORROW = TODAY + datetime.timedelta(days=1)


def reloaded(matter) -> LegalAidMatter:
    return LegalAidMatter.objects.get(pk=matter.pk)


# --- opening and the steps --------------------------------------------------------------------


def test_a_centre_opens_a_matter_from_its_accepted_referral(referred, cast, places):
    matter = open_matter(referred, cast.erin)

    assert (matter.status, matter.centre, matter.opened_by, matter.version) == (
        MatterStatus.APPLIED,
        places.fz_legal_aid,
        cast.erin,
        1,
    )
    assert matter.referral == referral_of(referred, places.fz_legal_aid)
    history = matter.history.get()
    assert (history.history_user, history.history_change_reason) == (cast.erin, "legal aid matter opened")
    event = AuditEvent.objects.filter(case_uuid=referred.uuid).last()
    assert (event.action, event.sections, event.actor_username) == (AuditAction.RECORD_CREATED, ["legal_aid"], "erin")
    assert event.detail == {"model": "legalaidmatter", "record": str(matter.uuid), "status": "applied"}


def test_a_matter_goes_through_its_steps_in_order(matter, cast, lawyers):
    matter = accept(matter, cast.erin, lawyer=lawyers.eric)
    assert (matter.status, matter.lawyer, matter.version) == (MatterStatus.ACCEPTED, lawyers.eric, 2)
    matter = start(matter, cast.erin, lawyer=lawyers.eric)
    assert (matter.status, matter.started_on, matter.version) == (MatterStatus.IN_PROGRESS, YESTERDAY, 3)
    matter = conclude(matter, cast.erin)
    stored = reloaded(matter)
    assert (stored.status, stored.outcome, stored.version) == (MatterStatus.CONCLUDED, Outcome.JUDGMENT, 4)
    assert (stored.compensation_awarded, stored.compensation_received) == (Decimal("20000.00"), Decimal("5000.00"))
    statuses = [event.detail.get("status") for event in AuditEvent.objects.filter(action=AuditAction.RECORD_UPDATED)]
    assert statuses == ["accepted", "in_progress", "concluded"]
    assert [row.history_change_reason for row in stored.history.order_by("history_id")] == [
        "legal aid matter opened",
        "legal aid matter accepted",
        "legal aid matter started",
        "legal aid matter concluded",
    ]


def test_a_rejection_needs_its_reason_and_is_final(matter, cast):
    rejected = operations.matter_decide(
        actor=cast.erin,
        matter=matter,
        expected_version=1,
        decision="reject",
        decided_on=TODAY,
        decision_reason="不符合法律援助条件（虚构）",
    )
    assert rejected.status == MatterStatus.REJECTED
    with pytest.raises(Conflict) as refused:
        start(rejected, cast.erin)
    assert refused.value.code == "invalid_status_transition"


def _steps(cast):
    return {
        "decide": lambda matter: accept(matter, cast.erin),
        "start": lambda matter: start(matter, cast.erin),
        "conclude": lambda matter: conclude(matter, cast.erin),
    }


@pytest.mark.parametrize(
    ("done", "step", "status", "to"),
    [
        ((), "start", MatterStatus.APPLIED, MatterStatus.IN_PROGRESS),
        ((), "conclude", MatterStatus.APPLIED, MatterStatus.CONCLUDED),
        (("decide",), "decide", MatterStatus.ACCEPTED, MatterStatus.ACCEPTED),
        (("decide", "start"), "start", MatterStatus.IN_PROGRESS, MatterStatus.IN_PROGRESS),
        (("decide", "start"), "decide", MatterStatus.IN_PROGRESS, MatterStatus.ACCEPTED),
        (("decide", "start", "conclude"), "conclude", MatterStatus.CONCLUDED, MatterStatus.CONCLUDED),
        (("decide", "start", "conclude"), "start", MatterStatus.CONCLUDED, MatterStatus.IN_PROGRESS),
    ],
)
def test_a_step_out_of_order_is_refused_naming_both_statuses(matter, cast, done, step, status, to):
    steps = _steps(cast)
    for earlier in done:
        matter = steps[earlier](matter)
    before = reloaded(matter)

    with pytest.raises(Conflict) as refused:
        steps[step](matter)

    assert refused.value.code == "invalid_status_transition" and refused.value.status == 409
    assert str(status.label) in refused.value.message and str(to.label) in refused.value.message
    after = reloaded(matter)
    assert (after.status, after.version) == (before.status, before.version)


def test_the_refusal_speaks_the_users_language(matter, cast):
    with translation.override("zh-hans"), pytest.raises(Conflict) as refused:
        start(matter, cast.erin)
    with translation.override("zh-hans"):
        assert str(MatterStatus.APPLIED.label) in refused.value.message


def test_an_accepted_matter_is_concluded_before_it_starts_only_as_withdrawn(matter, cast):
    matter = accept(matter, cast.erin)
    with pytest.raises(Conflict) as refused:
        conclude(matter, cast.erin)
    assert refused.value.code == "invalid_status_transition"
    assert reloaded(matter).status == MatterStatus.ACCEPTED

    withdrawn = conclude(
        matter,
        cast.erin,
        outcome=Outcome.WITHDRAWN,
        compensation_awarded=None,
        compensation_received=None,
        compensation_received_on=None,
    )
    assert (withdrawn.status, withdrawn.outcome, withdrawn.started_on) == (
        MatterStatus.CONCLUDED,
        Outcome.WITHDRAWN,
        None,
    )
    with pytest.raises(RuleViolation) as amended:
        operations.matter_amend(
            actor=cast.erin, matter=withdrawn, expected_version=withdrawn.version, changes={"outcome": Outcome.JUDGMENT}
        )
    assert amended.value.field == "outcome"


# --- what each step needs ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"decision_reason": "  "}, "decision_reason"),
        ({"decided_on": None}, "decided_on"),
        ({"decided_on": TOMORROW}, "decided_on"),
        ({"decided_on": LAST_WEEK - datetime.timedelta(days=1)}, "decided_on"),  # before the application
        ({"decision": "maybe"}, "decision"),
    ],
)
def test_an_eligibility_decision_needs_a_reason_and_a_true_date(matter, cast, changes, field):
    arguments = {"decision": "accept", "decided_on": TODAY, "decision_reason": "符合条件（虚构）", **changes}
    with pytest.raises(RuleViolation) as refused:
        operations.matter_decide(actor=cast.erin, matter=matter, expected_version=1, **arguments)
    assert refused.value.field == field
    assert reloaded(matter).status == MatterStatus.APPLIED


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"outcome": ""}, "outcome"),
        ({"outcome": "won"}, "outcome"),
        ({"concluded_on": None}, "concluded_on"),
        ({"concluded_on": TOMORROW}, "concluded_on"),
        ({"concluded_on": LAST_WEEK}, "concluded_on"),  # before the work started
        ({"compensation_awarded": Decimal("-1")}, "compensation_awarded"),
        ({"compensation_awarded": "1.005"}, "compensation_awarded"),
        ({"compensation_awarded": "lots"}, "compensation_awarded"),
        ({"compensation_awarded": "NaN"}, "compensation_awarded"),
        ({"compensation_received": Decimal("20000.01")}, "compensation_received"),
        ({"compensation_awarded": None}, "compensation_awarded"),  # received with nothing awarded
        ({"compensation_received": None}, "compensation_received"),  # a receipt date without an amount
        ({"compensation_received_on": TOMORROW}, "compensation_received_on"),
    ],
)
def test_concluding_needs_an_outcome_and_sound_amounts(in_progress, cast, changes, field):
    with pytest.raises(RuleViolation) as refused:
        conclude(in_progress, cast.erin, **changes)
    assert refused.value.field == field
    assert reloaded(in_progress).status == MatterStatus.IN_PROGRESS


def test_compensation_received_may_equal_the_award_and_be_recorded_later(in_progress, cast):
    matter = conclude(in_progress, cast.erin, compensation_received=None, compensation_received_on=None)
    matter = operations.matter_amend(
        actor=cast.erin,
        matter=matter,
        expected_version=matter.version,
        changes={"compensation_received": Decimal("20000.00"), "compensation_received_on": TODAY},
    )
    assert reloaded(matter).compensation_received == Decimal("20000.00")


@pytest.mark.parametrize("who", ["lena", "gone", "alice"])
def test_the_lawyer_is_an_active_legal_aid_worker_of_the_centre(matter, cast, lawyers, who):
    lawyer = getattr(lawyers, who, None) or getattr(cast, who)
    with pytest.raises(RuleViolation) as refused:
        accept(matter, cast.erin, lawyer=lawyer)
    assert refused.value.field == "lawyer"
    accepted = accept(matter, cast.erin)
    with pytest.raises(RuleViolation) as refused:
        start(accepted, cast.erin, lawyer=lawyer)
    assert refused.value.field == "lawyer"


def test_work_starts_only_with_an_assigned_lawyer(matter, cast, lawyers):
    matter = accept(matter, cast.erin)
    with pytest.raises(RuleViolation) as refused:
        operations.matter_start(actor=cast.erin, matter=matter, expected_version=matter.version, started_on=TODAY)
    assert refused.value.field == "lawyer"
    started = operations.matter_start(
        actor=cast.erin, matter=matter, expected_version=matter.version, started_on=TODAY, lawyer=lawyers.eric
    )
    assert started.lawyer == lawyers.eric
    with pytest.raises(RuleViolation) as refused:
        operations.matter_amend(
            actor=cast.erin, matter=started, expected_version=started.version, changes={"lawyer": None}
        )
    assert refused.value.field == "lawyer"


# --- who may write ----------------------------------------------------------------------------


@pytest.mark.parametrize("member", ["alice", "dave", "bob", "frank", "carol", "grace", "heidi"])
def test_only_legal_aid_workers_write_the_section(referred, cast, member):
    with pytest.raises(PermissionDenied):
        open_matter(referred, getattr(cast, member))
    assert not LegalAidMatter.objects.exists()


def test_a_centre_writes_only_once_it_has_accepted_the_referral(register, refer_legal_aid, cast, places):
    case = register(seed=62)
    referral = refer_legal_aid(case, places.fz_legal_aid)  # pending: Erin sees the case, to decide

    with pytest.raises(PermissionDenied) as refused:
        open_matter(case, cast.erin)
    assert refused.value.code == "referral_not_accepted"
    case_operations.referral_respond(actor=cast.erin, referral=referral, decision="accept")
    assert open_matter(case, cast.erin).status == MatterStatus.APPLIED


def test_once_the_referral_is_completed_the_matters_are_read_only(in_progress, referred, cast, places):
    add_activity(in_progress, cast.erin)
    referral = referral_of(referred, places.fz_legal_aid)
    case_operations.referral_respond(actor=cast.erin, referral=referral, decision="complete")

    attempts = {
        "open": lambda: open_matter(referred, cast.erin),
        "amend": lambda: operations.matter_amend(
            actor=cast.erin, matter=in_progress, expected_version=3, changes={"summary": "改"}
        ),
        "conclude": lambda: conclude(in_progress, cast.erin),
        "activity": lambda: add_activity(in_progress, cast.erin),
        "correct": lambda: operations.activity_amend(
            actor=cast.erin, activity=LegalAidActivity.objects.get(), expected_version=1, changes={"hours": 2}
        ),
    }
    for name, attempt in attempts.items():
        with pytest.raises(PermissionDenied) as refused:
            attempt()
        assert refused.value.code == "referral_completed", name
    assert reloaded(in_progress).version == 3
    assert [row["id"] for row in selectors.case_matters(cast.erin, referred)] == [str(in_progress.uuid)]


def test_a_revoked_referral_takes_the_case_and_its_matters_out_of_reach(matter, referred, cast, places):
    case_operations.referral_revoke(
        actor=cast.alice, referral=referral_of(referred, places.fz_legal_aid), comment="重复转介（虚构）"
    )
    with pytest.raises(NotFound):
        accept(matter, cast.erin)
    assert not LegalAidMatter.objects.visible_to(cast.erin).exists()


def test_the_matter_comes_from_the_centres_own_accepted_legal_aid_referral(
    referred, register, refer_legal_aid, cast, places, lawyers
):
    other_case = register(seed=63)
    elsewhere = refer_legal_aid(other_case, places.fz_legal_aid, cast.erin)  # Erin's, but another case
    to_lena = refer_legal_aid(referred, lawyers.gulou_centre, lawyers.lena)  # this case, another centre
    case_operations.record_add(
        actor=cast.alice,
        case=referred,
        model="consent",
        data={"service": Service.SCHOOLING, "given_by": ConsentGiver.PERSON, "given_on": TODAY},
    )
    schooling = case_operations.referral_create(
        actor=cast.alice, case=referred, service=Service.SCHOOLING, to_organization=places.fz_education
    )

    for referral in (elsewhere, to_lena, schooling):
        with pytest.raises(RuleViolation) as refused:
            open_matter(referred, cast.erin, referral=referral)
        assert refused.value.field == "referral"
    assert not LegalAidMatter.objects.exists()
    assert open_matter(referred, cast.erin, referral=referral_of(referred, places.fz_legal_aid)).centre == (
        places.fz_legal_aid
    )


# --- one centre never sees another's matters -------------------------------------------------


@pytest.fixture
def two_centres(referred, refer_legal_aid, cast, lawyers):
    """The referred case, referred to Lena's centre too (accepted); each centre opened a matter."""
    refer_legal_aid(referred, lawyers.gulou_centre, lawyers.lena)
    ours = add_activity(open_matter(referred, cast.erin), cast.erin).matter
    theirs = add_activity(open_matter(referred, lawyers.lena, matter_type=MatterType.MARRIAGE), lawyers.lena).matter
    return ours, theirs


def test_a_centre_never_sees_the_matters_of_another_centre_on_the_same_case(two_centres, referred, cast, lawyers):
    ours, theirs = two_centres
    lena = lawyers.lena

    assert [row["id"] for row in selectors.case_matters(lena, referred)] == [str(theirs.uuid)]
    assert casefile.case_sections(lena, referred, only=["legal_aid"])["legal_aid"] == selectors.case_matters(
        lena, referred
    )
    assert list(selectors.matters_for(lena)) == [theirs]
    assert not LegalAidActivity.objects.visible_to(lena).filter(matter=ours).exists()
    with pytest.raises(NotFound):
        selectors.matter_for(lena, ours.uuid)
    with pytest.raises(NotFound):
        selectors.activity_for(lena, ours.activities.get().uuid)
    for write in (
        lambda: accept(ours, lena),
        lambda: add_activity(ours, lena),
        lambda: operations.activity_amend(
            actor=lena, activity=ours.activities.get(), expected_version=1, changes={"hours": 3}
        ),
    ):
        with pytest.raises(NotFound):
            write()
    assert reloaded(ours).version == 1


def test_caseworkers_and_civil_affairs_read_every_centres_matters(two_centres, referred, cast):
    ours, theirs = two_centres
    for member in (cast.alice, cast.dave):
        assert {row["id"] for row in selectors.case_matters(member, referred)} == {str(ours.uuid), str(theirs.uuid)}
    for member in (cast.bob, cast.grace):  # their roles read no legal aid section
        with pytest.raises(NotFound):
            selectors.case_matters(member, referred)
    assert selectors.case_matters(cast.carol, referred) == []  # Xiamen: out of her scope


def test_the_case_history_shows_a_centre_its_own_matters_only(two_centres, referred, lawyers):
    ours, theirs = two_centres
    shown = {entry["record"] for entry in casefile.case_history(lawyers.lena, referred)}
    assert str(theirs.uuid) in shown
    assert str(ours.uuid) not in shown and str(ours.activities.get().uuid) not in shown


def test_history_rows_narrow_to_the_centre_as_the_records_do(two_centres, referred, cast, lawyers):
    ours, theirs = two_centres
    for model in (LegalAidMatter, LegalAidActivity):
        rows = model.history.filter(case_id=referred.pk)
        narrow = casefile.kind_of(model).narrow
        lena_sees = {row.uuid for row in narrow(lawyers.lena, rows)}
        alice_sees = {row.uuid for row in narrow(cast.alice, rows)}
        mine = {theirs.uuid} if model is LegalAidMatter else {theirs.activities.get().uuid}
        assert lena_sees == mine
        assert alice_sees == {row.uuid for row in rows} and len(alice_sees) == 2


# --- activities -------------------------------------------------------------------------------


def test_activities_are_recorded_on_open_matters_only(matter, cast):
    assert add_activity(matter, cast.erin).matter == matter  # applied: e.g. the first consultation
    rejected = operations.matter_decide(
        actor=cast.erin,
        matter=matter,
        expected_version=1,
        decision="reject",
        decided_on=TODAY,
        decision_reason="不符合条件（虚构）",
    )
    with pytest.raises(Conflict) as refused:
        add_activity(rejected, cast.erin)
    assert refused.value.code == "matter_closed"
    assert LegalAidActivity.objects.count() == 1
    corrected = operations.activity_amend(
        actor=cast.erin, activity=LegalAidActivity.objects.get(), expected_version=1, changes={"hours": Decimal("2.25")}
    )
    assert (corrected.hours, corrected.version) == (Decimal("2.25"), 2)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"hours": 0}, "hours"),
        ({"hours": Decimal("24.5")}, "hours"),
        ({"hours": "one"}, "hours"),
        ({"occurred_on": TOMORROW}, "occurred_on"),
        ({"occurred_on": None}, "occurred_on"),
        ({"next_step": "", "next_step_due": TOMORROW}, "next_step"),
        ({"next_step_due": YESTERDAY - datetime.timedelta(days=1)}, "next_step_due"),
        ({"kind": "lunch"}, "kind"),
    ],
)
def test_an_activity_needs_sound_hours_and_dates(matter, cast, changes, field):
    with pytest.raises(RuleViolation) as refused:
        add_activity(matter, cast.erin, **changes)
    assert refused.value.field == field
    assert not LegalAidActivity.objects.exists()


def test_an_activity_correction_names_only_its_own_fields_and_checks_the_version(matter, cast):
    activity = add_activity(matter, cast.erin)
    with pytest.raises(RuleViolation) as refused:
        operations.activity_amend(actor=cast.erin, activity=activity, expected_version=1, changes={"matter": None})
    assert refused.value.field == "matter"
    operations.activity_amend(actor=cast.erin, activity=activity, expected_version=1, changes={"notes": "补充"})
    with pytest.raises(StaleVersion):
        operations.activity_amend(actor=cast.erin, activity=activity, expected_version=1, changes={"notes": "再改"})
    assert LegalAidActivity.objects.get().notes == "补充"


# --- amending a matter ------------------------------------------------------------------------


def test_amending_checks_the_version_and_refuses_the_status_and_later_steps(matter, cast):
    amended = operations.matter_amend(
        actor=cast.erin,
        matter=matter,
        expected_version=1,
        changes={"summary": "补充说明", "matter_type": MatterType.LABOUR_DISPUTE},
    )
    assert (amended.version, amended.summary) == (2, "补充说明")
    assert AuditEvent.objects.last().detail["fields"] == ["matter_type", "summary"]
    with pytest.raises(StaleVersion):
        operations.matter_amend(actor=cast.erin, matter=matter, expected_version=1, changes={"summary": "x"})
    for changes, field in (
        ({"status": MatterStatus.CONCLUDED}, "status"),
        ({"outcome": Outcome.JUDGMENT}, "outcome"),  # recorded when concluding
        ({"decision_reason": "x"}, "decision_reason"),  # recorded at the decision
        ({"centre": None}, "centre"),
        ({"applied_on": TOMORROW}, "applied_on"),
    ):
        with pytest.raises(RuleViolation) as refused:
            operations.matter_amend(actor=cast.erin, matter=matter, expected_version=2, changes=changes)
        assert refused.value.field == field
    assert reloaded(matter).version == 2


def test_a_stale_step_changes_nothing(matter, cast):
    operations.matter_amend(actor=cast.erin, matter=matter, expected_version=1, changes={"summary": "改"})
    with pytest.raises(StaleVersion):
        operations.matter_decide(
            actor=cast.erin,
            matter=matter,
            expected_version=1,
            decision="accept",
            decided_on=TODAY,
            decision_reason="符合条件",
        )
    assert reloaded(matter).status == MatterStatus.APPLIED


# --- the worklist -----------------------------------------------------------------------------


def test_the_worklist_orders_open_matters_by_the_deadline_their_latest_activity_left(
    referred, register, refer_legal_aid, cast, places
):
    later_case = register(seed=64)
    refer_legal_aid(later_case, places.fz_legal_aid, cast.erin)
    soon, later, undated, done = (
        open_matter(referred, cast.erin),
        open_matter(later_case, cast.erin),
        open_matter(referred, cast.erin),
        open_matter(referred, cast.erin),
    )
    # An earlier activity's step (due very soon) is superseded by the latest activity's.
    add_activity(later, cast.erin, occurred_on=LAST_WEEK, next_step_due=TODAY)
    add_activity(later, cast.erin, occurred_on=YESTERDAY, next_step="开庭", next_step_due=TODAY + datetime.timedelta(9))
    add_activity(soon, cast.erin, next_step="补充证据", next_step_due=TODAY + datetime.timedelta(days=2))
    conclude(start(accept(done, cast.erin), cast.erin), cast.erin)

    worklist = list(selectors.matters_for(cast.erin))

    assert worklist == [soon, later, undated]
    assert [(row.next_step, row.next_deadline) for row in worklist] == [
        ("补充证据", TODAY + datetime.timedelta(days=2)),
        ("开庭", TODAY + datetime.timedelta(days=9)),
        (None, None),
    ]
    assert list(selectors.matters_for(cast.bob)) == []


# --- what is stored ---------------------------------------------------------------------------


def test_history_holds_only_ciphertext_of_the_free_text(in_progress, cast):
    add_activity(in_progress, cast.erin)
    conclude(in_progress, cast.erin)
    assert_history_holds_only_ciphertext(LegalAidMatter)
    assert_history_holds_only_ciphertext(LegalAidActivity)
