"""On PostgreSQL, many simultaneous redemptions never spend a point or a stock unit twice, a
redemption is refunded once however many press "refund" at once, and a refund racing a new
redemption of the same courier keeps the ledger balanced."""

import threading

import pytest

from nuanxin.core.errors import Conflict, DomainError
from nuanxin.couriers.tests.factories import make_courier
from nuanxin.merchants.tests.factories import make_merchant, merchant_account
from nuanxin.points import services
from nuanxin.points.models import LedgerEntry, Reward

from .factories import assert_ledger_balances, balance_points, make_reward, make_rule

THREADS = 8


def _run_together(function, arguments):
    from django.db import connections

    barrier = threading.Barrier(len(arguments))
    outcomes = []

    def run(argument):
        barrier.wait()
        try:
            function(argument)
            outcomes.append("done")
        except DomainError as error:
            outcomes.append(error.code if isinstance(error, Conflict) else type(error).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(argument,)) for argument in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def _require_postgres():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks and real concurrency")


@pytest.fixture
def shop(areas):
    account = merchant_account(areas["street"], username="wang")
    return account, make_merchant(areas["street"], accounts=[account], name="老王理发", kind="barber")


@pytest.mark.postgres_only
def test_parallel_redemptions_of_one_courier_never_overspend(transactional_db, areas, shop):
    _require_postgres()
    account, merchant = shop
    # given a courier with 250 points (three lots) and 8 codes for 8 rewards of 100 points each
    make_rule(areas["city"], code="gift", kind="event_attended", points_per_unit=1)
    courier = make_courier(area=areas["street"])
    for points in (100, 100, 50):
        services.points_award(actor=None, courier=courier, rule_code="gift", quantity=points)
    tokens = [
        services.redeem_code_issue(courier=courier, reward=make_reward(merchant, points_price=100, stock=3))[
            1
        ]
        for _ in range(THREADS)
    ]

    outcomes = _run_together(lambda token: services.redeem_code_confirm(actor=account, token=token), tokens)

    # then exactly two went through and the ledger balances to the point
    assert outcomes == ["done"] * 2 + ["not_enough_points"] * (THREADS - 2)
    assert balance_points(courier) == 50
    assert LedgerEntry.objects.filter(kind="spend").count() == 2
    assert sum(Reward.objects.values_list("stock", flat=True)) == 3 * THREADS - 2
    assert_ledger_balances(courier)


@pytest.mark.postgres_only
def test_parallel_redemptions_of_the_last_units_never_oversell(transactional_db, areas, shop):
    _require_postgres()
    account, merchant = shop
    make_rule(areas["city"], code="gift", kind="event_attended", points_per_unit=1)
    reward = make_reward(merchant, points_price=100, stock=3)
    couriers = [make_courier(area=areas["street"]) for _ in range(THREADS)]
    tokens = []
    for courier in couriers:
        services.points_award(actor=None, courier=courier, rule_code="gift", quantity=100)
        tokens.append(services.redeem_code_issue(courier=courier, reward=reward)[1])

    outcomes = _run_together(lambda token: services.redeem_code_confirm(actor=account, token=token), tokens)

    assert outcomes == ["done"] * 3 + ["out_of_stock"] * (THREADS - 3)
    assert Reward.objects.get(pk=reward.pk).stock == 0
    assert sorted(balance_points(courier) for courier in couriers) == [0] * 3 + [100] * (THREADS - 3)
    for courier in couriers:
        assert_ledger_balances(courier)


@pytest.mark.postgres_only
def test_one_code_confirmed_by_many_at_once_is_spent_once(transactional_db, areas, shop):
    _require_postgres()
    account, merchant = shop
    make_rule(areas["city"], code="gift", kind="event_attended", points_per_unit=1)
    courier = make_courier(area=areas["street"])
    services.points_award(actor=None, courier=courier, rule_code="gift", quantity=1000)
    _code, token = services.redeem_code_issue(
        courier=courier, reward=make_reward(merchant, points_price=100, stock=50)
    )

    outcomes = _run_together(
        lambda _index: services.redeem_code_confirm(actor=account, token=token), range(THREADS)
    )

    assert outcomes == ["already_used"] * (THREADS - 1) + ["done"]
    assert balance_points(courier) == 900
    assert_ledger_balances(courier)


