"""Events for tests, written straight to the database (past events included, which the service refuses).

make_event(areas["street"])                                   # published, starts in 3 days, 2 seats
make_event(area, capacity=1, starts_in=timedelta(hours=1))    # check-in already open
make_event(area, status="draft", audience="area")
make_signup(event, courier, status="confirmed", attended=True)
"""

import datetime

from django.utils import timezone

from nuanxin.events.models import Event, Signup


def make_event(
    area,
    *,
    title="清凉一夏 送清凉",
    kind="summer_cooling",
    capacity=2,
    starts_in=datetime.timedelta(days=3),
    duration=datetime.timedelta(hours=2),
    status=Event.Status.PUBLISHED,
    station=None,
    address="和平区滨江道 100 号",
    audience=Event.Audience.ALL_COURIERS,
    **fields,
):
    starts_at = timezone.now() + starts_in
    return Event.objects.create(
        area=area,
        title=title,
        kind=kind,
        capacity=capacity,
        starts_at=starts_at,
        ends_at=starts_at + duration,
        status=status,
        station=station,
        address=address,
        audience=audience,
        published_at=timezone.now() if status != Event.Status.DRAFT else None,
        **fields,
    )


def make_signup(event, courier, *, status=Signup.Status.CONFIRMED, attended=False):
    return Signup.objects.create(
        event=event, courier=courier, status=status, attended_at=timezone.now() if attended else None
    )


def move_event_to_past(event, *, ended_ago=datetime.timedelta(hours=1)):
    """Time passes: the event now ended `ended_ago` ago (same duration)."""
    duration = event.ends_at - event.starts_at
    ends_at = timezone.now() - ended_ago
    Event.objects.filter(pk=event.pk).update(ends_at=ends_at, starts_at=ends_at - duration)
    event.refresh_from_db()
    return event
