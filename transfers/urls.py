"""API routes of transfers and hand-overs, included under ``/api/v1/`` by ``registry.urls``."""

from django.urls import include, path

urlpatterns = [
    path("", include("transfers.transfer_urls")),
    path("", include("transfers.handover.urls")),
]
