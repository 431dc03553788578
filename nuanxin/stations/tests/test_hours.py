"""Opening hours: validation of periods, and "open now" in Asia/Shanghai."""

import datetime

import pytest
from django.utils import translation

from nuanxin.core.errors import ValidationFailed
from nuanxin.stations.hours import (
    SHANGHAI,
    build_schedule,
    describe_hours,
    is_open_at,
    parse_periods,
    station_is_open_now,
)
from nuanxin.stations.models import PublicHoliday, SpecialDay

from .factories_finder import make_station

# 2025-10-03 is a Friday inside the National Day holiday; 2025-10-04 the Saturday after it.
FRIDAY = datetime.date(2025, 10, 3)
SATURDAY = datetime.date(2025, 10, 4)
SUNDAY = datetime.date(2025, 10, 5)


def shanghai(day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SHANGHAI)


def rows(*periods):
    return [
        {"weekday": weekday, "opens_at": opens, "closes_at": closes} for weekday, opens, closes in periods
    ]


def schedule_of(*periods, is_24_hours=False):
    return build_schedule(parse_periods(rows(*periods)), is_24_hours=is_24_hours)


def open_at(schedule, at, *, closes_on_public_holidays=False, holidays=(), special_days=None):
    return is_open_at(
        schedule=schedule,
        at=at,
        closes_on_public_holidays=closes_on_public_holidays,
        holidays=set(holidays),
        special_days=special_days or {},
    )


def field_errors(excinfo):
    return {field: [str(message) for message in messages] for field, messages in excinfo.value.errors.items()}


# --- validation ---------------------------------------------------------------------------------


def test_valid_periods_are_parsed_and_sorted():
    # when
    periods = parse_periods(rows((4, "22:00", "06:00"), (0, "14:00", "18:00"), (0, "08:00", "12:00")))
    # then
    assert periods == [
        (0, datetime.time(8), datetime.time(12)),
        (0, datetime.time(14), datetime.time(18)),
        (4, datetime.time(22), datetime.time(6)),
    ]


def test_24_00_is_accepted_as_a_closing_time_meaning_midnight():
    assert parse_periods(rows((2, "18:00", "24:00"))) == [(2, datetime.time(18), datetime.time(0))]


def test_whole_day_is_00_00_to_00_00():
    assert parse_periods(rows((6, "00:00", "00:00"))) == [(6, datetime.time(0), datetime.time(0))]


@pytest.mark.parametrize("bad_time", ["25:00", "8", "abc", "12:60", "24:30", 800])
def test_a_malformed_time_names_the_row_and_field(bad_time):
    # when
    with pytest.raises(ValidationFailed) as excinfo:
        parse_periods(rows((0, "08:00", "12:00"), (1, "08:00", bad_time)))
    # then
    assert list(excinfo.value.errors) == ["opening_periods.1.closes_at"]


@pytest.mark.parametrize("bad_weekday", [7, -1, "Monday", True, 1.5])
def test_a_weekday_outside_0_to_6_is_refused(bad_weekday):
    with pytest.raises(ValidationFailed) as excinfo:
        parse_periods(rows((bad_weekday, "08:00", "12:00")))
    assert list(excinfo.value.errors) == ["opening_periods.0.weekday"]


def test_missing_keys_are_each_reported():
    with pytest.raises(ValidationFailed) as excinfo:
        parse_periods([{"weekday": 0}])
    assert set(excinfo.value.errors) == {"opening_periods.0.opens_at", "opening_periods.0.closes_at"}


def test_not_a_list_or_not_objects_is_refused():
    with pytest.raises(ValidationFailed) as excinfo:
        parse_periods("mon 8-12")
    assert list(excinfo.value.errors) == ["opening_periods"]
    with pytest.raises(ValidationFailed) as excinfo:
        parse_periods(["mon 8-12"])
    assert list(excinfo.value.errors) == ["opening_periods.0"]


def test_same_opening_and_closing_time_is_refused_in_the_readers_language():
    with pytest.raises(ValidationFailed) as excinfo:
        parse_periods(rows((3, "09:00", "09:00")))
    # The messages are lazy: they speak the language active when they are read.
    with translation.override("en"):
        assert field_errors(excinfo) == {
            "opening_periods.0.closes_at": [
                "Opening and closing time are the same. For a whole day enter 00:00–00:00."
            ]
        }
    with translation.override("zh-hans"):
        assert field_errors(excinfo) == {
            "opening_periods.0.closes_at": ["开门时间与关门时间相同。如全天开放，请填写 00:00–00:00。"]
        }


