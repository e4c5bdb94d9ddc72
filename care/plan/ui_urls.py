"""Pages of the care plan, included at ``care/`` by ``care.ui_urls`` (namespace ``care``). Goals
and reviews are addressed within their case, by UUID; no personal value is ever part of a URL.
The ``care_plan`` tab itself is the victim file's page (``/cases/<id>/?tab=care_plan``)."""

from django.urls import path

from care.plan import views

_PLAN = "cases/<uuid:case_id>/care-plan/"

urlpatterns = [
    path(f"{_PLAN}new/", views.plan_create, name="plan-create"),
    path(f"{_PLAN}edit/", views.plan_edit, name="plan-edit"),
    path(f"{_PLAN}approve/", views.plan_approve, name="plan-approve"),
    path(f"{_PLAN}goals/new/", views.goal_add, name="goal-add"),
    path(f"{_PLAN}goals/<uuid:goal_id>/edit/", views.goal_edit, name="goal-edit"),
    path(f"{_PLAN}goals/<uuid:goal_id>/close/", views.goal_close, name="goal-close"),
    path(f"{_PLAN}reviews/new/", views.review_add, name="review-add"),
    path(f"{_PLAN}reviews/<uuid:review_id>/approve/", views.review_approve, name="review-approve"),
]
