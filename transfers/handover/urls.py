"""API routes of hand-overs (``transfers.handover.api``), included under ``/api/v1/``. Ids are
matched as plain strings and checked by the views, so a malformed id answers the API's JSON 404."""

from django.urls import path

from transfers.handover.api import CaseHandOverViewSet, HandOverViewSet

urlpatterns = [
    path("cases/<str:id>/hand-over/", CaseHandOverViewSet.as_view({"post": "create"}), name="case-hand-over"),
    path("cases/<str:id>/hand-overs/", CaseHandOverViewSet.as_view({"get": "list"}), name="case-hand-overs"),
    path("hand-overs/<str:id>/package/", HandOverViewSet.as_view({"post": "package"}), name="hand-over-package"),
]
