"""The back office for stations: area-scoped changelists and pages, saving through the services
(audited, one code path), inline lists validated like the API, and stewards' read-only fields."""

import io

import pytest
from PIL import Image

from nuanxin.core.models import AuditEntry
from nuanxin.stations.models import (
    Amenity,
    OpeningPeriod,
    ServiceContact,
    StandardCheck,
    Station,
    StationContact,
    StationPhoto,
)

from .factories import ServiceContactFactory, image_bytes, make_station, use_temporary_media

ADMIN = "/admin/stations"
INLINES = ("opening_periods", "special_days", "contacts", "photos", "standard_checks")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    return use_temporary_media(settings, tmp_path)


def form_data(station=None, *, periods=None, contacts=None, photos=(), checks=(), **fields):
    """The POST body of the station change (or add) form: the station's current values, its
    current hours and contacts as inline rows (or `periods` / `contacts` as new rows), overrides."""
    data = {}
    if station is not None:
        data.update(
            {
                "name": station.name,
                "host_type": station.host_type,
                "host_organization": station.host_organization,
                "area": station.area_id,
                "address": station.address,
                "latitude": station.latitude,
                "longitude": station.longitude,
                "description": station.description,
                "steward": station.steward_id or "",
                "phone": station.phone,
                "status": station.status,
                "demonstration_batch": station.demonstration_batch_id or "",
                "sign_installed_on": "",
                "amenities": [amenity.pk for amenity in station.amenities.all()],
            }
        )
        for flag in ("is_24_hours", "closes_on_public_holidays", "has_unified_sign"):
            if getattr(station, flag):
                data[flag] = "on"
    data.update(fields)

    rows = {prefix: [] for prefix in INLINES}
    existing = dict.fromkeys(INLINES, 0)
    if station is not None and periods is None:
        for period in station.opening_periods.all():
            rows["opening_periods"].append(
                {
                    "id": period.pk,
                    "weekday": period.weekday,
                    "opens_at": f"{period.opens_at:%H:%M}",
                    "closes_at": f"{period.closes_at:%H:%M}",
                }
            )
        existing["opening_periods"] = len(rows["opening_periods"])
    else:
        rows["opening_periods"] = [
            {"weekday": weekday, "opens_at": opens, "closes_at": closes}
            for weekday, opens, closes in periods or ()
        ]
    if station is not None and contacts is None:
        for contact in station.contacts.all():
            rows["contacts"].append(
                {"id": contact.pk, "title": contact.title, "name": contact.name, "phone": contact.phone}
            )
        existing["contacts"] = len(rows["contacts"])
    else:
        rows["contacts"] = [
            {"title": title, "name": name, "phone": phone} for title, name, phone in contacts or ()
        ]
    rows["photos"] = list(photos)
    rows["standard_checks"] = list(checks)

    for prefix in INLINES:
        data[f"{prefix}-TOTAL_FORMS"] = len(rows[prefix])
        data[f"{prefix}-INITIAL_FORMS"] = existing[prefix]
        data[f"{prefix}-MIN_NUM_FORMS"] = 0
        data[f"{prefix}-MAX_NUM_FORMS"] = 1000
        for index, row in enumerate(rows[prefix]):
            for key, value in row.items():
                data[f"{prefix}-{index}-{key}"] = value
            if station is not None:
                data[f"{prefix}-{index}-station"] = station.pk
    return data


@pytest.fixture
def signed_in(client, users):
    def sign_in(name):
        client.force_login(users[name])
        return client

    return sign_in


# --- scoping ----------------------------------------------------------------------------------------


def test_street_staff_see_only_their_stations_in_the_changelist(signed_in, areas):
    mine = make_station(areas["street"], name="劝业场驿站")
    theirs = make_station(areas["other_street"], name="小白楼驿站")

    response = signed_in("street_staff").get(f"{ADMIN}/station/")

    assert response.status_code == 200
    content = response.content.decode()
    assert mine.name in content
    assert theirs.name not in content


def test_another_streets_station_page_is_not_found_and_cannot_be_posted(signed_in, areas):
    theirs = make_station(areas["other_street"], name="小白楼驿站")
    client = signed_in("street_staff")

    page = client.get(f"{ADMIN}/station/{theirs.pk}/change/")
    posted = client.post(f"{ADMIN}/station/{theirs.pk}/change/", form_data(theirs, name="改名"))
    deleted = client.post(f"{ADMIN}/station/{theirs.pk}/delete/", {"post": "yes"})

    assert page.status_code == 404
    assert posted.status_code == 404
    assert deleted.status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "小白楼驿站"
    assert not AuditEntry.objects.exists()


