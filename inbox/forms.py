"""Forms of the inbox's pages: the filter by kind and the e-mail preference. They check shape
only; the operations (``inbox.operations``) decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from inbox.choices import NotificationKind
from registry.choices import EmailNotice


class KindFilterForm(forms.Form):
    """The inbox page's filter (a GET parameter: a kind is no personal value)."""

    kind = forms.ChoiceField(
        label=_("Kind of item"), required=False, choices=[("", _("All kinds")), *NotificationKind.choices]
    )


class EmailNoticeForm(forms.Form):
    email_notice = forms.ChoiceField(
        label=_("E-mail about new items"),
        choices=EmailNotice.choices,
        widget=forms.RadioSelect,
        help_text=_("The message says only how many items wait and links to the sign-in page: no name, no case."),
    )
