"""The REST API of the assistance services (``views``, ``serializers``; routes in ``services.urls``)."""
