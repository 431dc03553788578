"""Staff notices from the report workflow: who is told of new work, exactly once, and nobody else.

A new report left in the triage queue → the street's staff; a dispatch → the department's handlers;
a return → the street's staff; a reopen → the department's handlers (else the street's staff); an
escalation → the staff of the district it is raised to. Never the actor, never another street's
staff or another department's handlers, never twice for one change.
"""

import datetime

import pytest
from django.utils import timezone, translation

from nuanxin.accounts.models import Role
from nuanxin.accounts.tests.factories import bearer, staff
from nuanxin.messaging.models import StaffNotice
from nuanxin.messaging.services import in_site_language
from nuanxin.reports import services
from nuanxin.reports.models import Report

from . import factories

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports"
NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def world(mapped, users, couriers):
    """劝业场街道 with two street staff (and an inactive one), its team with two handlers (and an
    inactive one), 小白楼街道's team with its own handler; the conftest's users of other areas."""
    street = mapped["street"]
    second = staff(Role.STREET_STAFF, street, username="street2")
    gone = staff(Role.STREET_STAFF, street, username="street_gone", is_active=False)
    handlers = {
        "h1": factories.handler(street, username="h1"),
        "h2": factories.handler(street, username="h2"),
        "h_gone": staff(Role.DEPARTMENT_HANDLER, street, username="h_gone", is_active=False),
        "other": factories.handler(mapped["other_street"], username="other_handler"),
    }
    team = factories.department(
        street, name="劝业场街道综合执法队", handlers=[handlers["h1"], handlers["h2"], handlers["h_gone"]]
    )
    other_team = factories.department(
        mapped["other_street"], name="小白楼街道综合执法队", handlers=[handlers["other"]]
    )
    return {
        "areas": mapped,
        "users": {**users, "street2": second, "street_gone": gone, **handlers},
        "team": team,
        "other_team": other_team,
        "reporter": couriers["me"],
    }


def told(world):
    """{username: [kind, …]} of every account that has notices."""
    result = {}
    for notice in StaffNotice.objects.select_related("recipient").order_by("id"):
        result.setdefault(notice.recipient.username, []).append(notice.kind)
    return result


def report_form(**overrides):
    point = factories.IN_QUANYECHANG
    data = {
        "category": "exposed_garbage",
        "description": "路口堆着两袋垃圾",
        "lat": point[0],
        "lng": point[1],
    }
    data.update(overrides)
    return data


def transition(api, report, user, to_status, note="", department=None):
    body = {"to_status": to_status, "note": note}
    if department is not None:
        body["department"] = str(department.public_id)
    return api("post", f"{URL}/queue/{report.public_id}/transition", body=body, headers=bearer(user))


# --- a new report in the triage queue ----------------------------------------------------------


def test_a_new_report_without_a_department_tells_the_streets_staff_once(api, world, as_courier):
    # given no routing rule for 劝业场街道: a report filed there waits in the street's triage queue
    headers = {**as_courier(world["reporter"]), "HTTP_IDEMPOTENCY_KEY": "phone-retry-1"}

    # when the courier files it, and the phone retries with the same key
    first_status, first = api("post", URL, form=report_form(), headers=headers)
    second_status, second = api("post", URL, form=report_form(), headers=headers)

    # then the street's two active staff are told once each, with a link to the report's staff page
    assert (first_status, second_status) == (201, 200) and second["replayed"] is True
    assert told(world) == {"street": ["report_triage"], "street2": ["report_triage"]}
    notice = StaffNotice.objects.get(recipient=world["users"]["street_staff"])
    assert notice.url == f"/staff/reports/{first['id']}/"
    number = first["id"].replace("-", "")[:8].upper()
    assert notice.title == in_site_language(
        services.STAFF_TRIAGE_TITLE, {"number": number, "category": "暴露垃圾"}
    )
    assert "路口堆着两袋垃圾" in notice.body and "劝业场街道" in notice.body


