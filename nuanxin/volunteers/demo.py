"""Demo volunteering of 劝业场街道 (idempotent).

    load_demo_volunteers()  →  {"teams": n, "entries": n, "certificates": n} created this time

Runs after the demo city (areas, the street staff account `qyc_street`) and the demo courier
(`couriers.demo.load_demo_couriers`, 13800138000). It adds:
- the team 行走的哨兵 (handler and contact set, so it can issue certificates) with the demo courier
  as an approved 移动网格员 and a training entry;
- three past shifts the demo courier served (checked in and out by position, hours approved by the
  street staff: 2 + 3 + 1.5 = 6.5 hours), one of them an errand (跑腿) for a resident;
- an upcoming shift with free places (the demo courier has taken one) and an open errand to sign
  up for;
- an issued certificate of those hours (open /verify/certificates/<number>/ to check it).
Past shifts are written directly (sign-up refuses a started shift); check-in/out, approval and the
certificate go through the services. Keyed by team name: running it again creates nothing twice.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from nuanxin.accounts.models import User
from nuanxin.areas.models import Area
from nuanxin.couriers.services import courier_find_by_phone

from . import services
from .models import Activity, RecordEntry, Shift, SignUp, Team, VolunteerRole

STREET_CODE = "120101001000"  # 劝业场街道
STAFF_USERNAME = "qyc_street"
DEMO_PHONE = "13800138000"
TEAM_NAME = "行走的哨兵"
PLACE = {"place_name": "劝业场街道党群服务中心", "latitude": 39.1177, "longitude": 117.2009}


def _at(days, hour, minute=0):
    local = timezone.localtime() + datetime.timedelta(days=days)
    return local.replace(hour=hour, minute=minute, second=0, microsecond=0)


def _past_shift(team, title, kind, days, hours):
    activity = Activity.objects.create(team=team, kind=kind, title=title)
    starts = _at(days, 9)
    return Shift.objects.create(
        activity=activity,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=hours),
        capacity=1,
        **PLACE,
    )


@transaction.atomic
def load_demo_volunteers():
    created = {"teams": 0, "entries": 0, "certificates": 0}
    street = Area.objects.filter(code=STREET_CODE).first()
    staff = User.objects.filter(username=STAFF_USERNAME, is_active=True).first()
    if street is None or staff is None or Team.objects.filter(area=street, name=TEAM_NAME).exists():
        return created
    team = services.team_create(
        actor=staff,
        area=street,
        name=TEAM_NAME,
        description="快递小哥兼职移动网格员、政策宣传员，为独居老人跑腿。",
        handler_name="王志强",
        contact_phone="022-27301234",
    )
    created["teams"] += 1
    position = {"method": "position", "latitude": PLACE["latitude"], "longitude": PLACE["longitude"]}
    start = _at(1, 10)
    upcoming = services.activity_create(
        actor=staff,
        team=team,
        title="新就业形态劳动者权益政策宣传",
        shifts=[{"starts_at": start, "ends_at": start + datetime.timedelta(hours=2), "capacity": 5, **PLACE}],
    )
    services.activity_create(
        actor=staff,
        team=team,
        kind=Activity.Kind.ERRAND,
        title="为花园路社区独居老人代购药品",
        description="社区提出：老人行动不便，需到药店代购常用药并送到家门口。",
        shifts=[
            {
                "starts_at": start + datetime.timedelta(days=1),
                "ends_at": start + datetime.timedelta(days=1, hours=1),
                **PLACE,
                "capacity": 1,
            }
        ],
    )
    courier = courier_find_by_phone(DEMO_PHONE)
    if courier is None:
        return created
    volunteer = services.volunteer_register(actor=courier.user, courier=courier)
    membership = services.membership_apply(
        actor=courier.user, volunteer=volunteer, team=team, role=VolunteerRole.MOBILE_GRID_WORKER
    )
    services.membership_decide(actor=staff, membership=membership, approve=True)
    services.record_entry_add(
        actor=staff,
        team=team,
        volunteer=volunteer,
        kind=RecordEntry.Kind.TRAINING,
        title="移动网格员上岗培训",
        occurred_on=timezone.localdate() - datetime.timedelta(days=20),
        minutes=120,
    )
    created["entries"] += 1
    for title, kind, days, hours in [
        ("社区安全隐患随手拍", Activity.Kind.ACTIVITY, -14, 2),
        ("防诈骗政策宣传进网点", Activity.Kind.ACTIVITY, -9, 3),
        ("为独居老人送米面油", Activity.Kind.ERRAND, -4, 1.5),
    ]:
        shift = _past_shift(team, title, kind, days, hours)
        sign_up = SignUp.objects.create(shift=shift, volunteer=volunteer)
        services.sign_up_check_in(actor=courier.user, sign_up=sign_up, now=shift.starts_at, **position)
        services.sign_up_check_out(actor=courier.user, sign_up=sign_up, now=shift.ends_at, **position)
        services.hours_approve(actor=staff, sign_up=sign_up)
        created["entries"] += 1
    # signed up for tomorrow's activity: "My sign-ups" shows it, with cancel and when check-in opens
    services.sign_up_create(actor=courier.user, volunteer=volunteer, shift=upcoming.shifts.get())
    certificate = services.certificate_request(
        actor=courier.user,
        volunteer=volunteer,
        team=team,
        period_start=timezone.localdate() - datetime.timedelta(days=30),
        period_end=timezone.localdate(),
    )
    services.certificate_issue(actor=staff, certificate=certificate)
    created["certificates"] += 1
    return created
