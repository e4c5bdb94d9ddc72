"""Account pages: sign-in (password, second factor — code or enrolment —, sign-out), the step-up
confirmation before dangerous actions, enrolment through a one-time link, and the approval of
accounts by a second person.

With a second factor required (``registry.accounts.credentials.second_factor_required``) the password step
signs no one in: it records a pending sign-in (``registry.two_factor``) and sends the user to
the code page, or — for an account without a confirmed device — to enrolment, where the new
device must accept a code before it counts. Only then is the session signed in. Every step goes
through the lockout rules (``registry.accounts.lockout``): a wrong password or code counts, and
nothing is accepted during a lockout or the account's delay.

Enrolment (``registry.accounts.activation``): the link's page checks the token, keeps only its
digest in the session and redirects to the enrolment form, whose URL carries no token — so the
token leaves no trace in the browser's history or a ``Referer`` header (Django's password reset
does the same). The form sets the holder's own password and second factor; it signs no one in.

Changing one's own password (``registry.accounts.passwords``): any signed-in user, with the
current password (a wrong one counts towards the lockout, as at sign-in); this session stays
signed in, every other one ends. The keep-alive (``keep_alive``) is what the idle warning's
"continue working" button posts (``registry/static/registry/idle.js``): it counts as activity.

Approval: only a role of ``REGISTRY_ACCOUNT_APPROVERS`` opens the approval pages (anyone else
gets the audited 403 page of ``registry.pages``); an approver sees the accounts of their
jurisdiction waiting for them, and any other account is absent (404).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_otp import login as otp_login

from registry import two_factor
from registry.account_forms import CodeForm, ConfirmPasswordForm, EnrolmentForm, PasswordChangeForm
from registry.accounts import activation, credentials, lockout, passwords, step_up
from registry.errors import NotFound, PermissionDenied
from registry.forms import ConfirmForm, show_errors
from registry.models import ActivationOutcome
from registry.pages import case_page


class LoginView(auth_views.LoginView):
    """The password step; signs in directly only when no second factor is needed."""

    template_name = "registry/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["two_factor_off"] = not settings.REGISTRY_REQUIRE_2FA
        return context

    def form_valid(self, form):
        user = form.get_user()
        if not credentials.second_factor_required(user):
            return super().form_valid(form)
        two_factor.begin_pending_login(self.request, user, self.get_success_url())
        if two_factor.confirmed_device(user) is None:
            return redirect("two-factor-enrol")
        return redirect("two-factor-verify")


class LogoutView(auth_views.LogoutView):
    """Django 5 signs out on POST only, so a link or an image on another page cannot do it."""


def _refuse_if_locked(request, user):
    """The lockout page (and the pending sign-in dropped) if a lockout or the account's delay
    refuses ``user`` now."""
    if lockout.sign_in_allowed(request, user.get_username()):
        return None
    two_factor.clear_pending_login(request)
    return lockout.lockout_response(request)


@never_cache
@sensitive_post_parameters("otp_token")
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    """The code step of a pending sign-in."""
    user = two_factor.pending_user(request)
    if user is None:
        messages.info(request, _("Please sign in with your password first."))
        return redirect("login")
    if two_factor.confirmed_device(user) is None:
        return redirect("two-factor-enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if (refusal := _refuse_if_locked(request, user)) is not None:
            return refusal
        device = two_factor.verify_code(user, form.cleaned_data["otp_token"])
        if device is not None:
            return redirect(two_factor.complete_login(request, user, device))
        lockout.count_failed_sign_in(request, user.get_username())
        if lockout.is_locked_out(request):
            two_factor.clear_pending_login(request)  # AxesMiddleware answers with the lockout page
        form.add_error("otp_token", _("The code is not correct. Enter the code your app shows now."))
    return render(request, "registry/accounts/two_factor_verify.html", {"form": form})


@never_cache
@sensitive_post_parameters("otp_token")
@require_http_methods(["GET", "POST"])
def two_factor_enrol(request):
    """Set up an authenticator app: scan the code, then prove it works with a code of its own.

    Reached by a pending sign-in of an account without a device (which is then signed in), or
    by a signed-in user setting up two-factor sign-in of their own accord.
    """
    pending = two_factor.pending_user(request)
    user = pending or (request.user if request.user.is_authenticated else None)
    if user is None:
        return redirect_to_login(request.get_full_path())
    if two_factor.confirmed_device(user) is not None:
        if pending is not None:
            return redirect("two-factor-verify")
        return render(request, "registry/accounts/two_factor_enrolled.html")
    device = two_factor.enrolment_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if pending is not None and (refusal := _refuse_if_locked(request, user)) is not None:
            return refusal
        confirmed = two_factor.confirm_enrolment(user, form.cleaned_data["otp_token"], request=request)
        if confirmed is not None:
            messages.success(request, _("Your authenticator app is set up. Use it each time you sign in."))
            if pending is not None:
                return redirect(two_factor.complete_login(request, user, confirmed))
            otp_login(request, confirmed)
            return redirect(settings.LOGIN_REDIRECT_URL)
        form.add_error("otp_token", _("The code is not correct. Enter the code your app shows now."))
    return render(
        request,
        "registry/accounts/two_factor_enrol.html",
        {
            "form": form,
            "qr_svg": two_factor.qr_svg(device),
            "secret": two_factor.secret_for_display(device),
            "pending": pending is not None,
        },
    )


@never_cache
@login_required
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def confirm_identity(request):
    """Step-up: re-enter the password before a dangerous action (``require_recent_auth``)."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        next_url = resolve_url(settings.LOGIN_REDIRECT_URL)
    form = ConfirmPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if step_up.verify_password(request, form.cleaned_data["password"]):
            step_up.mark_recent_auth(request)
            return redirect(next_url)
        form.add_error("password", _("The password is not correct."))
    return render(request, "registry/accounts/confirm.html", {"form": form, "next": next_url})


