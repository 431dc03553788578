"""Background tasks of messaging: thin, id-taking, idempotent (a sent or failed delivery is skipped)."""

from . import services


def deliveries_send(*, delivery_ids):
    """Attempt the given deliveries that are due (queued at publication and by a staff retry)."""
    return services.deliveries_send(delivery_ids=delivery_ids)


def deliveries_send_due():
    """Attempt every delivery whose (re)try time has come. Run every minute (cron or Celery beat)."""
    return services.deliveries_send_due()
