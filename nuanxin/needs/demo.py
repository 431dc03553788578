"""Demo data of needs, the suggestion box and forums (idempotent).

    load_demo_needs()  →  {"needs": n, "suggestions": n, "forums": n} created this time

Runs after the demo city (areas, the street staff account `qyc_street` of 劝业场街道) and the demo
courier (`couriers.demo.load_demo_couriers`). It adds four demo couriers of 劝业场街道 (phones
13800138011–14) and, for them and the demo courier 13800138000, needs of several categories spread
over the last weeks (so the ranking has a trend), some answered with a reply and a linked service
contact, letters to the suggestion box (one answered) and one forum record. Everything goes
through the services, so the events, inbox messages and audit rows are real. Running it again
creates nothing twice (needs are keyed by courier and title, letters by courier and subject, the
forum by street, date and title).
"""

import datetime

from django.db import transaction
from django.utils import timezone

from nuanxin.accounts.models import User
from nuanxin.areas.models import Area
from nuanxin.couriers.models import Company, Consent, WorkerGroup
from nuanxin.couriers.permissions import current_privacy_notice
from nuanxin.couriers.services import courier_find_by_phone, courier_get_or_create_by_phone
from nuanxin.stations.models import ServiceContact

from . import services
from .models import Forum, Need, Suggestion

STREET_CODE = "120101001000"  # 劝业场街道
STAFF_USERNAME = "qyc_street"
DEMO_PHONE = "13800138000"

# (phone, name, company code, worker group)
COURIERS = [
    ("13800138011", "李师傅", "meituan", WorkerGroup.FOOD_DELIVERY_RIDER),
    ("13800138012", "王师傅", "eleme", WorkerGroup.FOOD_DELIVERY_RIDER),
    ("13800138013", "赵师傅", "jd", WorkerGroup.EXPRESS_COURIER),
    ("13800138014", "孙师傅", "didi", WorkerGroup.RIDE_HAILING_DRIVER),
]

# (phone, category, title, description, weeks ago, reply or "", status after the reply or triage)
NEEDS = [
    (
        DEMO_PHONE,
        "meals",
        "午饭没地方热",
        "希望驿站能有微波炉，中午能热一下自带的饭。",
        0,
        "劝业场驿站（滨江道）已配微波炉，营业时间内可随时使用。",
        "answered",
    ),
    (
        DEMO_PHONE,
        "children",
        "孩子暑假没人看",
        "暑假孩子在家没人照看，想了解有没有托管班。",
        1,
        "",
        "in_progress",
    ),
    ("13800138011", "meals", "想吃上便宜的热饭", "能不能和附近饭店合作爱心餐？", 0, "", "new"),
    ("13800138011", "rest", "夜里没地方歇脚", "夜班送餐，凌晨找不到休息的地方。", 2, "", "new"),
    (
        "13800138012",
        "parking_access",
        "小区不让电动车进",
        "好几个小区不让骑手进，只能步行送餐，耽误时间。",
        1,
        "已与物业协商，部分小区开放骑手通道，详见街道公告。",
        "answered",
    ),
    ("13800138012", "meals", "午饭时间太赶", "希望驿站提供简餐。", 3, "", "new"),
    (
        "13800138013",
        "social_insurance",
        "想交社保不知道怎么办",
        "灵活就业人员怎么参加养老保险？",
        2,
        "可到街道党群服务中心社保窗口办理，带身份证即可。",
        "closed",
    ),
    ("13800138013", "housing", "想找便宜的宿舍", "外地来津，租房贵。", 4, "", "new"),
    ("13800138014", "legal", "平台扣款有争议", "订单超时被扣款，想咨询是否合理。", 1, "", "in_progress"),
    ("13800138014", "health", "腰疼想做体检", "长期开车腰不好，希望有义诊。", 5, "", "new"),
]

# (phone, subject, body, reply or "")
SUGGESTIONS = [
    (
        DEMO_PHONE,
        "驿站晚上能开晚一点吗",
        "很多骑手晚上十点以后还在跑单，希望驿站能开到十一点。",
        "已与驿站协商，滨江道驿站自下月起开放至23:00。",
    ),
    ("13800138011", "建议多装几个充电柜", "电动车电池不够用，希望驿站多装几个换电柜。", ""),
]

