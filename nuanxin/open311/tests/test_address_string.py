"""POST requests with address_string instead of lat/long (GeoReport v2 allows either): geocoded,
filed as an approximate location; an address that cannot be placed and address_id alone are 400 —
in both formats — and file nothing."""

import json

import pytest

from nuanxin.accounts.tests.factories import bearer
from nuanxin.open311.models import Open311Submission
from nuanxin.open311.services import api_key_issue
from nuanxin.reports.models import Report
from nuanxin.reports.tests.boundaries import import_l_and_neighbour
from nuanxin.reports.tests.fake_amap import PLACED_WGS84, amap_fixture  # noqa: F401 - the `amap` fixture

from .test_requests import errors_of, xml

ADDRESS = "天津市和平区劝业场街滨江道100号"
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


def service_request_id(response, fmt):
    if fmt == "json":
        return response.json()[0]["service_request_id"]
    return xml(response).findtext("request/service_request_id")


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_address_without_lat_long_is_geocoded_and_filed_as_approximate(
    client, post_request, city, users, fmt
):
    # when a client posts only an address naming 劝业场街 (the gazetteer: no outside call)
    response = post_request(fmt, lat=None, long=None, address_string=ADDRESS)
    # then the request is filed in that street, routed by its rules, marked approximate
    assert response.status_code == 200, response.content
    report = Report.objects.get(public_id=service_request_id(response, fmt))
    assert report.area == city["street"]
    assert report.department == city["department"]
    assert report.location_approximate is True
    assert report.address == ADDRESS
    # placed inside the street's rectangle (39.10–39.14, 117.18–117.22): its centre
    assert (report.latitude, report.longitude) == pytest.approx((39.12, 117.20))
    # staff see that the location is approximate
    staff_answer = client.get(f"/api/v1/reports/queue/{report.public_id}", **bearer(users["street_staff"]))
    assert staff_answer.status_code == 200
    assert json.loads(staff_answer.content)["location_approximate"] is True
    # the public feed shows the snapped point, as for every request
    (public,) = client.get(f"/open311/v2/requests/{report.public_id}.json").json()
    assert public["lat"] == pytest.approx(39.12, abs=0.002) and public["address"] == ADDRESS


@pytest.mark.django_db
def test_a_request_with_lat_long_is_not_approximate_even_with_an_address(post_request, city):
    response = post_request("json", address_string=ADDRESS)
    report = Report.objects.get(public_id=response.json()[0]["service_request_id"])
    assert report.location_approximate is False
    assert (report.latitude, report.longitude) == pytest.approx((39.12, 117.20))


@pytest.mark.django_db
def test_an_address_in_the_notch_of_an_l_shaped_street_is_placed_in_the_street_it_names(post_request, city):
    # given real polygons: 小白楼 fills the notch of 劝业场's L
    import_l_and_neighbour()
    # when the address names 小白楼街道
    response = post_request("json", lat=None, long=None, address_string="和平区小白楼街道南京路219号")
    # then it is filed in 小白楼 at a point inside 小白楼's polygon
    report = Report.objects.get(public_id=response.json()[0]["service_request_id"])
    assert report.area == city["other_street"] and report.location_approximate
    assert 39.100 <= report.latitude <= 39.120 and 117.190 <= report.longitude <= 117.210


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "address",
    ["北京市朝阳区建国路88号", "和平区南京路与滨江道交口", "劝业场街道与小白楼街道交口"],
    ids=["another-city", "district-only", "two-streets"],
)
def test_an_address_that_cannot_be_placed_is_400_and_files_nothing(post_request, city, fmt, address):
    response = post_request(fmt, lat=None, long=None, address_string=address, headers=ENGLISH)
    assert response.status_code == 400
    ((code, description),) = errors_of(response, fmt)
    assert code == 400
    assert "address_string" in description and address in description
    assert "could not be placed" in description
    assert not Report.objects.exists() and not Open311Submission.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_address_id_alone_is_400_as_there_is_no_address_registry(post_request, city, fmt):
    response = post_request(
        fmt, lat=None, long=None, address_string=None, address_id="TJ-000123", headers=ENGLISH
    )
    assert response.status_code == 400
    ((code, description),) = errors_of(response, fmt)
    assert code == 400 and "address_id" in description and "address registry" in description
    assert not Report.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_amap_geocoding_of_an_address(post_request, city, amap, fmt):
    # when the deployment geocodes with AMap
    response = post_request(fmt, lat=None, long=None, address_string=ADDRESS)
    # then the GCJ-02 answer is stored as WGS-84, approximate, in the street it falls in
    report = Report.objects.get(public_id=service_request_id(response, fmt))
    assert (report.latitude, report.longitude) == pytest.approx(PLACED_WGS84, abs=1e-5)
    assert report.location_approximate and report.area == city["street"]
    (request,) = amap.requests
    assert request["address"] == ADDRESS and "city" not in request  # a partner key: the whole deployment


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_amap_down_is_the_same_400(post_request, city, amap, fmt):
    amap.mode = "http500"
    response = post_request(fmt, lat=None, long=None, address_string=ADDRESS)
    assert response.status_code == 400
    assert "address_string" in errors_of(response, fmt)[0][1]
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_a_department_key_searches_its_own_city(client, city, amap):
    raw, _key = api_key_issue(actor=None, name="和平区城管", department=city["department"])
    client.post(
        "/open311/v2/requests.json",
        {"api_key": raw, "service_code": "exposed_garbage", "description": "垃圾", "address_string": ADDRESS},
    )
    (request,) = amap.requests
    assert request["city"] == "120000"  # 天津市, the city of 和平区's department
