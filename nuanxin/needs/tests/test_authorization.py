"""The authorization matrix of needs and suggestions: couriers reach only their own rows, staff only
their area's; every refusal leaves the row as it was."""

import pytest

from nuanxin.accounts.tests.factories import bearer
from nuanxin.messaging.models import InboxMessage
from nuanxin.needs.models import Need, NeedEvent, Suggestion
from nuanxin.needs.services import need_submit, suggestion_submit

pytestmark = pytest.mark.django_db

STAFF_MATRIX = [
    # (who, may read and write)
    ("anonymous", 401),
    ("courier", 403),
    ("other_courier", 403),
    ("other_street_staff", 404),
    ("other_district_staff", 404),
    ("steward", 403),
    ("street_staff", 200),
    ("district_staff", 200),
    ("city_staff", 200),
]


@pytest.fixture
def rows(couriers):
    """A need and a letter of courier `me` in 劝业场街道."""
    need = need_submit(courier=couriers["me"], category="housing", title="想找便宜的宿舍")
    suggestion = suggestion_submit(courier=couriers["me"], subject="充电桩", body="希望驿站多装几个充电桩")
    return {"need": need, "suggestion": suggestion}


@pytest.fixture
def headers_of(users, couriers):
    def headers(who):
        if who == "anonymous":
            return {}
        if who == "courier":
            return bearer(couriers["me"].user)
        if who == "other_courier":
            return bearer(couriers["neighbour"].user)
        return bearer(users[who])

    return headers


def _snapshot(rows):
    need = Need.objects.get(pk=rows["need"].pk)
    suggestion = Suggestion.objects.get(pk=rows["suggestion"].pk)
    return (
        need.status,
        need.reply,
        NeedEvent.objects.filter(need=need).count(),
        suggestion.status,
        suggestion.reply,
        InboxMessage.objects.count(),
    )


@pytest.mark.parametrize(("who", "expected"), STAFF_MATRIX)
def test_staff_need_endpoints(api, rows, headers_of, who, expected):
    headers = headers_of(who)
    url = f"/api/v1/manage/needs/{rows['need'].public_id}"
    before = _snapshot(rows)

    assert api("get", url, headers=headers)[0] == expected
    status, _ = api("post", f"{url}/transition", {"to_status": "in_progress"}, headers)
    assert status == expected
    status, _ = api("post", f"{url}/reply", {"reply": "已安排"}, headers)
    assert status == expected
    if expected != 200:
        assert _snapshot(rows) == before
    else:
        need = Need.objects.get(pk=rows["need"].pk)
        assert need.status == "answered" and need.reply == "已安排"


@pytest.mark.parametrize(("who", "expected"), STAFF_MATRIX)
def test_staff_suggestion_endpoints(api, rows, headers_of, who, expected):
    headers = headers_of(who)
    url = f"/api/v1/manage/suggestions/{rows['suggestion'].public_id}"
    before = _snapshot(rows)

    assert api("get", url, headers=headers)[0] == expected
    status, _ = api("post", f"{url}/reply", {"reply": "已转交街道"}, headers)
    assert status == expected
    if expected != 200:
        assert _snapshot(rows) == before
    else:
        assert Suggestion.objects.get(pk=rows["suggestion"].pk).reply == "已转交街道"


@pytest.mark.parametrize(
    ("who", "listed"), [("other_street_staff", 0), ("street_staff", 1), ("city_staff", 1)]
)
def test_staff_lists_hold_only_their_areas_rows(api, rows, headers_of, who, listed):
    headers = headers_of(who)
    assert api("get", "/api/v1/manage/needs", headers=headers)[1]["count"] == listed
    assert api("get", "/api/v1/manage/suggestions", headers=headers)[1]["count"] == listed


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 401), ("courier", 200), ("other_courier", 404), ("street_staff", 403)],
)
def test_a_courier_reads_only_their_own_need_and_letter(api, rows, headers_of, who, expected):
    headers = headers_of(who)
    assert api("get", f"/api/v1/needs/mine/{rows['need'].public_id}", headers=headers)[0] == expected
    assert (
        api("get", f"/api/v1/suggestions/mine/{rows['suggestion'].public_id}", headers=headers)[0] == expected
    )


def test_another_couriers_list_is_empty(api, rows, headers_of):
    assert api("get", "/api/v1/needs/mine", headers=headers_of("other_courier"))[1]["count"] == 0
    assert api("get", "/api/v1/suggestions/mine", headers=headers_of("other_courier"))[1]["count"] == 0
    assert api("get", "/api/v1/needs/mine", headers=headers_of("courier"))[1]["count"] == 1


def test_staff_cannot_raise_needs_as_a_courier(api, headers_of):
    status, _ = api("post", "/api/v1/needs", {"category": "meals", "title": "x"}, headers_of("street_staff"))
    assert status == 403
    assert Need.objects.count() == 0


def test_staff_cannot_create_forums_or_needs_in_another_street(api, headers_of, areas):
    headers = headers_of("other_street_staff")
    status, body = api(
        "post",
        "/api/v1/manage/forums",
        {"area_code": areas["street"].code, "held_on": "2024-05-01", "title": "座谈会"},
        headers,
    )
    assert status == 422 and body["errors"][0]["field"] == "area_code"
    status, body = api(
        "post",
        "/api/v1/manage/needs",
        {"area_code": areas["street"].code, "category": "meals", "title": "x"},
        headers,
    )
    assert status == 422
    assert Need.objects.count() == 0
