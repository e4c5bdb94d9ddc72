"""The UI shell: login, logout and the dashboard."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from registry import policy


class LoginView(auth_views.LoginView):
    template_name = "registry/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


@login_required
def dashboard(request):
    user = request.user
    return render(
        request,
        "registry/dashboard.html",
        {
            "readable_sections": policy.readable_sections(user),
            "writable_sections": policy.writable_sections(user),
            "actions": policy.allowed_actions(user),
        },
    )