def test_overlapping_periods_of_one_day_are_refused():
    with pytest.raises(ValidationFailed) as excinfo:
        parse_periods(rows((0, "08:00", "18:00"), (0, "12:00", "20:00"), (1, "12:00", "20:00")))
    with translation.override("en"):
        assert field_errors(excinfo) == {
            "opening_periods.1.opens_at": ["This period overlaps another period of the same day."]
        }


def test_a_long_period_overlapping_a_later_one_is_found_past_a_short_one():
    with pytest.raises(ValidationFailed) as excinfo:
        parse_periods(rows((0, "00:00", "00:00"), (0, "08:00", "09:00"), (0, "10:00", "11:00")))
    assert set(excinfo.value.errors) == {"opening_periods.1.opens_at", "opening_periods.2.opens_at"}


def test_a_night_period_overlapping_the_next_morning_is_refused_also_sunday_into_monday():
    with pytest.raises(ValidationFailed) as excinfo:
        parse_periods(rows((4, "22:00", "06:00"), (5, "05:00", "12:00")))
    assert list(excinfo.value.errors) == ["opening_periods.1.opens_at"]
    with pytest.raises(ValidationFailed) as excinfo:
        parse_periods(rows((0, "05:00", "12:00"), (6, "22:00", "06:00")))
    assert list(excinfo.value.errors) == ["opening_periods.1.opens_at"]


def test_touching_periods_do_not_overlap():
    assert len(parse_periods(rows((4, "22:00", "06:00"), (5, "06:00", "12:00"), (5, "12:00", "14:00")))) == 3


# --- open now -----------------------------------------------------------------------------------


def test_a_night_period_is_open_after_midnight_the_next_day():
    # given: Friday 22:00–06:00 only
    schedule = schedule_of((4, "22:00", "06:00"))
    # then
    assert open_at(schedule, shanghai(FRIDAY, 21, 59)) is False
    assert open_at(schedule, shanghai(FRIDAY, 22, 0)) is True
    assert open_at(schedule, shanghai(SATURDAY, 2, 0)) is True
    assert open_at(schedule, shanghai(SATURDAY, 5, 59)) is True
    assert open_at(schedule, shanghai(SATURDAY, 6, 0)) is False
    assert open_at(schedule, shanghai(SATURDAY, 23, 0)) is False


def test_the_moment_is_judged_in_shanghai_whatever_its_time_zone():
    # given: Saturday 02:30 in Shanghai is Friday 18:30 UTC
    schedule = schedule_of((4, "22:00", "06:00"))
    at = datetime.datetime(2025, 10, 3, 18, 30, tzinfo=datetime.UTC)
    # then
    assert open_at(schedule, at) is True


def test_a_holiday_closes_the_night_that_starts_on_it_for_stations_closing_on_holidays():
    # given: Friday is a public holiday
    schedule = schedule_of((4, "22:00", "06:00"))
    # then: the station that closes on holidays is closed on Friday night and Saturday 02:00
    assert (
        open_at(schedule, shanghai(SATURDAY, 2), closes_on_public_holidays=True, holidays=[FRIDAY]) is False
    )
    assert open_at(schedule, shanghai(FRIDAY, 23), closes_on_public_holidays=True, holidays=[FRIDAY]) is False
    # and a station that stays open on holidays is not affected
    assert (
        open_at(schedule, shanghai(SATURDAY, 2), closes_on_public_holidays=False, holidays=[FRIDAY]) is True
    )


def test_a_holiday_on_the_morning_after_does_not_cut_the_previous_nights_period():
    # given: the night belongs to Friday, a working day; Saturday is the holiday
    schedule = schedule_of((4, "22:00", "06:00"), (5, "09:00", "17:00"))
    # then
    assert open_at(schedule, shanghai(SATURDAY, 2), closes_on_public_holidays=True, holidays=[SATURDAY])
    assert not open_at(schedule, shanghai(SATURDAY, 10), closes_on_public_holidays=True, holidays=[SATURDAY])


