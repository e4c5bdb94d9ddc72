"""Forms of the registry core's pages — the system administrator's accounts and organizations —
and what every app's forms share: :func:`show_error` (an operation's ``RegistryError`` put back
on the field it names), :func:`date_input` and :func:`shape_date` (a date typed as
``YYYY-MM-DD`` whatever the browser's locale), :func:`shape_choice` (no "---------" in a list),
and the pickers of reference codes — :class:`CountryField` (ISO 3166 by name, China first),
:class:`EthnicityField` (GB/T 3304) and :class:`DivisionField` (a GB/T 2260 county of any
province, picked province → city → county by ``registry/forms.js``, typed without script). Each
picker stores the code and shows the name; the server checks the code whatever the browser did.

Every form tag of the registry carries ``novalidate``: the browser's own messages (in the
browser's language) never stand in for the registry's, which the server sends back next to each
field and in the error summary (``victims/_form_errors.html``).

Choices name organizations by UUID and jurisdictions by their GB/T 2260 code: integer keys stay
internal, in pages and query strings alike.

Forms check the shape of what was typed (required, lengths, choices); the rules across records
— which organization fits which role, whose jurisdiction lies within whose, who may be disabled —
live in the operations of ``registry.accounts.users`` and ``registry.accounts.organizations``,
whose ``ValidationError`` the views put back on these forms (:func:`show_errors`), field by
field, next to what was typed.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from registry import divisions
from registry.choices import Department, OrganizationKind, Role
from registry.countries import country_choices, is_country
from registry.errors import Conflict, PermissionDenied, RegistryError, RuleViolation
from registry.ethnicities import ethnicity_choices
from registry.models import Jurisdiction, Organization, User


def show_error(form: forms.Form, error: RegistryError, aliases: dict[str, str] | None = None) -> None:
    """Put an operation's error on the form field it names (through ``aliases`` when the form
    calls the field differently), or above the form when it names none the form has."""
    field = (aliases or {}).get(error.field or "", error.field)
    form.add_error(field if field in form.fields else None, error.message)


FORM_REFUSALS = (RuleViolation, Conflict, PermissionDenied)


def attempt(form: forms.Form, write, refusals: tuple[type[RegistryError], ...] = FORM_REFUSALS) -> bool:
    """Run ``write()``; True when it succeeded. A refusal of ``refusals`` (by default a broken
    rule, a conflict or a policy refusal) goes back on the form (:func:`show_error`: on its
    field when it names one) instead of leaving the page; any other error propagates."""
    try:
        write()
    except refusals as refused:
        show_error(form, refused)
        return False
    return True


DATE_PATTERN = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
DATE_FORMAT = "%Y-%m-%d"
DATE_INVALID = _("Enter the date as YYYY-MM-DD, e.g. 2024-03-05.")
FUTURE_DATE = _("This date is in the future.")


def date_input(*, past_only: bool = True) -> forms.TextInput:
    """A date typed as ``YYYY-MM-DD`` whatever the browser's locale: a text input with a numeric
    keyboard, the pattern and a ``YYYY-MM-DD`` placeholder (a native date picker would show and
    parse the date in the browser's language). ``registry/forms.js`` completes ``2024/3/5`` or
    ``20240305`` and warns of a future date where ``past_only``; the server decides."""
    attrs = {
        "type": "text",
        "inputmode": "numeric",
        "pattern": DATE_PATTERN,
        "placeholder": "YYYY-MM-DD",
        "maxlength": "10",
        "autocomplete": "off",
        "class": "date-input",
    }
    if past_only:
        attrs["data-latest"] = timezone.localdate().isoformat()
        attrs["data-latest-message"] = FUTURE_DATE
    return forms.DateInput(attrs=attrs, format=DATE_FORMAT)


def shape_date(field: forms.DateField, *, past_only: bool = True) -> forms.DateField:
    """``field`` typed through :func:`date_input`, refused with the registry's own message."""
    field.widget = date_input(past_only=past_only)
    field.error_messages["invalid"] = DATE_INVALID
    return field


def date_field(*, past_only: bool = True, **kwargs) -> forms.DateField:
    """A form DateField shaped by :func:`shape_date` (``kwargs``: label, required …)."""
    return shape_date(forms.DateField(**kwargs), past_only=past_only)


CHOOSE = _("Choose…")
NOT_RECORDED = _("Not recorded")


def shape_choice(field: forms.Field) -> forms.Field:
    """No "---------" in a list: a required choice opens on "Choose…" (nothing is chosen for
    the user; leaving it is refused with the field's message), an optional one offers "Not
    recorded". Fields without a blank choice are left as they are."""
    label = CHOOSE if field.required else NOT_RECORDED
    if isinstance(field, forms.ModelChoiceField):
        if field.empty_label is not None:
            field.empty_label = label
    elif isinstance(field, forms.ChoiceField):
        choices = list(field.choices)
        if choices and choices[0][0] == "" and str(choices[0][1]).strip("-—") == "":
            field.choices = [("", label), *choices[1:]]
    return field


class CountryField(forms.ChoiceField):
    """A country or region picked by name (China first, names in the reader's language,
    ``registry.countries``); the value is its ISO 3166 alpha-2 code, upper case."""

    def __init__(self, **kwargs):
        required = kwargs.get("required", True)
        blank = [("", CHOOSE if required else NOT_RECORDED)]
        super().__init__(choices=lambda: [*blank, *country_choices()], **kwargs)

    def to_python(self, value):
        return super().to_python(value).strip().upper()

    def valid_value(self, value) -> bool:
        return is_country(value)


class EthnicityField(forms.ChoiceField):
    """One of the ethnic groups of GB/T 3304 in its order (``registry.ethnicities``), stored by
    its Chinese name; a value of an older record outside the standard is offered while it is
    the record's (``current``), so an unrelated edit keeps it."""

    def __init__(self, *, current: str | None = None, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.keep(current)

    def keep(self, current: str | None) -> None:
        """Offer ``current`` (the record's stored value) even when the standard does not name it."""
        blank = [("", CHOOSE if self.required else _("Not known"))]
        self.choices = lambda: [*blank, *ethnicity_choices(current)]


class DivisionInput(forms.TextInput):
    """A six-digit GB/T 2260 code typed, or picked province → city → county: ``forms.js`` builds
    the cascade of ``<select>`` from the JSON of :func:`registry.division_views.division_children` and
    writes the chosen county's code here. The full name of the current code is shown next to
    the field, so a typed code is read back as a place."""

    template_name = "registry/widgets/division.html"

    def __init__(self, attrs=None):
        base = {
            "pattern": "[0-9]{6}",
            "inputmode": "numeric",
            "maxlength": "6",
            "autocomplete": "off",
            "spellcheck": "false",
            "data-division": "",
            "data-divisions-url": reverse_lazy("divisions"),
            "data-levels": format_lazy("{}|{}|{}", _("Province"), _("City"), _("County or district")),
            "data-choose": CHOOSE,
        }
        super().__init__({**base, **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        code = str(value or "")
        context["widget"]["place"] = divisions.full_name(code) if divisions.division(code) else ""
        return context


class DivisionField(forms.CharField):
    """A county-level division of any province by its six-digit GB/T 2260 code (current or
    abolished: an old ID number carries an old code), checked against the table
    (``registry.divisions.is_county``)."""

    widget = DivisionInput
    default_error_messages = {"invalid": _("Choose a county-level division, or type its six-digit code.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 6)
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value and not divisions.is_county(value):
            raise ValidationError(self.error_messages["invalid"], code="invalid")


class OrganizationChoiceField(forms.ModelChoiceField):
    """Organizations by name and jurisdiction: two units may share a name in different cities."""

    def label_from_instance(self, obj: Organization) -> str:
        if obj.is_active:
            return f"{obj.name}（{obj.jurisdiction.name}）"
        return _("%(name)s (%(jurisdiction)s), deactivated") % {"name": obj.name, "jurisdiction": obj.jurisdiction.name}


def _jurisdictions(current: Jurisdiction | None = None):
    """Current divisions, plus the one a record already points at (it may have been abolished)."""
    queryset = Jurisdiction.objects.filter(is_current=True)
    if current is not None:
        queryset = Jurisdiction.objects.filter(pk=current.pk) | queryset
    return queryset.order_by("code")


def _organizations(current: Organization | None = None):
    """Active organizations, plus the one an account already belongs to."""
    queryset = Organization.objects.filter(is_active=True)
    if current is not None:
        queryset = Organization.objects.filter(pk=current.pk) | queryset
    return queryset.select_related("jurisdiction").order_by("jurisdiction__code", "name")


def show_errors(form: forms.Form, error: ValidationError) -> None:
    """Put an operation's errors on the form: on the field they name, else above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class _AccountFields(forms.Form):
    """The fields an account's placement is made of, shared by creation and editing."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            shape_choice(field)

    last_name = forms.CharField(label=_("family name"), max_length=150, required=False)
    first_name = forms.CharField(label=_("given name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("role"), choices=Role.choices)
    organization = OrganizationChoiceField(
        label=_("organization"),
        queryset=Organization.objects.none(),
        required=False,
        to_field_name="uuid",
        help_text=_("Needed by every role that works on cases; optional for auditors and system administrators."),
    )
    jurisdiction = forms.ModelChoiceField(
        label=_("jurisdiction"),
        queryset=Jurisdiction.objects.none(),
        to_field_name="code",
        help_text=_("The organization's jurisdiction or a division within it."),
    )


class UserCreateForm(_AccountFields):
    """A new account: who it is and where it works. No password: its holder sets one through
    the enrolment link the account gets (``registry.accounts.activation``)."""

    username = forms.CharField(
        label=_("username"),
        max_length=150,
        validators=User._meta.get_field("username").validators,
        help_text=_("Letters, digits and @ . + - _ only."),
    )

    field_order = ["username", "last_name", "first_name", "role", "organization", "jurisdiction"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = _organizations()
        self.fields["jurisdiction"].queryset = _jurisdictions()


class UserUpdateForm(_AccountFields):
    field_order = ["last_name", "first_name", "role", "organization", "jurisdiction"]

    def __init__(self, *args, user: User, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "last_name": user.last_name,
                "first_name": user.first_name,
                "role": user.role,
                "organization": user.organization,
                "jurisdiction": user.jurisdiction,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = _organizations(user.organization)
        self.fields["jurisdiction"].queryset = _jurisdictions(user.jurisdiction)


class UserFilterForm(forms.Form):
    """The user list's filters, read from the query string (a GET form: nothing changes)."""

    ACTIVE_CHOICES = [
        ("", _("All")),
        ("yes", _("Active")),
        ("pending", _("Waiting for enrolment or approval")),
        ("no", _("Disabled")),
    ]

    role = forms.ChoiceField(label=_("role"), choices=[("", _("All")), *Role.choices], required=False)
    organization = OrganizationChoiceField(
        label=_("organization"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("All"),
        to_field_name="uuid",
    )
    active = forms.ChoiceField(label=_("status"), choices=ACTIVE_CHOICES, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.select_related("jurisdiction").order_by(
            "jurisdiction__code", "name"
        )

    def filter(self, queryset):
        """The queryset narrowed by the valid filters (an invalid filter is ignored). The
        queryset carries ``activation_pending`` (``registry.admin_views.user_list``)."""
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data["role"]:
            queryset = queryset.filter(role=data["role"])
        if data["organization"]:
            queryset = queryset.filter(organization=data["organization"])
        if data["active"] == "yes":
            queryset = queryset.filter(is_active=True)
        elif data["active"] == "pending":
            queryset = queryset.filter(is_active=False, activation_pending=True)
        elif data["active"] == "no":
            queryset = queryset.filter(is_active=False, activation_pending=False)
        return queryset


class UserDisableForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"),
        max_length=200,  # what the audit event keeps
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded in the audit log. A few words, with no personal details."),
    )


class ConfirmForm(forms.Form):
    """A form with nothing to fill in: the button and its CSRF token are the confirmation."""


class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=128)
    department = forms.ChoiceField(label=_("department"), choices=Department.choices)
    kind = forms.ChoiceField(label=_("kind"), choices=OrganizationKind.choices)
    jurisdiction = forms.ModelChoiceField(
        label=_("jurisdiction"), queryset=Jurisdiction.objects.none(), to_field_name="code"
    )
    capacity = forms.IntegerField(
        label=_("bed capacity"),
        min_value=1,
        required=False,
        help_text=_(
            "Required for relief stations, welfare homes and children's welfare institutions; empty otherwise."
        ),
    )

    def __init__(self, *args, organization: Organization | None = None, **kwargs):
        if organization is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": organization.name,
                    "department": organization.department,
                    "kind": organization.kind,
                    "jurisdiction": organization.jurisdiction,
                    "capacity": organization.capacity,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = _jurisdictions(organization.jurisdiction if organization else None)
        shape_choice(self.fields["jurisdiction"])
