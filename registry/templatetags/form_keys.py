"""``{% csrf_token %}`` that also gives the form its idempotency key (``registry.idempotency``).

Every form that posts carries the CSRF token — Django refuses it otherwise — so the tag every
form already has is where the key is written: a hidden ``idempotency_key`` field, fresh each
time the form is rendered. A form submitted twice (a double click, a retry after a timeout)
sends the same key, and ``registry.middleware.IdempotentFormsMiddleware`` answers the second
with the first answer; a form rendered again gets a new key. No template names the key, and a
new form cannot forget it.

Installed as a template builtin (``TEMPLATES[…]["OPTIONS"]["builtins"]`` in the settings): a
builtin added there replaces Django's tag of the same name in every template.
"""

from __future__ import annotations

import secrets

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils.html import format_html

from registry.idempotency import FORM_FIELD

register = template.Library()


class CsrfTokenAndKeyNode(CsrfTokenNode):
    def render(self, context):
        csrf = super().render(context)
        if not csrf:
            return csrf  # no token, no form that can post: nothing to key
        key = format_html('<input type="hidden" name="{}" value="{}">', FORM_FIELD, secrets.token_urlsafe(24))
        return csrf + key


@register.tag
def csrf_token(parser, token):
    return CsrfTokenAndKeyNode()
