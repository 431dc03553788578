"""discovery, services and services/{code}, in both formats, with their error cases."""

from xml.etree import ElementTree

import pytest


def xml(response):
    assert response["Content-Type"].startswith("text/xml")
    return ElementTree.fromstring(response.content)  # noqa: S314 - our own response, in a test


@pytest.mark.django_db
def test_discovery_names_the_endpoint_and_both_formats(client):
    # when
    response = client.get("/open311/v2/discovery.json")
    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    endpoint = response.json()["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2/"
    assert endpoint["formats"] == ["text/xml", "application/json"]


@pytest.mark.django_db
def test_discovery_in_xml(client):
    root = xml(client.get("/open311/v2/discovery.xml"))
    assert root.tag == "discovery"
    assert [node.text for node in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


@pytest.mark.django_db
def test_the_bare_base_url_answers_with_discovery(client):
    response = client.get("/open311/v2/")
    assert response.status_code == 200
    assert response.json()["endpoints"][0]["url"] == "http://testserver/open311/v2/"


@pytest.mark.django_db
def test_services_list_every_active_category(client, city):
    # given a retired category
    from nuanxin.reports.models import ReportCategory

    ReportCategory.objects.filter(code="dispute").update(is_active=False)
    # when
    services = client.get("/open311/v2/services.json").json()
    # then
    codes = [service["service_code"] for service in services]
    assert "exposed_garbage" in codes and "safety_hazard" in codes
    assert "dispute" not in codes
    garbage = next(service for service in services if service["service_code"] == "exposed_garbage")
    assert garbage["service_name"] == "暴露垃圾"
    assert garbage["metadata"] is True
    assert garbage["type"] == "realtime"


@pytest.mark.django_db
def test_services_in_xml(client, city):
    root = xml(client.get("/open311/v2/services.xml"))
    assert root.tag == "services"
    service = next(
        node for node in root.findall("service") if node.findtext("service_code") == "exposed_garbage"
    )
    assert service.findtext("metadata") == "true"
    assert service.findtext("service_name") == "暴露垃圾"


@pytest.mark.django_db
def test_service_definition_offers_the_coordinate_system_attribute(client, city):
    definition = client.get("/open311/v2/services/exposed_garbage.json").json()
    assert definition["service_code"] == "exposed_garbage"
    (attribute,) = definition["attributes"]
    assert attribute["code"] == "crs"
    assert attribute["variable"] is True
    assert attribute["required"] is False
    assert attribute["datatype"] == "singlevaluelist"
    assert [value["key"] for value in attribute["values"]] == ["wgs84", "gcj02"]


@pytest.mark.django_db
def test_service_definition_in_xml(client, city):
    root = xml(client.get("/open311/v2/services/exposed_garbage.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("attributes/attribute/code") == "crs"
    assert [node.findtext("key") for node in root.findall("attributes/attribute/values/value")] == [
        "wgs84",
        "gcj02",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_service_code_is_404_in_the_spec_error_format(client, city, fmt):
    response = client.get(f"/open311/v2/services/potholes.{fmt}")
    assert response.status_code == 404
    if fmt == "json":
        (error,) = response.json()
        assert error["code"] == 404
        assert "potholes" in error["description"]
    else:
        root = xml(response)
        assert root.tag == "errors"
        assert root.findtext("error/code") == "404"
        assert "potholes" in root.findtext("error/description")


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_our_jurisdiction_is_accepted_and_another_is_404(client, city, fmt, settings):
    settings.NUANXIN_OPEN311_JURISDICTION_ID = "tianjin.example.cn"
    assert client.get(f"/open311/v2/services.{fmt}?jurisdiction_id=tianjin.example.cn").status_code == 200
    response = client.get(f"/open311/v2/services.{fmt}?jurisdiction_id=beijing.example.cn")
    assert response.status_code == 404
    assert "beijing.example.cn" in response.content.decode()


@pytest.mark.django_db
def test_an_unknown_endpoint_or_method_answers_in_the_error_format(client, city):
    missing = client.get("/open311/v2/potholes.xml")
    assert missing.status_code == 404
    assert xml(missing).tag == "errors"
    wrong_method = client.post("/open311/v2/services.json")
    assert wrong_method.status_code == 405
    assert wrong_method["Allow"] == "GET"
    assert wrong_method.json()[0]["code"] == 405
