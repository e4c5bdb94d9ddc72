"""Legal aid fixtures: a case referred to Erin's centre, a second centre with its own worker,
and matters brought to each status through the real operations (synthetic people only)."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from legal_aid import operations
from legal_aid.choices import ActivityKind, MatterType, Outcome
from registry.choices import Department, OrganizationKind, Role
from tests.factories import OrganizationFactory, UserFactory
from tests.victims.conftest import TODAY, register  # noqa: F401 (the fixture, for these tests too)
from victims import operations as case_operations
from victims.choices import ConsentGiver, Service
from victims.models import Referral

YESTERDAY = TODAY - datetime.timedelta(days=1)
LAST_WEEK = TODAY - datetime.timedelta(days=7)


@pytest.fixture
def lawyers(places, cast):
    """Erin's colleague Eric (a second lawyer of the Fuzhou centre), Lena of the Gulou district
    legal aid centre (another centre), and an inactive former lawyer of Erin's centre."""
    gulou_centre = OrganizationFactory(
        name="鼓楼区法律援助中心",
        department=Department.JUSTICE,
        kind=OrganizationKind.LEGAL_AID_CENTRE,
        jurisdiction=places.gulou,
    )
    return SimpleNamespace(
        erin=cast.erin,
        eric=UserFactory(
            username="eric", role=Role.LEGAL_AID, organization=places.fz_legal_aid, first_name="志明", last_name="郭"
        ),
        lena=UserFactory(username="lena", role=Role.LEGAL_AID, organization=gulou_centre),
        gone=UserFactory(username="gone", role=Role.LEGAL_AID, organization=places.fz_legal_aid, is_active=False),
        gulou_centre=gulou_centre,
    )


@pytest.fixture
def refer_legal_aid(cast):
    """``refer_legal_aid(case, centre, receiver=None)``: a legal aid referral of ``case`` to
    ``centre`` (with the person's consent, once), accepted by ``receiver`` when given."""

    def make(case, centre, receiver=None):
        if not case.consents.filter(service=Service.LEGAL_AID).exists():
            case_operations.record_add(
                actor=cast.alice,
                case=case,
                model="consent",
                data={"service": Service.LEGAL_AID, "given_by": ConsentGiver.PERSON, "given_on": TODAY},
            )
        referral = case_operations.referral_create(
            actor=cast.alice, case=case, service=Service.LEGAL_AID, to_organization=centre
        )
        if receiver is not None:
            referral = case_operations.referral_respond(actor=receiver, referral=referral, decision="accept")
        return referral

    return make


@pytest.fixture
def referred(register, refer_legal_aid, cast, places):  # noqa: F811 (the imported fixture)
    """An adult's case of Alice's, referred for legal aid to Erin's centre, which accepted."""
    case = register(seed=61, age=30)
    refer_legal_aid(case, places.fz_legal_aid, cast.erin)
    return case


def open_matter(case, actor, **overrides):
    data = {
        "matter_type": MatterType.CIVIL_COMPENSATION,
        "applied_on": LAST_WEEK,
        "summary": "主张人身损害赔偿（虚构）",
    }
    return operations.matter_open(actor=actor, case=case, **{**data, **overrides})


def accept(matter, actor, lawyer=None):
    return operations.matter_decide(
        actor=actor,
        matter=matter,
        expected_version=matter.version,
        decision="accept",
        decided_on=LAST_WEEK,
        decision_reason="符合经济困难条件（虚构）",
        lawyer=lawyer,
    )


def start(matter, actor, lawyer=None):
    return operations.matter_start(
        actor=actor, matter=matter, expected_version=matter.version, started_on=YESTERDAY, lawyer=lawyer or actor
    )


def conclude(matter, actor, **overrides):
    data = {
        "outcome": Outcome.JUDGMENT,
        "concluded_on": TODAY,
        "outcome_description": "判决赔偿（虚构）",
        "compensation_awarded": Decimal("20000.00"),
        "compensation_received": Decimal("5000.00"),
        "compensation_received_on": TODAY,
    }
    return operations.matter_conclude(
        actor=actor, matter=matter, expected_version=matter.version, **{**data, **overrides}
    )


def add_activity(matter, actor, **overrides):
    data = {
        "kind": ActivityKind.CONSULTATION,
        "occurred_on": YESTERDAY,
        "hours": Decimal("1.5"),
        "notes": "与受害人会谈（虚构）",
        "next_step": "起草起诉状",
        "next_step_due": TODAY + datetime.timedelta(days=5),
    }
    return operations.activity_add(actor=actor, matter=matter, **{**data, **overrides})


@pytest.fixture
def matter(referred, cast):
    """An applied matter of Erin's centre on the referred case."""
    return open_matter(referred, cast.erin)


@pytest.fixture
def in_progress(matter, cast):
    return start(accept(matter, cast.erin), cast.erin)


def referral_of(case, centre) -> Referral:
    return Referral.objects.get(case=case, to_organization=centre, service=Service.LEGAL_AID)
