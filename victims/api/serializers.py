"""Serializers of the victim file's API.

Input serializers are built from the models, with explicit field lists (the victim's fields of
each section from ``operations.VICTIM_SECTION_FIELDS``, each record's from the kinds in
``victims.sections``), never ``"__all__"``: a new model field stays out of the API until
someone adds it to those lists. Through the bases of ``registry.api.serializers`` they refuse
fields they do not take, map the encrypted model fields to their real types (a date is parsed
as a date), and never repeat a refused value in the error (it may be a personal value typed
into the wrong field).

Output is built by ``victims.selectors`` (the same data the HTML pages and dossiers show); the
``*Serializer`` classes documenting it below serve the OpenAPI schema.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from registry.api.serializers import ChoiceField, ModelInputSerializer, SectionFieldsMixin, StrictSerializer
from registry.fields import MAX_TEXT_LENGTH
from registry.policy import Section
from victims import operations
from victims.choices import Ending, ReferralStatus, Service, Sex, Stage
from victims.models import Rescue, Victim
from victims.sections import FORM_KINDS

# --- the victim's own fields ------------------------------------------------------------------

# Fields whose type or bounds the model does not say (encrypted text has no length; aliases
# are a list of names).
_VICTIM_FIELDS = {
    "full_name": lambda: serializers.CharField(max_length=operations.MAX_NAME_LENGTH),
    "aliases": lambda: serializers.ListField(
        child=serializers.CharField(max_length=operations.MAX_NAME_LENGTH),
        max_length=operations.MAX_ALIASES,
        allow_null=True,
        required=False,
    ),
    "id_number": lambda: serializers.CharField(max_length=64, allow_null=True, allow_blank=True, required=False),
    "phone": lambda: serializers.CharField(max_length=32, allow_null=True, allow_blank=True, required=False),
    "address": lambda: serializers.CharField(max_length=500, allow_null=True, allow_blank=True, required=False),
}


def _victim_serializer(name: str, fields: tuple[str, ...], doc: str) -> type[ModelInputSerializer]:
    attrs = {field: make() for field, make in _VICTIM_FIELDS.items() if field in fields}
    attrs["Meta"] = type("Meta", (), {"model": Victim, "fields": fields})
    return type(name, (ModelInputSerializer,), {**attrs, "__module__": __name__, "__doc__": doc})


REGISTRATION_FIELDS = tuple(
    name for section in operations.REGISTRATION_SECTIONS for name in operations.VICTIM_SECTION_FIELDS[section]
)
VictimRegistrationSerializer = _victim_serializer(
    "VictimRegistrationSerializer",
    REGISTRATION_FIELDS,
    "The person being registered: the fields of the person, identity and contacts sections.",
)
SECTION_SERIALIZERS: dict[Section, type[ModelInputSerializer]] = {
    section: _victim_serializer(
        f"{section.value.title()}FieldsSerializer",
        fields,
        f"The person's own fields of the {section.value} section.",
    )
    for section, fields in operations.VICTIM_SECTION_FIELDS.items()
}


# --- records on a case ------------------------------------------------------------------------


class RecordSerializer(ModelInputSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)


def _record_serializer(kind) -> type[RecordSerializer]:
    model = kind.model
    meta = type("Meta", (), {"model": model, "fields": ("id", "version", *kind.fields),
                             "read_only_fields": ("version",)})  # fmt: skip
    return type(
        f"{model.__name__}Serializer",
        (RecordSerializer,),
        {"Meta": meta, "__module__": __name__, "__doc__": " ".join((model.__doc__ or "").split())},
    )


# The kinds of record the API adds and amends directly, by URL name. Referrals have routes of
# their own: they are created and answered through their own operations.
RECORD_SERIALIZERS = {kind.model: _record_serializer(kind) for kind in FORM_KINDS.values()}
RECORD_KINDS = {model._meta.model_name: model for model in RECORD_SERIALIZERS}
SECTION_CHANGES = PolymorphicProxySerializer(
    component_name="SectionChanges", serializers=list(SECTION_SERIALIZERS.values()), resource_type_field_name=None
)
ANY_RECORD = PolymorphicProxySerializer(
    component_name="CaseRecord", serializers=list(RECORD_SERIALIZERS.values()), resource_type_field_name=None
)


class ReferralSerializer(serializers.Serializer):
    """A referral of part of the case to another department's organization."""

    id = serializers.UUIDField()
    version = serializers.IntegerField()
    service = ChoiceField(choices=Service.choices)
    to_organization = serializers.UUIDField()
    status = ChoiceField(choices=ReferralStatus.choices)
    reason = serializers.CharField()
    response_note = serializers.CharField()
    decision_comment = serializers.CharField(help_text=_("The comment of the last decision: approve, reject, revoke."))


