"""Supplies in the back office: stock in, hand-outs, items, campaigns and care packages, all written
through the services, refused with a form error and nothing saved, scoped by area."""

import datetime

import pytest
from django.utils import timezone

from nuanxin.core.models import AuditEntry
from nuanxin.supplies.models import CarePackageCampaign, CarePackageGrant, StockMovement, SupplyItem

from .factories import make_campaign, make_item, quantity_of

pytestmark = pytest.mark.django_db

ADD_MOVEMENT = "/admin/supplies/stockmovement/add/"


def movement(station, item, **overrides):
    data = {
        "station": station.pk,
        "item": item.pk,
        "kind": "stock_in",
        "quantity": "20",
        "source_kind": "donation",
        "source_name": "顺丰公益",
        "courier_phone": "",
        "note": "",
    }
    return {**data, **overrides}


def test_street_staff_stock_in_then_hand_out_changes_the_balance(client, users, stations, water, couriers):
    # given a street staff member in the back office and an empty station
    client.force_login(users["street_staff"])
    station, courier = stations["mine"], couriers["me"]

    # when they record a donation of 20 and hand 3 to a courier found by mobile number
    stocked = client.post(ADD_MOVEMENT, movement(station, water))
    handed = client.post(
        ADD_MOVEMENT,
        movement(station, water, kind="hand_out", quantity="3", source_kind="", courier_phone=courier.phone),
    )
    balances = client.get("/admin/supplies/stockbalance/")

    # then both are saved through the services, the balance shows 17, and both are audited
    assert stocked.status_code == 302, stocked.content.decode()[:3000]
    assert handed.status_code == 302, handed.content.decode()[:3000]
    assert quantity_of(station, water) == 17
    lines = list(StockMovement.objects.order_by("id").values_list("kind", "quantity", "balance_after"))
    assert lines == [("stock_in", 20, 20), ("hand_out", -3, 17)]
    assert StockMovement.objects.get(kind="hand_out").courier == courier
    assert AuditEntry.objects.filter(object_type="supplies.stockmovement", action="create").count() == 2
    assert "17" in balances.content.decode()


