"""Forms of the account pages: the second-factor code, the step-up password, enrolment, and
changing one's own password."""

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


class NewPasswordForm(forms.Form):
    """A new password typed twice; the two must be the same. The password rules are the
    operation's."""

    password = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "autofocus": True}),
    )
    password_again = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") != cleaned.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return cleaned


class EnrolmentForm(NewPasswordForm, CodeForm):
    """What the holder of an enrolment link types: a new password twice and, when a second
    factor is required (``with_code``), a code of their authenticator app. Only the shape is
    checked here; the password rules and the code are the operation's
    (``registry.accounts.activation.user_enrol``)."""

    field_order = ["password", "password_again", "otp_token"]

    def __init__(self, *args, with_code: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["otp_token"].widget.attrs.pop("autofocus", None)
        if not with_code:
            del self.fields["otp_token"]


class PasswordChangeForm(NewPasswordForm):
    """The current password, then the new one twice. Only the shape is checked here; the
    current password, the password rules and the change are the operation's
    (``registry.accounts.passwords.user_password_change``)."""

    current_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    field_order = ["current_password", "password", "password_again"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].widget.attrs.pop("autofocus", None)
