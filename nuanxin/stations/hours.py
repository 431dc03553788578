"""Opening hours: validation, the stored weekly schedule, and "open now" in Asia/Shanghai.

Rules (the same everywhere: finder, API, pages):
- A weekday's periods come from `OpeningPeriod` rows; a weekday without rows is a closed day.
- `closes_at` at or before `opens_at` runs past midnight into the next day (Fri 22:00–06:00 is
  open on Saturday at 02:00); 00:00–00:00 is the whole day; a period closing at 00:00 ends at
  midnight.
- A 24-hour station is open all week.
- On a public holiday (`PublicHoliday`) a station with `closes_on_public_holidays` keeps no hours,
  including the part of a holiday's night period that runs into the next morning.
- A `SpecialDay` of the station replaces that date's hours (closed, or other hours) — for
  24-hour stations and on holidays too. Its night part runs into the next morning likewise.

`Station.schedule` (written by `derived.refresh_derived`) stores the week compactly so the finder
decides "open now" for many stations without reading their periods:
    {"version": 1, "is_24_hours": false, "week": [[[480, 1200]], [], ...]}
seven lists (Monday first) of [start, end) minute intervals; `end` above 1440 runs into the next
day.
"""

import datetime
import json
import re
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.core.errors import ValidationFailed

SHANGHAI = ZoneInfo("Asia/Shanghai")
MINUTES_PER_DAY = 24 * 60
SCHEDULE_VERSION = 1

FIELD_REQUIRED = _("This field is required.")
PERIODS_NOT_A_LIST = _("Enter a list of opening periods.")
PERIOD_NOT_AN_OBJECT = _("Enter an opening period with weekday, opens_at and closes_at.")
TIME_INVALID = _("Enter a time as HH:MM, from 00:00 to 23:59.")
WEEKDAY_INVALID = _("Choose a weekday from 0 (Monday) to 6 (Sunday).")
PERIOD_EMPTY = _("Opening and closing time are the same. For a whole day enter 00:00–00:00.")
PERIOD_OVERLAPS = _("This period overlaps another period of the same day.")

WEEKDAY_LABELS = (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))
CLOSED_LABEL = _("Closed")
OPEN_ALL_DAY_LABEL = _("Open 24 hours")
PERIOD_LABEL = _("%(opens)s–%(closes)s")
NIGHT_PERIOD_LABEL = _("%(opens)s–%(closes)s (next day)")

_TIME_PATTERN = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_WHOLE_DAY = (0, MINUTES_PER_DAY)


# --- validation ---------------------------------------------------------------------------------


