"""Volunteering test data: teams, member volunteers, activities with shifts, sign-ups.

team = make_team(areas["street"])
volunteer = make_volunteer(team=team, name="张三")        # an approved member
shift = make_shift(team, starts_at=..., hours=2)           # place at PLACE, capacity 1
sign_up = make_sign_up(shift, volunteer)                   # bypasses the "not started" rule
"""

import datetime

from django.utils import timezone

from nuanxin.couriers.tests.factories import make_courier
from nuanxin.volunteers import services
from nuanxin.volunteers.models import Activity, Membership, Shift, SignUp, Team, VolunteerRole

PLACE = (39.117, 117.203)  # 劝业场 area, WGS-84


def make_team(area, *, name="行走的哨兵", handler_name="李主任", contact_phone="022-12345678"):
    return Team.objects.create(area=area, name=name, handler_name=handler_name, contact_phone=contact_phone)


def make_volunteer(*, team=None, name="张三", id_number="120101199001011234", area=None, role=None):
    courier = make_courier(name=name, id_number=id_number, area=area or (team.area if team else None))
    volunteer = services.volunteer_register(actor=courier.user, courier=courier)
    if team is not None:
        Membership.objects.create(
            team=team,
            volunteer=volunteer,
            role=role or VolunteerRole.COMMUNITY_VOLUNTEER,
            status=Membership.Status.APPROVED,
        )
    return volunteer


def make_shift(team, *, starts_at=None, hours=2, capacity=1, kind=Activity.Kind.ACTIVITY, title="政策宣传"):
    starts_at = starts_at or timezone.now() + datetime.timedelta(days=1)
    activity = Activity.objects.create(team=team, kind=kind, title=title)
    return Shift.objects.create(
        activity=activity,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=hours),
        place_name="劝业场广场",
        latitude=PLACE[0],
        longitude=PLACE[1],
        radius_meters=300,
        capacity=capacity,
    )


def make_sign_up(shift, volunteer):
    return SignUp.objects.create(shift=shift, volunteer=volunteer)


def served_sign_up(shift, volunteer, *, minutes_in=0, minutes_out=None, approve_by=None):
    """A sign-up checked in `minutes_in` after the start and out `minutes_out` after it."""
    sign_up = make_sign_up(shift, volunteer)
    minutes_out = shift.duration_minutes if minutes_out is None else minutes_out
    position = {"method": "position", "latitude": PLACE[0], "longitude": PLACE[1]}
    actor = volunteer.courier.user
    services.sign_up_check_in(
        actor=actor, sign_up=sign_up, now=shift.starts_at + datetime.timedelta(minutes=minutes_in), **position
    )
    sign_up = services.sign_up_check_out(
        actor=actor,
        sign_up=sign_up,
        now=shift.starts_at + datetime.timedelta(minutes=minutes_out),
        **position,
    )
    if approve_by is not None:
        services.hours_approve(actor=approve_by, sign_up=sign_up)
    return sign_up
