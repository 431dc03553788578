"""Stations for the finder's tests, built with the ORM and `refresh_derived` (no services needed)."""

import itertools

from nuanxin.accounts.models import Role
from nuanxin.accounts.tests.factories import staff
from nuanxin.stations.derived import refresh_derived
from nuanxin.stations.hours import parse_periods
from nuanxin.stations.models import Amenity, DemonstrationBatch, OpeningPeriod, Station

_numbers = itertools.count(1)

EVERY_DAY = [(weekday, "00:00", "00:00") for weekday in range(7)]


def make_station(
    area,
    *,
    latitude,
    longitude,
    name=None,
    amenities=(),
    periods=EVERY_DAY,
    status=Station.Status.ACTIVE,
    **fields,
):
    """A station at a WGS-84 point. `periods`: [(weekday, "HH:MM", "HH:MM")], open all week by
    default; `amenities`: codes."""
    number = next(_numbers)
    if status == Station.Status.DEMONSTRATION and "demonstration_batch" not in fields:
        fields["demonstration_batch"], _created = DemonstrationBatch.objects.get_or_create(name="首批示范点")
    station = Station.objects.create(
        name=name or f"测试暖心驿站{number}",
        host_type=fields.pop("host_type", Station.HostType.SOCIAL_WORK_STATION),
        host_organization=fields.pop("host_organization", "劝业场街道社工站"),
        area=area,
        address=fields.pop("address", f"和平区测试路{number}号"),
        latitude=latitude,
        longitude=longitude,
        status=status,
        **fields,
    )
    rows = [
        {"weekday": weekday, "opens_at": opens, "closes_at": closes} for weekday, opens, closes in periods
    ]
    OpeningPeriod.objects.bulk_create(
        OpeningPeriod(station=station, weekday=weekday, opens_at=opens_at, closes_at=closes_at)
        for weekday, opens_at, closes_at in parse_periods(rows)
    )
    if amenities:
        station.amenities.set(Amenity.objects.filter(code__in=amenities))
    refresh_derived(station)
    return station


def make_steward(area, **fields):
    """A steward account working in `area` (`display_name` and other User fields may be given)."""
    return staff(Role.STEWARD, area, username=fields.pop("username", f"steward{next(_numbers)}"), **fields)
