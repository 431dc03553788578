"""Factories for the merchants tests."""

import datetime

from nuanxin.accounts.models import Role
from nuanxin.accounts.tests.factories import UserFactory
from nuanxin.merchants.models import MealOffer, Merchant, OfferWindow
from nuanxin.stations.tests.factories import LATITUDE, LONGITUDE

ALL_DAY = ((None, datetime.time(0, 0), datetime.time(23, 59, 59, 999999)),)


def merchant_account(area, **fields):
    return UserFactory(role=Role.MERCHANT, area=area, is_staff=False, **fields)


def make_merchant(area, *, accounts=(), latitude=LATITUDE, longitude=LONGITUDE, **fields):
    defaults = {"name": "老王面馆", "kind": Merchant.Kind.RESTAURANT, "address": "滨江道10号"}
    merchant = Merchant.objects.create(
        area=area, latitude=latitude, longitude=longitude, **{**defaults, **fields}
    )
    merchant.accounts.set(accounts)
    return merchant


def make_offer(merchant, *, windows=ALL_DAY, **fields):
    defaults = {"title": "爱心套餐", "price_fen": 1000, "original_price_fen": 1800}
    offer = MealOffer.objects.create(merchant=merchant, **{**defaults, **fields})
    for weekday, starts_at, ends_at in windows:
        OfferWindow.objects.create(offer=offer, weekday=weekday, starts_at=starts_at, ends_at=ends_at)
    return offer
