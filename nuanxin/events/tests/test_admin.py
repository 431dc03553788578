"""Events in the back office: created and published through the services, scoped by area."""

import datetime

import pytest
from django.utils import timezone

from nuanxin.core.models import AuditEntry
from nuanxin.events.models import Event, Signup

from .factories import make_event, make_signup

pytestmark = pytest.mark.django_db


def form_data(areas, **overrides):
    starts = timezone.localtime() + datetime.timedelta(days=4)
    data = {
        "title": "交友联谊",
        "kind": "social_mixer",
        "description": "",
        "area": areas["street"].pk,
        "station": "",
        "address": "滨江道 1 号",
        "starts_at_0": starts.strftime("%Y-%m-%d"),
        "starts_at_1": "14:00:00",
        "ends_at_0": starts.strftime("%Y-%m-%d"),
        "ends_at_1": "16:00:00",
        "capacity": "30",
        "audience": "all",
        "audience_note": "",
        "signups-TOTAL_FORMS": "0",
        "signups-INITIAL_FORMS": "0",
        "photos-TOTAL_FORMS": "0",
        "photos-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_street_staff_create_and_publish_an_event_in_the_admin(client, users, areas):
    client.force_login(users["street_staff"])

    response = client.post("/admin/events/event/add/", form_data(areas))
    event = Event.objects.get()
    published = client.post(
        "/admin/events/event/", {"action": "publish", "_selected_action": [event.pk]}, follow=True
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert event.created_by == users["street_staff"]
    assert AuditEntry.objects.filter(object_type="events.event", action="create").count() == 1
    assert published.status_code == 200
    assert Event.objects.get().status == "published"


def test_the_admin_form_shows_service_refusals_and_saves_nothing(client, users, areas):
    client.force_login(users["street_staff"])

    response = client.post("/admin/events/event/add/", form_data(areas, address="", capacity="0"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors.keys() >= {"address", "capacity"}
    assert not Event.objects.exists()


def test_lowering_capacity_below_confirmed_is_refused_in_the_admin(client, users, areas, couriers):
    event = make_event(areas["street"], capacity=2)
    make_signup(event, couriers["me"])
    make_signup(event, couriers["neighbour"])
    client.force_login(users["steward"])
    data = form_data(areas, capacity="1", title=event.title)
    data.update(
        {
            "starts_at_0": timezone.localtime(event.starts_at).strftime("%Y-%m-%d"),
            "starts_at_1": timezone.localtime(event.starts_at).strftime("%H:%M:%S"),
            "ends_at_0": timezone.localtime(event.ends_at).strftime("%Y-%m-%d"),
            "ends_at_1": timezone.localtime(event.ends_at).strftime("%H:%M:%S"),
            "signups-INITIAL_FORMS": "2",
            "signups-TOTAL_FORMS": "2",
        }
    )

    response = client.post(f"/admin/events/event/{event.pk}/change/", data)

    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["capacity"]
    assert Event.objects.get(pk=event.pk).capacity == 2
    assert Signup.objects.filter(event=event, status="confirmed").count() == 2


def test_another_streets_event_is_not_found_in_the_admin(client, users, areas):
    event = make_event(areas["street"])
    client.force_login(users["other_street_staff"])

    assert client.get(f"/admin/events/event/{event.pk}/change/").status_code in (302, 404)
    client.post("/admin/events/event/", {"action": "cancel", "_selected_action": [event.pk]})

    assert Event.objects.get(pk=event.pk).status == "published"
