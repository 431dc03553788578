"""The Celery application, used when NUANXIN_TASK_BACKEND=celery.

Start a worker with: `celery -A config.celery worker -l info`.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("nuanxin")
app.config_from_object("django.conf:settings", namespace="CELERY")


@app.task(name="nuanxin.run_task", bind=True, max_retries=5, default_retry_delay=30)
def run_registered_task(self, path, kwargs):
    from nuanxin.core.tasks import run_task

    try:
        return run_task(path, kwargs)
    except Exception as exc:  # retried with back-off; the task itself is idempotent
        raise self.retry(exc=exc, countdown=30 * (2**self.request.retries)) from exc
