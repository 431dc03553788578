"""Stock in and hand-outs through the API: the ledger, the balance, service records, low stock."""

import pytest
from django.db import IntegrityError, transaction

from nuanxin.care.models import ServiceRecord
from nuanxin.supplies.models import StockBalance, StockMovement

from .factories import make_item, put_stock, quantity_of

STOCK_IN = "/api/v1/manage/supplies/stock-in"
HAND_OUT = "/api/v1/manage/supplies/hand-outs"


def stock_in_body(station, item, quantity=20, **extra):
    return {
        "station_id": station.public_id,
        "item_id": item.public_id,
        "quantity": quantity,
        "source_kind": "donation",
        "source_name": "和平区慈善协会",
        **extra,
    }


def hand_out_body(station, item, courier, quantity=1):
    return {
        "station_id": station.public_id,
        "item_id": item.public_id,
        "courier_id": courier.public_id,
        "quantity": quantity,
    }


def test_a_donation_raises_the_stock_and_is_written_in_the_ledger(api, auth, stations, water):
    status, body = api("post", STOCK_IN, stock_in_body(stations["mine"], water, 24), auth("street_staff"))
    assert status == 201
    assert body["quantity"] == 24 and body["balance_after"] == 24 and body["source_name"] == "和平区慈善协会"

    api("post", STOCK_IN, stock_in_body(stations["mine"], water, 6, source_kind="purchase"), auth("steward"))

    assert quantity_of(stations["mine"], water) == 30
    assert list(
        StockMovement.objects.order_by("created_at").values_list("quantity", "balance_after", "source_kind")
    ) == [
        (24, 24, "donation"),
        (6, 30, "purchase"),
    ]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("street_staff", 201),
        ("district_staff", 201),
        ("city_staff", 201),
        ("steward", 201),
        ("other_street_staff", 404),
        ("other_district_staff", 404),
        ("courier", 404),
        (None, 401),
    ],
)
def test_who_may_take_stock_in_at_a_station(api, auth, stations, water, who, expected):
    headers = auth(who) if who else {}
    status, _body = api("post", STOCK_IN, stock_in_body(stations["mine"], water, 10), headers)
    assert status == expected
    assert quantity_of(stations["mine"], water) == (10 if expected == 201 else 0)
    assert StockMovement.objects.count() == (1 if expected == 201 else 0)


@pytest.mark.parametrize(
    ("who", "expected"),
    [("street_staff", 201), ("steward", 201), ("other_street_staff", 404), ("courier", 404), (None, 401)],
)
def test_who_may_hand_out(api, auth, stations, water, couriers, who, expected):
    put_stock(stations["mine"], water, 3)
    headers = auth(who) if who else {}
    status, _body = api("post", HAND_OUT, hand_out_body(stations["mine"], water, couriers["me"]), headers)
    assert status == expected
    assert quantity_of(stations["mine"], water) == (2 if expected == 201 else 3)
    assert ServiceRecord.objects.count() == (1 if expected == 201 else 0)


def test_a_hand_out_lowers_the_stock_and_counts_one_service(api, auth, stations, water, couriers):
    put_stock(stations["mine"], water, 10)

    status, body = api(
        "post", HAND_OUT, hand_out_body(stations["mine"], water, couriers["me"], 2), auth("steward")
    )

    assert status == 201
    assert body["quantity"] == -2 and body["balance_after"] == 8 and body["kind"] == "hand_out"
    record = ServiceRecord.objects.get()
    assert record.kind == ServiceRecord.Kind.HAND_OUT
    assert record.courier == couriers["me"] and record.station == stations["mine"]
    assert record.source_id == str(StockMovement.objects.get().pk)


def test_a_hand_out_beyond_the_stock_is_refused_and_nothing_changes(api, auth, stations, water, couriers):
    put_stock(stations["mine"], water, 2)

    status, body = api(
        "post", HAND_OUT, hand_out_body(stations["mine"], water, couriers["me"], 3), auth("street_staff")
    )

    assert status == 422
    assert body["errors"][0]["field"] == "quantity"
    assert "2" in body["message"]
    assert quantity_of(stations["mine"], water) == 2
    assert not StockMovement.objects.exists()
    assert not ServiceRecord.objects.exists()


