"""The back office for couriers: masked, area-scoped lists; an audited detail; visits and companies."""

import pytest

from nuanxin.core.models import AuditEntry
from nuanxin.couriers.models import Company, CourierProfile, OutreachVisit
from nuanxin.couriers.tests.factories import make_courier, valid_id_number

LIST = "/admin/couriers/courierprofile/"


@pytest.fixture
def couriers(areas):
    return {
        "zhang": make_courier(
            phone="13800138000", area=areas["street"], name="张三", id_number=valid_id_number()
        ),
        "wang": make_courier(phone="13700002222", area=areas["other_street"], name="王五"),
    }


def signed_in(client, user):
    client.force_login(user)
    return client


def test_the_list_is_masked_and_scoped(client, users, couriers):
    page = signed_in(client, users["street_staff"]).get(LIST).content.decode()
    assert "张三" in page and "138****8000" in page
    assert "王五" not in page
    assert "13800138000" not in page
    assert not AuditEntry.objects.exists()


def test_search_finds_a_whole_phone_number_through_the_hash(client, users, couriers):
    client = signed_in(client, users["district_staff"])
    assert "张三" in client.get(LIST, {"q": "13800138000"}).content.decode()
    found = client.get(LIST, {"q": "13700002222"}).content.decode()
    assert "王五" in found and "张三" not in found
    assert "张三" in client.get(LIST, {"q": "张"}).content.decode()


def test_the_detail_shows_the_numbers_in_full_and_is_audited(client, users, couriers):
    zhang = couriers["zhang"]
    page = signed_in(client, users["street_staff"]).get(f"{LIST}{zhang.pk}/change/").content.decode()
    assert "13800138000" in page and valid_id_number() in page
    assert 'name="phone"' not in page and 'name="id_number"' not in page and "phone_hash" not in page
    assert "gAAAA" not in page  # no Fernet token anywhere
    entry = AuditEntry.objects.get(action=AuditEntry.Action.VIEW)
    assert entry.actor == users["street_staff"] and entry.object_id == str(zhang.public_id)


@pytest.mark.parametrize("user", ["other_street_staff", "other_district_staff"])
def test_another_streets_staff_cannot_open_the_detail_and_nothing_is_audited(client, users, couriers, user):
    response = signed_in(client, users[user]).get(f"{LIST}{couriers['zhang'].pk}/change/")
    assert response.status_code in (302, 404)
    assert "13800138000" not in response.content.decode()
    assert not AuditEntry.objects.exists()


def test_staff_change_registry_fields_through_the_service(client, users, areas, couriers):
    zhang = couriers["zhang"]
    response = signed_in(client, users["street_staff"]).post(
        f"{LIST}{zhang.pk}/change/",
        {
            "name": "张三丰",
            "worker_group": "express_courier",
            "company": Company.objects.get(code="jd").pk,
            "company_other": "",
            "site_name": "京东网点",
            "work_area": areas["street"].pk,
            "is_union_member": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    zhang.refresh_from_db()
    assert (zhang.name, zhang.company.code, zhang.is_union_member) == ("张三丰", "jd", True)
    assert zhang.phone == "13800138000"  # untouched
    entry = AuditEntry.objects.get(action=AuditEntry.Action.UPDATE)
    assert entry.changes["name"] == ["张三", "张三丰"]
    assert "13800138000" not in str(entry.changes)


def test_staff_cannot_move_a_courier_to_another_street(client, users, areas, couriers):
    zhang = couriers["zhang"]
    response = signed_in(client, users["street_staff"]).post(
        f"{LIST}{zhang.pk}/change/",
        {"name": "张三", "worker_group": "express_courier", "work_area": areas["other_street"].pk},
    )
    assert response.status_code == 200  # the form again, with the error
    zhang.refresh_from_db()
    assert zhang.work_area == areas["street"]


def test_couriers_have_no_back_office(client, users, couriers):
    response = signed_in(client, users["courier"]).get(LIST)
    assert response.status_code == 302
    assert CourierProfile.objects.count() == 2


def test_only_city_staff_change_the_company_list(client, users):
    sf = Company.objects.get(code="sf")
    signed_in(client, users["street_staff"]).post(
        f"/admin/couriers/company/{sf.pk}/change/",
        {"code": "sf", "name": "改名", "worker_group": "express_courier", "sort_order": 1, "is_active": "on"},
    )
    assert Company.objects.get(code="sf").name == "顺丰"
    client.force_login(users["city_staff"])
    response = client.post(
        f"/admin/couriers/company/{sf.pk}/change/",
        {
            "code": "sf",
            "name": "顺丰速运",
            "worker_group": "express_courier",
            "sort_order": 1,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert Company.objects.get(code="sf").name == "顺丰速运"
    assert AuditEntry.objects.filter(action="update", object_type="couriers.company").count() == 1


def test_staff_record_an_outreach_visit_in_the_admin(client, users, areas, couriers):
    response = signed_in(client, users["street_staff"]).post(
        "/admin/couriers/outreachvisit/add/",
        {
            "area": areas["street"].pk,
            "visited_on": "2024-05-20",
            "company": Company.objects.get(code="sf").pk,
            "site_name": "顺丰劝业场网点",
            "staff": [users["street_staff"].pk],
            "couriers_met": str(couriers["zhang"].pk),
            "couriers_met_count": "8",
            "findings": "充电难",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    visit = OutreachVisit.objects.get()
    assert list(visit.couriers_met.all()) == [couriers["zhang"]]
    assert visit.couriers_met_count == 8
    assert AuditEntry.objects.filter(action="create", object_type="couriers.outreachvisit").exists()


def test_an_outreach_visit_cannot_list_another_streets_courier(client, users, areas, couriers):
    response = signed_in(client, users["street_staff"]).post(
        "/admin/couriers/outreachvisit/add/",
        {
            "area": areas["street"].pk,
            "visited_on": "2024-05-20",
            "site_name": "网点",
            "staff": [users["street_staff"].pk],
            "couriers_met": str(couriers["wang"].pk),
            "couriers_met_count": "1",
        },
    )
    assert response.status_code == 200
    assert not OutreachVisit.objects.exists()
