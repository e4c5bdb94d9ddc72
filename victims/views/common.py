"""What every victim-file page shares: the refusals (404/403 pages, audited), the reading of one
section or record through the selectors, and how values read on a page (labels, choice labels,
dates, countries, masked ID numbers)."""

from __future__ import annotations

import datetime
import gettext as gettext_module
import uuid
from collections.abc import Callable, Iterable
from functools import lru_cache, wraps
from typing import Any

import pycountry
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import FieldDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from registry import policy
from registry.audit import AuditAction, AuditOutcome, record_event
from registry.errors import NotFound, PermissionDenied
from registry.models import Jurisdiction, Organization
from registry.policy import Scope, Section
from victims import operations, selectors
from victims.choices import Stage
from victims.models import Case, Consent, DNASample, FamilyMember, HealthAssessment, Household, Referral, Rescue

TIMELINE = "timeline"
CLOSED_STAGES = (Stage.CLOSED, Stage.TRANSFERRED)

# --- refusals ---------------------------------------------------------------------------------


def refuse(request: HttpRequest, status: int, *, case_id=None, message: str = "") -> HttpResponse:
    """The 404 or 403 page, recorded as ``access_denied`` (naming the case a URL asked for,
    never what was posted)."""
    match = request.resolver_match
    case_uuid = None
    if case_id is not None:
        try:
            case_uuid = uuid.UUID(str(case_id))
        except ValueError:
            case_uuid = None
    record_event(
        action=AuditAction.ACCESS_DENIED,
        request=request,
        case_uuid=case_uuid,
        outcome=AuditOutcome.DENIED,
        detail={
            "status": status,
            "code": "not_found" if status == 404 else "permission_denied",
            "method": request.method[:10],
            "route": (match.view_name if match else "")[:100],
        },
    )
    template = "victims/not_found.html" if status == 404 else "victims/forbidden.html"
    return render(request, template, {"message": message}, status=status)


def case_page(*methods: str):
    """Decorate a page: sign-in required, only ``methods``, the registry's errors turned into
    the 404 and 403 pages, and every posted value hidden from error reports (what is posted
    here is a victim's data or a search for one)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @sensitive_post_parameters()
        @wraps(view)
        def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            try:
                return view(request, *args, **kwargs)
            except NotFound:
                return refuse(request, 404, case_id=kwargs.get("case_id"))
            except PermissionDenied as refused:
                return refuse(request, 403, case_id=kwargs.get("case_id"), message=refused.message)

        return require_http_methods(list(methods))(guarded)

    return decorate


def require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise PermissionDenied(message or _("Your role may not do this."))


def works_on_cases(user) -> bool:
    return policy.scope_of(user) is not Scope.NONE


# --- how values read on a page ----------------------------------------------------------------

EXTRA_LABELS = {
    "case_number": gettext_lazy("Case number"),
    "stage": gettext_lazy("Stage"),
    "age": gettext_lazy("Age"),
    "aliases": gettext_lazy("Other names"),
    "nationality": gettext_lazy("Nationality"),
    "document_country": gettext_lazy("Issuing country"),
    "native_place_code": gettext_lazy("Native place"),
    "to_organization": gettext_lazy("Receiving organization"),
    "jurisdiction_code": gettext_lazy("Jurisdiction"),
}

HISTORY_ACTIONS = {
    "created": gettext_lazy("Added: %(kind)s"),
    "changed": gettext_lazy("Changed: %(kind)s"),
    "deleted": gettext_lazy("Removed: %(kind)s"),
}


def label_of(model, name: str) -> str:
    if name in EXTRA_LABELS:
        return str(EXTRA_LABELS[name])
    return str(capfirst(model._meta.get_field(name).verbose_name))


@lru_cache(maxsize=8)
def _country_names(language: str):
    locale = {"zh-hans": "zh_CN"}.get(language, language.replace("-", "_"))
    try:
        return gettext_module.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[locale]).gettext
    except OSError:
        return lambda name: name


def country(code: str | None) -> str:
    """``VN 越南``: the code and its name in the page's language."""
    if not code:
        return "—"
    found = pycountry.countries.get(alpha_2=code)
    if found is None:
        return code
    return f"{code} {_country_names(translation.get_language() or 'en')(found.name)}"


def _choice_label(model, name: str, value) -> str | None:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:  # a derived key such as "age"
        return None
    if not field.choices:
        return None
    return str(dict(field.flatchoices).get(value, value))


def display(model, name: str, value, *, names: dict | None = None) -> str:
    """A value as the page shows it: choice labels, 是/否, ISO dates, country and place names."""
    if value is None or value == "" or value == []:
        return "—"
    if name == "stage":
        return str(Stage(value).label)
    choice = _choice_label(model, name, value)
    if choice is not None:
        return choice
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "、".join(str(item) for item in value)
    if name in ("nationality", "document_country"):
        return country(value)
    if names and str(value) in names:
        return names[str(value)]
    return str(value)


