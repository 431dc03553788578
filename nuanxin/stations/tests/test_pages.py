"""The couriers' mobile pages: the finder (/m/stations/) and the station detail, through HTTP."""

import json
import math
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from nuanxin.stations import geo
from nuanxin.stations.models import Station, StationContact

from .factories_finder import make_station

pytestmark = pytest.mark.django_db

FINDER = "/m/stations/"
# Tianjin, 劝业场 (WGS-84)
ORIGIN = (39.1253, 117.1950)
CLOSED_ALL_WEEK = []


def offset(point, north_m, east_m):
    """A point `north_m` metres north and `east_m` east of `point`."""
    lat = point[0] + math.degrees(north_m / geo.EARTH_RADIUS_M)
    lng = point[1] + math.degrees(east_m / (geo.EARTH_RADIUS_M * math.cos(math.radians(point[0]))))
    return lat, lng


def station_at(areas, north_m, east_m, **kwargs):
    lat, lng = offset(ORIGIN, north_m, east_m)
    return make_station(areas["street"], latitude=lat, longitude=lng, **kwargs)


def near_origin(**params):
    query = "&".join(
        f"{key}={value}" for key, value in {"lat": ORIGIN[0], "lng": ORIGIN[1], **params}.items()
    )
    return f"{FINDER}?{query}"


def html(response):
    return response.content.decode()


def listed(response):
    """Public ids of the stations in the finder's list, top to bottom."""
    return re.findall(
        r'class="m-cell m-cell--link f-station" href="[^"]+" data-station="([0-9a-f-]{36})"', html(response)
    )


def json_block(response, element_id):
    match = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>', html(response), re.S
    )
    assert match, f"no #{element_id} in the page"
    return json.loads(match.group(1))


def ids(*stations):
    return [str(station.public_id) for station in stations]


def translated(language, message, **params):
    """`message` (an English msgid) as the catalogs render it in `language`."""
    with translation.override(language):
        text = translation.gettext(message)
    return text % params if params else text


# --- the list ----------------------------------------------------------------------------------


def test_finder_lists_the_nearest_station_first_with_distances(client, areas):
    # given stations 2 km, 300 m and 1 km away
    far = station_at(areas, 2000, 0, name="北2公里")
    nearest = station_at(areas, 0, 300, name="东300米")
    middle = station_at(areas, -707, -707, name="西南1公里")
    # when
    response = client.get(near_origin(), HTTP_ACCEPT_LANGUAGE="en")
    # then
    assert response.status_code == 200
    assert listed(response) == ids(nearest, middle, far)
    page = html(response)
    assert page.index("300 m") < page.index("1.0 km") < page.index("2.0 km")
    assert 'data-origin="link"' in page


def test_finder_list_view_does_not_load_leaflet(client, areas):
    station_at(areas, 0, 300)
    # when
    page = html(client.get(near_origin()))
    # then: only the small scripts; Leaflet is fetched by map.js when a map is shown
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert not [src for src in scripts if "leaflet" in src or "echarts" in src]
    assert any(src.endswith("js/finder.js") for src in scripts)


def test_amenity_filter_lists_only_stations_offering_it(client, areas):
    # given the nearest station has no charging, the next two have
    station_at(areas, 0, 100, name="无充电", amenities=["toilet"])
    with_charging = station_at(areas, 0, 800, name="有充电", amenities=["charging", "toilet"])
    farther = station_at(areas, 0, 1500, name="远处充电", amenities=["charging"])
    # when
    response = client.get(near_origin(amenity="charging"))
    # then
    assert response.status_code == 200
    assert listed(response) == ids(with_charging, farther)
    assert re.search(r'<input type="checkbox" name="amenity" value="charging" checked>', html(response))


def test_two_amenities_must_both_be_offered(client, areas):
    station_at(areas, 0, 100, amenities=["toilet"])
    both = station_at(areas, 0, 500, amenities=["charging", "toilet"])
    # when
    response = client.get(near_origin() + "&amenity=charging&amenity=toilet")
    # then
    assert listed(response) == ids(both)


