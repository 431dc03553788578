"""The authorization matrix of the staff event endpoints: staff and stewards of the event's area (or
above) may act; staff of another street or district get 404; couriers and others 403; anonymous
401. Every refusal leaves the event, its sign-ups and the service records as they were."""

import datetime

import pytest

from nuanxin.care.models import ServiceRecord
from nuanxin.core.models import AuditEntry
from nuanxin.events.models import Event, Signup

from .factories import make_event, make_signup

pytestmark = pytest.mark.django_db

STAFF_MATRIX = [
    ("anonymous", 401),
    ("me", 403),  # a courier
    ("other_street_staff", 404),
    ("other_district_staff", 404),
    ("steward", 200),
    ("street_staff", 200),
    ("district_staff", 200),
    ("city_staff", 200),
]


@pytest.fixture
def event(areas, couriers):
    """An event of 劝业场街道 starting within the hour, one seat taken by `neighbour`."""
    event = make_event(areas["street"], starts_in=datetime.timedelta(hours=1), capacity=3)
    make_signup(event, couriers["neighbour"])
    return event


def state(event):
    event = Event.objects.get(pk=event.pk)
    return (
        event.title,
        event.capacity,
        event.status,
        tuple(Signup.objects.filter(event=event).values_list("status", "attended_at")),
        ServiceRecord.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.mark.parametrize(("who", "expected"), STAFF_MATRIX)
def test_reading_and_changing_an_event(api, headers_of, event, who, expected):
    headers = headers_of(who)
    url = f"/api/v1/manage/events/{event.public_id}"
    seat = Signup.objects.get(event=event)
    before = state(event)

    assert api("get", url, headers=headers)[0] == expected
    assert api("get", f"{url}/signups", headers=headers)[0] == expected
    assert api("get", f"{url}/report", headers=headers)[0] == expected
    assert api("patch", url, {"title": "改名", "capacity": 5}, headers)[0] == expected
    status, _ = api("post", f"{url}/attendance", {"signup_ids": [str(seat.public_id)]}, headers)
    assert status == expected

    if expected != 200:
        assert state(event) == before
    else:
        changed = Event.objects.get(pk=event.pk)
        assert (changed.title, changed.capacity) == ("改名", 5)
        assert Signup.objects.get(pk=seat.pk).attended_at is not None


@pytest.mark.parametrize(("who", "expected"), STAFF_MATRIX)
def test_check_in_scan(api, headers_of, as_courier, couriers, event, who, expected):
    _, ticket = api(
        "get", f"/api/v1/events/{event.public_id}/ticket", headers=as_courier(couriers["neighbour"])
    )
    before = state(event)

    status, _ = api(
        "post",
        f"/api/v1/manage/events/{event.public_id}/check-in",
        {"token": ticket["token"]},
        headers_of(who),
    )

    assert status == expected
    if expected != 200:
        assert state(event) == before
    else:
        assert ServiceRecord.objects.filter(kind="event_attendance").count() == 1


@pytest.mark.parametrize(("who", "expected"), STAFF_MATRIX)
def test_cancelling_an_event(api, headers_of, event, who, expected):
    before = state(event)

    status, _ = api(
        "post", f"/api/v1/manage/events/{event.public_id}/cancel", {"reason": "天气"}, headers_of(who)
    )

    assert status == expected
    if expected != 200:
        assert state(event) == before
    else:
        assert Event.objects.get(pk=event.pk).status == "cancelled"
        assert not Signup.objects.filter(event=event).exclude(status="cancelled").exists()


@pytest.mark.parametrize(("who", "expected"), STAFF_MATRIX)
def test_publishing_a_draft(api, headers_of, areas, who, expected):
    draft = make_event(areas["street"], status=Event.Status.DRAFT)

    status, _ = api("post", f"/api/v1/manage/events/{draft.public_id}/publish", headers=headers_of(who))

    assert status == expected
    assert Event.objects.get(pk=draft.pk).status == ("published" if expected == 200 else "draft")


@pytest.mark.parametrize(("who", "expected"), STAFF_MATRIX)
def test_closing_and_adding_photos(api, headers_of, areas, couriers, who, expected, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from nuanxin.stations.tests.factories import image_bytes

    past = make_event(areas["street"], starts_in=-datetime.timedelta(hours=3))
    make_signup(past, couriers["me"], attended=True)
    upload = SimpleUploadedFile("p.jpg", image_bytes(), content_type="image/jpeg")

    photo = client.post(
        f"/api/v1/manage/events/{past.public_id}/photos", {"image": upload}, **headers_of(who)
    )
    status, _ = api(
        "post", f"/api/v1/manage/events/{past.public_id}/close", {"summary": "圆满"}, headers_of(who)
    )

    assert status == expected
    assert photo.status_code == (201 if expected == 200 else expected)
    past.refresh_from_db()
    assert past.status == ("closed" if expected == 200 else "published")
    assert past.photos.count() == (1 if expected == 200 else 0)


CREATE_MATRIX = [
    ("anonymous", 401),
    ("me", 403),
    ("other_street_staff", 422),  # may create events, but not in 劝业场街道
    ("steward", 201),
    ("street_staff", 201),
    ("city_staff", 201),
]


@pytest.mark.parametrize(("who", "expected"), CREATE_MATRIX)
def test_creating_an_event_in_an_area(api, headers_of, areas, who, expected):
    starts = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=5)
    body = {
        "title": "义诊进驿站",
        "kind": "free_clinic",
        "area_code": areas["street"].code,
        "address": "滨江道 1 号",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + datetime.timedelta(hours=2)).isoformat(),
        "capacity": 20,
    }

    status, response = api("post", "/api/v1/manage/events", body, headers_of(who))

    assert status == expected
    if expected == 422:
        assert response["errors"][0]["field"] == "area_code"
    assert Event.objects.count() == (1 if expected == 201 else 0)


def test_staff_lists_only_the_events_of_their_area(api, headers_of, areas):
    make_event(areas["street"], title="劝业场")
    make_event(areas["other_street"], title="小白楼")
    make_event(areas["other_district"], title="大王庄")

    titles = {
        who: sorted(
            item["title"] for item in api("get", "/api/v1/manage/events", headers=headers_of(who))[1]["items"]
        )
        for who in ("street_staff", "other_street_staff", "district_staff", "city_staff")
    }

    assert titles == {
        "street_staff": ["劝业场"],
        "other_street_staff": ["小白楼"],
        "district_staff": ["劝业场", "小白楼"],
        "city_staff": ["劝业场", "大王庄", "小白楼"],
    }
