"""The staff station API (/api/v1/manage/), through the real URLs with the Django test client."""

import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nuanxin.core.models import AuditEntry
from nuanxin.stations.models import (
    Amenity,
    DemonstrationBatch,
    PublicHoliday,
    ResourceItem,
    ServiceContact,
    StandardCheck,
    Station,
)

from .factories import (
    DemonstrationBatchFactory,
    ResourceItemFactory,
    ServiceContactFactory,
    make_station,
    station_data,
    use_temporary_media,
)

API = "/api/v1/manage"
JSON = "application/json"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    return use_temporary_media(settings, tmp_path)


def post(client, url, data, headers):
    return client.post(url, data, content_type=JSON, **headers)


def patch(client, url, data, headers):
    return client.patch(url, data, content_type=JSON, **headers)


def errors_of(response):
    return {error["field"]: error["message"] for error in response.json()["errors"]}


# --- list -----------------------------------------------------------------------------------------


def test_street_staff_list_only_their_streets_stations_with_counts(client, areas, auth):
    # given stations in the street (one in its community), the sibling street and another district
    mine = make_station(areas["street"], name="劝业场驿站")
    in_community = make_station(areas["community"], name="花园路驿站", status=Station.Status.PLANNED)
    make_station(areas["other_street"], name="小白楼驿站")
    make_station(areas["other_district_street"], name="大王庄驿站")

    # when street staff list their stations
    response = client.get(f"{API}/stations", **auth("street_staff"))

    # then they see the two of their subtree, counted by status
    body = response.json()
    assert response.status_code == 200
    assert {item["id"] for item in body["items"]} == {str(mine.public_id), str(in_community.public_id)}
    assert body["count"] == 2
    assert body["status_counts"]["active"] == 1
    assert body["status_counts"]["planned"] == 1
    assert body["status_counts"]["suspended"] == 0


def test_district_and_city_staff_see_more(client, areas, auth):
    make_station(areas["street"])
    make_station(areas["other_street"])
    make_station(areas["other_district_street"])

    district = client.get(f"{API}/stations", **auth("district_staff")).json()
    city = client.get(f"{API}/stations", **auth("city_staff")).json()

    assert district["count"] == 2
    assert city["count"] == 3


def test_list_filters(client, areas, auth):
    batch = DemonstrationBatchFactory()
    charging = make_station(areas["street"], name="充电驿站", amenities=["charging", "toilet"])
    signed = make_station(areas["community"], name="挂牌驿站", has_unified_sign=True, address="花园路8号")
    demo = make_station(
        areas["other_street"], name="示范驿站", status=Station.Status.DEMONSTRATION, demonstration_batch=batch
    )
    headers = auth("district_staff")

    def ids(query):
        response = client.get(f"{API}/stations?{query}", **headers)
        assert response.status_code == 200, response.content
        return {item["name"] for item in response.json()["items"]}

    assert ids("amenity=charging") == {charging.name}
    assert ids("amenity=charging&amenity=toilet") == {charging.name}
    assert ids("amenity=charging&amenity=wifi") == set()
    assert ids(f"area={areas['community'].code}") == {signed.name}
    assert ids("has_unified_sign=true") == {signed.name}
    assert ids("status=demonstration") == {demo.name}
    assert ids(f"demonstration_batch={batch.pk}") == {demo.name}
    assert ids("q=花园路") == {signed.name}
    assert ids("q=充电") == {charging.name}


def test_status_counts_ignore_the_status_filter(client, areas, auth):
    make_station(areas["street"], status=Station.Status.ACTIVE)
    make_station(areas["street"], status=Station.Status.SUSPENDED)

    body = client.get(f"{API}/stations?status=suspended", **auth("street_staff")).json()

    assert body["count"] == 1
    assert body["status_counts"]["active"] == 1
    assert body["status_counts"]["suspended"] == 1


def test_unknown_amenity_filter_is_a_field_error(client, areas, auth):
    response = client.get(
        f"{API}/stations?amenity=jacuzzi", HTTP_ACCEPT_LANGUAGE="en", **auth("street_staff")
    )

    assert response.status_code == 422
    assert errors_of(response) == {"amenity": "Unknown amenity: jacuzzi."}


