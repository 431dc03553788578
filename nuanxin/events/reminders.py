"""Reminders before an event, sent to the couriers who hold a confirmed seat.

`event_reminders_send(at=None)` is the one entry point (the task `tasks.send_reminders`, Celery beat
every 10 minutes, and `manage.py send_event_reminders`); `at` is the clock, which tests and the
command's `--at` set.

The offsets come from the setting NUANXIN_EVENT_REMINDERS (minutes before the start; default
24 h and 2 h). They cut the time before an event into windows: with 24 h and 2 h, (2 h, 24 h] is
the 24 h reminder's window and (0, 2 h] the 2 h reminder's. A run sends, per sign-up, only the
reminder of the window it falls in, once:

- **at most one reminder per sign-up and offset**, ever: the `EventReminder` row (unique on sign-up
  and offset) is written in the same transaction as the inbox message;
- **no stack after a late run**: a run that comes late (the worker was down) sends the 24 h
  reminder only while the event is still more than 2 h away; past that, only the 2 h reminder —
  a skipped reminder is never sent later;
- **only a seat held at the reminder's moment** is reminded: a courier who signed up or moved up
  from the waiting list after `start - offset` is not sent that offset's reminder (they have just
  been told; the next offset reminds them);
- skipped: events that are not published (drafts, cancelled, closed) or have started, cancelled
  and waiting sign-ups, couriers who attended already, turned reminders off (`wants_reminders`)
  or deleted their account.

Each event is handled in its own transaction under the event's row lock (the lock sign-up,
cancellation and `event_update` take), so a run never reminds of a seat being cancelled at that
moment, and two runs at once queue on the lock: the second sees the first's `EventReminder` rows
and sends nothing more. The unique constraint stands behind that: if it were ever hit, the event's
whole batch rolls back and nothing is sent twice.

Delivery: the courier's in-app inbox (`messaging.services.inbox_message_send`, as the hall and the
other event notices), linking to the ticket page. Messaging's SMS and WeCom deliveries are rows of
an announcement; they have no per-courier path yet (docs/events.md).
"""

import datetime
import logging
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from nuanxin.messaging.services import inbox_message_send

from .models import Event, EventReminder, Signup

logger = logging.getLogger(__name__)

DEFAULT_OFFSETS_MINUTES = (24 * 60, 2 * 60)
SHANGHAI = ZoneInfo("Asia/Shanghai")
REMINDER_TITLE = _("Reminder: %(title)s")
REMINDER_BODY = _(
    "“%(title)s” starts at %(starts_at)s. Place: %(place)s. Open this message to show your ticket at "
    "the entrance. You can turn reminders off on the ticket page."
)


def reminder_offsets():
    """The configured offsets in minutes, largest first, without repeats or non-positive values."""
    configured = getattr(settings, "NUANXIN_EVENT_REMINDERS", DEFAULT_OFFSETS_MINUTES)
    return sorted({int(minutes) for minutes in configured if int(minutes) > 0}, reverse=True)


def offset_due(*, starts_at, at, offsets):
    """The offset (minutes) whose window `at` falls in, or None (too early, or started).

    The window of an offset runs from `start - offset` to `start - next smaller offset`: so a late
    run sends the 24 h reminder only while the event is still more than 2 h away.
    """
    left = starts_at - at
    if left <= datetime.timedelta(0):
        return None
    due = None
    for minutes in offsets:  # largest first: the last one still ≥ the time left is the window
        if datetime.timedelta(minutes=minutes) >= left:
            due = minutes
    return due


def offsets_label(offsets=None):
    """The offsets as people read them, e.g. "24 小时 / 2 小时" (in the active language)."""
    parts = []
    for minutes in reminder_offsets() if offsets is None else offsets:
        if minutes % 60 == 0:
            hours = minutes // 60
            parts.append(ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours})
        else:
            parts.append(ngettext("%(count)s minute", "%(count)s minutes", minutes) % {"count": minutes})
    return " / ".join(parts)


def local_time(value):
    """A time as couriers read it: Asia/Shanghai, to the minute ("2026-07-15 14:00")."""
    return timezone.localtime(value, SHANGHAI).strftime("%Y-%m-%d %H:%M")


def ticket_link(event):
    return reverse("mobile_events:ticket", args=[event.public_id])


def reminder_text(event):
    """The reminder's title and body, in the site's language (Simplified Chinese first)."""
    with translation.override(settings.LANGUAGE_CODE):
        title = str(REMINDER_TITLE % {"title": event.title})
        body = str(
            REMINDER_BODY
            % {"title": event.title, "starts_at": local_time(event.starts_at), "place": event.place}
        )
    return title, body


def _due_signups(event, *, minutes, moment):
    return (
        Signup.objects.filter(
            event=event,
            status=Signup.Status.CONFIRMED,
            wants_reminders=True,
            attended_at__isnull=True,
            courier__deleted_at__isnull=True,
            courier__user__is_active=True,
        )
        # the seat was held at the reminder's moment (confirmed at sign-up, or moved up, by then)
        .filter(Q(promoted_at__isnull=True, signed_up_at__lte=moment) | Q(promoted_at__lte=moment))
        .exclude(reminders__offset_minutes=minutes)
        .select_related("courier")
        .order_by("pk")
    )


@transaction.atomic
def _remind_event(event_id, *, at, offsets):
    event = (
        Event.objects.select_for_update(of=("self",))
        .select_related("station")
        .filter(pk=event_id, status=Event.Status.PUBLISHED, starts_at__gt=at)
        .first()
    )
    if event is None:
        return 0
    minutes = offset_due(starts_at=event.starts_at, at=at, offsets=offsets)
    if minutes is None:
        return 0
    signups = list(
        _due_signups(event, minutes=minutes, moment=event.starts_at - datetime.timedelta(minutes=minutes))
    )
    if not signups:
        return 0
    # Written first: a duplicate (impossible under the lock) raises here and rolls the batch back.
    EventReminder.objects.bulk_create(
        [EventReminder(signup=signup, offset_minutes=minutes, sent_at=at) for signup in signups]
    )
    title, body = reminder_text(event)
    link = ticket_link(event)
    for signup in signups:
        inbox_message_send(recipient=signup.courier, title=title, body=body, link=link)
    return len(signups)


def event_reminders_send(*, at=None):
    """Send the reminders that are due at `at` (default: now). Returns how many were sent.

    Idempotent and safe to run in parallel (see the module's docstring). Side effects: one inbox
    message and one EventReminder row per reminder.
    """
    at = at or timezone.now()
    offsets = reminder_offsets()
    if not offsets:
        return 0
    horizon = at + datetime.timedelta(minutes=offsets[0])
    event_ids = list(
        Event.objects.filter(status=Event.Status.PUBLISHED, starts_at__gt=at, starts_at__lte=horizon)
        .order_by("starts_at", "pk")
        .values_list("pk", flat=True)
    )
    sent = 0
    for event_id in event_ids:
        try:
            sent += _remind_event(event_id, at=at, offsets=offsets)
        except IntegrityError:  # another run got there first: its batch stands, ours rolled back
            logger.warning("event %s: reminders already written by a parallel run", event_id)
    return sent
