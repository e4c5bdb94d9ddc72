"""The edges of the API (issue 13, items 8 and 12): deep JSON is refused before it is decoded,
unknown routes and oversize bodies answer the JSON error shape, and ``Allow`` tells the truth
about ``OPTIONS``."""

from __future__ import annotations

import json
import logging

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.test import APIClient

from registry.api.parsers import MAX_DEPTH, JSONParser, nesting_exceeds
from tests.victims.test_api import registration
from tests.victims.test_api_matrix import if_match, register_case

MISSING = "00000000-0000-4000-8000-000000000000"


def deep_array(levels: int) -> str:
    return "[" * levels + "]" * levels


def deep_object(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


def quiet_client(user=None) -> APIClient:
    """A client that gets the server's answer to a crash instead of the exception."""
    client = APIClient()
    client.raise_request_exception = False
    if user is not None:
        client.force_authenticate(user)
    return client


def no_server_errors(caplog) -> None:
    logged = [record for record in caplog.records if record.levelno >= logging.ERROR or record.exc_info]
    assert not logged, [record.getMessage() for record in logged]


# --- deep JSON ----------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("body", [deep_array(1000), deep_object(1000)], ids=["array", "object"])
def test_a_deeply_nested_body_is_400_on_the_token_endpoint_before_anyone_signs_in(body, caplog):
    client = quiet_client()

    response = client.post(reverse("api-token"), body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "json_too_deep"
    no_server_errors(caplog)


@pytest.mark.django_db
@pytest.mark.parametrize("body", [deep_array(1000), deep_object(1000)], ids=["array", "object"])
@pytest.mark.parametrize("route", ["registration", "record", "section", "referral"])
def test_a_deeply_nested_body_is_400_on_every_kind_of_write(places, cast, body, route, caplog):
    case = register_case(places, cast, seed=601)
    url, method = {
        "registration": (reverse("case-list"), "post"),
        "record": (reverse("case-record-list", kwargs={"id": case.uuid, "kind": "consent"}), "post"),
        "section": (reverse("case-section", kwargs={"id": case.uuid, "section": "contacts"}), "patch"),
        "referral": (reverse("case-referral-list", kwargs={"id": case.uuid}), "post"),
    }[route]
    client = quiet_client(cast.alice)

    response = getattr(client, method)(url, body, content_type="application/json", headers=if_match(case.version))

    assert response.status_code == 400
    assert response.json()["code"] == "json_too_deep"
    no_server_errors(caplog)


def test_every_view_of_the_api_parses_json_with_the_depth_bounded_parser():
    for url in set(api_urls()):
        view = resolve(url).func.cls
        json_parsers = [parser for parser in view.parser_classes if parser.media_type == "application/json"]
        assert all(issubclass(parser, JSONParser) for parser in json_parsers), url
        # A view without a JSON parser takes uploads only (multipart) and answers JSON with 415.
        assert json_parsers or all(parser.media_type.startswith("multipart/") for parser in view.parser_classes), url


@pytest.mark.django_db
def test_a_deep_body_sent_without_credentials_is_401_not_500(caplog):
    client = quiet_client()

    response = client.post(reverse("case-list"), deep_array(1000), content_type="application/json")

    assert response.status_code == 401
    no_server_errors(caplog)


@pytest.mark.django_db
def test_nesting_up_to_the_limit_reaches_the_validation_of_fields(cast, api_client_for):
    body = registration(seed=602)
    body["victim"]["aliases"] = json.loads(deep_array(MAX_DEPTH - 2))  # 32 levels with the body's own two

    response = api_client_for(cast.alice).post(reverse("case-list"), body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


@pytest.mark.django_db
def test_brackets_inside_strings_are_text_not_nesting(cast):
    text = "[{" * 1000 + '\\"' + "]}" * 10
    client = APIClient()

    response = client.post(reverse("api-token"), {"username": text, "password": "x"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


def depth_of(value) -> int:
    if isinstance(value, list):
        return 1 + max((depth_of(item) for item in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth_of(item) for item in value.values()), default=0)
    return 0


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab,:', max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text('[]{}"\\k', max_size=4), children, max_size=3)
    ),
    max_leaves=40,
)


@given(JSON_VALUES, st.integers(min_value=0, max_value=8))
def test_the_depth_scan_agrees_with_the_decoded_value(value, limit):
    assert nesting_exceeds(json.dumps(value), limit) == (depth_of(value) > limit)


def test_the_depth_scan_is_linear_on_many_unterminated_strings():
    import time

    text = '"' + '\\"' * 500_000  # a quadratic scan would take minutes
    started = time.perf_counter()
    assert not nesting_exceeds("[]" * 100 + text, 64)
    assert time.perf_counter() - started < 2


# --- unknown routes and oversize bodies ---------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/api/v1/nonexistent/", "/api/whatever", f"/api/v1/cases/{MISSING}/nonexistent/", "/api/"]
)
def test_an_unknown_route_under_the_api_answers_the_json_404_like_a_missing_record(cast, api_client_for, path):
    client = api_client_for(cast.alice)

    unknown = client.get(path)
    missing = client.get(reverse("case-detail", kwargs={"id": MISSING}))

    assert unknown.status_code == missing.status_code == 404
    assert unknown["Content-Type"] == missing["Content-Type"] == "application/json"
    assert set(unknown.json()) == set(missing.json()) == {"code", "message"}
    assert unknown.json()["code"] == missing.json()["code"] == "not_found"


@pytest.mark.django_db
def test_an_unknown_page_is_still_the_html_page_and_a_missing_slash_still_redirects(client):
    page = client.get("/nonexistent/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")
    assert client.get("/api/v1/cases").status_code == 301


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["json", "form", "multipart"])
def test_an_oversize_body_answers_413_in_the_json_shape(settings, encoding, caplog):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = quiet_client()
    data = {"username": "x" * 5000, "password": "y"}

    if encoding == "json":
        response = client.post(reverse("api-token"), data, format="json")
    elif encoding == "form":
        response = client.post(
            reverse("api-token"), f"username={'x' * 5000}", content_type="application/x-www-form-urlencoded"
        )
    else:
        response = client.post(reverse("api-token"), data, format="multipart")

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    no_server_errors(caplog)


@pytest.mark.django_db
def test_an_oversize_write_with_an_idempotency_key_answers_413_too(settings, cast, api_client_for):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = registration(seed=603)
    body["victim"]["aliases"] = ["阿梅" * 1000]

    response = api_client_for(cast.alice).post(
        reverse("case-list"), body, format="json", headers={"Idempotency-Key": "k-603"}
    )

    assert (response.status_code, response.json()["code"]) == (413, "request_too_large")


@pytest.mark.django_db
def test_a_request_refused_before_any_view_answers_json_under_the_api_and_html_elsewhere(client):
    api = client.get("/api/v1/cases/", headers={"Host": "attacker.example"})
    page = client.get("/accounts/login/", headers={"Host": "attacker.example"})

    assert (api.status_code, api["Content-Type"]) == (400, "application/json")
    assert api.json()["code"] == "bad_request"
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_a_crash_under_the_api_answers_500_in_the_json_shape(monkeypatch, caplog):
    from registry.api.auth import ObtainTokenView

    def crash(self, request):
        raise RuntimeError("a bug")

    monkeypatch.setattr(ObtainTokenView, "post", crash)
    client = quiet_client()

    response = client.post(reverse("api-token"), {}, format="json")

    assert (response.status_code, response.json()["code"]) == (500, "server_error")
    assert "a bug" not in response.content.decode()


# --- Allow and OPTIONS --------------------------------------------------------------------------


def api_urls(patterns=None, prefix=""):
    """One URL per route under /api/, its parameters filled with a UUID."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from api_urls(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and (prefix + str(pattern.pattern)).startswith("api/") and pattern.name:
            names = pattern.pattern.regex.groupindex
            yield reverse(pattern.name, kwargs=dict.fromkeys(names, MISSING))


@pytest.mark.django_db
def test_no_route_of_the_api_answers_options_and_none_lists_it_in_allow(cast, api_client_for):
    # Alice calls every route but the audit log; Grace, the auditor, calls that one.
    clients = [api_client_for(cast.alice), api_client_for(cast.grace)]
    urls = sorted(set(api_urls()))
    assert reverse("case-list") in urls and reverse("api-token") in urls

    for url in urls:
        answers = [client.options(url) for client in clients]
        assert 405 in [response.status_code for response in answers], url
        for response in answers:
            assert response.status_code in (403, 405), url  # refused as a caller first, or as a method
            assert "OPTIONS" not in response["Allow"], url
            if response["Content-Type"] == "application/json":  # the docs page answers in HTML
                assert response.json()["code"] in ("method_not_allowed", "permission_denied"), url


@pytest.mark.django_db
def test_allow_lists_exactly_the_methods_a_route_answers(cast, api_client_for):
    client = api_client_for(cast.alice)

    assert client.get(reverse("case-list"))["Allow"] == "GET, POST, HEAD"
    assert client.options(reverse("api-token"))["Allow"] == "POST"
    assert client.delete(reverse("case-list")).status_code == 405
