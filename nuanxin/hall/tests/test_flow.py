"""The deliberation flow through the API: raise, support, route, draft, publish, milestones, board."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nuanxin.core.models import AuditEntry
from nuanxin.hall.models import HallItem, HallSupport
from nuanxin.messaging.models import InboxMessage

pytestmark = pytest.mark.django_db

BASE = "/api/v1"


def test_the_whole_deliberation_flow_reaches_the_author_and_supporters(
    api, auth, couriers, as_courier, route_body
):
    # given a courier raises an item and two others support it
    status, body = api(
        "post",
        f"{BASE}/hall/items",
        {
            "category": "traffic_facilities",
            "title": "南京路口非机动车道太窄",
            "description": "晚高峰很危险。",
            "location_text": "南京路与营口道交口",
            "latitude": 39.123456,
            "longitude": 117.201234,
        },
        as_courier(couriers["author"]),
    )
    assert status == 201
    assert body["status"] == "submitted"
    assert body["area"]["name"] == "劝业场街道"
    item_id = body["id"]
    for name in ("neighbour", "third"):
        status, support = api(
            "post", f"{BASE}/hall/items/{item_id}/support", headers=as_courier(couriers[name])
        )
        assert status == 201
    assert support == {"support_count": 2, "supported": True}

    # when street staff route it, draft an answer, publish it, record a milestone, publish the final answer
    staff = auth("street_staff")
    status, detail = api(
        "post",
        f"{BASE}/manage/hall/items/{item_id}/route",
        route_body("district"),
        staff,
    )
    assert status == 200
    assert detail["status"] == "routed"
    assert detail["department"]["name"] == "和平区交通管理支队"
    assert detail["department_area"]["code"] == "120101000000"
    assert detail["author"]["name"] == "张三"
    status, detail = api(
        "put",
        f"{BASE}/manage/hall/items/{item_id}/answer-draft",
        {"state": "accepted", "body": "已受理，两周内现场勘查。"},
        staff,
    )
    assert status == 200
    status, detail = api("post", f"{BASE}/manage/hall/items/{item_id}/answer-draft/publish", headers=staff)
    assert status == 200
    assert detail["status"] == "accepted"
    status, detail = api(
        "post", f"{BASE}/manage/hall/items/{item_id}/milestones", {"title": "现场勘查完成"}, staff
    )
    assert status == 201
    api(
        "put",
        f"{BASE}/manage/hall/items/{item_id}/answer-draft",
        {"state": "answered", "body": "已拓宽。"},
        staff,
    )
    status, detail = api("post", f"{BASE}/manage/hall/items/{item_id}/answer-draft/publish", headers=staff)

    # then the public page shows the whole story, without the author, with the place rounded
    assert detail["status"] == "answered"
    assert detail["closed_at"] is not None
    status, public = api("get", f"{BASE}/hall/items/{item_id}")
    assert status == 200
    assert [answer["state"] for answer in public["answers"]] == ["accepted", "answered"]
    assert [milestone["title"] for milestone in public["milestones"]] == ["现场勘查完成"]
    assert public["department"]["name"] == "和平区交通管理支队"
    assert [answer["department_name"] for answer in public["answers"]] == ["和平区交通管理支队"] * 2
    assert public["latitude"] == 39.123 and public["longitude"] == 117.201
    assert "author" not in public and "张三" not in str(public)
    # and the author and both supporters got one inbox message per published change (4 changes)
    for name in ("author", "neighbour", "third"):
        titles = list(InboxMessage.objects.filter(recipient=couriers[name]).values_list("title", flat=True))
        assert len(titles) == 4, name
        assert all(
            message.link.endswith(f"/m/hall/{item_id}/")
            for message in InboxMessage.objects.filter(recipient=couriers[name])
        )
    assert not InboxMessage.objects.filter(recipient=couriers["elsewhere"]).exists()
    # and every step left an audit row
    assert AuditEntry.objects.filter(object_id=item_id).count() >= 6


def test_a_second_support_answers_409_and_changes_nothing(api, couriers, as_courier, item):
    # given the neighbour already supports the item
    headers = as_courier(couriers["neighbour"])
    assert api("post", f"{BASE}/hall/items/{item.public_id}/support", headers=headers)[0] == 201
    audit_rows = AuditEntry.objects.count()

    # when they support it again
    status, body = api("post", f"{BASE}/hall/items/{item.public_id}/support", headers=headers)

    # then 409, and the count, the support rows and the audit log are unchanged
    assert status == 409
    assert body["code"] == "already_supported"
    item.refresh_from_db()
    assert item.support_count == 1
    assert HallSupport.objects.filter(item=item).count() == 1
    assert AuditEntry.objects.count() == audit_rows


def test_the_author_cannot_support_their_own_item_and_nobody_a_closed_one(
    api, auth, couriers, as_courier, item, route_body
):
    status, body = api(
        "post", f"{BASE}/hall/items/{item.public_id}/support", headers=as_courier(couriers["author"])
    )
    assert (status, body["code"]) == (409, "own_item")

    staff = auth("street_staff")
    api("post", f"{BASE}/manage/hall/items/{item.public_id}/route", route_body(), staff)
    api(
        "put",
        f"{BASE}/manage/hall/items/{item.public_id}/answer-draft",
        {"state": "not_feasible", "body": "无法实施。", "reason": "小区为封闭式管理。"},
        staff,
    )
    api("post", f"{BASE}/manage/hall/items/{item.public_id}/answer-draft/publish", headers=staff)
    status, body = api(
        "post", f"{BASE}/hall/items/{item.public_id}/support", headers=as_courier(couriers["neighbour"])
    )
    assert (status, body["code"]) == (409, "item_closed")
    assert HallItem.objects.get(pk=item.pk).support_count == 0


def test_a_draft_answer_is_invisible_and_tells_nobody_until_published(
    api, auth, couriers, as_courier, item, route_body
):
    # given a routed item with a draft answer
    staff = auth("street_staff")
    api("post", f"{BASE}/manage/hall/items/{item.public_id}/route", route_body(), staff)
    messages_before = InboxMessage.objects.count()
    status, detail = api(
        "put",
        f"{BASE}/manage/hall/items/{item.public_id}/answer-draft",
        {"state": "accepted", "body": "草稿：内部讨论中"},
        staff,
    )
    assert status == 200
    assert [(answer["is_published"], answer["body"]) for answer in detail["answers"]] == [
        (False, "草稿：内部讨论中")
    ]

    # then the public page, the author's own page, the board and the mobile page show no trace of it
    _, public = api("get", f"{BASE}/hall/items/{item.public_id}")
    _, mine = api("get", f"{BASE}/hall/items/mine/{item.public_id}", headers=as_courier(couriers["author"]))
    _, board = api("get", f"{BASE}/hall/board")
    for shown in (public, mine):
        assert shown["answers"] == [] and shown["status"] == "routed"
    assert "草稿" not in str(board)
    from django.test import Client

    assert "草稿" not in Client().get(f"/m/hall/{item.public_id}/").content.decode()
    assert InboxMessage.objects.count() == messages_before

    # when it is replaced and published, only the published text shows
    api(
        "put",
        f"{BASE}/manage/hall/items/{item.public_id}/answer-draft",
        {"state": "accepted", "body": "已受理。"},
        staff,
    )
    api("post", f"{BASE}/manage/hall/items/{item.public_id}/answer-draft/publish", headers=staff)
    _, public = api("get", f"{BASE}/hall/items/{item.public_id}")
    assert [answer["body"] for answer in public["answers"]] == ["已受理。"]
    # and publishing again with no draft is refused
    status, body = api(
        "post", f"{BASE}/manage/hall/items/{item.public_id}/answer-draft/publish", headers=staff
    )
    assert (status, body["code"]) == (409, "no_draft")


def test_ordering_from_the_menu_creates_an_item_routed_to_the_department(
    api, auth, areas, couriers, as_courier
):
    # given a district department's service in the catalog (the department exists), and a service
    # of another district
    from nuanxin.care.models import ServiceItem
    from nuanxin.reports.tests.factories import department

    justice = department(areas["district"], name="和平区司法局")

    legal = ServiceItem.objects.create(
        name="免费法律援助",
        kind="policy",
        provider_type="department",
        provider_name="和平区司法局",
        area=areas["district"],
    )
    ServiceItem.objects.create(
        name="不在菜单上",
        kind="life",
        provider_type="organization",
        provider_name="河东区某机构",
        area=areas["other_district"],
    )
    headers = as_courier(couriers["author"])

    # when the courier reads the menu and orders
    status, menu = api("get", f"{BASE}/hall/menu", headers=headers)
    assert [entry["name"] for entry in menu] == ["免费法律援助"]
    status, body = api("post", f"{BASE}/hall/menu/{legal.pk}/order", {"note": "工伤理赔咨询"}, headers)

    # then the item is with the department already, and the street staff see it
    assert status == 201
    assert (body["status"], body["department"], body["service_name"]) == (
        "routed",
        {"id": str(justice.public_id), "name": "和平区司法局"},
        "免费法律援助",
    )
    _, listing = api("get", f"{BASE}/manage/hall/items?status=routed", headers=auth("street_staff"))
    assert [entry["id"] for entry in listing["items"]] == [body["id"]]


def test_the_board_puts_open_items_first_by_support(api, auth, couriers, as_courier, route_body):
    from nuanxin.hall import services

    quiet = services.hall_item_raise(courier=couriers["author"], category="other", title="安静的")
    popular = services.hall_item_raise(courier=couriers["author"], category="other", title="热门的")
    closed = services.hall_item_raise(courier=couriers["neighbour"], category="other", title="已答复的")
    for name in ("neighbour", "third"):
        services.hall_item_support(courier=couriers[name], item=popular)
    for name in ("author", "third", "elsewhere"):
        services.hall_item_support(courier=couriers[name], item=closed)
    staff = auth("street_staff")
    api("post", f"{BASE}/manage/hall/items/{closed.public_id}/route", route_body(), staff)
    api(
        "put",
        f"{BASE}/manage/hall/items/{closed.public_id}/answer-draft",
        {"state": "answered", "body": "好"},
        staff,
    )
    api("post", f"{BASE}/manage/hall/items/{closed.public_id}/answer-draft/publish", headers=staff)

    with CaptureQueriesContext(connection) as queries:
        status, board = api("get", f"{BASE}/hall/board")
    assert status == 200
    assert [entry["title"] for entry in board["items"]] == ["热门的", "安静的", "已答复的"]
    assert len(queries) <= 3
    _, only_closed = api("get", f"{BASE}/hall/board?status=closed")
    assert [entry["title"] for entry in only_closed["items"]] == ["已答复的"]
    assert quiet.support_count == 0
