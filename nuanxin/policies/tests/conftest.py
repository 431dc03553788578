"""Fixtures of the policy tests: couriers in three areas and an API helper."""

import json

import pytest

from nuanxin.accounts.tests.factories import bearer
from nuanxin.couriers.tests.factories import make_courier


@pytest.fixture
def couriers(areas):
    return {
        "me": make_courier(area=areas["street"], name="张三", phone="13800000001"),
        "neighbour": make_courier(area=areas["street"], name="王五", phone="13800000003"),
        "other": make_courier(area=areas["other_street"], name="李四", phone="13800000002"),
        "hedong": make_courier(area=areas["other_district_street"], name="赵六", phone="13800000004"),
    }


@pytest.fixture
def api(client):
    """`api("post", "/api/v1/…", body, headers)` → (status, json)."""

    def call(method, path, body=None, headers=None):
        kwargs = dict(headers or {})
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        response = getattr(client, method)(path, **kwargs)
        try:
            data = json.loads(response.content) if response.content else None
        except ValueError:
            data = response.content
        return response.status_code, data

    return call


@pytest.fixture
def as_courier():
    return lambda profile: bearer(profile.user)
