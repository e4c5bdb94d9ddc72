"""The case list with its search, registration, and the case file (tabs and timeline)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from registry import casefile, policy, presentation
from registry.audit import AuditAction, log_read, search_terms_detail
from registry.errors import Conflict, RuleViolation
from registry.forms import show_error
from registry.pages import case_page, works_on_cases
from registry.paging import CappedPaginator
from registry.policy import Action, Section, require
from registry.presentation import (
    case_url,
    display,
    facts,
    kind_label,
    label_of,
    mask_id_number,
    names_of,
    section_parts,
)
from registry.ratelimit import RateLimited, count_search
from victims import filters, forms, operations, search, selectors
from victims.choices import DocumentType, ReferralStatus, Service, Stage
from victims.models import Case, Referral, Victim
from victims.stages import CLOSED_STAGES, TRANSITIONS
from victims.views.common import EDITABLE_VICTIM_SECTIONS, TIMELINE, may_register, section_data
from victims.views.void import mark_void

PAGE_SIZE = 25

# --- case list and search ---------------------------------------------------------------------

# Victim columns the list never shows: left out of the query, so they are never decrypted.
_LIST_NEVER = ("victim__aliases", "victim__birth_date", "victim__phone", "victim__address")


def _list_rows(user, cases) -> tuple[list[dict], bool, bool]:
    show_person = policy.may_read(user, Section.PERSON)
    show_identity = policy.may_read(user, Section.IDENTITY)
    # The flag tells that the person may be registered elsewhere: only for those who resolve it.
    show_duplicates = policy.may(user, Action.RESOLVE_DUPLICATE)
    rows = []
    for case in cases:
        row = {
            "uuid": case.uuid,
            "number": case.number,
            "stage": Stage(case.stage).label,
            "jurisdiction": case.jurisdiction.name,
            "opened_on": case.opened_on.isoformat(),
            "possible_duplicate": show_duplicates and case.possible_duplicate,
        }
        if show_person:
            row["name"] = case.victim.full_name
            row["sex"] = display(Victim, "sex", case.victim.sex)
        if show_identity:
            has_number = case.victim.document_type != DocumentType.NONE
            row["id_number"] = mask_id_number(case.victim.id_number if has_number else None)
        rows.append(row)
    return rows, show_person, show_identity


def _listable(user, **narrowing):
    deferred = list(_LIST_NEVER)
    if not policy.may_read(user, Section.IDENTITY):
        deferred.append("victim__id_number")
    if not policy.may_read(user, Section.PERSON):
        deferred.append("victim__full_name")
    return selectors.cases_for(user, **narrowing).defer(*deferred)


def _page_number(value) -> int:
    try:
        return max(int(value), 1)
    except (TypeError, ValueError):
        return 1


def _searchable(user) -> tuple[str, ...]:
    """The search fields the page offers ``user``: those of sections the role reads."""
    return tuple(field for field in selectors.SEARCH_SECTIONS if selectors.may_search_by(user, field))


def _list_page(request: HttpRequest, context: dict, *, status: int = 200) -> HttpResponse:
    """The case list page: ``context`` with the search form, and the filters unless searching."""
    user = request.user
    context.setdefault("form", forms.CaseSearchForm())
    if not context.get("searching"):  # a search's answer shows no filters
        context.setdefault("filters", filters.CaseFilterForm(user=user))
    context.setdefault("page", None)
    context.update(
        searchable=_searchable(user), may_register=may_register(user), clear_url=f"{reverse('victims:list')}?clear=1"
    )
    return render(request, "victims/case_list.html", context, status=status)


def _search_refused(request: HttpRequest, form, *, status: int = 200) -> HttpResponse:
    """The search form again, with the reason it was not answered."""
    return _list_page(request, {"form": form, "searching": True}, status=status)


# The list's filters, sort and page, kept between visits (never a personal value: victims.filters).
LIST_STATE = "victims.case_list"


def _columns(sort: str, show_person: bool, show_identity: bool) -> list[dict]:
    """The list's column headings: each sortable one with the sort its link asks for (the
    column ascending, or descending when it is the current ascending sort) and its state."""
    keys = ["number", *(["name", "sex"] if show_person else []), *(["id_number"] if show_identity else [])]
    keys += ["stage", "jurisdiction", "opened_on"]
    columns = []
    for key in keys:
        if key == "id_number":
            columns.append({"label": _("ID document number")})
            continue
        state = "ascending" if sort == key else "descending" if sort == f"-{key}" else None
        columns.append(
            {
                "key": key,
                "label": filters.SORTS[key][0],
                "state": state,
                "next": f"-{key}" if state == "ascending" else key,
            }
        )
    return columns


def _filtered_list(request: HttpRequest) -> HttpResponse:
    """The list as the filters in the URL ask (remembered in the session for the next visit
    without parameters); an invalid filter is shown on its field, with no list, and forgotten
    (a saved filter that no longer holds — an organization since left, say — never traps the
    list: the next visit opens it unfiltered)."""
    user = request.user
    form = filters.CaseFilterForm(request.GET, user=user)
    if not form.is_valid():
        request.session.pop(LIST_STATE, None)
        return _list_page(request, {"filters": form})
    used = form.used()
    sort = form.cleaned_data.get("sort") or ""
    state = {**used, **({"sort": sort} if sort else {})}
    page_number = _page_number(request.GET.get("page"))
    request.session[LIST_STATE] = urlencode({**state, **({"page": page_number} if page_number > 1 else {})})
    cases = form.apply(_listable(user))
    notice = None
    in_order = filters.ordered(cases, sort)
    if in_order is None:  # by name, in memory
        pks = filters.by_name(cases, descending=sort.startswith("-"))
        if pks is not None:
            page = CappedPaginator(pks, PAGE_SIZE).get_page(page_number)
            by_pk = cases.in_bulk(page.object_list)
            page.object_list = [by_pk[pk] for pk in page.object_list if pk in by_pk]
        else:
            notice = _("More than %(cap)s cases: narrow the list with the filters to sort it by name.") % {
                "cap": filters.NAME_SORT_CAP
            }
            in_order = cases.order_by("-id")
    if in_order is not None:  # counted only so far on a long list (registry.paging)
        page = CappedPaginator(in_order, PAGE_SIZE).get_page(page_number)
    rows, show_person, show_identity = _list_rows(user, page.object_list)
    sections = [s for s in (Section.PERSON, Section.IDENTITY) if policy.may_read(user, s)]
    detail: dict[str, Any] = {"count": page.paginator.count, "page": page.number}
    if not page.paginator.count_exact:
        detail["count_exact"] = False
    if used:
        detail["filters"] = used
    if sort:
        detail["sort"] = sort
    log_read(request, action=AuditAction.CASE_LISTED, sections=sections, detail=detail)
    return _list_page(
        request,
        {
            "filters": form,
            "filtered": bool(used),
            "page": page,
            "rows": rows,
            "columns": _columns(sort, show_person, show_identity),
            "show_person": show_person,
            "show_identity": show_identity,
            "notice": notice,
        },
    )


@case_page("GET", "HEAD", "POST")
def case_list(request: HttpRequest) -> HttpResponse:
    """The cases the user sees: a working list filtered, sorted and paged by GET
    (``victims.filters``: only non-personal values, so they may stand in the URL), the filters
    remembered in the session and restored when the list is opened without parameters
    (``?clear=1`` clears them), newest first by default, with the total and numbered pages (a
    long list is counted only so far: "more than" ``REGISTRY_LIST_COUNT_LIMIT`` cases, exact on
    its last page, ``registry.paging``).

    A search is posted (the terms never enter a URL) and answered in the same response: the one
    box ``q`` (case number, ID number, part of a name or its pinyin: ``selectors.search_cases``,
    ranked, at most ``search.CAP`` cases on one page, the audit event naming each case shown)
    and the exact fields by ID number or full name (blind indexes, paginated). A search is
    counted against the account's rate limit first (429 past it, ``registry.ratelimit``); a
    search by a field of a section the role may not read is the audited 403 page
    (``selectors.cases_for`` refuses it); a term the normalization refuses is shown on its
    field. Every list and search is audited (``case_listed`` with the filters,
    ``case_searched``)."""
    user = request.user
    require(works_on_cases(user), _("Your role does not open victims' files."))
    if request.method != "POST":
        if not request.GET and request.session.get(LIST_STATE):
            return HttpResponseRedirect(f"{reverse('victims:list')}?{request.session[LIST_STATE]}")
        return _filtered_list(request)
    form = forms.CaseSearchForm(request.POST)
    if not form.is_valid():
        return _search_refused(request, form)
    stage = form.cleaned_data["stage"] or None
    terms = form.terms()
    if not terms:  # no term: the list as it was, with a normal link, so Back and Reload behave
        url = reverse("victims:list")
        return HttpResponseRedirect(f"{url}?stage={stage}" if stage else url)
    page_number = form.cleaned_data["page"] or 1
    try:
        count_search(request)
    except RateLimited as refused:
        form.add_error(None, refused.message)
        return _search_refused(request, form, status=refused.status)

    exact = {key: value for key, value in terms.items() if key != "q"}
    found = None
    try:
        cases = _listable(user, stage=stage, **exact)
        if "q" in terms:
            found = selectors.search_cases(user, terms["q"], cases=cases)
    except RuleViolation as refused:
        show_error(form, refused)
        return _search_refused(request, form)
    if found is not None:  # ranked and capped: one page, best first
        page = Paginator(found.cases, search.CAP).get_page(1)
    else:
        page = Paginator(cases, PAGE_SIZE).get_page(page_number)
    rows, show_person, show_identity = _list_rows(user, page.object_list)
    sections = [s for s in (Section.PERSON, Section.IDENTITY) if policy.may_read(user, s)]
    detail: dict[str, Any] = {"count": found.total if found else page.paginator.count, "page": page.number}
    if stage:
        detail["filters"] = {"stage": stage}
    detail["terms"] = search_terms_detail(terms)
    if found is not None or page.paginator.count <= 20:  # the cases revealed (a search shows at most CAP)
        detail["cases"] = [str(row["uuid"]) for row in rows]
    log_read(request, action=AuditAction.CASE_SEARCHED, sections=sections, detail=detail)
    return _list_page(
        request,
        {
            "form": form,
            "page": page,
            "rows": rows,
            "show_person": show_person,
            "show_identity": show_identity,
            "searching": True,
            "capped": found is not None and found.capped,
            "cap": search.CAP,
            "stage_label": dict(Stage.choices).get(stage) if stage else None,
        },
    )


# --- registration -----------------------------------------------------------------------------


@case_page("GET", "HEAD", "POST")
def case_register(request: HttpRequest) -> HttpResponse:
    """Register a rescued person (caseworkers): victim, responsible jurisdiction, rescue. A person
    already registered within the caseworker's reach is refused with a link to that case; one
    registered outside it is registered, flagged for civil affairs, and the caseworker reads the
    same words wherever the other case is ("已登记，请联系民政部门"), nothing of that case."""
    user = request.user
    require(may_register(user), _("Only shelter caseworkers register victims."))
    form = forms.RegistrationForm(request.POST or None, organization=user.organization)
    duplicate = None  # the case within reach that already holds the person
    if request.method == "POST" and form.is_valid():
        try:
            case = operations.case_register(
                actor=user,
                victim=form.victim(),
                jurisdiction=form.cleaned_data["jurisdiction"],
                opened_on=form.cleaned_data["opened_on"],
                rescue=form.rescue(),
            )
        except RuleViolation as refused:
            show_error(form, refused, forms.identity_error_aliases(form.cleaned_data.get("document_type")))
        except operations.DuplicateVictim as refused:
            form.add_error(None, refused.message)
            duplicate = refused.case
        except Conflict as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Case %(number)s is registered.") % {"number": case.number})
            if case.possible_duplicate:  # registered outside the caseworker's reach: the same words everywhere
                messages.warning(request, _("Already registered: please contact civil affairs."))
            return HttpResponseRedirect(case_url(case))
    return render(request, "victims/case_register.html", {"form": form, "duplicate": duplicate})


# --- the case file ----------------------------------------------------------------------------


def _referral_actions(user, case: Case, referral: dict) -> list[dict]:
    """The buttons the user gets on one referral, as the policy and its status allow: the
    receiver's answers post at once; approve, reject and revoke link to their confirmation page."""
    status = referral["status"]
    actions = []
    if policy.may(user, Action.RESPOND_REFERRAL) and referral["to_organization"] == str(
        getattr(user.organization, "uuid", "")
    ):
        if status == ReferralStatus.PENDING:
            actions += [("accept", _("Accept"), "primary", False), ("decline", _("Decline"), "danger", True)]
        elif status == ReferralStatus.ACCEPTED:
            actions.append(("complete", _("Mark as completed"), "primary", True))
    if policy.may(user, Action.APPROVE_CHILD_REFERRAL) and status == ReferralStatus.AWAITING_APPROVAL:
        actions += [
            ("approve", _("Approve"), "primary", False),
            ("reject", pgettext("decision", "Reject"), "danger", False),
        ]
    if policy.may_write(user, Section.REFERRALS) and status in (
        ReferralStatus.AWAITING_APPROVAL,
        ReferralStatus.PENDING,
        ReferralStatus.ACCEPTED,
    ):
        actions.append(("revoke", _("Revoke"), "danger", False))
    return [
        {
            "verb": verb,
            "label": label,
            "style": style,
            "with_note": with_note,
            "link": verb in ("approve", "reject", "revoke"),
            "url": reverse("victims:referral-act", args=[case.uuid, referral["id"], verb]),
            "version": referral["version"],
        }
        for verb, label, style, with_note in actions
    ]


