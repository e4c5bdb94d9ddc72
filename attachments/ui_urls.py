"""URLs of the attachment pages, mounted at the root by ``registry.urls`` (namespace
``attachments``). Attachments are addressed by UUID; no personal value is ever part of a URL.
The list of a section's attachments is part of the section's tab of the case file."""

from django.urls import path

from attachments import views

app_name = "attachments"

urlpatterns = [
    path("cases/<uuid:case_id>/attachments/<str:section>/new/", views.upload, name="upload"),
    path("attachments/<uuid:attachment_id>/download/", views.download, name="download"),
    path("attachments/<uuid:attachment_id>/preview/", views.preview, name="preview"),
    path("attachments/<uuid:attachment_id>/withdraw/", views.withdraw, name="withdraw"),
]
