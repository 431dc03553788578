"""Fixtures of the care tests: a station with a steward, couriers, a poster and an API helper."""

import json

import pytest

from nuanxin.accounts.tests.factories import bearer
from nuanxin.care import services
from nuanxin.couriers.tests.factories import make_courier
from nuanxin.stations.tests.factories import make_station


@pytest.fixture
def stations(areas, users):
    """劝业场街道's station (stewarded by `steward`) and 小白楼街道's."""
    return {
        "here": make_station(areas["street"], name="劝业场暖心驿站", steward=users["steward"]),
        "there": make_station(areas["other_street"], name="小白楼暖心驿站"),
    }


@pytest.fixture
def couriers(areas):
    return {
        "me": make_courier(area=areas["street"], name="张三", phone="13800000001"),
        "other": make_courier(area=areas["other_street"], name="李四", phone="13800000002"),
    }


@pytest.fixture
def poster(stations, users):
    return services.poster_issue(actor=users["steward"], station=stations["here"], label="正门")


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
