"""What the assistance services' pages share: the refusals (through the victim file's
``case_page``), the form page, the handling of an operation's errors, and how users and places
read on a page."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry import policy
from registry.audit import AuditAction, log_read
from registry.context_processors import display_name
from registry.errors import Conflict, NotFound, RuleViolation, StaleVersion
from registry.forms import show_error
from registry.models import User
from registry.policy import Section, require
from registry.presentation import case_url
from services.forms import ERROR_ALIASES

STALE = gettext_lazy(
    "Someone else changed this record while you were editing it. Reload the page to see the current "
    "version, then make your change again."
)
NOTHING_CHANGED = gettext_lazy("Nothing was changed.")


def require_section(user, section: Section, *, write: bool = True) -> None:
    """A section the role may not read is absent (404, like a case out of scope); one it may
    read but not write is a refusal (403)."""
    if not policy.may_read(user, section):
        raise NotFound(_("No such section."))
    if write:
        require(policy.may_write(user, section))


def log_form_read(request: HttpRequest, case, sections: Iterable[Section], view: str, record=None) -> None:
    """A form that shows a record's values, or the case's households, is a read of the case."""
    detail: dict[str, Any] = {"view": view}
    if record is not None:
        detail["record"] = str(record.uuid)
    log_read(request, action=AuditAction.CASE_VIEWED, case_uuid=case.uuid, sections=list(sections), detail=detail)


def form_page(
    request: HttpRequest, case, *, title: str, form, back_tab: str, intro: str = "", reload: bool = False, **extra
) -> HttpResponse:
    """A form about a case on the victim file's form page, with a way back to its tab."""
    context = {
        "case": case,
        "title": title,
        "form": form,
        "back_url": case_url(case, back_tab),
        "intro": intro,
        "reload_url": request.path if reload else None,
        **extra,
    }
    return render(request, "victims/record_form.html", context)


def run(form, operation: Callable[[], Any]) -> bool:
    """Call ``operation``; its errors land on the form: a stale version asks to reload, a rule
    or conflict goes to the field it names (or above the form). True when it succeeded."""
    try:
        operation()
    except StaleVersion:
        form.add_error(None, str(STALE))
    except (RuleViolation, Conflict) as refused:
        # An alias only where the form has no field of the name the operation gave.
        show_error(form, refused, {name: alias for name, alias in ERROR_ALIASES.items() if name not in form.fields})
    else:
        return True
    return False


def amend(form, *, changes: dict, version: int, current_version: int, operation: Callable[[], Any]) -> str | None:
    """Save ``changes`` through ``operation``: ``"saved"``, ``"unchanged"`` when nothing differs
    from the version read (a newer version is still refused as stale), or ``None`` when the
    form now carries the error."""
    if not changes:
        if version != current_version:
            form.add_error(None, str(STALE))
            return None
        return "unchanged"
    return "saved" if run(form, operation) else None


def done(request: HttpRequest, case, tab: str, message: str, outcome: str = "saved") -> HttpResponse:
    """Back to the tab (POST-redirect-GET), saying what happened."""
    if outcome == "unchanged":
        messages.info(request, str(NOTHING_CHANGED))
    else:
        messages.success(request, message)
    return HttpResponseRedirect(case_url(case, tab))


def blank(value) -> bool:
    return value is None or value == ""


def changes_of(values: dict, current: dict) -> dict:
    """The values that differ from ``current`` (an empty text and none are the same nothing)."""
    return {
        name: value
        for name, value in values.items()
        if not (blank(value) and blank(current.get(name))) and value != current.get(name)
    }


def people(usernames: Iterable[str | None]) -> dict[str, str]:
    """Display names of the users a record names by username."""
    wanted = {name for name in usernames if name}
    if not wanted:
        return {}
    return {user.username: display_name(user) for user in User.objects.filter(username__in=wanted)}
