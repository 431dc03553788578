import json

import pytest

from nuanxin.accounts.tests.factories import bearer
from nuanxin.couriers.tests.factories import make_courier
from nuanxin.merchants.tests.factories import make_merchant, merchant_account

from .factories import make_reward, make_rule


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
def me(areas):
    return make_courier(area=areas["street"], name="张三")


@pytest.fixture
def rules(areas):
    """A manual rule of the city (10 points a unit, no cap) and a report rule with a daily cap of 20."""
    return {
        "manual": make_rule(areas["city"], code="manual", points_per_unit=10),
        "report": make_rule(
            areas["city"], code="street-report", kind="street_report", points_per_unit=5, daily_cap=20
        ),
    }


@pytest.fixture
def shops(areas):
    """老王理发 (劝业场, account wang) and 小李澡堂 (小白楼, account li), a reward each."""
    wang = merchant_account(areas["street"], username="wang")
    li = merchant_account(areas["other_street"], username="li")
    barber = make_merchant(areas["street"], accounts=[wang], name="老王理发", kind="barber")
    bath = make_merchant(areas["other_street"], accounts=[li], name="小李澡堂", kind="bath")
    return {
        "wang": wang,
        "li": li,
        "barber": barber,
        "bath": bath,
        "haircut": make_reward(barber, title="爱心理发", points_price=100, stock=5),
        "bathe": make_reward(bath, title="免费洗澡", points_price=50, stock=5),
    }


@pytest.fixture
def issue(api, me):
    """`issue(reward)` → the courier `me` asks for a redeem code: (status, body)."""
    return lambda reward, courier=None: api(
        "post",
        "/api/v1/me/points/redeem-codes",
        {"reward_id": reward.public_id},
        bearer((courier or me).user),
    )
