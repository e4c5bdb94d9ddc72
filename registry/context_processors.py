from django.conf import settings


def registry(request):
    """Values every page shows: the deployment mode (the demo says it is one)."""
    return {"registry_mode": settings.REGISTRY_MODE}
