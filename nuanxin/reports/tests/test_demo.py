"""The demo reports: every workflow state in the demo street, and a second load creates nothing."""

import pytest

from nuanxin.accounts.models import Role
from nuanxin.accounts.tests.factories import staff
from nuanxin.areas.tests.factories import make_tree
from nuanxin.couriers.demo import load_demo_couriers
from nuanxin.messaging.models import InboxMessage
from nuanxin.reports.demo import load_demo_reports
from nuanxin.reports.models import Report
from nuanxin.stations.tests.factories import make_station

pytestmark = pytest.mark.django_db


def test_demo_reports_cover_every_state_and_load_once():
    # given the demo street (劝业场街道 is 120101001000 in the test tree too), a station, staff, a courier
    areas = make_tree()
    make_station(areas["street"])
    staff(Role.STREET_STAFF, areas["street"], username="qyc_street")
    load_demo_couriers()
    # when the demo reports load twice
    first = load_demo_reports()
    count = Report.objects.count()
    second = load_demo_reports()
    # then every state is there once, with an escalated one and real inbox messages
    assert first["reports"] == 10 and second == {"reports": 0}
    assert Report.objects.count() == count
    assert set(Report.objects.values_list("status", flat=True)) == set(Report.Status.values)
    assert Report.objects.filter(escalated_at__isnull=False).exists()
    assert InboxMessage.objects.exists()
