"""The finder (N2): the nearest public stations, open now and offering given amenities.

How it stays fast with hundreds of thousands of stations, on SQLite and PostgreSQL alike, with
no spatial extension:

1. Every station carries `grid_cell`, the number of its 0.01° cell (see `geo`), indexed together
   with `is_public`. A rectangle of cells is a few `grid_cell BETWEEN a AND b` range scans, one
   per row of cells.
2. The search reads a square of side 2·h around the point, then only the ring of cells a square
   of double the size adds, and so on (h = 800 m, 1.6 km, 3.2 km … up to the radius).
3. The amenity filter is a bitmask test in SQL (`amenity_mask & m = m`), so only stations
   offering every requested amenity come back. The same query brings today's and yesterday's
   special days of those stations (a LEFT JOIN on an indexed pair), so "open now" needs no
   further query per station; public holidays are read once per search, when needed.
4. Distances are exact haversine in Python. After each step the search knows a radius G inside
   which it has seen every station: the distance from the point to the nearest edge of the cells
   read (an edge of latitude is R·Δφ away; an edge of longitude is the cross-track distance
   asin(cos φ · sin Δλ)·R, and the great circle to anything beyond it crosses it). It stops as
   soon as `limit` matches lie within G, or G reaches the radius — so a nearer station is
   never missed, however the cells fall.
5. Only the winners are loaded as Station objects, with their amenities (two queries).

Typical search: one or two candidate queries, plus the station and amenity loads.
"""

import datetime
import json
import math
from dataclasses import dataclass

from django.db import connection
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.core.errors import DomainError

from . import geo, hours
from .models import Amenity, PublicHoliday, SpecialDay, Station

MIN_RADIUS_M = 1
MAX_RADIUS_M = 50_000
DEFAULT_RADIUS_M = 5_000
MAX_LIMIT = 50
DEFAULT_LIMIT = 10

# The half-side of the first square read, and how each next square grows.
FIRST_STEP_M = 800.0
STEP_GROWTH = 2.0

UNKNOWN_CRS = _("Unknown coordinate system “%(value)s”. Use wgs84 or gcj02.")
UNKNOWN_AMENITY = _("Unknown amenity: %(codes)s.")
LATITUDE_OUT_OF_RANGE = _("Latitude must be a number from -90 to 90.")
LONGITUDE_OUT_OF_RANGE = _("Longitude must be a number from -180 to 180.")
RADIUS_OUT_OF_RANGE = _("The radius must be from %(min)s to %(max)s metres.")
LIMIT_OUT_OF_RANGE = _("The number of results must be from 1 to %(max)s.")


class InvalidSearch(DomainError):
    """Bad finder input; names the parameter (`lat`, `lng`, `crs`, `amenity`, `radius_m`, `limit`)."""

    status_code = 422
    code = "invalid"


@dataclass
class NearbyStation:
    station: Station  # with `amenities` prefetched
    distance_m: int
    is_open_now: bool
    latitude: float  # in the requested coordinate system
    longitude: float


@dataclass(frozen=True)
class Hit:
    """A station that passed the filters, before it is loaded."""

    distance_m: float
    station_id: int
    is_open_now: bool


# --- input -------------------------------------------------------------------------------------


def _validate(*, latitude, longitude, crs, radius_m, limit):
    if crs not in geo.CRS_CHOICES:
        raise InvalidSearch(UNKNOWN_CRS, field="crs", params={"value": crs})
    if not isinstance(latitude, int | float) or not math.isfinite(latitude) or not -90 <= latitude <= 90:
        raise InvalidSearch(LATITUDE_OUT_OF_RANGE, field="lat")
    if not isinstance(longitude, int | float) or not math.isfinite(longitude) or not -180 <= longitude <= 180:
        raise InvalidSearch(LONGITUDE_OUT_OF_RANGE, field="lng")
    if not isinstance(radius_m, int | float) or not MIN_RADIUS_M <= radius_m <= MAX_RADIUS_M:
        raise InvalidSearch(
            RADIUS_OUT_OF_RANGE, field="radius_m", params={"min": MIN_RADIUS_M, "max": MAX_RADIUS_M}
        )
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidSearch(LIMIT_OUT_OF_RANGE, field="limit", params={"max": MAX_LIMIT})


def amenity_mask_for(codes):
    """The bitmask of amenity codes; InvalidSearch(field="amenity") naming any unknown code."""
    codes = sorted({code.strip() for code in codes if code and code.strip()})
    if not codes:
        return 0
    bits = dict(Amenity.objects.filter(code__in=codes).values_list("code", "bit"))
    unknown = [code for code in codes if code not in bits]
    if unknown:
        raise InvalidSearch(UNKNOWN_AMENITY, field="amenity", params={"codes": ", ".join(unknown)})
    mask = 0
    for bit in bits.values():
        mask |= 1 << bit
    return mask


# --- open now, for rows of the candidate query -------------------------------------------------


