"""Announcements: aiming, publication fan-out, deliveries through SMS and WeCom with retries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nuanxin.couriers.tests.factories import make_courier
from nuanxin.messaging import services, sms
from nuanxin.messaging.models import Announcement, Delivery, InboxMessage, WeComRobot

from .local_server import LocalServer

pytestmark = pytest.mark.django_db

OK = (200, {"errcode": 0, "errmsg": "ok"})
RATE_LIMITED = (200, {"errcode": 45009, "errmsg": "api freq out of limit"})
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def locmem_sms(settings):
    settings.NUANXIN_SMS_BACKEND = "nuanxin.messaging.sms.LocmemSmsBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def crowd(areas):
    """Couriers across the tree: who an announcement reaches depends on area, company and group."""
    return {
        "street_sf": make_courier(area=areas["street"], company="sf"),
        "street_meituan": make_courier(area=areas["street"], company="meituan"),
        "community_meituan": make_courier(area=areas["community"], company="meituan"),
        "other_street_sf": make_courier(area=areas["other_street"], company="sf"),
        "other_district_sf": make_courier(area=areas["other_district_street"], company="sf"),
    }


def publish(api, headers, capture, **fields):
    body = {"title": "高温慰问", "body": "本周六驿站发放清凉包", "publish": True, **fields}
    with capture(execute=True):
        return api("post", "/api/v1/manage/announcements", body, headers)


def recipients(announcement_id):
    return set(
        InboxMessage.objects.filter(announcement__public_id=announcement_id).values_list(
            "recipient", flat=True
        )
    )


def test_an_announcement_reaches_the_couriers_of_the_area_subtree(
    api, auth, areas, crowd, django_capture_on_commit_callbacks
):
    status, body = publish(
        api, auth("district_staff"), django_capture_on_commit_callbacks, area_code=areas["district"].code
    )
    assert status == 201
    assert body["status"] == "published" and body["recipient_count"] == 4
    expected = {
        crowd[name].pk for name in ("street_sf", "street_meituan", "community_meituan", "other_street_sf")
    }
    assert recipients(body["id"]) == expected


def test_company_and_worker_group_narrow_the_audience(
    api, auth, areas, crowd, django_capture_on_commit_callbacks
):
    headers = auth("street_staff")
    _, by_company = publish(
        api,
        headers,
        django_capture_on_commit_callbacks,
        area_code=areas["street"].code,
        company_code="meituan",
    )
    assert recipients(by_company["id"]) == {crowd["street_meituan"].pk, crowd["community_meituan"].pk}
    _, by_group = publish(
        api,
        headers,
        django_capture_on_commit_callbacks,
        area_code=areas["street"].code,
        worker_group="express_courier",
    )
    assert recipients(by_group["id"]) == {crowd["street_sf"].pk}


def test_sms_and_the_wecom_robot_deliver_after_publication(
    api, auth, areas, crowd, locmem_sms, django_capture_on_commit_callbacks
):
    with LocalServer([OK]) as server:
        WeComRobot.objects.create(
            area=areas["street"], name="劝业场骑手群", webhook_url=server.url("/send?key=q")
        )
        WeComRobot.objects.create(
            area=areas["other_street"], name="小白楼骑手群", webhook_url=server.url("/send?key=x")
        )
        status, body = publish(
            api,
            auth("street_staff"),
            django_capture_on_commit_callbacks,
            area_code=areas["street"].code,
            channels=["sms", "wecom"],
        )

    assert status == 201
    # one SMS per courier of the street, through the configured backend, with the template's variable
    assert sorted(message["phone"] for message in locmem_sms) == sorted(
        [crowd["street_sf"].phone, crowd["street_meituan"].phone, crowd["community_meituan"].phone]
    )
    assert {message["template"] for message in locmem_sms} == {"announcement"}
    assert locmem_sms[0]["params"] == {"title": "高温慰问"}
    # one WeCom post, to the street's robot only, in WeCom's markdown format
    assert [request["path"] for request in server.requests] == ["/send?key=q"]
    posted = server.json_bodies()[0]
    assert posted["msgtype"] == "markdown"
    assert "**高温慰问**" in posted["markdown"]["content"]
    deliveries = Delivery.objects.filter(announcement__public_id=body["id"])
    assert deliveries.count() == 4
    assert set(deliveries.values_list("status", flat=True)) == {"sent"}
    assert all(delivery.attempts == 1 and delivery.sent_at for delivery in deliveries)
    assert deliveries.filter(channel="sms").exclude(provider_message_id="").count() == 3


def test_a_rate_limited_robot_is_retried_with_growing_waits_then_marked_failed_and_shown_to_staff(
    api, auth, areas, crowd, django_capture_on_commit_callbacks
):
    with LocalServer([RATE_LIMITED]) as server:
        WeComRobot.objects.create(area=areas["street"], name="骑手群", webhook_url=server.url("/send?key=q"))
        _, body = publish(
            api,
            auth("street_staff"),
            django_capture_on_commit_callbacks,
            area_code=areas["street"].code,
            channels=["wecom"],
        )
        delivery = Delivery.objects.get(announcement__public_id=body["id"])
        # first try failed: still pending, tried again one minute later
        assert (delivery.status, delivery.attempts) == ("pending", 1)
        assert "45009" in delivery.last_error
        waits = []
        while delivery.status == "pending":
            due = delivery.next_attempt_at
            # not due a moment before its time
            assert services.deliveries_send_due(now=due - datetime.timedelta(seconds=1)) == 0
            assert services.deliveries_send_due(now=due) == 1
            previous, delivery = due, Delivery.objects.get(pk=delivery.pk)
            if delivery.next_attempt_at:
                waits.append((delivery.next_attempt_at - previous).total_seconds())
        assert len(server.requests) == services.DEFAULT_MAX_ATTEMPTS
    assert waits == [120, 240, 480]  # 1, 2, 4, 8 minutes (the first wait was before the loop)
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 5, None)

    # staff of the street see the failure; staff of another street do not
    status, listed = api("get", "/api/v1/manage/deliveries?status=failed", headers=auth("street_staff"))
    assert status == 200 and listed["count"] == 1
    assert listed["items"][0]["recipient"] == "骑手群" and "45009" in listed["items"][0]["last_error"]
    assert (
        api("get", "/api/v1/manage/deliveries?status=failed", headers=auth("other_street_staff"))[1]["count"]
        == 0
    )

    # the robot works again: a retry sends it
    with LocalServer([OK]) as server:
        WeComRobot.objects.filter(pk=delivery.robot_id).update(webhook_url=server.url("/send?key=q"))
        with django_capture_on_commit_callbacks(execute=True):
            status, retried = api(
                "post", f"/api/v1/manage/deliveries/{delivery.pk}/retry", headers=auth("street_staff")
            )
    assert status == 200 and retried["status"] == "pending"  # queued: the send runs once the retry commits
    delivery = Delivery.objects.get(pk=delivery.pk)
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 1, "")
    assert len(server.requests) == 1


def test_a_deleted_webhook_fails_at_once_and_only_failed_deliveries_can_be_retried(
    api, auth, areas, crowd, django_capture_on_commit_callbacks
):
    with LocalServer([(200, {"errcode": 93000, "errmsg": "invalid webhook url"})]) as server:
        WeComRobot.objects.create(area=areas["street"], name="骑手群", webhook_url=server.url("/send?key=q"))
        publish(
            api,
            auth("street_staff"),
            django_capture_on_commit_callbacks,
            area_code=areas["street"].code,
            channels=["wecom"],
        )
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    Delivery.objects.filter(pk=delivery.pk).update(status="sent")
    status, body = api(
        "post", f"/api/v1/manage/deliveries/{delivery.pk}/retry", headers={**auth("street_staff"), **EN}
    )
    assert status == 409 and body["message"] == "Only a failed delivery can be retried."
    assert (
        api("post", f"/api/v1/manage/deliveries/{delivery.pk}/retry", headers=auth("other_street_staff"))[0]
        == 404
    )
    assert Delivery.objects.get().status == "sent"


@pytest.mark.parametrize(
    ("code", "status", "attempts"),
    [("isv.BUSINESS_LIMIT_CONTROL", "pending", 1), ("isv.MOBILE_NUMBER_ILLEGAL", "failed", 1)],
)
def test_sms_provider_refusals_are_recorded(
    api, auth, areas, settings, django_capture_on_commit_callbacks, code, status, attempts
):
    make_courier(area=areas["street"])
    with LocalServer([(200, {"Code": code, "Message": "refused", "RequestId": "r"})]) as server:
        settings.NUANXIN_SMS_BACKEND = "nuanxin.messaging.sms.AliyunSmsBackend"
        settings.NUANXIN_SMS_ALIYUN = {
            "access_key_id": "id",
            "access_key_secret": "secret",
            "sign_name": "暖心",
            "endpoint": server.url("/"),
        }
        publish(
            api,
            auth("street_staff"),
            django_capture_on_commit_callbacks,
            area_code=areas["street"].code,
            channels=["sms"],
        )
    delivery = Delivery.objects.get(channel="sms")
    assert (delivery.status, delivery.attempts) == (status, attempts)
    assert code in delivery.last_error
    assert "Action=SendSms" in server.requests[0]["path"]


def test_publication_writes_in_chunks_and_a_second_publish_is_refused(
    api, auth, areas, monkeypatch, locmem_sms, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "FAN_OUT_CHUNK", 2)
    monkeypatch.setattr(services, "SEND_CHUNK", 2)
    for _ in range(5):
        make_courier(area=areas["street"])
    headers = auth("street_staff")
    status, draft = api(
        "post",
        "/api/v1/manage/announcements",
        {"area_code": areas["street"].code, "title": "通知", "body": "内容", "channels": ["sms"]},
        headers,
    )
    assert status == 201 and draft["status"] == "draft"
    assert InboxMessage.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        status, published = api(
            "post", f"/api/v1/manage/announcements/{draft['id']}/publish", headers=headers
        )
    assert status == 200 and published["recipient_count"] == 5
    assert len(callbacks) == 3  # 5 SMS deliveries queued as 3 tasks of at most 2
    assert InboxMessage.objects.count() == 5 and len(locmem_sms) == 5

    status, body = api(
        "post", f"/api/v1/manage/announcements/{draft['id']}/publish", headers={**headers, **EN}
    )
    assert status == 409 and body["code"] == "announcement_published"
    status, body = api(
        "put",
        f"/api/v1/manage/announcements/{draft['id']}",
        {"area_code": areas["street"].code, "title": "改", "body": "改"},
        headers,
    )
    assert status == 409 and body["code"] == "announcement_published"
    assert api("delete", f"/api/v1/manage/announcements/{draft['id']}", headers=headers)[0] == 409
    assert InboxMessage.objects.count() == 5 and Announcement.objects.get().title == "通知"


def test_announcement_input_errors(api, auth, areas):
    headers = {**auth("street_staff"), **EN}
    status, body = api(
        "post",
        "/api/v1/manage/announcements",
        {
            "area_code": areas["other_street"].code,
            "title": " ",
            "body": "x",
            "company_code": "nope",
            "worker_group": "astronaut",
        },
        headers,
    )
    assert status == 422
    assert {error["field"] for error in body["errors"]} == {
        "area_code",
        "title",
        "company_code",
        "worker_group",
    }
    status, body = api(
        "post",
        "/api/v1/manage/announcements",
        {"area_code": areas["street"].code, "title": "t", "body": "b", "channels": ["fax"]},
        headers,
    )
    assert status == 422 and body["errors"][0]["field"].startswith("channels")
    assert Announcement.objects.count() == 0


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 401),
        ("courier", 403),
        ("other_street_staff", 404),
        ("other_district_staff", 404),
        ("street_staff", 200),
        ("district_staff", 200),
        ("city_staff", 200),
    ],
)
def test_announcement_authorization_matrix(api, auth, areas, users, who, expected):
    draft = services.announcement_create(
        actor=users["street_staff"], area_code=areas["street"].code, title="草稿", body="内容"
    )
    headers = {} if who == "anonymous" else auth(who)
    url = f"/api/v1/manage/announcements/{draft.public_id}"
    assert api("get", url, headers=headers)[0] == expected
    status, _ = api("put", url, {"area_code": areas["street"].code, "title": "改了", "body": "改了"}, headers)
    assert status == expected
    if expected != 200:
        assert api("post", f"{url}/publish", headers=headers)[0] == expected
        assert api("delete", url, headers=headers)[0] == expected
        stored = Announcement.objects.get(pk=draft.pk)
        assert (stored.title, stored.status) == ("草稿", "draft")
    else:
        assert Announcement.objects.get(pk=draft.pk).title == "改了"


def test_announcement_and_delivery_lists_cost_a_fixed_number_of_queries(
    api, auth, areas, users, django_capture_on_commit_callbacks
):
    make_courier(area=areas["street"])
    headers = auth("street_staff")

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert api("get", "/api/v1/manage/announcements", headers=headers)[0] == 200
            assert api("get", "/api/v1/manage/deliveries", headers=headers)[0] == 200
        return len(queries)

    WeComRobot.objects.create(area=areas["street"], name="群", webhook_url="http://127.0.0.1:9/send?key=x")
    services.announcement_create(
        actor=users["street_staff"],
        area_code=areas["street"].code,
        title="a",
        body="b",
        channels=["wecom"],
        publish=True,
    )
    count_queries()  # warm up: the token's first use is recorded once
    few = count_queries()
    for index in range(4):
        services.announcement_create(
            actor=users["street_staff"],
            area_code=areas["street"].code,
            title=f"t{index}",
            body="b",
            channels=["wecom"],
            publish=True,
        )
    assert count_queries() == few


def test_the_send_due_deliveries_command_sends_what_is_due(areas, users, locmem_sms):
    from io import StringIO

    from django.core.management import call_command

    courier = make_courier(area=areas["street"])
    # published without running the queued tasks: the SMS waits, due now
    services.announcement_create(
        actor=users["street_staff"],
        area_code=areas["street"].code,
        title="t",
        body="b",
        channels=["sms"],
        publish=True,
    )
    assert Delivery.objects.get().status == "pending"
    out = StringIO()
    call_command("send_due_deliveries", stdout=out)
    assert out.getvalue().startswith("1 ")
    assert Delivery.objects.get().status == "sent"
    assert [message["phone"] for message in locmem_sms] == [courier.phone]
