"""Staff side of S1/S6: the authorization matrix, steward-recorded visits, posters, the catalog,
service records and person-times per station per day."""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nuanxin.care.models import CheckInPoster, ServiceItem, ServiceRecord, StationVisit
from nuanxin.care.records import service_record_create

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")

# Who may act on 劝业场街道's station: expected status per actor (404: outside their area).
MATRIX = [
    ("anonymous", 401),
    ("courier", 403),
    ("other_street_staff", 404),
    ("other_district_staff", 404),
    ("street_staff", 201),
    ("district_staff", 201),
    ("city_staff", 201),
    ("steward", 201),
]


def _headers(auth, who):
    return {} if who == "anonymous" else auth(who)


@pytest.mark.parametrize("who, expected", MATRIX)
def test_recording_a_visit_follows_the_area(api, auth, stations, couriers, who, expected):
    status, body = api(
        "post",
        "/api/v1/manage/care/visits",
        {"station_id": str(stations["here"].public_id), "phone": "138 0000 0001"},
        _headers(auth, who),
    )
    assert status == expected
    if expected == 201:
        assert body["counted"] is True and body["visit"]["courier_phone"] == "138****0001"
        assert ServiceRecord.objects.filter(kind="visit", courier=couriers["me"]).count() == 1
    else:
        assert not StationVisit.objects.exists() and not ServiceRecord.objects.exists()


@pytest.mark.parametrize("who, expected", MATRIX)
def test_issuing_a_poster_follows_the_area(api, auth, stations, who, expected):
    status, body = api(
        "post",
        f"/api/v1/manage/care/stations/{stations['here'].public_id}/posters",
        {"label": "侧门"},
        _headers(auth, who),
    )
    assert status == expected
    assert CheckInPoster.objects.count() == (1 if expected == 201 else 0)
    if expected == 201:
        assert "/m/check-in/" in body["check_in_url"]


def test_the_steward_cannot_serve_a_station_they_do_not_steward(api, auth, areas, couriers):
    from nuanxin.stations.tests.factories import make_station

    unstewarded = make_station(areas["street"])
    status, _ = api(
        "post",
        "/api/v1/manage/care/visits",
        {"station_id": str(unstewarded.public_id), "phone": "13800000001"},
        auth("steward"),
    )
    assert status == 404 and not StationVisit.objects.exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"phone": "12345"}, "phone"),
        ({"phone": "13900000009"}, "phone"),  # nobody registered with it
        ({"phone": "13800000001", "occurred_at": "2999-01-01T10:00:00+08:00"}, "occurred_at"),
        ({"phone": "13800000001", "occurred_at": "2000-01-01T10:00:00+08:00"}, "occurred_at"),
        ({"phone": "13800000001", "occurred_at": "yesterday"}, "occurred_at"),
    ],
)
def test_bad_visit_input_is_refused_by_field(api, auth, stations, couriers, body, field):
    status, answer = api(
        "post",
        "/api/v1/manage/care/visits",
        {"station_id": str(stations["here"].public_id), **body},
        {**auth("steward"), "HTTP_ACCEPT_LANGUAGE": "en"},
    )
    assert status == 422
    assert field in [error["field"] for error in answer["errors"]]
    assert not StationVisit.objects.exists()


def test_the_steward_recording_after_a_scan_counts_once(api, auth, stations, couriers, as_courier, poster):
    from nuanxin.care.tokens import poster_token

    api("post", "/api/v1/care/check-in", {"token": poster_token(poster)}, as_courier(couriers["me"]))
    status, body = api(
        "post",
        "/api/v1/manage/care/visits",
        {"station_id": str(stations["here"].public_id), "phone": "13800000001"},
        auth("steward"),
    )
    assert (status, body["counted"]) == (200, False)
    assert ServiceRecord.objects.count() == 1


