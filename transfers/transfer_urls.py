"""API routes of transfers between organizations of the province, included under ``/api/v1/``
(``transfers.urls``). Ids are matched as plain strings and checked by the views, so a malformed
id answers the API's JSON 404."""

from django.urls import path

from transfers.api import CaseTransferViewSet, TransferViewSet

urlpatterns = [
    path(
        "cases/<str:id>/transfers/",
        CaseTransferViewSet.as_view({"get": "list", "post": "create"}),
        name="case-transfer-list",
    ),
    path("transfers/", TransferViewSet.as_view({"get": "list"}), name="transfer-list"),
    path("transfers/<str:id>/", TransferViewSet.as_view({"get": "retrieve"}), name="transfer-detail"),
    *(
        path(f"transfers/<str:id>/{step}/", TransferViewSet.as_view({"post": step}), name=f"transfer-{step}")
        for step in ("accept", "decline", "withdraw")
    ),
]