def _parse_time(value, *, allow_24=False):
    """'HH:MM' (or a time) → datetime.time. '24:00' is accepted as a closing time (= 00:00)."""
    if isinstance(value, datetime.time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    if not isinstance(value, str):
        raise ValueError
    match = _TIME_PATTERN.match(value.strip())
    if not match:
        raise ValueError
    hour, minute = int(match.group(1)), int(match.group(2))
    if allow_24 and hour == 24 and minute == 0:
        return datetime.time(0, 0)
    return datetime.time(hour, minute)  # raises ValueError when out of range


def _parse_weekday(value):
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or not 0 <= value <= 6:
        raise ValueError
    return value


def period_minutes(opens_at, closes_at):
    """[start, end) in minutes from the day's midnight; `end` > 1440 runs past midnight."""
    start = opens_at.hour * 60 + opens_at.minute
    end = closes_at.hour * 60 + closes_at.minute
    if end <= start:
        end += MINUTES_PER_DAY
    return start, end


def parse_periods(rows):
    """Validate opening-period rows {"weekday": 0..6, "opens_at": "HH:MM", "closes_at": "HH:MM"}.

    Returns [(weekday, opens_at, closes_at)] sorted by weekday and opening time.
    Raises ValidationFailed with keys like "opening_periods.2.closes_at" for a malformed time,
    a weekday outside 0..6, a period that opens and closes at the same time (other than the
    whole-day 00:00–00:00), and periods that overlap (including a night period running into
    the next day's first period).
    """
    if not isinstance(rows, list | tuple):
        raise ValidationFailed({"opening_periods": [PERIODS_NOT_A_LIST]})
    errors = {}
    parsed = []  # (index, weekday, opens_at, closes_at)
    for index, row in enumerate(rows):
        prefix = f"opening_periods.{index}"
        if not isinstance(row, dict):
            errors[prefix] = [PERIOD_NOT_AN_OBJECT]
            continue
        values = {}
        for key, parser in (
            ("weekday", _parse_weekday),
            ("opens_at", _parse_time),
            ("closes_at", lambda value: _parse_time(value, allow_24=True)),
        ):
            raw = row.get(key)
            if raw is None or raw == "":
                errors[f"{prefix}.{key}"] = [FIELD_REQUIRED]
                continue
            try:
                values[key] = parser(raw)
            except (ValueError, TypeError):
                errors[f"{prefix}.{key}"] = [WEEKDAY_INVALID if key == "weekday" else TIME_INVALID]
        if len(values) < 3:
            continue
        opens_at, closes_at = values["opens_at"], values["closes_at"]
        if opens_at == closes_at and opens_at != datetime.time(0, 0):
            errors[f"{prefix}.closes_at"] = [PERIOD_EMPTY]
            continue
        parsed.append((index, values["weekday"], opens_at, closes_at))

    # Overlaps, on a timeline of the week in minutes (a night period reaching into the next day,
    # and Sunday night into Monday morning, included).
    week_minutes = 7 * MINUTES_PER_DAY
    spans = []
    for index, weekday, opens_at, closes_at in parsed:
        start, end = period_minutes(opens_at, closes_at)
        offset = weekday * MINUTES_PER_DAY
        spans.append((offset + start, offset + end, index))
        if offset + end > week_minutes:
            spans.append((offset + start - week_minutes, offset + end - week_minutes, index))
    spans.sort()
    reach_end, reach_index = None, None  # the furthest end seen so far, and whose it is
    for start, end, index in spans:
        if reach_end is not None and start < reach_end and index != reach_index:
            later = max(index, reach_index)
            errors.setdefault(f"opening_periods.{later}.opens_at", [PERIOD_OVERLAPS])
        if reach_end is None or end > reach_end:
            reach_end, reach_index = end, index

    if errors:
        raise ValidationFailed(errors)
    return sorted(((weekday, opens, closes) for _i, weekday, opens, closes in parsed), key=lambda p: p[:2])


# --- the stored schedule -----------------------------------------------------------------------


def build_schedule(periods, *, is_24_hours):
    """The JSON stored in Station.schedule, from [(weekday, opens_at, closes_at)] (times or
    OpeningPeriod-like objects are both fine via `periods_of`)."""
    if is_24_hours:
        week = [[list(_WHOLE_DAY)] for _weekday in range(7)]
    else:
        week = [[] for _weekday in range(7)]
        for weekday, opens_at, closes_at in sorted(periods, key=lambda p: (p[0], p[1])):
            week[weekday].append(list(period_minutes(opens_at, closes_at)))
    return {"version": SCHEDULE_VERSION, "is_24_hours": bool(is_24_hours), "week": week}


def periods_of(station):
    """[(weekday, opens_at, closes_at)] of a saved station (uses a prefetch when there is one)."""
    return [(period.weekday, period.opens_at, period.closes_at) for period in station.opening_periods.all()]


@lru_cache(maxsize=4096)
def compile_schedule(schedule_json):
    """The week of a stored schedule (JSON text) as a tuple of 7 tuples of (start, end).

    Cached: thousands of stations share a handful of distinct schedules, so the finder parses
    each distinct text once per process.
    """
    return _week_of(json.loads(schedule_json) if schedule_json else {})


def _week_of(schedule):
    week = (schedule or {}).get("week") or [[] for _weekday in range(7)]
    return tuple(tuple((int(start), int(end)) for start, end in day) for day in week)


def special_day_hours(special_day):
    """A SpecialDay as the value `is_open_at` expects: None when closed, else (opens_at, closes_at)."""
    if special_day.is_closed or special_day.opens_at is None or special_day.closes_at is None:
        return None
    return (special_day.opens_at, special_day.closes_at)


def local_moment(at=None):
    """`at` (aware; default now) in Asia/Shanghai as (date, minute of the day)."""
    local = timezone.localtime(at or timezone.now(), SHANGHAI)
    return local.date(), local.hour * 60 + local.minute


def _day_intervals(week, day, *, closes_on_public_holidays, holidays, special_days):
    if day in special_days:
        hours = special_days[day]
        return () if hours is None else (period_minutes(*hours),)
    if closes_on_public_holidays and day in holidays:
        return ()
    return week[day.weekday()]


def is_open_in_week(week, *, day, minute, closes_on_public_holidays, holidays, special_days):
    """The core rule on a compiled week (see `compile_schedule`) at local `day` and `minute`."""
    for intervals_day, moment in (
        (day, minute),
        (day - datetime.timedelta(days=1), minute + MINUTES_PER_DAY),
    ):
        intervals = _day_intervals(
            week,
            intervals_day,
            closes_on_public_holidays=closes_on_public_holidays,
            holidays=holidays,
            special_days=special_days,
        )
        for start, end in intervals:
            if start <= moment < end:
                return True
    return False


def is_open_at(*, schedule, at, closes_on_public_holidays, holidays, special_days):
    """Whether a station with this stored `schedule` is open at the aware datetime `at`.

    `holidays`: set of dates that are public holidays (today's and yesterday's are enough).
    `special_days`: {date: None (closed) | (opens_at, closes_at)} for this station.
    """
    day, minute = local_moment(at)
    return is_open_in_week(
        _week_of(schedule),
        day=day,
        minute=minute,
        closes_on_public_holidays=closes_on_public_holidays,
        holidays=holidays,
        special_days=special_days,
    )


def relevant_dates(at=None):
    """The local dates whose hours can make a station open at `at`: yesterday (a night period
    running past midnight) and today."""
    day, _minute = local_moment(at)
    return [day - datetime.timedelta(days=1), day]


def station_is_open_now(station, at=None):
    """Convenience for one station (two small queries). The finder batches these instead."""
    from .models import PublicHoliday

    at = at or timezone.now()
    dates = relevant_dates(at)
    holidays = set()
    if station.closes_on_public_holidays:
        holidays = set(PublicHoliday.objects.filter(date__in=dates).values_list("date", flat=True))
    special_days = {
        special_day.date: special_day_hours(special_day)
        for special_day in station.special_days.filter(date__in=dates)
    }
    schedule = station.schedule or build_schedule(periods_of(station), is_24_hours=station.is_24_hours)
    return is_open_at(
        schedule=schedule,
        at=at,
        closes_on_public_holidays=station.closes_on_public_holidays,
        holidays=holidays,
        special_days=special_days,
    )


# --- description -------------------------------------------------------------------------------


def _clock(value):
    return f"{value.hour:02d}:{value.minute:02d}"


def describe_period(opens_at, closes_at):
    """'08:00–20:00', '20:00–24:00', '22:00–06:00 (next day)' or 'Open 24 hours' (00:00–00:00)."""
    if opens_at == closes_at == datetime.time(0, 0):
        return str(OPEN_ALL_DAY_LABEL)
    if closes_at == datetime.time(0, 0):
        return str(PERIOD_LABEL) % {"opens": _clock(opens_at), "closes": "24:00"}
    label = NIGHT_PERIOD_LABEL if closes_at <= opens_at else PERIOD_LABEL
    return str(label) % {"opens": _clock(opens_at), "closes": _clock(closes_at)}


def describe_hours(station):
    """[(weekday label, hours text)] Monday first, e.g. [("Mon", "08:00–20:00"), …, ("Sun", "Closed")],
    in the active language."""
    if station.is_24_hours:
        return [(str(label), str(OPEN_ALL_DAY_LABEL)) for label in WEEKDAY_LABELS]
    by_weekday = {weekday: [] for weekday in range(7)}
    for weekday, opens_at, closes_at in sorted(periods_of(station), key=lambda p: (p[0], p[1])):
        by_weekday[weekday].append(describe_period(opens_at, closes_at))
    return [
        (str(WEEKDAY_LABELS[weekday]), ", ".join(texts) if texts else str(CLOSED_LABEL))
        for weekday, texts in by_weekday.items()
    ]
