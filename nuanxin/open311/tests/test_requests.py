"""POST requests, tokens/{token}, GET requests and GET requests/{id}: both formats, error cases, and a
round trip through the workflow."""

import datetime
import io
from xml.etree import ElementTree

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from PIL import Image

from nuanxin.open311.models import Open311Submission
from nuanxin.open311.services import api_key_issue, api_key_revoke
from nuanxin.reports.models import Report
from nuanxin.reports.services import report_create, report_transition

from .conftest import LAT, LONG


def xml(response):
    assert response["Content-Type"].startswith("text/xml")
    return ElementTree.fromstring(response.content)  # noqa: S314 - our own response, in a test


def errors_of(response, fmt):
    if fmt == "json":
        return [(error["code"], error["description"]) for error in response.json()]
    root = xml(response)
    assert root.tag == "errors"
    return [(int(node.findtext("code")), node.findtext("description")) for node in root.findall("error")]


def filed(api_key_name="Partner app", category="exposed_garbage", days_ago=0, **data):
    """A report filed through the services (as an Open311 client would), optionally backdated."""
    report = report_create(
        actor=None,
        data={"category": category, "description": "垃圾", "lat": LAT, "lng": LONG, **data},
        source=Report.Source.OPEN311,
        source_detail=api_key_name,
    )
    if days_ago:
        Report.objects.filter(pk=report.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=days_ago)
        )
    return report


def jpeg_with_gps():
    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x8825] = {2: (39.0, 7.0, 12.0)}  # GPSInfo
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg")


# --- POST requests -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_urlencoded_post_files_a_routed_report_and_answers_id_and_token(post_request, city):
    # when
    response = post_request(
        "json", email="li@example.com", first_name="磊", last_name="李", phone="13800138000"
    )
    # then
    assert response.status_code == 200
    (answer,) = response.json()
    report = Report.objects.get(public_id=answer["service_request_id"])
    assert report.source == Report.Source.OPEN311
    assert report.source_detail == "Partner app"
    assert report.category.code == "exposed_garbage"
    assert report.area == city["street"]
    assert report.department == city["department"]
    assert report.address == "和平区南京路与滨江道交口"
    submission = report.open311_submission
    assert answer["token"] == submission.token
    # the submitter's contact is kept for a call-back, encrypted at rest
    assert submission.phone == "13800138000"
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, email FROM open311_open311submission WHERE id = %s", [submission.pk])
        stored_phone, stored_email = cursor.fetchone()
    assert "13800138000" not in stored_phone and "li@example.com" not in stored_email


@pytest.mark.django_db
def test_a_post_in_xml_answers_in_xml(post_request, city):
    root = xml(post_request("xml"))
    assert root.tag == "service_requests"
    service_request_id = root.findtext("request/service_request_id")
    assert Report.objects.filter(public_id=service_request_id).exists()
    assert root.findtext("request/token")


@pytest.mark.django_db
def test_a_multipart_post_with_a_photo_stores_it_without_its_gps_tags(post_request, city):
    # when
    response = post_request(
        "json", multipart=True, media=jpeg_with_gps(), media_url="https://partner.example/p/1.jpg"
    )
    # then
    assert response.status_code == 200
    report = Report.objects.get(public_id=response.json()[0]["service_request_id"])
    (photo,) = report.photos.all()
    with Image.open(photo.image.path) as stored:
        assert 0x8825 not in stored.getexif()
    assert report.open311_submission.media_url == "https://partner.example/p/1.jpg"


