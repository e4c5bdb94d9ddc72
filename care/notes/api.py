"""The REST API of the case notes under ``/api/v1/`` (routes in ``care.notes.urls``).

- ``GET/POST /cases/{id}/notes/`` — the case's notes the caller reads (newest first, ``?kind=``
  to filter); add a note (``operations.note_create``).
- ``GET /notes/{id}/`` — one note with its decisions.
- ``POST /notes/{id}/correct/`` — correct a note with a new one (``operations.note_correct``);
  409 ``already_corrected`` when it has a correction already.

Notes are append-only: no route changes or deletes one (``PATCH``, ``PUT`` and ``DELETE`` answer
405). Every view reads through ``care.notes.selectors`` — a note of a section the caller does not
read is absent, exactly like one that does not exist (404) — and writes through
``care.notes.operations``. Reads are audited (``case_viewed`` with the notes section and the
sections the notes shown concern); refusals by the API's exception handler.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from care.choices import NeedDomain, NoteKind, Participant
from care.models import CaseNote
from care.notes import operations, selectors
from registry import policy
from registry.api.cases import CaseRouteViewSet
from registry.api.inputs import validated
from registry.api.schema import CASE_ID, ERRORS, error
from registry.api.serializers import ChoiceField, ChoiceListField, StrictSerializer
from registry.api.viewsets import RecordRouteViewSet
from registry.audit import AuditAction, log_read
from registry.concurrency import etag
from registry.errors import RuleViolation
from registry.fields import MAX_TEXT_LENGTH
from registry.models import Organization
from registry.policy import Section, require

NOTE_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The note's id.")
KIND = OpenApiParameter(
    "kind", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=NoteKind.values, description="Only notes of this kind."
)
WRITE_ERRORS = {
    **ERRORS,
    403: error(
        "permission_denied: your role may not write notes; care_plan_read_only: your role may not add goals "
        "to the care plan."
    ),
    409: error("too_many_records: the case holds the most notes allowed."),
}
CONCERNS_HELP = gettext_lazy(
    "The section of the case file the note is about: only its readers read the note. A section you read, "
    "not notes, care_plan, consents or referrals; by default person."
)


# --- input ------------------------------------------------------------------------------------


class DecisionGoalSerializer(StrictSerializer):
    domain = ChoiceField(choices=NeedDomain.choices)
    description = serializers.CharField(max_length=MAX_TEXT_LENGTH)
    owner = serializers.UUIDField(help_text=gettext_lazy("The owner organization's id (an active one)."))
    target_on = serializers.DateField()


class DecisionInputSerializer(StrictSerializer):
    text = serializers.CharField(max_length=MAX_TEXT_LENGTH)
    goal = DecisionGoalSerializer(
        required=False,
        allow_null=True,
        help_text=gettext_lazy("A goal of the care plan the decision creates (the case needs a care plan)."),
    )


class NoteInputSerializer(StrictSerializer):
    kind = ChoiceField(choices=NoteKind.choices)
    occurred_on = serializers.DateField(help_text=gettext_lazy("The day of the contact; not in the future."))
    duration_minutes = serializers.IntegerField(
        min_value=1, max_value=operations.MAX_DURATION_MINUTES, required=False, allow_null=True
    )
    participants = ChoiceListField(
        choices=Participant.choices,
        required=False,
        help_text=gettext_lazy("Who took part, by role, each once; never names."),
    )
    organizations = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        max_length=operations.MAX_ORGANIZATIONS,
        help_text=gettext_lazy("Ids of the active organizations present; at least one for a case conference."),
    )
    concerns = ChoiceField(choices=Section.choices, required=False, help_text=CONCERNS_HELP)
    text = serializers.CharField(max_length=MAX_TEXT_LENGTH)
    decisions = DecisionInputSerializer(
        many=True,
        required=False,
        max_length=operations.MAX_DECISIONS,
        help_text=gettext_lazy("A case conference's decisions only."),
    )


class CorrectionInputSerializer(NoteInputSerializer):
    """The correcting note: what is left out is the corrected note's (its decisions excepted)."""

    kind = ChoiceField(choices=NoteKind.choices, required=False)
    occurred_on = serializers.DateField(required=False)


# --- output (built by care.notes.selectors; documented here for the schema) ----------------------


class ConferenceDecisionSerializer(serializers.Serializer):
    """A decision of a case conference, with the goal of the care plan it created."""

    id = serializers.UUIDField()
    version = serializers.IntegerField()
    text = serializers.CharField()
    goal = serializers.UUIDField(allow_null=True)


class NoteSerializer(serializers.Serializer):
    """One entry of the service log, read only by the readers of the section it concerns."""

    id = serializers.UUIDField()
    version = serializers.IntegerField()
    kind = ChoiceField(choices=NoteKind.choices)
    occurred_on = serializers.DateField()
    duration_minutes = serializers.IntegerField(allow_null=True)
    participants = serializers.ListField(child=ChoiceField(choices=Participant.choices))
    organizations = serializers.ListField(child=serializers.UUIDField())
    concerns = ChoiceField(choices=Section.choices)
    text = serializers.CharField()
    corrects = serializers.UUIDField(allow_null=True, help_text=gettext_lazy("The note this one corrects."))
    corrected_by = serializers.UUIDField(allow_null=True, help_text=gettext_lazy("The note that corrects this one."))
    created_by = serializers.UUIDField()
    decisions = ConferenceDecisionSerializer(many=True)


