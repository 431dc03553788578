"""The public station API through its real URLs: /api/v1/stations/nearby, /{id}, .geojson."""

import datetime
import math
import uuid

import pytest

from nuanxin.stations import geo
from nuanxin.stations.models import (
    PublicHoliday,
    SpecialDay,
    StandardCheck,
    StandardItem,
    Station,
    StationContact,
)

from .factories_finder import make_station, make_steward
from .test_geo import REFERENCE_PAIRS

pytestmark = pytest.mark.django_db

NEARBY = "/api/v1/stations/nearby"
GEOJSON = "/api/v1/stations.geojson"
# Tianjin, 劝业场 (WGS-84)
ORIGIN = (39.1253, 117.1950)
FRIDAY = datetime.date(2025, 10, 3)
FRIDAY_NOON = "2025-10-03T12:00"
SATURDAY_2AM = "2025-10-04T02:00"
WEEKDAYS = [(weekday, "08:00", "20:00") for weekday in range(5)]


def offset(point, north_m, east_m):
    lat = point[0] + math.degrees(north_m / geo.EARTH_RADIUS_M)
    lng = point[1] + math.degrees(east_m / (geo.EARTH_RADIUS_M * math.cos(math.radians(point[0]))))
    return lat, lng


def station_at(areas, north_m, east_m, **kwargs):
    lat, lng = offset(ORIGIN, north_m, east_m)
    return make_station(areas["street"], latitude=lat, longitude=lng, **kwargs)


def nearby(client, *, language=None, **params):
    params = {"lat": ORIGIN[0], "lng": ORIGIN[1], **params}
    headers = {"Accept-Language": language} if language else {}
    return client.get(NEARBY, params, headers=headers)


def names(response):
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["items"]]


def detail_url(station):
    return f"/api/v1/stations/{station.public_id}"


# --- nearby -------------------------------------------------------------------------------------


def test_nearby_lists_stations_nearest_first_with_what_a_courier_needs(client, areas):
    # given: four stations around the courier
    station_at(areas, 2000, 0, name="北2公里")
    east = station_at(
        areas,
        0,
        300,
        name="东300米",
        amenities=["toilet", "charging"],
        phone="022-2730 1234",
        periods=WEEKDAYS,
    )
    station_at(areas, -707, -707, name="西南1公里")
    station_at(areas, 0, -4000, name="西4公里")
    # when
    response = nearby(client, at=FRIDAY_NOON)
    # then: sorted by distance, with distances in metres
    items = response.json()["items"]
    assert names(response) == ["东300米", "西南1公里", "北2公里", "西4公里"]
    assert [item["distance_m"] for item in items] == [300, 1000, 2000, 4000]
    # and the nearest one tells where, what and when
    first = items[0]
    assert first["id"] == str(east.public_id)
    assert (first["lat"], first["lng"]) == pytest.approx(offset(ORIGIN, 0, 300), abs=1e-9)
    assert first["amenities"] == ["charging", "toilet"]  # display order, not the order given
    assert first["is_open_now"] is True
    assert first["today_hours"] == "08:00–20:00"
    assert first["phone"] == "022-2730 1234"
    assert first["area"] == "劝业场街道"
    assert first["status"] == "active"
    assert first["host_type"] == "social_work_station"
    assert first["is_24_hours"] is False


def test_nearby_answers_with_no_stations_as_an_empty_list(client, areas):
    response = nearby(client)
    assert response.status_code == 200
    assert response.json() == {"items": []}


def test_radius_and_limit_bound_the_results(client, areas):
    for distance in (100, 900, 1600, 2500, 6000):
        station_at(areas, distance, 0, name=f"{distance}米")
    assert names(nearby(client, radius_m=2000)) == ["100米", "900米", "1600米"]
    assert names(nearby(client, limit=2)) == ["100米", "900米"]
    assert names(nearby(client, radius_m=50)) == []
    # the default radius is 5 km
    assert names(nearby(client)) == ["100米", "900米", "1600米", "2500米"]
    assert len(names(nearby(client, radius_m=50000))) == 5


