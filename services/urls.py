"""API routes of the assistance services. ``api_urlpatterns`` is included under ``/api/v1/`` by
``registry.urls`` (the web pages' routes are in ``services.ui_urls``).

Path segments are matched as plain strings and checked by the views, so a malformed id answers
the API's JSON 404 rather than Django's HTML page.
"""

from django.urls import path

from services.api.views import (
    EmploymentViewSet,
    EnrollmentViewSet,
    OccupancyViewSet,
    PlacementViewSet,
    ReturnPlanViewSet,
    TrainingViewSet,
    VisitViewSet,
)

# URL segment, route name stem, viewset, and the steps on one record (segment -> method).
KINDS = (
    ("placements", "placement", PlacementViewSet, ("transfer", "discharge")),
    ("enrollments", "enrollment", EnrollmentViewSet, ()),
    ("trainings", "training", TrainingViewSet, ()),
    ("employments", "employment", EmploymentViewSet, ()),
    ("return-plans", "return-plan", ReturnPlanViewSet, ("approve", "reject", "complete", "cancel")),
    ("follow-ups", "follow-up", VisitViewSet, ("waive",)),
)

api_urlpatterns = [path("shelters/occupancy/", OccupancyViewSet.as_view({"get": "list"}), name="shelter-occupancy")]
for segment, stem, viewset, steps in KINDS:
    api_urlpatterns += [
        path(
            f"cases/<str:id>/{segment}/",
            viewset.as_view({"get": "list", "post": "create"}),
            name=f"case-{stem}-list",
        ),
        path(
            f"cases/<str:id>/{segment}/<str:record_id>/",
            viewset.as_view({"get": "retrieve", "patch": "partial_update"}),
            name=f"case-{stem}-detail",
        ),
        *(
            path(
                f"cases/<str:id>/{segment}/<str:record_id>/{step}/",
                viewset.as_view({"post": step}),
                name=f"case-{stem}-{step}",
            )
            for step in steps
        ),
    ]

urlpatterns = api_urlpatterns  # for include("services.urls") under /api/v1/
