"""`manage.py send_event_reminders`: send the reminders before events that are due, once.

For deployments without Celery beat: run it from cron or a systemd timer every 10 minutes. It is
idempotent and safe to run in parallel (docs/events.md); `--at` sets the clock.
"""

from django.core.management.base import BaseCommand

from nuanxin.core.commands import add_clock_argument, parse_clock
from nuanxin.events.reminders import event_reminders_send


class Command(BaseCommand):
    help = (
        "Send the due reminders to couriers with a confirmed seat (NUANXIN_EVENT_REMINDERS before the start)."
    )

    def add_arguments(self, parser):
        add_clock_argument(parser)

    def handle(self, *args, at=None, **options):
        count = event_reminders_send(at=parse_clock(at))
        self.stdout.write(f"sent {count} reminder(s)")
