"""Outreach visits (走访, P3): recorded by area staff, linked to registry couriers and the needs list."""

import pytest

from nuanxin.core.models import AuditEntry
from nuanxin.couriers.models import OutreachVisit
from nuanxin.couriers.tests.factories import make_courier
from nuanxin.needs.models import Need

URL = "/api/v1/registry/outreach-visits"
STREET = "120101001000"


@pytest.fixture
def zhang(areas):
    return make_courier(phone="13800138000", area=areas["street"], name="张三")


def visit_body(**changes):
    body = {
        "area": STREET,
        "visited_on": "2024-05-20",
        "company": "sf",
        "site_name": "顺丰劝业场网点",
        "site_address": "和平区劝业场街道某路1号",
        "findings": "午饭没有地方热饭；电动车充电难。",
    }
    body.update(changes)
    return body


def create(client, headers, **changes):
    return client.post(
        URL, visit_body(**changes), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en", **headers
    )


def test_staff_record_a_visit_with_couriers_met_and_needs_learned(client, auth, users, areas, zhang):
    existing_need = Need.objects.create(area=areas["street"], category="rest", title="缺少休息点")
    response = create(
        client,
        auth("street_staff"),
        courier_ids=[str(zhang.public_id)],
        couriers_met_count=12,
        need_ids=[str(existing_need.public_id)],
        new_needs=[{"category": "meals", "title": "热饭难", "description": "网点附近没有微波炉"}],
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["couriers_met"] == [
        {"id": str(zhang.public_id), "name": "张三", "phone_masked": "138****8000"}
    ]
    assert body["couriers_met_count"] == 12
    assert body["staff"] == [{"id": users["street_staff"].pk, "name": str(users["street_staff"])}]
    assert body["company"] == {"code": "sf", "name": "顺丰"}
    assert sorted(need["title"] for need in body["needs"]) == ["热饭难", "缺少休息点"]
    new_need = Need.objects.get(title="热饭难")
    assert (new_need.source, new_need.area, new_need.status) == ("outreach", areas["street"], "new")
    assert str(new_need.outreach_visit.public_id) == body["id"]
    assert AuditEntry.objects.filter(action="create", object_type="couriers.outreachvisit").count() == 1


def test_the_count_defaults_to_the_couriers_listed_and_cannot_be_smaller(client, auth, zhang):
    assert (
        create(client, auth("street_staff"), courier_ids=[str(zhang.public_id)]).json()["couriers_met_count"]
        == 1
    )
    response = create(client, auth("street_staff"), courier_ids=[str(zhang.public_id)], couriers_met_count=0)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "couriers_met_count"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"area": "120101002000"}, "area"),  # another street
        ({"area": "999999999999"}, "area"),
        ({"company": "nope"}, "company"),
        ({"site_name": " "}, "site_name"),
        ({"visited_on": "2024-13-01"}, "visited_on"),
        ({"new_needs": [{"category": "flying", "title": "x"}]}, "new_needs.0.category"),
    ],
)
def test_bad_visits_are_refused_naming_the_field_and_nothing_is_written(client, auth, areas, changes, field):
    response = create(client, auth("street_staff"), **changes)
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]
    assert not OutreachVisit.objects.exists()
    assert not Need.objects.exists()


def test_couriers_and_needs_of_another_street_cannot_be_linked(client, auth, areas):
    wang = make_courier(area=areas["other_street"])
    other_need = Need.objects.create(area=areas["other_street"], category="rest", title="别处的需求")
    response = create(
        client, auth("street_staff"), courier_ids=[str(wang.public_id)], need_ids=[str(other_need.public_id)]
    )
    assert response.status_code == 422
    assert {error["field"] for error in response.json()["errors"]} == {"courier_ids", "need_ids"}
    assert not OutreachVisit.objects.exists()
    other_need.refresh_from_db()
    assert other_need.outreach_visit is None


def test_visits_are_listed_and_read_within_the_area(client, auth, areas):
    create(client, auth("street_staff"))
    create(client, auth("other_street_staff"), area="120101002000", site_name="小白楼网点")
    assert [v["site_name"] for v in client.get(URL, **auth("street_staff")).json()["items"]] == [
        "顺丰劝业场网点"
    ]
    assert client.get(URL, **auth("district_staff")).json()["count"] == 2
    assert client.get(f"{URL}?area=120101002000", **auth("district_staff")).json()["count"] == 1


def test_staff_change_a_visit_and_the_change_is_audited(client, auth, zhang):
    visit_id = create(client, auth("street_staff")).json()["id"]
    response = client.put(
        f"{URL}/{visit_id}",
        visit_body(findings="已协调微波炉", courier_ids=[str(zhang.public_id)]),
        content_type="application/json",
        **auth("district_staff"),
    )
    assert response.status_code == 200
    assert response.json()["findings"] == "已协调微波炉"
    entry = AuditEntry.objects.get(action="update", object_type="couriers.outreachvisit")
    assert entry.changes["findings"] == ["午饭没有地方热饭；电动车充电难。", "已协调微波炉"]


@pytest.mark.parametrize("user", ["other_street_staff", "other_district_staff"])
def test_staff_of_another_street_get_404_on_read_change_and_delete_and_nothing_changes(client, auth, user):
    visit_id = create(client, auth("street_staff")).json()["id"]
    audit_rows = AuditEntry.objects.count()
    headers = auth(user)
    assert client.get(f"{URL}/{visit_id}", **headers).status_code == 404
    assert (
        client.put(
            f"{URL}/{visit_id}", visit_body(findings="改掉"), content_type="application/json", **headers
        ).status_code
        == 404
    )
    assert client.delete(f"{URL}/{visit_id}", **headers).status_code == 404
    visit = OutreachVisit.objects.get()
    assert visit.findings == "午饭没有地方热饭；电动车充电难。"
    assert AuditEntry.objects.count() == audit_rows


@pytest.mark.parametrize(("user", "status"), [("courier", 403), ("steward", 403)])
def test_couriers_and_stewards_cannot_touch_visits(client, auth, user, status):
    visit_id = create(client, auth("street_staff")).json()["id"]
    headers = auth(user)
    assert client.get(URL, **headers).status_code == status
    assert client.get(f"{URL}/{visit_id}", **headers).status_code == status
    assert create(client, headers).status_code == status
    assert client.delete(f"{URL}/{visit_id}", **headers).status_code == status
    assert OutreachVisit.objects.count() == 1


def test_anonymous_users_cannot_touch_visits(client, auth):
    assert client.get(URL).status_code == 401
    assert client.post(URL, visit_body(), content_type="application/json").status_code == 401
    assert not OutreachVisit.objects.exists()


def test_deleting_a_visit_keeps_its_needs_on_the_needs_list(client, auth):
    visit_id = create(
        client, auth("street_staff"), new_needs=[{"category": "meals", "title": "热饭难"}]
    ).json()["id"]
    assert client.delete(f"{URL}/{visit_id}", **auth("street_staff")).status_code == 204
    assert not OutreachVisit.objects.exists()
    need = Need.objects.get()
    assert need.outreach_visit is None and need.source == "outreach"
