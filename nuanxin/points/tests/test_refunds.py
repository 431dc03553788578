"""Refunds: a merchant (within the window) or area staff (any time) cancels a confirmed redemption;
the points come back as a lot that keeps the earliest expiry of the lots spent, the stock goes up
by one, the code is marked refunded — once."""

import datetime

import pytest
from django.utils import timezone

from nuanxin.accounts.tests.factories import bearer
from nuanxin.core.models import AuditEntry
from nuanxin.points import services
from nuanxin.points.models import LedgerEntry, Lot, RedeemCode, Reward

from .factories import assert_ledger_balances, balance_points, make_rule

CONFIRM = "/api/v1/merchant/points/redeem-codes/confirm"
T0 = timezone.make_aware(datetime.datetime(2026, 3, 2, 12, 0))


def merchant_refund_url(code_id):
    return f"/api/v1/merchant/points/redemptions/{code_id}/refund"


def staff_refund_url(code_id):
    return f"/api/v1/manage/points/redemptions/{code_id}/refund"


@pytest.fixture
def gift(areas):
    return make_rule(areas["city"], code="gift", kind="event_attended", points_per_unit=1)


def give(courier, points, at=None):
    return services.points_award(actor=None, courier=courier, rule_code="gift", quantity=points, at=at)


@pytest.fixture
def redeemed(api, gift, me, shops, issue):
    """张三 had 250 points and redeemed 爱心理发 (100 points) at 老王理发, confirmed by wang."""
    give(me, 250)
    _status, code = issue(shops["haircut"])
    status, body = api("post", CONFIRM, {"token": code["token"]}, bearer(shops["wang"]))
    assert status == 200 and balance_points(me) == 150
    return body["id"]


def stock_of(reward):
    return Reward.objects.get(pk=reward.pk).stock


def unchanged(me, shops):
    return (
        balance_points(me) == 150
        and stock_of(shops["haircut"]) == 4
        and not LedgerEntry.objects.filter(kind="refund").exists()
        and not RedeemCode.objects.filter(refunded_at__isnull=False).exists()
    )


def test_the_merchant_cancels_a_redemption_and_points_and_stock_come_back(api, me, shops, redeemed):
    status, body = api(
        "post", merchant_refund_url(redeemed), {"reason": "顾客临时有事"}, bearer(shops["wang"])
    )

    assert status == 200 and body["refunded_at"] and body["refund_reason"] == "顾客临时有事"
    assert body["merchant_refund_until"] is None
    assert balance_points(me) == 250 and stock_of(shops["haircut"]) == 5
    # the courier's history shows the refund, with the merchant, the reward and the reason
    _status, entries = api("get", "/api/v1/me/points/entries", headers=bearer(me.user))
    assert (entries[0]["kind"], entries[0]["points"]) == ("refund", 100)
    assert "老王理发" in entries[0]["note"] and "顾客临时有事" in entries[0]["note"]
    # a new lot with the expiry of the lot the points were spent from
    earned_lot = Lot.objects.get(entry__kind="earn")
    refund_lot = Lot.objects.get(entry__kind="refund")
    assert refund_lot.points == refund_lot.remaining == 100
    assert refund_lot.expires_at == earned_lot.expires_at
    audit = AuditEntry.objects.get(
        object_type="points.redeemcode", action="transition", message="顾客临时有事"
    )
    assert audit.changes["points"] == 100 and audit.changes["by"] == "merchant"
    assert_ledger_balances(me, at=timezone.now())


def test_a_second_refund_is_refused_and_changes_nothing(api, me, shops, users, auth, redeemed):
    assert api("post", merchant_refund_url(redeemed), {"reason": "退"}, bearer(shops["wang"]))[0] == 200

    status, body = api("post", merchant_refund_url(redeemed), {"reason": "再退"}, bearer(shops["wang"]))
    assert status == 409 and body["code"] == "already_refunded"
    status, body = api("post", staff_refund_url(redeemed), {"reason": "再退"}, auth("street_staff"))
    assert status == 409 and body["code"] == "already_refunded"

    assert balance_points(me) == 250 and stock_of(shops["haircut"]) == 5
    assert LedgerEntry.objects.filter(kind="refund").count() == 1
    assert_ledger_balances(me)