@pytest.mark.django_db
def test_gcj02_points_are_converted_to_wgs84(post_request, city):
    response = post_request("json", **{"attribute[crs]": "gcj02"})
    report = Report.objects.get(public_id=response.json()[0]["service_request_id"])
    # GCJ-02 is offset from WGS-84 by a few hundred metres in Tianjin
    assert report.latitude != pytest.approx(39.12, abs=1e-5) or report.longitude != pytest.approx(
        117.20, abs=1e-5
    )
    assert report.latitude == pytest.approx(39.12, abs=0.01)


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("api_key", ["", "not-a-key"], ids=["missing", "wrong"])
def test_a_missing_or_wrong_api_key_is_403_and_files_nothing(client, city, fmt, api_key):
    # when
    body = {"service_code": "exposed_garbage", "lat": LAT, "long": LONG, "description": "垃圾"}
    if api_key:
        body["api_key"] = api_key
    response = client.post(f"/open311/v2/requests.{fmt}", body)
    # then
    assert response.status_code == 403
    assert errors_of(response, fmt)[0][0] == 403
    assert "api_key" in errors_of(response, fmt)[0][1]
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_a_revoked_api_key_is_403(post_request, city):
    from nuanxin.open311.models import ApiKey

    api_key_revoke(actor=None, api_key=ApiKey.objects.get())
    assert post_request("json").status_code == 403
    assert not Report.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"service_code": "potholes"}, "potholes"),
        ({"service_code": None}, "service_code"),
        ({"lat": None, "long": None, "address_string": None}, "address_string"),
        ({"lat": None, "long": None, "address_string": "和平区南京路与滨江道交口"}, "address_string"),
        ({"lat": None, "long": None, "address_string": None, "address_id": "A-1"}, "address_id"),
        ({"lat": "north", "long": "east"}, "lat/long"),
        ({"lat": "31.23", "long": "121.47"}, "lat/long"),  # Shanghai: outside the deployment
        ({"description": None}, "description"),
        ({"description": "长" * 2001}, "description"),
        ({"attribute[crs]": "bd09"}, "attribute[crs]"),
        ({"email": "not-an-address"}, "email"),
        ({"media_url": "ftp://partner.example/1.jpg"}, "media_url"),
        ({"phone": "1" * 31}, "phone"),
    ],
    ids=[
        "unknown-service",
        "no-service",
        "no-location",
        "address-naming-no-street",
        "address-id-only",
        "bad-coordinates",
        "outside-the-city",
        "no-description",
        "description-too-long",
        "unknown-crs",
        "bad-email",
        "bad-media-url",
        "phone-too-long",
    ],
)
def test_bad_input_is_400_naming_the_parameter_and_files_nothing(post_request, city, fmt, fields, expected):
    # when
    response = post_request(fmt, **fields)
    # then
    assert response.status_code == 400
    errors = errors_of(response, fmt)
    assert all(code == 400 for code, _description in errors)
    assert any(expected in description for _code, description in errors)
    assert not Report.objects.exists()
    assert not Open311Submission.objects.exists()


@pytest.mark.django_db
def test_a_post_for_another_jurisdiction_is_404(post_request, city):
    response = post_request("json", jurisdiction_id="beijing")
    assert response.status_code == 404
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_a_retried_post_with_the_same_idempotency_key_files_one_report(post_request, city):
    headers = {"HTTP_IDEMPOTENCY_KEY": "partner-42"}
    first = post_request("json", headers=headers).json()
    second = post_request("json", headers=headers).json()
    assert first == second
    assert Report.objects.count() == 1


@pytest.mark.django_db
def test_a_key_past_its_hourly_limit_is_429(client, city):
    raw, _key = api_key_issue(actor=None, name="Chatty partner", requests_per_hour=2)
    body = {
        "api_key": raw,
        "service_code": "exposed_garbage",
        "lat": LAT,
        "long": LONG,
        "description": "垃圾",
    }
    assert client.post("/open311/v2/requests.json", body).status_code == 200
    assert client.post("/open311/v2/requests.json", body).status_code == 200
    # when
    response = client.post("/open311/v2/requests.json", body)
    # then
    assert response.status_code == 429
    assert response.json()[0]["code"] == 429
    assert Report.objects.count() == 2


# --- tokens ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_token_resolves_to_its_request_in_both_formats(client, post_request, city):
    answer = post_request("json").json()[0]
    as_json = client.get(f"/open311/v2/tokens/{answer['token']}.json").json()
    assert as_json == [{"service_request_id": answer["service_request_id"], "token": answer["token"]}]
    root = xml(client.get(f"/open311/v2/tokens/{answer['token']}.xml"))
    assert root.findtext("request/service_request_id") == answer["service_request_id"]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_token_is_404(client, city, fmt):
    response = client.get(f"/open311/v2/tokens/nope.{fmt}")
    assert response.status_code == 404
    assert errors_of(response, fmt)[0][0] == 404


# --- GET requests/{id} and the round trip ------------------------------------------------------


