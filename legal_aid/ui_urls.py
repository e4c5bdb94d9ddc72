"""URLs of the legal aid pages, mounted at ``legal-aid/`` by ``registry.urls`` (namespace
``legal_aid``). Matters and activities are addressed within their case, by UUID; no personal
value is ever part of a URL. The case file's ``legal_aid`` tab itself is the victim file's page
(``/cases/<id>/?tab=legal_aid``, declared in ``legal_aid/sections.py``)."""

from django.urls import path

from legal_aid import views

app_name = "legal_aid"

_MATTER = "cases/<uuid:case_id>/matters/<uuid:matter_id>/"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("cases/<uuid:case_id>/matters/new/", views.matter_open, name="matter-open"),
    path(_MATTER, views.matter_page, name="matter"),
    path(f"{_MATTER}edit/", views.matter_edit, name="matter-edit"),
    path(f"{_MATTER}activities/new/", views.activity_add, name="activity-add"),
    path(f"{_MATTER}activities/<uuid:activity_id>/", views.activity_edit, name="activity-edit"),
    path(f"{_MATTER}<str:step>/", views.matter_step, name="matter-step"),
]
