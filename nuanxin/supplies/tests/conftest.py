"""Fixtures of the supplies tests: a station of 劝业场街道 stewarded by `users["steward"]`, one of
小白楼街道, an item, couriers, and a JSON caller."""

import json

import pytest

from nuanxin.couriers.tests.factories import make_courier
from nuanxin.stations.tests.factories import make_station

from .factories import make_item


@pytest.fixture
def stations(areas, users):
    return {
        "mine": make_station(areas["street"], name="劝业场暖心驿站", steward=users["steward"]),
        "other": make_station(areas["other_street"], name="小白楼暖心驿站"),
    }


@pytest.fixture
def water(db):
    return make_item("矿泉水", unit="瓶")


@pytest.fixture
def couriers(areas):
    return {
        "me": make_courier(area=areas["street"], name="张三"),
        "neighbour": make_courier(area=areas["street"], name="李四"),
    }


@pytest.fixture
def api(client):
    """`api("post", path, body, headers)` → (status, json)."""

    def call(method, path, body=None, headers=None):
        kwargs = dict(headers or {})
        if body is not None:
            kwargs.update(data=json.dumps(body, default=str), content_type="application/json")
        response = getattr(client, method)(path, **kwargs)
        return response.status_code, (response.json() if response.content else None)

    return call
