"""Security headers on pages and API answers: CSP, framing, referrer, no caching, HSTS, CSRF."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from registry.history import recorded_change
from tests.scaffold.models import SampleCase

ROOT = Path(__file__).resolve().parents[2]
EXPECTED_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'none'",
    "object-src": "'none'",
}


def csp_of(response) -> dict[str, str]:
    header = response.get("Content-Security-Policy")
    assert header, "no Content-Security-Policy header"
    directives = [part.strip().split(None, 1) for part in header.split(";") if part.strip()]
    return {name: value for name, value in directives}


def cache_directives(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Cache-Control", "").split(",")}


@pytest.fixture
def sample_detail(places, cast):
    """The scaffold's case detail (it carries a name and an ID number) as Alice's API client sees it."""
    with recorded_change(actor=cast.alice, reason="test registration"):
        case = SampleCase.objects.create(
            jurisdiction=places.gulou,
            lead_organization=places.fz_shelter,
            name="王小梅",
            id_number="350102201001011234",
        )
    client = APIClient()
    client.force_authenticate(cast.alice)
    return client.get(reverse("sample-detail", kwargs={"id": case.uuid}))


@pytest.fixture
def dashboard(client, cast):
    client.force_login(cast.alice)
    return client.get(reverse("dashboard"))


# --- Content-Security-Policy ----------------------------------------------------------------


def test_a_page_carries_the_strict_content_security_policy(dashboard):
    assert dashboard.status_code == 200
    assert csp_of(dashboard) == EXPECTED_CSP


def test_the_login_page_carries_the_strict_content_security_policy(client, db):
    assert csp_of(client.get(reverse("login"))) == EXPECTED_CSP


def test_an_api_response_carries_the_strict_content_security_policy(sample_detail):
    assert sample_detail.status_code == 200
    assert csp_of(sample_detail) == EXPECTED_CSP


def test_the_policy_allows_no_inline_code_and_no_other_origin(dashboard):
    header = dashboard["Content-Security-Policy"]

    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    assert "http" not in header and "*" not in header


def test_the_api_docs_need_no_inline_script_or_style(client, cast):
    client.force_login(cast.alice)

    response = client.get(reverse("api-docs"))

    page = response.content.decode()
    assert response.status_code == 200
    assert csp_of(response) == EXPECTED_CSP  # the docs get no relaxed policy
    assert "<style" not in page and " style=" not in page
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, re.DOTALL)
    assert scripts, "the docs page loads Swagger UI"
    for attributes, body in scripts:
        assert body.strip() == "", "inline script on the docs page"
        source = re.search(r'src="([^"]+)"', attributes).group(1)
        assert source.startswith("/"), f"script from another origin: {source}"


def test_the_api_docs_start_up_script_is_served_from_our_own_url(client, cast):
    client.force_login(cast.alice)
    page = client.get(reverse("api-docs")).content.decode()
    script_url = re.findall(r'<script src="([^"]+)"', page)[-1].replace("&amp;", "&")

    script = client.get(script_url)

    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content
    assert b"validator.swagger.io" not in script.content


# --- Other headers --------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["page", "api"])
def test_frames_referrer_and_sniffing_are_refused(dashboard, sample_detail, which):
    response = dashboard if which == "page" else sample_detail

    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_page_with_personal_data_is_never_stored_by_a_cache(dashboard):
    assert "no-store" in cache_directives(dashboard)
    assert "private" in cache_directives(dashboard)


def test_an_api_response_is_never_stored_by_a_cache(sample_detail):
    assert "王小梅" in sample_detail.content.decode()  # it does carry personal data
    assert "no-store" in cache_directives(sample_detail)


def test_an_api_error_is_never_stored_by_a_cache(db):
    assert "no-store" in cache_directives(APIClient().get(reverse("sample-list")))


def test_hsts_is_sent_over_https(settings, client, db):
    settings.SECURE_HSTS_SECONDS = 31_536_000

    secure = client.get(reverse("login"), secure=True)
    plain = client.get(reverse("login"))

    assert secure["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in plain


def test_plain_http_is_redirected_to_https_when_asked_for(settings, client, db):
    settings.SECURE_SSL_REDIRECT = True

    response = client.get(reverse("login"))

    assert response.status_code == 301 and response.url.startswith("https://")


def settings_in_a_fresh_process(extra_env, *names):
    from registry.keyring import new_keyring_document

    env = {key: value for key, value in os.environ.items() if not key.startswith(("REGISTRY_", "SECRET_", "SECURE_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        {
            "REGISTRY_ENV_FILE": os.devnull,
            "DJANGO_SETTINGS_MODULE": "registry.settings",
            "SECRET_KEY": "x" * 50,
            "REGISTRY_KEYRING": new_keyring_document(),
            **extra_env,
        }
    )
    code = "import django; django.setup(); from django.conf import settings as s; " + "; ".join(
        f"print(s.{name})" for name in names
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_production_sends_hsts_for_a_year_and_elsewhere_not_unless_asked():
    assert settings_in_a_fresh_process({"REGISTRY_MODE": "production"}, "SECURE_HSTS_SECONDS") == ["31536000"]
    assert settings_in_a_fresh_process({"REGISTRY_MODE": "dev"}, "SECURE_HSTS_SECONDS") == ["0"]
    assert settings_in_a_fresh_process(
        {"REGISTRY_MODE": "production", "SECURE_HSTS_SECONDS": "600", "SECURE_SSL_REDIRECT": "1"},
        "SECURE_HSTS_SECONDS",
        "SECURE_SSL_REDIRECT",
    ) == ["600", "True"]


def test_production_cookies_are_secure_httponly_and_same_site():
    names = ("SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
             "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "CSRF_COOKIE_SAMESITE")  # fmt: skip
    assert settings_in_a_fresh_process({"REGISTRY_MODE": "production"}, *names) == [
        "True", "True", "Lax", "True", "True", "Lax",
    ]  # fmt: skip


def test_the_csrf_and_session_cookies_carry_their_flags(cast, password):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(reverse("login"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)

    browser.post(reverse("login"), {"username": "alice", "password": password, "csrfmiddlewaretoken": token})

    for name in ("csrftoken", "sessionid"):
        cookie = browser.cookies[name]
        assert cookie["httponly"] and cookie["samesite"] == "Lax", name


# --- CSRF -----------------------------------------------------------------------------------


def test_a_form_post_without_its_csrf_token_is_refused(cast, password):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post(reverse("login"), {"username": "alice", "password": password})

    assert response.status_code == 403
    assert "_auth_user_id" not in browser.session


def test_signing_out_without_the_csrf_token_is_refused(cast):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast.alice)

    assert browser.post(reverse("logout")).status_code == 403
    assert browser.get(reverse("dashboard")).status_code == 200


def test_a_form_post_with_its_csrf_token_is_accepted(cast, password):
    browser = Client(enforce_csrf_checks=True)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', browser.get(reverse("login")).content.decode())

    response = browser.post(
        reverse("login"), {"username": "alice", "password": password, "csrfmiddlewaretoken": token.group(1)}
    )

    assert response.status_code == 302
