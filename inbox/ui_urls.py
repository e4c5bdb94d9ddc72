"""Pages of the inbox, mounted at ``inbox/`` by ``registry.urls`` (namespace ``inbox``). Items
are addressed by UUID; no personal value is ever part of a URL (the filter is a kind)."""

from django.urls import path

from inbox import views

app_name = "inbox"

urlpatterns = [
    path("", views.inbox_page, name="list"),
    path("read-all/", views.read_all, name="read-all"),
    path("settings/", views.notice_settings, name="settings"),
    path("<uuid:item_id>/open/", views.item_open, name="open"),
]
