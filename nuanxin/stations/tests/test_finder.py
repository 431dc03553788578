"""The finder: nearest public stations, by distance, with amenity and open-now filters."""

import datetime
import math
import random

import pytest
from django.utils import translation

from nuanxin.stations import geo
from nuanxin.stations.finder import InvalidSearch, find_nearby
from nuanxin.stations.hours import SHANGHAI, is_open_at
from nuanxin.stations.models import PublicHoliday, SpecialDay, Station

from .factories_finder import make_station

pytestmark = pytest.mark.django_db

# Tianjin, 劝业场 (WGS-84)
ORIGIN = (39.1253, 117.1950)
FRIDAY = datetime.date(2025, 10, 3)  # a Friday
SATURDAY_2AM = datetime.datetime(2025, 10, 4, 2, 0, tzinfo=SHANGHAI)
WEDNESDAY_NOON = datetime.datetime(2025, 10, 8, 12, 0, tzinfo=SHANGHAI)


def offset(point, north_m, east_m):
    """A point `north_m` metres north and `east_m` east of `point`."""
    lat = point[0] + math.degrees(north_m / geo.EARTH_RADIUS_M)
    lng = point[1] + math.degrees(east_m / (geo.EARTH_RADIUS_M * math.cos(math.radians(point[0]))))
    return lat, lng


def station_at(areas, north_m, east_m, **kwargs):
    lat, lng = offset(ORIGIN, north_m, east_m)
    return make_station(areas["street"], latitude=lat, longitude=lng, **kwargs)


def names(results):
    return [result.station.name for result in results]


def test_results_are_sorted_by_distance_with_their_distances(areas):
    # given: stations 2 km north, 300 m east, 1 km south-west and 4 km west
    station_at(areas, 2000, 0, name="北2公里")
    station_at(areas, 0, 300, name="东300米")
    station_at(areas, -707, -707, name="西南1公里")
    station_at(areas, 0, -4000, name="西4公里")
    # when
    results = find_nearby(latitude=ORIGIN[0], longitude=ORIGIN[1])
    # then
    assert names(results) == ["东300米", "西南1公里", "北2公里", "西4公里"]
    assert [result.distance_m for result in results] == [300, 1000, 2000, 4000]


def test_radius_and_limit_bound_the_results(areas):
    for distance in (100, 900, 1600, 2500, 6000):
        station_at(areas, distance, 0, name=f"{distance}米")
    # then
    assert names(find_nearby(latitude=ORIGIN[0], longitude=ORIGIN[1], radius_m=2000)) == [
        "100米",
        "900米",
        "1600米",
    ]
    assert names(find_nearby(latitude=ORIGIN[0], longitude=ORIGIN[1], limit=2)) == ["100米", "900米"]
    assert names(find_nearby(latitude=ORIGIN[0], longitude=ORIGIN[1], radius_m=50)) == []
    assert len(find_nearby(latitude=ORIGIN[0], longitude=ORIGIN[1], radius_m=50_000)) == 5


def test_far_stations_are_found_when_nothing_is_near(areas):
    # given: the only station is 40 km away
    station_at(areas, 0, 40_000, name="远处")
    # then: found with a large radius, not with the default
    assert names(find_nearby(latitude=ORIGIN[0], longitude=ORIGIN[1], radius_m=45_000)) == ["远处"]
    assert find_nearby(latitude=ORIGIN[0], longitude=ORIGIN[1]) == []


def test_amenity_filter_requires_every_requested_amenity(areas):
    station_at(areas, 100, 0, name="只有水", amenities=["drinking_water"])
    station_at(areas, 200, 0, name="水和充电", amenities=["drinking_water", "charging"])
    station_at(areas, 300, 0, name="充电和厕所", amenities=["charging", "toilet"])
    station_at(areas, 400, 0, name="什么都没有")
    # then
    assert names(find_nearby(latitude=ORIGIN[0], longitude=ORIGIN[1], amenity_codes=["charging"])) == [
        "水和充电",
        "充电和厕所",
    ]
    assert names(
        find_nearby(latitude=ORIGIN[0], longitude=ORIGIN[1], amenity_codes=["charging", "drinking_water"])
    ) == ["水和充电"]
    results = find_nearby(latitude=ORIGIN[0], longitude=ORIGIN[1], amenity_codes=["toilet"])
    assert [amenity.code for amenity in results[0].station.amenities.all()] == ["charging", "toilet"]


def test_only_public_stations_are_found(areas):
    station_at(areas, 100, 0, name="规划中", status=Station.Status.PLANNED)
    station_at(areas, 200, 0, name="暂停", status=Station.Status.SUSPENDED)
    station_at(areas, 300, 0, name="试点", status=Station.Status.PILOT)
    station_at(areas, 400, 0, name="示范点", status=Station.Status.DEMONSTRATION)
    station_at(areas, 500, 0, name="运行中", status=Station.Status.ACTIVE)
    assert names(find_nearby(latitude=ORIGIN[0], longitude=ORIGIN[1])) == ["试点", "示范点", "运行中"]


