"""API URLs of the dossiers. ``api_urlpatterns`` is included under ``/api/v1/`` by
``registry.urls``; ids are matched as plain strings and checked by the views, so a malformed id
answers the API's JSON 404."""

from django.urls import path

from exports.api import CaseDossierViewSet, DossierJobViewSet, DossierViewSet

api_urlpatterns = [
    path(
        "cases/<str:id>/dossiers/",
        CaseDossierViewSet.as_view({"get": "list", "post": "create"}),
        name="case-dossier-list",
    ),
    path("dossiers/<str:id>/pdf/", DossierViewSet.as_view({"get": "pdf"}), name="dossier-pdf"),
    path("dossier-jobs/<str:id>/", DossierJobViewSet.as_view({"get": "retrieve"}), name="dossier-job-detail"),
]

urlpatterns = api_urlpatterns  # so registry.urls can include("exports.urls") under /api/v1/
