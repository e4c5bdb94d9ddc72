"""API routes (filled in by the helper who owns this file)."""

urlpatterns = []
