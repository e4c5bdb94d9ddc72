"""The page guard and the audited refusal page, for every app's HTML pages over cases.

- :func:`case_page` decorates a page: sign-in required, only the methods named, every posted
  value hidden from error reports (what is posted is a victim's data or a search for one), and
  the registry's errors (``registry.errors.NotFound`` / ``PermissionDenied``, raised by the
  selectors, operations and ``registry.policy.require``) answered with the refusal page.
- :func:`refuse` is that page: 404 or 403, recorded in the audit log as ``access_denied`` with
  the case the refusal concerns — the URL's ``case_id``, or the case a view named in
  ``request.refusal_case_uuid`` when its URL names another record (a dossier) — never what was
  posted. A case out of scope answers 404 exactly like one that does not exist.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from registry import policy
from registry.audit import log_refusal
from registry.errors import NotFound, PermissionDenied
from registry.policy import Scope

REFUSAL_TEMPLATES = {404: "registry/refusal/not_found.html", 403: "registry/refusal/not_allowed.html"}


def refuse(request: HttpRequest, status: int, *, case_id=None, message: str = "") -> HttpResponse:
    """The 404 or 403 page, recorded as ``access_denied`` (naming the case a URL asked for,
    never what was posted)."""
    case_uuid = None
    if case_id is not None:
        try:
            case_uuid = uuid.UUID(str(case_id))
        except ValueError:
            case_uuid = None
    log_refusal(request, status=status, code="not_found" if status == 404 else "permission_denied", case_uuid=case_uuid)
    return render(request, REFUSAL_TEMPLATES[status], {"message": message}, status=status)


def case_page(*methods: str):
    """Decorate a page: sign-in required, only ``methods``, the registry's errors turned into
    the 404 and 403 pages (naming ``request.refusal_case_uuid`` if the view set it, else the
    URL's ``case_id``), and every posted value hidden from error reports."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @sensitive_post_parameters()
        @wraps(view)
        def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            try:
                return view(request, *args, **kwargs)
            except NotFound:
                return refuse(request, 404, case_id=_refused_case(request, kwargs))
            except PermissionDenied as refused:
                return refuse(request, 403, case_id=_refused_case(request, kwargs), message=refused.message)

        return require_http_methods(list(methods))(guarded)

    return decorate


def _refused_case(request: HttpRequest, kwargs: dict):
    return getattr(request, "refusal_case_uuid", None) or kwargs.get("case_id")


def works_on_cases(user) -> bool:
    """Whether the user's role sees any case at all (auditors and administrators do not)."""
    return policy.scope_of(user) is not Scope.NONE
