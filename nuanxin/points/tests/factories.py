"""Factories for the points tests."""

from nuanxin.points.models import Balance, EarnRule, LedgerEntry, Lot, Reward


def make_rule(
    area, *, code="manual", kind=EarnRule.Kind.MANUAL, points_per_unit=10, daily_cap=None, **fields
):
    return EarnRule.objects.create(
        area=area,
        code=code,
        name=fields.pop("name", code),
        kind=kind,
        points_per_unit=points_per_unit,
        daily_cap=daily_cap,
        **fields,
    )


def make_reward(merchant, *, title="爱心理发", points_price=100, stock=5, **fields):
    return Reward.objects.create(
        merchant=merchant, title=title, points_price=points_price, stock=stock, **fields
    )


def balance_points(courier):
    return Balance.objects.filter(courier=courier).values_list("points", flat=True).first() or 0


def assert_ledger_balances(courier, *, at=None):
    """The invariant: balance row == sum of entries == what is left in unexpired-or-unprocessed lots,
    and each entry's balance_after is the running sum. With `at` (a moment after which the due lots
    were expired by a write or the job): the balance is exactly what is left in lots unexpired at `at`."""
    entries = list(LedgerEntry.objects.filter(courier=courier).order_by("id"))
    running = 0
    for entry in entries:
        running += entry.points
        assert entry.balance_after == running, entry
    assert balance_points(courier) == running
    assert sum(Lot.objects.filter(courier=courier).values_list("remaining", flat=True)) == running
    if at is not None:
        live = Lot.objects.filter(courier=courier, expires_at__gt=at).values_list("remaining", flat=True)
        assert sum(live) == running
    assert running >= 0
