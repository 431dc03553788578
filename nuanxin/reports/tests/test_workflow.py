"""The workflow table: every allowed move by its role, every other move refused, notes, reopen, merge."""

import datetime
import itertools

import pytest
from django.test import override_settings
from django.utils import timezone

from nuanxin.accounts.tests.factories import bearer
from nuanxin.core.models import AuditEntry
from nuanxin.messaging.models import InboxMessage
from nuanxin.reports import transitions
from nuanxin.reports.models import Report, ReportEvent

from . import factories

pytestmark = pytest.mark.django_db
STATUSES = list(Report.Status.values)


@pytest.fixture
def world(mapped, users, couriers):
    handler = factories.handler(mapped["street"])
    dept = factories.department(mapped["street"], handlers=[handler])
    return {
        "areas": mapped,
        "users": users,
        "handler": handler,
        "department": dept,
        "reporter": couriers["me"],
    }


def stored(world, status, **fields):
    fields.setdefault("department", world["department"])
    if status == Report.Status.RESOLVED:
        fields.setdefault("resolved_at", timezone.now())
    if status == Report.Status.DUPLICATE:
        fields.setdefault("duplicate_of", factories.make_report(world["areas"]["street"]))
    return factories.make_report(
        world["areas"]["street"], reporter=world["reporter"], status=status, **fields
    )


def move(api, world, report, to_status, *, as_user, note="照片已核实"):
    """Make the move through the endpoint a user of that role uses."""
    if to_status == Report.Status.REOPENED:
        return api(
            "post",
            f"/api/v1/reports/mine/{report.public_id}/reopen",
            body={"note": note},
            headers=bearer(as_user),
        )
    if to_status == Report.Status.DUPLICATE:
        original = factories.make_report(world["areas"]["street"])
        return api(
            "post",
            f"/api/v1/reports/queue/{report.public_id}/merge",
            body={"original": str(original.public_id), "note": note},
            headers=bearer(as_user),
        )
    return api(
        "post",
        f"/api/v1/reports/queue/{report.public_id}/transition",
        body={"to_status": to_status, "note": note},
        headers=bearer(as_user),
    )


def holder(world, permission):
    return {
        transitions.TRIAGE: world["users"]["street_staff"],
        transitions.HANDLE: world["handler"],
        transitions.CLOSE: world["users"]["district_staff"],
        transitions.REOPEN: world["reporter"].user,
    }[permission]


@pytest.mark.parametrize(("from_status", "to_status"), list(transitions.TRANSITIONS))
def test_every_allowed_move_works_for_its_role_and_is_recorded_and_notified(
    api, world, from_status, to_status
):
    # given a report in `from_status`
    report = stored(world, from_status)
    actor = holder(world, transitions.TRANSITIONS[(from_status, to_status)].permission)
    # when the role holding the move's permission makes it
    status, body = move(api, world, report, to_status, as_user=actor)
    # then it moved, the history and the audit log show it, and the reporter was told (unless it was them)
    assert status == 200, body
    report.refresh_from_db()
    assert report.status == to_status
    event = report.events.filter(kind=ReportEvent.Kind.STATUS).last()
    assert (event.from_status, event.to_status, event.actor) == (from_status, to_status, actor)
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.TRANSITION, object_id=str(report.public_id), actor=actor
    ).exists()
    messages = InboxMessage.objects.filter(recipient=world["reporter"])
    assert messages.count() == (0 if to_status == Report.Status.REOPENED else 1)


@pytest.mark.parametrize(
    ("from_status", "to_status"),
    [pair for pair in itertools.product(STATUSES, STATUSES) if pair not in transitions.TRANSITIONS],
)
def test_every_other_move_is_refused_and_nothing_changes(api, world, from_status, to_status):
    report = stored(world, from_status)
    actor = world["reporter"].user if to_status == Report.Status.REOPENED else world["users"]["city_staff"]
    status, body = move(api, world, report, to_status, as_user=actor)
    assert status == 409, body
    assert body["code"] == "transition_not_allowed"
    report.refresh_from_db()
    assert report.status == from_status
    assert report.events.count() == 1 and InboxMessage.objects.count() == 0


@pytest.mark.parametrize(
    ("from_status", "to_status", "who"),
    [
        (Report.Status.RESOLVED, Report.Status.CLOSED, "handler"),  # closing is the street's
        (Report.Status.RESOLVED, Report.Status.REOPENED, "street_staff"),  # reopening is the reporter's
        (Report.Status.DISPATCHED, Report.Status.IN_PROGRESS, "reporter"),
        (Report.Status.REOPENED, Report.Status.DISPATCHED, "handler"),  # re-dispatch is triage
    ],
)
def test_a_move_by_the_wrong_role_is_refused(api, world, from_status, to_status, who):
    report = stored(world, from_status)
    actor = {"handler": world["handler"], "reporter": world["reporter"].user}.get(who) or world["users"][who]
    status, _body = move(api, world, report, to_status, as_user=actor)
    assert status in (403, 404)
    report.refresh_from_db()
    assert report.status == from_status and report.events.count() == 1


@pytest.mark.parametrize(
    ("from_status", "to_status"),
    [(pair[0], pair[1]) for pair, move_ in transitions.TRANSITIONS.items() if move_.note_required],
)
def test_moves_that_need_a_reason_refuse_an_empty_note(api, world, from_status, to_status):
    report = stored(world, from_status)
    actor = holder(world, transitions.TRANSITIONS[(from_status, to_status)].permission)
    status, body = move(api, world, report, to_status, as_user=actor, note="")
    assert status == 422 and body["errors"][0]["field"] == "note"
    report.refresh_from_db()
    assert report.status == from_status


