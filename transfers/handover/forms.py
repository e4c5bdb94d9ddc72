"""Forms of the hand-over pages: they shape input, ``transfers.handover.operations`` decides.

The hand-over form offers the provinces by their Chinese names (``places``: the 34 provincial
divisions but the case's own) and the countries by name in the page's language (China left out:
the neighbouring countries first, then every other by code). Both selects are on the page; the
destination radio decides which one counts (:meth:`HandOverForm.values` passes only that
destination's fields), so the form works with or without the script that hides the other. The
sections of the package are the ones the officer reads, the usual four ticked. The form carries
the version of the case the page was read at (a stale form is refused, 412, said on the form).
"""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from registry.fields import MAX_TEXT_LENGTH
from registry.forms import date_input
from transfers.choices import Consent, Destination, LegalBasis
from transfers.forms import VersionForm
from transfers.handover import places
from transfers.handover.operations import DEFAULT_SECTIONS, package_sections
from transfers.models import HandOver

# The countries around China and of the Mekong, first in the list: where most foreign victims
# rescued in the province come from. Every other country follows, by code.
NEIGHBOURS = ("VN", "MM", "LA", "KH", "TH", "KP", "MN")
# Each destination's own fields; those of the destination not chosen are sent empty.
DESTINATION_FIELDS = {
    Destination.PROVINCE: ("province_code",),
    Destination.COUNTRY: ("country", "embassy_contact", "travel_document"),
}
VALUES = (
    "destination", "province_code", "country", "embassy_contact", "travel_document", "receiving_agency",
    "contact_office", "handed_over_on", "legal_basis", "consent", "consent_note", "sections",
)  # fmt: skip


def _label(name: str) -> str:
    return capfirst(HandOver._meta.get_field(name).verbose_name)


def _text(name: str, *, required: bool = True, help_text="") -> forms.CharField:
    length = HandOver._meta.get_field(name).max_length
    return forms.CharField(
        label=_label(name), max_length=length, required=required, strip=True, help_text=help_text,
        widget=forms.TextInput(attrs={"maxlength": length, "autocomplete": "off"}),
    )  # fmt: skip


def country_choices() -> list:
    """The countries as grouped ``<select>`` choices: the neighbours first, then the others."""
    named = dict(places.country_choices())
    first = [(code, named[code]) for code in NEIGHBOURS if code in named]
    rest = [(code, name) for code, name in named.items() if code not in NEIGHBOURS]
    return [("", "—"), (_("Neighbouring countries"), first), (_("Other countries"), rest)]


class HandOverForm(VersionForm):
    """Hand a case over to another province or, for a repatriation, another country."""

    def __init__(self, *args, case, actor, **kwargs):
        super().__init__(*args, **kwargs)
        own_province = case.jurisdiction.code[:2]
        sections = package_sections(actor)
        self.fields.update(
            destination=forms.ChoiceField(
                label=_label("destination"), choices=Destination.choices, initial=Destination.PROVINCE,
                widget=forms.RadioSelect(attrs={"class": "handover-destination"}),
            ),
            province_code=forms.ChoiceField(
                label=_label("province_code"), required=False,
                choices=[("", "—"), *places.province_choices(excluding=own_province)],
                help_text=_("For a hand-over to another province of China."),
            ),
            country=forms.ChoiceField(
                label=_label("country"), required=False, choices=country_choices(),
                help_text=_("For a repatriation: the country the person returns to."),
            ),
            embassy_contact=_text(
                "embassy_contact", required=False, help_text=_("The office contacted, not a person's name.")
            ),
            travel_document=_text("travel_document", required=False),
            receiving_agency=_text("receiving_agency"),
            contact_office=_text("contact_office", help_text=_("An office, not a person's name.")),
            handed_over_on=forms.DateField(
                label=_label("handed_over_on"), widget=date_input(), initial=timezone.localdate
            ),
            legal_basis=forms.ChoiceField(label=_label("legal_basis"), choices=LegalBasis.choices),
            consent=forms.ChoiceField(
                label=_label("consent"), choices=Consent.choices, widget=forms.RadioSelect
            ),
            consent_note=forms.CharField(
                label=_label("consent_note"), max_length=MAX_TEXT_LENGTH, required=False, strip=True,
                help_text=_("Required when the consent could not be obtained: say why."),
                widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_TEXT_LENGTH}),
            ),
            sections=forms.MultipleChoiceField(
                label=_label("sections"), choices=[(section.value, section.label) for section in sections],
                initial=[section.value for section in DEFAULT_SECTIONS if section in sections],
                widget=forms.CheckboxSelectMultiple,
                help_text=_("The package holds only these sections of the case file; the person's always."),
            ),
        )  # fmt: skip

    def clean(self) -> dict:
        """Only the chosen destination's fields count: the other's are emptied, their errors too."""
        data = super().clean()
        chosen = data.get("destination")
        if chosen in DESTINATION_FIELDS:
            for destination, names in DESTINATION_FIELDS.items():
                for name in names if destination != chosen else ():
                    self.errors.pop(name, None)
                    data[name] = ""
        return data

    def values(self) -> dict:
        """The operation's arguments."""
        return {name: self.cleaned_data[name] for name in VALUES}
