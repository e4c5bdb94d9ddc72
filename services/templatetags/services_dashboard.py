"""``{% services_alerts as alerts %}``: the assistance services' alert panels of the dashboards.

The dashboard view lives in ``registry`` and may not import a domain app; its templates load
this tag instead, which asks ``services.views.dashboard_alerts`` (through the selectors,
audited as any other list).
"""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def services_alerts(context) -> dict:
    from services.views import dashboard_alerts

    request = context.get("request")
    if request is None:
        return {}
    return dashboard_alerts(request)
