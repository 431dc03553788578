"""Who may do what to a station: an authorization matrix over the staff API, asserting on denial
that nothing changed, and the policies themselves."""

import io

import pytest

from nuanxin.accounts.models import Role
from nuanxin.accounts.tests.factories import bearer, staff
from nuanxin.core.models import AuditEntry
from nuanxin.stations.models import Amenity, DemonstrationBatch, ServiceContact, StandardCheck, Station
from nuanxin.stations.permissions import (
    ADD,
    CHANGE,
    DELETE,
    INSPECT,
    SET_STATUS,
    VIEW,
    amenity_policy,
    area_row_policy,
    city_list_policy,
    station_policy,
)

from .factories import ServiceContactFactory, image_bytes, make_station, station_data, use_temporary_media

API = "/api/v1/manage"

ACTORS = [
    "anonymous",
    "courier",
    "other_steward",
    "steward",
    "other_district_staff",
    "other_street_staff",
    "street_staff",
    "district_staff",
    "city_staff",
]
MANAGERS = {"street_staff", "district_staff", "city_staff"}
OUTSIDERS = {"other_steward", "other_street_staff", "other_district_staff"}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    return use_temporary_media(settings, tmp_path)


@pytest.fixture
def headers_for(users, areas):
    other_steward = staff(Role.STEWARD, areas["street"], username="other_steward")

    def headers(name):
        if name == "anonymous":
            return {}
        return bearer(other_steward if name == "other_steward" else users[name])

    return headers


@pytest.fixture
def station(areas, users):
    return make_station(areas["street"], steward=users["steward"], description="原样", amenities=["rest"])


def state(station):
    """Everything a write could change, to compare before and after a refused request."""
    row = Station.objects.filter(pk=station.pk).values().first()
    return {
        "row": row,
        "amenities": sorted(Amenity.objects.filter(stations=station.pk).values_list("code", flat=True)),
        "periods": list(station.opening_periods.values_list("weekday", "opens_at", "closes_at")),
        "photos": station.photos.count(),
        "checks": StandardCheck.objects.filter(station=station.pk).count(),
        "audit": AuditEntry.objects.count(),
    }


def expected(actor, *, managers, steward):
    """The status `actor` should get: anonymous 401, courier 403, outsiders 404 (missing and
    forbidden look alike), the station's steward `steward`, managers `managers`."""
    if actor == "anonymous":
        return 401
    if actor == "courier":
        return 403
    if actor in OUTSIDERS:
        return 404
    if actor == "steward":
        return steward
    return managers


def _photo_file():
    file = io.BytesIO(image_bytes(64, 64))
    file.name = "p.jpg"
    return file


OPERATIONS = {
    # name: (call, status for managers, status for the station's steward)
    "read": (lambda client, url, headers: client.get(url, **headers), 200, 200),
    "change": (
        lambda client, url, headers: client.patch(
            url,
            {"description": "改了", "amenity_codes": ["wifi"]},
            content_type="application/json",
            **headers,
        ),
        200,
        200,
    ),
    "set_status": (
        lambda client, url, headers: client.post(
            f"{url}/status", {"status": "suspended"}, content_type="application/json", **headers
        ),
        200,
        403,
    ),
    "upload_photo": (
        lambda client, url, headers: client.post(f"{url}/photos", {"image": _photo_file()}, **headers),
        201,
        201,
    ),
    "inspect": (
        lambda client, url, headers: client.post(
            f"{url}/standard/site", {"is_met": "true", "evidence": "80 m²"}, **headers
        ),
        200,
        403,
    ),
    "delete": (lambda client, url, headers: client.delete(url, **headers), 204, 403),
}


@pytest.mark.parametrize("operation", list(OPERATIONS))
@pytest.mark.parametrize("actor", ACTORS)
def test_authorization_matrix(client, station, headers_for, actor, operation):
    call, for_managers, for_steward = OPERATIONS[operation]
    status = expected(actor, managers=for_managers, steward=for_steward)
    before = state(station)

    response = call(client, f"{API}/stations/{station.public_id}", headers_for(actor))

    assert response.status_code == status, response.content
    if status >= 400:
        # refused: nothing at all changed, and the answer has the API's error shape
        assert state(station) == before
        assert {"code", "message", "errors"} <= set(response.json())
    elif operation != "read":
        assert AuditEntry.objects.count() > before["audit"]


CREATE_STATUS = {
    "anonymous": 401,
    "courier": 403,
    "other_steward": 403,
    "steward": 403,
    # their own area is elsewhere: the street is not a choice they have (a field error on area_code)
    "other_district_staff": 422,
    "other_street_staff": 422,
    "street_staff": 201,
    "district_staff": 201,
    "city_staff": 201,
}


