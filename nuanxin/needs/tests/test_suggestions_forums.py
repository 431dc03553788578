"""The suggestion box (暖心信箱) and forum (座谈会) records."""

import pytest

from nuanxin.core.models import AuditEntry
from nuanxin.messaging.models import InboxMessage
from nuanxin.needs.models import Forum, Suggestion

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_a_courier_writes_staff_reply_and_the_courier_sees_the_reply(api, couriers, as_courier, auth):
    me = couriers["me"]
    status, letter = api(
        "post", "/api/v1/suggestions", {"subject": "夜里太黑", "body": "南京路口的路灯坏了"}, as_courier(me)
    )
    assert status == 201 and letter["status"] == "open" and letter["reply"] == ""

    _, listed = api("get", "/api/v1/manage/suggestions?status=open", headers=auth("street_staff"))
    assert [item["id"] for item in listed["items"]] == [letter["id"]]
    assert listed["items"][0]["courier"]["name"] == "张三"

    status, replied = api(
        "post",
        f"/api/v1/manage/suggestions/{letter['id']}/reply",
        {"reply": "已报修，本周修好。"},
        auth("street_staff"),
    )
    assert status == 200 and replied["status"] == "replied"

    _, mine = api("get", f"/api/v1/suggestions/mine/{letter['id']}", headers=as_courier(me))
    assert mine["reply"] == "已报修，本周修好。" and mine["replied_at"]
    message = InboxMessage.objects.get(recipient=me)
    assert message.link == f"/m/suggestions/{letter['id']}/"
    assert AuditEntry.objects.filter(object_id=letter["id"], action="update").exists()


def test_an_empty_letter_or_reply_is_refused(api, couriers, as_courier, auth):
    headers = {**as_courier(couriers["me"]), **EN}
    status, body = api("post", "/api/v1/suggestions", {"subject": " ", "body": ""}, headers)
    assert status == 422
    assert {error["field"] for error in body["errors"]} == {"subject", "body"}
    assert Suggestion.objects.count() == 0
    _, letter = api("post", "/api/v1/suggestions", {"subject": "a", "body": "b"}, headers)
    status, body = api(
        "post",
        f"/api/v1/manage/suggestions/{letter['id']}/reply",
        {"reply": "  "},
        {**auth("street_staff"), **EN},
    )
    assert status == 422 and body["errors"][0]["field"] == "reply"
    assert Suggestion.objects.get().status == "open"


def test_a_forum_record_with_couriers_staff_and_outcomes(api, auth, areas, couriers, users):
    staff = auth("street_staff")
    body = {
        "area_code": areas["street"].code,
        "held_on": "2024-06-20",
        "title": "外卖骑手座谈会",
        "location": "劝业场街道党群服务中心",
        "attendees": "美团站点负责人\n区人社局",
        "courier_ids": [str(couriers["me"].public_id), str(couriers["neighbour"].public_id)],
        "staff_usernames": ["street", "district"],
        "courier_count": 15,
        "outcomes": "增设两处充电点",
    }
    status, forum = api("post", "/api/v1/manage/forums", body, staff)
    assert status == 201
    assert forum["courier_count"] == 15
    assert {courier["name"] for courier in forum["couriers"]} == {"张三", "李四"}
    assert sorted(forum["staff"]) == ["district", "street"]
    assert all("*" in courier["phone_masked"] for courier in forum["couriers"])

    status, changed = api(
        "put", f"/api/v1/manage/forums/{forum['id']}", {**body, "outcomes": "已落实"}, staff
    )
    assert status == 200 and changed["outcomes"] == "已落实"
    _, listed = api("get", "/api/v1/manage/forums", headers=auth("district_staff"))
    assert listed["count"] == 1
    _, listed = api("get", "/api/v1/manage/forums", headers=auth("other_street_staff"))
    assert listed["count"] == 0
    assert api("delete", f"/api/v1/manage/forums/{forum['id']}", headers=auth("other_street_staff"))[0] == 404
    assert api("delete", f"/api/v1/manage/forums/{forum['id']}", headers=staff)[0] == 204
    assert Forum.objects.count() == 0


def test_forum_input_errors(api, auth, areas, couriers):
    headers = {**auth("street_staff"), **EN}
    base = {"area_code": areas["street"].code, "held_on": "2024-06-20", "title": "座谈会"}
    # a courier of another street, an unknown staff account, too few couriers counted, a date to come
    status, body = api(
        "post",
        "/api/v1/manage/forums",
        {
            **base,
            "courier_ids": [str(couriers["elsewhere"].public_id), str(couriers["me"].public_id)],
            "staff_usernames": ["nobody"],
            "held_on": "2999-01-01",
        },
        headers,
    )
    assert status == 422
    fields = {error["field"] for error in body["errors"]}
    assert fields == {"courier_ids", "staff_usernames", "held_on"}
    status, body = api(
        "post",
        "/api/v1/manage/forums",
        {**base, "courier_ids": [str(couriers["me"].public_id)], "courier_count": 0},
        headers,
    )
    assert status == 422 and body["errors"][0]["field"] == "courier_count"
    status, body = api("post", "/api/v1/manage/forums", {**base, "held_on": "20240620"}, headers)
    assert status == 422
    assert Forum.objects.count() == 0