def test_list_pages_and_a_fixed_number_of_queries(client, areas, auth):
    for _number in range(5):
        make_station(areas["street"], amenities=["rest", "wifi"])
    headers = auth("street_staff")
    client.get(f"{API}/stations", **headers)  # warm up (token lookup caches nothing, but sessions)

    with CaptureQueriesContext(connection) as few:
        first = client.get(f"{API}/stations?page=1&page_size=2", **headers).json()
    for _number in range(10):
        make_station(areas["street"], amenities=["rest"])
    with CaptureQueriesContext(connection) as many:
        client.get(f"{API}/stations?page_size=100", **headers)

    second = client.get(f"{API}/stations?page=2&page_size=2", **headers).json()
    assert len(first["items"]) == 2
    assert first["count"] == 5
    assert {item["id"] for item in first["items"]}.isdisjoint({item["id"] for item in second["items"]})
    assert len(many.captured_queries) == len(few.captured_queries)


# --- create ---------------------------------------------------------------------------------------


def test_street_staff_create_a_station_with_hours_contacts_and_amenities(client, areas, auth):
    response = post(client, f"{API}/stations", station_data(areas["community"]), auth("street_staff"))

    assert response.status_code == 201, response.content
    body = response.json()
    station = Station.objects.get(public_id=body["id"])
    assert station.area == areas["community"]
    assert body["amenities"] == ["rest", "charging"]
    assert body["opening_periods"] == [
        {"weekday": 0, "opens_at": "08:00", "closes_at": "20:00"},
        {"weekday": 4, "opens_at": "22:00", "closes_at": "06:00"},
    ]
    assert body["contacts"] == [{"title": "服务管家", "name": "王芳", "phone": "13800000000"}]
    assert [check["item"] for check in body["standard"]] == [
        "site",
        "equipment",
        "personnel",
        "service_items",
        "workflow",
        "rules",
    ]
    assert body["status"] == "planned"
    assert body["is_public"] is False
    # derived fields for the finder were computed
    assert (
        station.amenity_mask
        == Amenity.objects.get(code="rest").mask | Amenity.objects.get(code="charging").mask
    )
    assert station.schedule["week"][0] == [[480, 1200]]
    entry = AuditEntry.objects.get(object_id=body["id"])
    assert entry.action == "create"
    assert entry.actor_label == "street"
    assert entry.changes["name"] == [None, "劝业场街道暖心驿站"]
    assert entry.area_path == areas["community"].path


def test_create_in_gcj02_stores_wgs84(client, areas, auth):
    data = station_data(areas["street"], latitude=39.12016, longitude=117.20001, crs="gcj02")

    response = post(client, f"{API}/stations", data, auth("street_staff"))

    body = response.json()
    assert response.status_code == 201
    assert body["latitude"] == pytest.approx(39.1188, abs=0.001)
    assert body["gcj02"]["lat"] == pytest.approx(39.12016, abs=1e-5)
    assert body["gcj02"]["lng"] == pytest.approx(117.20001, abs=1e-5)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"latitude": 91}, "latitude"),
        ({"longitude": -181}, "longitude"),
        ({"latitude": "north"}, "latitude"),
        ({"crs": "bd09"}, "crs"),
        ({"amenity_codes": ["rest", "jacuzzi"]}, "amenity_codes"),
        ({"area_code": "999999999999"}, "area_code"),
        ({"area_code": "120101000000"}, "area_code"),  # a district: not a street or community
        ({"host_type": "castle"}, "host_type"),
        ({"name": ""}, "name"),
        (
            {"opening_periods": [{"weekday": 0, "opens_at": "08:00", "closes_at": "08:00"}]},
            "opening_periods.0.closes_at",
        ),
        (
            {"opening_periods": [{"weekday": 7, "opens_at": "08:00", "closes_at": "12:00"}]},
            "opening_periods.0.weekday",
        ),
        (
            {"opening_periods": [{"weekday": 0, "opens_at": "8h", "closes_at": "12:00"}]},
            "opening_periods.0.opens_at",
        ),
        (
            {
                "opening_periods": [
                    {"weekday": 2, "opens_at": "08:00", "closes_at": "12:00"},
                    {"weekday": 2, "opens_at": "11:00", "closes_at": "14:00"},
                ]
            },
            "opening_periods.1.opens_at",
        ),
        ({"contacts": [{"title": "社工", "name": "李", "phone": ""}]}, "contacts.0.phone"),
        ({"status": "demonstration"}, "demonstration_batch"),
        ({"steward": "nobody"}, "steward"),
    ],
)
def test_bad_input_is_a_field_error_and_nothing_is_saved(client, areas, auth, overrides, field):
    stations_before = Station.objects.count()

    response = post(
        client, f"{API}/stations", station_data(areas["street"], **overrides), auth("street_staff")
    )

    assert response.status_code == 422, response.content
    assert field in errors_of(response)
    assert Station.objects.count() == stations_before
    assert not AuditEntry.objects.filter(object_type="stations.station").exists()


