"""``GET /api/v1/notifications/`` and ``POST /api/v1/notifications/{id}/read/``: one's own items,
newest first, filtered by kind and unread; marking read; the refusals."""

from __future__ import annotations

import pytest
from django.urls import reverse

from inbox.choices import NotificationKind
from inbox.models import Notification
from inbox.notify import notify
from tests.victims.test_api_matrix import register_case

pytestmark = pytest.mark.django_db
LIST = reverse("notification-list")


def read_url(item) -> str:
    return reverse("notification-read", kwargs={"id": item.uuid})


@pytest.fixture
def case(places, cast):
    return register_case(places, cast, seed=81)


@pytest.fixture
def alices(cast, case):
    notify(NotificationKind.FOLLOW_UP_DUE, [cast.alice], case=case)
    notify(NotificationKind.REFERRAL_RECEIVED, [cast.alice], case=case)
    return list(Notification.objects.filter(recipient=cast.alice))  # newest first


def test_the_list_is_ones_own_newest_first_with_the_opening_page(cast, case, alices, api_client_for):
    notify(NotificationKind.FOLLOW_UP_DUE, [cast.carol], case=case)
    body = api_client_for(cast.alice).get(LIST).json()
    assert body["count"] == 2 and [item["id"] for item in body["results"]] == [str(item.uuid) for item in alices]
    first = body["results"][0]
    assert first["case_id"] == str(case.uuid) and first["case_number"] == case.number
    assert first["url"] == reverse("inbox:open", args=[alices[0].uuid])
    assert first["read_at"] is None and first["kind"] == NotificationKind.REFERRAL_RECEIVED


def test_the_list_filters_by_kind_and_unread(cast, alices, api_client_for):
    client = api_client_for(cast.alice)
    follow_up = alices[1]
    assert [i["id"] for i in client.get(LIST, {"kind": "follow_up_due"}).json()["results"]] == [str(follow_up.uuid)]
    client.post(read_url(follow_up))
    assert [i["id"] for i in client.get(LIST, {"unread": "true"}).json()["results"]] == [str(alices[0].uuid)]
    assert client.get(LIST, {"unread": "false"}).json()["count"] == 2


@pytest.mark.parametrize(("params", "field"), [({"kind": "gossip"}, "kind"), ({"unread": "maybe"}, "unread")])
def test_a_bad_filter_answers_400_naming_it(cast, alices, api_client_for, params, field):
    response = api_client_for(cast.alice).get(LIST, params)
    assert response.status_code == 400 and set(response.json()["fields"]) == {field}


def test_reading_marks_ones_own_item_and_answers_it(cast, alices, api_client_for):
    response = api_client_for(cast.alice).post(read_url(alices[0]))
    assert response.status_code == 200 and response.json()["read_at"] is not None
    alices[0].refresh_from_db()
    first = alices[0].read_at
    again = api_client_for(cast.alice).post(read_url(alices[0]))
    alices[0].refresh_from_db()
    assert again.status_code == 200 and alices[0].read_at == first  # the first reading stays


def test_another_users_item_or_a_malformed_id_is_not_found(cast, alices, api_client_for):
    client = api_client_for(cast.carol)
    assert client.post(read_url(alices[0])).status_code == 404
    assert client.post("/api/v1/notifications/not-a-uuid/read/").status_code == 404
    alices[0].refresh_from_db()
    assert alices[0].read_at is None
