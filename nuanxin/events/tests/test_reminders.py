"""Reminders before an event and change notices, with the clock set by the job's `at=` (as the
reports escalation tests do): due reminders once, reruns send nothing, the late-run rule, who is
skipped, the "remind me" switch (API and ticket page), the message text, the change notice, the
task / command / beat wiring, and two runs at once on PostgreSQL."""

import datetime
import re
import threading

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from nuanxin.core.models import AuditEntry
from nuanxin.core.tasks import run_task
from nuanxin.events.models import Event, EventReminder, Signup
from nuanxin.events.reminders import event_reminders_send, offset_due
from nuanxin.messaging.models import InboxMessage

from .factories import make_event, make_signup

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)


def inbox(courier):
    return list(InboxMessage.objects.filter(recipient=courier).order_by("created_at", "id"))


def sent_offsets(signup):
    return sorted(EventReminder.objects.filter(signup=signup).values_list("offset_minutes", flat=True))


@pytest.fixture
def event(areas):
    """清凉一夏 in three days (so the sign-ups below were made well before any reminder's moment)."""
    return make_event(areas["street"], capacity=2, starts_in=datetime.timedelta(days=3))


@pytest.fixture
def seats(event, couriers):
    """`me` and `neighbour` hold the two seats; `third` waits."""
    return {
        "me": make_signup(event, couriers["me"]),
        "neighbour": make_signup(event, couriers["neighbour"]),
        "third": make_signup(event, couriers["third"], status=Signup.Status.WAITLISTED),
    }


# --- the windows ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before_start", "expected"),
    [
        (datetime.timedelta(hours=30), None),  # too early
        (datetime.timedelta(hours=24), 1440),
        (datetime.timedelta(hours=3), 1440),
        (datetime.timedelta(hours=2, minutes=1), 1440),
        (datetime.timedelta(hours=2), 120),  # from here on the 24 h reminder would stack: only 2 h
        (datetime.timedelta(minutes=5), 120),
        (datetime.timedelta(0), None),  # started
        (-HOUR, None),
    ],
)
def test_each_moment_falls_in_one_offset_window(before_start, expected):
    starts_at = datetime.datetime(2030, 3, 5, 6, 0, tzinfo=datetime.UTC)
    assert offset_due(starts_at=starts_at, at=starts_at - before_start, offsets=[1440, 120]) == expected


# --- sending --------------------------------------------------------------------------------------


def test_due_reminders_are_sent_once_each_and_reruns_send_nothing(event, seats, couriers):
    start = event.starts_at

    # nothing a day and a bit before
    assert event_reminders_send(at=start - 25 * HOUR) == 0
    # the 24 h reminder to the two confirmed couriers, once however often the job runs
    assert event_reminders_send(at=start - 23 * HOUR) == 2
    assert event_reminders_send(at=start - 23 * HOUR) == 0
    assert event_reminders_send(at=start - 10 * HOUR) == 0
    # then the 2 h reminder, once
    assert event_reminders_send(at=start - 110 * MINUTE) == 2
    assert event_reminders_send(at=start - 100 * MINUTE) == 0
    assert event_reminders_send(at=start - MINUTE) == 0
    # and nothing once the event has started
    assert event_reminders_send(at=start + MINUTE) == 0

    for name in ("me", "neighbour"):
        messages = inbox(couriers[name])
        assert len(messages) == 2
        assert all(message.link == f"/m/events/{event.public_id}/ticket/" for message in messages)
        assert sent_offsets(seats[name]) == [120, 1440]
    assert inbox(couriers["third"]) == []  # waiting list: no seat to be reminded of
    assert EventReminder.objects.get(signup=seats["me"], offset_minutes=1440).sent_at == start - 23 * HOUR


def test_a_late_run_sends_only_the_reminder_of_the_window_it_is_in(event, seats, couriers):
    # given the worker was down through the whole 24 h window: its first run is 90 minutes before
    start = event.starts_at

    assert event_reminders_send(at=start - 90 * MINUTE) == 2

    # then each courier got one reminder (the 2 h one), not two at once, and the 24 h one never follows
    assert [len(inbox(couriers[name])) for name in ("me", "neighbour")] == [1, 1]
    assert sent_offsets(seats["me"]) == [120]
    assert event_reminders_send(at=start - 30 * MINUTE) == 0
    assert len(inbox(couriers["me"])) == 1


