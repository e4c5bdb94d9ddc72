"""The form that asks for a dossier: its language, and the password again (step-up)."""

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
