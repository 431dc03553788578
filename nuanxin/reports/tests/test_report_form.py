"""The mobile report form's server side (issue 5 points 1 and 4): the map it hands to the page (tiles'
coordinate system, start view), the duplicates offer's markup and labels, "not sent", and the
similar reports on the result page of the no-JavaScript form. The browser side is in
tests/browser/test_report_form_browser.py."""

import json
import re

import pytest

from nuanxin.reports import views
from nuanxin.reports.models import Report
from nuanxin.stations import geo
from nuanxin.stations.tests.factories_finder import make_station

from . import factories

pytestmark = pytest.mark.django_db

NEW = "/m/reports/new/"
NOT_SENT = "/m/reports/new/not-sent/"
TILES = "https://tiles.example.cn/{z}/{x}/{y}.png"


def json_block(response, element_id):
    match = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>', response.content.decode(), re.S
    )
    assert match, f"no json_script {element_id}"
    return json.loads(match.group(1))


def filing(key="key-1", point=factories.IN_QUANYECHANG, **changes):
    return {
        "category": "exposed_garbage",
        "description": "垃圾桶满了",
        "lat": point[0],
        "lng": point[1],
        "crs": "wgs84",
        "idempotency_key": key,
        **changes,
    }


def metres_north(point, metres):
    return point[0] + metres / 111_195, point[1]


# --- the map the page is given --------------------------------------------------------------------


def test_without_tiles_the_pin_speaks_wgs84_and_starts_at_the_work_streets_stations(
    client, couriers, mapped, settings
):
    # given no tile URL (the tile system setting left at its gcj02 default) and two stations in 劝业场
    settings.NUANXIN_MAP_TILE_URL = ""
    settings.NUANXIN_MAP_TILE_CRS = "gcj02"
    make_station(mapped["street"], latitude=39.120, longitude=117.190)
    make_station(mapped["street"], latitude=39.122, longitude=117.194)
    make_station(mapped["other_district_street"], latitude=39.130, longitude=117.220)
    client.force_login(couriers["me"].user)
    # when
    response = client.get(NEW)
    # then the pin's system is WGS-84, the map starts between the work street's stations, untouched
    config = json_block(response, "map-config")
    assert config["tileUrl"] == "" and config["crs"] == "wgs84"
    assert config["leafletJs"].endswith("vendor/leaflet/leaflet.js")
    start = json_block(response, "report-map-data")["start"]
    assert (start["lat"], start["lng"]) == pytest.approx((39.121, 117.192), abs=1e-6)
    page = response.content.decode()
    assert 'data-crs="wgs84"' in page and "js/map.js" in page
    assert "data-tileless-hint" in page  # "the grey dots are care stations"


def test_with_gcj02_tiles_the_pin_speaks_gcj02_and_the_start_is_converted(client, couriers, mapped, settings):
    settings.NUANXIN_MAP_TILE_URL = TILES
    settings.NUANXIN_MAP_TILE_CRS = "gcj02"
    make_station(mapped["street"], latitude=39.120, longitude=117.190)
    client.force_login(couriers["me"].user)
    response = client.get(NEW)
    config = json_block(response, "map-config")
    assert config["tileUrl"] == TILES and config["crs"] == "gcj02"
    start = json_block(response, "report-map-data")["start"]
    assert (start["lat"], start["lng"]) == pytest.approx(geo.wgs84_to_gcj02(39.120, 117.190), abs=1e-6)
    assert geo.haversine_m(start["lat"], start["lng"], 39.120, 117.190) > 100  # really converted
    assert 'data-crs="gcj02"' in response.content.decode()
    assert "data-tileless-hint" not in response.content.decode()


def test_with_wgs84_tiles_the_pin_speaks_wgs84(client, couriers, mapped, settings):
    settings.NUANXIN_MAP_TILE_URL = TILES
    settings.NUANXIN_MAP_TILE_CRS = "wgs84"
    client.force_login(couriers["me"].user)
    assert json_block(client.get(NEW), "map-config")["crs"] == "wgs84"


def test_a_courier_without_a_work_street_starts_at_the_citys_stations(client, mapped, settings):
    from nuanxin.couriers.tests.factories import make_courier

    settings.NUANXIN_MAP_TILE_URL = ""
    make_station(mapped["other_street"], latitude=39.108, longitude=117.210)
    courier = make_courier(area=None)
    client.force_login(courier.user)
    start = json_block(client.get(NEW), "report-map-data")["start"]
    assert (start["lat"], start["lng"]) == pytest.approx((39.108, 117.210), abs=1e-6)


def test_with_no_station_anywhere_the_map_has_no_start(client, couriers, settings):
    settings.NUANXIN_MAP_TILE_URL = ""
    client.force_login(couriers["me"].user)
    assert json_block(client.get(NEW), "report-map-data") == {"points": [], "here": None, "start": None}


# --- the duplicates offer's markup ------------------------------------------------------------------