FORUM = {
    "held_on_days_ago": 20,
    "title": "新就业形态劳动者座谈会",
    "location": "劝业场街道党群服务中心",
    "attendees": "美团和平区站点负责人\n顺丰和平劝业场营业部\n区总工会",
    "courier_count": 12,
    "outcomes": "1. 滨江道驿站延长开放时间；\n2. 与物业协商开放骑手通道；\n3. 每月举办一次义诊。",
}


def _demo_courier(phone, name, company_code, worker_group, street):
    profile, _created = courier_get_or_create_by_phone(phone=phone)
    if not profile.is_registered:
        profile.name = name
        profile.company = Company.objects.filter(code=company_code).first()
        profile.worker_group = worker_group
        profile.work_area = street
        profile.registered_at = timezone.now()
        profile.save()
    notice = current_privacy_notice()
    if notice is not None:
        Consent.objects.get_or_create(courier=profile, notice=notice)
    return profile


@transaction.atomic
def load_demo_needs():
    """See the module docstring. Does nothing when the demo street or its staff account is missing."""
    created = {"needs": 0, "suggestions": 0, "forums": 0}
    street = Area.objects.filter(code=STREET_CODE).first()
    staff = User.objects.filter(username=STAFF_USERNAME, is_active=True).first()
    if street is None or staff is None:
        return created

    couriers = {
        phone: _demo_courier(phone, name, company, group, street) for phone, name, company, group in COURIERS
    }
    demo_courier = courier_find_by_phone(DEMO_PHONE)
    if demo_courier is not None and demo_courier.work_area_id is not None:
        couriers[DEMO_PHONE] = demo_courier
    contact = ServiceContact.objects.filter(area=street).order_by("sort_order", "id").first()
    now = timezone.now()

    for phone, category, title, description, weeks_ago, reply, status in NEEDS:
        courier = couriers.get(phone)
        if courier is None or Need.objects.filter(courier=courier, title=title).exists():
            continue
        need = services.need_submit(courier=courier, category=category, title=title, description=description)
        Need.objects.filter(pk=need.pk).update(created_at=now - datetime.timedelta(weeks=weeks_ago, hours=3))
        if reply:
            need = services.need_reply(
                actor=staff, need=need, reply=reply, service_contact_id=contact.pk if contact else None
            )
        elif status == "in_progress":
            need = services.need_transition(
                actor=staff, need=need, to_status="in_progress", note="已转相关部门"
            )
        if status == "closed":
            services.need_transition(actor=staff, need=need, to_status="closed")
        created["needs"] += 1

    for phone, subject, body, reply in SUGGESTIONS:
        courier = couriers.get(phone)
        if courier is None or Suggestion.objects.filter(courier=courier, subject=subject).exists():
            continue
        suggestion = services.suggestion_submit(courier=courier, subject=subject, body=body)
        if reply:
            services.suggestion_reply(actor=staff, suggestion=suggestion, reply=reply)
        created["suggestions"] += 1

    held_on = timezone.localdate() - datetime.timedelta(days=FORUM["held_on_days_ago"])
    if not Forum.objects.filter(area=street, title=FORUM["title"]).exists():
        present = [couriers[phone].public_id for phone in ("13800138011", "13800138012") if phone in couriers]
        forum = services.forum_create(
            actor=staff,
            area_code=street.code,
            held_on=held_on,
            title=FORUM["title"],
            location=FORUM["location"],
            attendees=FORUM["attendees"],
            courier_count=FORUM["courier_count"],
            outcomes=FORUM["outcomes"],
            courier_ids=present,
            staff_usernames=[STAFF_USERNAME],
        )
        services.need_create(
            actor=staff,
            area=street,
            category="parking_access",
            title="骑手进小区难",
            description="座谈会上多名骑手反映",
            source=Need.Source.FORUM,
            forum=forum,
        )
        created["forums"] += 1
        created["needs"] += 1
    return created