# --- The user's own account -------------------------------------------------------------------


@never_cache
@login_required
@sensitive_post_parameters("current_password", "password", "password_again")
@require_http_methods(["GET", "POST"])
def password_change(request):
    """Change your own password (``user_password_change``); this session stays signed in."""
    form = PasswordChangeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = passwords.user_password_change(
                    request=request, current_password=data["current_password"], password=data["password"]
                )
            except lockout.LockedOut:
                return lockout.lockout_response(request)
            except ValidationError as error:
                show_errors(form, error)
            else:
                update_session_auth_hash(request, user)  # a new session key, still signed in
                credentials.index_session(request, user)
                messages.success(request, _("Your password is changed. Your other sessions have ended."))
                return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "registry/accounts/password_change.html", {"form": form}, status=status)


@never_cache
@require_POST
def keep_alive(request):
    """The idle warning's "continue working": 204 for a signed-in session, whose last activity
    is now (``SessionTimeoutMiddleware`` ends a session idle too long); 401 otherwise. CSRF is
    checked as for any POST."""
    if not request.user.is_authenticated:
        return HttpResponse(status=401)
    credentials.mark_active(request)
    return HttpResponse(status=204)


# --- Enrolment through a one-time link -------------------------------------------------------

# The digest of the enrolment link this (anonymous) session is using; never the token itself.
ENROLMENT_SESSION_KEY = "registry_enrolment"


def _dead_link_page(request):
    request.session.pop(ENROLMENT_SESSION_KEY, None)
    return render(request, "registry/accounts/enrol_dead.html", status=404)


@never_cache
@require_safe
def enrol_link(request, token: str):
    """The enrolment link: a live one is remembered (by its digest) and the holder sent on to
    the form; a used, expired or replaced one gets a page saying so (404)."""
    digest = credentials.token_digest(token)
    if activation.enrolment_begin(digest) is None:
        return _dead_link_page(request)
    request.session[ENROLMENT_SESSION_KEY] = digest
    return redirect("account-enrol-form")


@never_cache
@sensitive_post_parameters("password", "password_again", "otp_token")
@require_http_methods(["GET", "POST"])
def enrol(request):
    """The holder sets their password and proves their second factor (``user_enrol``): the
    account's own authenticator if it has one, else a new one set up here."""
    digest = request.session.get(ENROLMENT_SESSION_KEY, "")
    pending = activation.live_activation(digest)
    if pending is None:
        return _dead_link_page(request)
    account = pending.user
    needs_code = credentials.second_factor_required(account)
    has_device = needs_code and two_factor.confirmed_device(account) is not None
    form = EnrolmentForm(request.POST or None, with_code=needs_code)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            done = activation.user_enrol(
                digest=digest, password=data["password"], code=data.get("otp_token", ""), request=request
            )
        except ValidationError as error:
            show_errors(form, error)
        else:
            request.session.pop(ENROLMENT_SESSION_KEY, None)
            if done.outcome == ActivationOutcome.ACTIVATED:
                messages.success(request, _("You are enrolled. Sign in with your new password."))
            else:
                messages.success(
                    request,
                    _("You are enrolled. Your account can sign in once a second person has approved it."),
                )
            return redirect("login")
    context = {"form": form, "account": account, "needs_code": needs_code, "has_device": has_device}
    if needs_code and not has_device:
        device = two_factor.enrolment_device(account)
        context.update(qr_svg=two_factor.qr_svg(device), secret=two_factor.secret_for_display(device))
    return render(request, "registry/accounts/enrol.html", context)


# --- Approval by a second person -------------------------------------------------------------


def _require_approver(request) -> None:
    if not activation.is_approver(request.user):
        raise PermissionDenied(_("Your role does not approve accounts."), code="not_an_approver")


@never_cache
@case_page("GET", "HEAD")
def account_approvals(request):
    """The accounts of the approver's jurisdiction waiting for an approval."""
    _require_approver(request)
    return render(request, "registry/accounts/approvals.html", {"waiting": activation.approvable_by(request.user)})


@never_cache
@case_page("GET", "HEAD", "POST")
def account_approve(request, uuid):
    """Review one account waiting for approval, and approve it (``user_approve``)."""
    _require_approver(request)
    waiting = activation.approvable_by(request.user).filter(uuid=uuid).first()
    if waiting is None:
        raise NotFound(_("No such account is waiting for your approval."))
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            activation.user_approve(actor=request.user, user=waiting.user, activation=waiting, request=request)
        except ValidationError as error:
            show_errors(form, error)
        else:
            messages.success(
                request, _("Account %(username)s approved; it can sign in now.") % {"username": waiting.user.username}
            )
            return redirect("account-approvals")
    return render(request, "registry/accounts/approve.html", {"form": form, "waiting": waiting})