def _as_date(value):
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def _as_time(value):
    return value if isinstance(value, datetime.time) else datetime.time.fromisoformat(value)


def _compiled_week(schedule):
    if isinstance(schedule, str):
        return hours.compile_schedule(schedule)
    return hours.compile_schedule(json.dumps(schedule or {}, sort_keys=True))


class OpenCheck:
    """Decides "open at `at`" for candidate rows, reading public holidays at most once."""

    def __init__(self, at):
        self.day, self.minute = hours.local_moment(at)
        self.dates = [self.day - datetime.timedelta(days=1), self.day]
        self._holidays = None

    @property
    def holidays(self):
        if self._holidays is None:
            self._holidays = set(
                PublicHoliday.objects.filter(date__in=self.dates).values_list("date", flat=True)
            )
        return self._holidays

    def is_open(self, *, schedule, closes_on_public_holidays, special_days):
        return hours.is_open_in_week(
            _compiled_week(schedule),
            day=self.day,
            minute=self.minute,
            closes_on_public_holidays=closes_on_public_holidays,
            holidays=self.holidays if closes_on_public_holidays else (),
            special_days=special_days,
        )


def candidate_sql(where_sql):
    """SELECT of the columns `rows_to_hits` reads, joined to the special days of two dates.

    Parameters: yesterday, today, then those of `where_sql` (which refers to the station as `s`).
    """
    quote = connection.ops.quote_name
    # Table names are quoted and where_sql is built by this module; every value is a bound parameter.
    return (
        f"SELECT s.id, s.latitude, s.longitude, s.closes_on_public_holidays, s.schedule, "  # noqa: S608
        f"sd.date, sd.is_closed, sd.opens_at, sd.closes_at "
        f"FROM {quote(Station._meta.db_table)} s "
        f"LEFT JOIN {quote(SpecialDay._meta.db_table)} sd "
        f"ON sd.station_id = s.id AND sd.date IN (%s, %s) "
        f"WHERE {where_sql}"
    )


def rows_to_hits(rows, *, latitude, longitude, radius_m, open_now, open_check, seen):
    """Hits within the radius (and open, when asked) from candidate rows; skips ids in `seen`."""
    grouped = {}
    for station_id, lat, lng, closes_on_holidays, schedule, sd_date, sd_closed, sd_opens, sd_closes in rows:
        if station_id in seen:
            continue
        entry = grouped.get(station_id)
        if entry is None:
            entry = grouped[station_id] = [lat, lng, bool(closes_on_holidays), schedule, {}]
        if sd_date is not None:
            closed = bool(sd_closed) or sd_opens is None or sd_closes is None
            entry[4][_as_date(sd_date)] = None if closed else (_as_time(sd_opens), _as_time(sd_closes))
    hits = []
    for station_id, (lat, lng, closes_on_holidays, schedule, special_days) in grouped.items():
        seen.add(station_id)
        distance = geo.haversine_m(latitude, longitude, lat, lng)
        if distance > radius_m:
            continue
        is_open = open_check.is_open(
            schedule=schedule, closes_on_public_holidays=closes_on_holidays, special_days=special_days
        )
        if open_now and not is_open:
            continue
        hits.append(Hit(distance, station_id, is_open))
    return hits


# --- the grid search ---------------------------------------------------------------------------


def _cell_rectangle(latitude, longitude, half_side_m):
    """(row0, row1, col0, col1): the cells covering every point within `half_side_m` north/south
    and east/west of the point."""
    angle = half_side_m / geo.EARTH_RADIUS_M
    d_lat = math.degrees(angle)
    cos_lat = math.cos(math.radians(latitude))
    ratio = math.sin(angle) / cos_lat if cos_lat > 1e-12 else 2.0
    d_lng = math.degrees(math.asin(ratio)) if ratio < 1 else 180.0
    return (
        geo.grid_row(latitude - d_lat),
        geo.grid_row(latitude + d_lat),
        geo.grid_column(longitude - d_lng),
        geo.grid_column(longitude + d_lng),
    )


def _covered_radius(latitude, longitude, rectangle):
    """Metres within which every point lies inside the rectangle of cells (see the module doc)."""
    row0, row1, col0, col1 = rectangle
    size = 1.0 / geo.CELLS_PER_DEGREE
    radius = geo.EARTH_RADIUS_M
    bounds = []
    if row0 > 0:
        bounds.append(math.radians(latitude - (row0 * size - 90.0)) * radius)
    if row1 < geo.GRID_ROWS - 1:
        bounds.append(math.radians(((row1 + 1) * size - 90.0) - latitude) * radius)
    cos_lat = math.cos(math.radians(latitude))
    for delta_degrees, at_edge in (
        (longitude - (col0 * size - 180.0), col0 == 0),
        (((col1 + 1) * size - 180.0) - longitude, col1 == geo.GRID_COLUMNS - 1),
    ):
        if not at_edge:
            delta = min(math.radians(delta_degrees), math.pi / 2)
            bounds.append(math.asin(min(1.0, cos_lat * math.sin(delta))) * radius)
    return max(0.0, min(bounds)) if bounds else math.inf


