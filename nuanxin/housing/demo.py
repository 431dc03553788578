"""Demo data of housing (idempotent): a love apartment to try, and two rental offers.

    load_demo_housing()  →  {"apartments": n, "rooms": n, "offers": n, "stays": n} created this time

Runs after the demo city (劝业场街道 and its staff account `qyc_street`) and the demo courier
13800138000. It creates 劝业场爱心公寓 with two rooms near the street's first station, one approved
stay of the demo courier next month (so the calendar shows a booked stretch, made through the
services, so its service record and audit rows are real), and a 改建公寓 and a 宿舍 offer. Running it
again creates nothing twice (rows are keyed by name/title; the stay by courier and dates).
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from nuanxin.accounts.models import User
from nuanxin.areas.models import Area
from nuanxin.couriers.services import courier_find_by_phone
from nuanxin.stations.models import Station

from . import services
from .models import Apartment, OfferKind, RentalOffer, Room, StayApplication

STREET_CODE = "120101001000"  # 劝业场街道
STAFF_USERNAME = "qyc_street"
DEMO_PHONE = "13800138000"
APARTMENT_NAME = "劝业场爱心公寓"
ROOMS = [("101 家庭房", 3), ("102 双人房", 2)]
OFFERS = [
    (
        OfferKind.RENOVATED_APARTMENT,
        "滨江道改建公寓",
        "和平区滨江道200号",
        80000,
        6,
        "一室一厨一卫，拎包入住，快递小哥专享优惠价。",
    ),
    (OfferKind.DORMITORY, "劝业场骑手宿舍", "和平区山西路50号", 30000, 20, "四人间，含水电，24小时热水。"),
]


@transaction.atomic
def load_demo_housing():
    """See the module docstring."""
    street = Area.objects.filter(code=STREET_CODE).first()
    if street is None:
        return None
    created = {"apartments": 0, "rooms": 0, "offers": 0, "stays": 0}
    station = Station.objects.filter(area__path__startswith=street.path).order_by("id").first()
    apartment, is_new = Apartment.objects.get_or_create(
        area=street,
        name=APARTMENT_NAME,
        defaults={
            "station": station,
            "address": "和平区劝业场街道滨江道88号3楼",
            "description": "为快递小哥来津探亲的家人提供免费短住，每次最多7晚。",
            "contact_phone": "022-27110000",
            "max_nights": 7,
        },
    )
    created["apartments"] += is_new
    for name, capacity in ROOMS:
        _room, is_new = Room.objects.get_or_create(
            apartment=apartment, name=name, defaults={"capacity": capacity}
        )
        created["rooms"] += is_new
    for kind, title, address, rent, units, description in OFFERS:
        _offer, is_new = RentalOffer.objects.get_or_create(
            area=street,
            title=title,
            defaults={
                "kind": kind,
                "address": address,
                "monthly_rent_fen": rent,
                "units_available": units,
                "description": description,
                "contact_phone": "022-27110001",
            },
        )
        created["offers"] += is_new
    courier = courier_find_by_phone(DEMO_PHONE)
    staff = User.objects.filter(username=STAFF_USERNAME, is_active=True).first()
    if courier is not None and staff is not None:
        room = apartment.rooms.order_by("name").first()
        check_in = timezone.localdate() + timedelta(days=20)
        if not StayApplication.objects.filter(courier=courier, room=room).exists():
            stay = services.stay_apply(
                actor=courier.user,
                courier=courier,
                room=room,
                check_in=check_in,
                check_out=check_in + timedelta(days=3),
                guests=2,
                guest_names="母亲、父亲",
            )
            services.stay_approve(actor=staff, stay=stay, note="欢迎叔叔阿姨来津。")
            created["stays"] += 1
    return created
