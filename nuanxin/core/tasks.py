"""One interface for background work: `enqueue("dotted.path.to.function", **kwargs)`.

With NUANXIN_TASK_BACKEND="inline" (the default) the function runs in-process after the current
transaction commits, so a rolled-back request leaves no side effects. With "celery" it is sent to
the Celery worker (config/celery.py) once the transaction commits. Task functions take plain ids
and values, never model instances, and must be idempotent.
"""

import logging
from importlib import import_module

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)


def resolve(path):
    module_name, _, attribute = path.rpartition(".")
    return getattr(import_module(module_name), attribute)


def run_task(path, kwargs):
    """Run a task function by its dotted path. Used by the inline backend and the Celery worker."""
    return resolve(path)(**kwargs)


def enqueue(path, **kwargs):
    """Schedule `path(**kwargs)` to run once the current transaction commits."""
    backend = settings.NUANXIN_TASK_BACKEND
    if backend == "celery":
        from config.celery import run_registered_task

        transaction.on_commit(lambda: run_registered_task.delay(path, kwargs))
    elif backend == "inline":

        def _run():
            try:
                run_task(path, kwargs)
            except Exception:  # an inline task must not break the request that queued it
                logger.exception("inline task %s failed", path)

        transaction.on_commit(_run)
    else:
        raise ValueError(f"unknown NUANXIN_TASK_BACKEND {backend!r}")
