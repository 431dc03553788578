"""Staff create, edit, publish and cancel events: validation, capacity and the waiting list."""

import datetime

import pytest

from nuanxin.events.models import Event, Signup
from nuanxin.messaging.models import InboxMessage
from nuanxin.stations.tests.factories import make_station

from .factories import make_event, make_signup

pytestmark = pytest.mark.django_db


def body_for(areas, **overrides):
    starts = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=5)
    body = {
        "title": "子女课堂",
        "kind": "children_class",
        "area_code": areas["street"].code,
        "address": "滨江道 1 号",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + datetime.timedelta(hours=2)).isoformat(),
        "capacity": 10,
        "audience": "area",
        "audience_note": "6–12 岁孩子的家长",
    }
    body.update(overrides)
    return body


def test_staff_create_a_draft_at_a_station_and_publish_it(api, headers_of, areas, couriers, as_courier):
    station = make_station(areas["street"], name="劝业场驿站")
    headers = headers_of("street_staff")

    status, created = api(
        "post",
        "/api/v1/manage/events",
        body_for(areas, station_id=str(station.public_id), address=""),
        headers,
    )
    hidden = api("get", "/api/v1/events", headers=as_courier(couriers["me"]))[1]["count"]
    published = api("post", f"/api/v1/manage/events/{created['id']}/publish", headers=headers)
    listing = api("get", "/api/v1/events", headers=as_courier(couriers["me"]))[1]

    assert status == 201 and created["status"] == "draft" and created["station"]["name"] == "劝业场驿站"
    assert created["place"] == station.address
    assert hidden == 0
    assert published[0] == 200 and published[1]["status"] == "published"
    assert [item["title"] for item in listing["items"]] == ["子女课堂"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "  "}, "title"),
        ({"capacity": 0}, "capacity"),
        ({"kind": "party"}, "kind"),
        ({"address": ""}, "address"),
        ({"area_code": "999999999999"}, "area_code"),
        ({"starts_at": "2020-01-01T10:00:00+08:00", "ends_at": "2020-01-01T12:00:00+08:00"}, "starts_at"),
        ({"ends_at": "2020-01-01T12:00:00+08:00"}, "ends_at"),
        ({"starts_at": "tomorrow"}, "starts_at"),
    ],
)
def test_bad_event_input_is_refused_field_by_field(api, headers_of, areas, overrides, field):
    status, body = api(
        "post", "/api/v1/manage/events", body_for(areas, **overrides), headers_of("street_staff")
    )

    assert status == 422
    assert field in {error["field"] for error in body["errors"]}
    assert not Event.objects.exists()


def test_a_station_outside_the_event_area_is_refused(api, headers_of, areas):
    elsewhere = make_station(areas["other_street"], name="小白楼驿站")

    status, body = api(
        "post",
        "/api/v1/manage/events",
        body_for(areas, station_id=str(elsewhere.public_id)),
        headers_of("district_staff"),
    )

    assert status == 422 and body["errors"][0]["field"] == "station_id"


def test_capacity_cannot_drop_below_the_confirmed_seats(api, headers_of, areas, couriers):
    event = make_event(areas["street"], capacity=3)
    make_signup(event, couriers["me"])
    make_signup(event, couriers["neighbour"])

    status, body = api(
        "patch", f"/api/v1/manage/events/{event.public_id}", {"capacity": 1}, headers_of("steward")
    )

    assert status == 409 and body["code"] == "capacity_below_confirmed"
    assert Event.objects.get(pk=event.pk).capacity == 3


def test_more_seats_move_the_waiting_list_up(api, headers_of, areas, couriers):
    event = make_event(areas["street"], capacity=1)
    make_signup(event, couriers["me"])
    make_signup(event, couriers["neighbour"], status=Signup.Status.WAITLISTED)
    make_signup(event, couriers["third"], status=Signup.Status.WAITLISTED)

    status, body = api(
        "patch", f"/api/v1/manage/events/{event.public_id}", {"capacity": 2}, headers_of("steward")
    )

    assert status == 200 and body["confirmed_count"] == 2 and body["waitlisted_count"] == 1
    assert Signup.objects.get(courier=couriers["neighbour"]).status == "confirmed"
    assert Signup.objects.get(courier=couriers["third"]).status == "waitlisted"


def test_cancelling_an_event_tells_every_signed_up_courier(api, headers_of, areas, couriers, as_courier):
    event = make_event(areas["street"], capacity=1)
    make_signup(event, couriers["me"])
    make_signup(event, couriers["neighbour"], status=Signup.Status.WAITLISTED)

    status, _ = api(
        "post",
        f"/api/v1/manage/events/{event.public_id}/cancel",
        {"reason": "高温预警"},
        headers_of("steward"),
    )

    assert status == 200
    assert InboxMessage.objects.filter(recipient__in=[couriers["me"], couriers["neighbour"]]).count() == 2
    assert (
        api("post", f"/api/v1/events/{event.public_id}/signup", headers=as_courier(couriers["third"]))[0]
        == 409
    )
    again = api("post", f"/api/v1/manage/events/{event.public_id}/cancel", {}, headers_of("steward"))
    assert again[0] == 409


def test_the_sign_up_list_shows_masked_phones_in_order(api, headers_of, areas, couriers):
    event = make_event(areas["street"], capacity=1)
    make_signup(event, couriers["me"])
    make_signup(event, couriers["neighbour"], status=Signup.Status.WAITLISTED)

    status, body = api(
        "get", f"/api/v1/manage/events/{event.public_id}/signups", headers=headers_of("steward")
    )

    assert status == 200
    assert [(item["courier"]["name"], item["status"]) for item in body["items"]] == [
        ("张三", "confirmed"),
        ("李四", "waitlisted"),
    ]
    assert "*" in body["items"][0]["courier"]["phone_masked"]
