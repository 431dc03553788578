"""Demo partner merchants (idempotent): three merchants of 劝业场街道 with offers and an account.

    load_demo_merchants()  →  {"merchants": n, "offers": n}

The merchant account `qyc_merchant` (password: the demo password of docs/demo.md) belongs to
老王牛肉面 and confirms its meal codes. Does nothing when the demo street is missing.
"""

import datetime

from django.db import transaction

from nuanxin.accounts.models import Role, User
from nuanxin.areas.models import Area

from .models import MealOffer, Merchant, OfferWindow

STREET_CODE = "120101001000"
# The merchant account load_demo creates with the other demo accounts (docs/demo.md); made here when
# this loader runs on its own.
ACCOUNT_USERNAME = "qyc_merchant"
DEMO_PASSWORD = "nuanxin-demo-2026"  # noqa: S105 - the documented demo password (docs/demo.md)
EVERY_DAY = None
MERCHANTS = [
    # name, kind, address, lat, lng, phone, [(title, description, price fen, original fen, windows)]
    (
        "老王牛肉面",
        "restaurant",
        "和平区滨江道168号",
        39.1192,
        117.1946,
        "022-27110001",
        [
            ("爱心午餐", "牛肉面一碗 + 小菜 + 饮料", 1000, 1800, [(EVERY_DAY, (11, 0), (14, 0))]),
            ("爱心晚餐", "盖浇饭 + 例汤", 1200, 2000, [(EVERY_DAY, (17, 0), (21, 0))]),
        ],
    ),
    (
        "小李理发",
        "barber",
        "和平区和平路235号",
        39.1205,
        117.1931,
        "022-27110002",
        [("骑手爱心理发", "洗剪吹，凭码优惠", 1000, 2500, [(day, (9, 0), (20, 0)) for day in range(5)])],
    ),
    (
        "清泉浴池",
        "bath",
        "和平区南京路55号",
        39.1178,
        117.1962,
        "022-27110003",
        [("暖心洗浴", "淋浴 + 搓澡", 1500, 3000, [(EVERY_DAY, (10, 0), (23, 0))])],
    ),
]


@transaction.atomic
def load_demo_merchants():
    created = {"merchants": 0, "offers": 0}
    street = Area.objects.filter(code=STREET_CODE).first()
    if street is None:
        return created
    account = User.objects.filter(username=ACCOUNT_USERNAME).first()
    if account is None:
        account = User(
            username=ACCOUNT_USERNAME, role=Role.MERCHANT, area=street, display_name="老王", is_staff=False
        )
        account.set_password(DEMO_PASSWORD)
        account.save()
    for index, (name, kind, address, latitude, longitude, phone, offers) in enumerate(MERCHANTS):
        merchant, was_created = Merchant.objects.get_or_create(
            name=name,
            area=street,
            defaults={
                "kind": kind,
                "address": address,
                "latitude": latitude,
                "longitude": longitude,
                "phone": phone,
            },
        )
        created["merchants"] += int(was_created)
        if index == 0:
            merchant.accounts.add(account)
        for title, description, price_fen, original_fen, windows in offers:
            offer, offer_created = MealOffer.objects.get_or_create(
                merchant=merchant,
                title=title,
                defaults={
                    "description": description,
                    "price_fen": price_fen,
                    "original_price_fen": original_fen,
                },
            )
            if offer_created:
                created["offers"] += 1
                OfferWindow.objects.bulk_create(
                    OfferWindow(
                        offer=offer,
                        weekday=weekday,
                        starts_at=datetime.time(*start),
                        ends_at=datetime.time(*end),
                    )
                    for weekday, start, end in windows
                )
    return created
