"""Fixtures of the events tests: couriers in the test area tree, an API caller and headers by role."""

import json

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
def api(client):
    """`api("post", "/api/v1/events/…", body, headers)` → (status, json)."""

    def call(method, path, body=None, headers=None, **extra):
        kwargs = dict(headers or {}, **extra)
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        response = getattr(client, method)(path, **kwargs)
        data = json.loads(response.content) if response.content else None
        return response.status_code, data

    return call


@pytest.fixture
def as_courier():
    return lambda profile: bearer(profile.user)


@pytest.fixture
def headers_of(users, couriers):
    def headers(who):
        if who == "anonymous":
            return {}
        if who in couriers:
            return bearer(couriers[who].user)
        return bearer(users[who])

    return headers
