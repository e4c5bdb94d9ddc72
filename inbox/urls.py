"""API routes of the inbox, included under ``/api/v1/`` by ``registry.urls``. Ids are matched as
plain strings and checked by the views, so a malformed id answers the API's JSON 404."""

from django.urls import path

from inbox.api import NotificationViewSet

urlpatterns = [
    path("notifications/", NotificationViewSet.as_view({"get": "list"}), name="notification-list"),
    path("notifications/<str:id>/read/", NotificationViewSet.as_view({"post": "read"}), name="notification-read"),
]
