"""The care plan itself — the needs assessment — written, amended and approved.

- One plan per case (409 ``care_plan_exists``), assessed on a day that is not in the future;
  its needs rate **every** domain of ``NeedDomain`` once (400 ``needs`` naming what is
  missing or repeated), each with a description (encrypted, optional).
- A **child's** plan (``common.is_child``) waits for the approval of a civil affairs officer
  (``approve_care_plan``) who neither wrote nor amended it (403 ``four_eyes``: ``authors``
  holds the creator and every amender); an adult's needs none. Amending an approved child's
  plan sends it back to awaiting approval: the approval covered what it said before. Only a
  plan awaiting approval is approved (409 ``not_awaiting_approval``).
- ``next_review_on`` is recomputed by every change of the assessment date.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from care.choices import ApprovalStatus, NeedDomain, NeedRating
from care.models import CarePlan, Need
from care.plan.operations.common import (
    approve,
    audit,
    check_fields,
    check_record,
    is_child,
    refresh_next_review,
    require_date,
    stripped,
)
from inbox.choices import NotificationKind
from inbox.notify import civil_affairs_over, notify, settle
from registry.decisions import decision_comment
from registry.errors import Conflict, RuleViolation
from registry.history import recorded_change
from registry.models import AuditAction
from registry.policy import Action, Section, require_action, require_write
from victims import validation
from victims.models import Case
from victims.operations import lock_case, lock_record

PLAN_FIELDS = ("assessed_on", "summary", "needs")
NEED_FIELDS = ("domain", "rating", "description")


def _needs(value, *, complete: bool) -> dict[str, dict]:
    """``{domain: {"rating", "description"}}`` from a list of needs; every domain once when
    ``complete`` (a new assessment), any of them once otherwise (an amendment, where a need sent
    without its description keeps the one it has)."""
    if not isinstance(value, list | tuple):
        raise RuleViolation(_("Give the needs as a list, one per domain."), field="needs")
    found: dict[str, dict] = {}
    for item in value:
        if not isinstance(item, dict) or set(item) - set(NEED_FIELDS):
            raise RuleViolation(_("Give each need as its domain, rating and description."), field="needs")
        domain = item.get("domain")
        if domain not in NeedDomain.values:
            raise RuleViolation(_("Choose the domain of each need."), field="needs")
        if domain in found:
            raise RuleViolation(
                _("The domain “%(domain)s” is rated twice.") % {"domain": NeedDomain(domain).label}, field="needs"
            )
        if item.get("rating") not in NeedRating.values:
            raise RuleViolation(
                _("Rate the need in “%(domain)s”.") % {"domain": NeedDomain(domain).label}, field="needs"
            )
        found[domain] = {"rating": item["rating"]}
        if complete or "description" in item:  # an amendment sent without one keeps the description
            found[domain]["description"] = stripped(item.get("description") or "")
    missing = [str(NeedDomain(domain).label) for domain in NeedDomain.values if domain not in found]
    if complete and missing:
        raise RuleViolation(
            _("Rate every domain of the assessment; missing: %(domains)s.") % {"domains": "、".join(missing)},
            field="needs",
        )
    return found


def _check_need(need: Need) -> None:
    try:
        check_record(need)
    except RuleViolation as refused:  # a need's own field is reported on the list it came in
        raise RuleViolation(refused.message, field="needs") from None


def _plan_values(data: dict) -> dict:
    check_fields(data, PLAN_FIELDS)
    values = {name: stripped(value) for name, value in data.items() if name != "needs"}
    if "assessed_on" in values:
        require_date(values["assessed_on"], "assessed_on")
        validation.check_not_future(values["assessed_on"], "assessed_on")
    if values.get("summary") is None and "summary" in values:
        values["summary"] = ""
    return values


def care_plan_create(*, actor, case: Case, data: dict) -> CarePlan:
    """Write the care plan of ``case``: ``assessed_on`` (a date, not in the future), ``summary``
    (optional), ``needs`` (``[{"domain", "rating", "description"}]``, every domain once). A
    child's plan awaits approval. 403 unless the actor writes the care plan, 404 out of scope,
    400 naming the field, 409 ``care_plan_exists``. Audit ``record_created``."""
    require_write(actor, Section.CARE_PLAN)
    if data.get("assessed_on") is None:
        raise RuleViolation(_("Give the date of the assessment."), field="assessed_on")
    values = _plan_values(data)
    needs = _needs(data.get("needs"), complete=True)
    with transaction.atomic(), recorded_change(actor=actor, reason="care plan written"):
        locked = lock_case(actor, case)
        if CarePlan.objects.filter(case=locked).exists():
            raise Conflict(_("This case has a care plan already: amend it instead."), code="care_plan_exists")
        approval = ApprovalStatus.AWAITING_APPROVAL if is_child(locked) else ApprovalStatus.NOT_REQUIRED
        plan = CarePlan(case=locked, created_by=actor, approval=approval, **values)
        refresh_next_review(plan)
        check_record(plan)
        plan.save()
        plan.authors.add(actor)  # four eyes: the author may not approve it
        for domain, need_values in needs.items():
            need = Need(case=locked, plan=plan, domain=domain, **need_values)
            _check_need(need)
            need.save()
        if approval == ApprovalStatus.AWAITING_APPROVAL:
            notify(
                NotificationKind.CARE_PLAN_TO_APPROVE,
                civil_affairs_over(locked.jurisdiction.code),
                case=locked,
                subject=plan,
                actor=actor,
            )
        audit(actor, AuditAction.RECORD_CREATED, plan, "create", approval=plan.approval)
    return plan


def care_plan_update(*, actor, plan: CarePlan, expected_version: int, changes: dict) -> CarePlan:
    """Amend the plan at the version read (412 when stale): ``assessed_on``, ``summary``, and
    ``needs`` — the domains given are rated and described anew, the others stay. A child's plan
    goes (back) to awaiting approval and the actor joins its authors. Audit ``record_updated``
    (the plan, and each need changed)."""
    require_write(actor, Section.CARE_PLAN)
    if "assessed_on" in changes and changes["assessed_on"] is None:
        raise RuleViolation(_("Give the date of the assessment."), field="assessed_on")
    values = _plan_values(changes)
    needs = _needs(changes["needs"], complete=False) if "needs" in changes else {}
    with transaction.atomic(), recorded_change(actor=actor, reason="care plan amended"):
        locked = lock_record(actor, plan, expected_version)
        for name, value in values.items():
            setattr(locked, name, value)
        changed_needs = _apply_needs(locked, needs)
        withdrawn = locked.approval == ApprovalStatus.APPROVED
        if is_child(locked.case):
            locked.approval = ApprovalStatus.AWAITING_APPROVAL
            locked.approved_by = None
            locked.approved_at = None
        refresh_next_review(locked)
        check_record(locked)
        locked.version += 1
        locked.save()
        locked.authors.add(actor)  # four eyes: nor may whoever changed it
        if locked.approval == ApprovalStatus.AWAITING_APPROVAL:
            notify(
                NotificationKind.CARE_PLAN_TO_APPROVE,
                civil_affairs_over(locked.case.jurisdiction.code),
                case=locked.case,
                subject=locked,
                actor=actor,
            )
        audit(
            actor, AuditAction.RECORD_UPDATED, locked, "amend",
            fields=sorted(changes), approval=locked.approval, approval_withdrawn=withdrawn,
        )  # fmt: skip
        for need in changed_needs:
            audit(actor, AuditAction.RECORD_UPDATED, need, "amend", domain=need.domain)
    return locked


def _apply_needs(plan: CarePlan, needs: dict[str, dict]) -> list[Need]:
    """Rate and describe the domains in ``needs`` anew (a domain missing from an older plan is
    added); the needs whose values changed, saved with their version bumped."""
    if not needs:
        return []
    existing = {need.domain: need for need in Need.objects.select_for_update().filter(plan=plan)}
    changed = []
    for domain, values in needs.items():
        need = existing.get(domain) or Need(case=plan.case, plan=plan, domain=domain)
        if need.pk is not None and all(getattr(need, name) == value for name, value in values.items()):
            continue
        for name, value in values.items():
            setattr(need, name, value)
        if need.pk is not None:
            need.version += 1
        _check_need(need)
        need.save()
        changed.append(need)
    return changed


def care_plan_approve(*, actor, plan: CarePlan, expected_version: int, comment: str = "") -> CarePlan:
    """A civil affairs officer who neither wrote nor amended the plan approves it (four eyes).
    403 without ``approve_care_plan``, 403 ``four_eyes`` for an author, 409
    ``not_awaiting_approval`` unless the plan awaits approval, 412 when stale. ``comment``
    (optional) is kept, encrypted, on the plan (``registry.decisions``). Audit
    ``approval_granted``."""
    require_action(actor, Action.APPROVE_CARE_PLAN)
    comment = decision_comment(CarePlan, comment, required=False)
    with transaction.atomic(), recorded_change(actor=actor, reason="care plan approved"):
        locked = lock_record(actor, plan, expected_version)
        approve(
            actor,
            locked,
            _("A child's care plan is approved by a civil affairs officer who did not write or change it."),
        )
        locked.decision_comment = comment
        locked.version += 1
        locked.save()
        settle([NotificationKind.CARE_PLAN_TO_APPROVE], locked)
        audit(actor, AuditAction.APPROVAL_GRANTED, locked, "approve")
    return locked
