"""Factories for the supplies tests: items, stock put straight into the balance table, campaigns."""

import datetime
import itertools

from django.utils import timezone

from nuanxin.supplies.models import CarePackageCampaign, CarePackageKitItem, StockBalance, SupplyItem

_numbers = itertools.count(1)


def make_item(name=None, **fields):
    defaults = {
        "category": SupplyItem.Category.FOOD_AND_DRINK,
        "unit": "瓶",
        "default_low_stock_threshold": 5,
    }
    return SupplyItem.objects.create(name=name or f"矿泉水{next(_numbers)}", **{**defaults, **fields})


def put_stock(station, item, quantity, *, threshold=0):
    """Set a station's stock directly (the ledger is not written: tests of reads only)."""
    balance, _created = StockBalance.objects.update_or_create(
        station=station, item=item, defaults={"quantity": quantity, "low_stock_threshold": threshold}
    )
    return balance


def make_campaign(area, kit, **fields):
    today = timezone.localdate()
    defaults = {
        "name": f"夏日暖心包裹{next(_numbers)}",
        "starts_on": today - datetime.timedelta(days=1),
        "ends_on": today + datetime.timedelta(days=30),
    }
    campaign = CarePackageCampaign.objects.create(area=area, **{**defaults, **fields})
    for item, quantity in kit:
        CarePackageKitItem.objects.create(campaign=campaign, item=item, quantity=quantity)
    return campaign


def quantity_of(station, item):
    balance = StockBalance.objects.filter(station=station, item=item).first()
    return balance.quantity if balance else 0
