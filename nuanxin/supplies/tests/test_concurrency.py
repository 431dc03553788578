"""On PostgreSQL, simultaneous hand-outs and care packages never take more than the stock."""

import threading

import pytest

from nuanxin.care.models import ServiceRecord
from nuanxin.core.errors import Conflict, ValidationFailed
from nuanxin.couriers.tests.factories import make_courier
from nuanxin.stations.tests.factories import make_station
from nuanxin.supplies.models import CarePackageGrant, StockMovement
from nuanxin.supplies.services import care_package_grant, stock_hand_out

from .factories import make_campaign, make_item, put_stock, quantity_of

THREADS = 8
STOCK = 3


def _run_together(function, arguments):
    from django.db import connections

    barrier = threading.Barrier(len(arguments))
    outcomes = []

    def run(argument):
        barrier.wait()
        try:
            function(argument)
            outcomes.append("done")
        except (ValidationFailed, Conflict) as error:
            outcomes.append(type(error).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(argument,)) for argument in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


@pytest.mark.postgres_only
def test_simultaneous_hand_outs_never_make_the_stock_negative(transactional_db, areas, users):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks and real concurrency")
    # given 3 bottles and 8 couriers served at the same moment
    station = make_station(areas["street"], steward=users["steward"])
    water = make_item("矿泉水")
    put_stock(station, water, STOCK)
    couriers = [make_courier(area=areas["street"]) for _ in range(THREADS)]

    outcomes = _run_together(
        lambda courier: stock_hand_out(
            actor=users["steward"], station=station, item=water, quantity=1, courier=courier
        ),
        couriers,
    )

    # then exactly 3 got one, 5 were refused, and the ledger agrees with the balance
    assert outcomes == ["ValidationFailed"] * (THREADS - STOCK) + ["done"] * STOCK
    assert quantity_of(station, water) == 0
    assert StockMovement.objects.filter(kind="hand_out").count() == STOCK
    assert sorted(StockMovement.objects.values_list("balance_after", flat=True)) == [0, 1, 2]
    assert ServiceRecord.objects.count() == STOCK


@pytest.mark.postgres_only
def test_one_courier_given_a_care_package_twice_at_once_gets_one(transactional_db, areas, users):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks and real concurrency")
    station = make_station(areas["street"], steward=users["steward"])
    water = make_item("矿泉水")
    put_stock(station, water, 10)
    campaign = make_campaign(areas["street"], [(water, 2)])
    courier = make_courier(area=areas["street"])

    outcomes = _run_together(
        lambda actor: care_package_grant(actor=actor, campaign=campaign, station=station, courier=courier),
        [users["steward"], users["street_staff"], users["district_staff"], users["city_staff"]],
    )

    assert outcomes == ["Conflict"] * 3 + ["done"]
    assert CarePackageGrant.objects.count() == 1
    assert quantity_of(station, water) == 8