def test_amenity_filter_is_repeatable_and_comma_separated_and_needs_every_code(client, areas):
    station_at(areas, 100, 0, name="只有水", amenities=["drinking_water"])
    station_at(areas, 200, 0, name="水和充电", amenities=["drinking_water", "charging"])
    station_at(areas, 300, 0, name="充电和厕所", amenities=["charging", "toilet"])
    station_at(areas, 400, 0, name="什么都没有")
    assert names(nearby(client, amenity="charging")) == ["水和充电", "充电和厕所"]
    assert names(nearby(client, amenity=["charging", "drinking_water"])) == ["水和充电"]
    assert names(nearby(client, amenity="charging,drinking_water")) == ["水和充电"]
    assert names(nearby(client, amenity=["charging, toilet", "toilet"])) == ["充电和厕所"]
    assert names(nearby(client, amenity="")) == ["只有水", "水和充电", "充电和厕所", "什么都没有"]


def test_open_now_keeps_a_night_station_open_after_midnight(client, areas):
    # given: at Saturday 02:00, a Saturday daytime station and a Friday-night station
    station_at(areas, 100, 0, name="日间", periods=[(5, "08:00", "20:00")])
    station_at(areas, 200, 0, name="周五夜间", periods=[(4, "22:00", "06:00")])
    # when
    everything = nearby(client, at=SATURDAY_2AM, language="en").json()["items"]
    open_only = nearby(client, at=SATURDAY_2AM, open_now="true")
    # then
    assert [(item["name"], item["is_open_now"]) for item in everything] == [
        ("日间", False),
        ("周五夜间", True),
    ]
    # Saturday's own hours are shown as today's, the Friday night period is not Saturday's
    assert [item["today_hours"] for item in everything] == ["08:00–20:00", "Closed"]
    assert names(open_only) == ["周五夜间"]


def test_open_now_skips_closed_days_special_days_and_public_holidays(client, areas):
    # given: Friday 3 October is a public holiday
    PublicHoliday.objects.create(date=FRIDAY, name="国庆节")
    station_at(areas, 100, 0, name="周末营业", periods=[(5, "08:00", "20:00"), (6, "08:00", "20:00")])
    station_at(areas, 200, 0, name="节假日休息", periods=WEEKDAYS, closes_on_public_holidays=True)
    station_at(areas, 300, 0, name="节假日照常", periods=WEEKDAYS)
    closed_today = station_at(areas, 400, 0, name="今天临时闭站", periods=WEEKDAYS)
    SpecialDay.objects.create(station=closed_today, date=FRIDAY, is_closed=True, note="设备检修")
    morning_only = station_at(areas, 500, 0, name="今天只开上午", periods=WEEKDAYS)
    SpecialDay.objects.create(
        station=morning_only,
        date=FRIDAY,
        is_closed=False,
        opens_at=datetime.time(8),
        closes_at=datetime.time(11),
    )
    extra = station_at(areas, 600, 0, name="节日加开", periods=[], closes_on_public_holidays=True)
    SpecialDay.objects.create(
        station=extra, date=FRIDAY, is_closed=False, opens_at=datetime.time(9), closes_at=datetime.time(17)
    )
    # when: at Friday noon
    response = nearby(client, at=FRIDAY_NOON, open_now=True, language="en")
    everything = {
        item["name"]: item for item in nearby(client, at=FRIDAY_NOON, language="en").json()["items"]
    }
    # then
    assert names(response) == ["节假日照常", "节日加开"]
    # and today's hours follow the special day and the holiday
    assert everything["今天只开上午"]["today_hours"] == "08:00–11:00"
    assert everything["今天临时闭站"]["today_hours"] == "Closed"
    assert everything["节假日休息"]["today_hours"] == "Closed"
    assert everything["节日加开"]["today_hours"] == "09:00–17:00"
    # and the day after the holiday, the holiday closer is open again
    assert "节假日休息" in names(nearby(client, at="2025-10-06T12:00", open_now=True))


