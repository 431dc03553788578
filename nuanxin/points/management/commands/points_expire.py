"""Expire the points lots that are due: `manage.py points_expire [--at 2026-03-01T00:00+08:00]`.

Run it daily (cron or Celery beat). Idempotent: an expired lot has nothing left to expire.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from nuanxin.points.services import points_expire_due


class Command(BaseCommand):
    help = "Write expiry entries for what is left of the points lots due at --at (default: now)."

    def add_arguments(self, parser):
        parser.add_argument("--at", help="An ISO 8601 date-time; naive times are Asia/Shanghai.")

    def handle(self, *args, at=None, **options):
        moment = timezone.now()
        if at:
            moment = at if not isinstance(at, str) else parse_datetime(at)
            if moment is None:
                raise CommandError(f"Not an ISO 8601 date-time: {at}")
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
        written = points_expire_due(at=moment)
        self.stdout.write(f"{written} expiry entries written (at {moment.isoformat()}).")
