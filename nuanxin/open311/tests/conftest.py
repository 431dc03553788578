"""A small deployment for the Open311 tests: 劝业场街道 has a drawn territory, and exposed garbage in
和平区 goes to the district's city-management department."""

from urllib.parse import urlencode

import pytest

from nuanxin.open311.services import api_key_issue
from nuanxin.reports.models import Department, ReportCategory, RoutingRule, StreetBounds

# A point inside 劝业场街道's rectangle (WGS-84).
LAT, LONG = "39.12", "117.20"


@pytest.fixture
def city(areas):
    StreetBounds.objects.create(area=areas["street"], south=39.10, north=39.14, west=117.18, east=117.22)
    department = Department.objects.create(name="和平区城市管理委员会", area=areas["district"])
    garbage = ReportCategory.objects.get(code="exposed_garbage")
    RoutingRule.objects.create(area=areas["district"], category=garbage, department=department)
    return {**areas, "department": department, "garbage": garbage}


@pytest.fixture
def api_key(city):
    raw, _key = api_key_issue(actor=None, name="Partner app")
    return raw


@pytest.fixture
def post_request(client, api_key):
    """POST requests.<fmt> with a valid body, overridden by keyword arguments (None drops a field)."""

    def post(fmt="json", *, headers=None, multipart=False, **fields):
        body = {
            "api_key": api_key,
            "service_code": "exposed_garbage",
            "lat": LAT,
            "long": LONG,
            "description": "路口垃圾堆了三天",
            "address_string": "和平区南京路与滨江道交口",
        }
        body.update(fields)
        body = {key: value for key, value in body.items() if value is not None}
        url = f"/open311/v2/requests.{fmt}"
        if multipart:
            return client.post(url, body, **(headers or {}))
        return client.post(
            url, urlencode(body), content_type="application/x-www-form-urlencoded", **(headers or {})
        )

    return post
