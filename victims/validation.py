"""Validation of identity data (plan rule 10): names, resident ID numbers, foreign documents,
dates; the coded fields of a person (country, ethnic group, native place: :func:`check_country`,
:func:`check_reference_codes`); and the order of a record's dates (:func:`check_chronology`,
which every operation that writes a dated record calls on the case it has locked).

Each function raises ``registry.errors.RuleViolation`` naming the field and the reason, and
never echoes the value it refused (it may be a real person's number typed by mistake).

Every write of a victim's name or identity passes :func:`clean_victim` (registration and the
person and identity sections of ``victim_update``, whichever face the request came through), and
every exact search passes :func:`check_name` and :func:`document_number_search_keys` — the same
functions — so what is stored, what is indexed and what is searched for are folded alike:

- a name or document number holding a control, format or surrogate character, or a
  default-ignorable one (zero-width space and joiners, BOM, soft hyphen, variation selectors,
  bidirectional marks — ``registry.crypto.is_invisible``), is refused, naming the field;
- a document number is stored in its canonical form (``registry.crypto.fold_document_number``:
  NFKC, upper case, white space, dashes, dots and slashes removed, Cyrillic and Greek look-alikes
  of Latin letters mapped to them), which must then be Latin letters and digits only.
"""

from __future__ import annotations

import datetime
import re

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

from registry import countries, crypto, divisions, ethnicities
from registry.errors import RuleViolation
from victims.choices import AGE_BAND_FLOORS, AgeBand, DocumentType, Service, Sex

MAX_AGE_YEARS = 120
MAX_DOCUMENT_NUMBER = 32
# No case of this registry opens before the People's Republic was founded.
EARLIEST_OPENING = datetime.date(1949, 10, 1)
_CANONICAL_NUMBER = re.compile(r"^[A-Z0-9]+$")