def test_error_messages_are_chinese_by_default_and_english_on_request(client, areas, auth):
    data = station_data(areas["street"], name="   ")

    chinese = post(client, f"{API}/stations", data, auth("street_staff"))
    english = client.post(
        f"{API}/stations", data, content_type=JSON, HTTP_ACCEPT_LANGUAGE="en", **auth("street_staff")
    )

    # (the text comes from the project's catalog, or Django's where the project has none yet)
    assert re.search(r"[\u4e00-\u9fff]", errors_of(chinese)["name"])
    assert errors_of(english)["name"] == "This field is required."


def test_station_outside_the_actors_area_is_refused(client, areas, auth):
    response = post(client, f"{API}/stations", station_data(areas["other_street"]), auth("street_staff"))

    assert response.status_code == 422
    assert "area_code" in errors_of(response)
    assert not Station.objects.exists()


def test_steward_may_not_create_stations(client, areas, auth):
    response = post(client, f"{API}/stations", station_data(areas["street"]), auth("steward"))

    assert response.status_code == 403
    assert not Station.objects.exists()


# --- read, change, delete -------------------------------------------------------------------------


def test_get_a_station_with_its_details(client, areas, auth):
    station = make_station(areas["street"], amenities=["toilet"], contacts=[("社工", "张三", "022-1")])
    StandardCheck.objects.create(station=station, item="site", is_met=True, evidence="100 m²")

    body = client.get(f"{API}/stations/{station.public_id}", **auth("street_staff")).json()

    assert body["name"] == station.name
    assert body["area"]["code"] == areas["street"].code
    assert body["amenities"] == ["toilet"]
    assert body["contacts"] == [{"title": "社工", "name": "张三", "phone": "022-1"}]
    site = next(check for check in body["standard"] if check["item"] == "site")
    assert site["is_met"] is True
    assert site["evidence"] == "100 m²"
    assert sum(check["is_met"] for check in body["standard"]) == 1


def test_patch_changes_only_what_is_sent_and_is_audited(client, areas, auth):
    station = make_station(areas["street"], amenities=["rest"], description="旧的")

    response = patch(
        client,
        f"{API}/stations/{station.public_id}",
        {"description": "新的", "amenity_codes": ["rest", "wifi"], "is_24_hours": True},
        auth("street_staff"),
    )

    assert response.status_code == 200, response.content
    station.refresh_from_db()
    assert station.description == "新的"
    assert station.name.startswith("暖心驿站")
    assert station.is_24_hours is True
    assert station.schedule["is_24_hours"] is True
    assert sorted(station.amenities.values_list("code", flat=True)) == ["rest", "wifi"]
    entry = AuditEntry.objects.get(object_id=str(station.public_id), action="update")
    assert entry.changes["description"] == ["旧的", "新的"]
    assert entry.changes["amenities"] == [["rest"], ["rest", "wifi"]]
    assert entry.actor_label == "street"


def test_patch_with_nothing_changed_writes_no_audit_row(client, areas, auth):
    station = make_station(areas["street"], description="同样")

    response = patch(
        client, f"{API}/stations/{station.public_id}", {"description": "同样"}, auth("street_staff")
    )

    assert response.status_code == 200
    assert not AuditEntry.objects.exists()


def test_patch_latitude_alone_is_refused(client, areas, auth):
    station = make_station(areas["street"])

    response = patch(client, f"{API}/stations/{station.public_id}", {"latitude": 39.2}, auth("street_staff"))

    assert response.status_code == 422
    assert "longitude" in errors_of(response)
    station.refresh_from_db()
    assert station.latitude == pytest.approx(39.1189)


def test_steward_changes_their_station_but_not_its_status(client, areas, users, auth):
    station = make_station(areas["street"], steward=users["steward"], description="原来")

    allowed = patch(
        client, f"{API}/stations/{station.public_id}", {"description": "管家改的"}, auth("steward")
    )
    refused = patch(client, f"{API}/stations/{station.public_id}", {"status": "suspended"}, auth("steward"))
    refused_status = post(
        client, f"{API}/stations/{station.public_id}/status", {"status": "suspended"}, auth("steward")
    )

    assert allowed.status_code == 200
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["field"] == "status"
    assert refused_status.status_code == 403
    station.refresh_from_db()
    assert station.description == "管家改的"
    assert station.status == Station.Status.ACTIVE


