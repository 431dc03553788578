"""The couriers' finder in a real browser: filter by an amenity, the map view, "locate me".
And the street's "5个1" page for staff, with its map and charts."""

import math
import re
from urllib.parse import urlsplit

import pytest
from django.test import Client

from nuanxin.accounts.models import Role
from nuanxin.accounts.tests.factories import staff
from nuanxin.areas.tests.factories import make_tree
from nuanxin.stations import geo
from nuanxin.stations.tests.factories_finder import make_station

expect = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed").expect

pytestmark = pytest.mark.browser

# Tianjin, 劝业场 (WGS-84)
ORIGIN = (39.1253, 117.1950)


@pytest.fixture
def tree(transactional_db):
    return make_tree()


def offset(point, north_m, east_m):
    lat = point[0] + math.degrees(north_m / geo.EARTH_RADIUS_M)
    lng = point[1] + math.degrees(east_m / (geo.EARTH_RADIUS_M * math.cos(math.radians(point[0]))))
    return lat, lng


def station_at(tree, north_m, east_m, **kwargs):
    lat, lng = offset(ORIGIN, north_m, east_m)
    return make_station(tree["street"], latitude=lat, longitude=lng, **kwargs)


def listed_names(page):
    return page.locator("#station-list .f-station .f-station__name")


def test_ticking_an_amenity_lists_the_nearest_station_offering_it_first(live_server, tree, page):
    # given the nearest station has no charging; the next ones have
    station_at(tree, 0, 100, name="最近的驿站", amenities=["toilet"])
    station_at(tree, 0, 700, name="有充电的驿站", amenities=["charging", "toilet"])
    station_at(tree, 0, 1500, name="较远的充电驿站", amenities=["charging"])
    page.goto(f"{live_server.url}/m/stations/?lat={ORIGIN[0]}&lng={ORIGIN[1]}")
    expect(listed_names(page).first).to_contain_text("最近的驿站")
    expect(listed_names(page)).to_have_count(3)
    # when the courier ticks "charging"
    page.locator('label.m-chip:has(input[value="charging"])').click()
    # then the list is swapped in place: the nearest station with charging comes first
    expect(listed_names(page)).to_have_count(2)
    expect(listed_names(page).first).to_contain_text("有充电的驿站")
    expect(listed_names(page).nth(1)).to_contain_text("较远的充电驿站")
    expect(page.locator('input[name="amenity"][value="charging"]')).to_be_checked()
    # and the address bar follows, so reload and back show the same search
    expect(page).to_have_url(re.compile(r"amenity=charging"))
    assert page.evaluate("typeof window.L") == "undefined", "Leaflet was loaded for the list view"
    page.reload()
    expect(listed_names(page).first).to_contain_text("有充电的驿站")
    # and "open now" with it still lists it (all stations here are open around the clock)
    page.locator('label.m-chip:has(input[name="open_now"])').click()
    expect(page.locator('input[name="open_now"]')).to_be_checked()
    expect(listed_names(page).first).to_contain_text("有充电的驿站")


def test_the_map_view_shows_a_marker_per_station(live_server, tree, page):
    for number, east in enumerate((200, 600, 1100)):
        station_at(tree, 0, east, name=f"驿站{number}")
    page.goto(f"{live_server.url}/m/stations/?lat={ORIGIN[0]}&lng={ORIGIN[1]}")
    expect(listed_names(page)).to_have_count(3)
    # when the courier opens the map tab
    page.locator('.m-tabbar [data-tab="map"]').click()
    # then Leaflet is fetched and draws the three stations and the search centre, with no tiles set
    expect(page.locator("#finder-map")).to_have_attribute("data-map-state", "ready")
    expect(page.locator("#finder-map [data-map-marker]")).to_have_count(3)
    expect(page.locator("#finder-map [data-map-here]")).to_have_count(1)
    assert urlsplit(page.url).query.endswith("view=map")
    # and a marker opens a popup linking to the station
    page.locator("#finder-map [data-map-marker]").first.click()
    expect(page.locator(".leaflet-popup a.m-pin-label")).to_have_text("驿站0")
    # and the list tab hides the map again, in place
    page.locator('.m-tabbar [data-tab="stations"]').click()
    expect(page.locator("#finder-map")).to_be_hidden()
    assert "view=map" not in page.url


