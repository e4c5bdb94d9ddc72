"""The form that asks for a dossier: its language, the password again (step-up), and — when a
dossier of the case's current version exists already — the confirmation to make another."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from exports.choices import Language


class DossierGenerateForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of the dossier"), choices=Language.choices, initial=Language.CHINESE)
    password = forms.CharField(
        label=_("Your password"),
        help_text=_("Generating a dossier exports the case: enter your password again to confirm it is you."),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    again = forms.BooleanField(
        label=_("Generate it again all the same"),
        required=False,
        help_text=_("A dossier of this version of the case exists already: tick this to make another one."),
    )

    def __init__(self, *args, repeats: bool = False, **kwargs):
        """``repeats``: a dossier identical to the one asked for would be made again
        (``exports.jobs.identical_dossiers``); the form then shows ``again`` for the user to
        confirm it. Without it the field is left out."""
        super().__init__(*args, **kwargs)
        if not repeats:
            del self.fields["again"]
