"""Bad input and abuse: field messages, the right 4xx, nothing saved."""

import pytest
from django.test import override_settings

from nuanxin.couriers.tests.factories import make_courier
from nuanxin.hall.models import HallAnswer, HallItem

pytestmark = pytest.mark.django_db

BASE = "/api/v1"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "x"}, "category"),
        ({"category": "parking", "title": "x"}, "category"),
        ({"category": "other", "title": "   "}, "title"),
        ({"category": "other", "title": "x" * 101}, "title"),
        ({"category": "other", "title": "x", "description": "y" * 2001}, "description"),
        ({"category": "other", "title": "x", "latitude": 39.1}, "longitude"),
        ({"category": "other", "title": "x", "latitude": 91, "longitude": 117}, "latitude"),
        ({"category": "other", "title": "x", "latitude": "north", "longitude": 117}, "latitude"),
    ],
)
def test_a_bad_item_is_refused_with_a_field_message(api, couriers, as_courier, body, field):
    status, answer = api("post", f"{BASE}/hall/items", body, as_courier(couriers["author"]))
    assert status == 422
    assert field in {error["field"] for error in answer["errors"]}
    assert not HallItem.objects.exists()


def test_a_courier_without_a_work_street_is_told_to_set_it(api, as_courier):
    status, body = api(
        "post", f"{BASE}/hall/items", {"category": "other", "title": "x"}, as_courier(make_courier())
    )
    assert status == 422
    assert body["errors"][0]["field"] == "area"
    assert not HallItem.objects.exists()


@override_settings(NUANXIN_HALL_RAISE_LIMIT=2)
def test_raising_is_rate_limited_per_account(api, couriers, as_courier):
    headers = as_courier(couriers["author"])
    for number in range(2):
        assert (
            api("post", f"{BASE}/hall/items", {"category": "other", "title": f"第{number}件"}, headers)[0]
            == 201
        )
    status, body = api("post", f"{BASE}/hall/items", {"category": "other", "title": "第三件"}, headers)
    assert (status, body["code"]) == (429, "rate_limited")
    assert HallItem.objects.count() == 2
    # another courier is not affected
    assert (
        api(
            "post",
            f"{BASE}/hall/items",
            {"category": "other", "title": "x"},
            as_courier(couriers["neighbour"]),
        )[0]
        == 201
    )


def test_answer_drafts_and_moves_are_checked(api, auth, item, route_body, departments):
    staff = auth("street_staff")
    path = f"{BASE}/manage/hall/items/{item.public_id}"
    # an answer before routing is a move the workflow does not have
    status, body = api("put", f"{path}/answer-draft", {"state": "accepted", "body": "好"}, staff)
    assert (status, body["code"]) == (409, "transition_not_allowed")
    # a milestone before routing too
    assert api("post", f"{path}/milestones", {"title": "进展"}, staff)[0] == 409
    api("post", f"{path}/route", route_body(), staff)
    # not feasible needs a reason; unknown states and missing bodies are refused
    status, body = api("put", f"{path}/answer-draft", {"state": "not_feasible", "body": "不行"}, staff)
    assert (status, body["errors"][0]["field"]) == (422, "reason")
    assert api("put", f"{path}/answer-draft", {"state": "maybe", "body": "?"}, staff)[0] == 422
    assert api("put", f"{path}/answer-draft", {"state": "accepted", "body": ""}, staff)[0] == 422
    assert not HallAnswer.objects.exists()
    # re-routing without a note says why it is refused
    status, body = api("post", f"{path}/route", route_body("district"), staff)
    assert (status, body["errors"][0]["field"]) == (422, "note")
    # a malformed department id is refused by the schema
    assert api("post", f"{path}/route", {"department_id": "城管"}, staff)[0] == 422
    item.refresh_from_db()
    assert item.department == departments["street_team"]


def test_a_closed_item_cannot_be_rerouted_or_answered_again(api, auth, item, route_body, departments):
    staff = auth("street_staff")
    path = f"{BASE}/manage/hall/items/{item.public_id}"
    api("post", f"{path}/route", route_body(), staff)
    api("put", f"{path}/answer-draft", {"state": "answered", "body": "已解决"}, staff)
    api("post", f"{path}/answer-draft/publish", headers=staff)
    assert api("post", f"{path}/route", route_body("district", note="转交"), staff)[0] == 409
    assert api("put", f"{path}/answer-draft", {"state": "in_progress", "body": "再看看"}, staff)[0] == 409
    assert api("post", f"{path}/milestones", {"title": "x"}, staff)[0] == 409
    item.refresh_from_db()
    assert (item.status, item.department) == ("answered", departments["street_team"])


def test_ordering_something_not_on_the_menu_is_refused(api, areas, couriers, as_courier):
    from nuanxin.care.models import ServiceItem

    far = ServiceItem.objects.create(
        name="河东区服务",
        kind="policy",
        provider_type="department",
        provider_name="河东区",
        area=areas["other_district"],
    )
    status, body = api("post", f"{BASE}/hall/menu/{far.pk}/order", {}, as_courier(couriers["author"]))
    assert (status, body["errors"][0]["field"]) == (422, "service_item_id")
    assert api("post", f"{BASE}/hall/menu/999999/order", {}, as_courier(couriers["author"]))[0] == 422
    assert not HallItem.objects.exists()


def test_unknown_ids_answer_404(api, auth, couriers, as_courier):
    missing = "00000000-0000-0000-0000-000000000000"
    assert api("get", f"{BASE}/hall/items/{missing}")[0] == 404
    assert (
        api("post", f"{BASE}/hall/items/{missing}/support", headers=as_courier(couriers["author"]))[0] == 404
    )
    assert api("get", f"{BASE}/manage/hall/items/{missing}", headers=auth("street_staff"))[0] == 404