def test_a_late_run_still_more_than_two_hours_before_sends_the_day_before_reminder(event, seats, couriers):
    start = event.starts_at

    assert event_reminders_send(at=start - 3 * HOUR) == 2
    assert sent_offsets(seats["me"]) == [1440]
    assert event_reminders_send(at=start - HOUR) == 2
    assert sent_offsets(seats["me"]) == [120, 1440]


def test_cancelled_and_draft_events_and_cancelled_waiting_or_attended_sign_ups_get_no_reminder(
    areas, couriers
):
    soon = datetime.timedelta(days=2)
    published = make_event(areas["street"], title="义诊", starts_in=soon, capacity=5)
    cancelled_event = make_event(
        areas["street"], title="取消了", starts_in=soon, status=Event.Status.CANCELLED
    )
    draft = make_event(areas["street"], title="草稿", starts_in=soon, status=Event.Status.DRAFT)
    make_signup(published, couriers["me"], status=Signup.Status.CANCELLED)
    make_signup(published, couriers["neighbour"], status=Signup.Status.WAITLISTED)
    attended = make_signup(published, couriers["third"], attended=True)
    make_signup(cancelled_event, couriers["me"])
    make_signup(draft, couriers["me"])
    at = published.starts_at - 23 * HOUR

    assert event_reminders_send(at=at) == 0
    assert not InboxMessage.objects.exists() and not EventReminder.objects.exists()
    assert attended.status == Signup.Status.CONFIRMED  # confirmed, but already checked in


def test_a_seat_taken_after_a_reminders_moment_skips_that_reminder(event, couriers):
    # given `me` signs up (or moves up) 20 hours before the start, after the 24 h moment
    start = event.starts_at
    late = make_signup(event, couriers["me"])
    Signup.objects.filter(pk=late.pk).update(signed_up_at=start - 20 * HOUR)
    promoted = make_signup(event, couriers["neighbour"])
    Signup.objects.filter(pk=promoted.pk).update(promoted_at=start - 20 * HOUR)

    # then the 24 h reminder is not sent to them, the 2 h one is
    assert event_reminders_send(at=start - 19 * HOUR) == 0
    assert event_reminders_send(at=start - HOUR) == 2
    assert sent_offsets(late) == [120] and sent_offsets(promoted) == [120]


def test_the_offsets_come_from_the_setting(event, seats, couriers, settings):
    settings.NUANXIN_EVENT_REMINDERS = [60]

    assert event_reminders_send(at=event.starts_at - 23 * HOUR) == 0
    assert event_reminders_send(at=event.starts_at - 50 * MINUTE) == 2
    assert sent_offsets(seats["me"]) == [60]


# --- the "remind me" switch -----------------------------------------------------------------------


def test_turning_reminders_off_through_the_api_stops_them_for_that_sign_up_only(
    api, as_courier, event, seats, couriers
):
    url = f"/api/v1/events/{event.public_id}/signup"
    _, mine = api("get", "/api/v1/events/mine", headers=as_courier(couriers["me"]))
    assert mine["items"][0]["wants_reminders"] is True  # on by default

    status, body = api("patch", url, {"wants_reminders": False}, headers=as_courier(couriers["me"]))

    assert status == 200 and body["wants_reminders"] is False and body["status"] == "confirmed"
    assert event_reminders_send(at=event.starts_at - 23 * HOUR) == 1
    assert inbox(couriers["me"]) == [] and len(inbox(couriers["neighbour"])) == 1
    assert AuditEntry.objects.filter(object_id=str(seats["me"].public_id)).exists()

    # turned on again, the next reminder reaches them
    status, body = api("patch", url, {"wants_reminders": True}, headers=as_courier(couriers["me"]))
    assert status == 200 and body["wants_reminders"] is True
    assert event_reminders_send(at=event.starts_at - HOUR) == 2
    assert len(inbox(couriers["me"])) == 1


