"""Pages of transfers and hand-overs, mounted at ``transfers/`` by ``registry.urls`` (namespace
``transfers``). Records are addressed by UUID; no personal value is ever part of a URL."""

from django.urls import include, path

app_name = "transfers"

urlpatterns = [
    path("", include("transfers.transfer_ui_urls")),
    path("hand-overs/", include("transfers.handover.ui_urls")),
]