def test_steward_cannot_see_another_station(client, areas, auth):
    station = make_station(areas["street"])  # no steward

    response = client.get(f"{API}/stations/{station.public_id}", **auth("steward"))

    assert response.status_code == 404


def test_delete_a_station(client, areas, auth):
    station = make_station(areas["street"])

    response = client.delete(f"{API}/stations/{station.public_id}", **auth("street_staff"))

    assert response.status_code == 204
    assert not Station.objects.filter(pk=station.pk).exists()
    entry = AuditEntry.objects.get(action="delete")
    assert entry.object_id == str(station.public_id)
    assert entry.changes["name"] == [station.name, None]


def test_malformed_station_id_is_a_field_error_not_a_500(client, auth, areas):
    response = client.get(f"{API}/stations/not-a-uuid", **auth("street_staff"))

    assert response.status_code == 422


# --- rollout status -------------------------------------------------------------------------------


def test_set_status_to_demonstration_needs_a_batch(client, areas, auth):
    station = make_station(areas["street"], status=Station.Status.PILOT)
    batch = DemonstrationBatchFactory(name="全市首批示范点")
    url = f"{API}/stations/{station.public_id}/status"

    missing = post(client, url, {"status": "demonstration"}, auth("street_staff"))
    unknown = post(
        client, url, {"status": "demonstration", "demonstration_batch": 99999}, auth("street_staff")
    )
    done = post(
        client, url, {"status": "demonstration", "demonstration_batch": batch.pk}, auth("street_staff")
    )

    assert missing.status_code == 422
    assert "demonstration_batch" in errors_of(missing)
    assert unknown.status_code == 422
    assert done.status_code == 200
    assert done.json()["demonstration_batch"]["name"] == "全市首批示范点"
    entry = AuditEntry.objects.get(action="transition")
    assert entry.changes["status"] == ["pilot", "demonstration"]
    assert entry.changes["demonstration_batch"] == [None, "全市首批示范点"]


def test_suspending_hides_the_station_and_drops_the_batch(client, areas, auth):
    station = make_station(areas["street"], status=Station.Status.DEMONSTRATION)
    assert station.is_public

    response = post(
        client, f"{API}/stations/{station.public_id}/status", {"status": "suspended"}, auth("street_staff")
    )

    assert response.status_code == 200
    station.refresh_from_db()
    assert station.status == "suspended"
    assert station.demonstration_batch is None
    assert station.is_public is False


# --- the 六有 standard ---------------------------------------------------------------------------