@pytest.mark.parametrize(
    "who, expected", [("other_street_staff", 404), ("steward", 404), ("street_staff", 200)]
)
def test_poster_pdf_and_revoke_are_scoped(api, auth, poster, who, expected):
    pdf_status, pdf = api("get", f"/api/v1/manage/care/posters/{poster.public_id}/pdf", headers=auth(who))
    if who == "steward":
        expected = 200  # the steward of the station
    assert pdf_status == expected
    if expected == 200:
        assert pdf[:5] == b"%PDF-"
    revoke_status, _ = api(
        "post", f"/api/v1/manage/care/posters/{poster.public_id}/revoke", headers=auth(who)
    )
    poster.refresh_from_db()
    assert revoke_status == expected
    assert (poster.revoked_at is not None) == (expected == 200)


def test_a_revoked_poster_cannot_be_revoked_twice_or_printed(api, auth, poster):
    api("post", f"/api/v1/manage/care/posters/{poster.public_id}/revoke", headers=auth("street_staff"))
    assert (
        api("post", f"/api/v1/manage/care/posters/{poster.public_id}/revoke", headers=auth("street_staff"))[0]
        == 409
    )
    assert (
        api("get", f"/api/v1/manage/care/posters/{poster.public_id}/pdf", headers=auth("street_staff"))[0]
        == 404
    )


# --- service records and person-times ----------------------------------------------------------


