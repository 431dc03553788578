"""The merchant's counter pages: /m/merchant/ (today's meals) and /m/merchant/scan/ (confirm a code)."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from nuanxin.care.models import ServiceRecord
from nuanxin.couriers.tests.factories import make_courier
from nuanxin.merchants import services
from nuanxin.merchants.models import MealCode

pytestmark = pytest.mark.django_db

SCAN = "/m/merchant/scan/"
HOME = "/m/merchant/"
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def in_english(client):
    """The assertions below read the English source strings; one test switches to Chinese."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def fresh_token(courier, offer, at=None):
    _code, token = services.meal_code_issue(courier=courier, offer=offer, at=at)
    return token


def nothing_confirmed():
    return (
        not MealCode.objects.filter(redeemed_at__isnull=False).exists() and not ServiceRecord.objects.exists()
    )


def test_the_merchant_scans_a_code_and_sees_a_big_green_confirmation(client, shops, me):
    # given the courier 张三 shows a fresh code for 老王面馆's 牛肉面套餐
    token = fresh_token(me, shops["meal"])
    client.force_login(shops["wang"])

    # when the merchant's scanner types it into the form
    response = client.post(SCAN, {"token": token})

    # then the meal is confirmed: whole page, green, offer and masked courier, one service record
    content = response.content.decode()
    assert response.status_code == 200
    assert 'data-scan-result="ok"' in content and "<html" in content
    assert "牛肉面套餐" in content and "¥10.00" in content
    assert "张*" in content and "张三" not in content
    assert me.phone_masked in content and me.phone_masked.replace("****", "") not in content
    code = MealCode.objects.get()
    assert code.redeemed_by == shops["wang"] and code.redeemed_at is not None
    assert ServiceRecord.objects.filter(kind="meal", courier=me).count() == 1


def test_an_htmx_scan_gets_only_the_result_fragment(client, shops, me):
    client.force_login(shops["wang"])

    confirmed = client.post(SCAN, {"token": fresh_token(me, shops["meal"])}, headers=HTMX)
    refused = client.post(SCAN, {"token": "NXM1.forged"}, headers=HTMX)

    assert confirmed.status_code == 200
    assert b'data-scan-result="ok"' in confirmed.content and b"<html" not in confirmed.content
    assert b"1 meal confirmed today" in confirmed.content
    # a refusal is a 400 fragment: the site's htmx config swaps 400s into the page
    assert refused.status_code == 400
    assert b'data-scan-result="refused"' in refused.content and b"<html" not in refused.content


def altered(token):
    """The token with the last character of its signature changed (always a different one)."""
    return token[:-1] + ("1" if token[-1] == "0" else "0")


@pytest.mark.parametrize(
    ("case", "status", "code", "message"),
    [
        ("forged", 422, "validation_error", "This is not a valid meal code."),
        ("altered", 422, "validation_error", "This is not a valid meal code."),
        ("empty", 400, "invalid", "This field is required."),
        ("expired", 410, "expired", "This meal code has expired. Ask the courier to refresh it."),
        ("other_merchant", 403, "permission_denied", "This meal code is for another merchant&#x27;s offer."),
    ],
)
def test_a_bad_code_is_refused_with_its_reason_and_nothing_changes(
    client, shops, me, case, status, code, message
):
    # given a code that must not be served
    token = {
        "forged": lambda: "NXM1." + "0" * 32 + "." + "1" * 32 + "." + "2" * 64,
        "altered": lambda: altered(fresh_token(me, shops["meal"])),
        "empty": lambda: "   ",
        "expired": lambda: fresh_token(me, shops["meal"], at=timezone.now() - datetime.timedelta(minutes=10)),
        "other_merchant": lambda: fresh_token(me, shops["haircut"]),  # 小李理发's offer, scanned at 老王面馆
    }[case]()
    client.force_login(shops["wang"])

    response = client.post(SCAN, {"token": token})

    content = response.content.decode()
    assert response.status_code == status
    assert f'data-code="{code}"' in content and message in content
    assert nothing_confirmed()


def test_a_replayed_code_is_refused_and_the_meal_counted_once(client, shops, me):
    token = fresh_token(me, shops["meal"])
    client.force_login(shops["wang"])
    client.post(SCAN, {"token": token})

    again = client.post(SCAN, {"token": token})

    assert again.status_code == 409
    assert "This meal code has already been used." in again.content.decode()
    assert ServiceRecord.objects.count() == 1


def test_the_refusal_follows_the_language_of_the_request(client, shops, me):
    client.force_login(shops["wang"])
    token = fresh_token(me, shops["meal"])
    client.post(SCAN, {"token": token})

    again = client.post(SCAN, {"token": token}, headers={"Accept-Language": "zh-hans", **HTMX})

    assert again.status_code == 400
    assert "该用餐码已使用。" in again.content.decode()