def test_planned_and_suspended_stations_are_not_found(client, areas):
    station_at(areas, 100, 0, name="规划中", status=Station.Status.PLANNED)
    station_at(areas, 200, 0, name="暂停", status=Station.Status.SUSPENDED)
    station_at(areas, 300, 0, name="试点", status=Station.Status.PILOT)
    assert names(nearby(client)) == ["试点"]


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE_PAIRS)
def test_gcj02_request_is_answered_in_gcj02_at_the_published_reference_points(client, areas, wgs, gcj):
    # given: a station stored at a published WGS-84 reference point
    make_station(areas["street"], latitude=wgs[0], longitude=wgs[1], name="参考点")
    # when: a phone on a Chinese map asks from the published GCJ-02 point
    response = client.get(NEARBY, {"lat": gcj[0], "lng": gcj[1], "crs": "gcj02"})
    # then: it is the same place, answered in GCJ-02
    [item] = response.json()["items"]
    assert item["distance_m"] == 0
    assert item["lat"] == pytest.approx(gcj[0], abs=1e-9)
    assert item["lng"] == pytest.approx(gcj[1], abs=1e-9)
    # and asked in WGS-84 from the WGS-84 point, the answer is in WGS-84
    [item] = client.get(NEARBY, {"lat": wgs[0], "lng": wgs[1], "crs": "wgs84"}).json()["items"]
    assert (item["distance_m"], item["lat"], item["lng"]) == (0, wgs[0], wgs[1])


def test_gcj02_numbers_sent_as_wgs84_are_hundreds_of_metres_off(client, areas):
    wgs, gcj = REFERENCE_PAIRS[2]  # Beijing
    make_station(areas["street"], latitude=wgs[0], longitude=wgs[1])
    [item] = client.get(NEARBY, {"lat": gcj[0], "lng": gcj[1]}).json()["items"]
    assert 500 < item["distance_m"] < 700


def test_a_nearby_search_costs_a_fixed_number_of_queries(client, areas, django_assert_max_num_queries):
    # given: 30 stations within 300 m, with amenities, special days and holiday closers
    PublicHoliday.objects.create(date=FRIDAY, name="国庆节")
    for index in range(30):
        station = station_at(
            areas,
            index * 7,
            index * 5,
            amenities=["charging", "toilet"],
            closes_on_public_holidays=index % 2 == 0,
        )
        if index % 3 == 0:
            SpecialDay.objects.create(station=station, date=FRIDAY, is_closed=True)
    search = {"amenity": "charging", "open_now": True, "at": FRIDAY_NOON}
    # when: the first square holds enough: the amenity list, one candidate query (which also
    # says whether today is a holiday), the stations with their area
    with django_assert_max_num_queries(3):
        response = nearby(client, **search, limit=5)
    # then
    assert len(response.json()["items"]) == 5
    # when: more are asked for than exist, the whole 5 km is read in three squares (1.6 km,
    # 3.2 km, 5 km): still no query per station
    with django_assert_max_num_queries(5):
        response = nearby(client, **search, limit=50)
    # then: 30 minus the 10 closed by a special day, minus the holiday closers among the rest
    assert len(response.json()["items"]) == 10


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"lat": 91}, "lat", "Latitude must be a number from -90 to 90."),
        ({"lat": "abc"}, "lat", "Enter a number."),
        ({"lat": "nan"}, "lat", "Latitude must be a number from -90 to 90."),
        ({"lat": "inf"}, "lat", "Latitude must be a number from -90 to 90."),
        ({"lng": -180.5}, "lng", "Longitude must be a number from -180 to 180."),
        ({"lng": ""}, "lng", "Enter a number."),
        ({"crs": "bd09"}, "crs", "Unknown coordinate system “bd09”. Use wgs84 or gcj02."),
        ({"amenity": "charging,jacuzzi"}, "amenity", "Unknown amenity: jacuzzi."),
        ({"radius_m": 0}, "radius_m", "The radius must be from 1 to 50000 metres."),
        ({"radius_m": 50001}, "radius_m", "The radius must be from 1 to 50000 metres."),
        ({"radius_m": "far"}, "radius_m", "Enter a number."),
        ({"limit": 0}, "limit", "The number of results must be from 1 to 50."),
        ({"limit": 51}, "limit", "The number of results must be from 1 to 50."),
        ({"limit": "1.5"}, "limit", "Enter a whole number."),
        ({"open_now": "maybe"}, "open_now", "Enter true or false."),
        ({"at": "yesterday"}, "at", "Enter a valid date and time."),
    ],
)
def test_bad_input_is_a_422_naming_the_parameter_in_english_when_asked(client, areas, params, field, message):
    response = nearby(client, language="en", **params)
    assert response.status_code == 422
    body = response.json()
    assert body["errors"][0]["field"] == field
    assert body["errors"][0]["message"] == message
    assert body["message"] == message