def today() -> datetime.date:
    return timezone.localdate()


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    """Whole years between ``birth_date`` and ``day``."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def age_band(birth_date: datetime.date | None, day: datetime.date | None) -> AgeBand:
    """The band of the age on ``day`` (``unknown`` without a birth date, or one after ``day``)."""
    if birth_date is None or day is None or birth_date > day:
        return AgeBand.UNKNOWN
    age = age_on(birth_date, day)
    return next(band for floor, band in AGE_BAND_FLOORS if age >= floor)


def refuse_invisible(value: str, field: str) -> None:
    """Refuse ``value`` if it holds a character that changes its bytes but not what a person
    sees (``registry.crypto.is_invisible``); the message names the code point, not the value."""
    char = crypto.first_invisible(value)
    if char is not None:
        raise RuleViolation(
            _("This field holds an invisible or control character (U+%(code)04X): type it again without it.")
            % {"code": ord(char)},
            field=field,
        )


def check_name(value: str, field: str = "full_name") -> str:
    """A person's name as it is stored and searched: refused with an invisible character
    (white space and full-width forms are folded by the blind index, not here)."""
    refuse_invisible(value, field)
    return value.strip()


def _folded_number(value: str, field: str) -> str:
    refuse_invisible(value, field)
    number = crypto.fold_document_number(value)
    if not number:
        raise RuleViolation(_("Enter the document number."), field=field)
    if not _CANONICAL_NUMBER.match(number):
        raise RuleViolation(
            _("A document number holds Latin letters and digits only (spaces, dashes, dots and slashes are left out)."),
            field=field,
        )
    return number


def canonical_document_number(value: str, field: str = "id_number") -> str:
    """The canonical form of an identity document number (see the module): refused with an
    invisible character, folded, then Latin letters and digits only, at most 32 of them."""
    number = _folded_number(value, field)
    if len(number) > MAX_DOCUMENT_NUMBER:
        raise RuleViolation(_("Enter the document number (at most 32 characters)."), field=field)
    return number


def normalize_resident_id(value: str) -> str:
    """A valid 18-character GB 11643 number, upper-case check digit; a legacy 15-digit number
    is upconverted (19xx birth year, check digit computed). The number is first folded as any
    document number (:func:`canonical_document_number`), then its checksum, birth date and
    (historical) region code are checked through python-stdnum."""
    number = _folded_number(value, "id_number")
    if len(number) == 15 and number.isdigit():
        number = number[:6] + "19" + number[6:] + "0"
        number = number[:-1] + ric.calc_check_digit(number)
    try:
        number = ric.validate(number)
    except stdnum_errors.InvalidChecksum:
        raise RuleViolation(_("The check digit of the resident ID number is wrong."), field="id_number") from None
    except stdnum_errors.InvalidComponent:
        raise RuleViolation(
            _("The resident ID number has an unknown region code or an impossible birth date."), field="id_number"
        ) from None
    except stdnum_errors.ValidationError:
        raise RuleViolation(_("A resident ID number has 18 characters (or 15 digits)."), field="id_number") from None
    if ric.get_birth_date(number) > today():
        raise RuleViolation(_("The resident ID number carries a birth date in the future."), field="id_number")
    return number.upper()


def document_number_search_keys(value: str) -> list[str]:
    """The stored forms an exact search for the document number ``value`` can match: its
    canonical form and, when it is a valid resident ID (or a legacy 15-digit one), the
    18-character number. Refused (400 naming ``id_number``) as a stored number would be."""
    number = canonical_document_number(value)
    try:
        resident = normalize_resident_id(number)
    except RuleViolation:
        return [number]
    return [number] if resident == number else [number, resident]


def sex_of_resident_id(number: str) -> Sex:
    """The sex a GB 11643 number records: its 17th digit is odd for a man, even for a woman."""
    return Sex.MALE if int(number[16]) % 2 else Sex.FEMALE


def check_country(code: str, field: str) -> str:
    """``code`` upper-cased if it is an ISO 3166 alpha-2 code (``registry.countries``)."""
    code = (code or "").strip().upper()
    if not countries.is_country(code):
        raise RuleViolation(_("Choose a country from the list."), field=field)
    return code


def check_reference_codes(values: dict) -> None:
    """The coded fields among ``values`` (a registration's victim, or the fields a change sets to
    a new value): the ethnicity is one of GB/T 3304 (``registry.ethnicities``) and the native
    place a county-level division of any province (``registry.divisions``); empty is allowed.
    Refused naming the field. Callers pass only new values: an older record may hold a value the
    picker no longer offers, and keeps it until someone changes it."""
    ethnicity = values.get("ethnicity")
    if ethnicity and not ethnicities.is_ethnicity(ethnicity):
        raise RuleViolation(_("Choose an ethnic group from the list."), field="ethnicity")
    code = values.get("native_place_code")
    if code and not divisions.is_county(code):
        raise RuleViolation(_("Choose a county-level division, or type its six-digit code."), field="native_place_code")


def check_birth_date(birth_date: datetime.date | None) -> None:
    if birth_date is None:
        return
    if birth_date > today():
        raise RuleViolation(_("The date of birth is in the future."), field="birth_date")
    if age_on(birth_date, today()) > MAX_AGE_YEARS:
        raise RuleViolation(_("The date of birth is more than 120 years ago."), field="birth_date")


def check_not_future(value: datetime.date | None, field: str) -> None:
    if value is not None and value > today():
        raise RuleViolation(_("This date is in the future."), field=field)


# Dates of what was done for the person once a rescue brought them into care, by record: none
# of them falls before the case's first rescue (the health assessment, a stay, schooling,
# training, a job, a return, a visit). Other records (a consent, a DNA sample, legal aid, the
# care plan) may refer to what came before; they are held to the birth date and their spans.
AFTER_RESCUE: dict[str, frozenset[str]] = {
    "healthassessment": frozenset({"assessed_on"}),
    "shelterplacement": frozenset({"admitted_on", "discharged_on"}),
    "schoolenrollment": frozenset({"started_on", "ended_on"}),
    "vocationaltraining": frozenset({"started_on", "ended_on"}),
    "employmentplacement": frozenset({"started_on", "ended_on"}),
    "returnplan": frozenset({"planned_on", "handover_on"}),
    "followupvisit": frozenset({"due_on", "visited_on"}),
}
# ``(start, end)``: the end of each span is never before its start.
SPANS = (
    ("started_on", "ended_on"),
    ("admitted_on", "discharged_on"),
    ("given_on", "withdrawn_on"),
    ("collected_on", "submitted_on"),
    ("submitted_on", "matched_on"),
    ("applied_on", "decided_on"),
    ("started_on", "concluded_on"),
)


def check_chronology(record, case) -> None:
    """The dates of ``record`` (any record of ``case``, as the operation is about to save it)
    in the order life allows, each refusal naming its field:

    - no date before the person's birth (read from the victim of the ``case`` the operation
      has loaded and locked: the birth date is encrypted, and read nowhere else);
    - no date :data:`AFTER_RESCUE` names for the record before the case's first rescue
      (``Case.rescued_on``; a case without a rescue has no such bound);
    - no end before its start (:data:`SPANS`).

    Plain date fields only; a date not yet given is skipped (``full_clean`` names it)."""
    days = [
        (field.name, day)
        for field in record._meta.concrete_fields
        if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField)
        if isinstance(day := getattr(record, field.attname), datetime.date)
    ]
    if not days:
        return
    birth_date = case.victim.birth_date
    after_rescue = AFTER_RESCUE.get(record._meta.model_name, frozenset())
    rescued_on = case.rescued_on if after_rescue else None
    for name, day in days:
        if birth_date is not None and day < birth_date:
            raise RuleViolation(_("This date is before the person's date of birth."), field=name)
        if rescued_on is not None and name in after_rescue and day < rescued_on:
            raise RuleViolation(
                _("This date is before the rescue (%(date)s).") % {"date": rescued_on.isoformat()}, field=name
            )
    for start, end in SPANS:
        first, last = getattr(record, start, None), getattr(record, end, None)
        if isinstance(first, datetime.date) and isinstance(last, datetime.date) and last < first:
            raise RuleViolation(_("The end date is before the start date."), field=end)


TRAINING_MIN_AGE = 16  # plan 三.7: training and job placement for people 16 or older


def check_referral_age(service: str, age: int | None) -> None:
    """A referral to vocational training and employment is for a person 16 or older (plan
    三.7): refused naming ``service`` (code ``under_minimum_age``) for a person known to be
    younger. Without a birth date the referral may go; the training itself then needs one."""
    if service == Service.TRAINING and age is not None and age < TRAINING_MIN_AGE:
        raise RuleViolation(
            _("A referral to vocational training and employment is for people 16 or older."),
            field="service",
            code="under_minimum_age",
        )


def check_opened_on(value: datetime.date) -> None:
    """A case opens neither in the future nor before 1 October 1949."""
    check_not_future(value, "opened_on")
    if value < EARLIEST_OPENING:
        raise RuleViolation(_("A case cannot open before 1 October 1949."), field="opened_on")


def clean_identity(data: dict) -> dict:
    """Check and normalise the identity fields of a victim (a dict of field values), filling the
    birth date from a resident ID when none was given. Returns the cleaned dict."""
    data = dict(data)
    document_type = data.get("document_type") or DocumentType.NONE
    data["document_type"] = document_type
    data["nationality"] = check_country(data.get("nationality") or "CN", "nationality")
    if document_type == DocumentType.RESIDENT_ID:
        data["document_country"] = "CN"
        if not data.get("id_number"):
            raise RuleViolation(_("Enter the resident ID number."), field="id_number")
        data["id_number"] = normalize_resident_id(data["id_number"])
        from_id = ric.get_birth_date(data["id_number"])
        if data.get("birth_date") and data["birth_date"] != from_id:
            raise RuleViolation(_("The date of birth differs from the one in the ID number."), field="birth_date")
        data["birth_date"] = from_id
    elif document_type == DocumentType.NONE:
        data["id_number"] = None
    else:
        data["document_country"] = check_country(data.get("document_country"), "document_country")
        data["id_number"] = canonical_document_number(data.get("id_number") or "")
    check_birth_date(data.get("birth_date"))
    return data


def clean_victim(data: dict) -> dict:
    """Check and normalise a victim's person and identity fields (a dict of field values, as
    registration sends them, or as the victim holds them after a change): the names
    (:func:`check_name`), the identity (:func:`clean_identity`), and the sex against the one a
    resident ID records. Returns the cleaned dict; other fields pass unchanged."""
    data = dict(data)
    if data.get("full_name") is not None:
        data["full_name"] = check_name(str(data["full_name"]))
    aliases = data.get("aliases")
    if aliases:
        for alias in aliases if isinstance(aliases, list | tuple) else [aliases]:
            refuse_invisible(str(alias), "aliases")
    data = clean_identity(data)
    if data["document_type"] == DocumentType.RESIDENT_ID and data.get("sex"):
        if data["sex"] != sex_of_resident_id(data["id_number"]):
            raise RuleViolation(_("The sex differs from the one the resident ID number records."), field="sex")
    return data
