"""Pages of the care plan and the case notes, mounted at ``care/`` by ``registry.urls``
(namespace ``care``). Records are addressed within their case, by UUID; no personal value is
ever part of a URL."""

from django.urls import include, path

app_name = "care"

urlpatterns = [
    path("", include("care.plan.ui_urls")),
    path("", include("care.notes.ui_urls")),
]