class ReferralCreateSerializer(StrictSerializer):
    service = ChoiceField(choices=Service.choices)
    to_organization = serializers.UUIDField(help_text=_("The receiving organization's id."))
    reason = serializers.CharField(max_length=MAX_TEXT_LENGTH, allow_blank=True, required=False, default="")


class ReferralAnswerSerializer(StrictSerializer):
    note = serializers.CharField(max_length=MAX_TEXT_LENGTH, allow_blank=True, required=False, default="")


# --- registration, filters, stage actions ------------------------------------------------------


class RegistrationSerializer(StrictSerializer):
    victim = VictimRegistrationSerializer()
    jurisdiction = serializers.RegexField(
        r"^[0-9]{2}(?:[0-9]{2}){0,2}$",
        required=False,
        help_text=_("GB/T 2260 code of the responsible jurisdiction; by default your organization's."),
    )
    opened_on = serializers.DateField(required=False, help_text=_("By default today."))
    rescue = RECORD_SERIALIZERS[Rescue](required=False, allow_null=True)


class CaseFilterSerializer(StrictSerializer):
    stage = ChoiceField(choices=Stage.choices, required=False)
    jurisdiction = serializers.RegexField(
        r"^[0-9]{1,6}$", required=False, help_text=_("Code prefix: 35 is the province, 3501 a city.")
    )
    organization = serializers.UUIDField(required=False, help_text=_("The lead organization's id."))
    id_number = serializers.CharField(
        max_length=64, required=False, allow_blank=True, help_text=_("Exact, through the blind index.")
    )
    name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text=_("Exact full name, through the blind index.")
    )


class CloseSerializer(StrictSerializer):
    reason = ChoiceField(
        choices=Ending.choices,
        required=False,
        allow_null=True,
        help_text=_(
            "How the case ended, when not by a completed return: transferred_out, died, contact_lost, duplicate "
            "or declined_assistance. Leave it out (or returned_home) for a case whose return plan is completed."
        ),
    )
    comment = serializers.CharField(
        max_length=MAX_TEXT_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Civil affairs' comment; required with a reason."),
    )


class ResolveDuplicateSerializer(StrictSerializer):
    same_person = serializers.BooleanField(help_text=_("Whether both cases are of the same person."))


# --- what the API answers (documented for the schema; built by victims.selectors) --------------


class ListedPersonSerializer(serializers.Serializer):
    full_name = serializers.CharField(read_only=True)
    sex = ChoiceField(choices=Sex.choices, read_only=True)
    age = serializers.SerializerMethodField()

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_age(self, victim) -> int | None:
        return operations.victim_age(victim)


