"""Pages of the inbox, mounted at ``inbox/`` by ``registry.urls`` (namespace ``inbox``)."""

app_name = "inbox"

urlpatterns = []
