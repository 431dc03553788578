"""Care package campaigns: a kit given at most once per courier per campaign, from a station's stock."""

import datetime

import pytest
from django.utils import timezone

from nuanxin.care.models import ServiceRecord
from nuanxin.supplies.models import CarePackageCampaign, CarePackageGrant, StockMovement

from .factories import make_campaign, make_item, put_stock, quantity_of


@pytest.fixture
def kit(water):
    return {"water": water, "towel": make_item("毛巾", unit="条")}


@pytest.fixture
def campaign(areas, kit):
    return make_campaign(areas["street"], [(kit["water"], 2), (kit["towel"], 1)], name="夏日暖心包裹")


def grant_url(campaign):
    return f"/api/v1/manage/supplies/campaigns/{campaign.public_id}/grants"


def grant(api, headers, campaign, station, courier):
    return api(
        "post",
        grant_url(campaign),
        {"station_id": station.public_id, "courier_id": courier.public_id},
        headers,
    )


def test_staff_create_a_campaign_with_its_kit(api, auth, areas, kit):
    today = timezone.localdate()
    status, body = api(
        "post",
        "/api/v1/manage/supplies/campaigns",
        {
            "name": "清凉一夏包裹",
            "area_code": areas["street"].code,
            "starts_on": today,
            "ends_on": today + datetime.timedelta(days=10),
            "kit": [{"item_id": kit["water"].public_id, "quantity": 2}],
        },
        auth("street_staff"),
    )
    assert status == 201
    assert body["kit"] == [
        {"item_id": str(kit["water"].public_id), "item_name": "矿泉水", "unit": "瓶", "quantity": 2}
    ]


@pytest.mark.parametrize(
    ("who", "expected"), [("other_street_staff", 422), ("steward", 403), ("courier", 403)]
)
def test_a_campaign_outside_ones_area_or_by_a_non_manager_is_refused(api, auth, areas, kit, who, expected):
    today = timezone.localdate()
    status, _body = api(
        "post",
        "/api/v1/manage/supplies/campaigns",
        {
            "name": "越权包裹",
            "area_code": areas["street"].code,
            "starts_on": today,
            "ends_on": today,
            "kit": [{"item_id": kit["water"].public_id, "quantity": 1}],
        },
        auth(who),
    )
    assert status == expected
    assert not CarePackageCampaign.objects.exists()


def test_a_care_package_takes_the_kit_from_the_stock_and_counts_one_service(
    api, auth, stations, campaign, kit, couriers
):
    put_stock(stations["mine"], kit["water"], 10)
    put_stock(stations["mine"], kit["towel"], 5)

    status, body = grant(api, auth("steward"), campaign, stations["mine"], couriers["me"])

    assert status == 201
    assert body["campaign_name"] == "夏日暖心包裹"
    assert quantity_of(stations["mine"], kit["water"]) == 8
    assert quantity_of(stations["mine"], kit["towel"]) == 4
    assert StockMovement.objects.filter(kind="care_package").count() == 2
    record = ServiceRecord.objects.get()
    assert record.kind == ServiceRecord.Kind.CARE_PACKAGE and record.courier == couriers["me"]


def test_a_second_care_package_of_the_same_campaign_is_refused_and_nothing_changes(
    api, auth, stations, campaign, kit, couriers
):
    put_stock(stations["mine"], kit["water"], 10)
    put_stock(stations["mine"], kit["towel"], 5)
    grant(api, auth("steward"), campaign, stations["mine"], couriers["me"])

    status, body = grant(api, auth("street_staff"), campaign, stations["mine"], couriers["me"])

    assert status == 409
    assert body["errors"][0]["field"] == "courier_id"
    assert CarePackageGrant.objects.count() == 1
    assert quantity_of(stations["mine"], kit["water"]) == 8
    assert ServiceRecord.objects.count() == 1
    # another courier still gets one
    assert grant(api, auth("steward"), campaign, stations["mine"], couriers["neighbour"])[0] == 201


