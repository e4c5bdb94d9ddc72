"""API routes of the care plan, included under ``/api/v1/`` by ``care.urls``. Ids are matched as
plain strings and checked by the views, so a malformed id answers the API's JSON 404 rather than
Django's HTML page."""

from django.urls import path

from care.plan.api import CasePlanViewSet, GoalViewSet, ReviewViewSet

urlpatterns = [
    path(
        "cases/<str:id>/care-plan/",
        CasePlanViewSet.as_view({"get": "retrieve", "post": "create", "patch": "partial_update"}),
        name="care-plan",
    ),
    path("cases/<str:id>/care-plan/approve/", CasePlanViewSet.as_view({"post": "approve"}), name="care-plan-approve"),
    path(
        "cases/<str:id>/care-plan/goals/",
        CasePlanViewSet.as_view({"get": "goals", "post": "add_goal"}),
        name="care-plan-goals",
    ),
    path(
        "cases/<str:id>/care-plan/reviews/",
        CasePlanViewSet.as_view({"post": "add_review"}),
        name="care-plan-reviews",
    ),
    path("care-plan/goals/<str:id>/", GoalViewSet.as_view({"patch": "partial_update"}), name="care-plan-goal"),
    path("care-plan/goals/<str:id>/close/", GoalViewSet.as_view({"post": "close"}), name="care-plan-goal-close"),
    path(
        "care-plan/reviews/<str:id>/approve/",
        ReviewViewSet.as_view({"post": "approve"}),
        name="care-plan-review-approve",
    ),
]
