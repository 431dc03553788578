"""Items routed to `reports.Department`s: who may route where, re-routing, and the departments' handlers."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nuanxin.accounts.tests.factories import bearer
from nuanxin.core.models import AuditEntry
from nuanxin.hall import services
from nuanxin.hall.models import HallAnswer, HallItem, HallMilestone
from nuanxin.messaging.models import InboxMessage

from .conftest import field_errors

pytestmark = pytest.mark.django_db

BASE = "/api/v1"


def _path(item):
    return f"{BASE}/manage/hall/items/{item.public_id}"


def _state(item):
    item.refresh_from_db()
    return (
        item.status,
        item.department_id,
        item.routed_at,
        HallAnswer.objects.count(),
        HallMilestone.objects.count(),
        InboxMessage.objects.count(),
        AuditEntry.objects.count(),
    )


def _mobile_page(item):
    from django.test import Client

    return Client().get(f"/m/hall/{item.public_id}/").content.decode()


def test_staff_are_offered_the_active_departments_that_serve_the_street(api, auth, item, departments):
    # when street staff ask where the item may go
    status, choices = api("get", f"{_path(item)}/departments", headers=auth("street_staff"))

    # then the street's and the district's departments, nearest first; not another street's, another
    # district's or an inactive one
    assert status == 200
    assert [(choice["name"], choice["area"]["code"]) for choice in choices] == [
        ("劝业场街道综合执法队", "120101001000"),
        ("和平区交通管理支队", "120101000000"),
    ]
    assert choices[0]["id"] == str(departments["street_team"].public_id)


def test_staff_route_an_item_to_a_department_of_its_area(api, auth, couriers, item, route_body, departments):
    # when street staff route the item to the district's department
    status, detail = api("post", f"{_path(item)}/route", route_body("district"), auth("street_staff"))

    # then it is with that department, publicly too, and the author heard of it
    assert status == 200
    assert detail["status"] == "routed"
    district = departments["district"]
    assert detail["department"] == {"id": str(district.public_id), "name": "和平区交通管理支队"}
    assert detail["department_area"] == {"code": "120101000000", "name": "和平区"}
    _, public = api("get", f"{BASE}/hall/items/{item.public_id}")
    assert public["department"]["name"] == "和平区交通管理支队"
    message = InboxMessage.objects.get(recipient=couriers["author"])
    assert "和平区交通管理支队" in message.title
    assert "和平区交通管理支队" in _mobile_page(item)


@pytest.mark.parametrize("target", ["other_street", "other_district", "inactive", "unknown"])
def test_a_department_that_does_not_serve_the_street_is_refused_and_nothing_changes(
    api, auth, item, route_body, target
):
    # given a department of another street or district, an inactive one, or an id of none
    missing = {"department_id": "00000000-0000-0000-0000-000000000000"}
    body = missing if target == "unknown" else route_body(target)
    before = _state(item)

    # when street staff route the item there
    status, answer = api("post", f"{_path(item)}/route", body, auth("street_staff"))

    # then a field message on `department`, and nothing changed, nobody was told, nothing audited
    assert status == 422
    assert list(field_errors(answer)) == ["department"]
    assert _state(item) == before


def test_rerouting_needs_a_note_which_the_author_reads(api, auth, couriers, item, route_body, departments):
    staff = auth("street_staff")
    api("post", f"{_path(item)}/route", route_body("street_team"), staff)
    api("put", f"{_path(item)}/answer-draft", {"state": "accepted", "body": "已受理"}, staff)
    api("post", f"{_path(item)}/answer-draft/publish", headers=staff)
    before = _state(item)

    # re-routing without a note, or to the department it is already with, is refused
    status, answer = api("post", f"{_path(item)}/route", route_body("district"), staff)
    assert (status, list(field_errors(answer))) == (422, ["note"])
    status, answer = api("post", f"{_path(item)}/route", route_body("street_team", note="再转"), staff)
    assert (status, list(field_errors(answer))) == (422, ["department"])
    assert _state(item) == before

    # with a note it moves, keeps its status, and the author reads why
    status, detail = api(
        "post", f"{_path(item)}/route", route_body("district", note="属于交通设施，转交警支队"), staff
    )
    assert status == 200
    assert (detail["status"], detail["department"]["name"]) == ("accepted", "和平区交通管理支队")
    latest = InboxMessage.objects.filter(recipient=couriers["author"]).order_by("-id").first()
    assert "和平区交通管理支队" in latest.title and "转交警支队" in latest.body
    entry = AuditEntry.objects.filter(object_id=str(item.public_id), message="re-route").get()
    assert entry.changes["department"] == ["劝业场街道综合执法队", "和平区交通管理支队"]
    assert entry.changes["note"] == "属于交通设施，转交警支队"
    # the published answer keeps the name of the department that gave it
    _, public = api("get", f"{BASE}/hall/items/{item.public_id}")
    assert [answer["department_name"] for answer in public["answers"]] == ["劝业场街道综合执法队"]


def test_the_handler_of_the_department_answers_its_items(api, auth, couriers, item, route_body, departments):
    # given the item is routed to the street team, and another item awaits routing
    api("post", f"{_path(item)}/route", route_body("street_team"), auth("street_staff"))
    waiting = services.hall_item_raise(courier=couriers["neighbour"], category="other", title="还没转办")
    headers = bearer(departments["handlers"]["handler"])

    # then the team's handler lists and reads only that item
    status, listing = api("get", f"{BASE}/manage/hall/items", headers=headers)
    assert status == 200
    assert [entry["id"] for entry in listing["items"]] == [str(item.public_id)]
    assert api("get", f"{BASE}/manage/hall/items/{waiting.public_id}", headers=headers)[0] == 404

    # and drafts, publishes and records milestones on it
    status, _ = api(
        "put", f"{_path(item)}/answer-draft", {"state": "accepted", "body": "执法队已受理"}, headers
    )
    assert status == 200
    assert api("post", f"{_path(item)}/answer-draft/publish", headers=headers)[0] == 200
    assert api("post", f"{_path(item)}/milestones", {"title": "现场核查"}, headers)[0] == 201
    _, public = api("get", f"{BASE}/hall/items/{item.public_id}")
    assert public["status"] == "accepted"
    assert [(answer["body"], answer["department_name"]) for answer in public["answers"]] == [
        ("执法队已受理", "劝业场街道综合执法队")
    ]
    assert [milestone["title"] for milestone in public["milestones"]] == ["现场核查"]
    # the author heard of the answer and the milestone (plus the routing)
    assert InboxMessage.objects.filter(recipient=couriers["author"]).count() == 3

    # but routing stays with the area managers: 403, nothing changes
    before = _state(item)
    assert api("post", f"{_path(item)}/route", route_body("district", note="转"), headers)[0] == 403
    assert api("get", f"{_path(item)}/departments", headers=headers)[0] == 403
    assert _state(item) == before


@pytest.mark.parametrize("who", ["other_handler", "district_handler"])
def test_a_handler_of_another_department_gets_404_and_nothing_changes(
    api, users, item, route_body, departments, who
):
    # given the item is with the street team, and a draft awaits publishing
    staff = users["street_staff"]
    services.hall_item_route(actor=staff, item=item, department=departments["street_team"])
    services.hall_answer_save_draft(actor=staff, item=item, state="accepted", body="草稿")
    headers = bearer(departments["handlers"][who])
    before = _state(item)

    # when a handler of another department tries to read or act on it
    calls = [
        ("get", _path(item), None),
        ("get", f"{_path(item)}/departments", None),
        ("post", f"{_path(item)}/route", route_body("district", note="转")),
        ("put", f"{_path(item)}/answer-draft", {"state": "accepted", "body": "受理"}),
        ("post", f"{_path(item)}/answer-draft/publish", None),
        ("post", f"{_path(item)}/milestones", {"title": "进展"}),
    ]

    # then 404 everywhere, an empty list, and nothing changed
    for method, path, body in calls:
        assert api(method, path, body, headers)[0] == 404, path
    _, listing = api("get", f"{BASE}/manage/hall/items", headers=headers)
    assert listing["count"] == 0
    assert _state(item) == before
    assert HallAnswer.objects.get().body == "草稿"


def test_rerouting_moves_the_item_out_of_the_first_departments_reach(api, users, item, departments):
    staff = users["street_staff"]
    services.hall_item_route(actor=staff, item=item, department=departments["street_team"])
    services.hall_item_route(actor=staff, item=item, department=departments["district"], note="转")
    first, second = departments["handlers"]["handler"], departments["handlers"]["district_handler"]
    assert api("get", _path(item), headers=bearer(first))[0] == 404
    assert api("get", _path(item), headers=bearer(second))[0] == 200


def test_a_handler_in_several_departments_sees_each_item_once_in_few_queries(
    api, users, couriers, departments
):
    handler = departments["handlers"]["handler"]
    departments["district"].handlers.add(handler)
    staff = users["street_staff"]
    for number, name in enumerate(["street_team", "district", "street_team"]):
        item = services.hall_item_raise(courier=couriers["author"], category="other", title=f"第{number}件")
        services.hall_item_route(actor=staff, item=item, department=departments[name])
    headers = bearer(handler)
    api("get", f"{BASE}/manage/hall/items", headers=headers)  # warm up the token lookup

    with CaptureQueriesContext(connection) as queries:
        status, listing = api("get", f"{BASE}/manage/hall/items", headers=headers)
    assert status == 200 and listing["count"] == 3
    assert len({entry["id"] for entry in listing["items"]}) == 3
    assert len(queries) <= 6
    # and the department filter narrows to one of them
    _, only = api(
        "get", f"{BASE}/manage/hall/items?department={departments['district'].public_id}", headers=headers
    )
    assert [entry["department"]["name"] for entry in only["items"]] == ["和平区交通管理支队"]


def test_an_answer_names_the_department_it_is_published_under(users, item, departments):
    staff = users["street_staff"]
    services.hall_item_route(actor=staff, item=item, department=departments["street_team"])
    services.hall_answer_save_draft(actor=staff, item=item, state="accepted", body="受理")
    services.hall_item_route(actor=staff, item=item, department=departments["district"], note="转")
    answer = services.hall_answer_publish(actor=staff, item=item)
    assert answer.department_name == "和平区交通管理支队"


def test_a_menu_order_whose_provider_is_no_department_awaits_routing(api, auth, areas, couriers, as_courier):
    from nuanxin.care.models import ServiceItem

    service = ServiceItem.objects.create(
        name="心理疏导",
        kind="mental_health",
        provider_type="organization",
        provider_name="某公益机构",
        area=areas["district"],
    )
    status, body = api("post", f"{BASE}/hall/menu/{service.pk}/order", {}, as_courier(couriers["author"]))
    assert status == 201
    assert (body["status"], body["department"]) == ("submitted", None)
    assert HallItem.objects.get().routed_at is None
