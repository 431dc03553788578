"""With NUANXIN_TASK_BACKEND=celery, `enqueue` reaches a real Celery worker through Redis."""

import socket
import time

import pytest
from django.db import transaction
from django.test import override_settings

from nuanxin.core import tasks

RECEIVED = []


def remember(value):
    RECEIVED.append(value)


def _redis_answers():
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_answers(), reason="no Redis on 127.0.0.1:6379")
@override_settings(NUANXIN_TASK_BACKEND="celery")
def test_celery_worker_runs_the_enqueued_task_after_commit(transactional_db):
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    app.conf.broker_url = "redis://127.0.0.1:6379/15"
    app.conf.result_backend = None
    RECEIVED.clear()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        with transaction.atomic():
            tasks.enqueue("nuanxin.core.tests.test_celery_backend.remember", value="hello")
        deadline = time.monotonic() + 15
        while not RECEIVED and time.monotonic() < deadline:
            time.sleep(0.05)
    assert RECEIVED == ["hello"]
