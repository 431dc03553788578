"""The staff registry API: area scoping, masking, search, filters, counts and the audited detail."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nuanxin.core.models import AuditEntry
from nuanxin.couriers.tests.factories import make_courier, valid_id_number

URL = "/api/v1/registry/couriers"


@pytest.fixture
def couriers(areas):
    """Two couriers in 劝业场街道, one in 小白楼街道 (same district), one in 大王庄街道 (other district)."""
    return {
        "zhang": make_courier(
            phone="13800138000",
            area=areas["street"],
            company="sf",
            name="张三",
            site_name="顺丰劝业场网点",
            is_union_member=True,
            id_number=valid_id_number(),
        ),
        "li": make_courier(
            phone="13900001111", area=areas["street"], company="meituan", name="李四", is_party_member=True
        ),
        "wang": make_courier(phone="13700002222", area=areas["other_street"], company="sf", name="王五"),
        "zhao": make_courier(
            phone="13600003333", area=areas["other_district_street"], company="didi", name="赵六"
        ),
    }


def names(response):
    return sorted(item["name"] for item in response.json()["items"])


# --- who may see what -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("street_staff", ["张三", "李四"]),
        ("other_street_staff", ["王五"]),
        ("district_staff", ["张三", "李四", "王五"]),
        ("city_staff", ["张三", "李四", "王五", "赵六"]),
    ],
)
def test_staff_see_the_couriers_of_their_area_only(client, auth, couriers, user, expected):
    response = client.get(URL, **auth(user))
    assert response.status_code == 200
    assert names(response) == expected
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize("user", ["courier", "steward"])
def test_couriers_and_stewards_are_refused_the_registry(client, auth, couriers, user):
    response = client.get(URL, **auth(user))
    assert response.status_code == 403
    assert "items" not in response.json()


def test_anonymous_users_must_sign_in(client, couriers):
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}/{couriers['zhang'].public_id}").status_code == 401
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.VIEW).exists()


def test_lists_are_always_masked(client, auth, couriers):
    body = client.get(URL, **auth("city_staff")).json()
    zhang = next(item for item in body["items"] if item["name"] == "张三")
    assert zhang["phone_masked"] == "138****8000"
    assert "13800138000" not in str(body)
    assert valid_id_number() not in str(body)
    assert "phone" not in zhang and "id_number" not in zhang
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.VIEW).exists()


# --- the detail -----------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["street_staff", "district_staff", "city_staff"])
def test_staff_of_the_area_read_phone_and_id_in_full_and_the_read_is_audited(
    client, auth, users, couriers, user
):
    zhang = couriers["zhang"]
    response = client.get(f"{URL}/{zhang.public_id}", **auth(user))
    assert response.status_code == 200
    body = response.json()
    assert body["phone"] == "13800138000"
    assert body["id_number"] == valid_id_number()
    assert body["phone_masked"] == "138****8000"
    entry = AuditEntry.objects.get(action=AuditEntry.Action.VIEW)
    assert entry.actor == users[user]
    assert entry.object_id == str(zhang.public_id)
    assert entry.area_path == zhang.work_area.path
    assert "13800138000" not in str(entry.changes) + entry.message


def test_every_full_read_writes_its_own_audit_row(client, auth, couriers):
    for _ in range(3):
        client.get(f"{URL}/{couriers['li'].public_id}", **auth("street_staff"))
    assert (
        AuditEntry.objects.filter(
            action=AuditEntry.Action.VIEW, object_id=str(couriers["li"].public_id)
        ).count()
        == 3
    )


@pytest.mark.parametrize("user", ["other_street_staff", "other_district_staff"])
def test_staff_of_another_street_get_404_and_nothing_is_audited(client, auth, couriers, user):
    response = client.get(f"{URL}/{couriers['zhang'].public_id}", **auth(user))
    assert response.status_code == 404
    assert "13800138000" not in response.content.decode()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("user", ["courier", "steward"])
def test_couriers_and_stewards_cannot_read_a_courier(client, auth, couriers, user):
    response = client.get(f"{URL}/{couriers['zhang'].public_id}", **auth(user))
    assert response.status_code == 403
    assert not AuditEntry.objects.exists()


def test_a_missing_courier_answers_like_another_streets(client, auth, couriers):
    missing = client.get(f"{URL}/00000000-0000-0000-0000-000000000000", **auth("street_staff"))
    forbidden = client.get(f"{URL}/{couriers['wang'].public_id}", **auth("street_staff"))
    assert missing.status_code == forbidden.status_code == 404
    assert missing.json() == forbidden.json()


def test_a_deleted_account_is_in_nobodys_registry(client, auth, couriers):
    from django.utils import timezone

    couriers["li"].deleted_at = timezone.now()
    couriers["li"].save()
    assert names(client.get(URL, **auth("street_staff"))) == ["张三"]
    assert client.get(f"{URL}/{couriers['li'].public_id}", **auth("street_staff")).status_code == 404


# --- search, filters, pagination ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=13800138000", ["张三"]),
        ("q=138-0013-8000", ["张三"]),
        ("q=1380013", []),  # part of a number finds nothing: numbers are found whole, by their hash
        ("q=李", ["李四"]),
        ("q=劝业场网点", ["张三"]),
        ("q=13700002222", ["王五"]),
        ("company=meituan", ["李四"]),
        ("company=sf", ["张三", "王五"]),
        ("worker_group=food_delivery_rider", ["李四"]),
        ("street=120101002000", ["王五"]),
        ("street=120101000000", ["张三", "李四", "王五"]),
        ("is_union_member=true", ["张三"]),
        ("is_party_member=true", ["李四"]),
        ("is_party_member=false", ["张三", "王五", "赵六"]),
        ("source=self", ["张三", "李四", "王五", "赵六"]),
        ("source=import", []),
        ("is_registered=true&company=sf", ["张三", "王五"]),
    ],
)
def test_search_and_filters(client, auth, couriers, query, expected):
    response = client.get(f"{URL}?{query}", **auth("city_staff"))
    assert response.status_code == 200
    assert names(response) == sorted(expected)


def test_a_street_filter_cannot_reach_outside_the_area(client, auth, couriers):
    response = client.get(f"{URL}?street=120102001000", **auth("street_staff"))
    assert response.status_code == 200
    assert response.json()["items"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("street=12", "street"),
        ("street=999999999999", "street"),
        ("worker_group=pilot", "worker_group"),
        ("page=0", "page"),
        ("page_size=1000", "page_size"),
        ("is_union_member=maybe", "is_union_member"),
    ],
)
def test_bad_filters_answer_422_naming_the_field(client, auth, couriers, query, field):
    response = client.get(f"{URL}?{query}", **auth("city_staff"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_pagination(client, auth, areas):
    for index in range(5):
        make_courier(area=areas["street"], name=f"快递员{index}")
    first = client.get(f"{URL}?page_size=2", **auth("street_staff")).json()
    third = client.get(f"{URL}?page_size=2&page=3", **auth("street_staff")).json()
    assert first["count"] == third["count"] == 5
    assert len(first["items"]) == 2 and len(third["items"]) == 1
    everything = {
        item["id"]
        for page in (1, 2, 3)
        for item in client.get(f"{URL}?page_size=2&page={page}", **auth("street_staff")).json()["items"]
    }
    assert len(everything) == 5


def test_the_list_costs_the_same_number_of_queries_for_3_or_30_couriers(client, auth, areas):
    headers = auth("street_staff")
    for _ in range(3):
        make_courier(area=areas["street"])
    client.get(URL, **headers)  # the token's first use is recorded once; measure steady requests
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"{URL}?page_size=100", **headers).status_code == 200
    for _ in range(27):
        make_courier(area=areas["street"], company="meituan")
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"{URL}?page_size=100", **headers)
    assert len(response.json()["items"]) == 30
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(many.captured_queries) <= 4  # token with its user, the page, the count


# --- counts ---------------------------------------------------------------------------------------


def test_counts_by_company_group_street_union_and_party(client, auth, couriers):
    body = client.get(f"{URL}/counts", **auth("district_staff")).json()
    assert body["total"] == 3
    assert {row["key"]: row["count"] for row in body["by_company"]} == {"sf": 2, "meituan": 1}
    assert {row["key"]: row["count"] for row in body["by_worker_group"]} == {
        "express_courier": 2,
        "food_delivery_rider": 1,
    }
    assert {row["label"]: row["count"] for row in body["by_street"]} == {"劝业场街道": 2, "小白楼街道": 1}
    assert body["union_members"] == 1
    assert body["party_members"] == 1


def test_counts_follow_the_filters_and_the_area(client, auth, couriers):
    body = client.get(f"{URL}/counts?company=sf", **auth("street_staff")).json()
    assert body["total"] == 1
    assert body["by_street"] == [{"key": "120101001000", "label": "劝业场街道", "count": 1}]
    assert client.get(f"{URL}/counts", **auth("courier")).status_code == 403


def test_the_shared_factory_makes_a_registered_consenting_courier(areas):
    from nuanxin.core.crypto import lookup_hash
    from nuanxin.couriers.permissions import courier_has_current_consent
    from nuanxin.couriers.tests.factories import CourierFactory

    courier = CourierFactory(phone="13800138000", area=areas["street"], company="meituan")
    assert courier.phone == "13800138000" and courier.phone_masked == "138****8000"
    assert courier.phone_hash == lookup_hash("13800138000")
    assert (courier.worker_group, courier.user.role, courier.is_registered) == (
        "food_delivery_rider",
        "courier",
        True,
    )
    assert courier_has_current_consent(courier)
