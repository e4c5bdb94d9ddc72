"""Validation of identity data (plan rule 10): resident ID numbers, foreign documents, dates.

Each function raises ``registry.errors.RuleViolation`` naming the field and the reason, and
never echoes the value it refused (it may be a real person's number typed by mistake).
"""

from __future__ import annotations

import datetime

import pycountry
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

from registry.errors import RuleViolation
from victims.choices import DocumentType

MAX_AGE_YEARS = 120


def today() -> datetime.date:
    return timezone.localdate()


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    """Whole years between ``birth_date`` and ``day``."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def normalize_resident_id(value: str) -> str:
    """A valid 18-character GB 11643 number, upper-case check digit; a legacy 15-digit number
    is upconverted (19xx birth year, check digit computed). Validates checksum, birth date and
    the (historical) region code through python-stdnum."""
    number = ric.compact(value)
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


def check_country(code: str, field: str) -> str:
    code = (code or "").strip().upper()
    if pycountry.countries.get(alpha_2=code) is None:
        raise RuleViolation(_("Use an ISO 3166 two-letter country code."), field=field)
    return code


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
        number = (data.get("id_number") or "").strip()
        if not number or len(number) > 32:
            raise RuleViolation(_("Enter the document number (at most 32 characters)."), field="id_number")
        data["id_number"] = number.upper()
    check_birth_date(data.get("birth_date"))
    return data