def test_a_new_sign_up_answers_with_reminders_on(api, as_courier, event, couriers):
    status, body = api("post", f"/api/v1/events/{event.public_id}/signup", headers=as_courier(couriers["me"]))
    assert status == 201 and body["wants_reminders"] is True


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 401),
        ("street_staff", 403),  # staff are not couriers
        ("third", 200),  # a waiting courier may already choose
        ("elsewhere", 404),  # an event of another street's couriers: not visible
        ("outsider", 409),  # sees the event, has no sign-up
    ],
)
def test_who_may_switch_reminders(api, areas, couriers, users, as_courier, who, expected):
    from nuanxin.accounts.tests.factories import bearer
    from nuanxin.couriers.tests.factories import make_courier

    event = make_event(areas["street"], audience=Event.Audience.AREA_COURIERS, capacity=1)
    make_signup(event, couriers["me"])
    make_signup(event, couriers["third"], status=Signup.Status.WAITLISTED)
    make_signup(event, couriers["elsewhere"])  # written directly: the service would have refused it
    outsider = make_courier(area=areas["street"])
    headers = {
        "anonymous": {},
        "street_staff": bearer(users["street_staff"]),
        "third": as_courier(couriers["third"]),
        "elsewhere": as_courier(couriers["elsewhere"]),
        "outsider": as_courier(outsider),
    }[who]
    before = list(Signup.objects.order_by("pk").values_list("wants_reminders", flat=True))

    status, _ = api("patch", f"/api/v1/events/{event.public_id}/signup", {"wants_reminders": False}, headers)

    assert status == expected
    after = list(Signup.objects.order_by("pk").values_list("wants_reminders", flat=True))
    if expected == 200:
        assert Signup.objects.get(event=event, courier=couriers["third"]).wants_reminders is False
        assert sum(after) == sum(before) - 1
    else:
        assert after == before


def test_the_ticket_page_shows_the_switch_and_turns_reminders_off_and_on(client, event, seats, couriers):
    client.force_login(couriers["me"].user)
    ticket_url = f"/m/events/{event.public_id}/ticket/"
    switch_url = f"/m/events/{event.public_id}/reminders/"

    page = client.get(ticket_url).content.decode()
    assert 'data-reminders="on"' in page and 'role="switch"' in page and 'aria-checked="true"' in page

    # without htmx: the form posts and the ticket page comes back with the switch off
    off = client.post(switch_url, {"wants_reminders": "off"}, follow=True)
    assert off.redirect_chain[-1][0] == ticket_url
    assert 'data-reminders="off"' in off.content.decode() and 'aria-checked="false"' in off.content.decode()
    assert Signup.objects.get(pk=seats["me"].pk).wants_reminders is False

    # with htmx: only the switch comes back, on again
    fragment = client.post(switch_url, {"wants_reminders": "on"}, headers={"HX-Request": "true"})
    html = fragment.content.decode()
    assert fragment.status_code == 200 and html.lstrip().startswith("<form") and "<svg" not in html
    assert 'data-reminders="on"' in html
    assert Signup.objects.get(pk=seats["me"].pk).wants_reminders is True
    assert Signup.objects.get(pk=seats["neighbour"].pk).wants_reminders is True


def test_the_switch_page_refuses_what_is_not_mine(client, areas, event, seats, couriers):
    # a courier of another street (the event is for this street's couriers) → 404, nothing changed
    Event.objects.filter(pk=event.pk).update(audience=Event.Audience.AREA_COURIERS)
    client.force_login(couriers["elsewhere"].user)
    assert (
        client.post(f"/m/events/{event.public_id}/reminders/", {"wants_reminders": "off"}).status_code == 404
    )
    # a courier without a sign-up → the refusal on the event page, nothing changed
    client.force_login(couriers["third"].user)
    Signup.objects.filter(pk=seats["third"].pk).update(status=Signup.Status.CANCELLED)
    page = client.post(f"/m/events/{event.public_id}/reminders/", {"wants_reminders": "off"}, follow=True)
    assert page.redirect_chain[-1][0] == f"/m/events/{event.public_id}/"
    assert 'data-message="error"' in page.content.decode()
    assert list(Signup.objects.values_list("wants_reminders", flat=True)) == [True, True, True]