def test_the_map_view_opened_by_link_redraws_after_a_filter(live_server, tree, page):
    station_at(tree, 0, 200, amenities=["wifi"])
    station_at(tree, 0, 600)
    page.goto(f"{live_server.url}/m/stations/?lat={ORIGIN[0]}&lng={ORIGIN[1]}&view=map")
    expect(page.locator("#finder-map [data-map-marker]")).to_have_count(2)
    # when
    page.locator('label.m-chip:has(input[value="wifi"])').click()
    # then
    expect(page.locator("#finder-map [data-map-marker]")).to_have_count(1)
    expect(listed_names(page)).to_have_count(1)


def test_locate_me_lists_the_station_nearest_to_the_phone(live_server, tree, browser_context):
    # given two stations in the middle of town and one 3 km east, where the courier stands
    station_at(tree, 0, 0, name="市中心驿站")
    station_at(tree, 100, 0, name="市中心北驿站")
    station_at(tree, 0, 3000, name="东边的驿站")
    here = offset(ORIGIN, 0, 3050)
    context = browser_context(
        geolocation={"latitude": here[0], "longitude": here[1]}, permissions=["geolocation"]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/m/stations/")
    # with no location, the list starts at the centre of the stations
    expect(page.locator('[data-origin="centre"]')).to_be_visible()
    expect(listed_names(page).first).not_to_contain_text("东边的驿站")
    # when
    page.locator("[data-locate]").click()
    # then
    expect(page.locator('[data-origin="device"]')).to_be_visible()
    expect(listed_names(page).first).to_contain_text("东边的驿站")
    expect(page.locator("#station-list .f-station__distance").first).to_have_text(re.compile(r"^50\D"))
    expect(page).to_have_url(re.compile(r"loc=device"))


def test_locate_me_denied_says_so_and_keeps_the_list(live_server, tree, browser_context):
    station_at(tree, 0, 0, name="市中心驿站")
    context = browser_context()
    context.clear_permissions()
    page = context.new_page()
    # A denied permission as the browser reports it, whatever the headless default is.
    page.add_init_script(
        "navigator.geolocation.getCurrentPosition = function (ok, fail) {"
        "  setTimeout(function () { fail({code: 1, message: 'denied'}); }, 10); };"
    )
    page.goto(f"{live_server.url}/m/stations/")
    denied = page.locator("[data-locate]").get_attribute("data-msg-denied")
    # when
    page.locator("[data-locate]").click()
    # then
    expect(page.locator("#locate-status")).to_have_text(denied)
    expect(page.locator('[data-origin="centre"]')).to_be_visible()
    expect(listed_names(page).first).to_contain_text("市中心驿站")


def test_the_station_page_has_directions_and_phone(live_server, tree, page):
    station = station_at(tree, 0, 100, name="劝业场暖心驿站", phone="022-27301234", amenities=["charging"])
    page.goto(f"{live_server.url}/m/stations/?lat={ORIGIN[0]}&lng={ORIGIN[1]}")
    # when
    page.locator(".f-station", has_text="劝业场暖心驿站").click()
    # then
    expect(page).to_have_url(re.compile(str(station.public_id)))
    expect(page.locator("h2")).to_have_text("劝业场暖心驿站")
    expect(page.locator('[data-directions="amap"]')).to_have_attribute(
        "href", re.compile(r"^https://uri\.amap\.com/")
    )
    expect(page.locator("a[data-contact]").first).to_have_attribute("href", "tel:02227301234")
    # and "Back" returns to the same search
    page.locator("[data-history-back]").click()
    expect(page).to_have_url(re.compile(r"lat="))


def test_street_overview_draws_the_map_and_charts_for_staff(live_server, tree, browser_context):
    station_at(tree, 0, 100, name="劝业场暖心驿站", amenities=["charging"])
    station_at(tree, 0, 900, name="规划中的驿站")
    user = staff(Role.STREET_STAFF, tree["street"], username="street-browser")
    client = Client()
    client.force_login(user)
    context = browser_context(viewport={"width": 1280, "height": 900}, is_mobile=False, has_touch=False)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    # when
    page.goto(f"{live_server.url}/staff/streets/{tree['street'].code}/overview/")
    # then
    expect(page.locator("#station-table tbody tr")).to_have_count(2)
    expect(page.locator(".nx-map")).to_have_attribute("data-map-state", "ready")
    expect(page.locator(".nx-map [data-map-marker]")).to_have_count(2)
    expect(page.locator('[data-nuanxin-chart="statuses"]')).to_have_attribute("data-chart-state", "ready")
    expect(page.locator('[data-nuanxin-chart="amenities"] svg')).to_have_count(1)