def test_open_now_keeps_a_night_station_open_after_midnight(areas):
    # given: a Friday-night station and a daytime station, at Saturday 02:00
    station_at(areas, 100, 0, name="日间", periods=[(5, "08:00", "20:00")])
    station_at(areas, 200, 0, name="周五夜间", periods=[(4, "22:00", "06:00")])
    # when
    everything = find_nearby(latitude=ORIGIN[0], longitude=ORIGIN[1], at=SATURDAY_2AM)
    open_only = find_nearby(latitude=ORIGIN[0], longitude=ORIGIN[1], at=SATURDAY_2AM, open_now=True)
    # then
    assert [(result.station.name, result.is_open_now) for result in everything] == [
        ("日间", False),
        ("周五夜间", True),
    ]
    assert names(open_only) == ["周五夜间"]


def test_open_now_skips_closed_days_holidays_and_closed_special_days(areas):
    # given: at Friday noon (a public holiday)
    PublicHoliday.objects.create(date=FRIDAY, name="国庆节")
    friday_noon = datetime.datetime.combine(FRIDAY, datetime.time(12), tzinfo=SHANGHAI)
    weekdays = [(weekday, "08:00", "20:00") for weekday in range(5)]
    station_at(areas, 100, 0, name="周末营业", periods=[(5, "08:00", "20:00"), (6, "08:00", "20:00")])
    station_at(areas, 200, 0, name="节假日休息", periods=weekdays, closes_on_public_holidays=True)
    station_at(areas, 300, 0, name="节假日照常", periods=weekdays)
    special = station_at(areas, 400, 0, name="今天临时闭站", periods=weekdays)
    SpecialDay.objects.create(station=special, date=FRIDAY, is_closed=True, note="设备检修")
    shortened = station_at(areas, 500, 0, name="今天只开上午", periods=weekdays)
    SpecialDay.objects.create(
        station=shortened,
        date=FRIDAY,
        is_closed=False,
        opens_at=datetime.time(8),
        closes_at=datetime.time(11),
    )
    extra = station_at(areas, 600, 0, name="节日加开", periods=[], closes_on_public_holidays=True)
    SpecialDay.objects.create(
        station=extra, date=FRIDAY, is_closed=False, opens_at=datetime.time(9), closes_at=datetime.time(17)
    )
    # when
    results = find_nearby(latitude=ORIGIN[0], longitude=ORIGIN[1], open_now=True, at=friday_noon)
    # then
    assert names(results) == ["节假日照常", "节日加开"]


def test_gcj02_queries_and_answers_match_published_reference_points(areas):
    # given: a station at eviltransform's Beijing reference point (go/transform_test.go):
    # WGS-84 (39.911954, 116.377817) = GCJ-02 (39.91334545536069, 116.38404722455657)
    make_station(areas["street"], latitude=39.911954, longitude=116.377817, name="北京参考点")
    # when: a phone asks in GCJ-02 from the published GCJ-02 point
    [gcj_result] = find_nearby(latitude=39.91334545536069, longitude=116.38404722455657, crs="gcj02")
    # then: it is the same place, answered in GCJ-02
    assert gcj_result.distance_m == 0
    assert gcj_result.latitude == pytest.approx(39.91334545536069, abs=1e-9)
    assert gcj_result.longitude == pytest.approx(116.38404722455657, abs=1e-9)
    # and asking in WGS-84 from the GCJ-02 numbers is ~600 m off (the offset couriers would see)
    [wgs_result] = find_nearby(latitude=39.91334545536069, longitude=116.38404722455657)
    assert 500 < wgs_result.distance_m < 700
    assert (wgs_result.latitude, wgs_result.longitude) == (39.911954, 116.377817)


def test_bad_input_names_the_parameter(areas):
    cases = [
        ({"latitude": 91}, "lat"),
        ({"latitude": float("nan")}, "lat"),
        ({"longitude": -180.5}, "lng"),
        ({"crs": "bd09"}, "crs"),
        ({"amenity_codes": ["charging", "jacuzzi"]}, "amenity"),
        ({"radius_m": 0}, "radius_m"),
        ({"radius_m": 50_001}, "radius_m"),
        ({"limit": 0}, "limit"),
        ({"limit": 51}, "limit"),
    ]
    for overrides, field in cases:
        arguments = {"latitude": ORIGIN[0], "longitude": ORIGIN[1], **overrides}
        with pytest.raises(InvalidSearch) as excinfo:
            find_nearby(**arguments)
        assert excinfo.value.field == field, overrides
        assert excinfo.value.status_code == 422