# --- the text -------------------------------------------------------------------------------------


def test_the_reminder_names_the_event_the_shanghai_time_and_the_place_and_links_the_ticket(
    event, seats, couriers
):
    # given an event at 06:00 UTC = 14:00 in Shanghai
    start = datetime.datetime(2030, 3, 5, 6, 0, tzinfo=datetime.UTC)
    Event.objects.filter(pk=event.pk).update(starts_at=start, ends_at=start + 2 * HOUR)

    event_reminders_send(at=start - 23 * HOUR)

    message = inbox(couriers["me"])[0]
    assert "清凉一夏 送清凉" in message.title
    assert "清凉一夏 送清凉" in message.body
    assert "2030-03-05 14:00" in message.body
    assert "和平区滨江道 100 号" in message.body
    assert message.link == f"/m/events/{event.public_id}/ticket/"


def test_reminders_and_change_notices_are_written_in_chinese_whoever_triggers_them(
    api, headers_of, event, seats, couriers
):
    """Chinese first: whatever language was active (an English staff request, a worker thread that
    served an English page), the inbox text is the site's language. Needs the zh_Hans catalog to
    translate the new msgids (the lead's translation step)."""
    with translation.override("en"):
        event_reminders_send(at=event.starts_at - 23 * HOUR)
    new_start = event.starts_at + HOUR
    api(
        "patch",
        f"/api/v1/manage/events/{event.public_id}",
        {"starts_at": new_start.isoformat(), "ends_at": (new_start + 2 * HOUR).isoformat()},
        headers_of("street_staff") | {"HTTP_ACCEPT_LANGUAGE": "en"},
    )

    reminder, notice = inbox(couriers["me"])
    assert settings.LANGUAGE_CODE == "zh-hans"
    for message in (reminder, notice):
        text = message.title + message.body
        assert re.search(r"[\u4e00-\u9fff]", text)
        assert not re.search(r"[A-Za-z]", text), text  # no English words left


# --- change notices -------------------------------------------------------------------------------


def test_a_new_time_or_place_sends_each_confirmed_courier_one_change_notice(
    api, headers_of, event, seats, couriers
):
    url = f"/api/v1/manage/events/{event.public_id}"
    event_reminders_send(at=event.starts_at - 23 * HOUR)  # the 24 h reminder went out
    # `me` turned reminders off: a change notice is not a reminder, it still comes
    Signup.objects.filter(pk=seats["me"].pk).update(wants_reminders=False)
    new_start = timezone.localtime(event.starts_at + 3 * HOUR)

    moved = api(
        "patch",
        url,
        {"starts_at": new_start.isoformat(), "ends_at": (new_start + 2 * HOUR).isoformat()},
        headers_of("street_staff"),
    )
    same_again = api("patch", url, {"starts_at": new_start.isoformat()}, headers_of("street_staff"))
    renamed = api("patch", url, {"title": "清凉一夏 送清凉（改）"}, headers_of("street_staff"))
    relocated = api("patch", url, {"address": "和平区南京路 8 号"}, headers_of("street_staff"))

    assert [moved[0], same_again[0], renamed[0], relocated[0]] == [200, 200, 200, 200]
    notices_me = [
        message for message in inbox(couriers["me"]) if message.link.endswith(f"{event.public_id}/")
    ]
    notices_neighbour = [
        message for message in inbox(couriers["neighbour"]) if message.link.endswith(f"{event.public_id}/")
    ]
    # one notice for the new time, one for the new place; nothing for no change or a new title
    assert len(notices_me) == 2 and len(notices_neighbour) == 2
    assert new_start.strftime("%Y-%m-%d %H:%M") in notices_me[0].body
    assert "和平区南京路 8 号" in notices_me[1].body
    assert inbox(couriers["third"]) == []  # waiting, no seat: told if they move up


