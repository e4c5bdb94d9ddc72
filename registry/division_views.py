"""The one JSON endpoint of the division picker: the current GB/T 2260 divisions directly
under a code (``registry.divisions.children``), for ``registry/forms.js`` to fill the next
``<select>`` of the cascade. Reference data, no personal value; signed-in users only, GET only.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from registry import divisions
from registry.choices import JurisdictionLevel


@require_safe
@login_required
@cache_control(private=True, max_age=3600)
def division_children(request: HttpRequest) -> JsonResponse:
    """``{"divisions": [{"code", "name", "leaf"}]}`` under ``?parent=`` (a province's two
    digits or a city's four; empty or absent for the provinces). ``leaf`` marks a county, the
    level a record stores. 400 naming ``parent`` for a code the table does not know."""
    parent = request.GET.get("parent", "")
    if parent and divisions.division(parent) is None:
        return JsonResponse({"field": "parent", "detail": _("No such division.")}, status=400)
    rows = [
        {"code": item.code, "name": item.name, "leaf": item.level == JurisdictionLevel.COUNTY}
        for item in divisions.children(parent)
    ]
    return JsonResponse({"divisions": rows})
