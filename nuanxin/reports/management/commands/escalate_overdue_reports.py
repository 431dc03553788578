"""Raise overdue open reports to their district. Scheduled hourly; `--at` sets the clock."""

from django.core.management.base import BaseCommand

from nuanxin.core.commands import add_clock_argument, parse_clock
from nuanxin.reports.services import reports_escalate_overdue


class Command(BaseCommand):
    help = "Escalate open street reports past their due time to the street's district."

    def add_arguments(self, parser):
        add_clock_argument(parser)

    def handle(self, *args, at=None, **options):
        count = reports_escalate_overdue(at=parse_clock(at))
        self.stdout.write(f"escalated {count} report(s)")
