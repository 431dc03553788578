"""The courier's report form (/m/reports/new/) in a real browser, on a phone, in Chinese:

1. with no map tiles, the stations nearby are drawn as landmarks and a tap on the map drops the pin:
   the coordinates are filled in WGS-84 and the report is filed there;
2. with GCJ-02 tiles, "use my location" (Playwright's geolocation) fills WGS-84 and draws the pin at
   the GCJ-02 place; a tap fills GCJ-02 coordinates; the draft keeps the pin over a reload; the
   report is stored at the WGS-84 place that was tapped;
3. an open report of the same category 20 m away is offered before sending: "the same problem"
   files nothing, drops the draft and goes back to my reports with a message;
4. "mine is different" sends it: the first answer is lost on the way back, the retry with the same
   Idempotency-Key files exactly one report.

Sign-in is a session cookie of a force-logged-in test client (as test_volunteer_check_in.py).
"""

import io
import math
import re

import pytest
from django.test import Client
from PIL import Image

from nuanxin.areas.tests.factories import make_tree
from nuanxin.couriers.tests.factories import make_courier
from nuanxin.reports.models import Report
from nuanxin.reports.tests import factories
from nuanxin.stations import geo
from nuanxin.stations.tests.factories_finder import make_station

expect = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed").expect

pytestmark = pytest.mark.browser

HERE = factories.IN_QUANYECHANG  # WGS-84, inside 劝业场街道's rectangle
DRAFT = "nuanxin.reportDraft"
TILES = "https://tiles.test/{z}/{x}/{y}.png"


def tile_png():
    """A plain grey 256×256 PNG served for every tile, so a tiled map is drawn with no network."""
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (230, 230, 225)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def tree(transactional_db):
    areas = make_tree()
    factories.draw_streets(areas)
    return areas


@pytest.fixture
def courier(tree):
    return make_courier(area=tree["street"], name="王师傅")


def offset(point, north_m, east_m):
    lat = point[0] + math.degrees(north_m / geo.EARTH_RADIUS_M)
    lng = point[1] + math.degrees(east_m / (geo.EARTH_RADIUS_M * math.cos(math.radians(point[0]))))
    return lat, lng


def signed_in(context, live_server, user):
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context


def open_form(context, live_server):
    page = context.new_page()
    page.goto(f"{live_server.url}/m/reports/new/")
    expect(page.locator("[data-report-map]")).to_have_attribute("data-map-state", "ready")
    expect(page.locator("[data-report-map]")).to_have_attribute("data-pin-ready", "")
    return page


def tap_map_at(page, lat, lng):
    """Tap the map where the point (in the map's system) is drawn; returns the pixel tapped."""
    x, y = page.evaluate(
        "([lat, lng]) => { const map = document.querySelector('[data-report-map]')._nuanxinMap.map;"
        " const p = map.latLngToContainerPoint([lat, lng]); return [p.x, p.y]; }",
        [lat, lng],
    )
    page.locator("[data-report-map]").click(position={"x": x, "y": y})
    return x, y


def map_point_at(page, x, y):
    return page.evaluate(
        "([x, y]) => { const map = document.querySelector('[data-report-map]')._nuanxinMap.map;"
        " const p = map.containerPointToLatLng([x, y]); return [p.lat, p.lng]; }",
        [x, y],
    )


def pixel_degrees(page):
    """How many degrees of latitude one pixel of the map spans now: Playwright taps whole pixels while
    the map may sit at a fractional offset, so a tap lands within a pixel of where it was aimed."""
    top = map_point_at(page, 100, 100)
    below = map_point_at(page, 100, 101)
    return abs(top[0] - below[0])


def field_values(page):
    return (
        float(page.locator("#id_lat").input_value()),
        float(page.locator("#id_lng").input_value()),
        page.locator("#id_crs").input_value(),
    )


def pin(page):
    box = page.locator("[data-report-map]")
    return float(box.get_attribute("data-pin-lat")), float(box.get_attribute("data-pin-lng"))


def draft(page):
    return page.evaluate(f"() => localStorage.getItem('{DRAFT}')")


def describe(page, text="垃圾桶满溢"):
    page.get_by_label("暴露垃圾").check()
    page.locator("#id_description").fill(text)


# --- 1. no tiles: landmarks and a tapped pin -----------------------------------------------------


