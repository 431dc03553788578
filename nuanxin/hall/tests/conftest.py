"""Fixtures of the hall tests: couriers in the test area tree, an API helper, a ready-made item."""

import json

import pytest

from nuanxin.accounts.tests.factories import bearer
from nuanxin.couriers.tests.factories import make_courier
from nuanxin.hall import services


@pytest.fixture
def couriers(areas):
    """Three couriers of 劝业场街道 (`author`, `neighbour`, `third`) and one of 小白楼街道 (`elsewhere`)."""
    return {
        "author": make_courier(area=areas["street"], name="张三"),
        "neighbour": make_courier(area=areas["street"], name="李四"),
        "third": make_courier(area=areas["street"], name="赵六"),
        "elsewhere": make_courier(area=areas["other_street"], name="王五"),
    }


@pytest.fixture
def api(client):
    """`api("post", "/api/v1/hall/items", body, headers)` → (status, json)."""

    def call(method, path, body=None, headers=None):
        kwargs = dict(headers or {})
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
def item(couriers):
    """An item raised by `author` in 劝业场街道, awaiting routing."""
    return services.hall_item_raise(
        courier=couriers["author"],
        category="residential_access",
        title="小区不让电动车进",
        description="保安只让步行进入。",
        location_text="花园路社区",
    )


def field_errors(body):
    return {error["field"]: error["message"] for error in body["errors"]}
