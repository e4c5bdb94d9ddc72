"""The system administrator's unlock page: clear an account's failed sign-ins (issue 13 item 7).

Open to system administrators only (``registry.admin_views.sysadmin_only``: anyone else gets
the refusal page, on the record). GET shows what stands between the account and signing in —
how many addresses are locked out for it, its failures counted towards the delay, the seconds
left to wait — counts only, no address; the POST (CSRF-protected) clears them through
``registry.accounts.lockout.account_unlock``, which writes the ``account_unlocked`` event.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from registry.accounts import lockout
from registry.admin_views import sysadmin_only
from registry.forms import ConfirmForm
from registry.models import User


@sysadmin_only
def user_unlock(request: HttpRequest, uuid) -> HttpResponse:
    account = get_object_or_404(User, uuid=uuid)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        lockout.account_unlock(actor=request.user, user=account, request=request)
        messages.success(
            request, _("Failed sign-ins of %(username)s cleared; it can sign in now.") % {"username": account.username}
        )
        return redirect("manage-user", uuid=account.uuid)
    return render(
        request,
        "registry/admin/user_unlock.html",
        {"form": form, "account": account, "status": lockout.lockout_status(account)},
    )