def test_a_report_in_another_street_tells_only_that_streets_staff(api, world, as_courier):
    status, _body = api(
        "post",
        URL,
        form=report_form(lat=factories.IN_XIAOBAILOU[0], lng=factories.IN_XIAOBAILOU[1]),
        headers=as_courier(world["reporter"]),
    )
    assert status == 201
    assert told(world) == {"other_street": ["report_triage"]}


def test_a_report_routed_to_a_department_is_not_a_triage_notice(api, world, as_courier):
    # given a routing rule: the report goes to the street's team at once
    factories.rule(world["areas"]["street"], world["team"])
    status, body = api("post", URL, form=report_form(), headers=as_courier(world["reporter"]))
    assert status == 201 and body["department"] is not None
    assert told(world) == {}


# --- dispatch, return, reopen ------------------------------------------------------------------


def test_dispatching_tells_the_departments_handlers_and_nobody_else(api, world):
    report = factories.make_report(world["areas"]["street"], status=Report.Status.ACCEPTED)

    status, body = transition(
        api, report, world["users"]["street_staff"], "dispatched", note="请尽快处理", department=world["team"]
    )

    assert status == 200, body
    assert told(world) == {"h1": ["report_dispatched"], "h2": ["report_dispatched"]}
    notice = StaffNotice.objects.get(recipient=world["users"]["h1"])
    assert notice.url == f"/staff/reports/{report.public_id}/"
    assert "劝业场街道综合执法队" in notice.title and "请尽快处理" in notice.body


def test_a_handler_dispatching_to_their_own_department_is_not_told_of_it(api, world):
    report = factories.make_report(
        world["areas"]["street"], status=Report.Status.ACCEPTED, department=world["team"]
    )
    status, _body = transition(api, report, world["users"]["h1"], "dispatched")
    assert status == 200
    assert told(world) == {"h2": ["report_dispatched"]}


def test_each_dispatch_is_a_notice_of_its_own(api, world):
    # given a report dispatched, returned by the department, and dispatched again
    report = factories.make_report(
        world["areas"]["street"], status=Report.Status.ACCEPTED, department=world["team"]
    )
    street_staff = world["users"]["street_staff"]
    assert transition(api, report, street_staff, "dispatched")[0] == 200
    assert transition(api, report, world["users"]["h1"], "accepted", note="不归我们管")[0] == 200
    assert transition(api, report, street_staff, "dispatched", note="再核实一下")[0] == 200

    # then each handler heard of both dispatches; the return went to the street's staff (not the
    # one who returned it, not the other street)
    assert told(world) == {
        "h1": ["report_dispatched", "report_dispatched"],
        "h2": ["report_dispatched", "report_dispatched"],
        "street": ["report_returned"],
        "street2": ["report_returned"],
    }
    returned = StaffNotice.objects.get(recipient=street_staff)
    assert "不归我们管" in returned.body and "劝业场街道综合执法队" in returned.title


def test_a_reopen_by_the_reporter_tells_the_departments_handlers(api, world):
    report = factories.make_report(
        world["areas"]["street"],
        reporter=world["reporter"],
        status=Report.Status.RESOLVED,
        department=world["team"],
        resolved_at=timezone.now(),
    )
    status, _body = api(
        "post",
        f"{URL}/mine/{report.public_id}/reopen",
        body={"note": "护栏又倒了"},
        headers=bearer(world["reporter"].user),
    )
    assert status == 200
    assert told(world) == {"h1": ["report_reopened"], "h2": ["report_reopened"]}
    assert "护栏又倒了" in StaffNotice.objects.filter(recipient=world["users"]["h2"]).get().body


def test_a_reopen_with_no_handler_to_tell_goes_to_the_streets_staff(api, world):
    lonely = factories.department(world["areas"]["street"], name="没有人的科室")
    report = factories.make_report(
        world["areas"]["street"],
        reporter=world["reporter"],
        status=Report.Status.RESOLVED,
        department=lonely,
        resolved_at=timezone.now(),
    )
    status, _body = api(
        "post",
        f"{URL}/mine/{report.public_id}/reopen",
        body={"note": "没修好"},
        headers=bearer(world["reporter"].user),
    )
    assert status == 200
    assert told(world) == {"street": ["report_reopened"], "street2": ["report_reopened"]}