def test_record_a_standard_check_with_text_evidence(client, areas, users, auth):
    station = make_station(areas["street"])
    url = f"{API}/stations/{station.public_id}/standard/personnel"

    response = client.post(
        url,
        {
            "is_met": "true",
            "evidence": "两名社工轮班",
            "inspected_on": "2025-03-01",
            "next_inspection_on": "2025-09-01",
        },
        **auth("street_staff"),
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["is_met"] is True
    assert body["inspected_by"] == "street"
    check = StandardCheck.objects.get(station=station, item="personnel")
    assert check.inspected_on == datetime.date(2025, 3, 1)
    assert check.inspected_by == users["street_staff"]
    assert AuditEntry.objects.filter(object_type="stations.standardcheck", action="create").count() == 1


def test_standard_check_with_a_pdf_evidence_file(client, areas, auth, media_root):
    station = make_station(areas["street"])
    pdf = io.BytesIO(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    pdf.name = "规章制度.pdf"

    response = client.post(
        f"{API}/stations/{station.public_id}/standard/rules",
        {"is_met": "true", "evidence_file": pdf},
        **auth("street_staff"),
    )

    assert response.status_code == 200, response.content
    assert response.json()["evidence_file_url"].endswith(".pdf")
    check = StandardCheck.objects.get(station=station, item="rules")
    assert (media_root / check.evidence_file.name).read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("item", "form", "field"),
    [
        ("site", {"is_met": "true"}, "evidence"),
        ("castle", {"is_met": "false"}, "item"),
        ("site", {"is_met": "maybe"}, "is_met"),
        ("site", {"is_met": "false", "inspected_on": "2025-02-30"}, "inspected_on"),
        (
            "site",
            {"is_met": "false", "inspected_on": "2025-03-01", "next_inspection_on": "2025-02-01"},
            "next_inspection_on",
        ),
    ],
)
def test_bad_standard_checks_are_field_errors(client, areas, auth, item, form, field):
    station = make_station(areas["street"])

    response = client.post(
        f"{API}/stations/{station.public_id}/standard/{item}", form, **auth("street_staff")
    )

    assert response.status_code == 422, response.content
    assert field in errors_of(response)
    assert not StandardCheck.objects.exists()


def test_evidence_file_that_is_neither_pdf_nor_image_is_refused(client, areas, auth):
    station = make_station(areas["street"])
    text = io.BytesIO(b"just words")
    text.name = "notes.txt"

    response = client.post(
        f"{API}/stations/{station.public_id}/standard/rules",
        {"is_met": "true", "evidence_file": text},
        HTTP_ACCEPT_LANGUAGE="en",
        **auth("street_staff"),
    )

    assert response.status_code == 422
    assert errors_of(response) == {"evidence_file": "Upload a PDF or an image."}
    assert not StandardCheck.objects.exists()


def test_steward_may_not_inspect_their_own_station(client, areas, users, auth):
    station = make_station(areas["street"], steward=users["steward"])

    response = client.post(
        f"{API}/stations/{station.public_id}/standard/site",
        {"is_met": "true", "evidence": "有"},
        **auth("steward"),
    )

    assert response.status_code == 403
    assert not StandardCheck.objects.exists()


# --- amenities ------------------------------------------------------------------------------------


def test_every_staff_role_reads_the_amenity_list(client, auth, areas):
    for name in ("steward", "street_staff", "city_staff"):
        response = client.get(f"{API}/amenities", **auth(name))
        assert response.status_code == 200
        assert "charging" in [amenity["code"] for amenity in response.json()]
    assert client.get(f"{API}/amenities", **auth("courier")).status_code == 403
    assert client.get(f"{API}/amenities").status_code == 401


def test_only_city_staff_add_and_change_amenities(client, auth, areas):
    data = {"code": "shower", "name": "淋浴", "name_en": "Shower"}

    refused = post(client, f"{API}/amenities", data, auth("street_staff"))
    created = post(client, f"{API}/amenities", data, auth("city_staff"))
    again = post(client, f"{API}/amenities", data, auth("city_staff"))
    bad_code = post(client, f"{API}/amenities", {**data, "code": "Hot Water"}, auth("city_staff"))
    renamed = patch(
        client, f"{API}/amenities/shower", {"name": "洗澡", "is_active": False}, auth("city_staff")
    )
    refused_patch = patch(client, f"{API}/amenities/shower", {"name": "X"}, auth("district_staff"))

    assert refused.status_code == 403
    assert created.status_code == 201
    assert again.status_code == 422
    assert "code" in errors_of(again)
    assert bad_code.status_code == 422
    assert "code" in errors_of(bad_code)
    assert renamed.status_code == 200
    assert refused_patch.status_code == 403
    shower = Amenity.objects.get(code="shower")
    assert (shower.name, shower.is_active) == ("洗澡", False)
    assert shower.bit not in set(Amenity.objects.exclude(pk=shower.pk).values_list("bit", flat=True))
    assert AuditEntry.objects.filter(object_type="stations.amenity").count() == 2


def test_a_deactivated_amenity_cannot_be_given_to_a_station(client, areas, auth):
    Amenity.objects.filter(code="wifi").update(is_active=False)
    station = make_station(areas["street"])

    response = patch(
        client, f"{API}/stations/{station.public_id}", {"amenity_codes": ["wifi"]}, auth("street_staff")
    )

    assert response.status_code == 422
    assert "amenity_codes" in errors_of(response)


# --- a street's contact table and resource list ---------------------------------------------------


def test_street_staff_keep_their_contact_table(client, areas, auth):
    headers = auth("street_staff")
    created = post(
        client,
        f"{API}/service-contacts",
        {
            "area_code": areas["street"].code,
            "kind": "police",
            "name": "劝业场派出所",
            "phone": "022-27300000",
        },
        headers,
    )
    row_id = created.json()["id"]
    changed = patch(client, f"{API}/service-contacts/{row_id}", {"phone": "022-27300001"}, headers)
    listed = client.get(f"{API}/areas/{areas['street'].code}/service-contacts", **headers)

    assert created.status_code == 201, created.content
    assert changed.status_code == 200
    assert [row["phone"] for row in listed.json()] == ["022-27300001"]
    assert listed.json()[0]["kind"] == "police"
    actions = list(
        AuditEntry.objects.filter(object_type="stations.servicecontact").values_list("action", flat=True)
    )
    assert sorted(actions) == ["create", "update"]

    deleted = client.delete(f"{API}/service-contacts/{row_id}", **headers)
    assert deleted.status_code == 204
    assert not ServiceContact.objects.exists()


def test_contact_row_in_another_street_is_refused(client, areas, auth):
    response = post(
        client,
        f"{API}/service-contacts",
        {"area_code": areas["other_street"].code, "kind": "hotline", "name": "热线", "phone": "12345"},
        auth("street_staff"),
    )

    assert response.status_code == 422
    assert "area_code" in errors_of(response)
    assert not ServiceContact.objects.exists()


def test_resource_list_of_a_street(client, areas, auth):
    ResourceItemFactory(area=areas["street"], name="免费理发")
    ResourceItemFactory(area=areas["community"], name="爱心午餐")
    ResourceItemFactory(area=areas["other_street"], name="别处的资源")
    headers = auth("street_staff")

    listed = client.get(f"{API}/areas/{areas['street'].code}/resource-items", **headers)
    created = post(
        client,
        f"{API}/resource-items",
        {"area_code": areas["community"].code, "name": "法律咨询", "category": "法律", "provider": "司法所"},
        headers,
    )

    assert {row["name"] for row in listed.json()} == {"免费理发", "爱心午餐"}
    assert created.status_code == 201
    assert ResourceItem.objects.filter(name="法律咨询", area=areas["community"]).exists()


def test_stewards_and_couriers_do_not_manage_the_street_lists(client, areas, auth):
    for name, status in (("steward", 403), ("courier", 403)):
        response = client.get(f"{API}/areas/{areas['street'].code}/service-contacts", **auth(name))
        assert response.status_code == status


# --- demonstration batches and public holidays -----------------------------------------------------


def test_city_staff_keep_batches_and_holidays(client, areas, auth):
    headers = auth("city_staff")

    batch = post(
        client,
        f"{API}/demonstration-batches",
        {"name": "第二批示范点", "announced_on": "2024-06-01"},
        headers,
    )
    holiday = post(client, f"{API}/public-holidays", {"date": "2025-10-01", "name": "国庆节"}, headers)
    listed = client.get(f"{API}/public-holidays?year=2025", **auth("street_staff"))
    renamed = client.put(
        f"{API}/demonstration-batches/{batch.json()['id']}",
        {"name": "第二批社工站示范点", "announced_on": "2024-06-01"},
        content_type=JSON,
        **headers,
    )

    assert batch.status_code == 201
    assert holiday.status_code == 201
    assert [row["name"] for row in listed.json()] == ["国庆节"]
    assert renamed.json()["name"] == "第二批社工站示范点"
    assert AuditEntry.objects.filter(object_type="stations.demonstrationbatch").count() == 2
    assert AuditEntry.objects.filter(object_type="stations.publicholiday").count() == 1


def test_district_staff_may_read_but_not_write_batches_and_holidays(client, areas, auth):
    DemonstrationBatchFactory(name="首批")
    headers = auth("district_staff")

    listed = client.get(f"{API}/demonstration-batches", **headers)
    refused = post(client, f"{API}/public-holidays", {"date": "2025-10-01", "name": "国庆节"}, headers)

    assert [row["name"] for row in listed.json()] == ["首批"]
    assert refused.status_code == 403
    assert not PublicHoliday.objects.exists()


def test_a_batch_in_use_cannot_be_deleted(client, areas, auth):
    station = make_station(areas["street"], status=Station.Status.DEMONSTRATION)

    response = client.delete(
        f"{API}/demonstration-batches/{station.demonstration_batch_id}", **auth("city_staff")
    )

    assert response.status_code == 409
    assert DemonstrationBatch.objects.filter(pk=station.demonstration_batch_id).exists()


def test_duplicate_holiday_date_is_a_field_error(client, areas, auth):
    PublicHoliday.objects.create(date=datetime.date(2025, 1, 1), name="元旦")

    response = post(
        client, f"{API}/public-holidays", {"date": "2025-01-01", "name": "元旦"}, auth("city_staff")
    )

    assert response.status_code == 422
    assert "date" in errors_of(response)


def test_service_contact_factory_rows_are_listed_in_order(client, areas, auth):
    ServiceContactFactory(area=areas["street"], name="乙", sort_order=2)
    ServiceContactFactory(area=areas["street"], name="甲", sort_order=1)

    listed = client.get(f"{API}/areas/{areas['street'].code}/service-contacts", **auth("district_staff"))

    assert [row["name"] for row in listed.json()] == ["甲", "乙"]