def test_a_refunded_code_cannot_be_confirmed_again(api, me, shops, issue, gift):
    give(me, 100)
    _status, code = issue(shops["haircut"])
    _status, body = api("post", CONFIRM, {"token": code["token"]}, bearer(shops["wang"]))
    api("post", merchant_refund_url(body["id"]), {"reason": "退"}, bearer(shops["wang"]))

    status, again = api("post", CONFIRM, {"token": code["token"]}, bearer(shops["wang"]))

    assert status == 409 and again["code"] == "already_used"
    assert balance_points(me) == 100


@pytest.mark.parametrize(
    ("who", "expected"),
    [(None, 401), ("courier", 403), ("staff", 403), ("li", 404)],
)
def test_who_may_refund_on_the_merchant_endpoint(api, me, shops, users, redeemed, who, expected):
    headers = {"courier": bearer(me.user), "staff": bearer(users["street_staff"]), "li": bearer(shops["li"])}

    status, _body = api("post", merchant_refund_url(redeemed), {"reason": "退"}, headers.get(who))

    assert status == expected
    assert unchanged(me, shops)


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("courier", 403),
        ("steward", 403),
        ("other_street_staff", 404),
        ("other_district_staff", 404),
        ("street_staff", 200),
        ("district_staff", 200),
        ("city_staff", 200),
    ],
)
def test_who_may_refund_on_the_staff_endpoint(api, me, shops, users, auth, redeemed, who, expected):
    status, _body = api("post", staff_refund_url(redeemed), {"reason": "服务未提供"}, auth(who))

    assert status == expected
    if expected == 200:
        assert balance_points(me) == 250 and stock_of(shops["haircut"]) == 5
    else:
        assert unchanged(me, shops)


def test_a_merchant_with_another_merchants_code_or_a_wrong_id_gets_404(api, me, shops, redeemed):
    assert api("post", merchant_refund_url(redeemed), {"reason": "退"}, bearer(shops["li"]))[0] == 404
    other = "00000000-0000-0000-0000-000000000000"
    assert api("post", merchant_refund_url(other), {"reason": "退"}, bearer(shops["wang"]))[0] == 404
    assert unchanged(me, shops)


def test_a_refund_needs_a_reason(api, me, shops, redeemed):
    status, body = api("post", merchant_refund_url(redeemed), {"reason": "  "}, bearer(shops["wang"]))

    assert status == 422 and body["errors"][0]["field"] == "reason"
    assert unchanged(me, shops)


def test_after_the_window_only_staff_can_refund(api, me, shops, auth, gift, settings):
    settings.NUANXIN_POINTS_REFUND_HOURS = 2
    give(me, 250, at=timezone.now() - datetime.timedelta(hours=4))
    three_hours_ago = timezone.now() - datetime.timedelta(hours=3)
    _code, token = services.redeem_code_issue(courier=me, reward=shops["haircut"], at=three_hours_ago)
    code = services.redeem_code_confirm(actor=shops["wang"], token=token, at=three_hours_ago)

    status, body = api("post", merchant_refund_url(code.public_id), {"reason": "退"}, bearer(shops["wang"]))
    assert status == 409 and body["code"] == "refund_window_passed"
    assert "2" in body["message"]
    assert balance_points(me) == 150

    status, body = api("post", staff_refund_url(code.public_id), {"reason": "商户申请"}, auth("street_staff"))
    assert status == 200 and balance_points(me) == 250
    assert_ledger_balances(me)


def test_the_merchants_list_shows_the_refund_window_and_the_refund(api, shops, redeemed, settings):
    _status, rows = api("get", "/api/v1/merchant/points/redemptions", headers=bearer(shops["wang"]))
    until = datetime.datetime.fromisoformat(rows[0]["merchant_refund_until"])
    confirmed = datetime.datetime.fromisoformat(rows[0]["confirmed_at"])
    assert until - confirmed == datetime.timedelta(hours=24)

    api("post", merchant_refund_url(redeemed), {"reason": "退"}, bearer(shops["wang"]))
    _status, rows = api("get", "/api/v1/merchant/points/redemptions", headers=bearer(shops["wang"]))

    assert rows[0]["refunded_at"] and rows[0]["refund_reason"] == "退"