def test_open_now_filter_hides_closed_stations(client, areas):
    # given a closed station nearer than an open one
    closed = station_at(areas, 0, 100, name="关门的驿站", periods=CLOSED_ALL_WEEK)
    open_station = station_at(areas, 0, 600, name="开门的驿站")
    # when
    everything = client.get(near_origin())
    only_open = client.get(near_origin(open_now=1))
    # then
    assert listed(everything) == ids(closed, open_station)
    assert "m-badge--closed" in html(everything)
    assert listed(only_open) == ids(open_station)
    assert 'name="open_now" value="1" checked' in html(only_open)


def test_nothing_matching_offers_a_wider_search(client, areas):
    station_at(areas, 0, 9000, amenities=["charging"])
    # when
    response = client.get(near_origin(amenity="charging"))
    # then
    assert response.status_code == 200
    assert listed(response) == []
    assert 'name="radius_m" value="50000"' in html(response)
    # and the wider search finds it
    assert len(listed(client.get(near_origin(amenity="charging", radius_m=50000)))) == 1


def test_without_a_location_the_list_starts_at_the_centre_of_the_stations(client, areas):
    station_at(areas, 0, 300)
    station_at(areas, 0, -300)
    # when
    response = client.get(FINDER)
    # then
    assert response.status_code == 200
    assert len(listed(response)) == 2
    page = html(response)
    assert 'data-origin="centre"' in page
    assert "天津市" in page  # "…nearest the centre of 天津市"
    assert "f-station__distance" not in page  # no distance from an unknown place


def test_the_area_parameter_centres_on_that_area(client, areas):
    in_street = station_at(areas, 0, 0)
    other = make_station(areas["other_district_street"], latitude=39.15, longitude=117.26)
    # when
    response = client.get(f"{FINDER}?area={areas['other_district_street'].code}")
    # then
    assert listed(response)[0] == str(other.public_id)
    assert str(in_street.public_id) in listed(response)


def test_with_no_station_at_all_the_page_says_so(client, areas):
    response = client.get(FINDER)
    assert response.status_code == 200
    assert translated("zh-hans", "No stations are open to couriers here yet.") in html(response)


def test_planned_and_suspended_stations_are_not_listed(client, areas):
    station_at(areas, 0, 100, status=Station.Status.PLANNED)
    station_at(areas, 0, 200, status=Station.Status.SUSPENDED)
    shown = station_at(areas, 0, 300, status=Station.Status.PILOT)
    # then
    assert listed(client.get(near_origin())) == ids(shown)


def test_gcj02_location_from_a_chinese_map_finds_the_same_nearest_station(client, areas):
    nearest = station_at(areas, 0, 200)
    station_at(areas, 0, 900)
    gcj_lat, gcj_lng = geo.wgs84_to_gcj02(*ORIGIN)
    # when
    response = client.get(f"{FINDER}?lat={gcj_lat}&lng={gcj_lng}&crs=gcj02", HTTP_ACCEPT_LANGUAGE="en")
    # then
    assert listed(response)[0] == str(nearest.public_id)
    assert "200 m" in html(response)


# --- htmx --------------------------------------------------------------------------------------


