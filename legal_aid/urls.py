"""API routes of the legal aid record; is included under ``/api/v1/`` by
``registry.urls``. Ids are matched as plain strings and checked by the views, so a malformed id
answers the API's JSON 404 rather than Django's HTML page."""

from django.urls import path

from legal_aid.api import ActivityViewSet, CaseMatterViewSet, MatterViewSet, WorklistViewSet

# The status steps of a matter: URL segment and route name -> method of MatterViewSet.
STEPS = ("decide", "start", "conclude")

urlpatterns = [
    path(
        "cases/<str:id>/legal-aid/matters/",
        CaseMatterViewSet.as_view({"get": "list", "post": "create"}),
        name="legal-aid-case-matters",
    ),
    path("legal-aid/worklist/", WorklistViewSet.as_view({"get": "list"}), name="legal-aid-worklist"),
    path(
        "legal-aid/matters/<str:id>/",
        MatterViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="legal-aid-matter",
    ),
    *(
        path(
            f"legal-aid/matters/<str:id>/{step}/",
            MatterViewSet.as_view({"post": step}),
            name=f"legal-aid-matter-{step}",
        )
        for step in STEPS
    ),
    path(
        "legal-aid/matters/<str:id>/activities/",
        MatterViewSet.as_view({"get": "activities", "post": "add_activity"}),
        name="legal-aid-matter-activities",
    ),
    path(
        "legal-aid/activities/<str:id>/",
        ActivityViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="legal-aid-activity",
    ),
]
