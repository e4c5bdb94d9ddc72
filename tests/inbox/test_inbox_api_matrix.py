"""The inbox's API held to its policy, for every member of the cast.

The audience of an item is its recipient, not who sees a case: every role has an inbox (the
auditor and the administrator too), reads its own items and marks them read, and another
user's item is absent — 404 on its route, missing from the list — exactly like one that does
not exist. The oracle: ``member is the recipient``."""

from __future__ import annotations

import pytest
from django.urls import reverse

from inbox.choices import NotificationKind
from inbox.models import Notification
from tests.policy_matrix import CAST, PolicyMatrix

ITEM_KEYS = frozenset(
    {"id", "kind", "kind_label", "text", "case_number", "case_id", "subject_id", "due_on", "created_at", "read_at",
     "url"}
)  # fmt: skip
ENVELOPE = frozenset({"count", "count_exact", "next", "previous", "results"})


def item_for(user) -> Notification:
    return Notification.objects.create(
        recipient=user, kind=NotificationKind.FOLLOW_UP_DUE, case_number="FJ-350102-2026-00001"
    )


class RecipientMatrix(PolicyMatrix):
    """The record is an item of Alice's inbox; each member also holds one of their own."""

    always_keys = ITEM_KEYS

    def make_record(self, places, cast):
        return item_for(cast.alice)

    def scope_facts(self, record):
        raise AssertionError("the audience of an item is its recipient, not a case's scope")

    def expected_status(self, user, visible):
        """200 for one's own item (``visible``: the caller is its recipient), 404 for another's."""
        return self.success_status if visible else 404

    @pytest.mark.parametrize("member", CAST)
    def test_policy_matrix(self, member, places, cast, api_client_for):
        alices = self.make_record(places, cast)
        user = getattr(cast, member)
        own = alices if user == cast.alice else item_for(user)
        client = api_client_for(user)
        for record in {alices, own}:
            response = self._call(client, record)
            expected = self.success_status if self.kind == "list" else self.expected_status(user, record == own)
            assert response.status_code == expected, (member, response.status_code, response.json())
            if expected >= 400:
                assert set(response.json()) >= {"code", "message"}
            elif self.kind == "list":
                results = {item["id"]: item for item in response.json()["results"]}
                assert set(results) == {str(own.uuid)}, member
                assert all(set(item) == ITEM_KEYS for item in results.values())
            else:
                assert set(response.json()) == ITEM_KEYS


@pytest.mark.django_db
class TestNotificationListMatrix(RecipientMatrix):
    route_name = "notification-list"
    kind = "list"

    def url(self, record):
        return reverse(self.route_name)


@pytest.mark.django_db
class TestNotificationReadMatrix(RecipientMatrix):
    route_name = "notification-read"
    kind = "write"
    method = "post"

    def url(self, record):
        return reverse(self.route_name, kwargs={"id": record.uuid})
