"""The courier's pages: /m/reports/ (mine), /m/reports/new/ (works without JS), /m/reports/<id>/."""

import pytest
from django.utils import timezone

from nuanxin.reports.models import Report

from . import factories

pytestmark = pytest.mark.django_db


def test_the_form_files_one_report_even_when_submitted_twice(client, couriers, photo):
    client.force_login(couriers["me"].user)
    page = client.get("/m/reports/new/")
    assert page.status_code == 200
    assert b"report_form.js" in page.content
    key = page.context["form"].initial["idempotency_key"]
    lat, lng = factories.IN_QUANYECHANG
    data = {
        "category": "safety_hazard",
        "description": "井盖松动",
        "lat": lat,
        "lng": lng,
        "crs": "wgs84",
        "idempotency_key": key,
    }
    first = client.post("/m/reports/new/", {**data, "photos": [photo()]})
    second = client.post("/m/reports/new/", {**data, "photos": [photo()]})
    assert first.status_code == second.status_code == 302 and first.url == second.url
    report = Report.objects.get()
    assert first.url == f"/m/reports/{report.public_id}/"
    assert report.photos.count() == 1


def test_the_form_shows_field_messages_and_saves_nothing(client, couriers):
    client.force_login(couriers["me"].user)
    response = client.post(
        "/m/reports/new/", {"category": "safety_hazard", "description": "井盖", "idempotency_key": "k1"}
    )
    assert response.status_code == 400
    assert "lat" in response.context["form"].errors
    assert Report.objects.count() == 0


def test_list_and_detail_show_only_my_reports_with_history(client, couriers, mapped):
    mine = factories.make_report(mapped["street"], reporter=couriers["me"], description="我的报告")
    theirs = factories.make_report(mapped["street"], reporter=couriers["neighbour"], description="别人的报告")
    client.force_login(couriers["me"].user)
    listing = client.get("/m/reports/").content.decode()
    assert "我的报告" in listing and "别人的报告" not in listing
    detail = client.get(f"/m/reports/{mine.public_id}/")
    assert detail.status_code == 200 and b"data-history" in detail.content
    assert client.get(f"/m/reports/{theirs.public_id}/").status_code == 404


def test_the_reporter_reopens_a_resolved_report_from_its_page(client, couriers, mapped):
    report = factories.make_report(
        mapped["street"], reporter=couriers["me"], status=Report.Status.RESOLVED, resolved_at=timezone.now()
    )
    client.force_login(couriers["me"].user)
    assert b"data-reopen" in client.get(f"/m/reports/{report.public_id}/").content
    assert client.post(f"/m/reports/{report.public_id}/", {"note": ""}).status_code == 400
    assert client.post(f"/m/reports/{report.public_id}/", {"note": "没修好"}).status_code == 302
    report.refresh_from_db()
    assert report.status == Report.Status.REOPENED


def test_pages_need_a_signed_in_courier(client, users):
    assert client.get("/m/reports/").status_code == 302
    client.force_login(users["street_staff"])
    assert client.get("/m/reports/new/").status_code in (302, 403)
