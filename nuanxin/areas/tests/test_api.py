"""The area tree API: GET /api/v1/areas/?parent=<code> and GET /api/v1/areas/{code}."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def test_without_parent_the_roots_come_back_with_their_child_counts(client, areas):
    response = client.get("/api/v1/areas/")
    assert response.status_code == 200
    (root,) = response.json()["items"]
    assert root == {
        "code": "120000000000",
        "name": "天津市",
        "level": 2,
        "level_label": root["level_label"],
        "full_name": "天津市",
        "parent_code": None,
        "children_count": 2,
    }


def test_the_children_of_a_node_in_code_order(client, areas):
    response = client.get("/api/v1/areas/", {"parent": "120101000000"})
    assert response.status_code == 200
    items = response.json()["items"]
    assert [(item["code"], item["name"], item["children_count"]) for item in items] == [
        ("120101001000", "劝业场街道", 1),
        ("120101002000", "小白楼街道", 0),
    ]
    assert {item["parent_code"] for item in items} == {"120101000000"}
    assert items[0]["full_name"] == "天津市 和平区 劝业场街道"


def test_a_leaf_has_no_children(client, areas):
    response = client.get("/api/v1/areas/", {"parent": "120101001001"})
    assert response.status_code == 200
    assert response.json() == {"items": []}


def test_an_unknown_parent_is_not_found(client, areas):
    response = client.get("/api/v1/areas/", {"parent": "120199000000"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_malformed_parent_names_the_field_in_the_requested_language(client, areas):
    response = client.get("/api/v1/areas/", {"parent": "1201"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "parent"
    assert error["message"] == "The format is not valid."


def test_the_list_costs_the_same_queries_however_many_children(client, areas, django_assert_max_num_queries):
    from nuanxin.areas.tests.factories import make_area

    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/areas/", {"parent": "120101000000"})
    for number in range(3, 13):
        make_area(f"120101{number:03d}000", f"第{number}街道", 4, areas["district"])
    with CaptureQueriesContext(connection) as many:
        response = client.get("/api/v1/areas/", {"parent": "120101000000"})
    assert len(response.json()["items"]) == 12
    assert len(many) == len(few) <= 2


def test_one_node_with_its_ancestors_root_first(client, areas):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/areas/120101001001")
    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["name"], body["level"], body["parent_code"]) == (
        "120101001001",
        "花园路社区",
        5,
        "120101001000",
    )
    assert [(node["code"], node["name"], node["parent_code"]) for node in body["ancestors"]] == [
        ("120000000000", "天津市", None),
        ("120101000000", "和平区", "120000000000"),
        ("120101001000", "劝业场街道", "120101000000"),
    ]
    assert len(queries) <= 2


def test_a_root_has_no_ancestors(client, areas):
    response = client.get("/api/v1/areas/120000000000")
    assert response.status_code == 200
    assert response.json()["ancestors"] == []
    assert response.json()["children_count"] == 2


def test_an_unknown_code_is_not_found_and_a_malformed_one_invalid(client, areas):
    assert client.get("/api/v1/areas/120199000000").status_code == 404
    response = client.get("/api/v1/areas/abc", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "code"


def test_level_labels_follow_the_language(client, areas):
    english = client.get("/api/v1/areas/120101001000", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["level_label"] == "Street / town"