def test_htmx_request_gets_only_the_results_fragment(client, areas):
    station = station_at(areas, 0, 300, amenities=["charging"])
    # when
    response = client.get(near_origin(amenity="charging"), HTTP_HX_REQUEST="true")
    # then
    assert response.status_code == 200
    page = html(response)
    assert "<html" not in page and "m-tabbar" not in page and 'id="finder-form"' not in page
    assert listed(response) == ids(station)
    # the search travels on in hidden fields, and the map's points come along
    assert f'name="lat" value="{ORIGIN[0]}"' in page
    assert json_block(response, "finder-map-data")["points"][0]["name"] == station.name
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_whole_page(client, areas):
    station_at(areas, 0, 300)
    response = client.get(near_origin(), HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in html(response)


def test_the_page_works_as_a_plain_form_without_javascript(client, areas):
    station_at(areas, 0, 300)
    page = html(client.get(near_origin()))
    assert re.search(r'<form id="finder-form" action="/m/stations/" method="get"', page)
    assert re.search(r'<noscript>\s*<div class="f-toolbar"><button type="submit"', page)


# --- bad input ---------------------------------------------------------------------------------


CHOICE_INVALID = "Select a valid choice. %(value)s is not one of the available choices."


@pytest.mark.parametrize(
    ("query", "message", "params"),
    [
        ("lat=abc&lng=117.2", "Enter a number.", {}),
        (
            "lat=95&lng=117.2",
            "Ensure this value is less than or equal to %(limit_value)s.",
            {"limit_value": 90},
        ),
        ("lat=39.1&lng=117.2&amenity=jacuzzi", CHOICE_INVALID, {"value": "jacuzzi"}),
        ("lat=39.1&lng=117.2&crs=bd09", CHOICE_INVALID, {"value": "bd09"}),
        ("lat=39.1", "Give both latitude and longitude, or neither.", {}),
        (
            "lat=39.1&lng=117.2&radius_m=0",
            "Ensure this value is greater than or equal to %(limit_value)s.",
            {"limit_value": 1},
        ),
        ("area=999999999999", "Unknown area code.", {}),
    ],
)
def test_bad_input_answers_400_with_a_translated_message(client, areas, query, message, params):
    station_at(areas, 0, 300)
    # when
    default = client.get(f"{FINDER}?{query}")
    in_english = client.get(f"{FINDER}?{query}", HTTP_ACCEPT_LANGUAGE="en")
    # then: the field's message, in Chinese by default and in English when asked
    assert default.status_code == 400
    assert 'role="alert" data-finder-errors' in html(default)
    assert translated("zh-hans", message, **params) in html(default)
    assert listed(default) == []
    assert in_english.status_code == 400
    assert (message % params if params else message) in html(in_english)


def test_bad_input_message_is_chinese_by_default(client, areas):
    page = html(client.get(f"{FINDER}?lat=abc&lng=117.2"))
    assert "Enter a number." not in page
    assert translated("zh-hans", "Enter a number.") in page


def test_bad_input_over_htmx_answers_a_400_fragment(client, areas):
    response = client.get(f"{FINDER}?lat=abc&lng=1", HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "<html" not in html(response)
    assert "Latitude: Enter a number." in html(response)


# --- languages ---------------------------------------------------------------------------------


def test_chinese_is_the_default_language(client, areas):
    station_at(areas, 0, 300, amenities=["charging"])
    page = html(client.get(near_origin()))
    assert '<html lang="zh-hans">' in page
    assert "充电" in page and "Phone and battery charging" not in page


def test_english_with_accept_language(client, areas):
    station_at(areas, 0, 300, amenities=["charging"])
    page = html(client.get(near_origin(), HTTP_ACCEPT_LANGUAGE="en"))
    assert '<html lang="en">' in page
    assert "Stations near you" in page
    assert "Phone and battery charging" in page and ">充电<" not in page


def test_the_language_switch_remembers_english(client, areas):
    station_at(areas, 0, 300, amenities=["charging"])
    page = html(client.get(near_origin()))
    assert 'action="/i18n/setlang/"' in page and 'name="language" value="en"' in page
    # when the courier picks English
    response = client.post("/i18n/setlang/", {"language": "en", "next": near_origin()})
    # then they go back to the same search, now in English (the language cookie)
    assert response.status_code == 302 and response["Location"] == near_origin()
    page = html(client.get(response["Location"]))
    assert '<html lang="en">' in page and "Phone and battery charging" in page


def test_english_with_the_language_cookie(client, areas):
    station_at(areas, 0, 300, amenities=["charging"])
    client.cookies["django_language"] = "en"
    page = html(client.get(near_origin()))
    assert '<html lang="en">' in page and "Phone and battery charging" in page


# --- the map view ------------------------------------------------------------------------------


def test_map_view_sends_markers_in_gcj02_for_gcj02_tiles(client, areas, settings):
    settings.NUANXIN_MAP_TILE_URL = "https://tiles.example.cn/{z}/{x}/{y}.png"
    settings.NUANXIN_MAP_TILE_CRS = "gcj02"
    station = station_at(areas, 0, 300)
    # when
    response = client.get(near_origin(view="map"))
    # then
    assert response.status_code == 200
    assert 'class="f-page is-map-view"' in html(response)
    point = json_block(response, "finder-map-data")["points"][0]
    expected = geo.wgs84_to_gcj02(station.latitude, station.longitude)
    assert (point["lat"], point["lng"]) == pytest.approx(expected, abs=1e-6)
    assert geo.haversine_m(point["lat"], point["lng"], station.latitude, station.longitude) > 100
    config = json_block(response, "map-config")
    assert config["tileUrl"] == settings.NUANXIN_MAP_TILE_URL and config["crs"] == "gcj02"
    assert config["leafletJs"].endswith("vendor/leaflet/leaflet.js")


def test_map_view_with_wgs84_tiles_keeps_wgs84(client, areas, settings):
    settings.NUANXIN_MAP_TILE_CRS = "wgs84"
    station = station_at(areas, 0, 300)
    point = json_block(client.get(near_origin(view="map")), "finder-map-data")["points"][0]
    assert (point["lat"], point["lng"]) == pytest.approx((station.latitude, station.longitude), abs=1e-6)


def test_map_view_without_tiles_still_has_the_markers(client, areas, settings):
    settings.NUANXIN_MAP_TILE_URL = ""
    station_at(areas, 0, 300)
    station_at(areas, 0, 600)
    response = client.get(near_origin(view="map"))
    assert json_block(response, "map-config")["tileUrl"] == ""
    assert len(json_block(response, "finder-map-data")["points"]) == 2
    assert len(listed(response)) == 2  # the list is under the map


def test_tab_bar_keeps_the_search_when_switching_views(client, areas):
    station_at(areas, 0, 300)
    page = html(client.get(near_origin(amenity="charging")))
    map_tab = re.search(r'href="([^"]+)" data-tab="map"', page).group(1)
    assert parse_qs(urlsplit(map_tab.replace("&amp;", "&")).query) == {
        "lat": [str(ORIGIN[0])],
        "lng": [str(ORIGIN[1])],
        "amenity": ["charging"],
        "view": ["map"],
    }


# --- query counts ------------------------------------------------------------------------------


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_finder_queries_do_not_grow_with_the_number_of_stations(client, areas):
    for east in (100, 200, 300):
        station_at(areas, 0, east, amenities=["charging", "toilet"])
    few = count_queries(client, near_origin(amenity="charging"))
    for east in range(400, 2400, 100):
        station_at(areas, 0, east, amenities=["charging", "toilet", "wifi"])
    # when
    many = count_queries(client, near_origin(amenity="charging"))
    # then: amenities, the candidate squares (fewer when the first square already has enough), the
    # winners and their amenities; nothing per station
    assert many <= few <= 8


def test_finder_without_location_has_bounded_queries(client, areas):
    for east in range(0, 1000, 100):
        station_at(areas, 0, east)
    # amenities, the centre, its area, up to 7 candidate squares (800 m doubling to 50 km), winners,
    # their amenities
    assert count_queries(client, FINDER) <= 12


# --- the station detail ------------------------------------------------------------------------


def test_station_detail_shows_hours_amenities_and_phone_links(client, areas):
    station = station_at(
        areas,
        0,
        300,
        name="劝业场暖心驿站",
        amenities=["charging", "hot_meals"],
        periods=[(0, "08:00", "20:00"), (5, "22:00", "06:00")],
        phone="022-2730 1234",
        description="提供热水和充电。",
    )
    StationContact.objects.create(station=station, title="服务管家", name="王师傅", phone="13800138000")
    # when
    response = client.get(f"{FINDER}{station.public_id}/", HTTP_ACCEPT_LANGUAGE="en")
    # then
    assert response.status_code == 200
    page = html(response)
    assert "劝业场暖心驿站" in page and "提供热水和充电。" in page
    assert "08:00–20:00" in page and "22:00–06:00 (next day)" in page and "Closed" in page
    assert "Phone and battery charging" in page and "Hot meals" in page
    assert 'href="tel:02227301234"' in page
    assert 'href="tel:13800138000"' in page and "王师傅" in page


def test_station_detail_of_a_station_not_shown_to_couriers_is_404(client, areas):
    planned = station_at(areas, 0, 300, status=Station.Status.PLANNED)
    assert client.get(f"{FINDER}{planned.public_id}/").status_code == 404
    assert client.get(f"{FINDER}00000000-0000-0000-0000-000000000000/").status_code == 404


def test_station_detail_queries_are_bounded(client, areas):
    station = station_at(areas, 0, 300, amenities=["charging", "hot_meals", "wifi"])
    for number in range(5):
        StationContact.objects.create(station=station, title="值班", phone=f"1380013800{number}")
    assert count_queries(client, f"{FINDER}{station.public_id}/") <= 9


def directions(response):
    links = dict(re.findall(r'href="([^"]+)"[^>]*data-directions="(\w+)"', html(response)))
    return {name: href.replace("&amp;", "&") for href, name in links.items()}


def test_directions_links_give_map_apps_gcj02_and_geo_wgs84(client, areas):
    station = station_at(areas, 0, 300, name="劝业场暖心驿站")
    gcj_lat, gcj_lng = geo.wgs84_to_gcj02(station.latitude, station.longitude)
    # when
    links = directions(client.get(f"{FINDER}{station.public_id}/"))
    # then: AutoNavi takes "lng,lat,name" in GCJ-02
    amap = parse_qs(urlsplit(links["amap"]).query)
    assert links["amap"].startswith("https://uri.amap.com/navigation?")
    lng, lat, name = amap["to"][0].split(",")
    assert (float(lat), float(lng)) == pytest.approx((gcj_lat, gcj_lng), abs=1e-6)
    assert name == "劝业场暖心驿站" and amap["coordinate"] == ["gaode"]
    # Baidu, told the coordinates are GCJ-02
    baidu = parse_qs(urlsplit(links["baidu"]).query)
    assert baidu["coord_type"] == ["gcj02"]
    lat, lng = map(float, baidu["location"][0].split(","))
    assert (lat, lng) == pytest.approx((gcj_lat, gcj_lng), abs=1e-6)
    # Tencent
    tencent = parse_qs(urlsplit(links["tencent"]).query)
    lat, lng = map(float, tencent["tocoord"][0].split(","))
    assert (lat, lng) == pytest.approx((gcj_lat, gcj_lng), abs=1e-6)
    # geo: (RFC 5870) is WGS-84
    assert links["geo"].startswith(f"geo:{station.latitude:.6f},{station.longitude:.6f}?q=")
    # and GCJ-02 really differs here (Tianjin is inside China): several hundred metres
    assert geo.haversine_m(gcj_lat, gcj_lng, station.latitude, station.longitude) > 100


def test_directions_outside_china_are_unshifted(client, areas):
    station = make_station(areas["street"], latitude=51.5007, longitude=-0.1246, name="Westminster")
    links = directions(client.get(f"{FINDER}{station.public_id}/"))
    lng, lat, _name = parse_qs(urlsplit(links["amap"]).query)["to"][0].split(",")
    assert (float(lat), float(lng)) == pytest.approx((51.5007, -0.1246), abs=1e-6)
