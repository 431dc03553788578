"""Staff register merchants and offers in their own area only."""

import pytest

from nuanxin.merchants.models import MealOffer, Merchant

from .factories import merchant_account


def merchant_body(area, **extra):
    return {
        "name": "张姐浴池",
        "kind": "bath",
        "area_code": area.code,
        "address": "南京路8号",
        "latitude": 39.12,
        "longitude": 117.19,
        **extra,
    }


def test_street_staff_register_a_merchant_with_its_account(api, auth, areas):
    account = merchant_account(areas["street"], username="zhang")
    status, body = api(
        "post",
        "/api/v1/manage/merchants",
        merchant_body(areas["street"], account_usernames=["zhang"]),
        auth("street_staff"),
    )
    assert status == 201
    assert body["account_usernames"] == ["zhang"] and body["kind"] == "bath"
    assert Merchant.objects.get().accounts.get() == account


def test_an_account_that_is_not_a_merchant_account_is_refused(api, auth, areas, users):
    status, body = api(
        "post",
        "/api/v1/manage/merchants",
        merchant_body(areas["street"], account_usernames=["street"]),
        auth("street_staff"),
    )
    assert status == 422 and body["errors"][0]["field"] == "account_usernames"
    assert not Merchant.objects.exists()


@pytest.mark.parametrize(
    ("who", "expected"),
    [("district_staff", 201), ("other_street_staff", 422), ("steward", 403), ("courier", 403), (None, 401)],
)
def test_who_may_register_a_merchant_in_a_street(api, auth, areas, who, expected):
    status, _body = api(
        "post", "/api/v1/manage/merchants", merchant_body(areas["street"]), auth(who) if who else {}
    )
    assert status == expected
    assert Merchant.objects.count() == (1 if expected == 201 else 0)


@pytest.mark.parametrize(
    ("who", "expected"), [("street_staff", 201), ("other_street_staff", 404), ("courier", 404), (None, 401)]
)
def test_who_may_add_an_offer(api, auth, shops, who, expected):
    before = MealOffer.objects.count()
    status, _body = api(
        "post",
        f"/api/v1/manage/merchants/{shops['noodles'].public_id}/offers",
        {"title": "午餐套餐", "price_fen": 1200, "windows": [{"starts_at": "11:00", "ends_at": "13:30"}]},
        auth(who) if who else {},
    )
    assert status == expected
    assert MealOffer.objects.count() == before + (1 if expected == 201 else 0)


def test_an_offer_window_ending_before_it_starts_is_refused(api, auth, shops):
    status, body = api(
        "post",
        f"/api/v1/manage/merchants/{shops['noodles'].public_id}/offers",
        {"title": "午餐套餐", "price_fen": 1200, "windows": [{"starts_at": "13:00", "ends_at": "11:00"}]},
        auth("street_staff"),
    )
    assert status == 422 and body["errors"][0]["field"] == "windows"


def test_staff_list_the_merchants_of_their_area(api, auth, shops):
    _status, street = api("get", "/api/v1/manage/merchants", headers=auth("street_staff"))
    _status, district = api("get", "/api/v1/manage/merchants", headers=auth("district_staff"))
    assert [row["name"] for row in street] == ["老王面馆"]
    assert sorted(row["name"] for row in district) == ["小李理发", "老王面馆"]
    assert (
        api("get", f"/api/v1/manage/merchants/{shops['barber'].public_id}", headers=auth("street_staff"))[0]
        == 404
    )
