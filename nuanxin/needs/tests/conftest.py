"""Fixtures of the needs tests: couriers in the test area tree (the API helpers are in the root conftest)."""

import pytest

from nuanxin.couriers.tests.factories import make_courier


@pytest.fixture
def couriers(areas):
    """Two couriers of 劝业场街道 (`me`, `neighbour`) and one of 小白楼街道 (`elsewhere`)."""
    return {
        "me": make_courier(area=areas["street"], name="张三"),
        "neighbour": make_courier(area=areas["street"], name="李四"),
        "elsewhere": make_courier(area=areas["other_street"], name="王五"),
    }