def _at(day, hour, minute=0):
    return datetime.datetime(2025, 7, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def records(stations, couriers, users):
    here, there = stations["here"], stations["there"]
    me, other = couriers["me"], couriers["other"]
    rows = [
        (here, me, _at(1, 9)),
        (here, other, _at(1, 23, 30)),  # late evening: still 1 July in Shanghai (15:30 UTC)
        (here, me, _at(2, 0, 30)),  # just after midnight in Shanghai: 2 July (1 July in UTC)
        (there, other, _at(1, 10)),
    ]
    for station, courier, when in rows:
        service_record_create(
            actor=users["steward"], kind="visit", courier=courier, station=station, occurred_at=when
        )
    service_record_create(
        actor=users["steward"], kind="hand_out", courier=me, station=here, occurred_at=_at(1, 12)
    )


def test_person_times_per_station_per_local_day(api, auth, records, stations):
    status, body = api(
        "get",
        "/api/v1/manage/care/person-times?date_from=2025-07-01&date_to=2025-07-02",
        headers=auth("district_staff"),
    )
    assert status == 200
    rows = {(row["station_name"], row["day"]): (row["person_times"], row["couriers"]) for row in body["rows"]}
    assert rows == {
        ("劝业场暖心驿站", "2025-07-01"): (3, 2),
        ("小白楼暖心驿站", "2025-07-01"): (1, 1),
        ("劝业场暖心驿站", "2025-07-02"): (1, 1),
    }
    assert body["total_person_times"] == 5


def test_person_times_are_scoped_and_filterable(api, auth, records, stations):
    url = "/api/v1/manage/care/person-times?date_from=2025-07-01&date_to=2025-07-01"
    other = api("get", url, headers=auth("other_street_staff"))[1]
    assert [row["station_name"] for row in other["rows"]] == ["小白楼暖心驿站"]
    assert (
        api("get", f"{url}&station_id={stations['here'].public_id}", headers=auth("other_street_staff"))[0]
        == 404
    )
    visits_only = api(
        "get", f"{url}&kind=visit&station_id={stations['here'].public_id}", headers=auth("steward")
    )[1]
    assert [(row["person_times"], row["couriers"]) for row in visits_only["rows"]] == [(2, 2)]
    assert api("get", url, headers=auth("courier"))[0] == 403
    assert api("get", url)[0] == 401


@pytest.mark.parametrize(
    "query, field",
    [
        ("date_from=2025-07-02&date_to=2025-07-01", "date_from"),
        ("date_from=2024-01-01&date_to=2025-07-01", "date_to"),
        ("date_from=bad&date_to=2025-07-01", "date_from"),
        ("date_to=2025-07-01", "date_from"),
    ],
)
def test_person_times_bad_ranges(api, auth, query, field):
    status, body = api("get", f"/api/v1/manage/care/person-times?{query}", headers=auth("city_staff"))
    assert status == 422 and field in [error["field"] for error in body["errors"]]


def test_record_list_is_scoped_and_has_a_fixed_number_of_queries(api, auth, records):
    headers = auth("street_staff")
    api("get", "/api/v1/manage/care/records?limit=1", headers=headers)  # warm up the token
    with CaptureQueriesContext(connection) as few:
        status, body = api("get", "/api/v1/manage/care/records?limit=2", headers=headers)
    with CaptureQueriesContext(connection) as many:
        api("get", "/api/v1/manage/care/records?limit=100", headers=headers)
    assert status == 200 and body["count"] == 4
    assert len(few) == len(many)
    assert api("get", "/api/v1/manage/care/records", headers=auth("other_street_staff"))[1]["count"] == 1


def test_service_record_create_is_idempotent_per_source(stations, couriers, users, poster):
    first = service_record_create(actor=users["steward"], kind="other", courier=couriers["me"], source=poster)
    second = service_record_create(
        actor=users["steward"], kind="other", courier=couriers["me"], source=poster
    )
    assert first.pk == second.pk and ServiceRecord.objects.count() == 1
    assert first.area == couriers["me"].work_area  # no station: the courier's work area


# --- the catalog -------------------------------------------------------------------------------


def _item(stations, **fields):
    defaults = {
        "name": "免费饮水",
        "kind": "life",
        "provider_type": "station",
        "station_id": str(stations["here"].public_id),
    }
    return {**defaults, **fields}


def test_staff_create_a_station_service_and_couriers_browse_it(api, auth, stations, areas, client):
    status, item = api(
        "post", "/api/v1/manage/care/items", _item(stations, schedule="每天 8:00-20:00"), auth("street_staff")
    )
    assert status == 201 and item["area_code"] == areas["street"].code
    api(
        "post",
        "/api/v1/manage/care/items",
        {
            "name": "法律援助",
            "kind": "policy",
            "provider_type": "department",
            "provider_name": "和平区司法局",
            "area_code": areas["district"].code,
        },
        auth("district_staff"),
    )
    api(
        "post",
        "/api/v1/manage/care/items",
        {
            "name": "河东区心理热线",
            "kind": "mental_health",
            "provider_type": "organization",
            "provider_name": "河东区团委",
            "area_code": areas["other_district"].code,
        },
        auth("city_staff"),
    )

    by_station = api("get", f"/api/v1/services/items?station_id={stations['here'].public_id}")[1]
    by_area = api("get", f"/api/v1/services/items?area_code={areas['street'].code}")[1]
    policy_only = api("get", f"/api/v1/services/items?area_code={areas['street'].code}&kind=policy")[1]

    assert [entry["name"] for entry in by_station] == ["免费饮水"]
    assert sorted(entry["name"] for entry in by_area) == [
        "免费饮水",
        "法律援助",
    ]  # the district's offer applies
    assert [entry["name"] for entry in policy_only] == ["法律援助"]
    page = client.get(f"/m/services/?area={areas['street'].code}").content.decode()
    assert "免费饮水" in page and "法律援助" in page and "河东区心理热线" not in page


def test_unpublished_services_are_hidden(api, auth, stations):
    api("post", "/api/v1/manage/care/items", _item(stations, is_published=False), auth("street_staff"))
    assert api("get", f"/api/v1/services/items?station_id={stations['here'].public_id}")[1] == []


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"station_id": None}, "station_id"),
        ({"kind": "nonsense"}, "kind"),
        ({"name": "  "}, "name"),
        ({"provider_type": "department", "station_id": None}, "provider_name"),
        ({"provider_type": "department", "provider_name": "x", "area_code": "999"}, "area_code"),
    ],
)
def test_bad_catalog_input(api, auth, stations, fields, field):
    status, body = api("post", "/api/v1/manage/care/items", _item(stations, **fields), auth("street_staff"))
    assert status == 422 and field in [error["field"] for error in body["errors"]]
    assert not ServiceItem.objects.exists()


