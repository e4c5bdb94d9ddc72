"""The auditor's pages: the audit log, filtered, and its CSV export (DESIGN §4, §5).

Only a role holding ``Action.VIEW_AUDIT`` (the auditor) opens them. An anonymous visitor is sent
to the login page; anyone else signed in gets a 403 page and an ``access_denied`` audit event.
Reading the log is itself on the record: each page shown is an ``audit_viewed`` event and each
export an ``audit_exported`` event, naming the filters used.

The same :class:`AuditFilterForm` filters the page, the export and the API
(``registry.api.audit``), so the three always agree on what a filter means.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time, timedelta
from functools import wraps

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from registry import policy
from registry.audit import AuditAction, AuditOutcome, keyed_digest, record_event
from registry.models import AuditEvent, User, canonical_json
from registry.policy import Action

PAGE_SIZE = 50


class AuditFilterForm(forms.Form):
    """What an auditor may filter the log by. Every field is optional; an invalid value is an
    error (400 in the API), never silently ignored."""

    user = forms.CharField(label=_("Username"), max_length=150, required=False)
    action = forms.ChoiceField(label=_("Action"), choices=[("", _("Any action")), *AuditAction.choices], required=False)
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[("", _("Any outcome")), *AuditOutcome.choices], required=False
    )
    date_from = forms.DateField(label=_("From (date)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To (date)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    case = forms.UUIDField(label=_("Case id"), required=False)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date lies before the start date."))
        return cleaned

    def filter(self, queryset: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        """``queryset`` narrowed to the valid filters. Dates are whole days in the registry's
        time zone, both ends included."""
        data = self.cleaned_data
        if data.get("user"):
            queryset = queryset.filter(actor_username=data["user"])
        if data.get("action"):
            queryset = queryset.filter(action=data["action"])
        if data.get("outcome"):
            queryset = queryset.filter(outcome=data["outcome"])
        if data.get("date_from"):
            queryset = queryset.filter(occurred_at__gte=_start_of(data["date_from"]))
        if data.get("date_to"):
            queryset = queryset.filter(occurred_at__lt=_start_of(data["date_to"] + timedelta(days=1)))
        if data.get("case"):
            queryset = queryset.filter(case_uuid=data["case"])
        return queryset

    def audit_detail(self) -> dict:
        """The filters used, for the ``audit_viewed`` / ``audit_exported`` event. A username is
        named only when it is an account's (staff names are not victim data); any other text
        typed into that field is kept only as its keyed digest."""
        data = self.cleaned_data
        used = {}
        for name in ("action", "outcome"):
            if data.get(name):
                used[name] = data[name]
        for name in ("date_from", "date_to"):
            if data.get(name):
                used[name] = data[name].isoformat()
        if data.get("case"):
            used["case"] = str(data["case"])
        if data.get("user"):
            typed = data["user"]
            known = User.objects.filter(username=typed).exists()
            used["user"] = typed if known else keyed_digest(typed, purpose="audit.username")
        return {"filters": used} if used else {}


def _start_of(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def auditor_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Open the view to auditors only: anonymous visitors go to the login page, any other role
    gets a 403 page and an ``access_denied`` event. GET and HEAD only; never cached."""

    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not policy.may(request.user, Action.VIEW_AUDIT):
            match = request.resolver_match
            record_event(
                action=AuditAction.ACCESS_DENIED,
                request=request,
                outcome=AuditOutcome.DENIED,
                detail={"status": 403, "method": request.method[:10], "route": match.view_name if match else ""},
            )
            return render(request, "registry/audit/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return never_cache(require_safe(guarded))


@auditor_only
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit log, newest first, 50 events a page, with the filters of the form."""
    form = AuditFilterForm(request.GET)
    page = None
    if form.is_valid():
        events = form.filter(AuditEvent.objects.order_by("-id"))
        page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
        record_event(action=AuditAction.AUDIT_VIEWED, request=request, detail=form.audit_detail())
    return render(
        request,
        "registry/audit/log.html",
        {"form": form, "page": page, "export_query": request.GET.urlencode()},
        status=200 if page is not None else 400,
    )


# Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

CSV_COLUMNS = (
    ("sequence", lambda event: event.pk),
    ("time_utc", lambda event: event.occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z")),
    ("username", lambda event: event.actor_username),
    ("user_id", lambda event: event.actor_uuid or ""),
    ("role", lambda event: event.role),
    ("organization_id", lambda event: event.organization_ref if event.organization_ref is not None else ""),
    ("organization", lambda event: event.organization_name),
    ("action", lambda event: event.action),
    ("outcome", lambda event: event.outcome),
    ("case_id", lambda event: event.case_uuid or ""),
    ("sections", lambda event: " ".join(event.sections)),
    ("ip_address", lambda event: event.ip_address),
    ("request_id", lambda event: event.request_id),
    ("detail", lambda event: canonical_json(event.detail) if event.detail else ""),
    ("prev_hash", lambda event: event.prev_hash),
    ("hash", lambda event: event.hash),
)


def csv_safe(value) -> str:
    """A cell a spreadsheet shows as text: one starting with ``= + - @``, a tab or a carriage
    return gets a leading apostrophe, so it is never evaluated as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_PREFIXES) else text


class _Echo:
    """A file-like object whose ``write`` hands the line back, for streaming ``csv.writer``."""

    def write(self, value: str) -> str:
        return value


def csv_lines(events: QuerySet[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # a byte-order mark, so spreadsheet programs read the Chinese text as UTF-8
    yield writer.writerow([name for name, _ in CSV_COLUMNS])
    for event in events.iterator(chunk_size=2000):
        yield writer.writerow([csv_safe(cell(event)) for _, cell in CSV_COLUMNS])


@auditor_only
def audit_export(request: HttpRequest) -> HttpResponse:
    """The filtered log as CSV, oldest first, streamed (memory stays flat for any size). The
    export is recorded as ``audit_exported`` with its filters and row count; it covers the
    events up to the moment it was asked for."""
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "registry/audit/log.html", {"form": form, "page": None}, status=400)
    last_id = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    events = form.filter(AuditEvent.objects.filter(id__lte=last_id).order_by("id"))
    record_event(
        action=AuditAction.AUDIT_EXPORTED,
        request=request,
        detail={**form.audit_detail(), "rows": events.count(), "last_sequence": last_id},
    )
    stamp = timezone.now().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    response = StreamingHttpResponse(csv_lines(events), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    return response