def test_missing_coordinates_are_required(client, db):
    response = client.get(NEARBY, {"lng": ORIGIN[1]}, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "lat", "code": "missing", "message": "This field is required."}
    ]


def test_errors_are_in_chinese_unless_english_is_asked_for(client, db):
    # given: the same bad request, without and with Accept-Language: en
    chinese = nearby(client, lat=95)
    english = nearby(client, lat=95, language="en")
    # then: both name the field; the default answer is labelled Simplified Chinese
    assert chinese.status_code == english.status_code == 422
    assert chinese.json()["errors"][0]["field"] == english.json()["errors"][0]["field"] == "lat"
    assert chinese["Content-Language"] == "zh-hans"
    assert english["Content-Language"] == "en"
    assert english.json()["errors"][0]["message"] == "Latitude must be a number from -90 to 90."
    assert "纬度" in chinese.json()["errors"][0]["message"]


# --- one station --------------------------------------------------------------------------------


def test_detail_shows_everything_the_public_may_see(client, areas):
    # given: a station with hours, a special day ahead, contacts, a steward and some 六有 items
    steward = make_steward(areas["street"], display_name="王管家")
    station = station_at(
        areas,
        0,
        0,
        name="劝业场暖心驿站",
        amenities=["toilet", "charging"],
        periods=[*WEEKDAYS, (5, "22:00", "06:00")],
        steward=steward,
        phone="022-2730 1234",
        closes_on_public_holidays=True,
    )
    SpecialDay.objects.create(station=station, date=FRIDAY, is_closed=True, note="设备检修")
    SpecialDay.objects.create(
        station=station,
        date=datetime.date(2025, 10, 8),
        is_closed=False,
        opens_at=datetime.time(9),
        closes_at=datetime.time(12),
    )
    SpecialDay.objects.create(station=station, date=datetime.date(2025, 9, 1), is_closed=True)  # past
    PublicHoliday.objects.create(date=datetime.date(2025, 10, 6), name="中秋节")
    StationContact.objects.create(station=station, title="值班电话", name="", phone="022-2730 0000")
    StandardCheck.objects.create(
        station=station,
        item=StandardItem.SITE,
        is_met=True,
        inspected_on=datetime.date(2025, 9, 20),
        evidence="内部检查记录",
    )
    StandardCheck.objects.create(station=station, item=StandardItem.EQUIPMENT, is_met=True)
    StandardCheck.objects.create(station=station, item=StandardItem.PERSONNEL, is_met=False)
    # when: asked on Thursday 2 October at 10:00, in English
    response = client.get(detail_url(station), {"at": "2025-10-02T10:00"}, headers={"Accept-Language": "en"})
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(station.public_id)
    assert body["name"] == "劝业场暖心驿站"
    assert (body["lat"], body["lng"], body["crs"]) == (station.latitude, station.longitude, "wgs84")
    assert body["area"] == {
        "code": "120101001000",
        "name": "劝业场街道",
        "full_name": areas["street"].full_name,
    }
    assert body["is_open_now"] is True
    assert body["today_hours"] == "08:00–20:00"
    assert [(day["label"], day["text"], day["is_today"]) for day in body["hours"]] == [
        ("Mon", "08:00–20:00", False),
        ("Tue", "08:00–20:00", False),
        ("Wed", "08:00–20:00", False),
        ("Thu", "08:00–20:00", True),
        ("Fri", "08:00–20:00", False),
        ("Sat", "22:00–06:00 (next day)", False),
        ("Sun", "Closed", False),
    ]
    assert body["hours"][5]["periods"] == [{"opens_at": "22:00", "closes_at": "06:00"}]
    assert [(day["date"], day["text"], day["note"]) for day in body["special_days"]] == [
        ("2025-10-03", "Closed", "设备检修"),
        ("2025-10-08", "09:00–12:00", ""),
    ]
    assert body["holiday_closures"] == [{"date": "2025-10-06", "name": "中秋节"}]
    assert body["amenities"] == [
        {"code": "charging", "name": "Phone and battery charging", "icon": "🔌"},
        {"code": "toilet", "name": "Toilet", "icon": "🚻"},
    ]
    assert body["contacts"] == [{"title": "值班电话", "name": "", "phone": "022-2730 0000"}]
    assert body["phone"] == "022-2730 1234"
    assert body["steward_name"] == "王管家"
    assert body["standard"]["met"] == 2
    assert body["standard"]["total"] == 6
    assert body["standard"]["items"][0] == {
        "item": "site",
        "label": "Has a site",
        "is_met": True,
        "inspected_on": "2025-09-20",
    }
    assert body["directions"]["geo"].startswith(f"geo:{station.latitude:.6f},{station.longitude:.6f}")
    # and nothing private leaks: no evidence, no steward account
    assert "内部检查记录" not in response.content.decode()
    assert steward.username not in response.content.decode()