def _new_cell_ranges(rectangle, previous):
    """[(first_cell, last_cell)] of the cells in `rectangle` and not in `previous`, row by row."""
    row0, row1, col0, col1 = rectangle
    ranges = []
    for row in range(row0, row1 + 1):
        base = row * geo.GRID_COLUMNS
        if previous and previous[0] <= row <= previous[1]:
            if col0 < previous[2]:
                ranges.append((base + col0, base + previous[2] - 1))
            if previous[3] < col1:
                ranges.append((base + previous[3] + 1, base + col1))
        else:
            ranges.append((base + col0, base + col1))
    return ranges


def _fetch_ranges(cursor, ranges, *, mask, dates):
    where = ["s.is_public = %s", "(" + " OR ".join(["s.grid_cell BETWEEN %s AND %s"] * len(ranges)) + ")"]
    params = [*dates, True]
    for first, last in ranges:
        params.extend((first, last))
    if mask:
        where.append("(s.amenity_mask & %s) = %s")
        params.extend((mask, mask))
    cursor.execute(candidate_sql(" AND ".join(where)), params)
    return cursor.fetchall()


def search_grid(*, latitude, longitude, mask, open_now, radius_m, limit, at):
    """The nearest hits (WGS-84 point), nearest first, through the grid index."""
    open_check = OpenCheck(at)
    seen = set()
    hits = []
    previous = None
    half_side = min(FIRST_STEP_M, radius_m)
    with connection.cursor() as cursor:
        while True:
            rectangle = _cell_rectangle(latitude, longitude, half_side)
            ranges = _new_cell_ranges(rectangle, previous)
            if ranges:
                rows = _fetch_ranges(cursor, ranges, mask=mask, dates=open_check.dates)
                hits.extend(
                    rows_to_hits(
                        rows,
                        latitude=latitude,
                        longitude=longitude,
                        radius_m=radius_m,
                        open_now=open_now,
                        open_check=open_check,
                        seen=seen,
                    )
                )
            # The last square's half-side is the radius itself, so it covers the whole circle.
            if half_side >= radius_m:
                break
            covered = _covered_radius(latitude, longitude, rectangle)
            if covered >= radius_m or sum(1 for hit in hits if hit.distance_m <= covered) >= limit:
                break
            previous = rectangle
            half_side = min(half_side * STEP_GROWTH, radius_m)
    hits.sort(key=lambda hit: (hit.distance_m, hit.station_id))
    return hits[:limit]


# --- results -----------------------------------------------------------------------------------


def load_results(hits, *, crs):
    """NearbyStation objects for hits, in their order (one station query, one amenity query)."""
    if not hits:
        return []
    stations = Station.objects.filter(id__in=[hit.station_id for hit in hits]).prefetch_related(
        Prefetch("amenities", queryset=Amenity.objects.order_by("sort_order", "code"))
    )
    by_id = {station.id: station for station in stations}
    results = []
    for hit in hits:
        station = by_id.get(hit.station_id)
        if station is None:  # deleted between the two queries
            continue
        lat, lng = geo.from_wgs84(station.latitude, station.longitude, crs)
        results.append(
            NearbyStation(
                station=station,
                distance_m=round(hit.distance_m),
                is_open_now=hit.is_open_now,
                latitude=lat,
                longitude=lng,
            )
        )
    return results


def find_nearby(
    *,
    latitude,
    longitude,
    crs="wgs84",
    amenity_codes=(),
    open_now=False,
    radius_m=DEFAULT_RADIUS_M,
    limit=DEFAULT_LIMIT,
    at=None,
):
    """The nearest public stations to a point, nearest first.

    `latitude`/`longitude` are in `crs` ("wgs84" or "gcj02"); results carry their coordinates in
    the same system. `amenity_codes`: every one must be offered. `open_now`: only stations open
    at `at` (default now, judged in Asia/Shanghai). Only stations within `radius_m` metres.

    Raises InvalidSearch (a DomainError, status 422) with `field` one of lat, lng, crs, amenity,
    radius_m, limit. Reads only; no side effects.
    """
    _validate(latitude=latitude, longitude=longitude, crs=crs, radius_m=radius_m, limit=limit)
    mask = amenity_mask_for(amenity_codes)
    at = at or timezone.now()
    if timezone.is_naive(at):
        at = timezone.make_aware(at, hours.SHANGHAI)
    wgs_lat, wgs_lng = geo.to_wgs84(latitude, longitude, crs)
    hits = search_grid(
        latitude=wgs_lat,
        longitude=wgs_lng,
        mask=mask,
        open_now=open_now,
        radius_m=radius_m,
        limit=limit,
        at=at,
    )
    return load_results(hits, crs=crs)
