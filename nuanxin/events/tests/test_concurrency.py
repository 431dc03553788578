"""Concurrent sign-ups on PostgreSQL never overbook: the event row lock serialises the seat count."""

import threading

import pytest

from nuanxin.couriers.tests.factories import make_courier
from nuanxin.events.models import Signup
from nuanxin.events.services import signup_create

from .factories import make_event

THREADS = 8
CAPACITY = 3


@pytest.mark.postgres_only
def test_simultaneous_sign_ups_never_exceed_the_capacity(transactional_db, areas):
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks and real concurrency")
    # given an event with 3 seats and 8 couriers pressing "sign up" at the same moment
    event = make_event(areas["street"], capacity=CAPACITY)
    couriers = [make_courier(area=areas["street"]) for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    outcomes = []

    def sign_up(courier):
        barrier.wait()
        try:
            outcomes.append(signup_create(courier=courier, event=event).status)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign_up, args=(courier,)) for courier in couriers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then exactly 3 are confirmed and 5 wait, in the database as in the answers
    assert sorted(outcomes) == ["confirmed"] * CAPACITY + ["waitlisted"] * (THREADS - CAPACITY)
    assert Signup.objects.filter(event=event, status="confirmed").count() == CAPACITY
    assert Signup.objects.filter(event=event, status="waitlisted").count() == THREADS - CAPACITY


@pytest.mark.postgres_only
def test_one_courier_signing_up_twice_at_once_gets_one_sign_up(transactional_db, areas):
    from django.db import connection, connections

    from nuanxin.core.errors import Conflict

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks and real concurrency")
    event = make_event(areas["street"], capacity=5)
    courier = make_courier(area=areas["street"])
    barrier = threading.Barrier(4)
    outcomes = []

    def sign_up():
        barrier.wait()
        try:
            signup_create(courier=courier, event=event)
            outcomes.append("created")
        except Conflict:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign_up) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["created", "refused", "refused", "refused"]
    assert Signup.objects.filter(event=event).count() == 1
