"""The "remind me" switch of an event ticket in a real browser, on a phone, in Chinese: a courier
with a confirmed seat opens the ticket, turns reminders off and on again; htmx swaps the switch in
place and the choice is kept (docs/events.md, Reminders)."""

import pytest
from django.test import Client

from nuanxin.areas.tests.factories import make_tree
from nuanxin.couriers.tests.factories import make_courier
from nuanxin.events.models import Signup
from nuanxin.events.tests.factories import make_event, make_signup

expect = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed").expect

pytestmark = pytest.mark.browser


def signed_in_page(browser_context, live_server, user):
    """A phone page carrying the session of `user` (signed in by the test client)."""
    client = Client()
    client.force_login(user)
    context = browser_context()
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context.new_page()


def test_a_courier_turns_the_reminders_of_a_ticket_off_and_on(live_server, transactional_db, browser_context):
    # given a courier with a confirmed seat at 清凉一夏
    areas = make_tree()
    courier = make_courier(area=areas["street"], name="张三")
    event = make_event(areas["street"], title="清凉一夏 送清凉")
    signup = make_signup(event, courier)
    page = signed_in_page(browser_context, live_server, courier.user)

    # when they open their ticket, the switch is on
    page.goto(f"{live_server.url}/m/events/{event.public_id}/ticket/")
    switch = page.get_by_role("switch")
    expect(switch).to_have_attribute("aria-checked", "true")
    expect(page.locator("[data-reminders]")).to_have_attribute("data-reminders", "on")

    # and they turn it off: swapped in place (the QR code stays, no reload message)
    switch.click()
    expect(page.locator("[data-reminders]")).to_have_attribute("data-reminders", "off")
    expect(page.get_by_role("switch")).to_have_attribute("aria-checked", "false")
    expect(page.locator(".e-ticket svg")).to_have_count(1)
    expect(page.locator("[data-message]")).to_have_count(0)
    assert Signup.objects.get(pk=signup.pk).wants_reminders is False

    # then after a reload it is still off, and on again with a second tap
    page.reload()
    expect(page.get_by_role("switch")).to_have_attribute("aria-checked", "false")
    page.get_by_role("switch").click()
    expect(page.get_by_role("switch")).to_have_attribute("aria-checked", "true")
    assert Signup.objects.get(pk=signup.pk).wants_reminders is True
