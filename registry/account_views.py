"""Sign-in pages: password, second factor (code or enrolment), sign-out, and the step-up
confirmation before dangerous actions.

With a second factor required (``registry.accounts.credentials.second_factor_required``) the password step
signs no one in: it records a pending sign-in (``registry.two_factor``) and sends the user to
the code page, or — for an account without a confirmed device — to enrolment, where the new
device must accept a code before it counts. Only then is the session signed in. Every step goes
through django-axes: a wrong password or code counts towards the lockout, and nothing is
accepted during one.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from registry import two_factor
from registry.account_forms import CodeForm, ConfirmPasswordForm
from registry.accounts import credentials, lockout, step_up


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
    """The lockout page (and the pending sign-in dropped) if axes refuses ``user`` now."""
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
