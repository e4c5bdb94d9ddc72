"""URLs of the victim-file pages, mounted at ``cases/`` by ``registry.urls`` (namespace
``victims``). Cases and records are addressed by UUID; no personal value is ever part of a URL
(search terms are posted, see ``victims.views.case_list``)."""

from django.urls import path

from victims import views
from victims.views import assignments, void

app_name = "victims"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_register, name="register"),
    path("caseworkers/", assignments.caseworkers, name="caseworkers"),
    path("<uuid:case_id>/", views.case_file, name="case"),
    path("<uuid:case_id>/<str:section>/edit/", views.victim_edit, name="victim-edit"),
    path("<uuid:case_id>/records/<str:kind>/new/", views.record_add, name="record-add"),
    path("<uuid:case_id>/records/<str:kind>/<uuid:record_id>/", views.record_edit, name="record-edit"),
    path("<uuid:case_id>/records/<str:kind>/<uuid:record_id>/void/", void.record_void, name="record-void"),
    path("<uuid:case_id>/referrals/new/<str:service>/", views.referral_create, name="referral-create"),
    path("<uuid:case_id>/referrals/<uuid:referral_id>/<str:verb>/", views.referral_act, name="referral-act"),
    path("<uuid:case_id>/close/", views.case_close, name="case-close"),
    path("<uuid:case_id>/assignments/", assignments.case_assign, name="assign"),
    path("<uuid:case_id>/assignments/<uuid:user_id>/remove/", assignments.case_unassign, name="unassign"),
    path("<uuid:case_id>/actions/<str:verb>/", views.case_act, name="case-act"),
]