def test_unknown_amenity_message_names_the_code_in_english():
    with pytest.raises(InvalidSearch) as excinfo:
        find_nearby(latitude=ORIGIN[0], longitude=ORIGIN[1], amenity_codes=["jacuzzi"])
    # the message is lazy: it takes the language active when it is shown
    with translation.override("en"):
        assert excinfo.value.text() == "Unknown amenity: jacuzzi."


def test_a_search_costs_a_fixed_number_of_queries(areas, django_assert_max_num_queries):
    # given: 30 stations within 300 m, some closing on holidays, some with special days
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
    PublicHoliday.objects.create(date=FRIDAY, name="国庆节")
    at = datetime.datetime.combine(FRIDAY, datetime.time(12), tzinfo=SHANGHAI)
    search = {"latitude": ORIGIN[0], "longitude": ORIGIN[1], "amenity_codes": ["charging"], "open_now": True}
    # when: the first square holds enough: the amenity list, one candidate query (which also
    # tells whether today is a holiday), the stations (their amenities come from the mask)
    with django_assert_max_num_queries(3):
        results = find_nearby(**search, limit=5, at=at)
        [list(result.station.amenities.all()) for result in results]
    # then
    assert len(results) == 5
    # when: more are asked for than exist, the search reads the whole 5 km in three squares
    # (1.6 km, 3.2 km, 5 km): still no query per station
    with django_assert_max_num_queries(5):
        results = find_nearby(**search, limit=50, at=at)
        [list(result.station.amenities.all()) for result in results]
    # then: 30 minus the 10 closed by a special day, minus the holiday closers among the rest
    assert len(results) == 10


def brute_force(stations, *, point, codes, open_now, radius_m, limit, at):
    """The answer by reading every station: the oracle for the grid search."""
    hits = []
    for station in stations:
        if not station.is_public:
            continue
        if not set(codes) <= {amenity.code for amenity in station.amenities.all()}:
            continue
        distance = geo.haversine_m(point[0], point[1], station.latitude, station.longitude)
        if distance > radius_m:
            continue
        is_open = is_open_at(
            schedule=station.schedule,
            at=at,
            closes_on_public_holidays=station.closes_on_public_holidays,
            holidays=set(),
            special_days={},
        )
        if open_now and not is_open:
            continue
        hits.append((distance, station.id))
    return [station_id for _distance, station_id in sorted(hits)[:limit]]


def test_the_grid_search_agrees_with_reading_every_station(areas):
    # given: 250 stations in clusters and scattered over 60 km, with random amenities and hours
    generator = random.Random(120101)
    codes = ["charging", "toilet", "drinking_water", "hot_meals"]
    hour_choices = [
        [(weekday, "08:00", "20:00") for weekday in range(5)],
        [(weekday, "22:00", "06:00") for weekday in range(7)],
        [(weekday, "00:00", "00:00") for weekday in range(7)],
        [(5, "09:00", "17:00"), (6, "09:00", "17:00")],
    ]
    centres = [(0, 0), (3000, -2000), (-8000, 12_000)]
    for index in range(250):
        if index % 5 == 0:
            north, east = generator.uniform(-30_000, 30_000), generator.uniform(-30_000, 30_000)
        else:
            centre = generator.choice(centres)
            north, east = centre[0] + generator.gauss(0, 1500), centre[1] + generator.gauss(0, 1500)
        station_at(
            areas,
            north,
            east,
            amenities=generator.sample(codes, generator.randint(0, 3)),
            periods=generator.choice(hour_choices),
            status=Station.Status.SUSPENDED if index % 17 == 0 else Station.Status.ACTIVE,
        )
    stations = list(Station.objects.prefetch_related("amenities"))
    # when / then: random queries, including points right on cell edges
    for case in range(120):
        if case % 4 == 0:
            point = (round(ORIGIN[0] + generator.uniform(-0.1, 0.1), 2), round(ORIGIN[1], 2))
        else:
            point = offset(ORIGIN, generator.uniform(-25_000, 25_000), generator.uniform(-25_000, 25_000))
        query = {
            "codes": generator.sample(codes, generator.choice([0, 0, 1, 2])),
            "open_now": generator.random() < 0.5,
            "radius_m": generator.choice([500, 2000, 5000, 20_000, 50_000]),
            "limit": generator.choice([1, 5, 10, 50]),
            "at": WEDNESDAY_NOON + datetime.timedelta(hours=generator.randint(0, 167)),
        }
        expected = brute_force(stations, point=point, **query)
        results = find_nearby(
            latitude=point[0],
            longitude=point[1],
            amenity_codes=query["codes"],
            open_now=query["open_now"],
            radius_m=query["radius_m"],
            limit=query["limit"],
            at=query["at"],
        )
        assert [result.station.id for result in results] == expected, (point, query)
