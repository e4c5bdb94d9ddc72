"""Decisions on a case or on one of its records — approve, reject, withdraw or revoke, close,
reopen, void — taken through one confirmation page, built here once for every app.

A decision is declared (:class:`Decision`: its verb, title, one sentence saying what will
happen, whether a comment is required, the confirm button's style) and a view hands it to
:func:`decide` with the case, the record, the version shown and the operation to run.

Guarantees of :func:`decide`:

- Nothing changes on GET or HEAD, nor on a POST lacking the confirmation form's marker
  (:data:`MARKER`): both show the confirmation page — what will happen, the case number, the
  record, an optional (or required) comment, Confirm and Cancel. A one-click button of an
  older page thus lands on the page instead of deciding.
- The confirming POST runs the operation once, with the version the page carried and the
  comment typed. A stale version shows the page again (409) saying someone else changed the
  record meanwhile, with the record as it is now and the comment kept; an operation's refusal
  shows it again on its field (the error's own status: 400, 403 or 409); never a 500.
- Each page showing the record (its values: a referral's reason, a plan's address …) is an
  audited read of the case (``case_viewed``, the record's section, the decision and the record).

Operations keep the comment with :func:`decision_comment` (stripped, required when the decision
says so — 400 on ``comment`` — and bounded by the model's ``decision_comment`` field, an
encrypted field set inside the operation's ``recorded_change`` so history keeps each decision's
comment; never a history reason nor an audit detail).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry import casefile, presentation
from registry.audit import AuditAction, log_read
from registry.errors import Conflict, PermissionDenied, RuleViolation, StaleVersion
from registry.forms import show_error
from registry.operations import clean_value

# The confirmation form's marker: a POST without it only shows the page.
MARKER = "decision_confirmed"
TEMPLATE = "registry/decision_confirm.html"


@dataclass(frozen=True)
class Decision:
    """One kind of decision as its confirmation page states it."""

    verb: str  # names the page's elements (``decision-<verb>``) and the case file's link
    title: Any  # the page's heading and the confirm button ("Approve the referral")
    sentence: Any  # what will happen, in one sentence
    done: Any  # the message once decided
    comment_required: bool = False  # reject, withdraw or revoke, reopen, void
    style: str = "primary"  # the confirm button: "primary", or "danger" for what refuses or undoes


class DecisionForm(forms.Form):
    """The confirmation: the version the page showed, a comment, the marker. A view whose
    decision asks for more (how a case ended) subclasses it."""

    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Kept in the record's history; only readers of this section see it."),
    )
    decision_confirmed = forms.CharField(widget=forms.HiddenInput, initial="1")

    def __init__(self, *args, decision: Decision, **kwargs):
        super().__init__(*args, **kwargs)
        if decision.comment_required:
            self.fields["comment"].required = True
            self.fields["comment"].label = _("Reason")


def decision_comment(model, comment: str | None, *, required: bool) -> str:
    """The comment an operation keeps on ``model.decision_comment``: stripped; 400 on
    ``comment`` when ``required`` and empty, or longer than the field allows."""
    comment = (comment or "").strip()
    if required and not comment:
        raise RuleViolation(_("Give a reason: this decision needs one."), field="comment", code="comment_required")
    return clean_value(model, "decision_comment", comment, field="comment")


def record_facts(record) -> list[dict[str, str]]:
    """``record`` as its section's cards show it (``[{name, label, value}]``), organizations and
    places by name."""
    kind = casefile.kind_of(type(record))
    data = kind.as_dict(record)
    parts = presentation.Parts(casefile.section_of_kind(type(record)), {}, [presentation.Records(kind, [data])])
    names = presentation.names_of([parts])
    return presentation.facts(kind.model, data, kind.fields, names=names, labels=kind.labels)


def decide(
    request: HttpRequest,
    decision: Decision,
    *,
    case,
    version: int,
    act: Callable[[Mapping[str, Any]], Any],
    back_url: str,
    record=None,
    done_url: str | None = None,
    form_class: type[DecisionForm] = DecisionForm,
    form_kwargs: Mapping[str, Any] | None = None,
    intro: str = "",
) -> HttpResponse:
    """The confirmation page of ``decision`` on ``case`` (and ``record``, shown as its cards
    show it), or — on the confirming POST — ``act(cleaned data)`` (``version``, ``comment`` and
    what ``form_class`` adds), then a redirect to ``done_url`` (default ``back_url``) with
    ``decision.done``. ``version`` is the current version of what is decided on: the page
    carries it, and shows it again after a stale attempt. The caller has checked scope and
    policy (the operation checks them again)."""
    kwargs = {"decision": decision, **(form_kwargs or {})}
    confirmed = request.method == "POST" and request.POST.get(MARKER)
    if not confirmed:
        form = form_class(initial={"version": version}, **kwargs)
        return _page(request, decision, case=case, record=record, form=form, back_url=back_url, intro=intro)
    form = form_class(request.POST, **kwargs)
    status = 400
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except StaleVersion:
            # The page again at the version shown now, with what was typed.
            data = request.POST.copy()
            data["version"] = str(version)
            form = form_class(data, **kwargs)
            form.is_valid()
            form.add_error(None, _("Someone else changed this meanwhile. Check it again below, then confirm."))
            status = 409
        except (RuleViolation, Conflict, PermissionDenied) as refused:
            show_error(form, refused)
            status = refused.status
        else:
            messages.success(request, str(decision.done))
            return HttpResponseRedirect(done_url or back_url)
    return _page(request, decision, case=case, record=record, form=form, back_url=back_url, intro=intro, status=status)


def _page(request, decision: Decision, *, case, record, form, back_url: str, intro: str, status: int = 200):
    if record is not None:  # the page shows the record's values: a read of the case
        log_read(
            request, action=AuditAction.CASE_VIEWED, case_uuid=case.uuid,
            sections=[type(record).section],
            detail={"view": f"decision-{decision.verb}", "record": str(record.uuid)},
        )  # fmt: skip
    context = {
        "decision": decision,
        "case": case,
        "record_label": presentation.kind_label(type(record)) if record is not None else None,
        "record_facts": record_facts(record) if record is not None else [],
        "form": form,
        "back_url": back_url,
        "intro": intro,
    }
    return render(request, TEMPLATE, context, status=status)