def test_a_hand_out_beyond_stock_shows_the_error_and_changes_nothing(
    client, users, stations, water, couriers
):
    client.force_login(users["steward"])
    station = stations["mine"]
    client.post(ADD_MOVEMENT, movement(station, water, quantity="2"))

    response = client.post(
        ADD_MOVEMENT,
        movement(station, water, kind="hand_out", quantity="5", courier_phone=couriers["me"].phone),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["quantity"]
    assert "Not enough stock" in response.content.decode() or "库存不足" in response.content.decode()
    assert quantity_of(station, water) == 2
    assert StockMovement.objects.count() == 1
    assert AuditEntry.objects.filter(object_type="supplies.stockmovement").count() == 1


def test_a_hand_out_to_an_unknown_mobile_number_is_refused(client, users, stations, water):
    client.force_login(users["street_staff"])
    station = stations["mine"]
    client.post(ADD_MOVEMENT, movement(station, water, quantity="5"))

    response = client.post(
        ADD_MOVEMENT, movement(station, water, kind="hand_out", quantity="1", courier_phone="13912345678")
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["courier_phone"]
    assert quantity_of(station, water) == 5


def test_another_streets_station_is_neither_offered_nor_accepted(client, users, stations, water):
    other = stations["other"]
    client.force_login(users["other_street_staff"])
    client.post(ADD_MOVEMENT, movement(other, water, quantity="4"))
    theirs = StockMovement.objects.get()
    client.force_login(users["street_staff"])

    form = client.get(ADD_MOVEMENT)
    posted = client.post(ADD_MOVEMENT, movement(other, water))
    listed = client.get("/admin/supplies/stockmovement/")
    opened = client.get(f"/admin/supplies/stockmovement/{theirs.pk}/change/")

    assert stations["mine"].name in form.content.decode()
    assert other.name not in form.content.decode()
    assert posted.status_code == 200 and posted.context["adminform"].form.errors["station"]
    assert quantity_of(other, water) == 4
    assert other.name not in listed.content.decode()
    assert opened.status_code == 302 and opened.url == "/admin/"


def test_movements_cannot_be_edited_or_deleted(client, users, stations, water):
    client.force_login(users["street_staff"])
    client.post(ADD_MOVEMENT, movement(stations["mine"], water))
    line = StockMovement.objects.get()

    client.post(
        f"/admin/supplies/stockmovement/{line.pk}/change/", movement(stations["mine"], water, quantity="99")
    )
    deleted = client.post(f"/admin/supplies/stockmovement/{line.pk}/delete/", {"post": "yes"})

    assert deleted.status_code == 403
    assert StockMovement.objects.get().quantity == 20
    assert quantity_of(stations["mine"], water) == 20


def test_city_staff_add_supply_items_and_street_staff_may_not(client, users):
    data = {"name": "雨衣", "category": "clothing", "unit": "件", "default_low_stock_threshold": "3"}

    client.force_login(users["street_staff"])
    refused = client.post("/admin/supplies/supplyitem/add/", data)
    client.force_login(users["city_staff"])
    added = client.post("/admin/supplies/supplyitem/add/", data)
    again = client.post("/admin/supplies/supplyitem/add/", data)

    assert refused.status_code == 403
    assert added.status_code == 302
    assert again.status_code == 200 and again.context["adminform"].form.errors["name"]
    assert list(SupplyItem.objects.values_list("name", "unit")) == [("雨衣", "件")]
    assert AuditEntry.objects.filter(object_type="supplies.supplyitem", action="create").count() == 1


def test_street_staff_create_a_campaign_and_give_a_package_once(
    client, users, areas, stations, water, couriers
):
    client.force_login(users["street_staff"])
    station, courier = stations["mine"], couriers["me"]
    towel = make_item("毛巾", unit="条")
    client.post(ADD_MOVEMENT, movement(station, water, quantity="10"))
    client.post(ADD_MOVEMENT, movement(station, towel, quantity="10"))
    today = timezone.localdate()
    campaign_data = {
        "name": "夏日暖心包裹",
        "description": "",
        "area": areas["street"].pk,
        "starts_on": today.isoformat(),
        "ends_on": (today + datetime.timedelta(days=10)).isoformat(),
        "kit_item_1": water.pk,
        "kit_quantity_1": "2",
        "kit_item_2": towel.pk,
        "kit_quantity_2": "1",
    }

    created = client.post("/admin/supplies/carepackagecampaign/add/", campaign_data)
    campaign = CarePackageCampaign.objects.get()
    grant = {"campaign": campaign.pk, "station": station.pk, "courier_phone": courier.phone}
    given = client.post("/admin/supplies/carepackagegrant/add/", grant)
    twice = client.post("/admin/supplies/carepackagegrant/add/", grant)

    assert created.status_code == 302, created.content.decode()[:3000]
    assert sorted(campaign.kit_items.values_list("item__name", "quantity")) == [("毛巾", 1), ("矿泉水", 2)]
    assert given.status_code == 302, given.content.decode()[:3000]
    assert twice.status_code == 200 and twice.context["adminform"].form.errors["courier_phone"]
    assert CarePackageGrant.objects.filter(courier=courier).count() == 1
    assert (quantity_of(station, water), quantity_of(station, towel)) == (8, 9)
    assert AuditEntry.objects.filter(object_type="supplies.carepackagegrant").count() == 1


def test_a_campaign_outside_the_staff_area_or_without_kit_is_refused(client, users, areas, water):
    client.force_login(users["street_staff"])
    today = timezone.localdate().isoformat()
    base = {"name": "包裹", "description": "", "starts_on": today, "ends_on": today}

    outside = client.post(
        "/admin/supplies/carepackagecampaign/add/",
        {**base, "area": areas["other_street"].pk, "kit_item_1": water.pk, "kit_quantity_1": "1"},
    )
    empty = client.post("/admin/supplies/carepackagecampaign/add/", {**base, "area": areas["street"].pk})

    assert outside.context["adminform"].form.errors["area"]
    assert empty.context["adminform"].form.errors["kit_item_1"]
    assert not CarePackageCampaign.objects.exists()


def test_a_package_from_a_station_without_the_stock_changes_nothing(
    client, users, areas, stations, water, couriers
):
    client.force_login(users["street_staff"])
    campaign = make_campaign(areas["street"], [(water, 2)])

    response = client.post(
        "/admin/supplies/carepackagegrant/add/",
        {"campaign": campaign.pk, "station": stations["mine"].pk, "courier_phone": couriers["me"].phone},
    )

    assert response.status_code == 200
    assert "矿泉水" in " ".join(response.context["adminform"].form.non_field_errors())  # names the item short
    assert not CarePackageGrant.objects.exists()
    assert not StockMovement.objects.exists()
