"""The courier's meal pages: the offers, and the QR that renews itself."""

from nuanxin.merchants.models import MealCode


def test_the_meals_page_lists_the_offers_of_the_work_area(client, shops, me):
    client.force_login(me.user)
    response = client.get("/m/meals/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "牛肉面套餐" in content and "¥10.00" in content
    assert "爱心理发" not in content


def test_the_code_page_loads_a_fresh_qr_on_each_refresh(client, shops, me):
    client.force_login(me.user)
    page = client.get(f"/m/meals/{shops['meal'].public_id}/")
    assert page.status_code == 200 and b"hx-post" in page.content

    first = client.post(f"/m/meals/{shops['meal'].public_id}/code/")
    assert client.post(f"/m/meals/{shops['meal'].public_id}/code/").status_code == 200

    assert first.status_code == 200 and b"<svg" in first.content
    assert b'hx-trigger="every ' in first.content
    assert MealCode.objects.count() == 2
    older, newer = MealCode.objects.order_by("created_at")
    assert older.expires_at <= newer.created_at


def test_meal_pages_need_a_signed_in_courier(client, shops, users):
    assert client.get("/m/meals/").status_code == 302
    client.force_login(users["street_staff"])
    assert client.get("/m/meals/").status_code == 403
    assert client.post(f"/m/meals/{shops['meal'].public_id}/code/").status_code == 403
    assert not MealCode.objects.exists()


def test_a_weekday_window_is_shown_by_its_chinese_name(client, shops, me):
    import datetime

    from nuanxin.merchants.tests.factories import make_offer

    make_offer(shops["noodles"], title="周日早餐", windows=[(6, datetime.time(7), datetime.time(9))])
    client.force_login(me.user)
    content = client.get("/m/meals/").content.decode()
    assert "周日 07:00–09:00" in content
