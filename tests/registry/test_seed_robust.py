"""``seed_demo`` on a demo people have used (issue 18, item 9): its later steps complete only the
cases it registered itself (``Case.synthetic``), never one registered by hand, and a case an
operation refuses is reported by its number and skipped, never fatal."""

import datetime
import re
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from registry.errors import RuleViolation
from registry.models import Jurisdiction, User
from services import operations as services_operations
from services.models import ShelterPlacement
from victims import operations
from victims.choices import ConsentGiver, DocumentType, ReferralStatus, Service, Sex
from victims.models import Case
from victims.validation import today

PASSWORD = "demo-password-123"
VICTIMS = 20
HAND_NAMES = ("郑秀兰", "冯桂芳")
SKIPPED_NONE = "cases skipped: none"


def seed_demo(victims: int = VICTIMS) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("seed_demo", password=PASSWORD, victims=victims, seed=1, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def register_by_hand() -> list[Case]:
    """Two cases a demo user registers in Fuzhou at the city's level (not a county): one with the
    fewest fields the registration takes, one with a birth date, a consent and a legal aid
    referral the legal aid centre accepted — each a case some seed step would have taken on."""
    worker = User.objects.get(username="caseworker_fz")
    fuzhou = Jurisdiction.objects.get(code="3501")
    fewest = {"full_name": HAND_NAMES[0], "sex": Sex.FEMALE, "document_type": DocumentType.NONE}
    bare = operations.case_register(actor=worker, victim=fewest, jurisdiction=fuzhou)
    adult = {**fewest, "full_name": HAND_NAMES[1], "birth_date": today() - datetime.timedelta(days=30 * 365)}
    followed = operations.case_register(actor=worker, victim=adult, jurisdiction=fuzhou)
    operations.record_add(
        actor=worker,
        case=followed,
        model="consent",
        data={"service": Service.LEGAL_AID, "given_by": ConsentGiver.PERSON, "given_on": today()},
    )
    centre = User.objects.get(username="legal_aid_fz")
    referral = operations.referral_create(
        actor=worker, case=followed, service=Service.LEGAL_AID, to_organization=centre.organization
    )
    referral = operations.referral_respond(actor=centre, referral=referral, decision="accept")
    assert referral.status == ReferralStatus.ACCEPTED
    return [bare, followed]


def holdings(case: Case) -> dict:
    """The case row as it stands and how many rows of each model hang on it (their history
    included). Inbox items are left out: the daily reminders are no seed step and may remind a
    caseworker of any case."""
    row = Case.objects.filter(pk=case.pk).values("version", "stage", "lead_organization", "synthetic").get()
    counts = {}
    for model in apps.get_models():
        if model._meta.app_label == "inbox":
            continue
        fields = {field.name: field for field in model._meta.concrete_fields}
        case_field = fields.get("case")
        if case_field is not None and case_field.is_relation:
            counts[model._meta.label] = model._base_manager.filter(case_id=case.pk).count()
        elif "id" in fields and model is Case.history.model:
            counts[model._meta.label] = model._base_manager.filter(id=case.pk).count()
    return {"case": row, "rows": counts}


@pytest.mark.django_db
def test_the_seed_runs_twice_around_cases_registered_by_hand_and_leaves_them_alone():
    seed_demo(victims=0)  # the accounts a demo user signs in with
    hand = register_by_hand()
    before = [holdings(case) for case in hand]

    first_out, first_err = seed_demo()
    second_out, second_err = seed_demo()

    assert [holdings(case) for case in hand] == before
    assert not any(case.synthetic for case in Case.objects.filter(pk__in=[case.pk for case in hand]))
    synthetic = Case.objects.filter(synthetic=True)
    assert synthetic.count() == Case.objects.count() - len(hand) > 0
    # The seed's own cases were completed (services, plans, notes … on some of them).
    assert ShelterPlacement.objects.filter(case__synthetic=True).exists()
    assert SKIPPED_NONE in first_out and SKIPPED_NONE in second_out
    assert first_err == second_err == ""
    assert re.search(rf"{VICTIMS} created, 0 already present", first_out)
    assert re.search(rf"0 created, {VICTIMS} already present", second_out)
    for name in HAND_NAMES:
        assert name not in first_out + second_out


@pytest.mark.django_db
def test_a_case_an_operation_refuses_is_reported_by_its_number_and_skipped(monkeypatch):
    """A return plan refused for the first case that gets one: that case's services are rolled
    back, its number (and nothing more personal) is on stderr, the summary counts the skip and
    the rest of the seed goes on; the next run completes the case."""
    real = services_operations.return_plan_create
    refused: list[Case] = []

    def refuse_the_first(*, actor, case, data):
        if not refused or refused[0].pk == case.pk:
            refused.append(case)
            raise RuleViolation("forced by the test", field="destination_code")
        return real(actor=actor, case=case, data=data)

    monkeypatch.setattr(services_operations, "return_plan_create", refuse_the_first)
    out, err = seed_demo()

    case = refused[0]
    assert "cases skipped: 1 in services" in out
    assert err.strip() == f"services: 1 case(s) skipped, an operation refused their work: {case.number} " + (
        "(rule_violation: destination_code)"
    )
    assert not ShelterPlacement.objects.filter(case=case).exists()  # the whole case rolled back
    admitted = int(re.search(r"services: (\d+) admitted to shelters", out).group(1))
    assert admitted == ShelterPlacement.objects.count() > 0  # the skipped case is not counted
    assert re.search(r"care plans: [1-9]\d* written", out)  # the later steps went on

    monkeypatch.setattr(services_operations, "return_plan_create", real)
    again, again_err = seed_demo()
    assert SKIPPED_NONE in again and again_err == ""
    assert ShelterPlacement.objects.filter(case=case).exists()