class CaseSummarySerializer(SectionFieldsMixin, serializers.Serializer):
    """One case in the list: ``person`` only for a role that may read the person section."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    case_number = serializers.CharField(source="number", read_only=True)
    stage = ChoiceField(choices=Stage.choices, read_only=True)
    person = ListedPersonSerializer(source="victim", read_only=True, required=False)

    class Meta:
        always = ("id", "case_number", "stage")
        sections = {Section.PERSON: ("person",)}


class PersonSectionSerializer(serializers.Serializer):
    case_number = serializers.CharField()
    stage = ChoiceField(choices=Stage.choices)
    ending = ChoiceField(
        choices=Ending.choices, allow_blank=True, help_text=_("How a closed case ended; empty while it is open.")
    )
    closure_comment = serializers.CharField(
        required=False, help_text=_("Civil affairs' comment on closing: only for roles that read the return home.")
    )
    full_name = serializers.CharField()
    sex = ChoiceField(choices=Sex.choices)
    age = serializers.IntegerField(allow_null=True)


class ContactsSectionSerializer(SECTION_SERIALIZERS[Section.CONTACTS]):
    households = RECORD_SERIALIZERS[RECORD_KINDS["household"]](many=True)
    family_members = RECORD_SERIALIZERS[RECORD_KINDS["familymember"]](many=True)

    class Meta(SECTION_SERIALIZERS[Section.CONTACTS].Meta):
        fields = (*SECTION_SERIALIZERS[Section.CONTACTS].Meta.fields, "households", "family_members")


class HealthSectionSerializer(SECTION_SERIALIZERS[Section.HEALTH]):
    assessments = RECORD_SERIALIZERS[RECORD_KINDS["healthassessment"]](many=True)

    class Meta(SECTION_SERIALIZERS[Section.HEALTH].Meta):
        fields = (*SECTION_SERIALIZERS[Section.HEALTH].Meta.fields, "assessments")


def _other_app_section(section: Section):
    return serializers.JSONField(
        required=False,
        help_text=_("Present when an installed app provides the %(section)s section and your role may read it.")
        % {"section": section.value},
    )


class CaseDetailSerializer(serializers.Serializer):
    """The case file: one key per section the caller may read; the others are absent."""

    id = serializers.UUIDField()
    case_number = serializers.CharField()
    stage = ChoiceField(choices=Stage.choices)
    version = serializers.IntegerField(help_text=_("Send it back in If-Match to change the case."))
    person = PersonSectionSerializer(required=False)
    identity = SECTION_SERIALIZERS[Section.IDENTITY](required=False)
    contacts = ContactsSectionSerializer(required=False)
    rescue = RECORD_SERIALIZERS[Rescue](many=True, required=False)
    health = HealthSectionSerializer(required=False)
    dna = RECORD_SERIALIZERS[RECORD_KINDS["dnasample"]](many=True, required=False)
    consents = RECORD_SERIALIZERS[RECORD_KINDS["consent"]](many=True, required=False)
    referrals = ReferralSerializer(many=True, required=False)
    shelter = _other_app_section(Section.SHELTER)
    schooling = _other_app_section(Section.SCHOOLING)
    training = _other_app_section(Section.TRAINING)
    legal_aid = _other_app_section(Section.LEGAL_AID)
    return_home = _other_app_section(Section.RETURN_HOME)
    follow_ups = _other_app_section(Section.FOLLOW_UPS)


class CaseEnvelopeSerializer(serializers.Serializer):
    """A case after a stage action: its number, stage and new version."""

    id = serializers.UUIDField()
    case_number = serializers.CharField()
    stage = ChoiceField(choices=Stage.choices)
    version = serializers.IntegerField()


class HistoryEntrySerializer(serializers.Serializer):
    """One change of the case, its person or a record, with only the fields the caller may read."""

    at = serializers.DateTimeField()
    actor = serializers.CharField(allow_null=True)
    reason = serializers.CharField(allow_null=True)
    kind = serializers.CharField(help_text=_("case, victim, or the kind of record"))
    record = serializers.UUIDField()
    action = ChoiceField(choices=[("created", "created"), ("changed", "changed"), ("deleted", "deleted")])
    sections = serializers.ListField(child=ChoiceField(choices=Section.choices))
    changes = serializers.DictField(child=serializers.JSONField())