# --- helpers ----------------------------------------------------------------------------------


def _organizations_named(ids, message: str, field: str) -> list[Organization]:
    """The organizations ``ids`` name; 400 on ``field`` for an id naming none (an inactive one is
    refused by the operation, in the same words)."""
    ids = list(ids)
    found = {organization.uuid: organization for organization in Organization.objects.filter(uuid__in=ids)}
    if any(value not in found for value in ids):
        raise RuleViolation(message, field=field)
    return [found[value] for value in ids]


def note_data(body: dict) -> dict:
    """The validated body as the operations take it: organizations as rows."""
    data = dict(body)
    if "organizations" in data:
        data["organizations"] = _organizations_named(
            data["organizations"], _("Choose active organizations."), "organizations"
        )
    for number, decision in enumerate(data.get("decisions") or (), start=1):
        if decision.get("goal"):
            message = _("Decision %(number)s: choose an active organization to own the goal.") % {"number": number}
            decision["goal"]["owner"] = _organizations_named([decision["goal"]["owner"]], message, "decisions")[0]
    return data


def note_response(note: CaseNote, *, status: int = 200) -> Response:
    response = Response(selectors.note_record(note), status=status)
    response["ETag"] = etag(note.version)
    return response


def _may_write(user) -> None:
    require(policy.may_write(user, Section.NOTES), _("Your role may not write case notes."))


# --- views ------------------------------------------------------------------------------------


@extend_schema(tags=["case notes"])
class CaseNoteViewSet(CaseRouteViewSet):
    """The notes of a case: only those of the sections you read."""

    serializer_class = NoteSerializer

    @extend_schema(
        summary="The notes of a case you read, newest first",
        parameters=[CASE_ID, KIND],
        responses={200: NoteSerializer(many=True), 400: ERRORS[400], 404: ERRORS[404]},
    )
    def list(self, request, *args, **kwargs):
        case = self.get_case()
        kind = request.query_params.get("kind") or None
        if kind is not None and kind not in NoteKind.values:
            raise RuleViolation(_("Choose the kind of note."), field="kind")
        rows = selectors.case_notes(request.user, case, kind=kind, newest_first=True)
        concerns = sorted({note["concerns"] for note in rows}, key=[section.value for section in Section].index)
        return self.paginated(rows, request, sections=[Section.NOTES, *concerns], detail={"view": "case_notes"})

    @extend_schema(
        summary="Add a note to a case",
        description="A note concerns a section you read (person by default) and is read by that section's readers "
        "only. A case conference names the organizations present and may list its decisions, each optionally "
        "creating a goal of the care plan.",
        parameters=[CASE_ID],
        request=NoteInputSerializer,
        responses={201: NoteSerializer, **WRITE_ERRORS},
    )
    def create(self, request, *args, **kwargs):
        user, case = request.user, self.get_case()
        selectors.check_readable(user)
        _may_write(user)
        data = note_data(validated(NoteInputSerializer, request.data))
        note = operations.note_create(actor=user, case=case, data=data)
        return note_response(note, status=201)


@extend_schema(tags=["case notes"])
class NoteViewSet(RecordRouteViewSet):
    """One note: read it, correct it. A note is never changed nor deleted."""

    model = CaseNote
    serializer_class = NoteSerializer
    parser_classes = CaseRouteViewSet.parser_classes
    metadata_class = None

    def get_note(self) -> CaseNote:
        return selectors.note_for(self.request.user, self.kwargs["id"])

    @extend_schema(
        summary="One note with its decisions",
        parameters=[NOTE_ID],
        responses={200: NoteSerializer, 404: ERRORS[404]},
    )
    def retrieve(self, request, *args, **kwargs):
        note = self.get_note()
        log_read(
            request,
            action=AuditAction.CASE_VIEWED,
            case_uuid=note.case.uuid,
            sections=[Section.NOTES, note.concerns],
            detail={"view": "note", "record": str(note.uuid)},
        )
        return note_response(note)

    @extend_schema(
        summary="Correct a note with a new one",
        description="The correction is a new note pointing at the corrected one (corrects); what it leaves out "
        "is the corrected note's, but for its decisions. A note is corrected once: correct the latest correction.",
        parameters=[NOTE_ID],
        request=CorrectionInputSerializer,
        responses={
            201: NoteSerializer,
            **WRITE_ERRORS,
            409: error("already_corrected: the note has a correction already; too_many_records."),
        },
    )
    def correct(self, request, *args, **kwargs):
        note = self.get_note()
        _may_write(request.user)
        data = note_data(validated(CorrectionInputSerializer, request.data))
        correction = operations.note_correct(actor=request.user, note=note, data=data)
        return note_response(correction, status=201)