@pytest.mark.django_db
def test_round_trip_post_then_get_follows_the_workflow(client, post_request, city, users):
    # given a request posted by a partner
    service_request_id = post_request("json", media_url="https://partner.example/p/1.jpg").json()[0][
        "service_request_id"
    ]
    url = f"/open311/v2/requests/{service_request_id}.json"
    # then it is open, with the department responsible and a due date, times at +08:00
    (request,) = client.get(url).json()
    assert request["status"] == "open"
    assert request["service_code"] == "exposed_garbage"
    assert request["agency_responsible"] == "和平区城市管理委员会"
    assert request["requested_datetime"].endswith("+08:00")
    assert request["expected_datetime"].endswith("+08:00")
    assert datetime.datetime.fromisoformat(request["expected_datetime"]) > datetime.datetime.fromisoformat(
        request["requested_datetime"]
    )
    assert request["media_url"] == "https://partner.example/p/1.jpg"
    assert request["address"] == "和平区南京路与滨江道交口"
    # snapped to the public grid, never the exact point
    assert request["lat"] == pytest.approx(39.12, abs=0.002)
    # when staff work it to resolution
    report = Report.objects.get(public_id=service_request_id)
    staff = users["street_staff"]
    for to_status, note in [
        ("accepted", ""),
        ("dispatched", ""),
        ("in_progress", ""),
        ("resolved", "已清运"),
    ]:
        report = report_transition(actor=staff, report=report, to_status=to_status, note=note)
    # then the client sees it closed, with the note
    (request,) = client.get(url).json()
    assert request["status"] == "closed"
    assert "已清运" in request["status_notes"]
    assert request["expected_datetime"] is None


@pytest.mark.django_db
def test_a_rejected_request_is_closed_with_the_reason(client, post_request, city, users):
    service_request_id = post_request("json").json()[0]["service_request_id"]
    report = Report.objects.get(public_id=service_request_id)
    report_transition(actor=users["street_staff"], report=report, to_status="rejected", note="不属于本街道")
    root = xml(client.get(f"/open311/v2/requests/{service_request_id}.xml"))
    assert root.findtext("request/status") == "closed"
    assert "不属于本街道" in root.findtext("request/status_notes")


@pytest.mark.django_db
def test_get_request_in_xml_never_shows_the_submitter(client, post_request, city):
    service_request_id = post_request(
        "json", email="li@example.com", phone="13800138000", first_name="磊"
    ).json()[0]["service_request_id"]
    response = client.get(f"/open311/v2/requests/{service_request_id}.xml")
    root = xml(response)
    assert root.findtext("request/service_request_id") == service_request_id
    assert root.findtext("request/status") == "open"
    body = response.content.decode()
    assert "13800138000" not in body and "li@example.com" not in body and "磊" not in body


@pytest.mark.django_db
def test_a_report_not_posted_over_open311_does_not_publish_its_address(client, city):
    report = filed(address="我家楼下 3 单元")
    (request,) = client.get(f"/open311/v2/requests/{report.public_id}.json").json()
    assert request["address"] == ""
    assert request["media_url"] == ""


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("service_request_id", ["0b7a9c1e-0000-4000-8000-000000000000", "not-an-id"])
def test_an_unknown_request_is_404(client, city, fmt, service_request_id):
    response = client.get(f"/open311/v2/requests/{service_request_id}.{fmt}")
    assert response.status_code == 404
    assert errors_of(response, fmt)[0][0] == 404


# --- GET requests ------------------------------------------------------------------------------


def ids(response):
    return [request["service_request_id"] for request in response.json()]


@pytest.mark.django_db
def test_the_list_defaults_to_the_last_90_days_newest_first(client, city):
    old = filed(days_ago=91)
    recent = filed(days_ago=10)
    newest = filed()
    assert ids(client.get("/open311/v2/requests.json")) == [str(newest.public_id), str(recent.public_id)]
    assert str(old.public_id) not in ids(client.get("/open311/v2/requests.json"))


@pytest.mark.django_db
def test_the_list_in_xml(client, city):
    report = filed()
    root = xml(client.get("/open311/v2/requests.xml"))
    assert root.tag == "service_requests"
    assert [node.findtext("service_request_id") for node in root.findall("request")] == [
        str(report.public_id)
    ]
    assert root.findtext("request/requested_datetime").endswith("+08:00")


