"""API URLs of the reports, included under ``/api/v1/`` by ``registry.urls``. The key is matched
as a plain string and checked by the view, so an unknown one answers the API's JSON 404 naming
``indicator``."""

from django.urls import path

from reports.api import ReportCatalogueView, ReportDetailView

urlpatterns = [
    path("reports/", ReportCatalogueView.as_view(), name="report-list"),
    path("reports/<str:key>/", ReportDetailView.as_view(), name="report-detail"),
]
