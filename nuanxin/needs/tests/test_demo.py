"""The demo data of needs and messaging: loads into the demo street, twice without duplicates."""

import pytest

from nuanxin.accounts.models import Role
from nuanxin.accounts.tests.factories import staff
from nuanxin.areas.tests.factories import make_tree
from nuanxin.couriers.demo import load_demo_couriers
from nuanxin.messaging.demo import load_demo_messaging
from nuanxin.messaging.models import Announcement, InboxMessage
from nuanxin.needs.demo import load_demo_needs
from nuanxin.needs.models import Forum, Need, Suggestion
from nuanxin.needs.selectors import need_ranking

pytestmark = pytest.mark.django_db


def test_demo_needs_and_messages_load_once_and_show_in_the_ranking():
    # given the demo street (劝业场街道 is 120101001000 in the test tree too), its staff and the demo courier
    areas = make_tree()
    street_staff = staff(Role.STREET_STAFF, areas["street"], username="qyc_street")
    demo_courier = load_demo_couriers()

    first = load_demo_needs()
    announcement = load_demo_messaging()
    counts = (
        Need.objects.count(),
        Suggestion.objects.count(),
        Forum.objects.count(),
        InboxMessage.objects.count(),
    )
    second = load_demo_needs()
    assert load_demo_messaging() == announcement

    assert first == {"needs": 11, "suggestions": 2, "forums": 1}
    assert second == {"needs": 0, "suggestions": 0, "forums": 0}
    assert counts == (
        Need.objects.count(),
        Suggestion.objects.count(),
        Forum.objects.count(),
        InboxMessage.objects.count(),
    )
    assert Announcement.objects.get().recipient_count == 5
    # the demo courier has replies and the announcement in their inbox
    assert InboxMessage.objects.filter(recipient=demo_courier).count() == 3
    ranking = need_ranking(actor=street_staff, period="week", periods=8)
    assert ranking["categories"][0]["category"] == "meals"
    assert ranking["total"] == 11
