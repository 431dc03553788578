"""The back office: announcements published by an action, failed deliveries found and retried."""

import pytest

from nuanxin.couriers.tests.factories import make_courier
from nuanxin.messaging.models import Announcement, Delivery, InboxMessage, WeComRobot
from nuanxin.messaging.services import announcement_create

from .local_server import LocalServer

pytestmark = pytest.mark.django_db

FAILED = (200, {"errcode": 93000, "errmsg": "invalid webhook url"})
OK = (200, {"errcode": 0, "errmsg": "ok"})


def test_staff_write_and_publish_an_announcement_in_the_back_office(
    client, users, areas, django_capture_on_commit_callbacks
):
    courier = make_courier(area=areas["street"])
    client.force_login(users["street_staff"])
    response = client.post(
        "/admin/messaging/announcement/add/",
        {"area": areas["street"].pk, "title": "防暑提醒", "body": "中午去驿站歇一歇", "worker_group": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    announcement = Announcement.objects.get()
    assert announcement.status == "draft"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/messaging/announcement/",
            {"action": "publish", "_selected_action": [announcement.pk]},
        )
    assert Announcement.objects.get().status == "published"
    assert InboxMessage.objects.filter(recipient=courier).count() == 1
    # published: read-only
    page = client.get(f"/admin/messaging/announcement/{announcement.pk}/change/")
    assert page.status_code == 200 and 'name="title"' not in page.content.decode()


def test_an_announcement_outside_the_staff_area_is_refused_beside_the_field(client, users, areas):
    client.force_login(users["street_staff"])
    response = client.post(
        "/admin/messaging/announcement/add/",
        {"area": areas["other_street"].pk, "title": "t", "body": "b"},
    )
    assert response.status_code == 200
    assert Announcement.objects.count() == 0


def test_failed_deliveries_are_filtered_and_retried_from_the_list(
    client, users, areas, django_capture_on_commit_callbacks
):
    with LocalServer([FAILED]) as server:
        robot = WeComRobot.objects.create(
            area=areas["street"], name="骑手群", webhook_url=server.url("/s?key=k")
        )
        with django_capture_on_commit_callbacks(execute=True):
            announcement_create(
                actor=users["street_staff"],
                area_code=areas["street"].code,
                title="t",
                body="b",
                channels=["wecom"],
                publish=True,
            )
    delivery = Delivery.objects.get()
    assert delivery.status == "failed"

    client.force_login(users["street_staff"])
    listing = client.get("/admin/messaging/delivery/?status__exact=failed").content.decode()
    assert "骑手群" in listing and "93000" in listing
    client.force_login(users["other_street_staff"])
    assert "骑手群" not in client.get("/admin/messaging/delivery/").content.decode()

    client.force_login(users["street_staff"])
    with LocalServer([OK]) as server:
        WeComRobot.objects.filter(pk=robot.pk).update(webhook_url=server.url("/s?key=k"))
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/admin/messaging/delivery/", {"action": "retry", "_selected_action": [delivery.pk]})
    assert Delivery.objects.get().status == "sent"


def test_robot_webhook_urls_are_secret_and_checked(client, users, areas):
    client.force_login(users["street_staff"])
    response = client.post(
        "/admin/messaging/wecomrobot/add/",
        {"area": areas["street"].pk, "name": "群", "webhook_url": "not a url", "is_active": "on"},
    )
    assert response.status_code == 200 and WeComRobot.objects.count() == 0
    response = client.post(
        "/admin/messaging/wecomrobot/add/",
        {
            "area": areas["street"].pk,
            "name": "群",
            "webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=s3cret",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert "s3cret" not in client.get("/admin/messaging/wecomrobot/").content.decode()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT webhook_url FROM messaging_wecomrobot")
        assert "s3cret" not in cursor.fetchone()[0]
