import pytest
from django.db import transaction
from django.test import override_settings

from nuanxin.core import tasks

CALLS = []


def record_call(value):
    CALLS.append(value)


@pytest.fixture(autouse=True)
def _clear():
    CALLS.clear()


@override_settings(NUANXIN_TASK_BACKEND="inline")
def test_inline_task_runs_after_commit(django_db_blocker, transactional_db):
    with transaction.atomic():
        tasks.enqueue("nuanxin.core.tests.test_tasks.record_call", value=7)
        assert CALLS == []
    assert CALLS == [7]


@override_settings(NUANXIN_TASK_BACKEND="inline")
def test_inline_task_does_not_run_when_the_transaction_rolls_back(transactional_db):
    with pytest.raises(RuntimeError), transaction.atomic():
        tasks.enqueue("nuanxin.core.tests.test_tasks.record_call", value=8)
        raise RuntimeError("boom")
    assert CALLS == []


@override_settings(NUANXIN_TASK_BACKEND="nonsense")
def test_unknown_backend_is_refused(db):
    with pytest.raises(ValueError):
        tasks.enqueue("nuanxin.core.tests.test_tasks.record_call", value=1)


def test_every_periodic_task_names_a_real_function():
    # A typo in CELERY_BEAT_SCHEDULE would only show in production's beat log; catch it here.
    from django.conf import settings

    from nuanxin.core.tasks import resolve

    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] == "nuanxin.run_task", name
        path, kwargs = entry["args"]
        assert callable(resolve(path)), name
        assert isinstance(kwargs, dict), name
