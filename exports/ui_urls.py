"""URLs of the dossier pages (namespace ``exports``), mounted at the site root by
``registry.urls``. Cases, dossiers and dossier jobs are addressed by UUID; nothing personal is
in a URL."""

from django.urls import path

from exports import views

app_name = "exports"

urlpatterns = [
    path("cases/<uuid:case_id>/dossiers/", views.case_dossiers, name="case-dossiers"),
    path("dossiers/<uuid:dossier_id>/pdf/", views.dossier_pdf, name="dossier-pdf"),
    path("dossiers/jobs/<uuid:job_id>/", views.dossier_job, name="dossier-job"),
    path("dossiers/batches/", views.batch_list, name="batches"),
]
