"""The ledger: awards, idempotency, daily caps, append-only entries, reversals, lots and expiry."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from nuanxin.care.models import ServiceRecord
from nuanxin.care.records import service_record_create
from nuanxin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from nuanxin.couriers.tests.factories import make_courier
from nuanxin.points import services
from nuanxin.points.models import Balance, LedgerEntry, LedgerIsAppendOnly, Lot

from .factories import assert_ledger_balances, balance_points, make_reward, make_rule

NOON = timezone.make_aware(datetime.datetime(2026, 3, 2, 12, 0))


def award(users, courier, points, *, at=NOON, rule_code="manual"):
    return services.points_award(
        actor=users["street_staff"], courier=courier, rule_code=rule_code, quantity=points // 10, at=at
    )


def test_an_award_writes_an_entry_a_lot_and_the_balance(users, rules, me):
    result = services.points_award(
        actor=users["street_staff"], courier=me, rule_code="manual", quantity=3, at=NOON
    )

    assert result.is_new and result.entry.points == 30 and result.entry.balance_after == 30
    lot = Lot.objects.get()
    assert lot.remaining == 30 and lot.expires_at == NOON + datetime.timedelta(days=365)
    assert balance_points(me) == 30
    assert_ledger_balances(me)


def test_an_award_for_the_same_source_is_given_once(users, rules, me, areas):
    record = service_record_create(
        actor=None, kind=ServiceRecord.Kind.OTHER, courier=me, area=areas["street"]
    )

    first = services.points_award(actor=None, courier=me, rule_code="street-report", source=record, at=NOON)
    again = services.points_award(actor=None, courier=me, rule_code="street-report", source=record, at=NOON)

    assert first.is_new and not again.is_new and again.entry == first.entry
    assert LedgerEntry.objects.count() == 1 and balance_points(me) == 5


def test_a_daily_cap_clips_an_award_then_refuses_with_nothing_changed(rules, me):
    # given 15 of the 20 daily points of the report rule already earned today
    services.points_award(actor=None, courier=me, rule_code="street-report", quantity=3, at=NOON)

    clipped = services.points_award(actor=None, courier=me, rule_code="street-report", quantity=2, at=NOON)
    assert clipped.is_clipped and clipped.entry.points == 5
    assert clipped.message == "已按每日上限发放：申请 10 积分，实际发放 5 积分。"

    with pytest.raises(services.DailyCapReached) as refused:
        services.points_award(actor=None, courier=me, rule_code="street-report", at=NOON)
    assert "每日上限 20 积分" in refused.value.text()
    assert balance_points(me) == 20 and LedgerEntry.objects.count() == 2

    # the next day (Asia/Shanghai) the cap starts again
    tomorrow = services.points_award(
        actor=None, courier=me, rule_code="street-report", at=NOON + datetime.timedelta(hours=12)
    )
    assert tomorrow.entry.points == 5


@pytest.mark.parametrize(
    ("rule_code", "quantity", "field"),
    [
        ("nope", 1, "rule_code"),
        ("manual", 0, "quantity"),
        ("manual", -2, "quantity"),
        ("manual", 5000, "quantity"),
    ],
)
def test_bad_awards_are_refused_with_a_field_message(users, rules, me, rule_code, quantity, field):
    with pytest.raises(ValidationFailed) as refused:
        services.points_award(actor=users["street_staff"], courier=me, rule_code=rule_code, quantity=quantity)
    assert field in refused.value.errors
    assert not LedgerEntry.objects.exists() and not Balance.objects.filter(points__gt=0).exists()


def test_manual_awards_need_staff_of_the_couriers_area(users, rules, me):
    with pytest.raises(NotFound):
        services.points_award(actor=users["other_street_staff"], courier=me, rule_code="manual")
    with pytest.raises(PermissionDenied):
        services.points_award(actor=users["steward"], courier=me, rule_code="manual")
    with pytest.raises(PermissionDenied):
        services.points_award(actor=None, courier=me, rule_code="manual")
    assert not LedgerEntry.objects.exists()


def test_ledger_entries_cannot_be_updated_or_deleted(users, rules, me):
    entry = award(users, me, 30).entry

    entry.points = 3000
    with pytest.raises(LedgerIsAppendOnly):
        entry.save()
    with pytest.raises(LedgerIsAppendOnly):
        entry.delete()
    with pytest.raises(LedgerIsAppendOnly):
        LedgerEntry.objects.filter(pk=entry.pk).update(points=3000)
    with pytest.raises(LedgerIsAppendOnly):
        LedgerEntry.objects.all().delete()
    # and the database refuses a raw UPDATE too
    with pytest.raises(Exception), transaction.atomic(), connection.cursor() as cursor:  # noqa: B017
        cursor.execute("UPDATE points_ledgerentry SET points = 3000 WHERE id = %s", [entry.pk])
    assert LedgerEntry.objects.get().points == 30


def test_the_database_refuses_a_negative_balance(users, rules, me):
    award(users, me, 30)
    with pytest.raises(IntegrityError), transaction.atomic():
        Balance.objects.filter(courier=me).update(points=-1)
    assert balance_points(me) == 30


def test_a_correction_is_a_reverse_entry_given_once(users, rules, me):
    entry = award(users, me, 30).entry

    reversal = services.points_entry_reverse(actor=users["street_staff"], entry=entry, note="重复发放")

    assert reversal.kind == "reversal" and reversal.points == -30 and reversal.reverses == entry
    assert balance_points(me) == 0 and LedgerEntry.objects.get(pk=entry.pk).points == 30
    with pytest.raises(Conflict):
        services.points_entry_reverse(actor=users["street_staff"], entry=entry, note="again")
    assert_ledger_balances(me)


def test_points_already_spent_cannot_be_reversed(users, rules, me, shops):
    entry = award(users, me, 100).entry
    _code, token = services.redeem_code_issue(courier=me, reward=shops["haircut"], at=NOON)
    services.redeem_code_confirm(actor=shops["wang"], token=token, at=NOON)

    with pytest.raises(Conflict) as refused:
        services.points_entry_reverse(actor=users["street_staff"], entry=entry, note="错了")

    assert refused.value.code == "points_already_used"
    assert balance_points(me) == 0 and LedgerEntry.objects.count() == 2


def test_spending_takes_the_oldest_lots_first(users, rules, me, shops):
    # given three lots earned on three days
    old = award(users, me, 60, at=NOON).entry
    middle = award(users, me, 60, at=NOON + datetime.timedelta(days=1)).entry
    new = award(users, me, 60, at=NOON + datetime.timedelta(days=2)).entry

    # when 100 points are spent
    reward = make_reward(shops["barber"], points_price=100)
    _code, token = services.redeem_code_issue(courier=me, reward=reward, at=NOON + datetime.timedelta(days=3))
    services.redeem_code_confirm(actor=shops["wang"], token=token, at=NOON + datetime.timedelta(days=3))

    # then the oldest lot is emptied, the middle one is drawn from, the newest is untouched
    remaining = {lot.entry_id: lot.remaining for lot in Lot.objects.all()}
    assert remaining == {old.pk: 0, middle.pk: 20, new.pk: 60}
    assert_ledger_balances(me)


def test_the_expiry_job_expires_what_is_left_of_due_lots_once(users, rules, me, shops, settings):
    settings.NUANXIN_POINTS_LOT_LIFE_DAYS = 30
    award(users, me, 100, at=NOON)
    award(users, me, 50, at=NOON + datetime.timedelta(days=10))
    _code, token = services.redeem_code_issue(
        courier=me, reward=make_reward(shops["barber"], points_price=70), at=NOON
    )
    services.redeem_code_confirm(actor=shops["wang"], token=token, at=NOON)

    day_31 = NOON + datetime.timedelta(days=31)
    out = io.StringIO()
    call_command("points_expire", at=day_31.isoformat(), stdout=out)
    call_command("points_expire", at=day_31.isoformat(), stdout=out)

    expiry = LedgerEntry.objects.get(kind="expire")
    assert expiry.points == -30 and expiry.occurred_at == day_31
    assert balance_points(me) == 50
    assert "1 expiry entries" in out.getvalue()
    assert_ledger_balances(me)


def test_a_redemption_never_spends_expired_points(users, rules, me, shops, settings):
    settings.NUANXIN_POINTS_LOT_LIFE_DAYS = 30
    award(users, me, 100, at=NOON)
    code, token = services.redeem_code_issue(courier=me, reward=shops["haircut"], at=NOON)
    # the job has not run, but the lot is due when the merchant scans
    later = NOON + datetime.timedelta(days=31)
    code.expires_at = later + datetime.timedelta(minutes=1)
    code.save(update_fields=["expires_at"])

    with pytest.raises(Conflict) as refused:
        services.redeem_code_confirm(actor=shops["wang"], token=token, at=later)

    assert refused.value.code == "not_enough_points"
    # the refusal rolled everything back, also the expiry the confirmation had written
    assert (
        balance_points(me) == 100
        and shops["haircut"].__class__.objects.get(pk=shops["haircut"].pk).stock == 5
    )
    assert_ledger_balances(me)


def test_event_attendance_earns_points_once_per_attendance(areas, me):
    make_rule(areas["city"], code="event", kind="event_attended", points_per_unit=15)
    service_record_create(
        actor=None, kind=ServiceRecord.Kind.EVENT_ATTENDANCE, courier=me, area=areas["street"]
    )
    other = make_courier(area=areas["street"])
    service_record_create(
        actor=None, kind=ServiceRecord.Kind.EVENT_ATTENDANCE, courier=other, area=areas["street"]
    )
    service_record_create(actor=None, kind=ServiceRecord.Kind.MEAL, courier=me, area=areas["street"])

    assert services.points_award_event_attendance() == 2
    assert services.points_award_event_attendance() == 0
    assert balance_points(me) == 15 and balance_points(other) == 15


def test_verified_street_reports_earn_points_once_and_unverified_ones_nothing(areas, me):
    from nuanxin.reports.models import Report
    from nuanxin.reports.tests.factories import make_report

    # given a street-report rule and reports in several states
    make_rule(areas["city"], code="street-report", kind="street_report", points_per_unit=5)
    make_report(areas["street"], reporter=me, status=Report.Status.ACCEPTED)
    make_report(areas["street"], reporter=me, status=Report.Status.SUBMITTED)  # not yet verified
    rejected = make_report(areas["street"], reporter=me, status=Report.Status.ACCEPTED)
    Report.objects.filter(pk=rejected.pk).update(status=Report.Status.REJECTED)  # accepted, then rejected
    make_report(areas["street"], reporter=None, status=Report.Status.ACCEPTED)  # filed over Open311

    # when the sync runs twice
    first, second = services.points_award_street_reports(), services.points_award_street_reports()

    # then only the verified report of a courier earned, once
    assert (first, second) == (1, 0)
    assert balance_points(me) == 5
    assert_ledger_balances(me)
