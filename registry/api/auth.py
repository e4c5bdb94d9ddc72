"""``POST /api/v1/auth/token/``: exchange a username and password for an API token."""

from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny


class ObtainTokenView(ObtainAuthToken):
    """Answers ``{"token": …}``; wrong credentials answer 400 with code ``validation_error``."""

    permission_classes = [AllowAny]
    authentication_classes = []
