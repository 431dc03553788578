"""Housing rows for tests, stored directly (no audit rows)."""

import itertools
from datetime import timedelta

from django.utils import timezone

from nuanxin.housing.models import Apartment, OfferKind, RentalOffer, Room

_numbers = itertools.count(1)


def make_apartment(area, *, rooms=(("101", 2),), **fields):
    number = next(_numbers)
    defaults = {"name": f"爱心公寓{number}号", "address": f"滨江道{number}号", "max_nights": 7}
    apartment = Apartment.objects.create(area=area, **{**defaults, **fields})
    for name, capacity in rooms:
        Room.objects.create(apartment=apartment, name=name, capacity=capacity)
    return apartment


def make_offer(area, **fields):
    number = next(_numbers)
    defaults = {
        "kind": OfferKind.DORMITORY,
        "title": f"骑手宿舍{number}",
        "address": f"山西路{number}号",
        "monthly_rent_fen": 30000,
    }
    return RentalOffer.objects.create(area=area, **{**defaults, **fields})


def days_ahead(days):
    return timezone.localdate() + timedelta(days=days)
