"""Geocoding an address text: the offline gazetteer (street named in the text, placed inside it)
and the AMap backend against a local server answering like AMap."""

import logging

import pytest
from shapely.geometry import Point, shape

from nuanxin.reports.geocode import geocode
from nuanxin.reports.locate import locate_street
from nuanxin.reports.models import StreetBoundary, StreetBounds
from nuanxin.stations.tests.factories import make_station

from . import factories
from .boundaries import QYC_HOLE, QYC_L, import_l_and_neighbour
from .fake_amap import KEY, PLACED_WGS84, amap_fixture  # noqa: F401 - the `amap` fixture

pytestmark = pytest.mark.django_db
ADDRESS = "天津市和平区劝业场街滨江道100号"


# --- the gazetteer -----------------------------------------------------------------------------


def test_the_gazetteer_places_an_address_inside_the_polygon_of_the_street_it_names(areas):
    # given 劝业场 has its L-shaped polygon with a hole
    import_l_and_neighbour()
    # when the example address is geocoded
    result = geocode(ADDRESS, city_area=areas["city"])
    # then it is 劝业场街道, at a point inside the L (not in the notch, not in the hole)
    assert result.area == areas["street"]
    assert (result.precision, result.source) == ("street", "gazetteer")
    assert shape({"type": "Polygon", "coordinates": [QYC_L, QYC_HOLE]}).contains(
        Point(result.lng, result.lat)
    )
    assert locate_street(result.lat, result.lng) == areas["street"]


def test_without_a_polygon_the_rectangle_centre_then_the_stations_are_used(areas):
    # given only a rectangle
    StreetBounds.objects.create(area=areas["street"], **factories.QUANYECHANG_BOX)
    result = geocode(ADDRESS, city_area=areas["city"])
    assert (result.lat, result.lng) == pytest.approx((39.1175, 117.1925))
    # given only stations
    StreetBounds.objects.all().delete()
    make_station(areas["street"], latitude=39.120, longitude=117.190)
    make_station(areas["community"], latitude=39.122, longitude=117.194)
    result = geocode(ADDRESS, city_area=areas["city"])
    assert (result.lat, result.lng) == pytest.approx((39.121, 117.192))
    assert result.area == areas["street"]


def test_a_street_with_nowhere_to_place_a_point_is_not_guessed(areas):
    assert geocode(ADDRESS, city_area=areas["city"]) is None


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("天津市和平区劝业场街道滨江道100号", "street"),
        ("劝业场街滨江道100号", "street"),
        ("和平区花园路社区3号楼", "street"),  # a community names its street
        ("天津市 和平区 小白楼街道 南京路", "other_street"),  # spaces are ignored
        ("和平区南京路与滨江道交口", None),  # a district alone is too coarse
        ("河东区劝业场街100号", None),  # the district named does not hold the street named
        ("劝业场街道与小白楼街道交口", None),  # two streets, equally good: not guessed
        ("北京市朝阳区建国路88号", None),
        ("   ", None),
    ],
)
def test_which_street_an_address_names(areas, address, expected):
    factories.draw_streets(areas)
    result = geocode(address, city_area=areas["city"])
    assert (result.area if result else None) == (areas[expected] if expected else None)


def test_the_search_stays_inside_the_city_area(areas):
    factories.draw_streets(areas)
    assert geocode("劝业场街道", city_area=areas["other_district"]) is None
    assert geocode("劝业场街道", city_area=None).area == areas["street"]


# --- AMap --------------------------------------------------------------------------------------


def test_amap_sends_key_address_and_city_and_converts_gcj02_to_wgs84(areas, amap):
    import_l_and_neighbour()
    # when
    result = geocode(ADDRESS, city_area=areas["city"])
    # then the request is AMap's, and the GCJ-02 answer comes back as the WGS-84 point
    (request,) = amap.requests
    assert request["path"] == "/v3/geocode/geo"
    assert (request["key"], request["address"], request["city"]) == (KEY, ADDRESS, "120000")
    assert (result.lat, result.lng) == pytest.approx(PLACED_WGS84, abs=1e-5)
    assert (result.precision, result.source) == ("门牌号", "amap")
    assert result.area == areas["street"]


def test_amap_point_outside_every_street_has_no_area(areas, amap):
    result = geocode(ADDRESS, city_area=areas["city"])
    assert result is not None and result.area is None


@pytest.mark.parametrize(
    ("mode", "logged"),
    [
        ("bad_key", "INVALID_USER_KEY"),
        ("http500", "HTTP 500"),
        ("not_json", "not JSON"),
        ("slow", "unreachable"),
        ("nothing", "nothing found"),
        ("coarse", "区县"),
        ("other_city", "310101"),
    ],
)
def test_amap_failures_are_none_with_a_log_line(areas, amap, caplog, mode, logged):
    amap.mode = mode
    with caplog.at_level(logging.INFO, logger="nuanxin.geocode"):
        assert geocode(ADDRESS, city_area=areas["city"]) is None
    assert any(logged in record.getMessage() for record in caplog.records), caplog.text


def test_amap_without_a_key_does_not_call_out(areas, amap, settings, caplog):
    settings.NUANXIN_GEOCODER_AMAP = {**settings.NUANXIN_GEOCODER_AMAP, "key": ""}
    with caplog.at_level(logging.WARNING, logger="nuanxin.geocode"):
        assert geocode(ADDRESS, city_area=areas["city"]) is None
    assert amap.requests == [] and "no key" in caplog.text


def test_amap_unreachable_is_none(areas, settings):
    settings.NUANXIN_GEOCODER = "amap"
    settings.NUANXIN_GEOCODER_AMAP = {
        "key": KEY,
        "base_url": "http://127.0.0.1:9/v3/geocode/geo",
        "timeout": 0.5,
    }
    assert geocode(ADDRESS, city_area=areas["city"]) is None
    assert not StreetBoundary.objects.exists()