def test_detail_in_gcj02_and_on_a_closed_special_day(client, areas):
    wgs, gcj = REFERENCE_PAIRS[0]  # Shanghai
    station = make_station(areas["street"], latitude=wgs[0], longitude=wgs[1], periods=WEEKDAYS)
    SpecialDay.objects.create(station=station, date=FRIDAY, is_closed=True)
    body = client.get(detail_url(station), {"crs": "gcj02", "at": FRIDAY_NOON}).json()
    assert (body["lat"], body["lng"]) == pytest.approx(gcj, abs=1e-9)
    assert body["crs"] == "gcj02"
    assert body["is_open_now"] is False


def test_detail_of_a_missing_hidden_or_malformed_id_is_a_404(client, areas):
    planned = station_at(areas, 0, 0, status=Station.Status.PLANNED)
    suspended = station_at(areas, 100, 0, status=Station.Status.SUSPENDED)
    for url in (
        detail_url(planned),
        detail_url(suspended),
        f"/api/v1/stations/{uuid.uuid4()}",
        "/api/v1/stations/not-a-uuid",
        "/api/v1/stations/12",
    ):
        response = client.get(url, headers={"Accept-Language": "en"})
        assert response.status_code == 404, url
        assert response.json() == {"code": "not_found", "message": "Not found.", "errors": []}