def test_staff_list_redemptions_of_their_area_only(api, auth, redeemed):
    _status, mine = api("get", "/api/v1/manage/points/redemptions", headers=auth("street_staff"))
    _status, theirs = api("get", "/api/v1/manage/points/redemptions", headers=auth("other_street_staff"))

    assert [row["id"] for row in mine] == [redeemed] and theirs == []
    assert api("get", "/api/v1/manage/points/redemptions", headers=auth("courier"))[0] == 403


def test_the_restored_points_keep_the_earliest_expiry_of_the_lots_spent(me, shops, users, gift, settings):
    settings.NUANXIN_POINTS_LOT_LIFE_DAYS = 30
    # given lots of 60 (expiring T0+30d) and 100 (T0+40d); 100 spent takes 60 + 40
    older = give(me, 60, at=T0).entry
    give(me, 100, at=T0 + datetime.timedelta(days=10))
    spent_at = T0 + datetime.timedelta(days=11)
    _code, token = services.redeem_code_issue(courier=me, reward=shops["haircut"], at=spent_at)
    code = services.redeem_code_confirm(actor=shops["wang"], token=token, at=spent_at)
    assert sorted(code.entry.draws.values_list("points", flat=True)) == [40, 60]

    # when staff refund it the next day
    services.redeem_code_refund(
        actor=users["street_staff"], code=code, reason="理发店停业", at=spent_at + datetime.timedelta(days=1)
    )

    # then one lot of 100 comes back with the expiry of the older lot
    refund_lot = Lot.objects.get(entry__kind="refund")
    assert refund_lot.remaining == 100 and refund_lot.expires_at == older.created_lot.expires_at
    assert balance_points(me) == 160
    assert_ledger_balances(me, at=spent_at + datetime.timedelta(days=1))


def test_points_refunded_after_their_expiry_expire_at_once(me, shops, users, gift, settings):
    settings.NUANXIN_POINTS_LOT_LIFE_DAYS = 30
    give(me, 100, at=T0)
    give(me, 50, at=T0 + datetime.timedelta(days=10))
    _code, token = services.redeem_code_issue(courier=me, reward=shops["haircut"], at=T0)
    code = services.redeem_code_confirm(actor=shops["wang"], token=token, at=T0)
    late = T0 + datetime.timedelta(days=31)

    services.redeem_code_refund(actor=users["street_staff"], code=code, reason="迟到的退款", at=late)

    # the refund is shown, and so is the expiry those points would have had
    entries = list(LedgerEntry.objects.order_by("id").values_list("kind", "points"))
    assert entries[-2:] == [("refund", 100), ("expire", -100)]
    assert balance_points(me) == 50 and stock_of(shops["haircut"]) == 5
    assert RedeemCode.objects.get().refunded_at == late
    assert_ledger_balances(me, at=late)


# --- pages --------------------------------------------------------------------------------------

REDEMPTIONS = "/m/merchant/redemptions/"


def refund_page_url(code_id):
    return f"/m/merchant/redemptions/{code_id}/refund/"


def test_the_merchant_counter_lists_redemptions_and_cancels_one(client, me, shops, redeemed):
    client.force_login(shops["wang"])
    assert "data-redemptions-link" in client.get("/m/merchant/").content.decode()

    page = client.get(REDEMPTIONS).content.decode()

    # time, reward, points and the masked courier; a cancel form
    assert f'data-redemption="{redeemed}"' in page
    assert "爱心理发" in page and "100" in page
    assert "张*" in page and "张三" not in page
    assert "data-refund-form" in page

    response = client.post(refund_page_url(redeemed), {"reason": "顾客不需要了"})

    assert response.status_code == 302 and response["Location"].endswith(f"?refunded={redeemed}")
    after = client.get(response["Location"]).content.decode()
    assert f'data-refunded="{redeemed}"' in after and "顾客不需要了" in after
    assert "data-refund-form" not in after
    assert balance_points(me) == 250 and stock_of(shops["haircut"]) == 5


def test_the_counter_page_refuses_what_the_service_refuses(client, me, shops, redeemed):
    client.force_login(shops["wang"])

    response = client.post(refund_page_url(redeemed), {"reason": ""})
    assert response.status_code == 400 and "data-refused" in response.content.decode()
    assert unchanged(me, shops)

    client.post(refund_page_url(redeemed), {"reason": "退"})
    again = client.post(refund_page_url(redeemed), {"reason": "退"})
    assert again.status_code == 409 and 'data-refused="already_refunded"' in again.content.decode()
    assert LedgerEntry.objects.filter(kind="refund").count() == 1


