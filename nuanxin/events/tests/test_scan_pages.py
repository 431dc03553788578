"""The door page of an event: /m/events/<id>/scan/ for the event's stewards and staff."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from nuanxin.care.models import ServiceRecord
from nuanxin.events.models import Signup
from nuanxin.events.tickets import ticket_token
from nuanxin.merchants.tests.factories import merchant_account
from nuanxin.stations.tests.factories import make_station

from .factories import make_event, make_signup

pytestmark = pytest.mark.django_db

SOON = datetime.timedelta(hours=1)
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def in_english(client):
    """The assertions read the English source strings; one test switches to Chinese."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def running(areas, couriers):
    """An event of 劝业场街道 starting within the hour: 张三 and 李四 have seats, 赵六 is waiting."""
    station = make_station(areas["street"], name="劝业场驿站")
    event = make_event(areas["street"], station=station, starts_in=SOON, capacity=2)
    return {
        "event": event,
        "me": make_signup(event, couriers["me"]),
        "neighbour": make_signup(event, couriers["neighbour"]),
        "waiting": make_signup(event, couriers["third"], status=Signup.Status.WAITLISTED),
    }


def scan_url(event):
    return f"/m/events/{event.public_id}/scan/"


def nobody_checked_in():
    return (
        not Signup.objects.filter(attended_at__isnull=False).exists() and not ServiceRecord.objects.exists()
    )


@pytest.mark.parametrize("who", ["steward", "street_staff", "district_staff", "city_staff"])
def test_a_manager_of_the_area_scans_a_ticket_and_the_courier_is_checked_in(
    client, users, couriers, running, who
):
    # given the steward of the street (or staff above it) at the door
    event, seat = running["event"], running["me"]
    client.force_login(users[who])

    # when they scan 张三's ticket
    response = client.post(scan_url(event), {"token": ticket_token(seat)})

    # then 张三 is present, counted once as a service, shown masked, and the count moves
    content = response.content.decode()
    assert response.status_code == 200
    assert 'data-scan-result="ok"' in content and "<html" in content
    assert "张*" in content and "张三" not in content and couriers["me"].phone_masked in content
    assert "Present: <strong>1</strong> of 2 confirmed" in content
    seat.refresh_from_db()
    assert seat.attended_at is not None and seat.attendance_recorded_by == users[who]
    assert ServiceRecord.objects.filter(kind="event_attendance", courier=couriers["me"]).count() == 1


def test_the_page_shows_the_event_and_the_live_attendance_count(client, users, running):
    event = running["event"]
    running["neighbour"].attended_at = timezone.now()
    running["neighbour"].save()
    client.force_login(users["steward"])

    page = client.get(scan_url(event))
    count = client.get(scan_url(event) + "count/", headers=HTMX)

    content = page.content.decode()
    assert page.status_code == 200
    assert event.title in content and "劝业场驿站" in content
    assert "Present: <strong>1</strong> of 2 confirmed" in content
    assert 'hx-trigger="every 10s"' in content and b"js/scan.js" in page.content
    assert count.status_code == 200 and b"<html" not in count.content
    assert b"Present: <strong>1</strong> of 2 confirmed" in count.content


def test_an_htmx_scan_gets_the_result_fragment_and_the_count_out_of_band(client, users, running):
    event = running["event"]
    client.force_login(users["steward"])

    checked_in = client.post(scan_url(event), {"token": ticket_token(running["me"])}, headers=HTMX)
    refused = client.post(scan_url(event), {"token": ticket_token(running["me"])}, headers=HTMX)

    assert checked_in.status_code == 200 and b"<html" not in checked_in.content
    assert b'data-scan-result="ok"' in checked_in.content
    assert (
        b'hx-swap-oob="true"' in checked_in.content and b"Present: <strong>1</strong>" in checked_in.content
    )
    # a refusal is a 400 fragment, which the site's htmx config swaps in
    assert refused.status_code == 400 and b"<html" not in refused.content
    assert b'data-code="already_checked_in"' in refused.content
    assert ServiceRecord.objects.count() == 1


def test_a_full_page_scan_has_no_out_of_band_copy_of_the_count(client, users, running):
    client.force_login(users["steward"])

    response = client.post(scan_url(running["event"]), {"token": ticket_token(running["me"])})

    assert response.content.count(b'id="scan-count"') == 1
    assert b"hx-swap-oob" not in response.content


