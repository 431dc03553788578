"""Raise overdue open reports to their district. Scheduled hourly; `--at` sets the clock."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from nuanxin.reports.services import reports_escalate_overdue


class Command(BaseCommand):
    help = "Escalate open street reports past their due time to the street's district."

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
        count = reports_escalate_overdue(at=moment)
        self.stdout.write(f"escalated {count} report(s)")
