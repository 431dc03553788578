"""Fixtures of the hall tests: couriers in the test area tree, departments with handler accounts, an
API helper, a ready-made item."""

import json

import pytest

from nuanxin.accounts.tests.factories import bearer
from nuanxin.couriers.tests.factories import make_courier
from nuanxin.hall import services
from nuanxin.reports.tests.factories import department, handler


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
def departments(areas):
    """Departments (`reports.Department`) and their handler accounts:
    `street_team` (劝业场街道, handler `handler`), `district` (和平区, handler `district_handler`),
    `other_street` (小白楼街道, handler `other_handler`), `other_district` (河东区), `inactive`
    (和平区, no longer active), and `handlers` by those names."""
    handlers = {
        "handler": handler(areas["street"], username="handler"),
        "district_handler": handler(areas["district"], username="district_handler"),
        "other_handler": handler(areas["other_street"], username="other_handler"),
    }
    inactive = department(areas["district"], name="和平区旧办公室")
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    return {
        "street_team": department(
            areas["street"], name="劝业场街道综合执法队", handlers=[handlers["handler"]]
        ),
        "district": department(
            areas["district"], name="和平区交通管理支队", handlers=[handlers["district_handler"]]
        ),
        "other_street": department(
            areas["other_street"], name="小白楼街道综合执法队", handlers=[handlers["other_handler"]]
        ),
        "other_district": department(areas["other_district"], name="河东区城市管理委员会"),
        "inactive": inactive,
        "handlers": handlers,
    }


@pytest.fixture
def route_body(departments):
    """`route_body("district", note="")` → the body of POST …/route to that department."""

    def body(name="street_team", note=""):
        data = {"department_id": str(departments[name].public_id)}
        if note:
            data["note"] = note
        return data

    return body


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
