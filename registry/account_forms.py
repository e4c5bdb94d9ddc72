"""Forms of the sign-in pages: the second-factor code and the step-up password."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    """The six-digit code an authenticator app shows (spaces allowed, as apps group digits)."""

    otp_token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=12,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 8}
        ),
    )

    def clean_otp_token(self) -> str:
        code = self.cleaned_data["otp_token"].replace(" ", "")
        if not code.isdigit() or len(code) not in (6, 8):
            raise ValidationError(_("Enter the six digits your authenticator app shows."))
        return code


class ConfirmPasswordForm(forms.Form):
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