def test_staff_cannot_place_services_outside_their_area(api, auth, stations, areas):
    status, body = api(
        "post",
        "/api/v1/manage/care/items",
        _item(stations, station_id=str(stations["there"].public_id)),
        auth("street_staff"),
    )
    assert status == 422 and body["errors"][0]["field"] == "station_id"
    status, _ = api(
        "post",
        "/api/v1/manage/care/items",
        {
            "name": "x",
            "kind": "life",
            "provider_type": "organization",
            "provider_name": "y",
            "area_code": areas["district"].code,
        },
        auth("street_staff"),
    )
    assert status == 422 and not ServiceItem.objects.exists()


@pytest.mark.parametrize(
    "who, expected",
    [
        ("anonymous", 401),
        ("courier", 403),
        ("steward", 403),
        ("other_street_staff", 404),
        ("street_staff", 200),
        ("district_staff", 200),
        ("city_staff", 200),
    ],
)
def test_catalog_changes_follow_the_area(api, auth, stations, who, expected):
    _, item = api("post", "/api/v1/manage/care/items", _item(stations), auth("street_staff"))
    url = f"/api/v1/manage/care/items/{item['id']}"

    read_status = api("get", url, headers=_headers(auth, who))[0]
    write_status = api("put", url, _item(stations, name="改名"), _headers(auth, who))[0]
    delete_status = api("delete", url, headers=_headers(auth, who))[0]

    assert (read_status, write_status) == (expected, expected)
    assert delete_status == (204 if expected == 200 else expected)
    remaining = ServiceItem.objects.filter(public_id=item["id"]).first()
    if expected == 200:
        assert remaining is None
    else:
        assert remaining.name == "免费饮水"


def test_unknown_station_or_area_on_the_public_catalog_is_404(api, client):
    assert api("get", "/api/v1/services/items?area_code=000000000000")[0] == 404
    assert api("get", "/api/v1/services/items?station_id=7d1c3bd4-0000-4000-8000-000000000000")[0] == 404
    assert client.get("/m/services/?station=not-a-uuid").status_code == 404


def test_the_admin_lists_only_records_of_the_actor_area(client, users, records):
    users["street_staff"].is_staff = True
    users["street_staff"].save()
    client.force_login(users["street_staff"])
    page = client.get("/admin/care/servicerecord/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "劝业场暖心驿站" in content and "小白楼暖心驿站" not in content


def test_the_admin_issues_a_poster_for_a_station_of_the_area_only(client, users, stations):
    users["street_staff"].is_staff = True
    users["street_staff"].save()
    client.force_login(users["street_staff"])
    assert client.get("/admin/care/checkinposter/add/").status_code == 200
    assert client.get("/admin/care/serviceitem/add/").status_code == 200

    client.post("/admin/care/checkinposter/add/", {"station": stations["there"].pk, "label": "x"})
    assert not CheckInPoster.objects.exists()
    response = client.post(
        "/admin/care/checkinposter/add/", {"station": stations["here"].pk, "label": "正门"}
    )

    assert response.status_code == 302
    poster = CheckInPoster.objects.get()
    assert (poster.station, poster.issued_by) == (stations["here"], users["street_staff"])


def test_the_poster_prints_the_station_and_a_qr_code_that_opens_check_in(api, auth, poster):
    from nuanxin.cards.tests.test_cards import decoded_qr_codes, embedded_font_names, pdf_text
    from nuanxin.care.tokens import poster_token

    status, pdf = api(
        "get", f"/api/v1/manage/care/posters/{poster.public_id}/pdf", headers=auth("street_staff")
    )
    assert status == 200
    assert poster.station.name in pdf_text(pdf)
    assert any("NotoSansSC" in name for name in embedded_font_names(pdf))
    [url] = decoded_qr_codes(pdf)
    assert url.endswith(f"/m/check-in/{poster_token(poster)}/")
