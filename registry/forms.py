"""Forms of the registry core's pages — the system administrator's accounts and organizations —
and what every app's forms share: :func:`show_error` (an operation's ``RegistryError`` put back
on the field it names), :func:`date_input` (a native date picker, no future date where none
can be) and the HTML5 patterns of country and region codes.

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
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.choices import Department, OrganizationKind, Role
from registry.errors import Conflict, PermissionDenied, RegistryError, RuleViolation
from registry.models import Jurisdiction, Organization, User

# HTML5 patterns the browser checks as the user types (the server checks again).
COUNTRY_PATTERN = "[A-Za-z]{2}"  # ISO 3166 alpha-2
REGION_PATTERN = "[0-9]{6}"  # a GB/T 2260 county code


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


def date_input(*, past_only: bool = True) -> forms.DateInput:
    """A native date picker; ``max`` is today (in the registry's time zone) when the date cannot
    be in the future."""
    attrs = {"type": "date"}
    if past_only:
        attrs["max"] = timezone.localdate().isoformat()
    return forms.DateInput(attrs=attrs, format="%Y-%m-%d")


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