def test_the_form_carries_the_offer_its_two_choices_and_the_words_it_needs(client, couriers, settings):
    settings.NUANXIN_REPORTS_DUPLICATE_RADIUS_M = 60
    client.force_login(couriers["me"].user)
    response = client.get(NEW)
    page = response.content.decode()
    # the offer is hidden until the script fills it; its "same problem" button posts the small form
    offer = re.search(r"<section[^>]*data-duplicates[^>]*>.*?</section>", page, re.S).group(0)
    assert " hidden" in offer.split(">")[0]
    assert "data-send-anyway" in offer and 'form="report-not-sent"' in offer and "60" in offer
    assert re.search(r'<form method="post" action="/m/reports/new/not-sent/" id="report-not-sent"', page)
    assert 'data-duplicates-api="/api/v1/reports/duplicates"' in page
    # category names and status labels by code, for the offer's rows
    labels = json_block(response, "report-labels")
    assert labels["categories"]["exposed_garbage"] == "暴露垃圾"
    assert labels["statuses"]["in_progress"] == str(Report.Status.IN_PROGRESS.label)


def test_same_problem_goes_back_to_my_reports_with_a_message_and_files_nothing(client, couriers):
    client.force_login(couriers["me"].user)
    response = client.post(NOT_SENT, follow=True)
    assert response.redirect_chain == [("/m/reports/", 302)]
    assert [str(message) for message in response.context["messages"]] == [str(views.REPORT_NOT_SENT)]
    assert str(views.REPORT_NOT_SENT) in response.content.decode()
    assert Report.objects.count() == 0


def test_not_sent_is_a_post_for_signed_in_couriers_only(client, couriers, users):
    assert client.post(NOT_SENT).status_code == 302  # to sign-in
    assert "/m/login/" in client.post(NOT_SENT).url
    client.force_login(users["street_staff"])
    assert client.post(NOT_SENT).status_code == 403
    client.force_login(couriers["me"].user)
    assert client.get(NOT_SENT).status_code == 405


# --- the result page of the no-JavaScript form ------------------------------------------------------


def test_the_result_page_lists_the_similar_open_reports_once_without_personal_data(client, couriers, mapped):
    # given a neighbour's open report of the same category 20 m away, and others that do not count
    here = factories.IN_QUANYECHANG
    near = factories.make_report(
        mapped["street"],
        reporter=couriers["neighbour"],
        point=metres_north(here, 20),
        description="路口垃圾桶满溢，联系我 13900001111",
        address="和平路1号李四家门口",
        status=Report.Status.ACCEPTED,
    )
    factories.make_report(mapped["street"], point=metres_north(here, 10), category_code="dispute")
    factories.make_report(mapped["street"], point=metres_north(here, 10), status=Report.Status.CLOSED)
    factories.make_report(mapped["street"], point=metres_north(here, 80))
    client.force_login(couriers["me"].user)
    # when the courier files through the plain form
    response = client.post(NEW, filing())
    assert response.status_code == 302
    mine = Report.objects.get(reporter=couriers["me"])
    page = client.get(response.url)
    # then their report's page lists the one similar report: what, its status, how far, when
    assert page.status_code == 200
    rows = page.context["similar_reports"]
    assert [row["description"] for row in rows] == [near.description]
    assert rows[0]["distance_m"] == 20
    html = page.content.decode()
    section = re.search(r"<section[^>]*data-similar-reports.*?</section>", html, re.S).group(0)
    assert section.count("data-duplicate") == 1
    assert "暴露垃圾" in section and "已受理" in section and "20" in section
    # and nothing that names or locates the other courier
    assert "李四" not in section and str(near.public_id) not in section and "和平路1号" not in section
    assert str(mine.public_id) in html
    # and only once: a reload shows the report alone
    again = client.get(response.url)
    assert again.context["similar_reports"] == [] and "data-similar-reports" not in again.content.decode()


def test_the_result_page_has_no_list_when_nothing_similar_is_open(client, couriers, mapped):
    client.force_login(couriers["me"].user)
    response = client.post(NEW, filing())
    page = client.get(response.url)
    assert page.context["similar_reports"] == []
    assert "data-similar-reports" not in page.content.decode()


def test_a_double_submit_still_files_one_report_and_shows_the_list(client, couriers, mapped):
    factories.make_report(mapped["street"], point=metres_north(factories.IN_QUANYECHANG, 20))
    client.force_login(couriers["me"].user)
    first = client.post(NEW, filing(key="same"))
    second = client.post(NEW, filing(key="same"))
    assert first.url == second.url
    assert Report.objects.filter(reporter=couriers["me"]).count() == 1
    assert len(client.get(second.url).context["similar_reports"]) == 1


def test_another_couriers_report_is_404_even_with_the_result_flag(client, couriers, mapped):
    theirs = factories.make_report(mapped["street"], reporter=couriers["neighbour"])
    client.force_login(couriers["me"].user)
    session = client.session
    session["reports.just_filed"] = str(theirs.public_id)
    session.save()
    assert client.get(f"/m/reports/{theirs.public_id}/").status_code == 404


def test_the_form_with_errors_still_has_its_map(client, couriers, mapped):
    client.force_login(couriers["me"].user)
    response = client.post(NEW, filing(lat="", lng=""))
    assert response.status_code == 400
    assert "lat" in response.context["form"].errors
    assert json_block(response, "map-config")["crs"] in ("wgs84", "gcj02")
    assert Report.objects.count() == 0
