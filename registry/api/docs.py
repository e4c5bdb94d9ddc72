"""The API's schema (``/api/schema/``) and its docs page (Swagger UI from
drf-spectacular-sidecar's local copy) under the strict CSP; like every view of the API, neither
offers ``OPTIONS``.

drf-spectacular's default page carries its start-up script and a few style rules inline, which
``script-src 'self'; style-src 'self'`` forbids. The split view serves the script from its own
URL (``/api/docs/?script=``), and our template moves the style rules to a stylesheet, so the docs
need no relaxed policy at all.
"""

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from registry.api.viewsets import WithoutOptions


class SchemaView(WithoutOptions, SpectacularAPIView):
    pass


class ApiDocsView(WithoutOptions, SpectacularSwaggerSplitView):
    template_name = "registry/api_docs.html"
