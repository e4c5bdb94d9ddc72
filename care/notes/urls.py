"""API routes of the case notes, included under ``/api/v1/`` (``care.urls``). Ids are matched as
plain strings and checked by the views, so a malformed id answers the API's JSON 404. No route
changes or deletes a note: notes are append-only."""

from django.urls import path

from care.notes.api import CaseNoteViewSet, NoteViewSet

urlpatterns = [
    path("cases/<str:id>/notes/", CaseNoteViewSet.as_view({"get": "list", "post": "create"}), name="case-notes"),
    path("notes/<str:id>/", NoteViewSet.as_view({"get": "retrieve"}), name="note"),
    path("notes/<str:id>/correct/", NoteViewSet.as_view({"post": "correct"}), name="note-correct"),
]
