"""Background tasks of events: thin, idempotent (run by nuanxin.core.tasks / Celery beat)."""

from .reminders import event_reminders_send


def send_reminders():
    """Every 10 minutes: send the reminders before events that are due. Idempotent (docs/events.md)."""
    return event_reminders_send()