@pytest.mark.parametrize("actor", ACTORS)
def test_who_may_create_a_station(client, areas, headers_for, actor):
    response = client.post(
        f"{API}/stations",
        station_data(areas["street"]),
        content_type="application/json",
        **headers_for(actor),
    )

    assert response.status_code == CREATE_STATUS[actor]
    assert Station.objects.exists() == (actor in MANAGERS)
    assert AuditEntry.objects.exists() == (actor in MANAGERS)


@pytest.mark.parametrize("actor", ACTORS)
def test_who_sees_which_stations_in_the_list(client, areas, station, headers_for, actor):
    make_station(areas["other_street"])
    make_station(areas["other_district_street"])

    response = client.get(f"{API}/stations", **headers_for(actor))

    counts = {
        "anonymous": None,
        "courier": None,
        "other_steward": 0,
        "steward": 1,
        "other_district_staff": 1,
        "other_street_staff": 1,
        "street_staff": 1,
        "district_staff": 2,
        "city_staff": 3,
    }
    if counts[actor] is None:
        assert response.status_code in (401, 403)
    else:
        assert response.json()["count"] == counts[actor]


@pytest.mark.parametrize(
    "actor", ["other_street_staff", "other_district_staff", "steward", "courier", "anonymous"]
)
def test_another_streets_contact_table_is_out_of_reach(client, areas, headers_for, actor):
    row = ServiceContactFactory(area=areas["street"], name="原名")
    headers = headers_for(actor)

    listed = client.get(f"{API}/areas/{areas['street'].code}/service-contacts", **headers)
    changed = client.patch(
        f"{API}/service-contacts/{row.pk}", {"name": "改名"}, content_type="application/json", **headers
    )
    deleted = client.delete(f"{API}/service-contacts/{row.pk}", **headers)

    refused = {"anonymous": 401, "courier": 403, "steward": 403}.get(actor, 404)
    assert (listed.status_code, changed.status_code, deleted.status_code) == (refused,) * 3
    row.refresh_from_db()
    assert row.name == "原名"
    assert not AuditEntry.objects.exists()


def test_city_lists_are_written_by_city_staff_only(client, headers_for):
    batch = DemonstrationBatch.objects.create(name="首批")
    for actor in ("street_staff", "district_staff"):
        response = client.delete(f"{API}/demonstration-batches/{batch.pk}", **headers_for(actor))
        assert response.status_code == 403
    assert DemonstrationBatch.objects.filter(pk=batch.pk).exists()
    assert (
        client.delete(f"{API}/demonstration-batches/{batch.pk}", **headers_for("city_staff")).status_code
        == 204
    )


# --- the policies -------------------------------------------------------------------------------


def test_station_policy_by_role(users, station, areas):
    rules = {
        "city_staff": {VIEW, ADD, CHANGE, DELETE, SET_STATUS, INSPECT},
        "district_staff": {VIEW, ADD, CHANGE, DELETE, SET_STATUS, INSPECT},
        "street_staff": {VIEW, ADD, CHANGE, DELETE, SET_STATUS, INSPECT},
        "other_street_staff": set(),
        "other_district_staff": set(),
        "steward": {VIEW, CHANGE},
        "courier": set(),
    }
    for name, allowed in rules.items():
        actual = {
            action
            for action in (VIEW, ADD, CHANGE, DELETE, SET_STATUS, INSPECT)
            if station_policy.can(users[name], action, station)
        }
        assert actual == allowed, name


def test_inactive_staff_may_do_nothing(users, station):
    user = users["street_staff"]
    user.is_active = False
    user.save()

    assert not station_policy.can(user, VIEW, station)
    assert not station_policy.scope(user, Station.objects.all()).exists()


def test_list_policies(users, areas):
    row = ServiceContact(area=areas["community"])
    assert area_row_policy.can(users["street_staff"], CHANGE, row)
    assert not area_row_policy.can(users["other_street_staff"], CHANGE, row)
    assert not area_row_policy.can(users["steward"], VIEW, row)
    assert amenity_policy.can(users["steward"], VIEW, None)
    assert not amenity_policy.can(users["city_staff"], DELETE, None)  # deactivate instead
    assert amenity_policy.can(users["city_staff"], ADD, None)
    assert not city_list_policy.can(users["steward"], VIEW, None)
    assert city_list_policy.can(users["district_staff"], VIEW, None)
    assert not city_list_policy.can(users["district_staff"], CHANGE, None)
