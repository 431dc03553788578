"""Who sees and moves what: anonymous, couriers, staff of other areas, handlers, the street."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from nuanxin.accounts.tests.factories import bearer
from nuanxin.reports.models import Report

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(mapped, users, couriers):
    handler = factories.handler(mapped["street"], username="handler")
    other_handler = factories.handler(mapped["street"], username="other_handler")
    dept = factories.department(mapped["street"], handlers=[handler])
    factories.department(mapped["street"], name="别的部门", handlers=[other_handler])
    report = factories.make_report(mapped["street"], reporter=couriers["me"], department=dept)
    return {
        "report": report,
        "actors": {
            **users,
            "handler": handler,
            "other_handler": other_handler,
            "reporter": couriers["me"].user,
            "other_courier": couriers["neighbour"].user,
        },
    }


# actor → expected status for (read the staff detail, accept it)
MATRIX = {
    None: (401, 401),
    "reporter": (403, 403),
    "other_courier": (403, 403),
    "steward": (403, 403),
    "other_street_staff": (404, 404),
    "other_district_staff": (404, 404),
    "other_handler": (404, 404),
    "handler": (200, 200),
    "street_staff": (200, 200),
    "district_staff": (200, 200),
    "city_staff": (200, 200),
}


@pytest.mark.parametrize(("who", "expected"), list(MATRIX.items()))
def test_staff_endpoints_matrix(api, world, who, expected):
    report = world["report"]
    headers = bearer(world["actors"][who]) if who else {}
    read_status, _ = api("get", f"/api/v1/reports/queue/{report.public_id}", headers=headers)
    write_status, _ = api(
        "post",
        f"/api/v1/reports/queue/{report.public_id}/transition",
        body={"to_status": "accepted"},
        headers=headers,
    )
    assert (read_status, write_status) == expected
    report.refresh_from_db()
    assert report.status == ("accepted" if expected[1] == 200 else "submitted")


def test_every_staff_api_read_of_a_report_is_audited_and_a_refused_one_is_not(api, world):
    from nuanxin.core.models import AuditEntry

    report = world["report"]
    url = f"/api/v1/reports/queue/{report.public_id}"
    views = AuditEntry.objects.filter(action=AuditEntry.Action.VIEW, object_id=str(report.public_id))
    api("get", url, headers=bearer(world["actors"]["other_street_staff"]))
    assert not views.exists()
    for _ in range(2):
        status, _body = api("get", url, headers=bearer(world["actors"]["street_staff"]))
        assert status == 200
    assert views.count() == 2
    assert {entry.actor_id for entry in views} == {world["actors"]["street_staff"].pk}


@pytest.mark.parametrize(
    ("who", "expected"), [(None, 401), ("reporter", 200), ("other_courier", 404), ("street_staff", 403)]
)
def test_courier_endpoints_matrix(api, world, who, expected):
    headers = bearer(world["actors"][who]) if who else {}
    status, _ = api("get", f"/api/v1/reports/mine/{world['report'].public_id}", headers=headers)
    assert status == expected


def test_mine_lists_only_my_reports(api, world, couriers, mapped):
    factories.make_report(mapped["street"], reporter=couriers["neighbour"])
    status, body = api("get", "/api/v1/reports/mine", headers=bearer(couriers["me"].user))
    assert status == 200 and [item["id"] for item in body["items"]] == [str(world["report"].public_id)]
    assert body["items"][0]["history"][0]["to_status"] == "submitted"


def test_queue_is_scoped_filtered_and_its_query_count_does_not_grow(api, world, mapped, users):
    street, other = mapped["street"], mapped["other_street"]
    factories.make_report(other, point=factories.IN_XIAOBAILOU)
    late = factories.make_report(street, due_at=timezone.now() - datetime.timedelta(hours=1))
    factories.make_report(street, category_code="dispute", status=Report.Status.ACCEPTED)
    headers = bearer(users["street_staff"])

    def ids(query):
        status, body = api("get", f"/api/v1/reports/queue{query}", headers=headers)
        assert status == 200, body
        return body["count"]

    assert ids("") == 3
    assert ids("?status=accepted") == 1
    assert ids("?category=dispute") == 1
    assert ids("?department=triage") == 2
    assert ids(f"?department={world['report'].department.public_id}") == 1
    assert ids("?overdue=true") == 1
    assert api("get", "/api/v1/reports/queue?overdue=true", headers=headers)[1]["items"][0]["id"] == str(
        late.public_id
    )
    assert api("get", "/api/v1/reports/queue", headers=bearer(users["district_staff"]))[1]["count"] == 4
    # an area outside the caller's is refused, not silently widened
    status, body = api("get", f"/api/v1/reports/queue?area={other.code}", headers=headers)
    assert status == 422 and body["errors"][0]["field"] == "area"

    with CaptureQueriesContext(connection) as few:
        api("get", "/api/v1/reports/queue", headers=headers)
    for _ in range(5):
        factories.make_report(street)
    with CaptureQueriesContext(connection) as many:
        api("get", "/api/v1/reports/queue", headers=headers)
    assert len(many) == len(few)


def test_public_map_coarsens_points_and_shows_no_personal_data(api, world, mapped, couriers):
    factories.make_report(mapped["street"], status=Report.Status.REJECTED)
    status, body = api("get", "/api/v1/reports/map")
    assert status == 200 and len(body) == 1
    point = body[0]
    assert set(point) == {
        "category",
        "category_name",
        "status",
        "status_label",
        "lat",
        "lng",
        "street_name",
        "created_on",
    }
    lat, lng = factories.IN_QUANYECHANG
    assert (point["lat"], point["lng"]) != (lat, lng)
    assert abs(point["lat"] - lat) < 0.002 and abs(point["lng"] - lng) < 0.002
    assert "张三" not in str(body) and "路边有" not in str(body)


def test_figures_count_what_the_caller_may_see(api, world, mapped, users):
    factories.make_report(mapped["other_district_street"], point=factories.IN_DAWANGZHUANG)
    resolved = factories.make_report(mapped["street"], status=Report.Status.RESOLVED, category_code="dispute")
    Report.objects.filter(pk=resolved.pk).update(
        resolved_at=resolved.created_at + datetime.timedelta(hours=6)
    )
    status, body = api("get", "/api/v1/reports/figures", headers=bearer(users["district_staff"]))
    assert status == 200
    assert body["by_status"]["submitted"] == 1 and body["by_status"]["resolved"] == 1
    assert body["by_category"] == {"exposed_garbage": 1, "dispute": 1}
    assert body["by_area"] == {mapped["street"].code: 2}
    assert body["handling_times"]["count"] == 1 and body["handling_times"]["mean_hours"] == 6.0
    assert api("get", "/api/v1/reports/figures", headers=bearer(users["city_staff"]))[1]["by_area"] == {
        mapped["street"].code: 2,
        mapped["other_district_street"].code: 1,
    }
