"""`manage.py send_event_reminders`: send the reminders before events that are due, once.

For deployments without Celery beat: run it from cron or a systemd timer every 10 minutes. It is
idempotent and safe to run in parallel (docs/events.md); `--at` sets the clock.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError

from nuanxin.events.reminders import event_reminders_send


class Command(BaseCommand):
    help = (
        "Send the due reminders to couriers with a confirmed seat (NUANXIN_EVENT_REMINDERS before the start)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--at", help="The clock as an ISO 8601 date-time with offset (default: now).")

    def handle(self, *args, at=None, **options):
        moment = None
        if at:
            try:
                moment = datetime.datetime.fromisoformat(at)
            except ValueError:
                raise CommandError(f"--at is not an ISO 8601 date-time: {at!r}") from None
            if moment.tzinfo is None:
                raise CommandError("--at needs a time-zone offset, e.g. 2026-03-02T09:00:00+08:00")
        count = event_reminders_send(at=moment)
        self.stdout.write(f"sent {count} reminder(s)")
