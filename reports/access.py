"""Who reads which report (issue 14 item 5; DESIGN §3, ``registry.policy``).

- A role without ``VIEW_REPORTS`` (caseworker, system administrator) reads none:
  :func:`require_reader` raises ``registry.errors.PermissionDenied`` (403) — every function
  below starts with it.
- The auditors of the joint conference office and civil affairs officers read every indicator,
  education, labour and legal aid users their own department's (``policy.report_department``):
  another department's indicator is 403, an unknown key 404 (:func:`require_indicator`).
- Over which jurisdiction: an auditor's or a civil affairs officer's own (an auditor's office is
  at province, city or county level — the account's jurisdiction), a receiving department's
  organization's (:func:`report_root`). Anything below it may be asked for; a division outside
  it answers 404 exactly like one that does not exist, as cases do (:func:`jurisdiction_for`).

The errors are ``registry.errors``' (``NotFound``, ``PermissionDenied``, a 400 ``RegistryError``
for a malformed code), each naming its field: the API's exception handler and the pages'
guard (``registry.pages.case_page``) answer them.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from registry import policy
from registry.errors import NotFound, RegistryError
from registry.models import Jurisdiction
from registry.policy import Action
from reports.catalogue import CATALOGUE, Indicator

_DIVISION = re.compile(r"[0-9]{2}(?:[0-9]{2}(?:[0-9]{2})?)?")


def may_read_reports(user) -> bool:
    return policy.may(user, Action.VIEW_REPORTS)


def require_reader(user) -> None:
    """403 unless the user's role reads reports."""
    policy.require(may_read_reports(user), _("Your role does not read the evaluation reports."))


def indicators_for(user) -> list[Indicator]:
    """The indicators the user may read, in catalogue order (none without ``VIEW_REPORTS``)."""
    if not may_read_reports(user):
        return []
    department = policy.report_department(user)
    return [indicator for indicator in CATALOGUE.values() if department is None or indicator.department == department]


def require_indicator(user, key: str) -> Indicator:
    """The indicator ``key`` if the user may read it: 403 for a reader of another department's
    indicator (the catalogue itself is no secret), 404 naming ``indicator`` for an unknown key."""
    require_reader(user)
    indicator = CATALOGUE.get(key)
    if indicator is None:
        raise NotFound(_("There is no indicator “%(key)s”.") % {"key": key[:40]}, field="indicator")
    policy.require(
        indicator in indicators_for(user),
        _("Your department does not report on “%(title)s”.") % {"title": indicator.title},
    )
    return indicator


def report_root(user) -> Jurisdiction:
    """The jurisdiction the user's reports cover: the organization's for a receiving department
    (education, labour, legal aid), the account's own otherwise."""
    require_reader(user)
    if policy.report_department(user) is not None and user.organization_id:
        return user.organization.jurisdiction
    return user.jurisdiction


def jurisdiction_for(user, code: str | None) -> Jurisdiction:
    """The division ``code`` (the user's root when empty) if it lies within the user's
    :func:`report_root`; 400 naming ``jurisdiction`` for what is not a division code, 404
    naming it for a division outside the root or that does not exist."""
    root = report_root(user)
    code = (code or "").strip()
    if not code:
        return root
    if not _DIVISION.fullmatch(code):
        raise RegistryError(
            _("Give a division code of 2, 4 or 6 digits (GB/T 2260)."), field="jurisdiction", code="invalid"
        )
    found = Jurisdiction.objects.filter(code=code).first() if code.startswith(root.code) else None
    if found is None:
        raise NotFound(_("There is no such jurisdiction in your reports."), field="jurisdiction")
    return found
