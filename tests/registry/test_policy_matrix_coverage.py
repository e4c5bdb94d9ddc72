"""Meta-test: every API route is held to the policy by a PolicyMatrix subclass."""

import importlib
import pkgutil

from django.urls import URLPattern, URLResolver, get_resolver

import tests
from tests.policy_matrix import PolicyMatrix

# Routes that serve no victim data and are tested on their own.
# (audit-event-list: auditors only, tests/registry/test_audit_access.py)
NOT_CASE_DATA = {"api-token", "api-schema", "api-docs", "audit-event-list"}


def api_route_names(patterns=None, prefix=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from api_route_names(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and route.startswith("api/") and pattern.name:
            yield pattern.name


def all_subclasses(cls):
    for subclass in cls.__subclasses__():
        yield subclass
        yield from all_subclasses(subclass)


def test_every_api_route_has_a_policy_matrix():
    for module in pkgutil.walk_packages(tests.__path__, "tests."):
        if module.name.rsplit(".", 1)[-1].startswith("test_"):
            importlib.import_module(module.name)
    covered = {cls.route_name for cls in all_subclasses(PolicyMatrix) if hasattr(cls, "route_name")}
    routes = set(api_route_names())
    assert {"sample-list", "sample-detail", "api-token"} <= routes  # the walk does see the API
    uncovered = routes - covered - NOT_CASE_DATA
    assert not uncovered, f"API routes without a PolicyMatrix subclass: {sorted(uncovered)}"
