"""School enrolment, vocational training and employment placement (plan 三.6–7, DESIGN §2
rules 1–2).

The records are added and amended through the victim file's own ``record_add`` and
``record_amend`` (lock, version, ``full_clean``, history, audit); this module adds what the
plan asks on top, checked under the same case lock before the write:

- the receiving department writes only while its organization holds an accepted referral for
  the service (``require_section_write``);
- school enrolment is for minors — under 18 on the start date;
- training and employment are for people 16 or older on the start date;
- both age rules need a recorded birth date (an estimate will do): without one the record is
  refused with 400 ``age_unknown`` rather than guessed.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from registry.errors import RuleViolation
from registry.policy import require_write
from services.models import EmploymentPlacement, SchoolEnrollment, VocationalTraining
from services.operations.common import ADULT_AGE, TRAINING_MIN_AGE, age_on, require_section_write
from victims import validation
from victims.models import Case, CaseRecord
from victims.operations import lock_case, record_add, record_amend

# The fields each operation takes (anything else is refused, naming the field).
ENROLLMENT_FIELDS = frozenset({"school", "grade", "started_on", "ended_on", "attendance", "follow_up_notes"})
TRAINING_FIELDS = frozenset({"provider", "programme", "started_on", "ended_on", "outcome", "certificate"})
# ``verified``: True records the actor as the verifier, today; False clears the verification.
EMPLOYMENT_FIELDS = frozenset({"employer", "job_title", "started_on", "ended_on", "verified"})


def _check_fields(data: dict, allowed: frozenset[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise RuleViolation(_("Unknown field."), field=sorted(unknown)[0])


def _check_minor(case: Case, data: dict) -> None:
    started_on = data.get("started_on")
    if started_on is None:
        return  # full_clean names the missing date
    age = age_on(case, started_on, purpose=_("enrolling a child in school"), field="started_on")
    if age >= ADULT_AGE:
        raise RuleViolation(
            _("School enrolment is for minors: the person is 18 or older on the start date."),
            field="started_on",
            code="not_a_minor",
        )


def _check_sixteen(case: Case, data: dict) -> None:
    started_on = data.get("started_on")
    if started_on is None:
        return
    age = age_on(case, started_on, purpose=_("checking that the person is 16 or older"), field="started_on")
    if age < TRAINING_MIN_AGE:
        raise RuleViolation(
            _("Vocational training and job placement are for people 16 or older on the start date."),
            field="started_on",
            code="under_minimum_age",
        )


def _add(actor, case: Case, model: type[CaseRecord], data: dict, check) -> CaseRecord:
    require_write(actor, model.section)
    with transaction.atomic():
        locked = lock_case(actor, case)
        require_section_write(actor, locked, model.section)
        check(locked, data)
        return record_add(actor=actor, case=locked, model=model, data=data)


def _amend(actor, record: CaseRecord, expected_version: int, changes: dict, check) -> CaseRecord:
    model = type(record)
    require_write(actor, model.section)
    with transaction.atomic():
        locked = lock_case(actor, record.case)
        require_section_write(actor, locked, model.section)
        if "started_on" in changes:
            check(locked, changes)
        record.case = locked
        return record_amend(actor=actor, record=record, expected_version=expected_version, changes=changes)


# --- school enrolment -------------------------------------------------------------------------


def enrollment_add(*, actor, case: Case, data: dict) -> SchoolEnrollment:
    """Enrol the child of ``case`` in a school (education, with an accepted referral).

    ``data``: ``school``, ``started_on`` (required), ``grade``, ``ended_on``, ``attendance``,
    ``follow_up_notes``. 400 ``not_a_minor`` when 18 or older on ``started_on``,
    ``age_unknown`` without a birth date; 403 ``referral_not_accepted`` /
    ``referral_completed``. History "schoolenrollment added"; audit ``record_created``."""
    _check_fields(data, ENROLLMENT_FIELDS)
    return _add(actor, case, SchoolEnrollment, dict(data), _check_minor)


def enrollment_amend(*, actor, enrollment: SchoolEnrollment, expected_version: int, changes: dict) -> SchoolEnrollment:
    """Change fields of an enrolment (attendance, notes, the day the child left …) at the
    version read (412 when stale); a new start date is held to the minors-only rule again."""
    _check_fields(changes, ENROLLMENT_FIELDS)
    return _amend(actor, enrollment, expected_version, dict(changes), _check_minor)


# --- vocational training ----------------------------------------------------------------------


def _training_data(data: dict) -> dict:
    data = dict(data)
    if "certificate" in data and not (data["certificate"] or "").strip():
        data["certificate"] = None  # no certificate (the database tells "none" from "some")
    return data


def training_add(*, actor, case: Case, data: dict) -> VocationalTraining:
    """Record a vocational training (labour, with an accepted referral).

    ``data``: ``provider``, ``programme``, ``started_on`` (required), ``ended_on``, ``outcome``,
    ``certificate`` (only with the outcome ``completed``). 400 ``under_minimum_age`` when
    under 16 on ``started_on``, ``age_unknown`` without a birth date; 403 as for enrolment."""
    _check_fields(data, TRAINING_FIELDS)
    return _add(actor, case, VocationalTraining, _training_data(data), _check_sixteen)


def training_amend(*, actor, training: VocationalTraining, expected_version: int, changes: dict) -> VocationalTraining:
    """Change fields of a training (its outcome and certificate, say) at the version read."""
    _check_fields(changes, TRAINING_FIELDS)
    return _amend(actor, training, expected_version, _training_data(changes), _check_sixteen)


# --- employment placement ---------------------------------------------------------------------


def _employment_data(actor, data: dict) -> dict:
    data = dict(data)
    if "verified" in data:
        verified = bool(data.pop("verified"))
        data["verified_by"] = actor if verified else None
        data["verified_on"] = validation.today() if verified else None
    return data


def employment_add(*, actor, case: Case, data: dict) -> EmploymentPlacement:
    """Record a job found for the person (labour, with an accepted referral).

    ``data``: ``employer``, ``job_title``, ``started_on`` (required), ``ended_on``, and
    ``verified`` (True: the actor confirms the job, recorded as verifier today). Age rule and
    errors as for training."""
    _check_fields(data, EMPLOYMENT_FIELDS)
    return _add(actor, case, EmploymentPlacement, _employment_data(actor, data), _check_sixteen)


def employment_amend(
    *, actor, employment: EmploymentPlacement, expected_version: int, changes: dict
) -> EmploymentPlacement:
    """Change fields of an employment placement at the version read; ``verified`` True records
    the actor as verifier today (again, if it was verified before), False clears it."""
    _check_fields(changes, EMPLOYMENT_FIELDS)
    return _amend(actor, employment, expected_version, _employment_data(actor, changes), _check_sixteen)
