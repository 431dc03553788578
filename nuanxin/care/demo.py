"""Demo data of the catalog, posters and visits (idempotent).

    load_demo_care()  →  {"items": n, "posters": n, "visits": n} created this time

Runs after the demo city, its stations and the demo courier 13800138000. For the stations of
劝业场街道 it adds catalog entries (each station's rest, water and charging; a district legal-aid
offer and a city counselling hotline), one check-in poster per station (print it from the admin),
and steward-recorded visits of the demo courier over the last days, so the person-times report has
figures. Everything goes through the services (audit rows, service records). Running it again
creates nothing twice (items keyed by name and area, one live poster per station, visits deduplicated
by the check-in window and by day).
"""

import datetime

from django.db import transaction
from django.utils import timezone

from nuanxin.accounts.models import User
from nuanxin.areas.models import Area
from nuanxin.couriers.services import courier_find_by_phone
from nuanxin.stations.models import Station

from . import services
from .models import CheckInPoster, ServiceItem, StationVisit

STREET_CODE = "120101001000"  # 劝业场街道
DISTRICT_CODE = "120101000000"  # 和平区
CITY_CODE = "120000000000"  # 天津市
STAFF_USERNAME = "qyc_street"
CITY_USERNAME = "tj_city"
DEMO_PHONE = "13800138000"

STATION_ITEMS = [
    ("歇脚休息、免费饮水", ServiceItem.Kind.LIFE, "开放时间内", ""),
    ("电动车充电、手机充电", ServiceItem.Kind.LIFE, "开放时间内", ""),
    ("政策咨询（社保、职业伤害保障）", ServiceItem.Kind.POLICY, "每周三 14:00–17:00", ""),
    ("骑手议事会", ServiceItem.Kind.DELIBERATION, "每月第一个周五 19:00", "在本街道工作的骑手"),
]
AREA_ITEMS = [
    (
        DISTRICT_CODE,
        "免费法律援助",
        ServiceItem.Kind.POLICY,
        "department",
        "和平区司法局",
        "工作日 9:00–17:00",
    ),
    (
        CITY_CODE,
        "心理疏导热线",
        ServiceItem.Kind.MENTAL_HEALTH,
        "organization",
        "天津市心理援助中心",
        "每天 8:00–22:00",
    ),
]


@transaction.atomic
def load_demo_care():
    """See the module docstring. Returns the counts created, or None when the demo city is missing."""
    street = Area.objects.filter(code=STREET_CODE).first()
    staff = User.objects.filter(username=STAFF_USERNAME, is_active=True).first()
    if street is None or staff is None:
        return None
    created = {"items": 0, "posters": 0, "visits": 0}
    stations = list(
        Station.objects.filter(area__path__startswith=street.path, is_public=True).order_by("id")[:5]
    )
    for station in stations:
        for name, kind, schedule, eligibility in STATION_ITEMS:
            if not ServiceItem.objects.filter(station=station, name=name).exists():
                services.service_item_create(
                    actor=staff,
                    data={
                        "name": name,
                        "kind": kind,
                        "provider_type": "station",
                        "station_id": station.public_id,
                        "schedule": schedule,
                        "eligibility": eligibility,
                    },
                )
                created["items"] += 1
        if not CheckInPoster.objects.filter(station=station, revoked_at__isnull=True).exists():
            services.poster_issue(actor=staff, station=station, label="正门")
            created["posters"] += 1
    city_staff = User.objects.filter(username=CITY_USERNAME, is_active=True).first()
    for area_code, name, kind, provider_type, provider, schedule in AREA_ITEMS:
        area = Area.objects.filter(code=area_code).first()
        actor = city_staff or User.objects.filter(is_superuser=True, is_active=True).first()
        if area is None or actor is None or ServiceItem.objects.filter(area=area, name=name).exists():
            continue
        services.service_item_create(
            actor=actor,
            data={
                "name": name,
                "kind": kind,
                "provider_type": provider_type,
                "provider_name": provider,
                "area_code": area_code,
                "schedule": schedule,
            },
        )
        created["items"] += 1
    courier = courier_find_by_phone(DEMO_PHONE)
    if courier is not None and stations:
        now = timezone.now()
        for days_ago in range(1, 6):
            station = stations[days_ago % len(stations)]
            day = (now - datetime.timedelta(days=days_ago)).replace(
                hour=4, minute=30, second=0, microsecond=0
            )
            if StationVisit.objects.filter(
                courier=courier, station=station, occurred_at__date=day.date()
            ).exists():
                continue
            _, is_new = services.visit_record(
                actor=staff, station_id=station.public_id, phone=DEMO_PHONE, occurred_at=day, note="演示数据"
            )
            created["visits"] += int(is_new)
    return created