def _ticket(case, running, areas, couriers):
    event = running["event"]
    if case == "forged":
        return "eyJzIjoiMDAwMCJ9:forged:signature"
    if case == "altered":
        return ticket_token(running["me"])[:-2] + "xx"
    if case == "expired":
        return ticket_token(running["me"], expires_at=timezone.now() - datetime.timedelta(minutes=1))
    if case == "other_event":
        other = make_event(areas["street"], title="义诊", starts_in=SOON)
        return ticket_token(make_signup(other, couriers["me"]))
    if case == "waitlisted":
        return ticket_token(running["waiting"])
    if case == "empty":
        return ""
    assert case == "not_open"
    event.starts_at = timezone.now() + datetime.timedelta(days=3)
    event.ends_at = event.starts_at + datetime.timedelta(hours=2)
    event.save()
    return ticket_token(running["me"])


@pytest.mark.parametrize(
    ("case", "status", "code", "message"),
    [
        (
            "forged",
            400,
            "ticket_invalid",
            "This ticket is not valid: it was not issued by Nuanxin or it was altered.",
        ),
        ("altered", 400, "ticket_invalid", "This ticket is not valid"),
        ("expired", 400, "ticket_expired", "This ticket has expired."),
        ("other_event", 409, "ticket_other_event", "This ticket is for another event."),
        ("waitlisted", 409, "ticket_not_confirmed", "This sign-up is not confirmed"),
        ("not_open", 409, "check_in_not_open", "Check-in opens 2 hours before the start."),
        ("empty", 400, "invalid", "This field is required."),
    ],
)
def test_a_bad_ticket_is_refused_with_its_reason_and_nobody_is_checked_in(
    client, users, areas, couriers, running, case, status, code, message
):
    token = _ticket(case, running, areas, couriers)
    client.force_login(users["steward"])

    response = client.post(scan_url(running["event"]), {"token": token})

    content = response.content.decode()
    assert response.status_code == status
    assert f'data-code="{code}"' in content and message in content
    assert nobody_checked_in()


def test_a_ticket_scanned_twice_is_refused_the_second_time_in_the_request_language(client, users, running):
    client.force_login(users["steward"])
    token = ticket_token(running["me"])
    client.post(scan_url(running["event"]), {"token": token})

    again = client.post(scan_url(running["event"]), {"token": token}, headers={"Accept-Language": "zh-hans"})

    assert again.status_code == 409
    assert 'data-code="already_checked_in"' in again.content.decode()
    assert "This courier has already checked in." not in again.content.decode()
    assert ServiceRecord.objects.count() == 1


@pytest.mark.parametrize("who", ["other_street_staff", "other_district_staff"])
def test_staff_of_another_area_get_404_and_nothing_changes(client, users, running, who):
    event = running["event"]
    client.force_login(users[who])

    assert client.get(scan_url(event)).status_code == 404
    assert client.get(scan_url(event) + "count/").status_code == 404
    assert client.post(scan_url(event), {"token": ticket_token(running["me"])}).status_code == 404
    assert nobody_checked_in()


def test_a_steward_of_another_street_gets_404(client, areas, running):
    from nuanxin.accounts.models import Role
    from nuanxin.accounts.tests.factories import staff

    client.force_login(staff(Role.STEWARD, areas["other_street"], username="other_steward"))

    assert client.post(scan_url(running["event"]), {"token": ticket_token(running["me"])}).status_code == 404
    assert nobody_checked_in()


@pytest.mark.parametrize("who", ["courier", "own_courier", "merchant"])
def test_couriers_and_merchants_get_403_and_nothing_changes(client, users, areas, couriers, running, who):
    event = running["event"]
    account = {
        "courier": lambda: users["courier"],
        "own_courier": lambda: couriers["me"].user,  # even with their own ticket
        "merchant": lambda: merchant_account(areas["street"], username="shop"),
    }[who]()
    client.force_login(account)

    assert client.get(scan_url(event)).status_code == 403
    assert client.post(scan_url(event), {"token": ticket_token(running["me"])}).status_code == 403
    assert nobody_checked_in()


def test_a_missing_event_answers_404(client, users):
    client.force_login(users["steward"])

    assert client.get("/m/events/00000000-0000-0000-0000-000000000000/scan/").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, running):
    response = client.post(scan_url(running["event"]), {"token": ticket_token(running["me"])})

    assert response.status_code == 302 and "login" in response["Location"]
    assert nobody_checked_in()


def test_the_scan_form_needs_the_csrf_token(users, running):
    strict = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    strict.force_login(users["steward"])
    url, token = scan_url(running["event"]), ticket_token(running["me"])

    assert strict.post(url, {"token": token}).status_code == 403
    assert nobody_checked_in()

    csrf = strict.get(url).context["csrf_token"]
    assert strict.post(url, {"token": token, "csrfmiddlewaretoken": str(csrf)}).status_code == 200
