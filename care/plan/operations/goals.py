"""Goals of the care plan: create, amend, close; and the close check of the case.

- A goal belongs to the case's plan (409 ``no_care_plan`` before the assessment): a domain, a
  description, an owner — an active organization, of any department — and a target date.
- ``links`` name the records that serve it: ``[{"kind": GoalLinkKind value, "id": uuid}]``, at
  most :data:`MAX_LINKS`, each a record of **the same case** (400 ``links`` otherwise — a record
  of another case, or none, reads alike). Stored as given kinds and ids, without duplicates.
- A goal ends once: achieved, not achievable or no longer needed, on the day it is closed;
  the last two say why (400 ``reason``). A closed goal changes no more (409 ``goal_closed``).
- A case is not closed while a goal of its plan is open (409 ``open_goals``, listing each by
  domain and target date: never its description, which is personal).
- Only a caseworker writes goals (the ``care_plan`` section); a case conference's decision
  creates one through :func:`goal_create` (``care.notes``).
"""

from __future__ import annotations

import uuid

from django.apps import apps
from django.db import transaction
from django.utils.translation import gettext as _

from care.choices import GOAL_STATUSES_WITH_REASON, GoalLinkKind, GoalStatus, NeedDomain
from care.models import Goal
from care.plan.operations.common import audit, check_fields, check_record, lock_plan, require_date, stripped
from registry.errors import Conflict, RuleViolation
from registry.history import recorded_change
from registry.models import AuditAction, Organization
from registry.operations import require_room
from registry.policy import Section, require_write
from victims import validation
from victims.models import Case
from victims.operations import lock_case, lock_record

GOAL_FIELDS = ("domain", "description", "owner", "target_on", "links")
MAX_LINKS = 20


def _links(value, case: Case) -> list[dict[str, str]]:
    """The links of a goal, checked against ``case`` (see the module's docstring)."""
    if not isinstance(value, list | tuple) or len(value) > MAX_LINKS:
        raise RuleViolation(
            _("Give at most %(count)s records that serve the goal.") % {"count": MAX_LINKS}, field="links"
        )
    links: list[dict[str, str]] = []
    for item in value:
        kind = item.get("kind") if isinstance(item, dict) else None
        if kind not in GoalLinkKind.values:
            raise RuleViolation(_("Choose the kind of each record that serves the goal."), field="links")
        try:
            record = uuid.UUID(str(item.get("id")))
        except ValueError:
            raise RuleViolation(_("Choose records of this case."), field="links") from None
        if not apps.get_model(kind)._base_manager.filter(case=case, uuid=record).exists():
            raise RuleViolation(_("Choose records of this case."), field="links", code="link_not_in_case")
        link = {"kind": GoalLinkKind(kind).value, "id": str(record)}
        if link not in links:
            links.append(link)
    return links


def _values(data: dict, case: Case) -> dict:
    check_fields(data, GOAL_FIELDS)
    values = {name: stripped(value) for name, value in data.items()}
    if "domain" in values and values["domain"] not in NeedDomain.values:
        raise RuleViolation(_("Choose the domain of the goal."), field="domain")
    if "owner" in values:
        owner = values["owner"]
        if not isinstance(owner, Organization) or not owner.is_active:
            raise RuleViolation(_("Choose an active organization to own the goal."), field="owner")
    if "target_on" in values:
        require_date(values["target_on"], "target_on")
    if "links" in values:
        values["links"] = _links(values["links"] or [], case)
    return values


