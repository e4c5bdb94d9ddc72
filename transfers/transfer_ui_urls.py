"""Pages of transfers between organizations of the province, under ``transfers/`` (namespace
``transfers``, ``transfers.ui_urls``). Transfers and cases are addressed by UUID; no personal
value is ever part of a URL. The transfers tab itself is the case file's page
(``/cases/<id>/?tab=transfers``, declared in ``transfers/sections.py``)."""

from django.urls import path

from transfers import views

urlpatterns = [
    path("", views.transfer_list, name="list"),
    path("cases/<uuid:case_id>/new/", views.transfer_request, name="request"),
    path("<uuid:transfer_id>/", views.transfer_detail, name="detail"),
    path("<uuid:transfer_id>/accept/", views.transfer_accept, name="accept"),
    path("<uuid:transfer_id>/decline/", views.transfer_decline, name="decline"),
    path("<uuid:transfer_id>/withdraw/", views.transfer_withdraw, name="withdraw"),
]
