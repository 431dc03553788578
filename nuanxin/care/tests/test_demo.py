"""The demo loaders of the catalog/visits and the policy library: they load on the demo city and
load again without duplicates."""

from io import StringIO

import pytest
from django.core.management import call_command

from nuanxin.care.demo import load_demo_care
from nuanxin.care.models import CheckInPoster, ServiceItem, ServiceRecord
from nuanxin.policies.demo import load_demo_policies
from nuanxin.policies.models import Policy

pytestmark = pytest.mark.django_db


def test_demo_care_and_policies_load_once():
    # load_demo runs both loaders after the city (APP_DEMO_LOADERS)
    call_command("load_demo", "--force", stdout=StringIO())
    counts = _counts()
    assert ServiceItem.objects.exists() and CheckInPoster.objects.exists()

    again = load_demo_care()
    policies_again = load_demo_policies()

    assert _counts() == counts
    assert again == {"items": 0, "posters": 0, "visits": 0} and policies_again == 0
    assert Policy.objects.filter(status="published").count() == 3


def _counts():
    return ServiceItem.objects.count(), CheckInPoster.objects.count(), ServiceRecord.objects.count()