@pytest.mark.django_db
def test_the_list_filters_by_dates_with_offsets(client, city):
    old = filed(days_ago=100)
    filed(days_ago=10)
    start = (
        (timezone.now() - datetime.timedelta(days=101))
        .astimezone(datetime.UTC)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    end = timezone.localtime(timezone.now() - datetime.timedelta(days=99)).isoformat(timespec="seconds")
    # an unescaped "+08:00" in the query string arrives as " 08:00": it is still understood
    response = client.get(f"/open311/v2/requests.json?start_date={start}&end_date={end}")
    assert response.status_code == 200
    assert ids(response) == [str(old.public_id)]


@pytest.mark.django_db
def test_only_an_end_date_means_the_90_days_before_it(client, city):
    filed(days_ago=250)
    middle = filed(days_ago=150)
    filed(days_ago=10)
    end = (timezone.now() - datetime.timedelta(days=120)).date().isoformat()
    assert ids(client.get(f"/open311/v2/requests.json?end_date={end}")) == [str(middle.public_id)]


@pytest.mark.django_db
def test_the_list_filters_by_service_code_and_status(client, city, users):
    garbage = filed()
    hazard = filed(category="safety_hazard")
    staff = users["street_staff"]
    for to_status, note in [
        ("accepted", ""),
        ("dispatched", ""),
        ("in_progress", ""),
        ("resolved", "修好了"),
    ]:
        hazard = report_transition(
            actor=staff, report=hazard, to_status=to_status, note=note, department=city["department"]
        )
    assert ids(client.get("/open311/v2/requests.json?service_code=exposed_garbage")) == [
        str(garbage.public_id)
    ]
    assert ids(client.get("/open311/v2/requests.json?status=closed")) == [str(hazard.public_id)]
    assert ids(client.get("/open311/v2/requests.json?status=open")) == [str(garbage.public_id)]
    assert len(ids(client.get("/open311/v2/requests.json?status=open,closed"))) == 2
    assert len(ids(client.get("/open311/v2/requests.json?service_code=exposed_garbage,safety_hazard"))) == 2


@pytest.mark.django_db
def test_rejected_reports_stay_off_the_list(client, city, users):
    rejected = filed()
    report_transition(actor=users["street_staff"], report=rejected, to_status="rejected", note="无效")
    assert ids(client.get("/open311/v2/requests.json")) == []
    assert ids(client.get(f"/open311/v2/requests.json?service_request_id={rejected.public_id}")) == [
        str(rejected.public_id)
    ]


@pytest.mark.django_db
def test_service_request_ids_pick_requests_and_other_filters_are_ignored(client, city):
    first, second, _third = filed(days_ago=200), filed(), filed()
    response = client.get(
        f"/open311/v2/requests.json?service_request_id={first.public_id},{second.public_id},bogus&status=closed"
    )
    assert sorted(ids(response)) == sorted([str(first.public_id), str(second.public_id)])


@pytest.mark.django_db
def test_page_and_page_size_walk_the_list(client, city):
    reports = [filed() for _ in range(5)]
    newest_first = [str(report.public_id) for report in reversed(reports)]
    assert ids(client.get("/open311/v2/requests.json?page_size=2")) == newest_first[:2]
    assert ids(client.get("/open311/v2/requests.json?page_size=2&page=3")) == newest_first[4:]
    assert ids(client.get("/open311/v2/requests.json?page_size=2&page=4")) == []


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("start_date=yesterday", "start_date"),
        ("end_date=2025-13-45", "end_date"),
        ("start_date=2025-05-02&end_date=2025-05-01", "start_date"),
        ("status=pending", "status"),
        ("page=0", "page"),
        ("page_size=1001", "page_size"),
        ("page_size=ten", "page_size"),
        ("jurisdiction_id=beijing", "beijing"),
    ],
)
def test_bad_list_parameters_are_400_or_404(client, city, fmt, query, expected):
    response = client.get(f"/open311/v2/requests.{fmt}?{query}")
    status = 404 if query.startswith("jurisdiction_id") else 400
    assert response.status_code == status
    (error,) = errors_of(response, fmt)
    assert error[0] == status
    assert expected in error[1]


@pytest.mark.django_db
def test_the_list_costs_a_fixed_number_of_queries(client, city, django_assert_max_num_queries):
    for _ in range(3):
        filed()
    with django_assert_max_num_queries(2):
        first = client.get("/open311/v2/requests.json")
    for _ in range(10):
        filed()
    with django_assert_max_num_queries(2):
        second = client.get("/open311/v2/requests.json")
    assert len(first.json()) == 3 and len(second.json()) == 13