@pytest.mark.parametrize("who", ["courier", "street_staff", "steward"])
def test_only_merchant_accounts_may_use_the_counter_pages(client, shops, me, users, who):
    # given a fresh code and someone signed in who is not a merchant account
    token = fresh_token(me, shops["meal"])
    client.force_login(me.user if who == "courier" else users[who])

    # then every page answers 403 and the code is not used
    assert client.get(HOME).status_code == 403
    assert client.get(SCAN).status_code == 403
    assert client.post(SCAN, {"token": token}).status_code == 403
    assert nothing_confirmed()


def test_anonymous_visitors_are_sent_to_sign_in(client, shops, me):
    token = fresh_token(me, shops["meal"])

    response = client.post(SCAN, {"token": token})

    assert response.status_code == 302 and "login" in response["Location"]
    assert client.get(HOME).status_code == 302
    assert nothing_confirmed()


def test_the_scan_form_needs_the_csrf_token(shops, me):
    strict = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    strict.force_login(shops["wang"])
    token = fresh_token(me, shops["meal"])

    assert strict.post(SCAN, {"token": token}).status_code == 403
    assert nothing_confirmed()

    page = strict.get(SCAN)
    assert page.status_code == 200 and b"csrfmiddlewaretoken" in page.content
    assert b"data-scan-camera" in page.content and b"js/scan.js" in page.content
    csrf = page.context["csrf_token"]
    assert strict.post(SCAN, {"token": token, "csrfmiddlewaretoken": str(csrf)}).status_code == 200


def test_the_home_page_lists_only_todays_meals_of_this_merchant(
    client, shops, me, areas, django_assert_max_num_queries
):
    # given two meals at 老王面馆 today, one yesterday, and one at 小李理发 today
    other = make_courier(area=areas["street"], name="李四")
    services.meal_code_confirm(actor=shops["wang"], token=fresh_token(me, shops["meal"]))
    services.meal_code_confirm(actor=shops["wang"], token=fresh_token(other, shops["meal"]))
    old = services.meal_code_confirm(actor=shops["wang"], token=fresh_token(other, shops["meal"]))
    MealCode.objects.filter(pk=old.pk).update(redeemed_at=timezone.now() - datetime.timedelta(days=1))
    services.meal_code_confirm(actor=shops["li"], token=fresh_token(me, shops["haircut"]))
    client.force_login(shops["wang"])

    with django_assert_max_num_queries(8):
        response = client.get(HOME)

    content = response.content.decode()
    assert response.status_code == 200
    assert content.count("data-meal=") == 2
    assert "2 meals confirmed today" in content and "¥20.00" in content
    assert "张*" in content and "李*" in content and "爱心理发" not in content
    assert 'href="/m/merchant/scan/"' in content


def test_the_home_page_of_another_merchant_shows_none_of_these_meals(client, shops, me):
    services.meal_code_confirm(actor=shops["wang"], token=fresh_token(me, shops["meal"]))
    client.force_login(shops["li"])

    response = client.get(HOME)

    assert response.status_code == 200
    assert b"data-meal=" not in response.content and "牛肉面套餐" not in response.content.decode()


def test_a_merchant_signs_in_on_the_phone_and_lands_on_the_scan_page(client, shops):
    # given a merchant account with a password (not back-office staff)
    shops["wang"].set_password("counter-pass-1")
    shops["wang"].save()
    redirect = client.get(SCAN)
    assert redirect.status_code == 302 and redirect["Location"].startswith("/m/merchant/login/?next=")

    wrong = client.post(redirect["Location"], {"username": shops["wang"].username, "password": "nope"})
    right = client.post(
        redirect["Location"], {"username": shops["wang"].username, "password": "counter-pass-1"}
    )

    assert wrong.status_code == 200 and b'role="alert"' in wrong.content
    assert right.status_code == 302 and right["Location"] == SCAN
    assert client.get(SCAN).status_code == 200


def test_the_same_counter_page_confirms_a_points_redeem_code(client, shops, me):
    from nuanxin.points import services as points_services
    from nuanxin.points.models import Balance
    from nuanxin.points.tests.factories import make_reward, make_rule

    # given a courier with 150 points and a reward of 老王面馆 worth 100
    make_rule(shops["noodles"].area, code="gift", kind="event_attended", points_per_unit=1)
    points_services.points_award(actor=None, courier=me, rule_code="gift", quantity=150)
    reward = make_reward(shops["noodles"], title="免费牛肉面", points_price=100, stock=2)
    _code, token = points_services.redeem_code_issue(courier=me, reward=reward)
    client.force_login(shops["wang"])

    # when the merchant scans the redeem code at the counter
    response = client.post(SCAN, {"token": token})

    # then it is confirmed like a meal code, and points and stock changed once
    content = response.content.decode()
    assert response.status_code == 200 and 'data-scan-result="ok"' in content
    assert "免费牛肉面" in content and "100 points" in content
    assert Balance.objects.get(courier=me).points == 50
    reward.refresh_from_db()
    assert reward.stock == 1
    # and a replay is refused with nothing changed
    again = client.post(SCAN, {"token": token})
    assert again.status_code == 409
    assert Balance.objects.get(courier=me).points == 50
