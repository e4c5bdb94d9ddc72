"""The project's URLs plus the scaffold endpoints used by the core tests."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from registry.urls import handler400, handler404, handler500  # noqa: F401 (the project's error pages)
from registry.urls import urlpatterns as project_urlpatterns
from tests.scaffold.api import SampleCaseViewSet

router = SimpleRouter()
router.register("samples", SampleCaseViewSet, basename="sample")

urlpatterns = [*project_urlpatterns, path("api/test/", include(router.urls))]
