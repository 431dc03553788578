"""Demo events of 劝业场街道 (idempotent).

    load_demo_events()  →  {"events": n} created this time

Runs after the demo city (areas, the street staff account `qyc_street`), the demo courier
(`couriers.demo.load_demo_couriers`, 13800138000) and, when present, the needs demo's couriers
(13800138011–14). It adds:
- 清凉一夏 in three days at the street's first station, the demo courier holding a seat;
- 义诊进驿站 with two seats, both taken, the demo courier first on the waiting list (cancel one of
  the others' sign-ups in the API to see the waiting list move up);
- 子女课堂, a draft for the street staff to publish;
- 赋能培训 a week ago, closed, with the demo courier's attendance (a service record), a rating
  and the closing report.
Future events go through the services; the past one is written directly (the service refuses a
start in the past), then attendance, feedback and closing go through the services again.
Events are keyed by area and title: running it again creates nothing twice.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from nuanxin.accounts.models import User
from nuanxin.areas.models import Area
from nuanxin.couriers.services import courier_find_by_phone
from nuanxin.stations.models import Station

from . import services
from .models import Event, Signup

STREET_CODE = "120101001000"  # 劝业场街道
STAFF_USERNAME = "qyc_street"
DEMO_PHONE = "13800138000"
OTHER_PHONES = ("13800138011", "13800138012", "13800138013")


def _at(days, hour):
    local = timezone.localtime() + datetime.timedelta(days=days)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


@transaction.atomic
def load_demo_events():
    """See the module docstring. Does nothing when the demo street or its staff account is missing."""
    created = {"events": 0}
    street = Area.objects.filter(code=STREET_CODE).first()
    staff = User.objects.filter(username=STAFF_USERNAME, is_active=True).first()
    if street is None or staff is None:
        return created
    station = Station.objects.filter(area__path__startswith=street.path).order_by("id").first()
    demo = courier_find_by_phone(DEMO_PHONE)
    others = [courier for courier in map(courier_find_by_phone, OTHER_PHONES) if courier is not None]
    existing = set(Event.objects.filter(area=street).values_list("title", flat=True))
    place = {"station": station} if station else {"address": "劝业场街道党群服务中心"}

    def create(title, kind, days, capacity, description, audience_note="", publish=True):
        event = services.event_create(
            actor=staff,
            area=street,
            title=title,
            kind=kind,
            starts_at=_at(days, 14),
            ends_at=_at(days, 16),
            capacity=capacity,
            description=description,
            audience_note=audience_note,
            **place,
        )
        created["events"] += 1
        return services.event_publish(actor=staff, event=event) if publish else event

    title = "清凉一夏 · 防暑降温用品发放"
    if title not in existing:
        event = create(title, "summer_cooling", 3, 30, "发放藿香正气水、清凉油、毛巾和冰镇饮料，先到先得。")
        if demo is not None:
            services.signup_create(courier=demo, event=event)

    title = "义诊进驿站"
    if title not in existing:
        event = create(title, "free_clinic", 6, 2, "三甲医院医生免费测血压、血糖，颈肩腰腿痛咨询。")
        for courier in others[:2]:
            services.signup_create(courier=courier, event=event)
        if demo is not None:
            services.signup_create(courier=demo, event=event)

    title = "子女课堂 · 暑期托管"
    if title not in existing:
        create(
            title,
            "children_class",
            10,
            20,
            "暑期为快递员、外卖骑手的孩子提供作业辅导和兴趣课。",
            audience_note="6–12 岁孩子的家长",
            publish=False,
        )

    title = "赋能培训 · 电动车安全驾驶"
    if title not in existing:
        event = Event.objects.create(
            area=street,
            title=title,
            kind="skills_training",
            description="交警讲解电动自行车通行规则与事故案例。",
            starts_at=_at(-7, 14),
            ends_at=_at(-7, 16),
            capacity=40,
            status=Event.Status.PUBLISHED,
            published_at=timezone.now() - datetime.timedelta(days=14),
            created_by=staff,
            **place,
        )
        created["events"] += 1
        for courier in ([demo] if demo is not None else []) + others:
            signup = Signup.objects.create(event=event, courier=courier, status=Signup.Status.CONFIRMED)
            signup.attended_at = event.starts_at
            signup.attendance_recorded_by = staff
            signup.save(update_fields=["attended_at", "attendance_recorded_by"])
            services._service_record(actor=staff, event=event, signup=signup, occurred_at=event.starts_at)
        if demo is not None:
            services.feedback_submit(courier=demo, event=event, rating=5, comment="讲得很实在，案例很有用。")
        services.event_close(
            actor=staff, event=event, summary="交警和平支队民警授课，现场发放反光背心，骑手反响热烈。"
        )
    return created
