"""A volunteer courier checks in at the place of a shift, in a real browser on a phone, in Chinese:

1. by the poster's QR code: the courier opens the check-in address the QR code carries and taps
   签到, then 签退;
2. by position: "check in here" reads the phone's position (Playwright's geolocation emulation);
   far from the place it is refused with the distance, near it checks in;
3. with location refused, the page says to scan the QR poster instead.

Sign-in is a session cookie of a force-logged-in test client (the sign-in pages have their own
browser tests in test_courier_journey.py).
"""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from nuanxin.areas.tests.factories import make_tree
from nuanxin.volunteers.checkin import shift_check_in_path
from nuanxin.volunteers.models import SignUp
from nuanxin.volunteers.tests.factories import PLACE, make_shift, make_sign_up, make_team, make_volunteer

expect = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed").expect

pytestmark = pytest.mark.browser

FAR = (PLACE[0] + 0.018, PLACE[1])  # about 2 km north of the place


@pytest.fixture
def sign_up(transactional_db):
    tree = make_tree()
    team = make_team(tree["street"])
    volunteer = make_volunteer(team=team, name="王五")
    shift = make_shift(
        team, starts_at=timezone.now() - datetime.timedelta(minutes=10), hours=2, title="网点政策宣传"
    )
    return make_sign_up(shift, volunteer)


def signed_in(context, live_server, user):
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context


def test_a_courier_opens_the_posters_check_in_address_and_checks_in_and_out(
    live_server, sign_up, browser_context
):
    context = signed_in(browser_context(), live_server, sign_up.volunteer.courier.user)
    page = context.new_page()
    # when the courier opens what the poster's QR code carries
    page.goto(live_server.url + shift_check_in_path(sign_up.shift))
    # then the shift and a 签到 button are shown
    expect(page.locator("h2")).to_have_text("网点政策宣传")
    check_in = page.locator("[data-check-in-button]")
    expect(check_in).to_have_text("签到")
    # when they tap it, they are checked in and the button becomes 签退
    check_in.click()
    expect(page.locator("[data-check-out-button]")).to_be_visible()
    expect(page.locator('[data-state="checked_in"]')).to_be_visible()
    sign_up.refresh_from_db()
    assert sign_up.check_in_method == "qr" and sign_up.checked_in_at is not None
    # and 签退 checks them out
    page.locator("[data-check-out-button]").click()
    expect(page.locator('[data-state="checked_out"]')).to_be_visible()
    sign_up.refresh_from_db()
    assert sign_up.check_out_method == "qr" and sign_up.served_minutes is not None


def test_check_in_here_is_refused_far_away_and_works_near_the_place(live_server, sign_up, browser_context):
    context = browser_context(
        geolocation={"latitude": FAR[0], "longitude": FAR[1]}, permissions=["geolocation"]
    )
    page = signed_in(context, live_server, sign_up.volunteer.courier.user).new_page()
    page.goto(f"{live_server.url}/m/volunteer/sign-ups/")
    row = page.locator(f'[data-sign-up="{sign_up.public_id}"]')
    button = row.locator("[data-position-button]")
    # when the courier, 2 km away, taps "check in here"
    button.click()
    # then it is refused with the distance, and nothing changed
    refusal = page.locator('[data-message="error"]')
    expect(refusal).to_be_visible()
    distance = int(re.search(r"(\d+)", refusal.inner_text()).group(1))
    assert 1900 < distance < 2100
    assert SignUp.objects.get(pk=sign_up.pk).checked_in_at is None
    # when they walk to the place and tap again
    context.set_geolocation({"latitude": PLACE[0], "longitude": PLACE[1]})
    page.locator(f'[data-sign-up="{sign_up.public_id}"] [data-position-button]').click()
    # then they are checked in by position, and the button now checks out
    expect(page.locator('[data-message="success"]')).to_be_visible()
    expect(row.locator('[data-state="checked_in"]')).to_be_visible()
    sign_up.refresh_from_db()
    assert sign_up.check_in_method == "position"


def test_with_location_refused_the_page_points_to_the_qr_poster(live_server, sign_up, browser_context):
    context = browser_context()
    context.clear_permissions()
    page = signed_in(context, live_server, sign_up.volunteer.courier.user).new_page()
    # A denied permission as the browser reports it, whatever the headless default is.
    page.add_init_script(
        "navigator.geolocation.getCurrentPosition = function (ok, fail) {"
        "  setTimeout(function () { fail({code: 1, message: 'denied'}); }, 10); };"
    )
    page.goto(f"{live_server.url}/m/volunteer/sign-ups/")
    form = page.locator(f'[data-sign-up="{sign_up.public_id}"] [data-position-form]')
    failed = form.get_attribute("data-msg-failed")
    # when
    form.locator("[data-position-button]").click()
    # then
    expect(form.locator("[data-position-status]")).to_have_text(failed)
    expect(page.locator("[data-qr-help]").first).to_be_visible()
    assert SignUp.objects.get(pk=sign_up.pk).checked_in_at is None
