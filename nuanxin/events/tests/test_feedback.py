"""Feedback: attendees only, after the event, once, rating 1–5."""

import pytest

from nuanxin.events.models import Feedback

from .factories import make_event, make_signup, move_event_to_past

pytestmark = pytest.mark.django_db


@pytest.fixture
def past_event(areas, couriers):
    """An event that ended an hour ago: `me` attended, `neighbour` had a seat but did not come."""
    event = make_event(areas["street"])
    make_signup(event, couriers["me"], attended=True)
    make_signup(event, couriers["neighbour"])
    return move_event_to_past(event)


def feedback(api, as_courier, courier, event, body):
    return api("post", f"/api/v1/events/{event.public_id}/feedback", body, as_courier(courier))


def test_an_attendee_rates_the_event_once(api, as_courier, couriers, past_event, headers_of):
    status, body = feedback(api, as_courier, couriers["me"], past_event, {"rating": 5, "comment": "很实用"})
    again = feedback(api, as_courier, couriers["me"], past_event, {"rating": 1})

    assert status == 201 and body["rating"] == 5
    assert again[0] == 409 and again[1]["code"] == "feedback_twice"
    assert Feedback.objects.get().rating == 5
    _, report = api(
        "get", f"/api/v1/manage/events/{past_event.public_id}/report", headers=headers_of("steward")
    )
    assert report["feedback_count"] == 1 and report["average_rating"] == 5


def test_a_courier_who_did_not_attend_cannot_give_feedback(api, as_courier, couriers, past_event):
    for who in ("neighbour", "third"):
        status, _ = feedback(api, as_courier, couriers[who], past_event, {"rating": 4})
        assert status == 403
    assert not Feedback.objects.exists()


def test_feedback_waits_until_the_event_has_ended(api, as_courier, areas, couriers):
    event = make_event(areas["street"])
    make_signup(event, couriers["me"], attended=True)

    status, body = feedback(api, as_courier, couriers["me"], event, {"rating": 4})

    assert status == 409 and body["code"] == "feedback_too_early"
    assert not Feedback.objects.exists()


@pytest.mark.parametrize("rating", [0, 6, -1])
def test_a_rating_outside_1_to_5_is_refused(api, as_courier, couriers, past_event, rating):
    status, body = feedback(api, as_courier, couriers["me"], past_event, {"rating": rating})

    assert status == 422 and body["errors"][0]["field"] == "rating"
    assert not Feedback.objects.exists()


def test_a_rating_that_is_not_a_number_is_refused(api, as_courier, couriers, past_event):
    status, body = feedback(api, as_courier, couriers["me"], past_event, {"rating": "great"})

    assert status == 422 and body["errors"][0]["field"] == "rating"
