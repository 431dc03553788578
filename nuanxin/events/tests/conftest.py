"""Fixtures of the events tests: couriers in the test area tree, an API caller and headers by role."""

import pytest

from nuanxin.accounts.tests.factories import bearer
from nuanxin.couriers.tests.factories import make_courier


@pytest.fixture
def couriers(areas):
    """Three couriers of 劝业场街道 (`me`, `neighbour`, `third`) and one of 小白楼街道 (`elsewhere`)."""
    return {
        "me": make_courier(area=areas["street"], name="张三"),
        "neighbour": make_courier(area=areas["street"], name="李四"),
        "third": make_courier(area=areas["street"], name="赵六"),
        "elsewhere": make_courier(area=areas["other_street"], name="王五"),
    }


@pytest.fixture
def headers_of(users, couriers):
    def headers(who):
        if who == "anonymous":
            return {}
        if who in couriers:
            return bearer(couriers[who].user)
        return bearer(users[who])

    return headers