def _case_facts(case: Case) -> list[dict]:
    """The case's own facts, under the person's on the first tab: who handles it, since when."""
    rows = [
        ("jurisdiction", str(case.jurisdiction)),
        ("lead_organization", case.lead_organization.name),
        ("opened_on", case.opened_on.isoformat()),
    ]
    if case.closed_on:
        rows.append(("closed_on", case.closed_on.isoformat()))
    return [{"name": name, "label": label_of(Case, name), "value": value} for name, value in rows]


def _tab_blocks(user, case: Case, section, data) -> list[dict]:
    """What a section's tab shows when its app declares no tab of its own: a definition list of
    the section's own facts, then each list of records (cards or a table), with edit and add
    links where the user may write and the kind has a form."""
    declared = casefile.declared(section)
    parts = section_parts(declared, data)
    names = names_of([parts])
    writable = policy.may_write(user, section)
    blocks = []
    if declared.facts is not None:
        block = {
            "layout": "facts",
            "facts": facts(declared.facts_models, parts.facts, parts.facts, names=names, labels=declared.facts_labels),
        }
        if section == Section.PERSON:
            block["facts"] += _case_facts(case)
        if writable and section in EDITABLE_VICTIM_SECTIONS:
            block["edit_url"] = reverse("victims:victim-edit", args=[case.uuid, section.value])
        blocks.append(block)
    for records in parts.records:
        kind = records.kind
        model = kind.model
        items = []
        for record in records.rows:
            item = {"id": record["id"], "facts": facts(model, record, kind.fields, names=names, labels=kind.labels)}
            if writable and kind.form:
                item["edit_url"] = reverse("victims:record-edit", args=[case.uuid, kind.form, record["id"]])
            if model is Referral:
                item["actions"] = _referral_actions(user, case, record)
            items.append(item)
        block = {
            "layout": kind.layout,
            # A list alone on its tab needs no heading of its own: the tab's heading names it.
            "title": records.title if len(parts.records) > 1 or declared.facts is not None else None,
            "kind": kind.form or model._meta.model_name,
            "columns": [label_of(model, name, kind.labels) for name in kind.fields],
            "records": items,
        }
        if writable and kind.form:
            block["add_url"] = reverse("victims:record-add", args=[case.uuid, kind.form])
            block["add_label"] = _("Add: %(kind)s") % {"kind": kind_label(model)}
        if model is Referral and writable:
            block["refer_links"] = [
                {"label": service.label, "url": reverse("victims:referral-create", args=[case.uuid, service.value])}
                for service in Service
            ]
        blocks.append(block)
    return blocks


