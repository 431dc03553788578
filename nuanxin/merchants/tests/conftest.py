import json

import pytest

from nuanxin.accounts.tests.factories import bearer
from nuanxin.couriers.tests.factories import make_courier

from .factories import make_merchant, make_offer, merchant_account


@pytest.fixture
def shops(areas):
    """Two merchants, each with its own account and offer: 老王面馆 (劝业场) and 小李理发 (小白楼)."""
    wang = merchant_account(areas["street"], username="wang")
    li = merchant_account(areas["other_street"], username="li")
    noodles = make_merchant(areas["street"], accounts=[wang], name="老王面馆")
    barber = make_merchant(
        areas["other_street"], accounts=[li], name="小李理发", kind="barber", latitude=39.2
    )
    return {
        "wang": wang,
        "li": li,
        "noodles": noodles,
        "barber": barber,
        "meal": make_offer(noodles, title="牛肉面套餐"),
        "haircut": make_offer(barber, title="爱心理发", price_fen=500),
    }


@pytest.fixture
def me(areas):
    return make_courier(area=areas["street"], name="张三")


@pytest.fixture
def api(client):
    def call(method, path, body=None, headers=None):
        kwargs = dict(headers or {})
        if body is not None:
            kwargs.update(data=json.dumps(body, default=str), content_type="application/json")
        response = getattr(client, method)(path, **kwargs)
        return response.status_code, (response.json() if response.content else None)

    return call


@pytest.fixture
def issue(api, me):
    """`issue(offer)` → the courier `me` gets a meal code: (status, body)."""
    return lambda offer, courier=None: api(
        "post", "/api/v1/me/meal-codes", {"offer_id": offer.public_id}, bearer((courier or me).user)
    )
