"""The station services called directly: the rules across fields, atomicity, audit rows, files."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from nuanxin.accounts.models import Role
from nuanxin.accounts.tests.factories import staff
from nuanxin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from nuanxin.core.models import AuditEntry
from nuanxin.stations import services
from nuanxin.stations.models import (
    Amenity,
    DemonstrationBatch,
    PublicHoliday,
    ServiceContact,
    SpecialDay,
    StandardCheck,
    Station,
    StationPhoto,
)

from .factories import DemonstrationBatchFactory, image_bytes, make_station, station_data, use_temporary_media


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    return use_temporary_media(settings, tmp_path)


def field_errors(raised):
    return set(raised.value.errors)


# --- create and update --------------------------------------------------------------------------


def test_create_reports_every_field_error_at_once_and_saves_nothing(areas, users):
    data = station_data(
        areas["street"],
        name="",
        latitude=120,
        amenity_codes=["sauna"],
        contacts=[{"title": "社工", "phone": "022-1"}, {"title": "", "phone": ""}],
    )

    with pytest.raises(ValidationFailed) as raised:
        services.station_create(actor=users["street_staff"], data=data)

    assert field_errors(raised) == {
        "name",
        "latitude",
        "amenity_codes",
        "contacts.1.title",
        "contacts.1.phone",
    }
    assert not Station.objects.exists()
    assert not AuditEntry.objects.exists()


def test_system_actor_creates_anywhere_and_is_audited_as_such(areas):
    station = services.station_create(actor=None, data=station_data(areas["other_district_street"]))

    entry = AuditEntry.objects.get()
    assert entry.actor is None
    assert entry.object_id == str(station.public_id)


def test_unknown_keys_are_refused(areas, users):
    with pytest.raises(ValidationFailed) as raised:
        services.station_create(actor=users["street_staff"], data=station_data(areas["street"], grid_cell=5))

    assert field_errors(raised) == {"grid_cell"}


def test_steward_must_work_in_the_stations_street(areas, users):
    elsewhere = staff(Role.STEWARD, areas["other_street"], username="elsewhere")

    with pytest.raises(ValidationFailed) as raised:
        services.station_create(
            actor=users["district_staff"], data=station_data(areas["community"], steward=elsewhere.username)
        )
    station = services.station_create(
        actor=users["district_staff"], data=station_data(areas["community"], steward="steward")
    )

    assert field_errors(raised) == {"steward"}
    assert station.steward == users["steward"]


def test_a_courier_cannot_be_made_a_steward(areas, users):
    with pytest.raises(ValidationFailed) as raised:
        services.station_create(
            actor=users["street_staff"], data=station_data(areas["street"], steward="courier")
        )

    assert field_errors(raised) == {"steward"}


def test_sign_date_needs_the_sign_and_is_cleared_with_it(areas, users):
    actor = users["street_staff"]
    with pytest.raises(ValidationFailed) as raised:
        services.station_create(
            actor=actor, data=station_data(areas["street"], sign_installed_on="2025-01-02")
        )
    station = services.station_create(
        actor=actor, data=station_data(areas["street"], has_unified_sign=True, sign_installed_on="2025-01-02")
    )

    services.station_update(actor=actor, station=station, data={"has_unified_sign": False})

    assert field_errors(raised) == {"sign_installed_on"}
    station.refresh_from_db()
    assert station.sign_installed_on is None


@pytest.mark.parametrize(
    ("special_days", "field"),
    [
        ([{"date": "2025-10-01"}, {"date": "2025-10-01"}], "special_days.1.date"),
        ([{"date": "2025-10-02", "is_closed": False}], "special_days.0.opens_at"),
        (
            [{"date": "2025-10-02", "is_closed": False, "opens_at": "10:00", "closes_at": "10:00"}],
            "special_days.0.closes_at",
        ),
        ([{"date": "not a date"}], "special_days.0.date"),
        ([{"date": "2025-10-02", "is_closed": "yes"}], "special_days.0.is_closed"),
    ],
)
def test_bad_special_days(areas, users, special_days, field):
    station = make_station(areas["street"])

    with pytest.raises(ValidationFailed) as raised:
        services.station_update(
            actor=users["street_staff"], station=station, data={"special_days": special_days}
        )

    assert field in field_errors(raised)
    assert not SpecialDay.objects.exists()


def test_special_days_and_hours_replace_the_stored_lists(areas, users):
    station = make_station(areas["street"], periods=[(0, "08:00", "12:00")])
    before = Station.objects.get(pk=station.pk).updated_at

    services.station_update(
        actor=users["street_staff"],
        station=station,
        data={
            "opening_periods": [{"weekday": 6, "opens_at": "00:00", "closes_at": "00:00"}],
            "special_days": [
                {"date": "2025-10-01", "is_closed": False, "opens_at": "10:00", "closes_at": "14:00"}
            ],
        },
    )

    station.refresh_from_db()
    assert list(station.opening_periods.values_list("weekday", flat=True)) == [6]
    assert station.schedule["week"][6] == [[0, 1440]]
    assert station.schedule["week"][0] == []
    assert station.special_days.get().opens_at == datetime.time(10, 0)
    assert station.updated_at > before  # only the lists changed, the station still did
    entry = AuditEntry.objects.get()
    assert entry.changes["opening_periods"] == [["0 08:00-12:00"], ["6 00:00-00:00"]]


def test_moving_a_station_to_another_street_needs_rights_there(areas, users):
    station = make_station(areas["street"])

    with pytest.raises(ValidationFailed) as raised:
        services.station_update(
            actor=users["street_staff"], station=station, data={"area_code": areas["other_street"].code}
        )
    services.station_update(
        actor=users["district_staff"], station=station, data={"area": areas["other_street"]}
    )

    assert field_errors(raised) == {"area_code"}
    station.refresh_from_db()
    assert station.area == areas["other_street"]


def test_steward_may_not_change_manager_fields(areas, users):
    station = make_station(areas["street"], steward=users["steward"])

    with pytest.raises(PermissionDenied) as raised:
        services.station_update(actor=users["steward"], station=station, data={"steward": None})

    assert raised.value.field == "steward"
    station.refresh_from_db()
    assert station.steward == users["steward"]


def test_other_streets_staff_get_not_found_and_nothing_changes(areas, users):
    station = make_station(areas["street"], name="原名")

    for call in (
        lambda actor: services.station_update(actor=actor, station=station, data={"name": "改"}),
        lambda actor: services.station_set_status(actor=actor, station=station, status="suspended"),
        lambda actor: services.station_delete(actor=actor, station=station),
        lambda actor: services.standard_check_set(actor=actor, station=station, item="site", is_met=False),
    ):
        with pytest.raises(NotFound):
            call(users["other_street_staff"])

    station.refresh_from_db()
    assert (station.name, station.status) == ("原名", Station.Status.ACTIVE)
    assert not StandardCheck.objects.exists()
    assert not AuditEntry.objects.exists()


# --- files ---------------------------------------------------------------------------------------


def test_deleting_a_station_removes_its_files_after_commit(
    areas, users, media_root, django_capture_on_commit_callbacks
):
    station = make_station(areas["street"])
    actor = users["street_staff"]
    photo = services.station_add_photo(
        actor=actor, station=station, upload=SimpleUploadedFile("a.jpg", image_bytes())
    )
    check = services.standard_check_set(
        actor=actor,
        station=station,
        item="equipment",
        is_met=True,
        evidence_file=SimpleUploadedFile("e.png", image_bytes(image_format="PNG")),
    )
    files = [media_root / photo.image.name, media_root / check.evidence_file.name]
    assert all(path.exists() for path in files)

    with django_capture_on_commit_callbacks(execute=True):
        services.station_delete(actor=actor, station=station)

    assert not any(path.exists() for path in files)
    assert not StationPhoto.objects.exists()


def test_a_new_evidence_file_replaces_the_old_one(
    areas, users, media_root, django_capture_on_commit_callbacks
):
    station = make_station(areas["street"])
    actor = users["street_staff"]
    first = services.standard_check_set(
        actor=actor,
        station=station,
        item="rules",
        is_met=True,
        evidence_file=SimpleUploadedFile("a.pdf", b"%PDF-1 a"),
    )
    old = media_root / first.evidence_file.name

    with django_capture_on_commit_callbacks(execute=True):
        second = services.standard_check_set(
            actor=actor,
            station=station,
            item="rules",
            is_met=True,
            evidence_file=SimpleUploadedFile("b.pdf", b"%PDF-1 b"),
        )
    kept = services.standard_check_set(actor=actor, station=station, item="rules", is_met=True)

    assert not old.exists()
    assert (media_root / second.evidence_file.name).read_bytes() == b"%PDF-1 b"
    assert kept.evidence_file.name == second.evidence_file.name  # no new file: the old one stays
    assert StandardCheck.objects.count() == 1


def test_photo_sort_order_must_be_a_small_whole_number(areas, users, media_root):
    station = make_station(areas["street"])

    with pytest.raises(ValidationFailed) as raised:
        services.station_add_photo(
            actor=users["street_staff"],
            station=station,
            upload=SimpleUploadedFile("a.jpg", image_bytes()),
            sort_order=-1,
        )

    assert field_errors(raised) == {"sort_order"}
    assert not list(media_root.rglob("*.jpg"))


# --- managed lists -------------------------------------------------------------------------------


def test_amenity_bits_run_out_at_63(users):
    actor = users["city_staff"]
    used = Amenity.objects.count()
    for number in range(63 - used):
        services.amenity_create(actor=actor, code=f"extra_{number}", name=f"额外{number}")

    with pytest.raises(ValidationFailed) as raised:
        services.amenity_create(actor=actor, code="one_too_many", name="多余")

    assert field_errors(raised) == {"code"}
    assert sorted(Amenity.objects.values_list("bit", flat=True)) == list(range(63))


def test_amenity_code_and_bit_never_change(users):
    rest = Amenity.objects.get(code="rest")

    with pytest.raises(ValidationFailed) as raised:
        services.amenity_update(actor=users["city_staff"], amenity=rest, data={"code": "sleep", "bit": 40})

    assert field_errors(raised) == {"code", "bit"}


def test_batch_in_use_is_a_conflict_only_for_those_who_may_delete(areas, users):
    station = make_station(areas["street"], status=Station.Status.DEMONSTRATION)
    batch = station.demonstration_batch

    with pytest.raises(PermissionDenied):
        services.demonstration_batch_delete(actor=users["district_staff"], batch=batch)
    with pytest.raises(Conflict):
        services.demonstration_batch_delete(actor=users["city_staff"], batch=batch)

    assert DemonstrationBatch.objects.filter(pk=batch.pk).exists()


def test_unused_batch_and_holiday_are_deleted_with_an_audit_row(users):
    batch = DemonstrationBatchFactory()
    holiday = PublicHoliday.objects.create(date=datetime.date(2025, 5, 1), name="劳动节")

    services.demonstration_batch_delete(actor=users["city_staff"], batch=batch)
    services.public_holiday_delete(actor=users["city_staff"], holiday=holiday)

    assert not DemonstrationBatch.objects.exists()
    assert not PublicHoliday.objects.exists()
    assert sorted(AuditEntry.objects.values_list("action", "object_type")) == [
        ("delete", "stations.demonstrationbatch"),
        ("delete", "stations.publicholiday"),
    ]


def test_contact_row_in_a_district_node_is_refused(areas, users):
    row = ServiceContact(area=areas["district"], kind="hotline", name="热线", phone="12345")

    with pytest.raises(ValidationFailed) as raised:
        services.service_contact_save(actor=users["district_staff"], contact=row)

    assert field_errors(raised) == {"area"}
    assert not ServiceContact.objects.exists()


def test_children_validate_reports_by_row():
    with pytest.raises(ValidationFailed) as raised:
        services.station_children_validate(
            opening_periods=[{"weekday": "x", "opens_at": "08:00", "closes_at": "09:00"}],
            contacts=[{"title": "社工", "phone": ""}],
        )

    assert field_errors(raised) == {"opening_periods.0.weekday", "contacts.0.phone"}
