"""API routes of the inbox, included under ``/api/v1/`` by ``registry.urls``."""

urlpatterns = []