def test_past_the_window_the_counter_shows_no_cancel_button(client, me, shops, redeemed, settings):
    RedeemCode.objects.filter(public_id=redeemed).update(
        redeemed_at=timezone.now() - datetime.timedelta(hours=25)
    )
    client.force_login(shops["wang"])

    assert "data-refund-form" not in client.get(REDEMPTIONS).content.decode()
    response = client.post(refund_page_url(redeemed), {"reason": "退"})

    assert response.status_code == 409 and 'data-refused="refund_window_passed"' in response.content.decode()
    assert unchanged(me, shops)


def test_the_counter_pages_are_for_the_merchants_own_redemptions(client, me, shops, users, redeemed):
    assert client.get(REDEMPTIONS).status_code == 302  # to the merchant sign-in
    client.force_login(me.user)
    assert client.get(REDEMPTIONS).status_code == 403
    client.force_login(users["street_staff"])
    assert client.post(refund_page_url(redeemed), {"reason": "退"}).status_code == 403
    client.force_login(shops["li"])
    assert redeemed not in client.get(REDEMPTIONS).content.decode()
    assert client.post(refund_page_url(redeemed), {"reason": "退"}).status_code == 404
    assert unchanged(me, shops)


def test_the_courier_sees_the_refund_in_the_history(client, api, me, shops, redeemed):
    api("post", merchant_refund_url(redeemed), {"reason": "顾客临时有事"}, bearer(shops["wang"]))
    client.force_login(me.user)

    page = client.get("/m/points/").content.decode()

    assert 'data-entry="refund"' in page and "+100" in page and "顾客临时有事" in page
    assert "data-refunded" in page  # the spend is marked refunded
    assert 'data-balance="250"' in page


# --- back office --------------------------------------------------------------------------------

CHANGELIST = "/admin/points/redeemcode/"


def test_staff_refund_from_the_back_office_with_a_reason(client, me, shops, users, redeemed):
    code = RedeemCode.objects.get(public_id=redeemed)
    client.force_login(users["street_staff"])
    assert "爱心理发" in client.get(CHANGELIST).content.decode()
    selection = {"action": "refund", "_selected_action": [code.pk]}

    # the action first asks for the reason
    asked = client.post(CHANGELIST, selection)
    assert asked.status_code == 200 and "data-refund-form" in asked.content.decode()
    without_reason = client.post(CHANGELIST, {**selection, "confirm": "yes", "reason": ""})
    assert without_reason.status_code == 200 and "errornote" in without_reason.content.decode()
    assert unchanged(me, shops)

    done = client.post(CHANGELIST, {**selection, "confirm": "yes", "reason": "商户反映服务未完成"})

    assert done.status_code == 302
    code.refresh_from_db()
    assert code.refunded_at is not None and code.refunded_by == users["street_staff"]
    assert balance_points(me) == 250 and stock_of(shops["haircut"]) == 5


def test_the_back_office_action_is_scoped_to_the_staff_members_area(client, me, shops, users, redeemed):
    code = RedeemCode.objects.get(public_id=redeemed)
    client.force_login(users["other_street_staff"])

    assert "爱心理发" not in client.get(CHANGELIST).content.decode()
    client.post(
        CHANGELIST,
        {"action": "refund", "_selected_action": [code.pk], "confirm": "yes", "reason": "越权"},
    )

    assert unchanged(me, shops)


def test_the_history_lists_the_refund_after_the_spend(api, me, shops, redeemed):
    api("post", merchant_refund_url(redeemed), {"reason": "退"}, bearer(shops["wang"]))
    _status, entries = api("get", "/api/v1/me/points/entries", headers=bearer(me.user))
    assert [entry["kind"] for entry in entries] == ["refund", "spend", "earn"]


def test_the_reward_price_changed_since_the_redemption_refunds_what_was_paid(api, me, shops, redeemed):
    Reward.objects.filter(pk=shops["haircut"].pk).update(points_price=300)

    status, body = api("post", merchant_refund_url(redeemed), {"reason": "退"}, bearer(shops["wang"]))

    assert status == 200 and body["points"] == 100
    assert balance_points(me) == 250
