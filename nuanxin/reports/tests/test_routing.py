"""Routing precedence: category-specific beats catch-all, then the deeper area; no rule → triage."""

import pytest

from nuanxin.reports.models import Report

from . import factories

pytestmark = pytest.mark.django_db


def submit(api, courier, as_courier, category="exposed_garbage", point=factories.IN_QUANYECHANG):
    status, body = api(
        "post",
        "/api/v1/reports",
        form={"category": category, "description": "问题", "lat": point[0], "lng": point[1]},
        headers=as_courier(courier),
    )
    assert status == 201, body
    return body


@pytest.fixture
def rules(mapped):
    city, district, street = mapped["city"], mapped["district"], mapped["street"]
    names = {}
    for area, category, name in [
        (city, None, "市级兜底"),
        (district, None, "区级兜底"),
        (street, None, "街道兜底"),
        (city, "exposed_garbage", "市环卫"),
        (district, "exposed_garbage", "区环卫"),
        (street, "exposed_garbage", "街道环卫"),
    ]:
        names[(area.level, category)] = factories.rule(area, factories.department(area, name=name), category)
    return names


def _delete(rules, level, category):
    rules[(level, category)].delete()


def test_precedence_is_category_first_then_the_deepest_area(api, couriers, as_courier, rules):
    me = couriers["me"]
    expected_in_order = ["街道环卫", "区环卫", "市环卫", "街道兜底", "区级兜底", "市级兜底"]
    removal_order = [
        (4, "exposed_garbage"),
        (3, "exposed_garbage"),
        (2, "exposed_garbage"),
        (4, None),
        (3, None),
    ]
    for index, name in enumerate(expected_in_order):
        assert submit(api, me, as_courier)["department"] == name
        if index < len(removal_order):
            _delete(rules, *removal_order[index])


def test_a_rule_for_another_category_or_another_street_does_not_apply(api, couriers, as_courier, mapped):
    factories.rule(mapped["street"], factories.department(mapped["street"], name="街道调解"), "dispute")
    factories.rule(mapped["other_street"], factories.department(mapped["other_street"], name="小白楼兜底"))
    body = submit(api, couriers["me"], as_courier)
    assert body["department"] is None  # the street's triage queue
    assert Report.objects.get(public_id=body["id"]).area == mapped["street"]


def test_an_inactive_department_is_skipped(api, couriers, as_courier, mapped):
    factories.rule(mapped["district"], factories.department(mapped["district"], name="区级兜底"))
    closed = factories.department(mapped["street"], name="已撤销")
    closed.is_active = False
    closed.save()
    factories.rule(mapped["street"], closed)
    assert submit(api, couriers["me"], as_courier)["department"] == "区级兜底"


def test_near_a_boundary_the_points_street_decides_the_department(api, couriers, as_courier, mapped):
    factories.rule(mapped["street"], factories.department(mapped["street"], name="劝业场城管"))
    factories.rule(mapped["other_street"], factories.department(mapped["other_street"], name="小白楼城管"))
    assert submit(api, couriers["me"], as_courier, point=(39.1175, 117.2050))["department"] == "小白楼城管"
    assert submit(api, couriers["me"], as_courier, point=(39.1175, 117.1990))["department"] == "劝业场城管"


def test_routed_report_appears_in_its_departments_queue(api, couriers, as_courier, mapped):
    handler = factories.handler(mapped["street"])
    factories.rule(mapped["street"], factories.department(mapped["street"], name="城管", handlers=[handler]))
    body = submit(api, couriers["me"], as_courier)
    from nuanxin.accounts.tests.factories import bearer

    status, queue = api("get", "/api/v1/reports/queue?mine=true", headers=bearer(handler))
    assert status == 200 and [item["id"] for item in queue["items"]] == [body["id"]]
