"""Merchants and offers in the back office: created and edited through the services (audited),
refused with a form error and nothing saved, scoped by area."""

import datetime

import pytest

from nuanxin.core.models import AuditEntry
from nuanxin.merchants.models import MealOffer, Merchant

pytestmark = pytest.mark.django_db


def merchant_data(areas, accounts=(), **overrides):
    data = {
        "name": "张姐饺子馆",
        "kind": "restaurant",
        "area": areas["street"].pk,
        "address": "滨江道20号",
        "latitude": "39.12",
        "longitude": "117.20",
        "phone": "022-12345678",
        "description": "",
        "accounts": [account.pk for account in accounts],
    }
    return {**data, **overrides}


def offer_data(merchant, **overrides):
    data = {
        "merchant": merchant.pk,
        "title": "爱心水饺",
        "description": "",
        "price_fen": "800",
        "original_price_fen": "1500",
        "window_weekday_1": "",
        "window_from_1": "11:00",
        "window_until_1": "13:30",
        "window_weekday_2": "5",
        "window_from_2": "17:00",
        "window_until_2": "19:00",
    }
    return {**data, **overrides}


def test_street_staff_create_a_merchant_with_an_account_and_an_offer(client, users, areas, shops):
    client.force_login(users["street_staff"])

    created = client.post("/admin/merchants/merchant/add/", merchant_data(areas, accounts=[shops["wang"]]))
    merchant = Merchant.objects.get(name="张姐饺子馆")
    offered = client.post("/admin/merchants/mealoffer/add/", offer_data(merchant))

    assert created.status_code == 302, created.content.decode()[:3000]
    assert list(merchant.accounts.all()) == [shops["wang"]]
    assert offered.status_code == 302, offered.content.decode()[:3000]
    offer = MealOffer.objects.get(title="爱心水饺")
    windows = sorted(offer.windows.values_list("weekday", "starts_at", "ends_at"), key=str)
    assert windows == sorted(
        [(None, datetime.time(11), datetime.time(13, 30)), (5, datetime.time(17), datetime.time(19))], key=str
    )
    assert AuditEntry.objects.filter(object_type="merchants.merchant", action="create").count() == 1
    assert AuditEntry.objects.filter(object_type="merchants.mealoffer", action="create").count() == 1


def test_edit_a_merchant_and_an_offer_through_the_services(client, users, areas, shops):
    client.force_login(users["street_staff"])
    noodles, meal = shops["noodles"], shops["meal"]

    edited = client.post(
        f"/admin/merchants/merchant/{noodles.pk}/change/",
        merchant_data(areas, accounts=[], name="老王面馆(新店)", is_active="on"),
    )
    offer_edit = client.post(
        f"/admin/merchants/mealoffer/{meal.pk}/change/",
        offer_data(
            noodles, title="牛肉面", price_fen="900", window_weekday_2="", window_from_2="", window_until_2=""
        ),
    )

    assert edited.status_code == 302, edited.content.decode()[:3000]
    noodles.refresh_from_db()
    assert noodles.name == "老王面馆(新店)" and not noodles.accounts.exists()
    update = AuditEntry.objects.get(object_type="merchants.merchant", action="update")
    assert update.changes["name"] == ["老王面馆", "老王面馆(新店)"]
    assert offer_edit.status_code == 302, offer_edit.content.decode()[:3000]
    meal.refresh_from_db()
    assert (meal.title, meal.price_fen, meal.is_active) == ("牛肉面", 900, False)
    assert list(meal.windows.values_list("starts_at", flat=True)) == [datetime.time(11)]
    assert AuditEntry.objects.filter(object_type="merchants.mealoffer", action="update").count() == 1


def test_refusals_show_on_the_form_and_save_nothing(client, users, areas, shops):
    client.force_login(users["street_staff"])
    courier_like = shops["wang"]
    courier_like.role = "courier"
    courier_like.save()

    not_merchant = client.post(
        "/admin/merchants/merchant/add/", merchant_data(areas, accounts=[courier_like])
    )
    no_window = client.post(
        "/admin/merchants/mealoffer/add/",
        offer_data(
            shops["noodles"], window_from_1="", window_until_1="", window_from_2="", window_until_2=""
        ),
    )
    backwards = client.post(
        "/admin/merchants/mealoffer/add/",
        offer_data(shops["noodles"], window_from_1="14:00", window_until_1="12:00"),
    )

    assert not_merchant.status_code == 200 and not_merchant.context["adminform"].form.errors["accounts"]
    assert no_window.context["adminform"].form.errors["window_from_1"]
    assert backwards.context["adminform"].form.errors["window_from_1"]
    assert not Merchant.objects.filter(name="张姐饺子馆").exists()
    assert MealOffer.objects.count() == 2
    assert not AuditEntry.objects.exists()


def test_another_streets_merchants_are_neither_offered_nor_changed(client, users, areas, shops):
    client.force_login(users["street_staff"])
    barber = shops["barber"]

    outside = client.post(
        "/admin/merchants/merchant/add/", merchant_data(areas, area=areas["other_street"].pk)
    )
    offer_form = client.get("/admin/merchants/mealoffer/add/")
    offer_post = client.post("/admin/merchants/mealoffer/add/", offer_data(barber))
    change = client.post(
        f"/admin/merchants/merchant/{barber.pk}/change/", merchant_data(areas, name="改名", is_active="on")
    )
    listed = client.get("/admin/merchants/merchant/")

    assert outside.context["adminform"].form.errors["area"]
    assert "老王面馆" in offer_form.content.decode() and "小李理发" not in offer_form.content.decode()
    assert offer_post.context["adminform"].form.errors["merchant"]
    assert change.status_code == 302 and change.url == "/admin/"
    assert "小李理发" not in listed.content.decode()
    barber.refresh_from_db()
    assert barber.name == "小李理发" and barber.offers.count() == 1
    assert not AuditEntry.objects.exists()
