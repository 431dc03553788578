"""The public map page /m/reports/map/: anyone may open it; it shows coarse points and no personal data."""

import datetime
import json
import re

import pytest
from django.utils import timezone

from nuanxin.reports import selectors
from nuanxin.reports.models import Report
from nuanxin.stations.views import to_map

from . import factories

pytestmark = pytest.mark.django_db

URL = "/m/reports/map/"


def _points(response):
    block = re.search(
        r'id="public-report-map-data" type="application/json">(.*?)</script>', response.content.decode(), re.S
    )
    return json.loads(block.group(1))["points"]


@pytest.fixture
def reports(mapped, couriers):
    me = couriers["me"]
    first = factories.make_report(mapped["street"], reporter=me, description="更早的一条")
    return {
        "first": first,
        "open": factories.make_report(
            mapped["street"], reporter=me, description="滨江道100号门口垃圾", address="滨江道100号"
        ),
        "resolved": factories.make_report(
            mapped["street"], reporter=me, status=Report.Status.RESOLVED, category_code="safety_hazard"
        ),
        "rejected": factories.make_report(mapped["street"], reporter=me, status=Report.Status.REJECTED),
        "duplicate": factories.make_report(
            mapped["street"], reporter=me, status=Report.Status.DUPLICATE, duplicate_of=first
        ),
        "other_district": factories.make_report(
            mapped["other_district_street"], reporter=me, point=factories.IN_DAWANGZHUANG
        ),
        "old": factories.make_report(
            mapped["street"], reporter=me, created_at=timezone.now() - datetime.timedelta(days=45)
        ),
    }


def test_anyone_sees_coarse_points_without_personal_data_or_hidden_reports(client, reports, couriers):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    points = _points(response)
    # the last 30 days by default: not the old one; never rejected or duplicate reports
    assert len(points) == 4
    assert "4" in re.search(r"data-report-total>([^<]*)<", html).group(1)
    report = reports["open"]
    expected = to_map(selectors.coarsen(report.latitude), selectors.coarsen(report.longitude))
    assert (expected[0], expected[1]) in {(point["lat"], point["lng"]) for point in points}
    assert (to_map(report.latitude, report.longitude)) not in {(p["lat"], p["lng"]) for p in points}
    for secret in (
        "滨江道100号",
        report.description,
        couriers["me"].phone,
        couriers["me"].phone_masked,
        "张",
    ):
        assert secret not in html
    assert all(point.get("url") in (None, "") for point in points)


def test_filters_by_category_district_and_period(client, reports, mapped):
    assert len(_points(client.get(URL, {"category": "safety_hazard"}))) == 1
    assert len(_points(client.get(URL, {"area": mapped["district"].code}))) == 3
    assert len(_points(client.get(URL, {"days": "90"}))) == 5
    # unknown values fall back to the defaults instead of failing
    assert len(_points(client.get(URL, {"category": "nope", "days": "9999", "area": "x"}))) == 4


def test_counts_by_status_agree_with_the_map(client, reports):
    html = client.get(URL).content.decode()
    submitted = re.search(r'data-status="submitted">.*?(\d+)</li>', html, re.S).group(1)
    resolved = re.search(r'data-status="resolved">.*?(\d+)</li>', html, re.S).group(1)
    assert (submitted, resolved) == ("3", "1")
    assert 'data-status="rejected"' not in html and 'data-status="duplicate"' not in html