def goal_create(*, actor, case: Case, data: dict) -> Goal:
    """Add an open goal to the plan of ``case``.

    ``data``: ``domain`` (a ``NeedDomain``), ``description``, ``owner`` (an active
    :class:`registry.models.Organization`), ``target_on`` (a date), ``links`` (optional, see
    the module's docstring). 403 unless the actor writes the care plan, 404 out of scope, 400
    naming the field, 409 ``no_care_plan`` / ``too_many_records``. Audit ``record_created``."""
    require_write(actor, Section.CARE_PLAN)
    for name in ("domain", "description", "owner", "target_on"):
        if data.get(name) in (None, ""):
            raise RuleViolation(_("This field is required."), field=name)
    with transaction.atomic(), recorded_change(actor=actor, reason="care plan goal added"):
        locked = lock_case(actor, case)
        plan = lock_plan(locked)
        values = _values(data, locked)
        require_room(Goal, locked)
        goal = Goal(case=locked, plan=plan, **values)
        check_record(goal)
        goal.save()
        audit(actor, AuditAction.RECORD_CREATED, goal, "create", domain=goal.domain, links=len(goal.links))
    return goal


def goal_update(*, actor, goal: Goal, expected_version: int, changes: dict) -> Goal:
    """Amend an open goal at the version read (412 when stale): any of ``GOAL_FIELDS``, checked
    as on creation. 409 ``goal_closed`` once it has ended. Audit ``record_updated``."""
    require_write(actor, Section.CARE_PLAN)
    with transaction.atomic(), recorded_change(actor=actor, reason="care plan goal amended"):
        locked = lock_record(actor, goal, expected_version)
        _still_open(locked)
        values = _values(changes, locked.case)
        for name in ("domain", "description", "owner", "target_on"):
            if name in values and values[name] in (None, ""):
                raise RuleViolation(_("This field is required."), field=name)
        for name, value in values.items():
            setattr(locked, name, value)
        check_record(locked)
        locked.version += 1
        locked.save()
        audit(actor, AuditAction.RECORD_UPDATED, locked, "amend", fields=sorted(values))
    return locked


def goal_close(*, actor, goal: Goal, expected_version: int, status: str, reason: str = "") -> Goal:
    """End an open goal today: ``status`` achieved, not achievable or no longer needed; the
    last two need the ``reason`` (kept encrypted). 400 naming ``status`` or ``reason``, 409
    ``goal_closed`` when it has ended already, 412 when stale. Audit ``record_updated``."""
    require_write(actor, Section.CARE_PLAN)
    if status not in GoalStatus.values or status == GoalStatus.OPEN:
        raise RuleViolation(_("Choose how the goal ended."), field="status")
    reason = stripped(reason) or ""
    if status in GOAL_STATUSES_WITH_REASON and not reason:
        raise RuleViolation(_("Say why the goal is closed without being achieved."), field="reason")
    with transaction.atomic(), recorded_change(actor=actor, reason="care plan goal closed"):
        locked = lock_record(actor, goal, expected_version)
        _still_open(locked)
        locked.status = status
        locked.status_reason = reason
        locked.closed_on = validation.today()
        check_record(locked)
        locked.version += 1
        locked.save()
        audit(actor, AuditAction.RECORD_UPDATED, locked, "close", status=status)
    return locked


def _still_open(goal: Goal) -> None:
    if goal.status != GoalStatus.OPEN:
        raise Conflict(
            _("The goal is “%(status)s”: it changes no more.") % {"status": GoalStatus(goal.status).label},
            field="status",
            code="goal_closed",
        )


def refuse_close_with_open_goals(case: Case) -> None:
    """The close check of the care plan: 409 ``open_goals`` while a goal of the case is open,
    naming each by domain and target date (the case is locked by the caller)."""
    open_goals = Goal.objects.filter(case=case, status=GoalStatus.OPEN).order_by("target_on", "id")
    listed = [
        _("%(domain)s (target %(date)s)")
        % {"domain": NeedDomain(goal.domain).label, "date": goal.target_on.isoformat()}
        for goal in open_goals.only("domain", "target_on")
    ]
    if listed:
        raise Conflict(
            _("Close or record the end of the open goals of the care plan first: %(goals)s.")
            % {"goals": "; ".join(listed)},
            code="open_goals",
        )
