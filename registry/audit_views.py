"""The auditor's pages: the audit log, filtered, and its CSV export (DESIGN §4, §5).

Only a role holding ``Action.VIEW_AUDIT`` (the auditor) opens them. An anonymous visitor is sent
to the login page; anyone else signed in gets a 403 page and an ``access_denied`` audit event.
Reading the log is itself on the record: each page shown is an ``audit_viewed`` event and each
export an ``audit_exported`` event, naming the filters used.

The same :class:`AuditFilterForm` filters the page, the export and the API
(``registry.api.audit``), so the three always agree on what a filter means; the page and the
export name a case by its number (:class:`AuditPageFilterForm`, translated to the case's UUID
server side), the API by its UUID. The export's header is in English machine names by default,
in Chinese on request, and its times are Beijing time (Asia/Shanghai, UTC+8), as its header says.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import wraps
from zoneinfo import ZoneInfo

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

from registry import casefile, policy
from registry.audit import AuditAction, AuditOutcome, keyed_digest, record_event
from registry.forms import date_field
from registry.models import AuditEvent, User, canonical_json
from registry.policy import Action

PAGE_SIZE = 50


# The days a filter may name: any day of the log, none whose start (in the registry's time zone,
# converted to UTC) or following day falls outside what ``datetime`` holds (a 500, not a 400).
DATE_RANGE = (date(1900, 1, 1), date(9998, 12, 31))


class AuditFilterForm(forms.Form):
    """What an auditor may filter the log by. Every field is optional; an invalid value is an
    error (400 in the API), never silently ignored."""

    user = forms.CharField(label=_("Username"), max_length=150, required=False)
    action = forms.ChoiceField(label=_("Action"), choices=[("", _("Any action")), *AuditAction.choices], required=False)
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[("", _("Any outcome")), *AuditOutcome.choices], required=False
    )
    date_from = date_field(label=_("From (date)"), required=False)
    date_to = date_field(label=_("To (date)"), required=False)
    case = forms.UUIDField(label=_("Case id"), required=False)

    def clean(self):
        cleaned = super().clean()
        for name in ("date_from", "date_to"):  # a day the time zone arithmetic can hold
            if cleaned.get(name) and not DATE_RANGE[0] <= cleaned[name] <= DATE_RANGE[1]:
                self.add_error(name, _("Give a date from the year 1900 to 9998."))
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


class AuditPageFilterForm(AuditFilterForm):
    """The filters of the auditor's page and export: a case by its number as the case list
    shows it (e.g. FZ-350102-2026-00001), translated here to the case's UUID, so that
    :meth:`AuditFilterForm.filter` and the audit detail name the case as the API does. An
    unknown number is an error on its field (the auditor reads the log of every case, so
    "unknown" reveals nothing a role could not see)."""

    case = None
    case_number = forms.CharField(label=_("Case number"), max_length=32, required=False)

    def clean_case_number(self) -> str:
        number = self.cleaned_data["case_number"].strip()
        if number:
            found = casefile.case_model().objects.filter(number__iexact=number).values_list("uuid", flat=True)
            self.cleaned_data["case"] = found.first()
            if self.cleaned_data["case"] is None:
                raise forms.ValidationError(_("No case has this number. Type it as the case list shows it."))
        return number


class ExportForm(AuditPageFilterForm):
    """The page's filters plus the language of the CSV header (English machine names unless
    Chinese labels are asked for)."""

    labels = forms.ChoiceField(
        label=_("Column headings"),
        choices=[("en", _("English machine names (for tools)")), ("zh", _("Chinese labels"))],
        required=False,
    )


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


def _case_numbers(events) -> dict:
    """``{case UUID: case number}`` of the cases ``events`` name (one query), for the table."""
    uuids = {event.case_uuid for event in events if event.case_uuid}
    if not uuids:
        return {}
    return dict(casefile.case_model().objects.filter(uuid__in=uuids).values_list("uuid", "number"))


def _log_page(request: HttpRequest, form: AuditPageFilterForm, page=None, *, status: int = 200) -> HttpResponse:
    numbers = _case_numbers(page.object_list) if page is not None else {}
    if page is not None:
        for event in page.object_list:
            event.case_number = numbers.get(event.case_uuid, "")
    return render(
        request,
        "registry/audit/log.html",
        {
            "form": form,
            "page": page,
            # The filters again, hidden in the export form (the page number is not one).
            "export_filters": [(name, value) for name, value in request.GET.items() if name in form.fields],
            "export_form": ExportForm(initial={"labels": "en"}),
        },
        status=status,
    )


@auditor_only
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit log, newest first, 50 events a page, with the filters of the form; each
    event's case named by its number. An invalid filter shows the form again (400)."""
    form = AuditPageFilterForm(request.GET)
    if not form.is_valid():
        return _log_page(request, form, status=400)
    events = form.filter(AuditEvent.objects.order_by("-id"))
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    record_event(action=AuditAction.AUDIT_VIEWED, request=request, detail=form.audit_detail())
    return _log_page(request, form, page)


# Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# The export's times: Beijing time, whatever the server's zone, as the header states.
EXPORT_ZONE = ZoneInfo("Asia/Shanghai")


def _beijing_time(event) -> str:
    return event.occurred_at.astimezone(EXPORT_ZONE).isoformat()


# (English machine name, Chinese label, cell): the header is one or the other, never translated
# by the interface language, so a tool reading the default header always finds the same names.
CSV_COLUMNS = (
    ("sequence", "序号", lambda event: event.pk),
    ("time (Asia/Shanghai, UTC+8)", "时间（北京时间，UTC+8）", _beijing_time),
    ("username", "用户名", lambda event: event.actor_username),
    ("user_id", "用户标识", lambda event: event.actor_uuid or ""),
    ("role", "角色", lambda event: event.role),
    ("organization_id", "机构编号", lambda event: event.organization_ref if event.organization_ref is not None else ""),
    ("organization", "机构", lambda event: event.organization_name),
    ("action", "操作", lambda event: event.action),
    ("outcome", "结果", lambda event: event.outcome),
    ("case_id", "个案标识", lambda event: event.case_uuid or ""),
    ("sections", "涉及部分", lambda event: " ".join(event.sections)),
    ("ip_address", "IP地址", lambda event: event.ip_address),
    ("request_id", "请求编号", lambda event: event.request_id),
    ("detail", "详情", lambda event: canonical_json(event.detail) if event.detail else ""),
    ("chain", "所属链", lambda event: event.partition),
    ("prev_hash", "前一条哈希值", lambda event: event.prev_hash),
    ("hash", "哈希值", lambda event: event.hash),
)  # fmt: skip


def csv_safe(value) -> str:
    """A cell a spreadsheet shows as text: one starting with ``= + - @``, a tab or a carriage
    return gets a leading apostrophe, so it is never evaluated as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_PREFIXES) else text


class _Echo:
    """A file-like object whose ``write`` hands the line back, for streaming ``csv.writer``."""

    def write(self, value: str) -> str:
        return value


def csv_lines(events: QuerySet[AuditEvent], *, chinese: bool = False) -> Iterator[str]:
    """The CSV: a byte-order mark, the header (machine names, or Chinese labels when
    ``chinese``), one formula-safe row per event."""
    writer = csv.writer(_Echo())
    yield "\ufeff"  # a byte-order mark, so spreadsheet programs read the Chinese text as UTF-8
    yield writer.writerow([label if chinese else name for name, label, _cell in CSV_COLUMNS])
    for event in events.iterator(chunk_size=2000):
        yield writer.writerow([csv_safe(cell(event)) for _name, _label, cell in CSV_COLUMNS])


@auditor_only
def audit_export(request: HttpRequest) -> HttpResponse:
    """The filtered log as CSV, oldest first, streamed (memory stays flat for any size), its
    header in machine names or Chinese labels (``labels=zh``). The export is recorded as
    ``audit_exported`` with its filters and row count; it covers the events up to the moment
    it was asked for. An invalid filter shows the page's form again (400)."""
    form = ExportForm(request.GET)
    if not form.is_valid():
        return _log_page(request, form, status=400)
    last_id = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    events = form.filter(AuditEvent.objects.filter(id__lte=last_id).order_by("id"))
    record_event(
        action=AuditAction.AUDIT_EXPORTED,
        request=request,
        detail={**form.audit_detail(), "rows": events.count(), "last_sequence": last_id},
    )
    stamp = timezone.now().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    chinese = form.cleaned_data.get("labels") == "zh"
    response = StreamingHttpResponse(csv_lines(events, chinese=chinese), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    return response
