"""The demo events load into the demo street, twice without duplicates."""

import pytest

from nuanxin.accounts.models import Role
from nuanxin.accounts.tests.factories import staff
from nuanxin.areas.tests.factories import make_tree
from nuanxin.care.models import ServiceRecord
from nuanxin.couriers.demo import load_demo_couriers
from nuanxin.events.demo import load_demo_events
from nuanxin.events.models import Event, Feedback, Signup

pytestmark = pytest.mark.django_db


def test_demo_events_load_once_with_a_waiting_list_a_draft_and_a_closed_report():
    # given the demo street (劝业场街道), its staff account and the demo courier
    areas = make_tree()
    staff(Role.STREET_STAFF, areas["street"], username="qyc_street")
    demo = load_demo_couriers()

    first = load_demo_events()
    counts = (
        Event.objects.count(),
        Signup.objects.count(),
        ServiceRecord.objects.count(),
        Feedback.objects.count(),
    )
    second = load_demo_events()

    assert first == {"events": 4} and second == {"events": 0}
    assert counts == (
        Event.objects.count(),
        Signup.objects.count(),
        ServiceRecord.objects.count(),
        Feedback.objects.count(),
    )
    assert set(Event.objects.values_list("status", flat=True)) == {"published", "draft", "closed"}
    closed = Event.objects.get(status="closed")
    assert closed.report_attendee_count == 1 and closed.report_summary
    assert Signup.objects.get(courier=demo, event__kind="summer_cooling").status == "confirmed"
    assert ServiceRecord.objects.filter(kind="event_attendance", courier=demo).count() == 1


def test_demo_events_need_the_demo_street_and_its_staff(db):
    assert load_demo_events() == {"events": 0}
