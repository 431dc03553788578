"""The ranked, dynamic needs list: counts by category per area, with the trend per week or month."""

import datetime

import pytest
from django.utils import timezone

from nuanxin.couriers.tests.factories import make_courier
from nuanxin.needs.models import Need
from nuanxin.needs.services import need_submit, need_transition

pytestmark = pytest.mark.django_db


def raise_need(area, category, *, when=None):
    need = need_submit(courier=make_courier(area=area), category=category, title=f"{category} need")
    if when is not None:
        Need.objects.filter(pk=need.pk).update(created_at=when)
    return need


def by_category(body):
    return {item["category"]: item for item in body["categories"]}


def test_categories_are_ranked_by_the_needs_of_the_window_with_a_weekly_trend(api, auth, areas):
    now = timezone.now()
    street = areas["street"]
    # meals: 3 this week, 1 two weeks ago; housing: 2 last week; legal: 1 long ago (outside 4 weeks)
    for _ in range(3):
        raise_need(street, "meals")
    raise_need(street, "meals", when=now - datetime.timedelta(weeks=2))
    raise_need(street, "housing", when=now - datetime.timedelta(weeks=1))
    raise_need(street, "housing", when=now - datetime.timedelta(weeks=1))
    raise_need(street, "legal", when=now - datetime.timedelta(weeks=10))
    # a need of the other street never counts here
    raise_need(areas["other_street"], "housing")

    status, body = api(
        "get",
        f"/api/v1/manage/needs/ranking?area={street.code}&period=week&periods=4",
        headers=auth("street_staff"),
    )

    assert status == 200
    assert len(body["periods"]) == 4 and body["periods"][-1].count("-W") == 1
    ranked = [item["category"] for item in body["categories"]]
    assert ranked[:3] == ["meals", "housing", "legal"]
    categories = by_category(body)
    assert categories["meals"]["trend"] == [0, 1, 0, 3]
    assert categories["meals"]["total"] == 4
    assert categories["meals"]["change"] == 3
    assert categories["housing"]["trend"] == [0, 0, 2, 0]
    assert categories["housing"]["change"] == -2
    assert categories["legal"]["total"] == 0 and categories["legal"]["all_time"] == 1
    assert [item["rank"] for item in body["categories"]] == list(range(1, len(body["categories"]) + 1))
    assert body["total"] == 6


def test_the_ranking_is_dynamic_open_counts_follow_triage(api, auth, areas, users):
    street = areas["street"]
    first = raise_need(street, "children")
    raise_need(street, "children")
    headers = auth("street_staff")
    _, body = api("get", "/api/v1/manage/needs/ranking", headers=headers)
    assert by_category(body)["children"]["open"] == 2
    need_transition(actor=users["street_staff"], need=first, to_status="closed")
    _, body = api("get", "/api/v1/manage/needs/ranking", headers=headers)
    assert by_category(body)["children"]["open"] == 1
    assert body["area"]["code"] == street.code  # defaults to the caller's own area


def test_monthly_trend_and_the_district_sees_its_streets_together(api, auth, areas):
    today = timezone.localdate()
    first_of_month = today.replace(day=1)
    last_month = (first_of_month - datetime.timedelta(days=1)).replace(day=15)
    when = timezone.make_aware(datetime.datetime.combine(last_month, datetime.time(12)))
    raise_need(areas["street"], "health", when=when)
    raise_need(areas["other_street"], "health")

    status, body = api(
        "get", "/api/v1/manage/needs/ranking?period=month&periods=3", headers=auth("district_staff")
    )

    assert status == 200
    assert body["periods"][-1] == f"{today.year}-{today.month:02d}"
    assert by_category(body)["health"]["trend"] == [0, 1, 1]


def test_bad_period_and_foreign_area(api, auth, areas):
    headers = {**auth("street_staff"), "HTTP_ACCEPT_LANGUAGE": "en"}
    status, body = api("get", "/api/v1/manage/needs/ranking?period=year", headers=headers)
    assert status == 422 and body["errors"][0]["field"] == "period"
    status, body = api("get", "/api/v1/manage/needs/ranking?periods=0", headers=headers)
    assert status == 422 and body["errors"][0]["field"] == "periods"
    status, _ = api("get", f"/api/v1/manage/needs/ranking?area={areas['other_street'].code}", headers=headers)
    assert status == 404
    status, _ = api("get", "/api/v1/manage/needs/ranking?area=999999999999", headers=headers)
    assert status == 404
    status, _ = api("get", "/api/v1/manage/needs/ranking", headers=auth("courier"))
    assert status == 403


def test_the_ranking_page_in_the_back_office_shows_the_table(client, users, areas):
    raise_need(areas["street"], "jobs")
    client.force_login(users["street_staff"])
    response = client.get("/admin/needs/need/ranking/?period=month")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-category="jobs"' in html
    assert "needs-chart-data" in html
    assert client.get(f"/admin/needs/need/ranking/?area={areas['other_street'].code}").status_code == 404
