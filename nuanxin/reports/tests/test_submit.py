"""Filing a report from the phone: photos, location, idempotent retries, duplicates, bad input."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from nuanxin.messaging.models import InboxMessage
from nuanxin.reports.models import Report, ReportPhoto
from nuanxin.stations.geo import wgs84_to_gcj02
from nuanxin.stations.tests.factories import make_station

from . import factories

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports"


def form(point=factories.IN_QUANYECHANG, **overrides):
    data = {
        "category": "exposed_garbage",
        "description": "路口堆着两袋垃圾",
        "lat": point[0],
        "lng": point[1],
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_courier_files_a_report_with_photos_and_the_stored_files_carry_no_exif_or_gps(
    api, couriers, as_courier, photo
):
    # given a courier with two phone photos carrying GPS tags
    me = couriers["me"]
    # when they submit
    status, body = api(
        "post", URL, form=form(photos=[photo("a.jpg"), photo("b.jpg")]), headers=as_courier(me)
    )
    # then the report is filed in the point's street, in the triage queue, and the photos are clean
    assert status == 201, body
    assert body["street"] == "120101001000" and body["status"] == "submitted" and body["department"] is None
    assert body["replayed"] is False
    report = Report.objects.get(public_id=body["id"])
    assert report.reporter == me
    assert len(body["photos"]) == 2
    for stored in ReportPhoto.objects.filter(report=report):
        with stored.image.open("rb") as handle:
            image = Image.open(io.BytesIO(handle.read()))
            assert image.format == "JPEG"
            assert max(image.size) <= 1600
            exif = image.getexif()
            assert len(exif) == 0 and not exif.get_ifd(0x8825)
            assert "exif" not in image.info


def test_due_date_follows_the_category_time_limit(api, couriers, as_courier):
    before = timezone.now()
    status, body = api("post", URL, form=form(category="safety_hazard"), headers=as_courier(couriers["me"]))
    assert status == 201
    due = Report.objects.get(public_id=body["id"]).due_at
    assert before + datetime.timedelta(hours=24) <= due <= timezone.now() + datetime.timedelta(hours=24)


def test_a_retry_with_the_same_idempotency_key_returns_the_first_report(api, couriers, as_courier, photo):
    headers = {**as_courier(couriers["me"]), "HTTP_IDEMPOTENCY_KEY": "draft-7f1c"}
    first_status, first = api("post", URL, form=form(photos=[photo()]), headers=headers)
    second_status, second = api("post", URL, form=form(photos=[photo()]), headers=headers)
    assert (first_status, second_status) == (201, 200)
    assert second["id"] == first["id"] and second["replayed"] is True
    assert Report.objects.count() == 1 and ReportPhoto.objects.count() == 1


def test_the_same_key_from_another_courier_is_another_report(api, couriers, as_courier):
    key = {"HTTP_IDEMPOTENCY_KEY": "same-key"}
    api("post", URL, form=form(), headers={**as_courier(couriers["me"]), **key})
    status, _body = api("post", URL, form=form(), headers={**as_courier(couriers["neighbour"]), **key})
    assert status == 201 and Report.objects.count() == 2


def test_gcj02_point_is_stored_in_wgs84(api, couriers, as_courier):
    lat, lng = factories.IN_QUANYECHANG
    gcj_lat, gcj_lng = wgs84_to_gcj02(lat, lng)
    status, body = api(
        "post", URL, form=form(point=(gcj_lat, gcj_lng), crs="gcj02"), headers=as_courier(couriers["me"])
    )
    assert status == 201
    report = Report.objects.get(public_id=body["id"])
    assert report.latitude == pytest.approx(lat, abs=1e-7) and report.longitude == pytest.approx(
        lng, abs=1e-7
    )
    assert body["crs"] == "gcj02" and body["lat"] == pytest.approx(gcj_lat, abs=1e-6)


@pytest.mark.parametrize(
    ("point", "street"),
    [
        (factories.IN_QUANYECHANG, "120101001000"),
        (factories.IN_XIAOBAILOU, "120101002000"),
        # in both rectangles: the smaller (劝业场) wins
        (factories.IN_OVERLAP, "120101001000"),
        # exactly on 小白楼's east edge: inside
        ((39.110, 117.215), "120101002000"),
        # a district away, though the courier works in 劝业场
        (factories.IN_DAWANGZHUANG, "120102001000"),
    ],
)
def test_a_report_goes_by_the_points_street_not_the_reporters(api, couriers, as_courier, point, street):
    status, body = api("post", URL, form=form(point=point), headers=as_courier(couriers["me"]))
    assert status == 201, body
    assert body["street"] == street


def test_outside_every_rectangle_the_nearest_station_within_reach_decides(api, couriers, as_courier, mapped):
    make_station(mapped["community"], latitude=39.1500, longitude=117.1500)
    status, body = api("post", URL, form=form(point=(39.1560, 117.1500)), headers=as_courier(couriers["me"]))
    assert status == 201 and body["street"] == "120101001000"  # the community's street
    status, body = api("post", URL, form=form(point=(39.1800, 117.1500)), headers=as_courier(couriers["me"]))
    assert status == 422 and body["errors"][0]["field"] == "location"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"lat": None, "lng": None}, "location"),
        ({"lat": factories.OUTSIDE[0], "lng": factories.OUTSIDE[1]}, "location"),
        ({"lat": "north", "lng": "117"}, "location"),
        ({"lat": "95", "lng": "117"}, "location"),
        ({"crs": "bd09"}, "crs"),
        ({"category": "graffiti"}, "category"),
        ({"description": "  "}, "description"),
        ({"description": "字" * 2001}, "description"),
        ({"address": "路" * 201}, "address"),
    ],
)
def test_bad_input_is_refused_field_by_field_and_nothing_is_saved(
    api, couriers, as_courier, overrides, field
):
    status, body = api("post", URL, form=form(**overrides), headers=as_courier(couriers["me"]))
    assert status == 422
    assert field in [error["field"] for error in body["errors"]]
    assert Report.objects.count() == 0


def test_a_non_image_or_a_fourth_photo_saves_nothing(api, couriers, as_courier, photo):
    text = SimpleUploadedFile("note.jpg", b"not an image at all", content_type="image/jpeg")
    status, body = api("post", URL, form=form(photos=[photo(), text]), headers=as_courier(couriers["me"]))
    assert status == 422 and body["errors"][0]["field"] == "photos"
    status, body = api(
        "post", URL, form=form(photos=[photo() for _ in range(4)]), headers=as_courier(couriers["me"])
    )
    assert status == 422 and body["errors"][0]["field"] == "photos"
    assert Report.objects.count() == 0 and ReportPhoto.objects.count() == 0


@override_settings(NUANXIN_MAX_UPLOAD_BYTES=1000)
def test_an_oversized_photo_is_refused(api, couriers, as_courier, photo):
    status, body = api("post", URL, form=form(photos=[photo()]), headers=as_courier(couriers["me"]))
    assert status == 422 and body["errors"][0]["field"] == "photos"
    assert Report.objects.count() == 0


def test_json_body_without_photos_works(api, couriers, as_courier):
    status, body = api("post", URL, body=form(), headers=as_courier(couriers["me"]))
    assert status == 201 and body["photos"] == []


def test_only_signed_in_couriers_may_file(api, users, auth, mapped):
    assert api("post", URL, form=form())[0] == 401
    assert api("post", URL, form=form(), headers=auth("street_staff"))[0] == 403
    assert Report.objects.count() == 0


@override_settings(NUANXIN_REPORTS_PER_HOUR=3)
def test_flooding_from_one_account_is_rate_limited(api, couriers, as_courier):
    headers = as_courier(couriers["me"])
    for number in range(3):
        assert api("post", URL, form=form(description=f"第{number}处"), headers=headers)[0] == 201
    status, body = api("post", URL, form=form(), headers=headers)
    assert status == 429 and body["code"] == "rate_limited"
    # a retry of an accepted submission is not a new one and is not refused
    assert Report.objects.count() == 3
    assert api("post", URL, form=form(), headers=as_courier(couriers["neighbour"]))[0] == 201


def test_open_reports_nearby_are_offered_as_possible_duplicates(api, couriers, as_courier, mapped):
    # given reports around the point: same category 30 m away, 80 m away, another category,
    # a closed one and one 8 days old
    lat, lng = factories.IN_QUANYECHANG
    near = factories.make_report(mapped["street"], point=(lat + 0.00027, lng))  # ~30 m
    factories.make_report(mapped["street"], point=(lat + 0.00072, lng))  # ~80 m
    factories.make_report(mapped["street"], point=(lat, lng), category_code="dispute")
    factories.make_report(mapped["street"], point=(lat, lng), status=Report.Status.CLOSED)
    factories.make_report(
        mapped["street"], point=(lat, lng), created_at=timezone.now() - datetime.timedelta(days=8)
    )
    headers = as_courier(couriers["me"])
    # when the courier checks before submitting, and when they submit
    status, offered = api(
        "get", f"{URL}/duplicates?category=exposed_garbage&lat={lat}&lng={lng}", headers=headers
    )
    _status, body = api("post", URL, form=form(), headers=headers)
    # then only the near, open, recent, same-category one is offered
    assert status == 200 and [item["id"] for item in offered] == [str(near.public_id)]
    assert 25 <= offered[0]["distance_m"] <= 35
    assert [item["id"] for item in body["possible_duplicates"]] == [str(near.public_id)]


@override_settings(NUANXIN_REPORTS_DUPLICATE_RADIUS_M=100, NUANXIN_REPORTS_DUPLICATE_DAYS=10)
def test_duplicate_radius_and_window_are_configurable(api, couriers, as_courier, mapped):
    lat, lng = factories.IN_QUANYECHANG
    factories.make_report(mapped["street"], point=(lat + 0.00072, lng))
    factories.make_report(
        mapped["street"], point=(lat, lng), created_at=timezone.now() - datetime.timedelta(days=8)
    )
    status, offered = api(
        "get",
        f"{URL}/duplicates?category=exposed_garbage&lat={lat}&lng={lng}",
        headers=as_courier(couriers["me"]),
    )
    assert status == 200 and len(offered) == 2


def test_filing_sends_no_inbox_message_to_the_reporter_themselves(api, couriers, as_courier):
    api("post", URL, form=form(), headers=as_courier(couriers["me"]))
    assert InboxMessage.objects.count() == 0
