"""Demo data of the Open311 server (idempotent).

    load_demo_open311()  →  1 when the demo key was created this time, else 0

The demo city's public api_key is `demo-open311-key` (named in the README), held by a pretend
partner system. It may post at most 30 requests an hour, so a public demo cannot be flooded.
"""

from django.db import transaction

from . import services
from .models import ApiKey, hash_api_key

DEMO_KEY = "demo-open311-key"
DEMO_KEY_NAME = "演示合作系统 (demo partner)"


@transaction.atomic
def load_demo_open311():
    if ApiKey.objects.filter(key_hash=hash_api_key(DEMO_KEY)).exists():
        return 0
    services.api_key_issue(actor=None, name=DEMO_KEY_NAME, raw_key=DEMO_KEY, requests_per_hour=30)
    return 1
