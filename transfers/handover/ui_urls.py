"""Pages of hand-overs out of the province or the country, under ``transfers/hand-overs/``
(namespace ``transfers``, names ``handover-…``). Cases and hand-overs are addressed by UUID; no
personal value is ever part of a URL."""

from django.urls import path

from transfers.handover import views

urlpatterns = [
    path("cases/<uuid:case_id>/new/", views.handover_new, name="handover-new"),
    path("<uuid:handover_id>/package/", views.handover_package, name="handover-package"),
]
