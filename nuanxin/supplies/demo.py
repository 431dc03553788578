"""Demo supplies (idempotent): items, stock at the demo street's stations, a care package campaign.

    load_demo_supplies()  →  {"items": n, "stocked_stations": n, "campaigns": n}

Stock goes in through `services.stock_in` (so the ledger is real) as the street's staff account
`qyc_street`; a station that already has a ledger line is left alone. Does nothing when the demo
street (劝业场街道 120101001000) or its staff account is missing.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from nuanxin.accounts.models import User
from nuanxin.areas.models import Area
from nuanxin.stations.models import Station

from . import services
from .models import CarePackageCampaign, CarePackageKitItem, StockMovement, SupplyItem

STREET_CODE = "120101001000"
STAFF_USERNAME = "qyc_street"
ITEMS = [
    # name, category, unit, low-stock threshold, quantity stocked, source kind, source
    ("矿泉水", "food_and_drink", "瓶", 24, 120, "donation", "和平区慈善协会"),
    ("藿香正气水", "health", "盒", 5, 30, "purchase", "老百姓大药房"),
    ("一次性雨衣", "clothing", "件", 10, 8, "donation", "天津邮政"),
    ("口罩", "hygiene", "包", 10, 50, "purchase", "劝业场街道办"),
    ("毛巾", "hygiene", "条", 5, 40, "donation", "和平区总工会"),
]
CAMPAIGN_NAME = "清凉一夏暖心包裹"
KIT = [("矿泉水", 2), ("藿香正气水", 1), ("毛巾", 1)]


@transaction.atomic
def load_demo_supplies():
    created = {"items": 0, "stocked_stations": 0, "campaigns": 0}
    items = {}
    for name, category, unit, threshold, *_rest in ITEMS:
        item, was_created = SupplyItem.objects.get_or_create(
            name=name, defaults={"category": category, "unit": unit, "default_low_stock_threshold": threshold}
        )
        items[name] = item
        created["items"] += int(was_created)
    street = Area.objects.filter(code=STREET_CODE).first()
    staff = User.objects.filter(username=STAFF_USERNAME, is_active=True).first()
    if street is None or staff is None:
        return created
    stations = Station.objects.filter(area__path__startswith=street.path).order_by("id")[:3]
    for station in stations:
        if StockMovement.objects.filter(station=station).exists():
            continue
        for name, _category, _unit, _threshold, quantity, source_kind, source in ITEMS:
            services.stock_in(
                actor=staff,
                station=station,
                item=items[name],
                quantity=quantity,
                source_kind=source_kind,
                source_name=source,
            )
        created["stocked_stations"] += 1
    if not CarePackageCampaign.objects.filter(name=CAMPAIGN_NAME, area=street).exists():
        today = timezone.localdate()
        campaign = CarePackageCampaign.objects.create(
            name=CAMPAIGN_NAME,
            description="高温季节为快递员、外卖骑手送上防暑降温物品，每人限领一份。",
            area=street,
            starts_on=today - datetime.timedelta(days=7),
            ends_on=today + datetime.timedelta(days=60),
            created_by=staff,
        )
        CarePackageKitItem.objects.bulk_create(
            CarePackageKitItem(campaign=campaign, item=items[name], quantity=quantity)
            for name, quantity in KIT
        )
        created["campaigns"] += 1
    return created