def facts(model, data: dict, field_names: Iterable[str], *, names: dict | None = None) -> list[dict]:
    """``[{name, label, value}]`` for a definition list."""
    return [
        {"name": name, "label": label_of(model, name), "value": display(model, name, data.get(name), names=names)}
        for name in field_names
        if name in data
    ]


def mask_id_number(number: str | None) -> str:
    """``3501**********123X``: the first and last four characters of a long number, the last two
    of a short one; the rest starred. Enough to tell two people apart, not to use the number."""
    if not number:
        return "—"
    if len(number) >= 12:
        return number[:4] + "*" * (len(number) - 8) + number[-4:]
    return "*" * max(len(number) - 2, 2) + number[-2:]


def place_names(codes: Iterable[str]) -> dict[str, str]:
    codes = {code for code in codes if code}
    found = dict(Jurisdiction.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}
    return {code: f"{code} {found[code]}" if code in found else code for code in codes}


def organization_names(uuids: Iterable[str]) -> dict[str, str]:
    uuids = {value for value in uuids if value}
    if not uuids:
        return {}
    return {str(key): name for key, name in Organization.objects.filter(uuid__in=uuids).values_list("uuid", "name")}


def case_url(case, tab: str | None = None) -> str:
    url = reverse("victims:case", args=[case.uuid])
    return f"{url}?tab={tab}" if tab else url


def may_register(user) -> bool:
    return user.organization_id is not None and all(
        policy.may_write(user, section) for section in operations.REGISTRATION_SECTIONS
    )


# --- one section, one record ------------------------------------------------------------------

# Records each section's tab lists: (key in the section's data or None for the whole section,
# model, form kind, title, table or cards).
SECTION_RECORDS: dict[Section, tuple[tuple[str | None, type, str | None, Any, str], ...]] = {
    Section.CONTACTS: (
        ("households", Household, "household", gettext_lazy("Households"), "cards"),
        ("family_members", FamilyMember, "familymember", gettext_lazy("Family members and contacts"), "table"),
    ),
    Section.RESCUE: ((None, Rescue, "rescue", gettext_lazy("Rescue records"), "cards"),),
    Section.HEALTH: (
        ("assessments", HealthAssessment, "healthassessment", gettext_lazy("Health assessments"), "cards"),
    ),
    Section.DNA: ((None, DNASample, "dnasample", gettext_lazy("DNA samples"), "cards"),),
    Section.CONSENTS: ((None, Consent, "consent", gettext_lazy("Consents to share"), "table"),),
    Section.REFERRALS: ((None, Referral, None, gettext_lazy("Referrals"), "cards"),),
}
# The victim's own fields each tab shows and lets a writer edit.
VICTIM_TAB_FIELDS: dict[Section, tuple[str, ...]] = {
    Section.PERSON: ("case_number", "stage", "full_name", "sex", "age"),
    Section.IDENTITY: operations.VICTIM_SECTION_FIELDS[Section.IDENTITY],
    Section.CONTACTS: operations.VICTIM_SECTION_FIELDS[Section.CONTACTS],
    Section.HEALTH: operations.VICTIM_SECTION_FIELDS[Section.HEALTH],
}
EDITABLE_VICTIM_SECTIONS = (Section.PERSON, Section.IDENTITY, Section.CONTACTS, Section.HEALTH)


def section_data(user, case: Case, section: Section):
    """One section of the case as ``selectors.case_sections`` builds it — only this one, and only
    if the user may read it (``selectors.shown_sections``)."""
    if section not in selectors.shown_sections(user):
        raise NotFound(_("No such section."))
    return selectors.SECTION_BUILDERS[section](case, user)


def record_list(data, key: str | None) -> list[dict]:
    return list(data if key is None else data.get(key, []))


def record_data(user, case: Case, model, record_id) -> dict:
    """The record ``record_id`` of ``model`` on ``case`` as the user's section shows it (a
    receiving organization sees only its own referrals); NotFound otherwise."""
    for section, entries in SECTION_RECORDS.items():
        for key, entry_model, _kind, _title, _layout in entries:
            if entry_model is model:
                for record in record_list(section_data(user, case, section), key):
                    if record["id"] == str(record_id):
                        return record
    raise NotFound(_("No such record."))


def record_object(user, model, case: Case, record_id):
    """The model instance the operations need: through the scoped manager, and on ``case``
    (the case in the URL), so a record of another case is never reached through this one."""
    record = model.objects.visible_to(user).filter(case=case, uuid=record_id).first()
    if record is None:
        raise NotFound(_("No such record."))
    return record