def test_the_database_allows_one_grant_per_courier_and_campaign(stations, campaign, couriers):
    from django.db import IntegrityError, transaction

    CarePackageGrant.objects.create(campaign=campaign, courier=couriers["me"], station=stations["mine"])
    with pytest.raises(IntegrityError), transaction.atomic():
        CarePackageGrant.objects.create(campaign=campaign, courier=couriers["me"], station=stations["mine"])


def test_a_care_package_short_of_one_kit_item_is_refused_whole(api, auth, stations, campaign, kit, couriers):
    put_stock(stations["mine"], kit["water"], 10)
    put_stock(stations["mine"], kit["towel"], 0)

    status, body = grant(api, auth("steward"), campaign, stations["mine"], couriers["me"])

    assert status == 422 and body["errors"][0]["field"] == "quantity"
    assert quantity_of(stations["mine"], kit["water"]) == 10
    assert not CarePackageGrant.objects.exists()
    assert not StockMovement.objects.exists()
    assert not ServiceRecord.objects.exists()


def test_a_campaign_that_has_ended_gives_nothing(api, auth, stations, areas, kit, couriers):
    past = timezone.localdate() - datetime.timedelta(days=10)
    ended = make_campaign(areas["street"], [(kit["water"], 1)], starts_on=past, ends_on=past)
    put_stock(stations["mine"], kit["water"], 10)
    status, body = grant(api, auth("steward"), ended, stations["mine"], couriers["me"])
    assert status == 422 and body["errors"][0]["field"] == "campaign"
    assert not CarePackageGrant.objects.exists()


@pytest.mark.parametrize(("who", "expected"), [("other_street_staff", 404), ("courier", 404), (None, 401)])
def test_who_may_not_give_a_care_package(api, auth, stations, campaign, kit, couriers, who, expected):
    put_stock(stations["mine"], kit["water"], 10)
    put_stock(stations["mine"], kit["towel"], 5)
    status, _body = grant(api, auth(who) if who else {}, campaign, stations["mine"], couriers["me"])
    assert status == expected
    assert not CarePackageGrant.objects.exists()
    assert quantity_of(stations["mine"], kit["water"]) == 10


def test_campaigns_are_listed_by_area_and_to_the_stewards_they_concern(
    api, auth, areas, stations, campaign, kit
):
    make_campaign(areas["other_street"], [(kit["water"], 1)], name="小白楼包裹")

    _status, street = api("get", "/api/v1/manage/supplies/campaigns", headers=auth("street_staff"))
    _status, steward = api("get", "/api/v1/manage/supplies/campaigns", headers=auth("steward"))
    _status, district = api("get", "/api/v1/manage/supplies/campaigns", headers=auth("district_staff"))
    status, _body = api("get", "/api/v1/manage/supplies/campaigns", headers=auth("courier"))

    assert [row["name"] for row in street] == ["夏日暖心包裹"]
    assert [row["name"] for row in steward] == ["夏日暖心包裹"]
    assert sorted(row["name"] for row in district) == ["夏日暖心包裹", "小白楼包裹"]
    assert status == 403
    other = CarePackageCampaign.objects.get(name="小白楼包裹")
    assert (
        api("get", f"/api/v1/manage/supplies/campaigns/{other.public_id}", headers=auth("street_staff"))[0]
        == 404
    )


def test_a_courier_sees_only_their_own_care_packages(api, stations, campaign, kit, couriers):
    from nuanxin.accounts.tests.factories import bearer

    CarePackageGrant.objects.create(campaign=campaign, courier=couriers["me"], station=stations["mine"])

    status, mine = api("get", "/api/v1/me/care-packages", headers=bearer(couriers["me"].user))
    _status, theirs = api("get", "/api/v1/me/care-packages", headers=bearer(couriers["neighbour"].user))

    assert status == 200
    assert [(row["campaign_name"], row["station_name"]) for row in mine] == [
        ("夏日暖心包裹", "劝业场暖心驿站")
    ]
    assert [line["item_name"] for line in mine[0]["kit"]] == ["毛巾", "矿泉水"]
    assert theirs == []
