"""The mobile pages: board, new item, detail with the htmx support button, my items, menu; and the demo."""

import pytest

from nuanxin.accounts.models import Role
from nuanxin.accounts.tests.factories import staff
from nuanxin.areas.tests.factories import make_tree
from nuanxin.hall.models import HallItem, HallStatus

pytestmark = pytest.mark.django_db


def test_the_board_and_detail_are_public_and_never_name_the_author(client, item):
    board = client.get("/m/hall/")
    assert board.status_code == 200
    assert "小区不让电动车进" in board.content.decode()
    detail = client.get(f"/m/hall/{item.public_id}/").content.decode()
    assert "小区不让电动车进" in detail and "张三" not in detail


def test_a_courier_raises_an_item_from_the_form(client, couriers):
    client.force_login(couriers["author"].user)
    response = client.post("/m/hall/new/", {"category": "outlet_siting", "title": "商场门口没有停车点"})
    item = HallItem.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/m/hall/{item.public_id}/"
    refused = client.post("/m/hall/new/", {"category": "outlet_siting", "title": ""})
    assert refused.status_code == 400
    assert HallItem.objects.count() == 1
    mine = client.get("/m/hall/mine/").content.decode()
    assert "商场门口没有停车点" in mine


def test_the_support_button_works_through_htmx_once(client, couriers, item):
    client.force_login(couriers["neighbour"].user)
    page = client.get(f"/m/hall/{item.public_id}/").content.decode()
    assert "hx-post" in page
    first = client.post(f"/m/hall/{item.public_id}/support/", HTTP_HX_REQUEST="true")
    assert first.status_code == 200
    assert 'data-support-count="1"' in first.content.decode()
    assert "data-supported" in first.content.decode()
    second = client.post(f"/m/hall/{item.public_id}/support/", HTTP_HX_REQUEST="true")
    assert second.status_code == 409
    assert HallItem.objects.get(pk=item.pk).support_count == 1


def test_the_menu_page_orders_a_service(client, areas, couriers):
    from nuanxin.care.models import ServiceItem
    from nuanxin.reports.tests.factories import department

    department(areas["district"], name="和平区司法局")

    legal = ServiceItem.objects.create(
        name="免费法律援助",
        kind="policy",
        provider_type="department",
        provider_name="和平区司法局",
        area=areas["district"],
    )
    client.force_login(couriers["author"].user)
    assert "免费法律援助" in client.get("/m/hall/menu/").content.decode()
    response = client.post(f"/m/hall/menu/{legal.pk}/order/", {"note": "咨询"})
    assert response.status_code == 302
    item = HallItem.objects.get()
    assert (item.status, item.department.name) == ("routed", "和平区司法局")
    page = client.get(response["Location"]).content.decode()
    assert "和平区司法局" in page


def test_signed_out_visitors_are_sent_to_sign_in_to_raise(client):
    response = client.get("/m/hall/new/")
    assert response.status_code == 302 and "/m/login/" in response["Location"]


def test_the_demo_puts_items_in_every_state_once():
    from nuanxin.care.demo import load_demo_care
    from nuanxin.couriers.demo import load_demo_couriers
    from nuanxin.hall.demo import load_demo_hall
    from nuanxin.needs.demo import load_demo_needs

    areas = make_tree()
    staff(Role.STREET_STAFF, areas["street"], username="qyc_street")
    staff(Role.CITY_STAFF, areas["city"], username="tj_city")
    load_demo_couriers()
    load_demo_needs()
    load_demo_care()

    first = load_demo_hall()
    second = load_demo_hall()

    assert first == {"items": 7}
    assert second == {"items": 0}
    assert set(HallItem.objects.values_list("status", flat=True)) == set(HallStatus.values)
    assert HallItem.objects.filter(source="menu").count() == 1
    assert HallItem.objects.get(status="in_progress").answers.filter(published_at__isnull=True).count() == 1
    # items are with the reports demo's departments (and the order with its provider), made once
    from nuanxin.reports.models import Department

    assert set(HallItem.objects.exclude(department=None).values_list("department__name", flat=True)) == {
        "劝业场街道综合执法队",
        "和平区城市管理委员会",
        "和平区司法局",
    }
    assert HallItem.objects.get(source="menu").status == "routed"
    assert Department.objects.count() == 3
