"""`manage.py send_due_deliveries`: send the deliveries whose first try or retry is due.

Run it every minute (cron, a systemd timer or Celery beat); it is safe to run in parallel, each
delivery being claimed under a row lock before it is sent.
"""

from django.core.management.base import BaseCommand

from nuanxin.messaging.services import deliveries_send_due


class Command(BaseCommand):
    help = "Send the pending SMS and WeCom deliveries whose (re)try time has come."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=1000, help="At most this many deliveries per run.")

    def handle(self, *args, limit, **options):
        count = deliveries_send_due(limit=limit)
        self.stdout.write(f"{count} deliveries attempted")
