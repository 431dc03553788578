"""Who may do what: anonymous, couriers, staff of this street, above it, of another street or district."""

import pytest

from nuanxin.hall.models import HallAnswer, HallItem, HallMilestone
from nuanxin.messaging.models import InboxMessage

pytestmark = pytest.mark.django_db

BASE = "/api/v1"


def _writes(item_id, route_body):
    return [
        ("post", f"{BASE}/manage/hall/items/{item_id}/route", route_body()),
        ("put", f"{BASE}/manage/hall/items/{item_id}/answer-draft", {"state": "accepted", "body": "受理"}),
        ("post", f"{BASE}/manage/hall/items/{item_id}/answer-draft/publish", None),
        ("post", f"{BASE}/manage/hall/items/{item_id}/milestones", {"title": "进展"}),
    ]


def _state(item):
    item.refresh_from_db()
    return (item.status, item.department_id, HallAnswer.objects.count(), HallMilestone.objects.count())


@pytest.mark.parametrize(
    ("who", "expected"),
    [("other_street_staff", 404), ("other_district_staff", 404), ("steward", 403), ("courier", 403)],
)
def test_staff_endpoints_refuse_outsiders_on_read_and_write_and_nothing_changes(
    api, auth, item, route_body, who, expected
):
    before = _state(item)
    headers = auth(who)
    assert api("get", f"{BASE}/manage/hall/items/{item.public_id}", headers=headers)[0] == expected
    assert (
        api("get", f"{BASE}/manage/hall/items/{item.public_id}/departments", headers=headers)[0] == expected
    )
    for method, path, body in _writes(item.public_id, route_body):
        assert api(method, path, body, headers)[0] == expected, path
    assert _state(item) == before
    assert not InboxMessage.objects.exists()
    # their lists do not show it either (couriers and stewards are refused outright)
    status, listing = api("get", f"{BASE}/manage/hall/items", headers=headers)
    assert status == expected if expected == 403 else listing["count"] == 0


def test_anonymous_callers_get_401_on_courier_and_staff_endpoints(api, item, route_body):
    assert api("get", f"{BASE}/manage/hall/items")[0] == 401
    assert api("post", f"{BASE}/manage/hall/items/{item.public_id}/route", route_body())[0] == 401
    assert HallItem.objects.get(pk=item.pk).department_id is None
    assert api("post", f"{BASE}/hall/items", {"category": "other", "title": "x"})[0] == 401
    assert api("post", f"{BASE}/hall/items/{item.public_id}/support")[0] == 401
    assert HallItem.objects.get(pk=item.pk).support_count == 0
    # but the board and the public page are open to everyone
    assert api("get", f"{BASE}/hall/board")[0] == 200
    assert api("get", f"{BASE}/hall/items/{item.public_id}")[0] == 200


@pytest.mark.parametrize("who", ["street_staff", "district_staff", "city_staff"])
def test_staff_of_the_street_and_above_may_route_and_answer(api, auth, item, route_body, who):
    headers = auth(who)
    _, listing = api("get", f"{BASE}/manage/hall/items", headers=headers)
    assert [entry["id"] for entry in listing["items"]] == [str(item.public_id)]
    assert listing["items"][0]["author"]["phone_masked"].count("*") >= 4
    for method, path, body in _writes(item.public_id, route_body):
        assert api(method, path, body, headers)[0] in (200, 201), path
    assert _state(item)[0] == "accepted"


def test_couriers_see_only_their_own_items_as_mine(api, couriers, as_courier, item):
    status, _ = api(
        "get", f"{BASE}/hall/items/mine/{item.public_id}", headers=as_courier(couriers["neighbour"])
    )
    assert status == 404
    _, mine = api("get", f"{BASE}/hall/items/mine", headers=as_courier(couriers["neighbour"]))
    assert mine["count"] == 0
    _, mine = api("get", f"{BASE}/hall/items/mine", headers=as_courier(couriers["author"]))
    assert [entry["id"] for entry in mine["items"]] == [str(item.public_id)]
