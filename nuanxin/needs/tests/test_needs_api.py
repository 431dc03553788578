"""Needs through the API: couriers raise them, staff triage, link and reply, the courier sees it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nuanxin.core.models import AuditEntry
from nuanxin.couriers.tests.factories import make_courier
from nuanxin.messaging.models import InboxMessage
from nuanxin.needs.models import Need, NeedEvent
from nuanxin.stations.models import ResourceItem, ServiceContact

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def submit(api, headers, **fields):
    body = {"category": "meals", "title": "午饭没地方热", "description": "希望驿站有微波炉", **fields}
    return api("post", "/api/v1/needs", body, headers)


def test_a_courier_raises_a_need_for_their_work_street_and_sees_it_in_their_list(
    api, couriers, as_courier, areas
):
    # given a courier working in 劝业场街道
    me = couriers["me"]
    # when they raise a need
    status, need = submit(api, as_courier(me))
    # then it is new, belongs to their street, and is listed as theirs
    assert status == 201
    assert need["status"] == "new"
    assert need["area"]["code"] == areas["street"].code
    assert need["category_label"]
    status, mine = api("get", "/api/v1/needs/mine", headers=as_courier(me))
    assert status == 200
    assert [item["id"] for item in mine["items"]] == [need["id"]]
    stored = Need.objects.get(public_id=need["id"])
    assert stored.courier == me and stored.source == "courier"
    assert list(stored.events.values_list("from_status", "to_status")) == [("", "new")]
    assert AuditEntry.objects.filter(object_id=need["id"], action="create").exists()


def test_need_input_errors_name_the_field_and_save_nothing(api, couriers, as_courier):
    headers = {**as_courier(couriers["me"]), **EN}
    status, body = api("post", "/api/v1/needs", {"category": "spaceship", "title": ""}, headers)
    assert status == 422
    fields = {error["field"] for error in body["errors"]}
    assert "category" in fields
    status, body = submit(api, headers, title="   ")
    assert status == 422
    assert body["errors"][0]["field"] == "title"
    assert body["message"] == "This field is required."
    assert Need.objects.count() == 0


def test_a_courier_without_a_work_street_is_asked_to_set_it(api, areas, as_courier):
    courier = make_courier(area=None)
    status, body = submit(api, {**as_courier(courier), **EN})
    assert status == 422
    assert body["errors"][0]["field"] == "area"
    assert "work street" in body["message"]
    assert Need.objects.count() == 0


def test_staff_walk_a_need_through_the_workflow_and_each_step_is_recorded(api, couriers, as_courier, auth):
    _, need = submit(api, as_courier(couriers["me"]))
    staff = auth("street_staff")
    url = f"/api/v1/manage/needs/{need['id']}"

    status, body = api("post", f"{url}/transition", {"to_status": "in_progress", "note": "已联系驿站"}, staff)
    assert status == 200 and body["status"] == "in_progress"
    assert body["next_statuses"] == ["answered", "closed"]
    status, body = api("post", f"{url}/transition", {"to_status": "answered"}, staff)
    assert status == 200 and body["status"] == "answered"
    status, body = api("post", f"{url}/transition", {"to_status": "closed"}, staff)
    assert status == 200 and body["status"] == "closed"

    assert [(event["from_status"], event["to_status"]) for event in body["events"]] == [
        ("", "new"),
        ("new", "in_progress"),
        ("in_progress", "answered"),
        ("answered", "closed"),
    ]
    assert body["events"][1]["note"] == "已联系驿站"
    assert AuditEntry.objects.filter(object_id=need["id"], action="transition").count() == 3


def test_a_move_the_workflow_does_not_have_is_refused_with_409_and_changes_nothing(
    api, couriers, as_courier, auth
):
    _, need = submit(api, as_courier(couriers["me"]))
    url = f"/api/v1/manage/needs/{need['id']}/transition"
    headers = {**auth("street_staff"), **EN}
    # new → answered skips a step (a reply is the way to answer at once)
    status, body = api("post", url, {"to_status": "answered"}, headers)
    assert status == 409
    assert body["code"] == "transition_not_allowed"
    assert body["message"] == "A need cannot move from “New” to “Answered”."
    assert body["errors"][0]["field"] == "to_status"
    # closed is the end
    api("post", url, {"to_status": "closed"}, headers)
    status, body = api("post", url, {"to_status": "in_progress"}, headers)
    assert status == 409
    stored = Need.objects.get(public_id=need["id"])
    assert stored.status == "closed"
    assert stored.events.count() == 2


def test_an_unknown_status_is_a_422_field_error(api, couriers, as_courier, auth):
    _, need = submit(api, as_courier(couriers["me"]))
    status, body = api(
        "post",
        f"/api/v1/manage/needs/{need['id']}/transition",
        {"to_status": "done"},
        {**auth("street_staff"), **EN},
    )
    assert status == 422
    assert body["errors"][0]["field"] == "to_status"
    assert Need.objects.get(public_id=need["id"]).status == "new"


def test_a_reply_links_what_answers_the_need_and_the_courier_sees_it_and_gets_a_message(
    api, couriers, as_courier, auth, areas
):
    # given a need and the street's service contact table and a city-wide resource
    me = couriers["me"]
    _, need = submit(api, as_courier(me))
    contact = ServiceContact.objects.create(
        area=areas["street"], kind="hotline", name="街道热线", phone="022-12345"
    )
    resource = ResourceItem.objects.create(
        area=areas["city"], name="爱心餐", category="meals", provider="市总工会"
    )
    # when the street staff reply
    status, body = api(
        "post",
        f"/api/v1/manage/needs/{need['id']}/reply",
        {
            "reply": "劝业场驿站已装微波炉，欢迎使用。",
            "service_contact_id": contact.pk,
            "resource_item_id": resource.pk,
        },
        auth("street_staff"),
    )
    # then the need is answered with its links
    assert status == 200
    assert body["status"] == "answered"
    assert body["linked_service_contact"]["phone"] == "022-12345"
    assert body["linked_resource"]["name"] == "爱心餐"
    # and the courier sees the reply and has an unread inbox message pointing to it
    _, mine = api("get", f"/api/v1/needs/mine/{need['id']}", headers=as_courier(me))
    assert mine["reply"] == "劝业场驿站已装微波炉，欢迎使用。"
    assert mine["linked_service_contact"]["name"]
    message = InboxMessage.objects.get(recipient=me)
    assert message.read_at is None
    assert message.link == f"/m/needs/{need['id']}/"
    assert "午饭没地方热" in message.title


def test_a_link_to_another_streets_contact_is_refused(api, couriers, as_courier, auth, areas):
    _, need = submit(api, as_courier(couriers["me"]))
    foreign = ServiceContact.objects.create(
        area=areas["other_street"], kind="hotline", name="小白楼热线", phone="1"
    )
    status, body = api(
        "put",
        f"/api/v1/manage/needs/{need['id']}/links",
        {"service_contact_id": foreign.pk},
        {**auth("street_staff"), **EN},
    )
    assert status == 422
    assert body["errors"][0]["field"] == "service_contact_id"
    assert Need.objects.get(public_id=need["id"]).linked_service_contact is None
    status, body = api(
        "put",
        f"/api/v1/manage/needs/{need['id']}/links",
        {"service_contact_id": 999999},
        {**auth("street_staff"), **EN},
    )
    assert status == 422


def test_a_closed_need_cannot_be_replied_to(api, couriers, as_courier, auth):
    _, need = submit(api, as_courier(couriers["me"]))
    staff = auth("street_staff")
    api("post", f"/api/v1/manage/needs/{need['id']}/transition", {"to_status": "closed"}, staff)
    status, body = api("post", f"/api/v1/manage/needs/{need['id']}/reply", {"reply": "好的"}, staff)
    assert status == 409 and body["code"] == "need_closed"
    assert Need.objects.get(public_id=need["id"]).reply == ""
    assert InboxMessage.objects.count() == 0


def test_staff_filter_the_needs_list_and_it_costs_a_fixed_number_of_queries(api, areas, auth):
    # given needs of several couriers, categories and statuses in the street
    for index in range(6):
        courier = make_courier(area=areas["street"])
        from nuanxin.needs.services import need_submit

        need_submit(courier=courier, category="meals" if index % 2 else "housing", title=f"需求{index}")
    staff = auth("street_staff")
    status, body = api("get", "/api/v1/manage/needs?category=housing", headers=staff)
    assert status == 200 and body["count"] == 3
    assert all(item["category"] == "housing" for item in body["items"])
    assert all(item["courier"]["phone_masked"].count("*") == 4 for item in body["items"])
    status, body = api("get", "/api/v1/manage/needs?q=需求5", headers=staff)
    assert [item["title"] for item in body["items"]] == ["需求5"]
    # the list does not query once per row
    with CaptureQueriesContext(connection) as few:
        api("get", "/api/v1/manage/needs?limit=2", headers=staff)
    with CaptureQueriesContext(connection) as many:
        api("get", "/api/v1/manage/needs?limit=6", headers=staff)
    assert len(many) == len(few)


def test_staff_record_a_need_learned_at_a_forum(api, auth, areas):
    staff = auth("street_staff")
    status, forum = api(
        "post",
        "/api/v1/manage/forums",
        {
            "area_code": areas["street"].code,
            "held_on": "2024-05-01",
            "title": "骑手座谈会",
            "courier_count": 12,
        },
        staff,
    )
    assert status == 201
    status, need = api(
        "post",
        "/api/v1/manage/needs",
        {
            "area_code": areas["street"].code,
            "category": "parking_access",
            "title": "小区不让进",
            "source": "forum",
            "forum_id": forum["id"],
        },
        staff,
    )
    assert status == 201
    assert need["source"] == "forum" and need["courier"] is None
    assert Need.objects.get(public_id=need["id"]).forum.public_id.hex == forum["id"].replace("-", "")
    _, forum = api("get", f"/api/v1/manage/forums/{forum['id']}", headers=staff)
    assert forum["need_count"] == 1
    assert NeedEvent.objects.filter(need__public_id=need["id"]).count() == 1
