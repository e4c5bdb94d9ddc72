"""Forms of the transfers' pages: they shape input, ``transfers.operations`` decides.

The receiving organization is offered by name among the eligible ones only
(``operations.eligible_receivers``: the active shelters and welfare homes of the case's
province but its lead organization), its UUID as the value; the sections needed first are
checkboxes of the case file's sections; each form carries the version the page was read at
(a stale form is refused, 412, and said so on the form).
"""

from __future__ import annotations

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from registry.fields import MAX_TEXT_LENGTH
from registry.forms import OrganizationChoiceField
from registry.policy import Section
from transfers.choices import TransferReason
from transfers.models import CaseTransfer
from transfers.operations import eligible_receivers


def _label(name: str) -> str:
    return capfirst(CaseTransfer._meta.get_field(name).verbose_name)


def _comment(label, *, required: bool, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=MAX_TEXT_LENGTH,
        required=required,
        strip=True,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_TEXT_LENGTH}),
    )


class VersionForm(forms.Form):
    """The version of the record the page showed (hidden)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class TransferRequestForm(VersionForm):
    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_organization"] = OrganizationChoiceField(
            label=_("Receiving organization"), queryset=eligible_receivers(case), to_field_name="uuid"
        )
        self.fields["reason"] = forms.ChoiceField(label=_label("reason"), choices=TransferReason.choices)
        self.fields["sections_first"] = forms.MultipleChoiceField(
            label=_label("sections_first"),
            choices=Section.choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        self.fields["comment"] = _comment(
            _label("comment"),
            required=False,
            help_text=_("The receiver reads it only once they accept the case."),
        )

    def values(self) -> dict:
        data = self.cleaned_data
        return {name: data[name] for name in ("to_organization", "reason", "sections_first", "comment")}


class DeclineForm(VersionForm):
    prefix = "decline"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comment"] = _comment(
            _("Why do you decline?"),
            required=True,
            help_text=_("The sender reads it. Name no person: say what your organization cannot provide."),
        )
