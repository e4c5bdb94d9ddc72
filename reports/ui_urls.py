"""URLs of the reports pages (namespace ``reports``), mounted at ``/reports/`` by
``registry.urls``. Only codes are in a URL: an indicator's key, a period, a division's code."""

from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.report_index, name="index"),
    path("scorecard/", views.scorecard, name="scorecard"),
    path("evaluation.pdf", views.evaluation_pdf, name="evaluation-pdf"),
    path("<slug:key>/", views.indicator_page, name="indicator"),
    path("<slug:key>/table.<str:fmt>", views.table_file, name="table-file"),
]
