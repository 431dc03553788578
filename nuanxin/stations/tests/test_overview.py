"""The street's "5个1" staff pages (/staff/streets/…): who may open them and what they show."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nuanxin.accounts.models import Role
from nuanxin.accounts.tests.factories import UserFactory, staff
from nuanxin.stations import geo
from nuanxin.stations.models import ResourceItem, ServiceContact, Station
from nuanxin.stations.views import admin_change_url

from .factories_finder import make_station

pytestmark = pytest.mark.django_db

STREET_LIST = "/staff/streets/"


def overview_url(area):
    return f"/staff/streets/{area.code}/overview/"


def html(response):
    return response.content.decode()


def json_block(response, element_id):
    match = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>', html(response), re.S
    )
    assert match, f"no #{element_id} in the page"
    return json.loads(match.group(1))


def count(response, name):
    return int(re.search(rf'data-count="{name}">(\d+)<', html(response)).group(1))


@pytest.fixture
def street_data(areas, users):
    """劝业场街道 with stations of several statuses, its contact table, resources and a steward;
    the sibling street 小白楼街道 with one station, contact and resource of its own."""
    street, community, other = areas["street"], areas["community"], areas["other_street"]
    steward = users["steward"]
    stations = {
        "active": make_station(
            street,
            latitude=39.1253,
            longitude=117.1950,
            name="劝业场社工站驿站",
            amenities=["charging", "toilet"],
            steward=steward,
        ),
        "demonstration": make_station(
            community,
            latitude=39.1240,
            longitude=117.1990,
            name="花园路社区驿站",
            amenities=["charging"],
            status=Station.Status.DEMONSTRATION,
        ),
        "planned": make_station(
            street, latitude=39.1270, longitude=117.1930, name="规划中的驿站", status=Station.Status.PLANNED
        ),
        "other": make_station(other, latitude=39.1180, longitude=117.2080, name="小白楼驿站"),
    }
    contacts = {
        "hotline": ServiceContact.objects.create(
            area=street, kind=ServiceContact.Kind.HOTLINE, name="劝业场服务热线", phone="022-27301234"
        ),
        "police": ServiceContact.objects.create(
            area=community, kind=ServiceContact.Kind.POLICE, name="劝业场派出所", phone="022-27305678"
        ),
        "steward": ServiceContact.objects.create(
            area=street, kind=ServiceContact.Kind.STEWARD, name="李管家", phone="13900001111"
        ),
        "other": ServiceContact.objects.create(
            area=other, kind=ServiceContact.Kind.HOTLINE, name="小白楼服务热线", phone="022-23300000"
        ),
    }
    resources = {
        "meal": ResourceItem.objects.create(
            area=street, name="暖心午餐", category="餐饮", provider="劝业场商户联盟", contact="022-27309999"
        ),
        "other": ResourceItem.objects.create(
            area=other, name="小白楼法律咨询", category="法律", provider="律所"
        ),
    }
    return {"stations": stations, "contacts": contacts, "resources": resources, "steward": steward}


# --- who may open the pages --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("courier", 404),
        ("steward", 404),
        ("other_street_staff", 404),
        ("other_district_staff", 404),
        ("street_staff", 200),
        ("district_staff", 200),
        ("city_staff", 200),
    ],
)
def test_overview_is_open_to_staff_of_the_street_and_above_only(
    client, areas, users, street_data, user, status
):
    client.force_login(users[user])
    response = client.get(overview_url(areas["street"]))
    assert response.status_code == status
    if status == 404:
        assert "劝业场社工站驿站" not in html(response)


def test_overview_sends_anonymous_visitors_to_the_login(client, areas, street_data):
    response = client.get(overview_url(areas["street"]))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=")


def test_superuser_opens_any_street(client, areas, street_data):
    admin = staff("", areas["city"], username="root", is_superuser=True)
    client.force_login(admin)
    assert client.get(overview_url(areas["other_district_street"])).status_code == 200


@pytest.mark.parametrize("code", ["120101000000", "120101001001", "999999999999", "abc"])
def test_overview_of_anything_but_an_existing_street_is_404(client, areas, users, code):
    # a district, a community, an unknown code, garbage
    client.force_login(users["city_staff"])
    assert client.get(f"/staff/streets/{code}/overview/").status_code == 404


def test_an_inactive_staff_account_is_turned_away(client, areas, users, street_data):
    user = users["street_staff"]
    client.force_login(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = client.get(overview_url(areas["street"]))
    assert response.status_code in (302, 404)
    assert "劝业场社工站驿站" not in html(response)


# --- what the overview shows -------------------------------------------------------------------


def test_overview_shows_the_streets_stations_contacts_resources_and_stewards(
    client, areas, users, street_data
):
    client.force_login(users["street_staff"])
    # when
    response = client.get(overview_url(areas["street"]), HTTP_ACCEPT_LANGUAGE="en")
    # then
    assert response.status_code == 200
    page = html(response)
    # stations of the street and its communities, in every status; not the sibling street's
    for name in ("劝业场社工站驿站", "花园路社区驿站", "规划中的驿站"):
        assert name in page
    assert "小白楼驿站" not in page
    # the contact table and the resource list, with the community's rows; not the sibling's
    for name in ("劝业场服务热线", "劝业场派出所", "李管家", "暖心午餐", "劝业场商户联盟"):
        assert name in page
    assert "小白楼服务热线" not in page and "小白楼法律咨询" not in page
    assert 'href="tel:022-27301234"' in page
    # the steward and the stations they look after
    steward_row = re.search(r"<tr data-steward>(.*?)</tr>", page, re.S).group(1)
    assert str(street_data["steward"]) in steward_row and "劝业场社工站驿站" in steward_row


def test_overview_counts_stations_by_status_and_amenities_coverage(client, areas, users, street_data):
    client.force_login(users["district_staff"])
    response = client.get(overview_url(areas["street"]), HTTP_ACCEPT_LANGUAGE="en")
    # then
    assert count(response, "stations") == 3
    assert count(response, "public") == 2
    assert count(response, "contacts") == 3
    assert count(response, "resources") == 1
    assert count(response, "stewards") == 1
    page = html(response)
    statuses = dict(
        re.findall(r'<tr data-status="(\w+)"><th scope="row">[^<]*</th><td class="nx-num">(\d+)</td>', page)
    )
    assert statuses == {"planned": "1", "pilot": "0", "demonstration": "1", "active": "1", "suspended": "0"}
    # charging at 2 of 3 stations (67%), toilets at 1 (33%)
    charging = re.search(r'<tr data-amenity="Phone and battery charging">.*?</tr>', page, re.S).group(0)
    assert '<td class="nx-num">2</td><td class="nx-num">67%</td>' in charging
    toilet = re.search(r'<tr data-amenity="Toilet">.*?</tr>', page, re.S).group(0)
    assert '<td class="nx-num">1</td><td class="nx-num">33%</td>' in toilet
    chart = json_block(response, "street-chart-data")
    assert chart["amenities"]["labels"][:2] == ["Phone and battery charging", "Toilet"]
    assert chart["amenities"]["counts"][:2] == [2, 1]
    assert chart["amenities"]["total"] == 3


def test_overview_counts_the_couriers_registered_in_the_street(client, areas, users, street_data):
    for username, area in (("c1", "community"), ("c2", "street"), ("c3", "other_street")):
        UserFactory(username=username, role=Role.COURIER, area=areas[area], is_staff=False)
    client.force_login(users["street_staff"])
    assert count(client.get(overview_url(areas["street"])), "couriers") == 2


def test_overview_map_has_every_station_in_the_tiles_coordinate_system(
    client, areas, users, street_data, settings
):
    settings.NUANXIN_MAP_TILE_CRS = "gcj02"
    client.force_login(users["street_staff"])
    # when
    response = client.get(overview_url(areas["street"]))
    # then
    points = {point["name"]: point for point in json_block(response, "street-map-data")["points"]}
    assert set(points) == {"劝业场社工站驿站", "花园路社区驿站", "规划中的驿站"}
    active = street_data["stations"]["active"]
    expected = geo.wgs84_to_gcj02(active.latitude, active.longitude)
    assert (points[active.name]["lat"], points[active.name]["lng"]) == pytest.approx(expected, abs=1e-6)
    assert points["规划中的驿站"]["active"] is False  # not shown to couriers: a grey pin
    assert 'data-nuanxin-map="street-map-data"' in html(response)


def test_overview_links_stations_to_their_admin_change_page(client, areas, users, street_data):
    client.force_login(users["street_staff"])
    page = html(client.get(overview_url(areas["street"])))
    station = street_data["stations"]["active"]
    change_url = admin_change_url(station)
    row = re.search(rf'<tr data-station="{station.public_id}">(.*?)</tr>', page, re.S).group(1)
    if change_url:
        assert f'<a href="{change_url}">{station.name}</a>' in row
    else:  # the back office does not register stations: the name stands alone
        assert "<a " not in row.split("</th>")[0] and station.name in row


def test_overview_is_rendered_in_the_admin_look(client, areas, users, street_data):
    client.force_login(users["street_staff"])
    page = html(client.get(overview_url(areas["street"]), HTTP_ACCEPT_LANGUAGE="en"))
    assert "/static/admin/css/base.css" in page
    assert '<div class="breadcrumbs">' in page and 'href="/staff/streets/"' in page
    assert "劝业场街道: the “5个1” overview" in page


def test_overview_of_an_empty_street_says_so(client, areas, users):
    client.force_login(users["street_staff"])
    response = client.get(overview_url(areas["street"]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = html(response)
    assert "No station in this street yet." in page
    assert "The service contact table is empty." in page
    assert "The resource list is empty." in page


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_overview_queries_do_not_grow_with_the_street(client, areas, users, street_data):
    client.force_login(users["street_staff"])
    few = count_queries(client, overview_url(areas["street"]))
    # given many more stations, contacts, resources and stewards
    for number in range(10):
        steward = staff(Role.STEWARD, areas["street"], username=f"steward{number}")
        make_station(
            areas["street"],
            latitude=39.12 + number / 1000,
            longitude=117.19,
            amenities=["wifi", "rest"],
            steward=steward,
        )
        ServiceContact.objects.create(area=areas["street"], kind="community", name=f"社区{number}", phone="1")
        ResourceItem.objects.create(area=areas["street"], name=f"资源{number}", category="其他", provider="x")
    # when
    many = count_queries(client, overview_url(areas["street"]))
    # then
    assert many == few


# --- the list of streets -----------------------------------------------------------------------


def streets_listed(response):
    return re.findall(r'<tr data-street="(\d{12})">', html(response))


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("street_staff", ["street"]),
        ("district_staff", ["street", "other_street"]),
        ("city_staff", ["street", "other_street", "other_district_street"]),
        ("other_district_staff", ["other_district_street"]),
    ],
)
def test_street_list_shows_the_streets_of_the_users_area(client, areas, users, street_data, user, expected):
    client.force_login(users[user])
    response = client.get(STREET_LIST)
    assert response.status_code == 200
    assert streets_listed(response) == [areas[name].code for name in expected]
    for name in expected:
        assert f'href="{overview_url(areas[name])}"' in html(response)


def test_street_list_counts_stations_per_street(client, areas, users, street_data):
    client.force_login(users["district_staff"])
    page = html(client.get(STREET_LIST))
    row = re.search(rf'<tr data-street="{areas["street"].code}">(.*?)</tr>', page, re.S).group(1)
    assert re.search(r'data-count="stations">3<', row) and re.search(r'data-count="public">2<', row)
    row = re.search(rf'<tr data-street="{areas["other_street"].code}">(.*?)</tr>', page, re.S).group(1)
    assert re.search(r'data-count="stations">1<', row) and re.search(r'data-count="public">1<', row)


@pytest.mark.parametrize("user", ["courier", "steward"])
def test_street_list_is_404_for_non_staff(client, users, user):
    client.force_login(users[user])
    assert client.get(STREET_LIST).status_code == 404


def test_street_list_sends_anonymous_visitors_to_the_login(client, db):
    response = client.get(STREET_LIST)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_street_list_queries_do_not_grow_with_stations(client, areas, users, street_data):
    client.force_login(users["city_staff"])
    few = count_queries(client, STREET_LIST)
    for number in range(10):
        make_station(areas["other_street"], latitude=39.11 + number / 1000, longitude=117.21)
    assert count_queries(client, STREET_LIST) == few
