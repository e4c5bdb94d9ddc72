"""Pages of one's own inbox (``inbox.ui_urls``): the list, opening an item, "mark all read", and
the e-mail preference.

Every page reads through ``inbox.selectors`` (the user's own items: another user's is the 404
page) and writes through ``inbox.operations``. Opening an item marks it read and re-checks scope
(``inbox.openers``): it leads to what it is about only while the user may see it, else it answers
a 404 page saying so (the refusal audited like every 404 of a case). Server-rendered, no script;
no personal value in a page of the inbox or in a URL.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from inbox import forms, openers, operations, selectors
from registry.audit import log_refusal
from registry.errors import RuleViolation
from registry.forms import show_error
from registry.pages import case_page

PAGE_SIZE = 25


@case_page("GET")
def inbox_page(request: HttpRequest) -> HttpResponse:
    """The user's items, newest first, unread marked, filtered by kind, 25 a page."""
    form = forms.KindFilterForm(request.GET or None)
    kind = form.cleaned_data["kind"] if form.is_valid() else ""
    page = Paginator(selectors.inbox_for(request.user, kind=kind or None), PAGE_SIZE).get_page(request.GET.get("page"))
    items = [
        {
            "id": item.uuid,
            "text": selectors.sentence(item),
            "kind": item.get_kind_display(),
            "unread": item.read_at is None,
            "created_at": item.created_at,
            "open_url": reverse("inbox:open", args=[item.uuid]),
        }
        for item in page.object_list
    ]
    context = {"form": form, "page": page, "items": items, "unread": selectors.unread_count(request.user)}
    return render(request, "inbox/inbox.html", context)


@case_page("GET", "POST")
def item_open(request: HttpRequest, item_id) -> HttpResponse:
    """Mark the item read and go to what it is about — if the user may see it now."""
    item = operations.notification_read(actor=request.user, notification=selectors.item_for(request.user, item_id))
    target = openers.target_url(request.user, item)
    if target is not None:
        return HttpResponseRedirect(target)
    log_refusal(request, status=404, code="not_found", case_uuid=item.case_uuid)
    return render(request, "inbox/out_of_reach.html", {"item_text": selectors.sentence(item)}, status=404)


@case_page("POST")
def read_all(request: HttpRequest) -> HttpResponse:
    """Mark every unread item read."""
    count = operations.notifications_read_all(actor=request.user)
    messages.success(
        request, ngettext("%(count)s item marked read.", "%(count)s items marked read.", count) % {"count": count}
    )
    return HttpResponseRedirect(reverse("inbox:list"))


@case_page("GET", "POST")
def notice_settings(request: HttpRequest) -> HttpResponse:
    """Whether and when the user is told by e-mail of new items (none, a daily digest, at once)."""
    if request.method == "POST":
        form = forms.EmailNoticeForm(request.POST)
        if form.is_valid():
            try:
                operations.email_notice_set(actor=request.user, email_notice=form.cleaned_data["email_notice"])
            except RuleViolation as refused:
                show_error(form, refused)
            else:
                messages.success(request, _("Your choice is saved."))
                return HttpResponseRedirect(reverse("inbox:settings"))
    else:
        form = forms.EmailNoticeForm(initial={"email_notice": request.user.email_notice})
    return render(request, "inbox/settings.html", {"form": form, "has_email": bool(request.user.email)})