def test_area_and_steward_choices_are_limited_to_the_users_subtree(signed_in, areas):
    station = make_station(areas["street"])

    response = signed_in("street_staff").get(f"{ADMIN}/station/{station.pk}/change/")

    field = response.context["adminform"].form.fields["area"]
    assert {area.code for area in field.queryset} == {areas["street"].code, areas["community"].code}


def test_the_back_office_speaks_chinese(signed_in, areas):
    make_station(areas["street"])

    response = signed_in("street_staff").get(f"{ADMIN}/station/")

    assert response.headers["Content-Language"] == "zh-hans"
    assert "选择" in response.content.decode()  # Django's own catalog: "选择 … 来修改"


# --- saving through the services --------------------------------------------------------------------


def test_saving_a_change_writes_one_audit_row_with_the_diff(signed_in, areas):
    station = make_station(areas["street"], name="旧名字", amenities=["rest"])
    wifi = Amenity.objects.get(code="wifi")

    response = signed_in("street_staff").post(
        f"{ADMIN}/station/{station.pk}/change/",
        form_data(station, name="新名字", amenities=[Amenity.objects.get(code="rest").pk, wifi.pk]),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    station.refresh_from_db()
    assert station.name == "新名字"
    entry = AuditEntry.objects.get(object_id=str(station.public_id))
    assert entry.action == "update"
    assert entry.actor_label == "street"
    assert entry.changes["name"] == ["旧名字", "新名字"]
    assert entry.changes["amenities"] == [["rest"], ["rest", "wifi"]]
    assert station.amenity_mask & wifi.mask  # the finder's derived fields follow


def test_adding_a_station_with_hours_and_contacts_is_one_audited_create(signed_in, areas):
    data = form_data(
        None,
        periods=[(0, "09:00", "18:00"), (5, "22:00", "06:00")],
        contacts=[("服务管家", "王芳", "13800000000")],
        name="新驿站",
        host_type="supermarket",
        host_organization="物美超市",
        area=areas["community"].pk,
        address="花园路1号",
        latitude="39.12",
        longitude="117.19",
        status="pilot",
        steward="",
        demonstration_batch="",
        amenities=[Amenity.objects.get(code="toilet").pk],
    )

    response = signed_in("street_staff").post(f"{ADMIN}/station/add/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    station = Station.objects.get(name="新驿站")
    assert list(station.opening_periods.values_list("weekday", flat=True)) == [0, 5]
    assert station.contacts.get().name == "王芳"
    assert station.is_public is True
    entries = AuditEntry.objects.filter(object_id=str(station.public_id))
    assert [entry.action for entry in entries] == ["create"]
    assert entries[0].changes["opening_periods"] == [None, ["0 09:00-18:00", "5 22:00-06:00"]]


def test_overlapping_hours_in_the_admin_are_form_errors_and_nothing_changes(signed_in, areas):
    station = make_station(areas["street"], periods=[(0, "08:00", "12:00")])

    response = signed_in("street_staff").post(
        f"{ADMIN}/station/{station.pk}/change/",
        form_data(station, periods=[(2, "08:00", "12:00"), (2, "11:00", "14:00")], name="不该保存"),
    )

    assert response.status_code == 200  # the form again, with the error beside the row
    assert "overlaps" in response.content.decode() or "重叠" in response.content.decode()
    station.refresh_from_db()
    assert station.name != "不该保存"
    assert list(OpeningPeriod.objects.filter(station=station).values_list("weekday", flat=True)) == [0]
    assert not AuditEntry.objects.exists()


def test_a_station_outside_the_users_area_cannot_be_chosen(signed_in, areas):
    station = make_station(areas["street"])

    response = signed_in("street_staff").post(
        f"{ADMIN}/station/{station.pk}/change/", form_data(station, area=areas["other_street"].pk)
    )

    assert response.status_code == 200
    assert "area" in response.context["adminform"].form.errors
    station.refresh_from_db()
    assert station.area == areas["street"]


def test_photo_uploaded_in_the_admin_is_cleaned(signed_in, areas, media_root):
    station = make_station(areas["street"])
    photo = io.BytesIO(image_bytes(3200, 2400))
    photo.name = "门头.jpg"

    response = signed_in("street_staff").post(
        f"{ADMIN}/station/{station.pk}/change/",
        form_data(station, photos=[{"image": photo, "caption": "门头", "sort_order": 0}]),
    )

    assert response.status_code == 302
    stored = StationPhoto.objects.get(station=station)
    image = Image.open(media_root / stored.image.name)
    assert image.size == (1600, 1200)
    assert len(image.getexif()) == 0
    assert AuditEntry.objects.filter(message="photo added").count() == 1


def test_a_non_image_in_the_photo_inline_is_a_form_error(signed_in, areas):
    station = make_station(areas["street"])
    fake = io.BytesIO(b"not an image at all")
    fake.name = "x.jpg"

    response = signed_in("street_staff").post(
        f"{ADMIN}/station/{station.pk}/change/", form_data(station, photos=[{"image": fake, "caption": ""}])
    )

    assert response.status_code == 200
    assert not StationPhoto.objects.exists()


def test_recording_a_standard_check_in_the_admin(signed_in, areas, users):
    station = make_station(areas["street"])

    response = signed_in("street_staff").post(
        f"{ADMIN}/station/{station.pk}/change/",
        form_data(
            station,
            checks=[{"item": "site", "is_met": "on", "evidence": "有独立房间", "inspected_on": "2025-04-01"}],
        ),
    )

    assert response.status_code == 302
    check = StandardCheck.objects.get(station=station)
    assert (check.item, check.is_met, check.inspected_by) == ("site", True, users["street_staff"])
    assert AuditEntry.objects.filter(object_type="stations.standardcheck").count() == 1


def test_deleting_through_the_admin_is_audited(signed_in, areas):
    station = make_station(areas["street"])

    response = signed_in("street_staff").post(f"{ADMIN}/station/{station.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Station.objects.filter(pk=station.pk).exists()
    assert AuditEntry.objects.get().action == "delete"


# --- stewards ---------------------------------------------------------------------------------------


def test_steward_edits_their_station_but_not_its_status(signed_in, areas, users):
    station = make_station(areas["street"], steward=users["steward"], status=Station.Status.ACTIVE)
    other = make_station(areas["street"], name="别人的驿站")
    client = signed_in("steward")

    changelist = client.get(f"{ADMIN}/station/").content.decode()
    response = client.post(
        f"{ADMIN}/station/{station.pk}/change/",
        form_data(station, description="管家更新", status="suspended", contacts=[("值班电话", "", "022-9")]),
    )

    assert station.name in changelist
    assert other.name not in changelist
    assert response.status_code == 302
    station.refresh_from_db()
    assert station.description == "管家更新"
    assert station.status == Station.Status.ACTIVE  # read-only for a steward: the posted value is ignored
    assert list(StationContact.objects.filter(station=station).values_list("phone", flat=True)) == ["022-9"]
    assert client.get(f"{ADMIN}/station/add/").status_code == 403


# --- the street's lists -----------------------------------------------------------------------------


def test_contact_table_admin_is_scoped_and_audited(signed_in, areas):
    mine = ServiceContactFactory(area=areas["street"], name="劝业场派出所")
    theirs = ServiceContactFactory(area=areas["other_street"], name="小白楼派出所")
    client = signed_in("street_staff")

    changelist = client.get(f"{ADMIN}/servicecontact/").content.decode()
    other_page = client.get(f"{ADMIN}/servicecontact/{theirs.pk}/change/")
    saved = client.post(
        f"{ADMIN}/servicecontact/{mine.pk}/change/",
        {
            "area": areas["street"].pk,
            "kind": "police",
            "name": "劝业场派出所",
            "phone": "110",
            "address": "",
            "sort_order": 0,
        },
    )

    assert mine.name in changelist
    assert theirs.name not in changelist
    assert other_page.status_code == 404
    assert saved.status_code == 302
    assert ServiceContact.objects.get(pk=mine.pk).phone == "110"
    assert AuditEntry.objects.get().changes["phone"] == ["022-27111111", "110"]


def test_city_staff_add_an_amenity_in_the_admin_on_a_free_bit(signed_in):
    response = signed_in("city_staff").post(
        f"{ADMIN}/amenity/add/",
        {
            "code": "shower",
            "name": "淋浴",
            "name_en": "Shower",
            "icon": "",
            "sort_order": 200,
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    shower = Amenity.objects.get(code="shower")
    assert shower.bit not in set(Amenity.objects.exclude(pk=shower.pk).values_list("bit", flat=True))
    assert AuditEntry.objects.get().action == "create"


def test_street_staff_cannot_change_amenities_in_the_admin(signed_in):
    rest = Amenity.objects.get(code="rest")

    response = signed_in("street_staff").post(
        f"{ADMIN}/amenity/{rest.pk}/change/",
        {"name": "改掉", "name_en": "", "icon": "", "sort_order": 0, "is_active": "on"},
    )

    assert response.status_code == 403
    assert Amenity.objects.get(pk=rest.pk).name == "休息"