def timeline(user, case: Case) -> list[dict]:
    """The case's timeline for ``user`` (``registry.presentation.timeline``), newest first."""
    sections = casefile.case_sections(user, case, current=True)
    return list(reversed(presentation.timeline(case, sections, casefile.case_history(user, case))))


def _case_actions(user, case: Case) -> list[dict]:
    """Civil affairs' buttons in the case header: close and reopen (links to their confirmation
    pages, ``registry.decisions`` — reopen a secondary one: a closed case is there to be read),
    resolve a possible duplicate."""
    actions = []
    if policy.may(user, Action.CLOSE_CASE):
        if Stage.CLOSED in TRANSITIONS[Stage(case.stage)]:
            actions.append(
                {"verb": "close", "label": _("Close the case"), "style": "danger", "link": True,
                 "url": reverse("victims:case-close", args=[case.uuid])}
            )  # fmt: skip
        if case.stage in CLOSED_STAGES:
            actions.append({"verb": "reopen", "label": _("Reopen the case"), "style": "secondary", "link": True})
    if policy.may(user, Action.RESOLVE_DUPLICATE) and case.possible_duplicate:
        actions.append({"verb": "resolve-duplicate", "label": "", "style": "duplicate"})
    for action in actions:
        action.setdefault("url", reverse("victims:case-act", args=[case.uuid, action["verb"]]))
    return actions


