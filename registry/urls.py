"""Top-level URLs: the web UI, the REST API under /api/v1/, and its schema and docs."""

from django.urls import include, path
from django.views.i18n import set_language

from registry import account_views, admin_views, audit_views, division_views, lockout_views, views
from registry.api.audit import AuditEventList
from registry.api.auth import ObtainTokenView
from registry.api.docs import ApiDocsView, SchemaView
from victims.urls import api_urlpatterns as victims_api

# The system administrator's pages. Not under /admin/: Django's admin is not installed, and no
# URL of the registry pretends to be it.
manage = [
    path("users/", admin_views.user_list, name="manage-users"),
    path("users/new/", admin_views.user_create, name="manage-user-create"),
    path("users/<uuid:uuid>/", admin_views.user_edit, name="manage-user"),
    path("users/<uuid:uuid>/disable/", admin_views.user_disable, name="manage-user-disable"),
    path("users/<uuid:uuid>/enable/", admin_views.user_enable, name="manage-user-enable"),
    path("users/<uuid:uuid>/enrolment-link/", admin_views.user_enrolment_link, name="manage-user-enrolment-link"),
    path(
        "users/<uuid:uuid>/reset-credentials/",
        admin_views.user_credentials_reset,
        name="manage-user-credentials-reset",
    ),
    path("users/<uuid:uuid>/unlock/", lockout_views.user_unlock, name="manage-user-unlock"),
    path("organizations/", admin_views.organization_list, name="manage-organizations"),
    path("organizations/new/", admin_views.organization_create, name="manage-organization-create"),
    path("organizations/<uuid:uuid>/", admin_views.organization_edit, name="manage-organization"),
    path(
        "organizations/<uuid:uuid>/deactivate/",
        admin_views.organization_deactivate,
        name="manage-organization-deactivate",
    ),
    path(
        "organizations/<uuid:uuid>/activate/",
        admin_views.organization_activate,
        name="manage-organization-activate",
    ),
]

api_v1 = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("audit-events/", AuditEventList.as_view(), name="audit-event-list"),
    *victims_api,  # cases, records, referrals (victims.urls)
    path("", include("exports.urls")),  # dossiers (exports.urls)
    path("", include("legal_aid.urls")),  # legal aid matters, activities, worklist (legal_aid.urls)
    path("", include("services.urls")),  # placements, schooling, training, return plans, visits, occupancy
    path("", include("reports.urls")),  # the evaluation reports (reports.urls)
    path("", include("attachments.urls")),  # documents of the case file (attachments.urls)
    path("", include("care.urls")),  # care plan and case notes (care.urls)
    path("", include("transfers.urls")),  # transfers between organizations, hand-overs (transfers.urls)
    path("", include("inbox.urls")),  # the user's own inbox (inbox.urls)
]

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("accounts/login/", account_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", account_views.LogoutView.as_view(), name="logout"),
    path("accounts/two-factor/", account_views.two_factor_verify, name="two-factor-verify"),
    path("accounts/two-factor/enrol/", account_views.two_factor_enrol, name="two-factor-enrol"),
    path("accounts/confirm/", account_views.confirm_identity, name="confirm-identity"),
    path("accounts/password/", account_views.password_change, name="account-password"),
    path("accounts/keep-alive/", account_views.keep_alive, name="account-keep-alive"),
    path("accounts/enrol/", account_views.enrol, name="account-enrol-form"),
    path("accounts/enrol/<str:token>/", account_views.enrol_link, name="account-enrol"),
    path("accounts/approvals/", account_views.account_approvals, name="account-approvals"),
    path("accounts/approvals/<uuid:uuid>/", account_views.account_approve, name="account-approve"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("divisions/", division_views.division_children, name="divisions"),  # the division picker's steps
    path("manage/", include(manage)),
    path("cases/", include("victims.ui_urls")),
    path("", include("exports.ui_urls")),  # dossier pages: /cases/<id>/dossiers/, /dossiers/…
    path("legal-aid/", include("legal_aid.ui_urls")),
    path("services/", include("services.ui_urls")),  # shelter, schooling, training, return, follow-up pages
    path("reports/", include("reports.ui_urls")),  # reports pages: catalogue, indicator, scorecard, files
    path("", include("attachments.ui_urls")),  # attachment pages: /cases/<id>/attachments/, /attachments/…
    path("care/", include("care.ui_urls")),  # care plan and case notes pages
    path("transfers/", include("transfers.ui_urls")),  # transfers and hand-overs
    path("inbox/", include("inbox.ui_urls")),  # the user's own inbox
    path("audit/", audit_views.audit_log, name="audit-log"),
    path("audit/export.csv", audit_views.audit_export, name="audit-export"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
]

# Under /api/ what no view answered is in the API's JSON error shape too (an unknown route is
# 404 not_found, an oversize body 413 request_too_large); elsewhere Django's pages.
handler400 = "registry.api.errors.bad_request"
handler404 = "registry.api.errors.not_found"
handler500 = "registry.api.errors.server_error"