@pytest.mark.postgres_only
def test_parallel_refunds_of_one_redemption_give_the_points_back_once(transactional_db, areas, shop):
    _require_postgres()
    from nuanxin.accounts.models import Role
    from nuanxin.accounts.tests.factories import staff

    account, merchant = shop
    street_staff = staff(Role.STREET_STAFF, areas["street"], username="street")
    make_rule(areas["city"], code="gift", kind="event_attended", points_per_unit=1)
    courier = make_courier(area=areas["street"])
    services.points_award(actor=None, courier=courier, rule_code="gift", quantity=300)
    reward = make_reward(merchant, points_price=100, stock=5)
    _code, token = services.redeem_code_issue(courier=courier, reward=reward)
    code = services.redeem_code_confirm(actor=account, token=token)

    # the merchant and the street staff press "refund" at once, four times each
    actors = [account, street_staff] * (THREADS // 2)
    outcomes = _run_together(
        lambda actor: services.redeem_code_refund(actor=actor, code=code, reason="重复点击"), actors
    )

    assert outcomes == ["already_refunded"] * (THREADS - 1) + ["done"]
    assert balance_points(courier) == 300
    assert Reward.objects.get(pk=reward.pk).stock == 5
    assert LedgerEntry.objects.filter(kind="refund").count() == 1
    assert_ledger_balances(courier)


@pytest.mark.postgres_only
def test_a_refund_racing_a_new_redemption_keeps_the_ledger_balanced(transactional_db, areas, shop):
    _require_postgres()
    account, merchant = shop
    make_rule(areas["city"], code="gift", kind="event_attended", points_per_unit=1)
    first = make_reward(merchant, title="理发", points_price=100, stock=THREADS)
    second = make_reward(merchant, title="洗头", points_price=100, stock=THREADS)
    # given four couriers with 100 points each: each spent them on a haircut and holds a code for
    # a wash (issued while the points were still there)
    work = []
    couriers = []
    for _ in range(THREADS // 2):
        courier = make_courier(area=areas["street"])
        services.points_award(actor=None, courier=courier, rule_code="gift", quantity=100)
        _code, haircut = services.redeem_code_issue(courier=courier, reward=first)
        _code, wash = services.redeem_code_issue(courier=courier, reward=second)
        spent = services.redeem_code_confirm(actor=account, token=haircut)
        couriers.append((courier, spent))
        # when the haircut is refunded at the same moment as the wash is confirmed
        work.append(("refund", spent))
        work.append(("confirm", wash))

    def run(item):
        kind, value = item
        if kind == "refund":
            services.redeem_code_refund(actor=account, code=value, reason="理发师请假")
        else:
            services.redeem_code_confirm(actor=account, token=value)

    outcomes = _run_together(run, work)

    # then every refund went through; a wash went through only where the refund came first; and
    # each courier's ledger balances to the point, never below zero
    washes = LedgerEntry.objects.filter(kind="spend", redeem_code__reward=second).count()
    half = THREADS // 2
    assert outcomes == sorted(["done"] * (half + washes) + ["not_enough_points"] * (half - washes))
    assert LedgerEntry.objects.filter(kind="refund").count() == THREADS // 2
    assert Reward.objects.get(pk=first.pk).stock == THREADS
    assert Reward.objects.get(pk=second.pk).stock == THREADS - washes
    for courier, _spent in couriers:
        assert_ledger_balances(courier)
    assert sum(balance_points(courier) for courier, _spent in couriers) == 100 * (THREADS // 2 - washes)
