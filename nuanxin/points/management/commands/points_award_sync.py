"""Award the automatic earn rules: `manage.py points_award_sync [--since 2026-03-01T00:00]`.

Reads event attendances (care service records) and approved volunteer hours (the volunteers app's
`approved_service_hours`) and awards every active rule of those kinds. Idempotent per rule and
source, so it can run as often as wanted.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from nuanxin.points.services import (
    points_award_event_attendance,
    points_award_street_reports,
    points_award_volunteer_hours,
)


class Command(BaseCommand):
    help = "Award points for event attendance and approved volunteer hours (idempotent)."

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
        events = points_award_event_attendance(since=moment)
        hours = points_award_volunteer_hours(since=moment)
        reports = points_award_street_reports(since=moment)
        self.stdout.write(
            f"{events} event-attendance awards, {hours} volunteer-hour awards, "
            f"{reports} street-report awards."
        )
