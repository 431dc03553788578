"""Award the automatic earn rules: `manage.py points_award_sync [--since 2026-03-01T00:00]`.

First reverses the awards whose source was withdrawn (street reports rejected or merged as a
duplicate after their award; volunteer hours a correction replaced) by the partial rule, then reads
event attendances (care service records), approved volunteer hours (the volunteers app's
`approved_service_hours`) and verified street reports and awards every active rule of those kinds.
Idempotent per rule and source, so it can run as often as wanted. `--since` limits the awards, not
the reversals.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from nuanxin.points.services import points_sync


class Command(BaseCommand):
    help = (
        "Reverse awards of withdrawn sources, then award points for event attendance, approved "
        "volunteer hours and verified street reports (idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", help="Only sources from this ISO 8601 date-time on.")

    def handle(self, *args, since=None, **options):
        moment = None
        if since:
            moment = parse_datetime(since)
            if moment is None:
                raise CommandError(f"Not an ISO 8601 date-time: {since}")
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
        counts = points_sync(since=moment)
        self.stdout.write(
            f"{counts['report_reversals']} street-report reversals, "
            f"{counts['hour_reversals']} volunteer-hour reversals, "
            f"{counts['events']} event-attendance awards, {counts['hours']} volunteer-hour awards, "
            f"{counts['reports']} street-report awards."
        )
