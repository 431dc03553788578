"""Staff notices from the hall: the handlers of the department an item is routed to are told, once,
with a link to the item's back-office page; nobody else, and nothing when routing is refused."""

import pytest

from nuanxin.accounts.tests.factories import bearer
from nuanxin.hall import services
from nuanxin.hall.models import HallItem
from nuanxin.messaging.models import StaffNotice
from nuanxin.messaging.services import in_site_language

pytestmark = pytest.mark.django_db

BASE = "/api/v1"


def told():
    result = {}
    for notice in StaffNotice.objects.select_related("recipient").order_by("id"):
        result.setdefault(notice.recipient.username, []).append(notice.kind)
    return result


def route(api, item, headers, body):
    return api("post", f"{BASE}/manage/hall/items/{item.public_id}/route", body, headers)


def test_routing_tells_the_departments_handlers_once(api, auth, item, route_body, departments):
    # when street staff route the item to the street's team
    status, _body = route(api, item, auth("street_staff"), route_body("street_team"))

    # then its handler is told — not the district's or another street's handler, not the router
    assert status == 200
    assert told() == {"handler": ["hall_routed"]}
    notice = StaffNotice.objects.get()
    assert notice.url == f"/admin/hall/hallitem/{item.pk}/change/"
    assert notice.title == in_site_language(
        services.STAFF_ROUTED, {"department": "劝业场街道综合执法队", "title": "小区不让电动车进"}
    )
    assert "保安只让步行进入。" in notice.body and "劝业场街道" in notice.body


def test_the_handler_follows_the_notice_to_the_items_back_office_page(
    api, auth, client, item, route_body, departments
):
    route(api, item, auth("street_staff"), route_body("street_team"))
    notice = StaffNotice.objects.get()

    client.force_login(departments["handlers"]["handler"])
    response = client.get(f"/staff/notices/{notice.public_id}/open/")

    assert response.status_code == 302 and response["Location"] == f"/admin/hall/hallitem/{item.pk}/change/"
    page = client.get(response["Location"])
    assert page.status_code == 200 and "小区不让电动车进" in page.content.decode()


def test_re_routing_tells_the_new_departments_handlers_with_the_reason(
    api, auth, item, route_body, departments
):
    staff = auth("street_staff")
    assert route(api, item, staff, route_body("street_team"))[0] == 200
    assert route(api, item, staff, route_body("district", note="属于交通设施问题"))[0] == 200

    assert told() == {"handler": ["hall_routed"], "district_handler": ["hall_routed"]}
    moved = StaffNotice.objects.get(recipient=departments["handlers"]["district_handler"])
    assert moved.title == in_site_language(
        services.STAFF_REROUTED, {"department": "和平区交通管理支队", "title": "小区不让电动车进"}
    )
    assert "属于交通设施问题" in moved.body

    # and routing it back to the street's team later is new work for its handler again
    assert route(api, item, staff, route_body("street_team", note="交警说归街道"))[0] == 200
    assert told()["handler"] == ["hall_routed", "hall_routed"]


def test_a_refused_routing_tells_nobody(api, auth, item, route_body, departments):
    # another street's staff: 404; another district's department: 422
    assert route(api, item, auth("other_street_staff"), route_body("street_team"))[0] == 404
    assert route(api, item, auth("street_staff"), route_body("other_district"))[0] == 422
    assert told() == {}
    # once it is with the street's team: re-routing without a note 422, its handler routing 403
    assert route(api, item, auth("street_staff"), route_body("street_team"))[0] == 200
    assert route(api, item, auth("street_staff"), route_body("district"))[0] == 422
    handler = bearer(departments["handlers"]["handler"])
    assert route(api, item, handler, route_body("district", note="不归我们"))[0] == 403
    assert told() == {"handler": ["hall_routed"]}


def test_an_order_routed_at_once_tells_the_providers_handlers(api, areas, couriers, as_courier):
    from nuanxin.care.models import ServiceItem
    from nuanxin.reports.tests.factories import department, handler

    justice_handler = handler(areas["district"], username="justice_handler")
    department(areas["district"], name="和平区司法局", handlers=[justice_handler])
    legal = ServiceItem.objects.create(
        name="免费法律援助",
        kind="policy",
        provider_type="department",
        provider_name="和平区司法局",
        area=areas["district"],
    )
    unknown = ServiceItem.objects.create(
        name="心理疏导",
        kind="mental_health",
        provider_type="organization",
        provider_name="某公益机构",
        area=areas["district"],
    )
    headers = as_courier(couriers["author"])

    assert api("post", f"{BASE}/hall/menu/{legal.pk}/order", {"note": "工伤理赔咨询"}, headers)[0] == 201
    assert api("post", f"{BASE}/hall/menu/{unknown.pk}/order", {}, headers)[0] == 201

    # the routed order tells the provider's handler; the unrouted one awaits street staff's routing
    assert told() == {"justice_handler": ["hall_routed"]}
    notice = StaffNotice.objects.get()
    assert "免费法律援助" in notice.title and "工伤理赔咨询" in notice.body
    assert notice.url == f"/admin/hall/hallitem/{HallItem.objects.get(title='免费法律援助').pk}/change/"


def test_the_notice_is_written_in_the_site_language_whatever_the_routers_language(
    api, auth, item, route_body, departments
):
    headers = {**auth("street_staff"), "HTTP_ACCEPT_LANGUAGE": "en"}
    assert route(api, item, headers, route_body("street_team"))[0] == 200
    notice = StaffNotice.objects.get()
    # the category label, translated in the catalog, is Chinese: the request's English is not used
    assert notice.body.startswith("小区进出 · 劝业场街道")
    assert notice.title == in_site_language(
        services.STAFF_ROUTED, {"department": "劝业场街道综合执法队", "title": "小区不让电动车进"}
    )
