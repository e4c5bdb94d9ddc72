"""Static assets are served by the app itself, with DEBUG off, from local files only."""

from django.conf import settings


def test_stylesheet_and_api_docs_assets_are_served_without_debug(client):
    assert settings.DEBUG is False
    css = client.get("/static/registry/app.css")
    assert css.status_code == 200 and b"font-family" in b"".join(css.streaming_content)
    swagger = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert swagger.status_code == 200
