"""``{% case_work as work %}``: the victim-file panels of the registry's dashboards.

The dashboard view lives in ``registry`` and may not import a domain app; its templates load
this tag instead, which asks ``victims.views.dashboard_work`` (real queries through
``selectors.cases_for``, audited as any other list).
"""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def case_work(context) -> dict:
    from victims.views import dashboard_work

    request = context.get("request")
    if request is None:
        return {}
    return dashboard_work(request)
