"""Discounted meals: offers nearby, the courier's single-use QR code, the merchant's confirmation."""

import datetime

import pytest
from django.utils import timezone

from nuanxin.accounts.tests.factories import bearer
from nuanxin.care.models import ServiceRecord
from nuanxin.merchants.models import MealCode

from .factories import make_offer

CONFIRM = "/api/v1/merchant/meal-codes/confirm"


def confirm(api, account, token):
    return api("post", CONFIRM, {"token": token}, bearer(account))


def test_a_courier_finds_offers_near_them_nearest_first(api, shops, me):
    status, body = api(
        "get", "/api/v1/merchants/offers?lat=39.1189&lng=117.1939&radius_m=50000", headers=bearer(me.user)
    )
    assert status == 200
    assert [row["title"] for row in body] == ["牛肉面套餐", "爱心理发"]
    assert body[0]["distance_m"] == 0 and body[0]["is_served_now"] is True
    status, near = api(
        "get", "/api/v1/merchants/offers?lat=39.1189&lng=117.1939&radius_m=1000", headers=bearer(me.user)
    )
    assert [row["title"] for row in near] == ["牛肉面套餐"]


def test_without_a_location_the_courier_sees_the_offers_of_their_work_area(api, shops, me):
    _status, body = api("get", "/api/v1/merchants/offers", headers=bearer(me.user))
    assert [row["merchant_name"] for row in body] == ["老王面馆"]


def test_offers_are_for_signed_in_couriers(api, shops, auth):
    assert api("get", "/api/v1/merchants/offers")[0] == 401
    assert api("get", "/api/v1/merchants/offers", headers=auth("street_staff"))[0] == 403


def test_the_courier_gets_a_short_lived_code_with_its_qr(issue, shops):
    status, body = issue(shops["meal"])
    assert status == 201
    assert body["token"].startswith("NXM1.")
    assert body["qr_svg"].startswith("<svg")
    expires_at = datetime.datetime.fromisoformat(body["expires_at"])
    assert timezone.now() < expires_at <= timezone.now() + datetime.timedelta(minutes=5)


def test_the_merchant_confirms_a_code_once_and_the_meal_counts_one_service(api, issue, shops, me):
    _status, code = issue(shops["meal"])

    status, body = confirm(api, shops["wang"], code["token"])

    assert status == 200
    assert body["offer_title"] == "牛肉面套餐" and body["courier_name"] == "张三"
    record = ServiceRecord.objects.get()
    assert record.kind == ServiceRecord.Kind.MEAL and record.courier == me
    assert record.area == shops["noodles"].area


def test_a_replayed_code_is_refused_and_counts_nothing_more(api, issue, shops):
    _status, code = issue(shops["meal"])
    confirm(api, shops["wang"], code["token"])

    status, body = confirm(api, shops["wang"], code["token"])

    assert status == 409 and body["code"] == "already_used"
    assert ServiceRecord.objects.count() == 1


def test_an_expired_code_is_refused(api, issue, shops):
    _status, code = issue(shops["meal"])
    MealCode.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    status, body = confirm(api, shops["wang"], code["token"])

    assert status == 410 and body["errors"][0]["field"] == "token"
    assert MealCode.objects.get().redeemed_at is None
    assert not ServiceRecord.objects.exists()


@pytest.mark.parametrize(
    "forge",
    [
        lambda token: token[:-1] + ("0" if token[-1] != "0" else "1"),  # altered signature
        lambda token: token.replace(token.split(".")[2], "0" * 32),  # another nonce, old signature
        lambda token: "NXM1.abc.def.123",
        lambda token: "hello",
    ],
)
def test_a_forged_code_is_refused(api, issue, shops, forge):
    _status, code = issue(shops["meal"])

    status, body = confirm(api, shops["wang"], forge(code["token"]))

    assert status == 422 and body["errors"][0]["field"] == "token"
    assert MealCode.objects.get().redeemed_at is None
    assert not ServiceRecord.objects.exists()


def test_a_merchant_cannot_confirm_another_merchants_offer(api, issue, shops):
    _status, code = issue(shops["meal"])

    status, _body = confirm(api, shops["li"], code["token"])

    assert status == 403
    assert (
        "another merchant"
        in api(
            "post", CONFIRM, {"token": code["token"]}, {**bearer(shops["li"]), "HTTP_ACCEPT_LANGUAGE": "en"}
        )[1]["message"]
    )
    assert MealCode.objects.get().redeemed_at is None
    # the right merchant still can
    assert confirm(api, shops["wang"], code["token"])[0] == 200


@pytest.mark.parametrize("who", ["street_staff", "courier"])
def test_only_merchant_accounts_confirm_codes(api, auth, issue, shops, who):
    _status, code = issue(shops["meal"])
    status, _body = api("post", CONFIRM, {"token": code["token"]}, auth(who))
    assert status == 403
    assert MealCode.objects.get().redeemed_at is None


def test_a_fresh_code_retires_the_one_before(api, issue, shops):
    _status, first = issue(shops["meal"])
    _status, second = issue(shops["meal"])

    assert confirm(api, shops["wang"], first["token"])[0] == 410
    assert confirm(api, shops["wang"], second["token"])[0] == 200


def test_no_code_outside_the_offers_time_windows(issue, shops):
    now = timezone.localtime()
    other_day = (now.weekday() + 1) % 7
    breakfast = make_offer(
        shops["noodles"], title="早餐", windows=((other_day, datetime.time(7), datetime.time(9)),)
    )

    status, body = issue(breakfast)

    assert status == 422 and body["errors"][0]["field"] == "offer_id"
    assert not MealCode.objects.exists()


def test_an_inactive_offer_gives_no_code(issue, shops):
    shops["meal"].is_active = False
    shops["meal"].save()
    assert issue(shops["meal"])[0] == 404


def test_a_merchant_account_lists_only_its_own_offers(api, shops, auth):
    status, body = api("get", "/api/v1/merchant/offers", headers=bearer(shops["wang"]))
    assert status == 200 and [row["title"] for row in body] == ["牛肉面套餐"]
    assert api("get", "/api/v1/merchant/offers", headers=auth("street_staff"))[0] == 403
