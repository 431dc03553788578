"""Sign-up, the waiting list and cancellation, through the courier API."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nuanxin.events.models import Event, Signup
from nuanxin.messaging.models import InboxMessage

from .factories import make_event

pytestmark = pytest.mark.django_db


def signup(api, as_courier, courier, event):
    return api("post", f"/api/v1/events/{event.public_id}/signup", headers=as_courier(courier))


def test_seats_are_confirmed_in_order_then_the_full_event_puts_couriers_on_the_waiting_list(
    api, as_courier, areas, couriers
):
    # given an event with one seat
    event = make_event(areas["street"], capacity=1)

    # when two couriers sign up
    first = signup(api, as_courier, couriers["me"], event)
    second = signup(api, as_courier, couriers["neighbour"], event)

    # then the first has the seat and the second waits as number 1
    assert first[0] == 201 and first[1]["status"] == "confirmed"
    assert second[0] == 201 and second[1]["status"] == "waitlisted"
    assert second[1]["waitlist_position"] == 1
    status, detail = api("get", f"/api/v1/events/{event.public_id}", headers=as_courier(couriers["third"]))
    assert status == 200 and detail["seats_left"] == 0 and detail["waitlisted_count"] == 1


def test_a_second_sign_up_by_the_same_courier_is_refused_and_changes_nothing(
    api, as_courier, areas, couriers
):
    event = make_event(areas["street"], capacity=5)
    assert signup(api, as_courier, couriers["me"], event)[0] == 201

    status, body = signup(api, as_courier, couriers["me"], event)

    assert status == 409
    assert body["code"] == "already_signed_up"
    assert body["message"]
    assert Signup.objects.filter(event=event).count() == 1


def test_cancelling_a_seat_promotes_the_first_on_the_waiting_list_and_tells_them(
    api, as_courier, areas, couriers
):
    # given a one-seat event, taken by `me`, with two couriers waiting
    event = make_event(areas["street"], capacity=1)
    signup(api, as_courier, couriers["me"], event)
    signup(api, as_courier, couriers["neighbour"], event)
    signup(api, as_courier, couriers["third"], event)

    # when `me` cancels
    status, body = api("post", f"/api/v1/events/{event.public_id}/cancel", headers=as_courier(couriers["me"]))

    # then the first waiting courier has the seat and an inbox message; the second is now number 1
    assert status == 200 and body["status"] == "cancelled"
    promoted = Signup.objects.get(event=event, courier=couriers["neighbour"])
    assert promoted.status == "confirmed" and promoted.promoted_at is not None
    assert InboxMessage.objects.filter(recipient=couriers["neighbour"]).count() == 1
    assert not InboxMessage.objects.filter(recipient=couriers["third"]).exists()
    _, mine = api("get", "/api/v1/events/mine", headers=as_courier(couriers["third"]))
    assert mine["items"][0]["status"] == "waitlisted" and mine["items"][0]["waitlist_position"] == 1
    assert Signup.objects.filter(event=event, status="confirmed").count() == 1


def test_a_courier_may_sign_up_again_after_cancelling(api, as_courier, areas, couriers):
    event = make_event(areas["street"], capacity=1)
    signup(api, as_courier, couriers["me"], event)
    api("post", f"/api/v1/events/{event.public_id}/cancel", headers=as_courier(couriers["me"]))

    status, body = signup(api, as_courier, couriers["me"], event)

    assert status == 201 and body["status"] == "confirmed"


def test_cancelling_without_a_sign_up_is_refused(api, as_courier, areas, couriers):
    event = make_event(areas["street"])

    status, body = api("post", f"/api/v1/events/{event.public_id}/cancel", headers=as_courier(couriers["me"]))

    assert status == 409 and body["code"] == "no_signup"


def test_sign_up_is_refused_once_the_event_has_started(api, as_courier, areas, couriers):
    import datetime

    event = make_event(areas["street"], starts_in=-datetime.timedelta(minutes=5))

    status, body = signup(api, as_courier, couriers["me"], event)

    assert status == 409 and body["code"] == "signup_closed"
    assert not Signup.objects.exists()


def test_a_cancelled_event_refuses_sign_up(api, as_courier, areas, couriers):
    event = make_event(areas["street"], status=Event.Status.CANCELLED)

    status, _ = signup(api, as_courier, couriers["me"], event)

    assert status == 409
    assert not Signup.objects.exists()


def test_an_area_event_is_invisible_and_closed_to_couriers_of_other_streets(api, as_courier, areas, couriers):
    # given an event for the couriers of 劝业场街道 only
    event = make_event(areas["street"], audience=Event.Audience.AREA_COURIERS)

    # then a courier of 小白楼街道 neither sees it nor can sign up; a courier of the street can
    _, listing = api("get", "/api/v1/events", headers=as_courier(couriers["elsewhere"]))
    assert listing["count"] == 0
    assert signup(api, as_courier, couriers["elsewhere"], event)[0] == 404
    _, listing = api("get", "/api/v1/events", headers=as_courier(couriers["me"]))
    assert [item["id"] for item in listing["items"]] == [str(event.public_id)]
    assert signup(api, as_courier, couriers["me"], event)[0] == 201


def test_a_district_wide_area_event_is_open_to_couriers_of_its_streets(api, as_courier, areas, couriers):
    event = make_event(areas["district"], audience=Event.Audience.AREA_COURIERS)

    assert signup(api, as_courier, couriers["elsewhere"], event)[0] == 201


def test_drafts_are_not_shown_to_couriers(api, as_courier, areas, couriers):
    draft = make_event(areas["street"], status=Event.Status.DRAFT)

    assert api("get", f"/api/v1/events/{draft.public_id}", headers=as_courier(couriers["me"]))[0] == 404
    assert signup(api, as_courier, couriers["me"], draft)[0] == 404


def test_the_event_list_shows_my_status_in_a_fixed_number_of_queries(api, as_courier, areas, couriers):
    events = [make_event(areas["street"], title=f"活动 {index}", capacity=1) for index in range(3)]
    signup(api, as_courier, couriers["neighbour"], events[0])
    signup(api, as_courier, couriers["me"], events[0])
    signup(api, as_courier, couriers["me"], events[1])
    headers = as_courier(couriers["me"])
    api("get", "/api/v1/events", headers=headers)  # warm the privacy-notice lookup

    with CaptureQueriesContext(connection) as few:
        status, body = api("get", "/api/v1/events", headers=headers)
    for index in range(5):
        make_event(areas["street"], title=f"更多 {index}")
    with CaptureQueriesContext(connection) as many:
        api("get", "/api/v1/events", headers=headers)

    assert status == 200
    assert [item["my_status"] for item in body["items"]] == ["waitlisted", "confirmed", None]
    assert len(many.captured_queries) == len(few.captured_queries)


def test_staff_cannot_use_the_courier_endpoints(api, headers_of, areas):
    event = make_event(areas["street"])

    assert api("get", "/api/v1/events", headers=headers_of("street_staff"))[0] == 403
    assert (
        api("post", f"/api/v1/events/{event.public_id}/signup", headers=headers_of("street_staff"))[0] == 403
    )
    assert api("get", "/api/v1/events", headers=headers_of("anonymous"))[0] == 401
    assert not Signup.objects.exists()


def test_my_sign_ups_list_only_my_own(api, as_courier, areas, couriers):
    event = make_event(areas["street"])
    signup(api, as_courier, couriers["me"], event)
    signup(api, as_courier, couriers["neighbour"], event)

    _, mine = api("get", "/api/v1/events/mine", headers=as_courier(couriers["me"]))

    assert mine["count"] == 1 and mine["items"][0]["event_id"] == str(event.public_id)
