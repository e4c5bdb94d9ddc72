"""The forms of the attachment pages: upload a document to a section, withdraw one."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from attachments.choices import Kind
from registry.policy import Section

ACCEPT = ".pdf,.jpg,.jpeg,.png,.tif,.tiff,.heic,application/pdf,image/jpeg,image/png,image/tiff,image/heic"


def kinds_for(section) -> list[tuple[str, str]]:
    """The kinds a document filed under ``section`` may be: a photo under the person, and only there."""
    if section == Section.PERSON:
        return [(Kind.PHOTO.value, Kind.PHOTO.label)]
    return [(value, label) for value, label in Kind.choices if value != Kind.PHOTO]


class UploadForm(forms.Form):
    """One document for one section; the file itself is checked by the operation (by its bytes)."""

    file = forms.FileField(
        label=_("File"),
        required=False,  # the operation names a missing file, with the others' errors
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=_("PDF, JPEG, PNG, TIFF or HEIC. Location and camera data are removed from photos."),
    )
    kind = forms.ChoiceField(label=_("Kind of document"))
    title = forms.CharField(label=_("Title"), max_length=200)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, section, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds_for(section)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the withdrawal"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
