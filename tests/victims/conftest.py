"""Victim-file fixtures: registration through the real operation, synthetic people only."""

import datetime
import random

import pytest
from django.utils import timezone

from victims import operations, synthetic
from victims.choices import STATUTORY_BASES, ConsentGiver, DocumentType, Ending, ExploitationType, Service, Sex

TODAY = timezone.localdate()


def person(seed: int, *, age: int = 25, **overrides) -> dict:
    """Registration data of a synthetic woman of ``age`` with a valid resident ID."""
    rng = random.Random(seed)
    born = TODAY.replace(year=TODAY.year - age) - datetime.timedelta(days=rng.randrange(1, 300))
    data = {
        "full_name": synthetic.chinese_name(rng),
        "sex": Sex.FEMALE,
        "document_type": DocumentType.RESIDENT_ID,
        "id_number": synthetic.resident_id(rng, region="530102", birth_date=born, female=True),
        "nationality": "CN",
        "native_place_code": "530102",
        "phone": synthetic.phone(rng),
        "address": "云南省昆明市五华区某街道" + str(seed),
    }
    data.update(overrides)
    return data


# How a test closes a case that has no completed return (issue 16): a reason with civil affairs' comment.
CLOSING = {"reason": Ending.DECLINED_ASSISTANCE, "comment": "本人表示不再需要救助（虚构）"}

RESCUE = {
    "rescued_on": TODAY - datetime.timedelta(days=3),
    "place": "福州市鼓楼区某出租屋",
    "police_unit": "福州市公安局鼓楼分局",
    "police_case_number": "GL-2026-0099",
    "exploitation": ExploitationType.FORCED_MARRIAGE,
    "circumstances": "解救经过（虚构）",
}


@pytest.fixture
def register(places, cast):
    """``register(actor=alice, seed=1, age=25, **fields)``: a case through ``case_register``."""

    def make(actor=None, seed=1, age=25, jurisdiction=None, **overrides):
        return operations.case_register(
            actor=actor or cast.alice,
            victim=person(seed, age=age, **overrides),
            jurisdiction=jurisdiction or places.gulou,
            rescue=dict(RESCUE),
        )

    return make


@pytest.fixture
def consent(cast):
    """``consent(case, service, given_by=…)``: a consent recorded by Alice."""

    def make(case, service=Service.SCHOOLING, given_by=ConsentGiver.PERSON, **extra):
        data = {"service": service, "given_by": given_by, "given_on": TODAY, **extra}
        if given_by == ConsentGiver.GUARDIAN:
            data.setdefault("guardian_name", "监护人（虚构）")
        if given_by == ConsentGiver.STATUTORY:
            data.setdefault("statutory_basis", STATUTORY_BASES[0])
        return operations.record_add(actor=cast.alice, case=case, model="consent", data=data)

    return make
