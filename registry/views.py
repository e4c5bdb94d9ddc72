"""The UI shell: the dashboard (sign-in and sign-out are in ``registry.account_views``).

The dashboard is one page per role, with the panels the apps declare for the role's sections
(``registry.casefile.panels_for``). Everything it says about the user's work comes from
``registry.policy`` — the sections the role may read and write, the actions it may take, the
cases it sees — so the page can never promise more than the policy grants. An account without a
role the policy knows gets a plain 403 page: it may do nothing here.

Two panels come from the accounts layer (``registry.accounts.activation``): an approver (a role
of ``REGISTRY_ACCOUNT_APPROVERS``) sees the accounts of their jurisdiction waiting for their
approval, and an auditor sees every account change of the last 30 days — how the auditors are
told that an account was created, enabled again, moved, disabled, enrolled or approved.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from registry import casefile, policy
from registry.accounts import activation
from registry.choices import Role
from registry.policy import Action, Scope

APPROVALS_SHOWN = 10  # on the dashboard; the approvals page lists them all

DASHBOARD_TEMPLATES: dict[Role, str] = {role: f"registry/dashboard/{role.value}.html" for role in Role}

# What each record scope means, in the words the dashboard uses (policy.Scope holds the rule).
SCOPE_DESCRIPTIONS = {
    Scope.ORGANIZATION: _("Cases of your organization and cases assigned to you."),
    Scope.JURISDICTION: _("Cases whose jurisdiction lies within yours."),
    Scope.REFERRAL: _(
        "Cases with an active referral to your organization. Once a referral is completed, "
        "you can still read your section but no longer change it."
    ),
    Scope.NONE: _("No case. Your role does not open victims' files."),
}


@require_safe
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The signed-in user's start page, chosen by role; 403 for an account without a known role."""
    user = request.user
    role = policy.role_of(user)
    if role is None:
        return render(request, "registry/forbidden.html", status=403)

    writable = policy.writable_sections(user)
    return render(
        request,
        DASHBOARD_TEMPLATES[role],
        {
            "role": role,
            "writable_sections": writable,
            "read_only_sections": tuple(s for s in policy.readable_sections(user) if s not in writable),
            "actions": policy.allowed_actions(user),
            "scope_description": SCOPE_DESCRIPTIONS[policy.scope_of(user)],
            "panels": [
                {"template": panel.template, "work": casefile.panel_context(panel, request)}
                for panel in casefile.panels_for(user)
            ],
            "account_approvals": (
                list(activation.approvable_by(user)[:APPROVALS_SHOWN]) if activation.is_approver(user) else None
            ),
            "account_changes": activation.recent_account_events() if policy.may(user, Action.VIEW_AUDIT) else None,
        },
    )
