"""URLs of the assistance services' pages, mounted at ``services/`` by ``registry.urls``
(namespace ``services``). Cases and records are addressed by UUID; no personal value is ever
part of a URL. The tabs themselves are the case file's (``/cases/<id>/?tab=shelter`` …,
declared in ``services/sections.py``)."""

from django.urls import path

from services import views

app_name = "services"

_CASE = "cases/<uuid:case_id>/"

urlpatterns = [
    path("shelters/", views.occupancy, name="occupancy"),
    # shelter
    path(f"{_CASE}placements/new/", views.placement_admit, name="placement-admit"),
    path(f"{_CASE}placements/<uuid:record_id>/", views.placement_edit, name="placement-edit"),
    path(f"{_CASE}placements/<uuid:record_id>/transfer/", views.placement_transfer, name="placement-transfer"),
    path(f"{_CASE}placements/<uuid:record_id>/discharge/", views.placement_discharge, name="placement-discharge"),
    # schooling, training, employment
    path(f"{_CASE}enrollments/new/", views.record_add, {"kind": "enrollment"}, name="enrollment-add"),
    path(f"{_CASE}enrollments/<uuid:record_id>/", views.record_edit, {"kind": "enrollment"}, name="enrollment-edit"),
    path(f"{_CASE}trainings/new/", views.record_add, {"kind": "training"}, name="training-add"),
    path(f"{_CASE}trainings/<uuid:record_id>/", views.record_edit, {"kind": "training"}, name="training-edit"),
    path(f"{_CASE}employments/new/", views.record_add, {"kind": "employment"}, name="employment-add"),
    path(f"{_CASE}employments/<uuid:record_id>/", views.record_edit, {"kind": "employment"}, name="employment-edit"),
    # return plans
    path(f"{_CASE}return-plans/new/", views.plan_create, name="plan-create"),
    path(f"{_CASE}return-plans/<uuid:record_id>/", views.plan_edit, name="plan-edit"),
    path(f"{_CASE}return-plans/<uuid:record_id>/approve/", views.plan_approve, name="plan-approve"),
    path(f"{_CASE}return-plans/<uuid:record_id>/reject/", views.plan_reject, name="plan-reject"),
    path(f"{_CASE}return-plans/<uuid:record_id>/complete/", views.plan_complete, name="plan-complete"),
    path(f"{_CASE}return-plans/<uuid:record_id>/cancel/", views.plan_cancel, name="plan-cancel"),
    # follow-up visits
    path(f"{_CASE}follow-ups/new/", views.visit_schedule, name="visit-schedule"),
    path(f"{_CASE}follow-ups/<uuid:record_id>/", views.visit_record, name="visit-record"),
    path(f"{_CASE}follow-ups/<uuid:record_id>/waive/", views.visit_waive, name="visit-waive"),
]
