"""Corrections are reverse entries: awards of street reports later rejected or merged as duplicates,
and of volunteer hours later corrected, are taken back by the hourly sync — partially when some of
the points were already spent or expired, once and for all."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from nuanxin.accounts.tests.factories import bearer
from nuanxin.core.models import AuditEntry
from nuanxin.points import services, tasks
from nuanxin.points.models import LedgerEntry
from nuanxin.reports import services as report_services
from nuanxin.reports.models import Report
from nuanxin.reports.tests.factories import department, make_report

from .factories import assert_ledger_balances, balance_points, make_reward, make_rule


@pytest.fixture
def report_rule(areas):
    return make_rule(areas["city"], code="report", kind="street_report", points_per_unit=100)


def number(report):
    return report.public_id.hex[:8].upper()


def accepted_report(areas, users, reporter):
    report = make_report(areas["street"], reporter=reporter)
    return report_services.report_transition(
        actor=users["street_staff"], report=report, to_status=Report.Status.ACCEPTED
    )


def move(users, report, to_status, note="", **fields):
    return report_services.report_transition(
        actor=users["street_staff"], report=report, to_status=to_status, note=note, **fields
    )


def history(api, courier):
    status, entries = api("get", "/api/v1/me/points/entries", headers=bearer(courier.user))
    assert status == 200
    return entries


def spend(courier, shops, points, at=None):
    reward = make_reward(shops["barber"], title=f"用{points}积分", points_price=points, stock=1)
    _code, token = services.redeem_code_issue(courier=courier, reward=reward, at=at)
    return services.redeem_code_confirm(actor=shops["wang"], token=token, at=at)


def reversal_audit(entry):
    return AuditEntry.objects.get(object_type="points.ledgerentry", object_id=str(entry["id"]))


# --- street reports ---------------------------------------------------------------------------


def test_a_report_rejected_after_its_award_loses_its_points_once(api, areas, users, report_rule, me):
    # given a report staff accepted and the sync rewarded
    report = accepted_report(areas, users, me)
    assert tasks.award_sync()["reports"] == 1
    assert balance_points(me) == 100

    # when staff reject it afterwards and the sync runs (twice)
    move(users, report, Report.Status.REJECTED, note="不属于本街道管辖")
    first, second = tasks.award_sync(), tasks.award_sync()

    # then the courier's history shows a correction naming the report and the reason, written once
    assert (first["report_reversals"], second["report_reversals"]) == (1, 0)
    newest = history(api, me)[0]
    assert newest["kind"] == "reversal" and newest["points"] == -100
    assert number(report) in newest["note"] and "不属于本街道管辖" in newest["note"]
    assert balance_points(me) == 0 and LedgerEntry.objects.filter(kind="reversal").count() == 1
    assert reversal_audit(newest).changes["shortfall"] == 0
    assert_ledger_balances(me, at=timezone.now())


def test_a_report_merged_as_a_duplicate_after_its_award_loses_its_points(api, areas, users, report_rule, me):
    original = accepted_report(areas, users, me)
    duplicate = accepted_report(areas, users, me)
    tasks.award_sync()
    assert balance_points(me) == 200

    report_services.report_merge(actor=users["street_staff"], report=duplicate, original=original)
    tasks.award_sync()

    newest = history(api, me)[0]
    assert newest["kind"] == "reversal" and newest["points"] == -100
    assert number(duplicate) in newest["note"] and number(original) in newest["note"]
    # the original keeps its award
    assert balance_points(me) == 100
    assert_ledger_balances(me, at=timezone.now())


def test_a_report_returned_by_the_department_then_rejected_loses_its_points_once(
    api, areas, users, report_rule, me
):
    # given accepted (awarded), dispatched, returned as not theirs (accepted again), then rejected
    report = accepted_report(areas, users, me)
    tasks.award_sync()
    dept = department(areas["street"])
    move(users, report, Report.Status.DISPATCHED, department=dept)
    tasks.award_sync()
    move(users, report, Report.Status.ACCEPTED, note="不归我们管")
    assert tasks.award_sync()["reports"] == 0  # accepted twice, awarded once
    move(users, report, Report.Status.REJECTED, note="私人场所")

    counts = tasks.award_sync()

    assert counts["report_reversals"] == 1
    assert [(entry["kind"], entry["points"]) for entry in history(api, me)] == [
        ("reversal", -100),
        ("earn", 100),
    ]
    assert_ledger_balances(me, at=timezone.now())


def test_points_partly_spent_are_reversed_as_far_as_the_lot_goes(api, areas, users, report_rule, me, shops):
    # given 100 points from a report, 60 of them spent at the barber
    report = accepted_report(areas, users, me)
    tasks.award_sync()
    spend(me, shops, 60)

    # when the report is rejected
    move(users, report, Report.Status.REJECTED, note="照片与描述不符")
    tasks.award_sync()

    # then the 40 left are taken back; the note and the audit row name the 60 short
    newest = history(api, me)[0]
    assert newest["kind"] == "reversal" and newest["points"] == -40
    assert "60" in newest["note"] and number(report) in newest["note"]
    audit = reversal_audit(newest)
    assert audit.changes["shortfall"] == 60 and audit.changes["awarded"] == 100 and audit.changes["partial"]
    assert balance_points(me) == 0
    # and it is never tried again
    assert tasks.award_sync()["report_reversals"] == 0
    assert LedgerEntry.objects.filter(kind="reversal").count() == 1
    assert_ledger_balances(me, at=timezone.now())


def test_points_all_spent_leave_a_zero_correction_and_other_points_untouched(
    api, areas, users, report_rule, me, shops
):
    # given 100 points from a report (the oldest lot) and a later manual award of 50
    make_rule(areas["city"], code="manual", points_per_unit=10)
    report = accepted_report(areas, users, me)
    tasks.award_sync()
    services.points_award(
        actor=users["street_staff"],
        courier=me,
        rule_code="manual",
        quantity=5,
        at=timezone.now() + datetime.timedelta(seconds=1),
    )
    # and 100 spent, all drawn from the report's lot
    spend(me, shops, 100, at=timezone.now() + datetime.timedelta(seconds=2))

    move(users, report, Report.Status.REJECTED, note="重复提交")
    tasks.award_sync()
    tasks.award_sync()

    # then a 0-point correction records that nothing was left, and the manual 50 stay
    reversals = list(LedgerEntry.objects.filter(kind="reversal"))
    assert len(reversals) == 1 and reversals[0].points == 0
    assert "100" in reversals[0].note
    assert balance_points(me) == 50
    assert_ledger_balances(me)


def test_expired_points_are_not_reversed_twice(areas, users, report_rule, me, settings):
    settings.NUANXIN_POINTS_LOT_LIFE_DAYS = 30
    report = accepted_report(areas, users, me)
    tasks.award_sync()
    later = timezone.now() + datetime.timedelta(days=31)

    move(users, report, Report.Status.REJECTED, note="过期后驳回", now=later)
    counts = services.points_sync(at=later)

    # the lot expired first (an expiry entry), so the correction takes back nothing and says why
    assert counts["report_reversals"] == 1
    kinds = list(LedgerEntry.objects.order_by("id").values_list("kind", "points"))
    assert kinds == [("earn", 100), ("expire", -100), ("reversal", 0)]
    assert balance_points(me) == 0
    assert_ledger_balances(me, at=later)


def test_the_sync_command_reports_the_reversals(areas, users, report_rule, me):
    report = accepted_report(areas, users, me)
    call_command("points_award_sync", stdout=io.StringIO())
    move(users, report, Report.Status.REJECTED, note="驳回")
    out = io.StringIO()

    call_command("points_award_sync", stdout=out)

    assert "1 street-report reversals" in out.getvalue()
    assert balance_points(me) == 0


# --- staff corrections through the API ----------------------------------------------------------


def test_staff_reversal_is_full_by_default_and_partial_on_request(api, auth, areas, users, me, shops):
    make_rule(areas["city"], code="manual", points_per_unit=10)
    entry = services.points_award(
        actor=users["street_staff"], courier=me, rule_code="manual", quantity=10
    ).entry
    spend(me, shops, 30)
    url = f"/api/v1/manage/points/entries/{entry.public_id}/reverse"

    status, body = api("post", url, {"note": "发错了"}, auth("street_staff"))
    assert status == 409 and body["code"] == "points_already_used"
    assert api("post", url, {"note": "发错了", "partial": True}, auth("other_street_staff"))[0] == 404
    assert balance_points(me) == 70 and not LedgerEntry.objects.filter(kind="reversal").exists()

    status, body = api("post", url, {"note": "发错了", "partial": True}, auth("street_staff"))

    assert status == 201 and body["points"] == -70 and body["note"].startswith("发错了 · ")
    assert "30" in body["note"]
    assert balance_points(me) == 0
    status, body = api("post", url, {"note": "again", "partial": True}, auth("street_staff"))
    assert status == 409 and body["code"] == "already_reversed"
    assert_ledger_balances(me)


# --- volunteer hours --------------------------------------------------------------------------


@pytest.fixture
def volunteering(areas, users):
    from nuanxin.volunteers.tests.factories import make_shift, make_team, make_volunteer

    make_rule(areas["city"], code="hours", kind="volunteer_hour", points_per_unit=10)
    team = make_team(areas["street"])
    volunteer = make_volunteer(team=team, name="李四")
    shift = make_shift(team, starts_at=timezone.now() - datetime.timedelta(days=1), hours=2)
    return volunteer, shift


def approved(users, volunteer, shift):
    from nuanxin.volunteers import services as volunteer_services
    from nuanxin.volunteers.tests.factories import served_sign_up

    sign_up = served_sign_up(shift, volunteer)
    volunteer_services.hours_approve(actor=users["street_staff"], sign_up=sign_up)
    return sign_up


def correct(users, sign_up, minutes):
    from nuanxin.volunteers import services as volunteer_services

    correction = volunteer_services.correction_request(
        actor=sign_up.volunteer.courier.user,
        sign_up=sign_up,
        requested_minutes=minutes,
        reason="签退时间有误",
    )
    volunteer_services.correction_resolve(actor=users["street_staff"], correction=correction, accept=True)


def test_corrected_volunteer_hours_are_reversed_partially_and_awarded_anew(api, users, volunteering, shops):
    volunteer, shift = volunteering
    courier = volunteer.courier
    # given 2 approved hours → 20 points, 15 of them spent
    sign_up = approved(users, volunteer, shift)
    assert tasks.award_sync()["hours"] == 1
    spend(courier, shops, 15)

    # when the organizer corrects the hours to 1 and the sync runs (twice)
    correct(users, sign_up, 60)
    first, second = tasks.award_sync(), tasks.award_sync()

    # then the 5 left of the old award are taken back (15 short, recorded), and 1 hour is awarded
    assert (first["hour_reversals"], first["hours"]) == (1, 1)
    assert (second["hour_reversals"], second["hours"]) == (0, 0)
    kinds = [(entry["kind"], entry["points"]) for entry in history(api, courier)]
    assert kinds == [("earn", 10), ("reversal", -5), ("spend", -15), ("earn", 20)]
    reversal = history(api, courier)[1]
    assert timezone.localtime(shift.starts_at).date().isoformat() in reversal["note"]
    assert "15" in reversal["note"]
    assert reversal_audit(reversal).changes["shortfall"] == 15
    assert balance_points(courier) == 10
    assert_ledger_balances(courier, at=timezone.now())


def test_two_corrections_between_syncs_still_reverse_the_first_award(api, users, volunteering):
    volunteer, shift = volunteering
    courier = volunteer.courier
    sign_up = approved(users, volunteer, shift)
    tasks.award_sync()

    correct(users, sign_up, 90)
    correct(users, sign_up, 60)
    counts = tasks.award_sync()

    assert (counts["hour_reversals"], counts["hours"]) == (1, 1)
    assert [(entry["kind"], entry["points"]) for entry in history(api, courier)] == [
        ("earn", 10),
        ("reversal", -20),
        ("earn", 20),
    ]
    assert balance_points(courier) == 10
    assert_ledger_balances(courier, at=timezone.now())