def test_a_hand_out_of_an_item_never_stocked_is_refused(api, auth, stations, couriers):
    item = make_item("雨衣")
    status, _body = api(
        "post", HAND_OUT, hand_out_body(stations["mine"], item, couriers["me"]), auth("steward")
    )
    assert status == 422
    assert not StockBalance.objects.exists()


def test_the_refusal_is_translated(api, auth, stations, water, couriers):
    put_stock(stations["mine"], water, 0)
    headers = {**auth("steward"), "HTTP_ACCEPT_LANGUAGE": "en"}
    _status, english = api("post", HAND_OUT, hand_out_body(stations["mine"], water, couriers["me"]), headers)
    assert english["message"].startswith("Not enough stock")


@pytest.mark.parametrize("quantity", [0, -1, 100_001])
def test_bad_quantities_are_refused_with_the_field(api, auth, stations, water, quantity):
    status, body = api(
        "post", STOCK_IN, stock_in_body(stations["mine"], water, quantity), auth("street_staff")
    )
    assert status == 422
    assert body["errors"][0]["field"] == "quantity"
    assert not StockMovement.objects.exists()


def test_an_unknown_courier_or_item_is_a_field_error(api, auth, stations, water, couriers):
    put_stock(stations["mine"], water, 5)
    body = hand_out_body(stations["mine"], water, couriers["me"])
    body["courier_id"] = "00000000-0000-0000-0000-000000000000"
    status, answer = api("post", HAND_OUT, body, auth("steward"))
    assert status == 422 and answer["errors"][0]["field"] == "courier_id"
    assert quantity_of(stations["mine"], water) == 5


def test_the_database_refuses_a_negative_balance_whatever_writes_it(stations, water):
    balance = put_stock(stations["mine"], water, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockBalance.objects.filter(pk=balance.pk).update(quantity=-1)


def test_low_stock_lists_only_what_is_at_or_under_its_threshold_in_the_actors_area(
    api, auth, stations, water
):
    masks = make_item("口罩", unit="包")
    put_stock(stations["mine"], water, 3, threshold=5)
    put_stock(stations["mine"], masks, 50, threshold=5)
    put_stock(stations["other"], water, 0, threshold=5)

    status, body = api("get", "/api/v1/manage/supplies/low-stock", headers=auth("street_staff"))
    assert status == 200
    assert [(row["station_name"], row["item_name"], row["quantity"]) for row in body] == [
        ("劝业场暖心驿站", "矿泉水", 3)
    ]
    _status, district = api("get", "/api/v1/manage/supplies/low-stock", headers=auth("district_staff"))
    assert [row["quantity"] for row in district] == [0, 3]
    status, _body = api("get", "/api/v1/manage/supplies/low-stock", headers=auth("courier"))
    assert status == 403


def test_setting_a_threshold_makes_the_stock_low(api, auth, stations, water):
    put_stock(stations["mine"], water, 8)
    status, body = api(
        "put",
        "/api/v1/manage/supplies/thresholds",
        {"station_id": stations["mine"].public_id, "item_id": water.public_id, "low_stock_threshold": 10},
        auth("steward"),
    )
    assert status == 200 and body["is_low"] is True
    status, _body = api(
        "put",
        "/api/v1/manage/supplies/thresholds",
        {"station_id": stations["mine"].public_id, "item_id": water.public_id, "low_stock_threshold": 1},
        auth("other_street_staff"),
    )
    assert status == 404
    assert StockBalance.objects.get().low_stock_threshold == 10


def test_the_stock_list_is_scoped_and_takes_a_fixed_number_of_queries(
    api, auth, stations, water, django_assert_max_num_queries
):
    for index in range(5):
        put_stock(stations["mine"], make_item(f"物资{index}"), index + 1)
    put_stock(stations["other"], water, 9)
    headers = auth("street_staff")

    with django_assert_max_num_queries(6):
        status, body = api("get", "/api/v1/manage/supplies/stock", headers=headers)

    assert status == 200
    assert len(body) == 5
    assert {row["station_name"] for row in body} == {"劝业场暖心驿站"}


def test_the_ledger_of_another_street_is_not_found(api, auth, stations):
    status, _body = api(
        "get",
        f"/api/v1/manage/supplies/movements?station_id={stations['other'].public_id}",
        headers=auth("steward"),
    )
    assert status == 404
