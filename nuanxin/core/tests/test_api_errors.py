"""The API's error shape and its translation: a field-level message in the request's language."""

import pytest
from django.test import override_settings
from django.utils import translation
from ninja import NinjaAPI, Query, Schema
from ninja.testing import TestClient
from pydantic import Field

from nuanxin.core.api import install_error_handlers, translate_pydantic_error
from nuanxin.core.errors import DomainError, NotFound, ValidationFailed


class Point(Schema):
    lat: float = Field(ge=-90, le=90)
    name: str = Field(min_length=2)


def make_api():
    api = NinjaAPI(urls_namespace="errors-test")
    install_error_handlers(api)

    @api.get("/point")
    def point(request, filters: Query[Point]):
        return {"lat": filters.lat}

    @api.get("/domain")
    def domain(request):
        raise DomainError("Station is closed.", field="station", code="closed")

    @api.get("/missing")
    def missing(request):
        raise NotFound()

    @api.get("/many")
    def many(request):
        raise ValidationFailed({"name": ["Too short."], "lat": ["Out of range."]})

    return api


@pytest.fixture
def api_client():
    return TestClient(make_api())


def test_out_of_range_value_names_the_field_in_chinese_by_default(api_client):
    with translation.override("zh-hans"):
        response = api_client.get("/point?lat=91&name=ok")
    body = response.json()
    assert response.status_code == 422
    assert body["code"] == "validation_error"
    assert body["errors"][0]["field"] == "lat"
    assert body["errors"][0]["code"] == "less_than_equal"
    assert "90" in body["errors"][0]["message"]
    assert body["message"] == body["errors"][0]["message"]


def test_message_is_english_when_english_is_active(api_client):
    with translation.override("en"):
        response = api_client.get("/point?lat=abc&name=x")
    errors = {error["field"]: error["message"] for error in response.json()["errors"]}
    assert errors == {"lat": "Enter a number.", "name": "Enter at least 2 characters."}


def test_missing_field_is_reported(api_client):
    with translation.override("en"):
        response = api_client.get("/point?name=ok")
    assert response.json()["errors"] == [
        {"field": "lat", "code": "missing", "message": "This field is required."}
    ]


def test_domain_error_carries_its_field_and_status(api_client):
    response = api_client.get("/domain")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "station"
    assert response.json()["code"] == "closed"


def test_not_found_is_404(api_client):
    response = api_client.get("/missing")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_several_field_errors_are_all_reported(api_client):
    response = api_client.get("/many")
    assert response.status_code == 422
    assert {error["field"] for error in response.json()["errors"]} == {"name", "lat"}


def test_location_prefixes_are_stripped_from_field_names():
    error = {"type": "missing", "loc": ("body", "payload", "contacts", 2, "phone"), "ctx": None}
    assert translate_pydantic_error(error)["field"] == "contacts.2.phone"


def test_unknown_error_type_still_gets_a_message():
    with translation.override("en"):
        result = translate_pydantic_error({"type": "something_new", "loc": ("query", "x")})
    assert result["message"] == "The value is not valid."


@override_settings(LANGUAGE_CODE="zh-hans")
def test_real_api_answers_in_english_when_asked(client):
    response = client.get("/api/v1/does-not-exist", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
