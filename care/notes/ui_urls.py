"""Pages of the case notes, under ``care/`` (namespace ``care``, ``care.ui_urls``). Notes are
addressed within their case, by UUID; no personal value is ever part of a URL. The ``notes`` tab
itself is the case file's page (``/cases/<id>/?tab=notes``, declared in ``care/notes/sections.py``)."""

from django.urls import path

from care.notes import views

_NOTES = "cases/<uuid:case_id>/notes/"

urlpatterns = [
    path(f"{_NOTES}new/", views.note_add, name="note-add"),
    path(f"{_NOTES}new/conference/", views.note_conference, name="note-conference"),
    path(f"{_NOTES}quick/", views.note_quick, name="note-quick"),
    path(f"{_NOTES}<uuid:note_id>/correct/", views.note_correct, name="note-correct"),
]
