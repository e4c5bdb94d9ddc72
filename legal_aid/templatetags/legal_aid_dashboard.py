"""``{% legal_aid_work as work %}``: the legal aid worklist panel of the legal aid dashboard.

The dashboard view lives in ``registry`` and may not import a domain app; its template loads
this tag instead, which asks ``legal_aid.views.dashboard_worklist`` (through the selectors,
audited as any other list).
"""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def legal_aid_work(context) -> dict:
    from legal_aid.views import dashboard_worklist

    request = context.get("request")
    if request is None:
        return {}
    return dashboard_worklist(request)
