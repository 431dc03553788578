"""Redemption through the API: the courier's signed single-use code, the merchant's confirmation."""

import datetime

import pytest
from django.utils import timezone

from nuanxin.accounts.tests.factories import bearer
from nuanxin.care.models import ServiceRecord
from nuanxin.couriers.tests.factories import make_courier
from nuanxin.points import services
from nuanxin.points.models import LedgerEntry, RedeemCode, Reward

from .factories import assert_ledger_balances, balance_points

CONFIRM = "/api/v1/merchant/points/redeem-codes/confirm"


def confirm(api, account, token):
    return api("post", CONFIRM, {"token": token}, bearer(account))


def give(courier, points):
    return services.points_award(actor=None, courier=courier, rule_code="gift", quantity=points)


@pytest.fixture
def rich_me(me, areas):
    from .factories import make_rule

    make_rule(areas["city"], code="gift", kind="event_attended", points_per_unit=1)
    give(me, 250)
    return me


def stock_of(reward):
    return Reward.objects.get(pk=reward.pk).stock


def test_the_courier_sees_balance_and_rewards(api, rich_me, shops):
    status, balance = api("get", "/api/v1/me/points", headers=bearer(rich_me.user))
    assert status == 200 and balance["points"] == 250
    _status, rewards = api("get", "/api/v1/points/rewards", headers=bearer(rich_me.user))
    assert [reward["title"] for reward in rewards] == ["免费洗澡", "爱心理发"]
    _status, history = api("get", "/api/v1/me/points/entries", headers=bearer(rich_me.user))
    assert [(entry["kind"], entry["points"]) for entry in history] == [("earn", 250)]


def test_the_merchant_confirms_a_code_and_points_and_stock_move_together(api, issue, rich_me, shops):
    status, code = issue(shops["haircut"])
    assert status == 201 and code["token"].startswith("NXP1.") and code["qr_svg"].startswith("<svg")

    status, body = confirm(api, shops["wang"], code["token"])

    assert status == 200 and body["reward_title"] == "爱心理发" and body["points"] == 100
    assert body["courier_name"] == "张三"
    assert balance_points(rich_me) == 150 and stock_of(shops["haircut"]) == 4
    assert ServiceRecord.objects.filter(courier=rich_me).count() == 1
    assert_ledger_balances(rich_me)
    _status, redemptions = api("get", "/api/v1/merchant/points/redemptions", headers=bearer(shops["wang"]))
    assert [row["reward_title"] for row in redemptions] == ["爱心理发"]
    _status, none = api("get", "/api/v1/merchant/points/redemptions", headers=bearer(shops["li"]))
    assert none == []


def test_a_replayed_code_is_refused_and_nothing_more_is_spent(api, issue, rich_me, shops):
    _status, code = issue(shops["haircut"])
    confirm(api, shops["wang"], code["token"])

    status, body = confirm(api, shops["wang"], code["token"])

    assert status == 409 and body["code"] == "already_used"
    assert balance_points(rich_me) == 150 and stock_of(shops["haircut"]) == 4


def test_an_expired_code_is_refused(api, issue, rich_me, shops):
    _status, code = issue(shops["haircut"])
    RedeemCode.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    status, body = confirm(api, shops["wang"], code["token"])

    assert status == 410 and body["code"] == "expired"
    assert balance_points(rich_me) == 250 and stock_of(shops["haircut"]) == 5


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-1] + ("0" if token[-1] != "0" else "1"),
        lambda token: token.replace("NXP1", "NXM1"),
        lambda token: "NXP1.abc.def.0123",
        lambda token: "",
    ],
)
def test_a_forged_or_altered_code_is_refused(api, issue, rich_me, shops, mangle):
    _status, code = issue(shops["haircut"])

    status, body = confirm(api, shops["wang"], mangle(code["token"]))

    assert status == 422 and body["errors"][0]["field"] == "token"
    assert balance_points(rich_me) == 250


def test_another_merchants_account_cannot_confirm(api, issue, rich_me, shops, users):
    _status, code = issue(shops["haircut"])

    assert confirm(api, shops["li"], code["token"])[0] == 403
    assert confirm(api, users["street_staff"], code["token"])[0] == 403
    assert confirm(api, rich_me.user, code["token"])[0] == 403
    assert api("post", CONFIRM, {"token": code["token"]})[0] == 401
    assert balance_points(rich_me) == 250 and RedeemCode.objects.get().redeemed_at is None


def test_a_new_code_replaces_the_one_before(api, issue, rich_me, shops):
    _status, first = issue(shops["haircut"])
    _status, second = issue(shops["haircut"])

    assert confirm(api, shops["wang"], first["token"])[0] == 410
    assert confirm(api, shops["wang"], second["token"])[0] == 200


def test_beyond_the_balance_is_refused_at_issue_and_at_confirmation(api, issue, rich_me, shops):
    status, body = issue(shops["haircut"], courier=make_courier(area=shops["barber"].area))
    assert status == 422 and "积分不足" in body["errors"][0]["message"]

    # given two codes that each fit the balance of 250, but not three of them together
    tokens = []
    for _ in range(3):
        reward = Reward.objects.create(merchant=shops["barber"], title="洗剪吹", points_price=100, stock=5)
        tokens.append(issue(reward)[1]["token"])
    outcomes = [confirm(api, shops["wang"], token)[0] for token in tokens]

    assert outcomes == [200, 200, 409]
    assert balance_points(rich_me) == 50 and LedgerEntry.objects.filter(kind="spend").count() == 2
    assert_ledger_balances(rich_me)


def test_beyond_the_stock_is_refused(api, issue, rich_me, shops):
    Reward.objects.filter(pk=shops["bathe"].pk).update(stock=1)
    _status, mine = issue(shops["bathe"])
    other = make_courier(area=shops["bath"].area)
    give(other, 100)
    _status, theirs = issue(shops["bathe"], courier=other)

    assert confirm(api, shops["li"], mine["token"])[0] == 200
    status, body = confirm(api, shops["li"], theirs["token"])

    assert status == 409 and body["code"] == "out_of_stock"
    assert stock_of(shops["bathe"]) == 0 and balance_points(other) == 100
    assert issue(shops["bathe"], courier=other)[0] == 422


def test_couriers_only_see_their_own_points(api, rich_me, users, auth):
    other = make_courier(area=rich_me.work_area)
    _status, balance = api("get", "/api/v1/me/points", headers=bearer(other.user))
    assert balance["points"] == 0
    assert api("get", "/api/v1/me/points")[0] == 401
    assert api("get", "/api/v1/me/points", headers=auth("street_staff"))[0] == 403


def test_list_endpoints_take_a_constant_number_of_queries(api, rich_me, shops, django_assert_max_num_queries):
    for points in (10, 20, 30):
        give(rich_me, points)
    for index in range(5):
        Reward.objects.create(merchant=shops["barber"], title=f"奖励{index}", points_price=10, stock=1)
    headers = bearer(rich_me.user)

    with django_assert_max_num_queries(6):
        _status, history = api("get", "/api/v1/me/points/entries", headers=headers)
    with django_assert_max_num_queries(6):
        _status, rewards = api("get", "/api/v1/points/rewards", headers=headers)

    assert len(history) == 4 and len(rewards) == 7