@override_settings(NUANXIN_REPORTS_REOPEN_DAYS=7)
def test_reopen_is_refused_after_the_window(api, world):
    report = stored(
        world, Report.Status.RESOLVED, resolved_at=timezone.now() - datetime.timedelta(days=7, hours=1)
    )
    status, body = move(api, world, report, Report.Status.REOPENED, as_user=world["reporter"].user)
    assert status == 409 and body["code"] == "reopen_window_passed"
    report.refresh_from_db()
    assert report.status == Report.Status.RESOLVED


def test_reopen_restarts_the_clock_and_clears_the_escalation(api, world, areas):
    report = stored(
        world,
        Report.Status.RESOLVED,
        due_at=timezone.now() - datetime.timedelta(days=3),
        escalated_at=timezone.now() - datetime.timedelta(days=2),
        escalated_to=areas["district"],
    )
    status, body = move(
        api, world, report, Report.Status.REOPENED, as_user=world["reporter"].user, note="还没修"
    )
    assert status == 200 and body["status"] == "reopened" and body["escalated"] is False
    report.refresh_from_db()
    assert report.due_at > timezone.now() and report.escalated_to is None


def test_another_courier_cannot_reopen_my_report(api, world, couriers):
    report = stored(world, Report.Status.RESOLVED)
    status, _body = move(api, world, report, Report.Status.REOPENED, as_user=couriers["neighbour"].user)
    assert status == 404
    report.refresh_from_db()
    assert report.status == Report.Status.RESOLVED


def test_dispatch_needs_a_department_serving_the_street(api, world, areas):
    report = stored(world, Report.Status.ACCEPTED, department=None)
    headers = bearer(world["users"]["street_staff"])
    url = f"/api/v1/reports/queue/{report.public_id}/transition"
    status, body = api("post", url, body={"to_status": "dispatched"}, headers=headers)
    assert status == 422 and body["errors"][0]["field"] == "department"
    elsewhere = factories.department(areas["other_street"], name="小白楼环卫所")
    status, body = api(
        "post", url, body={"to_status": "dispatched", "department": str(elsewhere.public_id)}, headers=headers
    )
    assert status == 422 and body["errors"][0]["field"] == "department"
    district_dept = factories.department(areas["district"], name="和平区市容园林委")
    status, body = api(
        "post",
        url,
        body={"to_status": "dispatched", "department": str(district_dept.public_id)},
        headers=headers,
    )
    assert status == 200 and body["department"] == "和平区市容园林委"


def test_merge_links_the_duplicate_and_refuses_bad_originals(api, world, areas):
    headers = bearer(world["users"]["street_staff"])
    original = stored(world, Report.Status.IN_PROGRESS)
    report = stored(world, Report.Status.SUBMITTED)
    url = f"/api/v1/reports/queue/{report.public_id}/merge"
    # itself, another category, a rejected report, a report of another street: refused
    other_category = stored(world, Report.Status.SUBMITTED, category_code="dispute")
    rejected = stored(world, Report.Status.REJECTED)
    elsewhere = factories.make_report(areas["other_street"], point=factories.IN_XIAOBAILOU)
    for bad, expected in [(report, 409), (other_category, 409), (rejected, 409), (elsewhere, 404)]:
        status, _body = api("post", url, body={"original": str(bad.public_id)}, headers=headers)
        assert status == expected
    report.refresh_from_db()
    assert report.status == Report.Status.SUBMITTED
    status, body = api("post", url, body={"original": str(original.public_id)}, headers=headers)
    assert status == 200 and body["status"] == "duplicate" and body["duplicate_of"] == str(original.public_id)
    assert original.events.filter(kind=ReportEvent.Kind.MERGED).exists()


def test_bulk_transition_moves_each_it_may_and_reports_the_rest(api, world, areas):
    one = stored(world, Report.Status.SUBMITTED)
    two = stored(world, Report.Status.SUBMITTED)
    closed = stored(world, Report.Status.CLOSED)
    elsewhere = factories.make_report(areas["other_street"], point=factories.IN_XIAOBAILOU)
    ids = [str(report.public_id) for report in (one, two, closed, elsewhere)]
    status, body = api(
        "post",
        "/api/v1/reports/queue/bulk-transition",
        body={"ids": ids, "to_status": "accepted"},
        headers=bearer(world["users"]["street_staff"]),
    )
    assert status == 200
    assert [(item["ok"], item.get("code")) for item in body] == [
        (True, None),
        (True, None),
        (False, "transition_not_allowed"),
        (False, "not_found"),
    ]
    assert set(Report.objects.filter(status="accepted").values_list("pk", flat=True)) == {one.pk, two.pk}
    elsewhere.refresh_from_db()
    assert elsewhere.status == Report.Status.SUBMITTED


def test_the_reporter_sees_the_public_history_but_not_internal_events(api, world):
    report = stored(world, Report.Status.SUBMITTED)
    ReportEvent.objects.create(
        report=report, occurred_at=timezone.now(), kind=ReportEvent.Kind.ROUTED, note="内部", is_public=False
    )
    move(api, world, report, Report.Status.ACCEPTED, as_user=world["users"]["street_staff"])
    status, body = api(
        "get", f"/api/v1/reports/mine/{report.public_id}", headers=bearer(world["reporter"].user)
    )
    assert status == 200
    assert [event["to_status"] for event in body["history"]] == ["submitted", "accepted"]
    assert all(event["note"] != "内部" for event in body["history"])
