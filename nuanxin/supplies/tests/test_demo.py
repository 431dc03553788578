"""The demo supplies and merchants load into the demo street, twice without duplicates."""

import pytest

from nuanxin.accounts.models import Role
from nuanxin.accounts.tests.factories import staff
from nuanxin.areas.tests.factories import make_tree
from nuanxin.merchants.demo import load_demo_merchants
from nuanxin.merchants.models import MealOffer, Merchant
from nuanxin.stations.tests.factories import make_station
from nuanxin.supplies.demo import load_demo_supplies
from nuanxin.supplies.models import CarePackageCampaign, StockBalance, StockMovement

pytestmark = pytest.mark.django_db


def test_demo_supplies_and_merchants_load_once():
    areas = make_tree()
    staff(Role.STREET_STAFF, areas["street"], username="qyc_street")
    make_station(areas["street"])

    first = load_demo_supplies(), load_demo_merchants()
    counts = (
        StockMovement.objects.count(),
        CarePackageCampaign.objects.count(),
        Merchant.objects.count(),
        MealOffer.objects.count(),
    )
    second = load_demo_supplies(), load_demo_merchants()

    assert first[0]["stocked_stations"] == 1 and first[0]["campaigns"] == 1
    assert first[1]["merchants"] == 3 and first[1]["offers"] == 4
    assert second[0]["stocked_stations"] == 0 and second[1]["merchants"] == 0
    assert counts == (
        StockMovement.objects.count(),
        CarePackageCampaign.objects.count(),
        Merchant.objects.count(),
        MealOffer.objects.count(),
    )
    # the raincoats start low, so the low-stock list has something to show
    assert StockBalance.objects.get(item__name="一次性雨衣").is_low
    assert Merchant.objects.get(name="老王牛肉面").accounts.get().username == "qyc_merchant"