@case_page("GET", "HEAD")
def case_file(request: HttpRequest, case_id) -> HttpResponse:
    """The case file: a header, one tab per section the user may read, and a timeline."""
    user = request.user
    case = selectors.case_for(user, case_id)
    shown = casefile.shown_sections(user)
    tabs = [(section.value, section.label) for section in shown] + [(TIMELINE, _("Timeline"))]
    tab = request.GET.get("tab")
    if tab not in {value for value, _label in tabs}:
        tab = tabs[0][0]
    person = section_data(user, case, Section.PERSON) if Section.PERSON in shown else None
    context: dict[str, Any] = {
        "case": case,
        "person": person,
        "tabs": [{"value": value, "label": label, "url": case_url(case, value)} for value, label in tabs],
        "tab": tab,
        "case_actions": _case_actions(user, case),
        "case_links": casefile.case_links(user, case),
        "header_parts": casefile.header_parts(request, case),
    }
    if tab == TIMELINE:
        context["timeline"] = timeline(user, case)
        sections = list(shown)
    else:
        section = policy.section_named(tab)
        context["tab_label"] = section.label
        data = section_data(user, case, section)
        view = casefile.tab_view(section)
        if view is not None:
            context["tab_template"], extra = view(request, case, data)
            context.update(extra)
        else:
            context["blocks"] = _tab_blocks(user, case, section, data)
        mark_void(context, user, case, section, data)
        context["tab_parts"] = casefile.tab_parts(request, case, section)
        sections = list(dict.fromkeys([s for s in (Section.PERSON, section) if s in shown]))
    # Whether the person may be registered elsewhere is for civil affairs, who resolve it; the
    # registering caseworker learns nothing of a case outside her scope (operations.case_register).
    context["show_duplicate"] = case.possible_duplicate and policy.may(user, Action.RESOLVE_DUPLICATE)
    if context["show_duplicate"] and case.duplicate_of_id:
        others = selectors.cases_for(user).filter(pk=case.duplicate_of_id).select_related(None)
        context["duplicate_of"] = others.only("uuid", "number").first()
    log_read(request, action=AuditAction.CASE_VIEWED, case_uuid=case.uuid, sections=sections)
    return render(request, "victims/case_file.html", context)