def test_a_refused_move_tells_nobody(api, world):
    report = factories.make_report(world["areas"]["street"], status=Report.Status.ACCEPTED)
    # another street's staff: 404; another department's handler: 404; a move the table lacks: 409;
    # a department of another street: 422
    assert (
        transition(api, report, world["users"]["other_street_staff"], "dispatched", department=world["team"])[
            0
        ]
        == 404
    )
    assert transition(api, report, world["users"]["other"], "dispatched", department=world["team"])[0] == 404
    assert transition(api, report, world["users"]["street_staff"], "resolved", note="x")[0] == 409
    assert (
        transition(api, report, world["users"]["street_staff"], "dispatched", department=world["other_team"])[
            0
        ]
        == 422
    )
    assert told(world) == {}


# --- escalation --------------------------------------------------------------------------------


def test_an_escalation_tells_the_district_staff_once(world):
    # given an overdue report in 劝业场街道 (和平区)
    report = factories.make_report(
        world["areas"]["street"],
        status=Report.Status.DISPATCHED,
        department=world["team"],
        due_at=NOW - datetime.timedelta(hours=1),
    )

    # when the hourly job runs, and runs again (a retry, the next hour)
    assert services.reports_escalate_overdue(at=NOW) == 1
    assert services.reports_escalate_overdue(at=NOW) == 0
    assert services.reports_escalate_overdue(at=NOW + datetime.timedelta(hours=1)) == 0

    # then 和平区's staff are told once; not 河东区's, not the city, not the street, not the handlers
    assert told(world) == {"district": ["report_escalated"]}
    notice = StaffNotice.objects.get()
    assert notice.url == f"/staff/reports/{report.public_id}/"
    assert "和平区" in notice.title
    # the due time in Asia/Shanghai (09:00 UTC - 1 h = 16:00 in Shanghai)
    assert "2026-03-02 16:00" in notice.body


def test_a_report_escalated_again_after_a_reopen_is_a_new_notice(world):
    reporter = world["reporter"]
    report = factories.make_report(
        world["areas"]["street"],
        reporter=reporter,
        status=Report.Status.IN_PROGRESS,
        department=world["team"],
        due_at=NOW - datetime.timedelta(hours=1),
    )
    services.reports_escalate_overdue(at=NOW)
    services.report_transition(
        actor=world["users"]["h1"], report=report, to_status="resolved", note="已处理", now=NOW
    )
    services.report_transition(
        actor=reporter.user, report=report, to_status="reopened", note="没修好", now=NOW
    )
    report.refresh_from_db()
    later = report.due_at + datetime.timedelta(hours=1)
    assert services.reports_escalate_overdue(at=later) == 1
    assert told(world)["district"] == ["report_escalated", "report_escalated"]


def test_an_escalation_notice_is_written_in_the_site_language_even_from_an_english_run(world):
    factories.make_report(world["areas"]["street"], due_at=NOW - datetime.timedelta(hours=1))
    with translation.override("en"):
        services.reports_escalate_overdue(at=NOW)
    notice = StaffNotice.objects.get()
    with translation.override("zh-hans"):
        expected_line = str(services.STAFF_ESCALATED_DUE) % {"due": "2026-03-02 16:00"}
    assert expected_line in notice.body


# --- the recipient follows the link --------------------------------------------------------------


def test_the_handler_opens_the_notice_and_lands_on_the_report(api, client, world):
    report = factories.make_report(world["areas"]["street"], status=Report.Status.ACCEPTED)
    transition(api, report, world["users"]["street_staff"], "dispatched", department=world["team"])
    notice = StaffNotice.objects.get(recipient=world["users"]["h1"])

    client.force_login(world["users"]["h1"])
    response = client.get(f"/staff/notices/{notice.public_id}/open/")

    assert response.status_code == 302 and response["Location"] == f"/staff/reports/{report.public_id}/"
    assert client.get(response["Location"]).status_code == 200
    notice.refresh_from_db()
    assert notice.read_at is not None