def test_a_draft_changes_quietly(api, headers_of, areas, couriers):
    draft = make_event(areas["street"], status=Event.Status.DRAFT)
    make_signup(draft, couriers["me"])  # not possible through the service; shows drafts never notify

    status, _ = api(
        "patch", f"/api/v1/manage/events/{draft.public_id}", {"address": "新地址"}, headers_of("street_staff")
    )

    assert status == 200 and inbox(couriers["me"]) == []


def test_cancelling_after_a_reminder_tells_the_couriers_and_stops_the_next_reminder(
    api, headers_of, event, seats, couriers
):
    event_reminders_send(at=event.starts_at - 23 * HOUR)

    status, _ = api(
        "post",
        f"/api/v1/manage/events/{event.public_id}/cancel",
        {"reason": "高温预警"},
        headers_of("street_staff"),
    )

    assert status == 200
    assert [message.link.endswith("/ticket/") for message in inbox(couriers["me"])] == [True, False]
    assert "高温预警" in inbox(couriers["me"])[1].body
    assert event_reminders_send(at=event.starts_at - HOUR) == 0
    assert len(inbox(couriers["me"])) == 2


def test_a_changed_time_does_not_repeat_a_reminder_already_sent(api, headers_of, event, seats, couriers):
    # given the 24 h reminder went out, then the event moves a week later
    event_reminders_send(at=event.starts_at - 23 * HOUR)
    new_start = event.starts_at + datetime.timedelta(days=7)
    api(
        "patch",
        f"/api/v1/manage/events/{event.public_id}",
        {"starts_at": new_start.isoformat(), "ends_at": (new_start + 2 * HOUR).isoformat()},
        headers_of("street_staff"),
    )

    # then the change notice told them; the 24 h reminder is not sent again, the 2 h one is
    assert event_reminders_send(at=new_start - 23 * HOUR) == 0
    assert event_reminders_send(at=new_start - HOUR) == 2
    assert len(inbox(couriers["me"])) == 3


# --- wiring ---------------------------------------------------------------------------------------


def test_the_command_takes_the_clock_and_refuses_a_naive_one(event, seats, capsys):
    call_command("send_event_reminders", "--at", (event.starts_at - 23 * HOUR).isoformat())
    assert "2" in capsys.readouterr().out
    assert EventReminder.objects.count() == 2
    with pytest.raises(CommandError):
        call_command("send_event_reminders", "--at", "2030-03-05T14:00:00")


def test_the_scheduled_task_runs_through_the_task_interface(areas, couriers):
    # given an event in 90 minutes, a seat taken yesterday
    event = make_event(areas["street"], starts_in=90 * MINUTE)
    signup = make_signup(event, couriers["me"])
    Signup.objects.filter(pk=signup.pk).update(signed_up_at=timezone.now() - datetime.timedelta(days=1))
    entry = settings.CELERY_BEAT_SCHEDULE["events-send-reminders"]

    assert entry["schedule"] <= 600
    assert run_task(*entry["args"]) == 1
    assert run_task(*entry["args"]) == 0
    assert len(inbox(couriers["me"])) == 1


# --- PostgreSQL: two runs at once ----------------------------------------------------------------


@pytest.mark.postgres_only
def test_two_runs_at_once_send_exactly_one_reminder_each(transactional_db, areas):
    from django.db import connection, connections

    from nuanxin.couriers.tests.factories import make_courier

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks and real concurrency")
    # given two events with 6 confirmed couriers each, in their 24 h window
    events = [make_event(areas["street"], title=f"活动{n}", capacity=6) for n in range(2)]
    couriers = [make_courier(area=areas["street"]) for _ in range(6)]
    for event in events:
        for courier in couriers:
            make_signup(event, courier)
    at = max(event.starts_at for event in events) - 23 * HOUR
    barrier = threading.Barrier(2)
    counts, errors = [], []

    def run():
        barrier.wait()
        try:
            counts.append(event_reminders_send(at=at))
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then 12 reminders in all, however the two runs shared them, and one message per seat
    assert errors == [] and len(counts) == 2
    assert sum(counts) == 12
    assert EventReminder.objects.count() == 12
    for courier in couriers:
        assert InboxMessage.objects.filter(recipient=courier).count() == 2
