"""QR tickets, check-in, attendance (→ service records) and the closing report, through the API."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from nuanxin.care.models import ServiceRecord
from nuanxin.events.models import Event, Signup
from nuanxin.events.tickets import ticket_token
from nuanxin.stations.tests.factories import image_bytes, make_station

from .factories import make_event, make_signup, move_event_to_past

pytestmark = pytest.mark.django_db

SOON = datetime.timedelta(hours=1)


@pytest.fixture
def running(areas, couriers):
    """An event at a station of 劝业场街道 starting within the hour; `me` has a seat."""
    station = make_station(areas["street"], name="劝业场驿站")
    event = make_event(areas["street"], station=station, starts_in=SOON, capacity=3)
    return event, make_signup(event, couriers["me"])


def ticket_of(api, as_courier, courier, event):
    status, body = api("get", f"/api/v1/events/{event.public_id}/ticket", headers=as_courier(courier))
    assert status == 200, body
    return body["token"]


def scan(api, headers, event, token):
    return api("post", f"/api/v1/manage/events/{event.public_id}/check-in", {"token": token}, headers)


def test_scanning_a_ticket_checks_the_courier_in_and_counts_one_service(
    api, as_courier, headers_of, couriers, running
):
    event, seat = running
    token = ticket_of(api, as_courier, couriers["me"], event)

    status, body = scan(api, headers_of("steward"), event, token)

    assert status == 200 and body["attended_at"] is not None
    seat.refresh_from_db()
    assert seat.attended_at is not None
    record = ServiceRecord.objects.get(kind="event_attendance")
    assert record.courier == couriers["me"] and record.station == event.station


def test_a_ticket_scanned_twice_is_refused_the_second_time_and_counted_once(
    api, as_courier, headers_of, couriers, running
):
    event, _ = running
    token = ticket_of(api, as_courier, couriers["me"], event)
    scan(api, headers_of("steward"), event, token)

    status, body = scan(api, headers_of("steward"), event, token)

    assert status == 409 and body["code"] == "already_checked_in"
    assert ServiceRecord.objects.filter(kind="event_attendance").count() == 1


def test_a_forged_or_altered_ticket_is_refused(api, as_courier, headers_of, couriers, running):
    event, seat = running
    token = ticket_of(api, as_courier, couriers["me"], event)
    altered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")

    for bad in (altered, "not-a-ticket", f"{seat.public_id.hex}:forged"):
        status, body = scan(api, headers_of("steward"), event, bad)
        assert status == 400 and body["code"] == "ticket_invalid"
        assert body["errors"][0]["field"] == "token"
    seat.refresh_from_db()
    assert seat.attended_at is None and not ServiceRecord.objects.exists()


def test_an_expired_ticket_is_refused(api, headers_of, running):
    event, seat = running
    expired = ticket_token(
        seat, expires_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=1)
    )

    status, body = scan(api, headers_of("steward"), event, expired)

    assert status == 400 and body["code"] == "ticket_expired"
    seat.refresh_from_db()
    assert seat.attended_at is None


def test_a_ticket_of_another_event_is_refused(api, as_courier, headers_of, areas, couriers, running):
    event, _ = running
    other = make_event(areas["street"], starts_in=SOON)
    make_signup(other, couriers["neighbour"])
    token = ticket_of(api, as_courier, couriers["neighbour"], other)

    status, body = scan(api, headers_of("steward"), event, token)

    assert status == 409 and body["code"] == "ticket_other_event"


def test_a_ticket_of_a_cancelled_sign_up_is_refused(api, as_courier, headers_of, couriers, running):
    event, seat = running
    token = ticket_of(api, as_courier, couriers["me"], event)
    Signup.objects.filter(pk=seat.pk).update(status=Signup.Status.CANCELLED)

    status, body = scan(api, headers_of("steward"), event, token)

    assert status == 409 and body["code"] == "ticket_not_confirmed"


def test_a_waiting_courier_has_no_ticket(api, as_courier, areas, couriers, client):
    event = make_event(areas["street"], capacity=1)
    make_signup(event, couriers["neighbour"])
    make_signup(event, couriers["me"], status=Signup.Status.WAITLISTED)

    status, _ = api("get", f"/api/v1/events/{event.public_id}/ticket", headers=as_courier(couriers["me"]))

    assert status == 422


def test_check_in_does_not_open_days_before_the_event(api, as_courier, headers_of, areas, couriers):
    event = make_event(areas["street"], starts_in=datetime.timedelta(days=2))
    make_signup(event, couriers["me"])
    token = ticket_of(api, as_courier, couriers["me"], event)

    status, body = scan(api, headers_of("steward"), event, token)

    assert status == 409 and body["code"] == "check_in_not_open"


def test_staff_record_attendance_by_sign_up_id(api, headers_of, couriers, running):
    event, seat = running
    url = f"/api/v1/manage/events/{event.public_id}/attendance"

    status, body = api("post", url, {"signup_ids": [str(seat.public_id)]}, headers_of("street_staff"))
    again = api("post", url, {"signup_ids": [str(seat.public_id)]}, headers_of("street_staff"))

    assert status == 200 and body == {"marked": 1, "attended_count": 1}
    assert again[1] == {"marked": 0, "attended_count": 1}
    assert ServiceRecord.objects.filter(kind="event_attendance", courier=couriers["me"]).count() == 1


def test_attendance_refuses_an_unknown_sign_up_and_marks_nobody(api, headers_of, areas, couriers, running):
    event, seat = running
    other = make_signup(make_event(areas["street"], starts_in=SOON), couriers["neighbour"])
    url = f"/api/v1/manage/events/{event.public_id}/attendance"

    status, body = api(
        "post", url, {"signup_ids": [str(seat.public_id), str(other.public_id)]}, headers_of("steward")
    )

    assert status == 422 and body["errors"][0]["field"] == "signup_ids"
    seat.refresh_from_db()
    assert seat.attended_at is None and not ServiceRecord.objects.exists()


def test_closing_report_counts_attendees_and_carries_summary_and_photos(
    api, headers_of, couriers, running, settings, client
):
    # given an event that took place, two of three seats attended
    event, seat = running
    make_signup(event, couriers["neighbour"], attended=True)
    make_signup(event, couriers["third"])
    Signup.objects.filter(pk=seat.pk).update(attended_at=event.starts_at)
    move_event_to_past(event)
    headers = headers_of("street_staff")

    # when staff add a photo and close it with a summary
    upload = SimpleUploadedFile("photo.jpg", image_bytes(), content_type="image/jpeg")
    photo = client.post(
        f"/api/v1/manage/events/{event.public_id}/photos", {"image": upload, "caption": "合影"}, **headers
    )
    status, report = api(
        "post", f"/api/v1/manage/events/{event.public_id}/close", {"summary": "发放防暑用品 30 份。"}, headers
    )

    # then the report shows 2 attendees, the summary and the photo; the event is closed
    assert photo.status_code == 201, photo.content
    assert status == 200
    assert report["attendee_count"] == 2 and report["summary"] == "发放防暑用品 30 份。"
    assert [item["caption"] for item in report["photos"]] == ["合影"]
    assert Event.objects.get(pk=event.pk).status == "closed"
    assert api("get", f"/api/v1/manage/events/{event.public_id}/report", headers=headers)[1] == report


def test_an_event_cannot_be_closed_before_it_ends(api, headers_of, running):
    event, _ = running

    status, body = api(
        "post", f"/api/v1/manage/events/{event.public_id}/close", {"summary": "好"}, headers_of("steward")
    )

    assert status == 409 and body["code"] == "close_too_early"
    assert Event.objects.get(pk=event.pk).status == "published"


def test_a_photo_that_is_not_an_image_is_refused(headers_of, running, client):
    event, _ = running
    upload = SimpleUploadedFile("photo.jpg", b"not an image at all", content_type="image/jpeg")

    response = client.post(
        f"/api/v1/manage/events/{event.public_id}/photos", {"image": upload}, **headers_of("steward")
    )

    assert response.status_code == 422
    assert not event.photos.exists()