def test_without_tiles_a_tap_drops_the_pin_and_files_the_report_there(
    live_server, tree, courier, browser_context, settings
):
    # given no tile server and two stations of the street around the courier
    settings.NUANXIN_MAP_TILE_URL = ""
    settings.NUANXIN_MAP_TILE_CRS = "gcj02"  # the tiles' system means nothing without tiles
    make_station(tree["street"], latitude=HERE[0], longitude=HERE[1] - 0.002, name="劝业场暖心驿站")
    make_station(tree["street"], latitude=HERE[0] + 0.002, longitude=HERE[1], name="滨江道暖心驿站")
    page = open_form(signed_in(browser_context(), live_server, courier.user), live_server)
    # then the stations are drawn as landmarks on the tile-less map, and one names itself
    expect(page.locator("[data-report-map] [data-station-marker]")).to_have_count(2)
    expect(page.locator("[data-report-map]")).to_have_class(re.compile("is-tileless"))
    expect(page.locator("[data-map-hint] [data-tileless-hint]")).to_be_visible()
    # when the courier taps the map between the two
    target = offset(HERE, 120, -100)
    x, y = tap_map_at(page, *target)
    # then the pin is there and the fields hold its WGS-84 coordinates
    expect(page.locator("[data-report-map] [data-report-pin]")).to_have_count(1)
    lat, lng, crs = field_values(page)
    assert crs == "wgs84"
    assert (lat, lng) == pytest.approx(map_point_at(page, x, y), abs=1.5 * pixel_degrees(page))
    assert geo.haversine_m(lat, lng, *target) < 8  # a pixel is about 4 m at the start zoom
    assert pin(page) == pytest.approx((lat, lng), abs=2e-6)
    # when they drag the pin 40 pixels east
    handle = page.locator("[data-report-map] [data-report-pin]").bounding_box()
    grab = (handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.move(*grab)
    page.mouse.down()
    for step in range(1, 5):
        page.mouse.move(grab[0] + 10 * step, grab[1])
    page.mouse.up()
    # then the fields follow it: same latitude, further east
    expect(page.locator("#id_lng")).not_to_have_value(f"{lng:.6f}")
    dragged_lat, dragged_lng, crs = field_values(page)
    assert crs == "wgs84" and dragged_lat == pytest.approx(lat, abs=1.5 * pixel_degrees(page))
    assert dragged_lng == pytest.approx(map_point_at(page, x + 40, y)[1], abs=2 * pixel_degrees(page))
    assert pin(page) == pytest.approx((dragged_lat, dragged_lng), abs=2e-6)
    lat, lng = dragged_lat, dragged_lng
    # and a station's dot names it (a landmark, not a place for the pin)
    page.locator('[data-report-map] [data-station-marker][title="劝业场暖心驿站"]').click()
    expect(page.locator(".leaflet-popup")).to_contain_text("劝业场暖心驿站")
    assert field_values(page)[:2] == (lat, lng)
    # and when they send it, it is filed at that place
    describe(page, "路口垃圾桶满溢")
    page.locator("[data-send]").click()
    expect(page).to_have_url(re.compile(r"/m/reports/[0-9a-f-]{36}/$"))
    report = Report.objects.get(reporter=courier)
    assert geo.haversine_m(report.latitude, report.longitude, lat, lng) < 0.2
    assert draft(page) is None


# --- 2. GCJ-02 tiles: my location, a tap, the draft ------------------------------------------------


def test_on_gcj02_tiles_my_location_and_a_tap_use_the_right_systems_and_the_draft_keeps_the_pin(
    live_server, tree, courier, browser_context, settings
):
    settings.NUANXIN_MAP_TILE_URL = TILES
    settings.NUANXIN_MAP_TILE_CRS = "gcj02"
    context = browser_context(
        geolocation={"latitude": HERE[0], "longitude": HERE[1]}, permissions=["geolocation"]
    )
    png = tile_png()
    context.route("https://tiles.test/**", lambda route: route.fulfill(body=png, content_type="image/png"))
    page = open_form(signed_in(context, live_server, courier.user), live_server)
    expect(page.locator("[data-report-map] img.leaflet-tile").first).to_be_attached()
    expect(page.locator("[data-report-map] [data-station-marker]")).to_have_count(
        0
    )  # tiles are the landmarks
    # when the courier uses the phone's location
    page.locator("[data-locate]").click()
    # then the fields keep the phone's WGS-84 and the pin is drawn where that is on GCJ-02 tiles
    expect(page.locator("#id_crs")).to_have_value("wgs84")
    lat, lng, _crs = field_values(page)
    assert (lat, lng) == pytest.approx(HERE, abs=1e-6)
    expect(page.locator("[data-report-map] [data-report-pin]")).to_have_count(1)
    assert pin(page) == pytest.approx(geo.wgs84_to_gcj02(*HERE), abs=1e-6)

    # when they tap the map where a place 60 m east really is (its GCJ-02 point, on these tiles)
    place = offset(HERE, 0, 60)
    place_on_tiles = geo.wgs84_to_gcj02(*place)
    tap_map_at(page, *place_on_tiles)
    # then the fields hold the tapped point in GCJ-02
    expect(page.locator("#id_crs")).to_have_value("gcj02")
    lat, lng, _crs = field_values(page)
    assert geo.haversine_m(lat, lng, *place_on_tiles) < 8
    assert pin(page) == pytest.approx((lat, lng), abs=2e-6)

    # when they write the report and the page is reloaded before it is sent
    describe(page)
    page.reload()
    expect(page.locator("[data-report-map]")).to_have_attribute("data-pin-ready", "")
    # then the draft brings back the text, the coordinates and the pin
    expect(page.locator("#id_description")).to_have_value("垃圾桶满溢")
    expect(page.locator("#id_crs")).to_have_value("gcj02")
    assert field_values(page)[:2] == pytest.approx((lat, lng), abs=1e-9)
    assert pin(page) == pytest.approx((lat, lng), abs=2e-6)

    # and when it is sent, the report stands at the real (WGS-84) place that was tapped
    page.locator("[data-send]").click()
    expect(page).to_have_url(re.compile(r"/m/reports/[0-9a-f-]{36}/$"))
    report = Report.objects.get(reporter=courier)
    assert geo.haversine_m(report.latitude, report.longitude, *geo.gcj02_to_wgs84(lat, lng)) < 0.01
    assert geo.haversine_m(report.latitude, report.longitude, *place) < 8  # not ~500 m off: GCJ-02 understood


# --- 3 and 4. the duplicates offer ----------------------------------------------------------------


@pytest.fixture
def reported_nearby(tree, settings):
    """A neighbour's open report of exposed garbage 20 m north of HERE; no tiles."""
    settings.NUANXIN_MAP_TILE_URL = ""
    neighbour = make_courier(area=tree["street"], name="李四")
    return factories.make_report(
        tree["street"],
        reporter=neighbour,
        point=offset(HERE, 20, 0),
        description="滨江道路口垃圾桶满溢",
        status=Report.Status.ACCEPTED,
    )


def fill_at_here(context, live_server, courier):
    page = open_form(signed_in(context, live_server, courier.user), live_server)
    describe(page, "这里垃圾很多")
    page.locator("[data-locate]").click()
    expect(page.locator("#id_crs")).to_have_value("wgs84")
    return page


def test_the_same_problem_is_offered_and_not_sent(live_server, courier, reported_nearby, browser_context):
    context = browser_context(
        geolocation={"latitude": HERE[0], "longitude": HERE[1]}, permissions=["geolocation"]
    )
    page = fill_at_here(context, live_server, courier)
    # then, once category and place are set, the open report 20 m away is offered before sending
    offer = page.locator("[data-duplicates]")
    expect(offer).to_be_visible()
    rows = offer.locator("[data-duplicate]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("暴露垃圾")
    expect(rows.first).to_contain_text("已受理")
    expect(rows.first).to_contain_text("20")
    expect(rows.first).to_contain_text("滨江道路口垃圾桶满溢")
    expect(rows.first).not_to_contain_text("李四")
    expect(offer.locator("a")).to_have_count(0)  # no page of someone else's report to link to
    expect(page.locator("[data-send]")).to_be_hidden()
    assert draft(page) is not None
    # when the courier says it is the same problem
    offer.locator("[data-not-sent]").click()
    # then they are back at their reports with a message, nothing was filed and the draft is gone
    expect(page).to_have_url(f"{live_server.url}/m/reports/")
    expect(page.locator(".m-notice")).to_have_count(1)
    expect(page.locator("[data-drafts]")).to_be_hidden()
    assert draft(page) is None
    assert Report.objects.filter(reporter=courier).count() == 0
    assert Report.objects.count() == 1
    # and a new form starts empty
    page.goto(f"{live_server.url}/m/reports/new/")
    expect(page.locator("#id_description")).to_have_value("")


def test_mine_is_different_sends_exactly_one_report_through_a_lost_answer(
    live_server, courier, reported_nearby, browser_context
):
    context = browser_context(
        geolocation={"latitude": HERE[0], "longitude": HERE[1]}, permissions=["geolocation"]
    )
    page = fill_at_here(context, live_server, courier)
    offer = page.locator("[data-duplicates]")
    expect(offer.locator("[data-duplicate]")).to_have_count(1)
    # the first sending reaches the server, but its answer is lost on the way back
    keys = []

    def lose_the_first_answer(route):
        keys.append(route.request.headers.get("idempotency-key"))
        if len(keys) == 1:
            route.fetch()  # the server files the report…
            route.abort("connectionreset")  # …and the phone never hears of it
        else:
            route.continue_()

    page.route(re.compile(r"/api/v1/reports$"), lose_the_first_answer)
    # when the courier says theirs is different
    offer.locator("[data-send-anyway]").click()
    # then the page says it will retry, retries with the same key and lands on the one report
    expect(page).to_have_url(re.compile(r"/m/reports/[0-9a-f-]{36}/$"), timeout=15_000)
    assert len(keys) == 2 and keys[0] and keys[0] == keys[1]
    mine = Report.objects.filter(reporter=courier)
    assert mine.count() == 1
    assert page.url.endswith(f"/m/reports/{mine.get().public_id}/")
    assert mine.get().idempotency_key == keys[0]
    assert draft(page) is None
    assert Report.objects.count() == 2  # the neighbour's and this one


def test_sending_asks_first_when_the_offer_was_not_seen_yet(
    live_server, courier, reported_nearby, browser_context
):
    # given the coordinates typed in (the courier never waited for the offer) and Send pressed at once
    page = open_form(signed_in(browser_context(), live_server, courier.user), live_server)
    describe(page)
    page.locator("#id_lat").fill(str(HERE[0]))
    page.locator("#id_lng").fill(str(HERE[1]))
    page.locator("[data-send]").click()
    # then the offer is shown instead of sending
    expect(page.locator("[data-duplicates] [data-duplicate]")).to_have_count(1)
    assert Report.objects.filter(reporter=courier).count() == 0
    # and moving the pin 200 m away leaves nothing similar: the offer goes, Send comes back
    tap_map_at(page, *offset(HERE, -150, -100))
    expect(page.locator("[data-duplicates]")).to_be_hidden()
    expect(page.locator("[data-send]")).to_be_visible()
    page.locator("[data-send]").click()
    expect(page).to_have_url(re.compile(r"/m/reports/[0-9a-f-]{36}/$"))
    assert Report.objects.filter(reporter=courier).count() == 1


# --- 5. when the map cannot help -------------------------------------------------------------------


def test_when_leaflet_cannot_load_my_location_and_sending_still_work(
    live_server, tree, courier, browser_context
):
    context = browser_context(
        geolocation={"latitude": HERE[0], "longitude": HERE[1]}, permissions=["geolocation"]
    )
    context.route(re.compile(r"/vendor/leaflet/leaflet\.js"), lambda route: route.abort())
    page = signed_in(context, live_server, courier.user).new_page()
    page.goto(f"{live_server.url}/m/reports/new/")
    box = page.locator("[data-report-map]")
    expect(box).to_have_attribute("data-map-state", "failed")
    expect(box).to_contain_text(box.get_attribute("data-msg-failed"))
    describe(page)
    page.locator("[data-locate]").click()
    expect(page.locator("#id_crs")).to_have_value("wgs84")
    page.locator("[data-send]").click()
    expect(page).to_have_url(re.compile(r"/m/reports/[0-9a-f-]{36}/$"))
    report = Report.objects.get(reporter=courier)
    assert geo.haversine_m(report.latitude, report.longitude, *HERE) < 0.1


def test_without_javascript_the_plain_form_files_and_lists_the_similar_report_after(
    live_server, courier, reported_nearby, browser_context
):
    page = signed_in(browser_context(java_script_enabled=False), live_server, courier.user).new_page()
    page.goto(f"{live_server.url}/m/reports/new/")
    # no map and no offer without JavaScript: typed coordinates
    expect(page.locator("[data-report-map]")).to_be_hidden()
    expect(page.locator("[data-duplicates]")).to_be_hidden()
    describe(page, "这里垃圾很多")
    page.locator("#id_lat").fill(str(HERE[0]))
    page.locator("#id_lng").fill(str(HERE[1]))
    page.locator("[data-send]").click()
    # then the report is filed and its page lists the similar open report nearby
    expect(page).to_have_url(re.compile(r"/m/reports/[0-9a-f-]{36}/$"))
    similar = page.locator("[data-similar-reports] [data-duplicate]")
    expect(similar).to_have_count(1)
    expect(similar).to_contain_text("滨江道路口垃圾桶满溢")
    expect(similar).to_contain_text("20")
    assert Report.objects.filter(reporter=courier).count() == 1
