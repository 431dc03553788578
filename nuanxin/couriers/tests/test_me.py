"""The courier's own profile through the API: registration, the managed lists, the consent gate,
and that a courier only ever reaches their own data."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from nuanxin.accounts.tests.factories import bearer
from nuanxin.core.models import AuditEntry
from nuanxin.couriers.models import Child, Consent, CourierProfile
from nuanxin.couriers.tests.factories import make_courier, make_privacy_notice, valid_id_number

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ID_NUMBER = valid_id_number("12010119900307123")


def registration(**overrides):
    data = {
        "name": "李四",
        "worker_group": "food_delivery_rider",
        "company": "meituan",
        "site_name": "美团和平站",
        "work_area": "120101001000",
        "id_number": ID_NUMBER,
        "children": [{"nickname": "小米", "birth_year": timezone.localdate().year - 7, "gender": "female"}],
        "is_union_member": True,
        "is_party_member": False,
    }
    data.update(overrides)
    return data


def put_me(client, courier, data, **headers):
    return client.put("/api/v1/me", data, content_type="application/json", **bearer(courier.user), **headers)


@pytest.fixture
def courier(areas):
    """Just signed in and consented, nothing filled in yet."""
    return make_courier(registered=False, company=None, name="", worker_group="")


def raw_row(profile):
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, id_number FROM couriers_courierprofile WHERE id = %s", [profile.pk])
        return cursor.fetchone()


# --- lists and the notice -----------------------------------------------------------------------


def test_companies_are_the_managed_list(client, db):
    response = client.get("/api/v1/companies")
    assert response.status_code == 200
    names = [company["name"] for company in response.json()]
    for name in [
        "顺丰",
        "京东",
        "中通",
        "圆通",
        "申通",
        "韵达",
        "邮政EMS",
        "极兔",
        "美团",
        "饿了么",
        "滴滴",
        "其他",
    ]:
        assert name in names


def test_worker_groups_are_listed(client, db):
    codes = [group["code"] for group in client.get("/api/v1/worker-groups").json()]
    assert codes == ["express_courier", "food_delivery_rider", "ride_hailing_driver", "truck_driver", "other"]


def test_the_privacy_notice_is_the_newest_published_version(client, db):
    assert client.get("/api/v1/privacy-notice").status_code == 404
    make_privacy_notice(version="1", published_at=timezone.now() - timedelta(days=30))
    make_privacy_notice(version="2", published_at=timezone.now() - timedelta(days=1))
    make_privacy_notice(version="3", published_at=timezone.now() + timedelta(days=7))  # scheduled

    body = client.get("/api/v1/privacy-notice").json()

    assert body["version"] == "2"


# --- consent gate -------------------------------------------------------------------------------


def test_nothing_but_consent_works_until_the_courier_consents(client, areas):
    notice = make_privacy_notice(version="1")
    courier = make_courier(consent=False, registered=False, company=None, name="")
    headers = bearer(courier.user)

    assert client.get("/api/v1/me", **headers).json()["code"] == "consent_required"
    response = put_me(client, courier, registration())
    assert response.status_code == 403
    assert response.json()["code"] == "consent_required"
    assert (
        client.post(
            "/api/v1/me/wechat", {"code": "x"}, content_type="application/json", **headers
        ).status_code
        == 403
    )
    courier.refresh_from_db()
    assert courier.name == "" and courier.registered_at is None

    # when the courier accepts the current version
    response = client.post(
        "/api/v1/me/consent",
        {"version": "1"},
        content_type="application/json",
        HTTP_USER_AGENT="Mozilla/5.0 (iPhone) MicroMessenger/8.0",
        REMOTE_ADDR="10.1.2.3",
        **headers,
    )

    # then it is recorded with time, version, address and browser, and the profile opens
    assert response.status_code == 200
    assert response.json()["version"] == "1"
    consent = Consent.objects.get(courier=courier)
    assert consent.notice == notice
    assert consent.ip_address == "10.1.2.3"
    assert "MicroMessenger" in consent.user_agent
    assert consent.given_at is not None
    assert client.get("/api/v1/me", **headers).status_code == 200


def test_a_new_notice_version_asks_again(client, courier):
    headers = bearer(courier.user)
    assert client.get("/api/v1/me", **headers).status_code == 200

    make_privacy_notice(version="2099-new")

    assert client.get("/api/v1/me", **headers).json()["code"] == "consent_required"
    client.post("/api/v1/me/consent", {"version": "2099-new"}, content_type="application/json", **headers)
    assert client.get("/api/v1/me", **headers).status_code == 200


def test_consenting_to_an_old_version_is_refused(client, areas):
    make_privacy_notice(version="1", published_at=timezone.now() - timedelta(days=2))
    make_privacy_notice(version="2")
    courier = make_courier(consent=False)

    response = client.post(
        "/api/v1/me/consent", {"version": "1"}, content_type="application/json", **bearer(courier.user), **EN
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "version"
    assert not Consent.objects.filter(courier=courier).exists()


def test_consenting_twice_is_one_record(client, courier):
    version = Consent.objects.get(courier=courier).notice.version
    response = client.post(
        "/api/v1/me/consent", {"version": version}, content_type="application/json", **bearer(courier.user)
    )
    assert response.status_code == 200
    assert Consent.objects.filter(courier=courier).count() == 1


# --- registration -------------------------------------------------------------------------------


def test_a_courier_registers(client, courier):
    response = put_me(client, courier, registration())

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "李四"
    assert body["company"] == "meituan" and body["company_name"] == "美团"
    assert body["work_area"]["code"] == "120101001000"
    assert body["id_number_masked"] == ID_NUMBER[:3] + "*" * 11 + ID_NUMBER[-4:]
    assert body["children"][0]["nickname"] == "小米"
    assert body["is_union_member"] is True
    assert body["is_registered"] is True
    assert body["completeness"] == 100
    assert "id_number" not in body and "phone" not in body
    # the phone and the ID number are encrypted at rest
    courier.refresh_from_db()
    stored_phone, stored_id = raw_row(courier)
    assert courier.id_number == ID_NUMBER
    assert ID_NUMBER not in stored_id and courier.phone not in stored_phone
    # the audit row names the change without the personal values
    entry = AuditEntry.objects.filter(object_id=str(courier.public_id), action="create").get()
    assert "李四" not in str(entry.changes) and ID_NUMBER not in str(entry.changes)
    assert entry.area_path == "/120000000000/120101000000/120101001000/"


def test_the_profile_is_read_back_in_a_few_queries(client, courier, django_assert_max_num_queries):
    put_me(
        client,
        courier,
        registration(
            children=[
                {"nickname": name, "birth_year": timezone.localdate().year - 5, "gender": ""}
                for name in "甲乙丙丁"
            ]
        ),
    )
    headers = bearer(courier.user)
    with django_assert_max_num_queries(8):  # token, courier, notice, consent, profile, children (+1 write)
        body = client.get("/api/v1/me", **headers).json()
    assert body["name"] == "李四" and body["site_name"] == "美团和平站"
    assert len(body["children"]) == 4


def test_other_company_needs_its_name(client, courier):
    response = put_me(client, courier, registration(company="other", company_other=""), **EN)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["company_other"]

    response = put_me(client, courier, registration(company="other", company_other="蜂鸟众包"))
    assert response.status_code == 200
    assert response.json()["company_other"] == "蜂鸟众包"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "  "}, "name"),
        ({"worker_group": "pilot"}, "worker_group"),
        ({"company": "acme"}, "company"),
        ({"work_area": "120101000000"}, "work_area"),  # a district, not a street
        ({"work_area": "120101001001"}, "work_area"),  # a community
        ({"work_area": "999999999999"}, "work_area"),
        ({"id_number": ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1")}, "id_number"),  # check digit
        ({"id_number": "12010119901307123X"}, "id_number"),  # month 13
        ({"id_number": "1234"}, "id_number"),
        ({"children": [{"nickname": "", "birth_year": 2018}]}, "children.0.nickname"),
        ({"children": [{"nickname": "豆豆", "birth_year": 1950}]}, "children.0.birth_year"),
        ({"children": [{"nickname": "豆豆", "birth_year": 2018, "gender": "x"}]}, "children.0.gender"),
    ],
)
def test_bad_registration_input_is_refused_field_by_field_and_nothing_is_saved(
    client, courier, overrides, field
):
    response = put_me(client, courier, registration(**overrides), **EN)

    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]
    courier.refresh_from_db()
    assert courier.registered_at is None and courier.name == "" and courier.id_number == ""
    assert not Child.objects.filter(courier=courier).exists()


def test_several_errors_come_back_together(client, courier):
    response = put_me(client, courier, registration(name="", company="acme", work_area="1"), **EN)
    assert {error["field"] for error in response.json()["errors"]} == {"name", "company", "work_area"}


def test_wrong_types_are_refused(client, courier):
    response = put_me(
        client, courier, registration(children=[{"nickname": "豆豆", "birth_year": "soon"}]), **EN
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "children.0.birth_year"


def test_an_omitted_id_number_is_kept_and_an_empty_one_erased(client, courier):
    put_me(client, courier, registration())
    data = registration()
    del data["id_number"], data["children"]

    body = put_me(client, courier, data).json()
    assert body["id_number_masked"] != ""
    assert len(body["children"]) == 1  # omitted children are kept too

    body = put_me(client, courier, registration(id_number="", children=[])).json()
    assert body["id_number_masked"] == "" and body["children"] == []
    courier.refresh_from_db()
    assert courier.id_number == "" and courier.id_number_hash == ""


# --- authorization ------------------------------------------------------------------------------


def test_me_needs_a_signed_in_courier(client, users):
    assert client.get("/api/v1/me").status_code == 401
    response = client.get("/api/v1/me", **bearer(users["street_staff"]))
    assert response.status_code == 403
    response = client.put(
        "/api/v1/me", registration(), content_type="application/json", **bearer(users["street_staff"])
    )
    assert response.status_code == 403


def test_a_courier_only_ever_reaches_their_own_profile(client, courier):
    other = make_courier(name="王五", phone="13911112222")
    before = CourierProfile.objects.filter(pk=other.pk).values().get()

    put_me(client, courier, registration(name="李四"))
    body = client.get("/api/v1/me", **bearer(courier.user)).json()

    assert body["public_id"] == str(courier.public_id)
    assert CourierProfile.objects.filter(pk=other.pk).values().get() == before
    # an id smuggled into the body is not a field of /me and changes nothing
    response = put_me(client, courier, registration(public_id=str(other.public_id), name="张三"))
    assert response.json()["public_id"] == str(courier.public_id)
    assert CourierProfile.objects.get(pk=other.pk).name == "王五"


def test_the_session_of_the_mobile_site_works_too(client, courier):
    client.force_login(courier.user)
    assert client.get("/api/v1/me").json()["public_id"] == str(courier.public_id)
