"""The courier's in-app inbox: API and the /m/inbox/ page with htmx mark-read."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nuanxin.accounts.tests.factories import bearer
from nuanxin.messaging.models import InboxMessage
from nuanxin.messaging.services import inbox_message_send

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox(couriers):
    me = couriers["me"]
    return {
        "older": inbox_message_send(recipient=me, title="欢迎注册", body="欢迎加入暖心驿站"),
        "newer": inbox_message_send(recipient=me, title="回复：午饭", body="驿站有微波炉", link="/m/needs/"),
        "theirs": inbox_message_send(recipient=couriers["neighbour"], title="别人的消息", body="私密"),
    }


def test_a_courier_lists_their_messages_newest_first_with_the_unread_count(api, couriers, as_courier, inbox):
    status, body = api("get", "/api/v1/inbox", headers=as_courier(couriers["me"]))
    assert status == 200
    assert [item["title"] for item in body["items"]] == ["回复：午饭", "欢迎注册"]
    assert body["unread"] == 2 and not body["items"][0]["is_read"]


def test_marking_read_is_idempotent_and_keeps_the_first_reading_time(api, couriers, as_courier, inbox):
    headers = as_courier(couriers["me"])
    url = f"/api/v1/inbox/{inbox['newer'].public_id}/read"
    status, first = api("post", url, headers=headers)
    assert status == 200 and first["is_read"]
    _, second = api("post", url, headers=headers)
    assert second["read_at"] == first["read_at"]
    assert api("get", "/api/v1/inbox/unread-count", headers=headers)[1] == {"unread": 1}
    assert api("get", "/api/v1/inbox?unread=true", headers=headers)[1]["count"] == 1
    assert api("post", "/api/v1/inbox/read-all", headers=headers)[1] == {"unread": 0}


@pytest.mark.parametrize(("who", "expected"), [("anonymous", 401), ("other_courier", 404), ("staff", 403)])
def test_nobody_else_reads_or_marks_a_couriers_message(
    api, couriers, as_courier, inbox, users, who, expected
):
    headers = {
        "anonymous": {},
        "other_courier": as_courier(couriers["elsewhere"]),
        "staff": bearer(users["street_staff"]),
    }[who]
    message = inbox["older"]
    assert api("get", f"/api/v1/inbox/{message.public_id}", headers=headers)[0] == expected
    assert api("post", f"/api/v1/inbox/{message.public_id}/read", headers=headers)[0] == expected
    api("post", "/api/v1/inbox/read-all", headers=headers)
    assert InboxMessage.objects.filter(recipient=couriers["me"], read_at__isnull=False).count() == 0


def test_the_inbox_list_costs_a_fixed_number_of_queries(api, couriers, as_courier, inbox):
    headers = as_courier(couriers["me"])
    api("get", "/api/v1/inbox", headers=headers)
    with CaptureQueriesContext(connection) as few:
        api("get", "/api/v1/inbox", headers=headers)
    for index in range(5):
        inbox_message_send(recipient=couriers["me"], title=f"通知{index}", body="…")
    with CaptureQueriesContext(connection) as many:
        api("get", "/api/v1/inbox", headers=headers)
    assert len(many) == len(few)


def test_the_inbox_page_marks_a_message_read_with_htmx(client, couriers, inbox):
    client.force_login(couriers["me"].user)
    page = client.get("/m/inbox/").content.decode()
    assert 'data-unread="2"' in page
    assert "别人的消息" not in page
    assert f'hx-post="/m/inbox/{inbox["older"].public_id}/read/"' in page

    response = client.post(f"/m/inbox/{inbox['older'].public_id}/read/", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.lstrip().startswith("<article") and 'data-read="true"' in fragment
    assert "hx-post" not in fragment  # no "mark read" button on a read message
    assert response["HX-Trigger"] == "inbox-changed"
    assert 'data-unread="1"' in client.get("/m/inbox/unread/").content.decode()


def test_without_htmx_mark_read_returns_to_the_list_and_open_follows_the_link(client, couriers, inbox):
    client.force_login(couriers["me"].user)
    response = client.post(f"/m/inbox/{inbox['older'].public_id}/read/")
    assert response.status_code == 302 and response["Location"] == "/m/inbox/"
    response = client.get(f"/m/inbox/{inbox['newer'].public_id}/open/")
    assert response.status_code == 302 and response["Location"] == "/m/needs/"
    assert InboxMessage.objects.filter(recipient=couriers["me"], read_at__isnull=True).count() == 0


def test_another_couriers_message_is_not_found_on_the_page(client, couriers, inbox):
    client.force_login(couriers["elsewhere"].user)
    assert client.post(f"/m/inbox/{inbox['older'].public_id}/read/").status_code == 404
    assert client.get(f"/m/inbox/{inbox['older'].public_id}/open/").status_code == 404
    client.post("/m/inbox/read-all/")
    assert InboxMessage.objects.get(pk=inbox["older"].pk).read_at is None


def test_signed_out_visitors_go_to_sign_in(client):
    response = client.get("/m/inbox/")
    assert response.status_code == 302 and response["Location"].startswith("/m/login/")