def test_detail_with_an_unknown_crs_is_a_422(client, areas):
    station = station_at(areas, 0, 0)
    response = client.get(detail_url(station), {"crs": "bd09"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "crs"


def test_detail_costs_a_fixed_number_of_queries(client, areas, django_assert_max_num_queries):
    station = station_at(
        areas, 0, 0, amenities=["toilet", "charging", "wifi"], closes_on_public_holidays=True
    )
    for index in range(5):
        StationContact.objects.create(station=station, title=f"联系人{index}", phone="022-0000")
        SpecialDay.objects.create(
            station=station, date=FRIDAY + datetime.timedelta(days=index), is_closed=True
        )
    for item in StandardItem:
        StandardCheck.objects.create(station=station, item=item, is_met=True)
    with django_assert_max_num_queries(12):
        response = client.get(detail_url(station), {"at": FRIDAY_NOON})
    assert response.status_code == 200
    assert response.json()["standard"]["met"] == 6


# --- GeoJSON ------------------------------------------------------------------------------------


def test_geojson_is_a_feature_collection_of_public_stations(client, areas):
    # given
    open_station = station_at(areas, 0, 0, name="营业中", amenities=["charging"], periods=WEEKDAYS)
    station_at(areas, 500, 0, name="周末", periods=[(5, "08:00", "20:00")])
    station_at(areas, 900, 0, name="规划中", status=Station.Status.PLANNED)
    # when
    response = client.get(GEOJSON, {"at": FRIDAY_NOON})
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert body["truncated"] is False
    features = {feature["properties"]["name"]: feature for feature in body["features"]}
    assert set(features) == {"营业中", "周末"}
    feature = features["营业中"]
    assert feature["geometry"] == {
        "type": "Point",
        "coordinates": [open_station.longitude, open_station.latitude],
    }
    assert feature["properties"] == {
        "id": str(open_station.public_id),
        "name": "营业中",
        "address": open_station.address,
        "amenities": ["charging"],
        "is_open_now": True,
    }
    assert features["周末"]["properties"]["is_open_now"] is False


def test_geojson_filters_by_box_and_amenity_and_answers_in_gcj02(client, areas):
    # given: two stations at published reference points, one in Beijing, one in Shanghai
    (bj_wgs, bj_gcj), (sh_wgs, _sh_gcj) = REFERENCE_PAIRS[2], REFERENCE_PAIRS[0]
    make_station(areas["street"], latitude=bj_wgs[0], longitude=bj_wgs[1], name="北京", amenities=["toilet"])
    make_station(
        areas["street"], latitude=sh_wgs[0], longitude=sh_wgs[1], name="上海", amenities=["charging"]
    )

    def feature_names(**params):
        response = client.get(GEOJSON, params)
        assert response.status_code == 200, response.content
        return sorted(feature["properties"]["name"] for feature in response.json()["features"])

    # then: a box around Beijing in GCJ-02 finds Beijing, answered in GCJ-02
    box = f"{bj_gcj[1] - 0.001},{bj_gcj[0] - 0.001},{bj_gcj[1] + 0.001},{bj_gcj[0] + 0.001}"
    response = client.get(GEOJSON, {"crs": "gcj02", "bbox": box})
    [feature] = response.json()["features"]
    assert feature["geometry"]["coordinates"] == pytest.approx([bj_gcj[1], bj_gcj[0]], abs=1e-9)
    # and the same numbers read as WGS-84 miss it: the GCJ-02 offset is larger than the box
    assert feature_names(bbox=box) == []
    # and amenity filters apply
    assert feature_names() == ["上海", "北京"]
    assert feature_names(amenity="charging") == ["上海"]
    assert feature_names(amenity=["charging", "toilet"]) == []
    assert feature_names(bbox="110,20,125,35") == ["上海"]


def test_geojson_is_capped_by_limit_and_says_so(client, areas):
    for index in range(3):
        station_at(areas, index * 100, 0)
    body = client.get(GEOJSON, {"limit": 2}).json()
    assert len(body["features"]) == 2
    assert body["truncated"] is True
    assert client.get(GEOJSON, {"limit": 3}).json()["truncated"] is False


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "a,b,c,d"}, "bbox"),
        ({"bbox": "120,40,110,30"}, "bbox"),
        ({"bbox": "0,0,200,10"}, "bbox"),
        ({"bbox": "nan,0,1,1"}, "bbox"),
        ({"crs": "bd09"}, "crs"),
        ({"amenity": "jacuzzi"}, "amenity"),
        ({"limit": 0}, "limit"),
        ({"limit": 5001}, "limit"),
    ],
)
def test_geojson_bad_input_is_a_422_naming_the_parameter(client, areas, params, field):
    response = client.get(GEOJSON, params)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_geojson_costs_a_fixed_number_of_queries(client, areas, django_assert_max_num_queries):
    PublicHoliday.objects.create(date=FRIDAY, name="国庆节")
    for index in range(40):
        station = station_at(
            areas, index * 50, 0, amenities=["charging"], closes_on_public_holidays=index % 2 == 0
        )
        if index % 4 == 0:
            SpecialDay.objects.create(station=station, date=FRIDAY, is_closed=True)
    # the amenity list, the stations, their special days, the holidays
    with django_assert_max_num_queries(4):
        response = client.get(GEOJSON, {"amenity": "charging", "at": FRIDAY_NOON})
    features = response.json()["features"]
    assert len(features) == 40
    # closed: every holiday closer (20) and the special days among the others (index 4k, all even)
    assert sum(feature["properties"]["is_open_now"] for feature in features) == 20


def test_routes_do_not_collide_and_are_in_the_openapi_document(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/stations/nearby", "/api/v1/stations.geojson", "/api/v1/stations/{station_id}"} <= set(
        schema["paths"]
    )
    assert client.get(GEOJSON).status_code == 200
    # "nearby" is the finder (422 without coordinates), not the detail of a station called "nearby"
    response = client.get(NEARBY)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "lat"
