"""The system administrator's pages: staff accounts and organizations (DESIGN §5, issue 3 item 6).

Only a role holding ``Action.MANAGE_USERS`` (the ``sysadmin``) opens them. An anonymous visitor
is sent to the login page; anyone else signed in gets a 403 page, and the refusal is written to
the audit log as ``access_denied``. The pages show accounts and organizations only — never a
case or anything about a victim.

The views are thin: a form checks what was typed, an operation of ``registry.accounts.users``
or ``registry.accounts.organizations`` makes the change (and its audit event) in one
transaction, its ``ValidationError`` goes back on the form next to what was typed, and success
is said with a message after a redirect. Every change
is a POST form carrying the CSRF token; pages are never cached.

No page here sets or shows a password. An operation that creates an account, enables it again
or moves it answers with a one-time enrolment link (``registry.accounts.activation``), shown
on the page rendered in the POST's own response — stored nowhere else, not in a session, a
message cookie or a cache, and only as a digest in the database — for the administrator to hand
to the account's holder, who sets their own password and second factor through it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from registry import policy
from registry.accounts import organizations, users
from registry.accounts.activation import EnrolmentLink, open_activation, reads_cases, with_activation_pending
from registry.audit import AuditAction, AuditOutcome, record_event
from registry.context_processors import display_name
from registry.forms import (
    ConfirmForm,
    OrganizationForm,
    UserCreateForm,
    UserDisableForm,
    UserFilterForm,
    UserUpdateForm,
    show_errors,
)
from registry.models import Organization, User
from registry.policy import Action

PAGE_SIZE = 50


def sysadmin_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Open the view to system administrators only; refuse everyone else, on the record.

    Anonymous: redirect to login. Signed in without ``manage_users``: a 403 page and an
    ``access_denied`` audit event naming the page (its URL name, never what was posted).
    Also: GET, HEAD and POST only, and no caching of the answer.
    """

    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not policy.may(request.user, Action.MANAGE_USERS):
            match = request.resolver_match
            record_event(
                action=AuditAction.ACCESS_DENIED,
                request=request,
                outcome=AuditOutcome.DENIED,
                detail={"page": match.url_name if match else "", "method": request.method},
            )
            return render(request, "registry/admin/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return never_cache(require_http_methods(["GET", "HEAD", "POST"])(guarded))


def _posted(request: HttpRequest):
    """The form data of a POST (even an empty one), or None to leave a form unbound."""
    return request.POST if request.method == "POST" else None


def _account(uuid) -> User:
    return get_object_or_404(User.objects.select_related("organization__jurisdiction", "jurisdiction"), uuid=uuid)


def _organization(uuid) -> Organization:
    return get_object_or_404(Organization.objects.select_related("jurisdiction"), uuid=uuid)


# --- Accounts --------------------------------------------------------------------------------


@sysadmin_only
def user_list(request: HttpRequest) -> HttpResponse:
    """Every staff account, filtered by role, organization and status, 50 to a page."""
    filters = UserFilterForm(request.GET or None)
    accounts = filters.filter(
        with_activation_pending(User.objects.select_related("organization__jurisdiction", "jurisdiction")).order_by(
            "username"
        )
    )
    page = Paginator(accounts, PAGE_SIZE).get_page(request.GET.get("page"))
    for account in page.object_list:
        account.full_name = display_name(account) if (account.first_name or account.last_name) else ""
    return render(request, "registry/admin/user_list.html", {"filters": filters, "page": page})


def _enrolment_link_page(request: HttpRequest, link: EnrolmentLink, heading: str) -> HttpResponse:
    """The page that shows an enrolment link, once: rendered in the POST's own response."""
    return render(
        request,
        "registry/admin/enrolment_link.html",
        {
            "account": link.user,
            "link": request.build_absolute_uri(link.path),
            "expires_at": link.expires_at,
            "approval_required": reads_cases(link.user.role),
            "heading": heading,
        },
    )


@sysadmin_only
def user_create(request: HttpRequest) -> HttpResponse:
    """Create an account; the answer shows its enrolment link, once."""
    form = UserCreateForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            link = users.user_create(actor=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            heading = _("Account %(username)s created") % {"username": link.user.username}
            return _enrolment_link_page(request, link, heading)
    return render(request, "registry/admin/user_form.html", {"form": form, "account": None})


@sysadmin_only
def user_edit(request: HttpRequest, uuid) -> HttpResponse:
    """Change an account; a move answers with its new enrolment link, once."""
    account = _account(uuid)
    form = UserUpdateForm(_posted(request), user=account)
    if request.method == "POST" and form.is_valid():
        try:
            account, link = users.user_update(actor=request.user, user=account, request=request, **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            if link is not None:
                heading = _("Account %(username)s moved") % {"username": account.username}
                return _enrolment_link_page(request, link, heading)
            messages.success(request, _("Account %(username)s saved.") % {"username": account.username})
            return redirect("manage-user", uuid=account.uuid)
    return render(
        request,
        "registry/admin/user_form.html",
        {"form": form, "account": account, "activation": open_activation(account)},
    )


def _account_action(
    request: HttpRequest,
    uuid,
    *,
    form_class,
    perform: Callable[..., User | EnrolmentLink],
    template: str,
    done: str,
) -> HttpResponse:
    """A confirmation page for one action on an account, and its POST. An action that answers
    with an enrolment link shows it (``done`` is then the page's heading)."""
    account = _account(uuid)
    form = form_class(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            result = perform(actor=request.user, user=account, request=request, **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            if isinstance(result, EnrolmentLink):
                return _enrolment_link_page(request, result, done % {"username": account.username})
            messages.success(request, done % {"username": account.username})
            return redirect("manage-user", uuid=account.uuid)
    return render(request, template, {"form": form, "account": account})


@sysadmin_only
def user_disable(request: HttpRequest, uuid) -> HttpResponse:
    """Disable an account, with a reason; its sessions and API tokens end at once."""
    return _account_action(
        request,
        uuid,
        form_class=UserDisableForm,
        perform=users.user_disable,
        template="registry/admin/user_disable.html",
        done=_("Account %(username)s disabled; its sessions and API tokens have ended."),
    )


@sysadmin_only
def user_enable(request: HttpRequest, uuid) -> HttpResponse:
    """Start re-activating a disabled account: the answer shows its enrolment link, once."""
    return _account_action(
        request,
        uuid,
        form_class=ConfirmForm,
        perform=users.user_enable,
        template="registry/admin/user_enable.html",
        done=_("Account %(username)s enabled again"),
    )


@sysadmin_only
def user_enrolment_link(request: HttpRequest, uuid) -> HttpResponse:
    """Issue a new enrolment link for an account not yet enrolled; the previous one dies."""
    return _account_action(
        request,
        uuid,
        form_class=ConfirmForm,
        perform=users.user_enrolment_link_renew,
        template="registry/admin/user_enrolment_link.html",
        done=_("New enrolment link for %(username)s"),
    )


@sysadmin_only
def user_credentials_reset(request: HttpRequest, uuid) -> HttpResponse:
    """A forgotten password or a lost authenticator: the account enrols again through a new
    one-time link (``users.user_credentials_reset``), shown once."""
    return _account_action(
        request,
        uuid,
        form_class=ConfirmForm,
        perform=users.user_credentials_reset,
        template="registry/admin/user_credentials_reset.html",
        done=_("New enrolment link for %(username)s"),
    )


# --- Organizations ---------------------------------------------------------------------------


@sysadmin_only
def organization_list(request: HttpRequest) -> HttpResponse:
    listed = Organization.objects.select_related("jurisdiction").order_by("jurisdiction__code", "name")
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "registry/admin/organization_list.html", {"page": page})


@sysadmin_only
def organization_create(request: HttpRequest) -> HttpResponse:
    form = OrganizationForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            organization = organizations.organization_create(actor=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("Organization %(name)s created.") % {"name": organization.name})
            return redirect("manage-organizations")
    return render(request, "registry/admin/organization_form.html", {"form": form, "organization": None})


@sysadmin_only
def organization_edit(request: HttpRequest, uuid) -> HttpResponse:
    organization = _organization(uuid)
    form = OrganizationForm(_posted(request), organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            organization = organizations.organization_update(
                actor=request.user, organization=organization, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("Organization %(name)s saved.") % {"name": organization.name})
            return redirect("manage-organization", uuid=organization.uuid)
    return render(request, "registry/admin/organization_form.html", {"form": form, "organization": organization})


def _organization_action(request: HttpRequest, uuid, *, perform, template: str, done: str) -> HttpResponse:
    organization = _organization(uuid)
    form = ConfirmForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            perform(actor=request.user, organization=organization, request=request)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(request, done % {"name": organization.name})
            return redirect("manage-organization", uuid=organization.uuid)
    return render(request, template, {"form": form, "organization": organization})


@sysadmin_only
def organization_deactivate(request: HttpRequest, uuid) -> HttpResponse:
    return _organization_action(
        request,
        uuid,
        perform=organizations.organization_deactivate,
        template="registry/admin/organization_deactivate.html",
        done=_("Organization %(name)s deactivated."),
    )


@sysadmin_only
def organization_activate(request: HttpRequest, uuid) -> HttpResponse:
    return _organization_action(
        request,
        uuid,
        perform=organizations.organization_activate,
        template="registry/admin/organization_activate.html",
        done=_("Organization %(name)s activated again."),
    )
