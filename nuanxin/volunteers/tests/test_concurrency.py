"""On PostgreSQL, simultaneous sign-ups never overbook a shift."""

import threading

import pytest

from nuanxin.core.errors import Conflict, ValidationFailed
from nuanxin.volunteers import services
from nuanxin.volunteers.models import SignUp

from .factories import make_shift, make_team, make_volunteer

THREADS = 8
CAPACITY = 3


@pytest.mark.postgres_only
def test_simultaneous_sign_ups_never_overbook_the_last_places(transactional_db, areas):
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks and real concurrency")
    team = make_team(areas["street"])
    shift = make_shift(team, capacity=CAPACITY)
    volunteers = [make_volunteer(team=team, name=f"队员{i}", id_number="") for i in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    outcomes = []

    def run(volunteer):
        barrier.wait()
        try:
            services.sign_up_create(actor=None, volunteer=volunteer, shift=shift)
            outcomes.append("done")
        except (ValidationFailed, Conflict) as error:
            outcomes.append(type(error).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(volunteer,)) for volunteer in volunteers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["ValidationFailed"] * (THREADS - CAPACITY) + ["done"] * CAPACITY
    assert SignUp.objects.filter(shift=shift, status="active").count() == CAPACITY
