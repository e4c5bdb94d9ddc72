"""API routes of the care plan and the case notes, included under ``/api/v1/`` by ``registry.urls``."""

from django.urls import include, path

urlpatterns = [
    path("", include("care.plan.urls")),
    path("", include("care.notes.urls")),
]
