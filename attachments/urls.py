"""API routes of attachments; included under ``/api/v1/`` by ``registry.urls``. Ids are matched
as plain strings and checked by the views, so a malformed id answers the API's JSON 404."""

from django.urls import path

from attachments.api import AttachmentViewSet, CaseAttachmentViewSet

urlpatterns = [
    path(
        "cases/<str:id>/attachments/",
        CaseAttachmentViewSet.as_view({"get": "list", "post": "create"}),
        name="case-attachments",
    ),
    path("attachments/<str:id>/", AttachmentViewSet.as_view({"get": "retrieve"}), name="attachment"),
    path("attachments/<str:id>/content/", AttachmentViewSet.as_view({"get": "content"}), name="attachment-content"),
    path("attachments/<str:id>/withdraw/", AttachmentViewSet.as_view({"post": "withdraw"}), name="attachment-withdraw"),
]