def test_a_weekday_without_periods_is_closed_all_day():
    schedule = schedule_of((0, "08:00", "20:00"), (2, "08:00", "20:00"))
    tuesday = datetime.date(2025, 9, 30)
    assert open_at(schedule, shanghai(tuesday, 12)) is False
    assert open_at(schedule, shanghai(tuesday - datetime.timedelta(days=1), 12)) is True


def test_a_24_hour_station_is_always_open_unless_a_holiday_or_special_day_closes_it():
    schedule = schedule_of(is_24_hours=True)
    assert all(open_at(schedule, shanghai(SUNDAY, hour)) for hour in range(24))
    assert open_at(schedule, shanghai(FRIDAY, 3), holidays=[FRIDAY]) is True
    assert open_at(schedule, shanghai(FRIDAY, 3), closes_on_public_holidays=True, holidays=[FRIDAY]) is False
    assert open_at(schedule, shanghai(SUNDAY, 3), special_days={SUNDAY: None}) is False


def test_a_special_day_replaces_the_weekday_hours():
    # given: Fridays 08:00–20:00; this Friday only 10:00–14:00
    schedule = schedule_of((4, "08:00", "20:00"))
    special = {FRIDAY: (datetime.time(10), datetime.time(14))}
    # then
    assert open_at(schedule, shanghai(FRIDAY, 9), special_days=special) is False
    assert open_at(schedule, shanghai(FRIDAY, 11), special_days=special) is True
    assert open_at(schedule, shanghai(FRIDAY, 15), special_days=special) is False


def test_a_special_day_can_open_a_closed_day_or_a_holiday_and_run_past_midnight():
    schedule = schedule_of((0, "08:00", "20:00"))
    special = {FRIDAY: (datetime.time(20), datetime.time(2))}
    assert open_at(schedule, shanghai(FRIDAY, 21), special_days=special) is True
    assert open_at(schedule, shanghai(SATURDAY, 1), special_days=special) is True
    assert (
        open_at(
            schedule,
            shanghai(SATURDAY, 1),
            closes_on_public_holidays=True,
            holidays=[FRIDAY],
            special_days=special,
        )
        is True
    )


def test_a_closed_special_day_closes_its_night_period_too():
    schedule = schedule_of((4, "22:00", "06:00"))
    assert open_at(schedule, shanghai(SATURDAY, 2), special_days={FRIDAY: None}) is False


# --- with the database ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_station_is_open_now_reads_holidays_and_special_days(areas):
    # given: a station open Friday 22:00–06:00 that closes on holidays
    station = make_station(
        areas["street"],
        latitude=39.12,
        longitude=117.19,
        periods=[(4, "22:00", "06:00")],
        closes_on_public_holidays=True,
    )
    saturday_night = shanghai(SATURDAY, 2)
    assert station_is_open_now(station, saturday_night) is True
    # when: Friday becomes a public holiday
    PublicHoliday.objects.create(date=FRIDAY, name="国庆节")
    # then
    assert station_is_open_now(station, saturday_night) is False
    # when: the station opens that night anyway
    SpecialDay.objects.create(
        station=station, date=FRIDAY, is_closed=False, opens_at=datetime.time(23), closes_at=datetime.time(3)
    )
    # then
    assert station_is_open_now(station, saturday_night) is True
    assert station_is_open_now(station, shanghai(SATURDAY, 4)) is False


@pytest.mark.django_db
def test_describe_hours_lists_every_weekday_in_english(areas):
    station = make_station(
        areas["street"],
        latitude=39.12,
        longitude=117.19,
        periods=[
            (0, "08:00", "12:00"),
            (0, "14:00", "18:00"),
            (4, "22:00", "06:00"),
            (5, "18:00", "00:00"),
            (6, "00:00", "00:00"),
        ],
    )
    with translation.override("en"):
        described = describe_hours(station)
    assert described == [
        ("Mon", "08:00–12:00, 14:00–18:00"),
        ("Tue", "Closed"),
        ("Wed", "Closed"),
        ("Thu", "Closed"),
        ("Fri", "22:00–06:00 (next day)"),
        ("Sat", "18:00–24:00"),
        ("Sun", "Open 24 hours"),
    ]
    station.is_24_hours = True
    with translation.override("en"):
        assert {text for _label, text in describe_hours(station)} == {"Open 24 hours"}
