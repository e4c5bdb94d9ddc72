"""URLs of the victim file. ``api_urlpatterns`` is included under ``/api/v1/`` by ``registry.urls``.

Path segments are matched as plain strings and checked by the views, so a malformed id, an
unknown section or kind answers the API's JSON 404 rather than Django's HTML page.
"""

from django.urls import path

from victims.api.assignments import CaseAssignmentViewSet, CaseworkerReassignView
from victims.api.cases import CaseHistoryViewSet, CaseViewSet
from victims.api.records import DECISIONS, CaseRecordViewSet, CaseReferralViewSet, ReferralViewSet
from victims.api.search import CaseSearchViewSet
from victims.api.void import RecordVoidViewSet

# The stage actions of civil affairs: URL segment -> method of CaseViewSet.
STAGE_ACTIONS = {"close": "close", "reopen": "reopen", "resolve-duplicate": "resolve_duplicate"}

api_urlpatterns = [
    path("cases/", CaseViewSet.as_view({"get": "list", "post": "create"}), name="case-list"),
    path("cases/search/", CaseSearchViewSet.as_view({"post": "create"}), name="case-search"),
    path("cases/<str:id>/", CaseViewSet.as_view({"get": "retrieve"}), name="case-detail"),
    path(
        "cases/<str:id>/sections/<str:section>/",
        CaseViewSet.as_view({"patch": "update_section"}),
        name="case-section",
    ),
    *(
        path(f"cases/<str:id>/{segment}/", CaseViewSet.as_view({"post": method}), name=f"case-{segment}")
        for segment, method in STAGE_ACTIONS.items()
    ),
    path("cases/<str:id>/history/", CaseHistoryViewSet.as_view({"get": "list"}), name="case-history"),
    path(
        "cases/<str:id>/assignments/",
        CaseAssignmentViewSet.as_view({"get": "list", "post": "create"}),
        name="case-assignment-list",
    ),
    path(
        "cases/<str:id>/assignments/<str:user_id>/",
        CaseAssignmentViewSet.as_view({"delete": "destroy"}),
        name="case-assignment-detail",
    ),
    path("caseworkers/<str:id>/reassign/", CaseworkerReassignView.as_view(), name="caseworker-reassign"),
    path(
        "cases/<str:id>/records/<str:kind>/",
        CaseRecordViewSet.as_view({"get": "list", "post": "create"}),
        name="case-record-list",
    ),
    path(
        "cases/<str:id>/records/<str:kind>/<str:record_id>/",
        CaseRecordViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="case-record-detail",
    ),
    path(
        "cases/<str:id>/records/<str:kind>/<str:record_id>/void/",
        RecordVoidViewSet.as_view({"post": "create"}),
        name="case-record-void",
    ),
    path(
        "cases/<str:id>/referrals/",
        CaseReferralViewSet.as_view({"get": "list", "post": "create"}),
        name="case-referral-list",
    ),
    *(
        path(
            f"referrals/<str:id>/{decision}/",
            ReferralViewSet.as_view({"post": "decide"}),
            {"decision": decision},
            name=f"referral-{decision}",
        )
        for decision in DECISIONS
    ),
]
