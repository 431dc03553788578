"""The finder (N2): the nearest public stations, open now and offering given amenities; and the
public reads of the station API (one station, the stations of a map view).

How it stays fast with hundreds of thousands of stations, on SQLite and PostgreSQL alike, with
no spatial extension (figures: docs/benchmarks.md; the whole story: docs/finder.md):

1. Every station carries `grid_cell`, the number of its 0.01° cell (see `geo`), in the index
   (is_public, grid_cell). A rectangle of cells is read as `grid_cell = ANY(array)` on
   PostgreSQL (one index scan, cheap to plan) and as `grid_cell BETWEEN a AND b` ranges, one per
   row of cells, on SQLite. On PostgreSQL the index also INCLUDEs every column the candidate
   query reads, so it is an index-only scan over neighbouring cells.
2. The search reads a square of side 2·h around the point, then only the ring of cells a square
   of double the size adds, and so on (h = 1.6 km, 3.2 km … up to the radius).
3. The amenity filter is a bitmask test in SQL (`amenity_mask & m = m`). The same query brings
   today's and yesterday's special days of those stations (a LEFT JOIN on an indexed pair) and
   whether those two dates are public holidays (two constant sub-selects): "open now" needs no
   further query.
4. Distances are exact haversine in Python. After each step the search knows a radius G inside
   which it has seen every station: the distance from the point to the nearest edge of the cells
   read (an edge of latitude is R·Δφ away; an edge of longitude is the cross-track distance
   asin(cos φ · sin Δλ)·R, and the great circle to anything beyond it crosses it). It stops as
   soon as `limit` matches lie within G, or G reaches the radius — so a nearer station is
   never missed, however the cells fall. Opening hours are judged nearest first and only until
   `limit` open stations are found, not for every station read.
5. Only the winners are loaded as Station objects, with their area, in one query; their
   amenities come from their `amenity_mask` and the amenity list read at the start.

Typical search: the amenity list, one or two candidate queries, the winners.
"""

import datetime
import json
import math
import uuid
from dataclasses import dataclass

from django.db import connection
from django.db.models import F, Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.areas.models import Area
from nuanxin.core.errors import DomainError, NotFound

from . import geo, hours
from .models import Amenity, PublicHoliday, SpecialDay, Station, StationPhoto

MIN_RADIUS_M = 1
MAX_RADIUS_M = 50_000
DEFAULT_RADIUS_M = 5_000
MAX_LIMIT = 50
DEFAULT_LIMIT = 10

# The half-side of the first square read, and how each next square grows. 1.6 km measured best
# on bench/finder.py: fewer round trips than 800 m (1.9 candidate queries a search against 2.7),
# fewer rows than 2.4 km (45 against 68).
FIRST_STEP_M = 1600.0
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
    # Today's local opening intervals as (start, end) minutes (see `hours`), special day and
    # holiday applied; () on a closed day.
    today_intervals: tuple = ()


@dataclass
class Hit:
    """A station within the radius offering the amenities, before it is loaded. Whether it is
    open is worked out only when the search needs to know (`is_open`)."""

    distance_m: float
    station_id: int
    schedule: object
    closes_on_public_holidays: bool
    special_days: dict  # {date: None (closed) | (opens_at, closes_at)}, yesterday and today only
    is_open_now: bool | None = None

    def is_open(self, open_check):
        if self.is_open_now is None:
            self.is_open_now = open_check.is_open(
                schedule=self.schedule,
                closes_on_public_holidays=self.closes_on_public_holidays,
                special_days=self.special_days,
            )
        return self.is_open_now


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


class AmenityCatalogue:
    """The managed amenity list, read once per search (one small query): codes → bits for the
    filter, and a station's `amenity_mask` → its Amenity objects for the results, so loading the
    winners needs no join through the many-to-many table."""

    _compiled = {}  # connection vendor → (sql, params): the query never changes

    def __init__(self):
        self.amenities = self._read()
        self.by_code = {amenity.code: amenity for amenity in self.amenities}

    @classmethod
    def _read(cls):
        """Every amenity in display order. The ORM's SQL is compiled once per process: compiling
        took longer than running it, and the search pays for this on every request."""
        if connection.vendor not in cls._compiled:
            queryset = Amenity.objects.order_by("sort_order", "code")
            cls._compiled[connection.vendor] = queryset.query.get_compiler(connection=connection).as_sql()
        sql, params = cls._compiled[connection.vendor]
        names = [field.attname for field in Amenity._meta.concrete_fields]
        with _cursor() as cursor:
            cursor.execute(sql, params)
            return [Amenity.from_db(connection.alias, names, row) for row in cursor.fetchall()]

    def mask_for(self, codes):
        """The bitmask of amenity codes; InvalidSearch(field="amenity") naming any unknown code."""
        codes = sorted({code.strip() for code in codes if code and code.strip()})
        unknown = [code for code in codes if code not in self.by_code]
        if unknown:
            raise InvalidSearch(UNKNOWN_AMENITY, field="amenity", params={"codes": ", ".join(unknown)})
        mask = 0
        for code in codes:
            mask |= 1 << self.by_code[code].bit
        return mask

    def of_mask(self, mask):
        """The amenities whose bits are set in `mask`, in display order."""
        return [amenity for amenity in self.amenities if mask >> amenity.bit & 1]

    def codes_of_mask(self, mask):
        return [amenity.code for amenity in self.amenities if mask >> amenity.bit & 1]


def amenity_mask_for(codes):
    """The bitmask of amenity codes; InvalidSearch(field="amenity") naming any unknown code."""
    return AmenityCatalogue().mask_for(codes)


def attach_amenities(station, amenities):
    """Make `station.amenities.all()` answer `amenities` without a query, exactly as
    `prefetch_related("amenities")` leaves it (the same cache Django's prefetch fills)."""
    queryset = station.amenities.get_queryset()
    queryset._result_cache = list(amenities)
    queryset._prefetch_done = True
    if not hasattr(station, "_prefetched_objects_cache"):
        station._prefetched_objects_cache = {}
    station._prefetched_objects_cache["amenities"] = queryset


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
    """Decides "open at `at`" for candidate rows. Whether yesterday and today are public holidays
    comes with the candidate rows (see `candidate_sql`), or else from one query when first needed."""

    def __init__(self, at):
        self.day, self.minute = hours.local_moment(at)
        self.dates = [self.day - datetime.timedelta(days=1), self.day]
        self._holidays = None

    @property
    def sql_params(self):
        """The leading parameters of `candidate_sql`."""
        return [*self.dates, *self.dates]

    def note_holidays(self, is_yesterday_holiday, is_today_holiday):
        if self._holidays is None:
            flags = (is_yesterday_holiday, is_today_holiday)
            self._holidays = {date for date, flag in zip(self.dates, flags, strict=True) if flag}

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

    def today_intervals(self, *, schedule, closes_on_public_holidays, special_days):
        """The local day's opening intervals, (start, end) minutes, as `is_open` judges them."""
        return tuple(
            hours._day_intervals(  # the same rule `is_open_in_week` applies
                _compiled_week(schedule),
                self.day,
                closes_on_public_holidays=closes_on_public_holidays,
                holidays=self.holidays if closes_on_public_holidays else (),
                special_days=special_days,
            )
        )


def candidate_sql(where_sql):
    """SELECT of the columns `rows_to_hits` reads, joined to the special days of two dates, and
    whether those dates are public holidays (two constant columns: no query of their own).

    Parameters: `OpenCheck.sql_params` (yesterday, today, yesterday, today), then those of
    `where_sql` (which refers to the station as `s`).
    """
    quote = connection.ops.quote_name
    # The schedule as its JSON text, on every database: thousands of stations share a handful of
    # schedules, and `hours.compile_schedule` parses each distinct text once per process. (A
    # decoded jsonb value would have to be re-serialised per row, which costs more than the
    # search.) jsonb prints a value in one canonical form, so equal schedules give equal texts.
    schedule = "s.schedule::text" if connection.vendor == "postgresql" else "s.schedule"
    # Table names are quoted and where_sql is built by this module; every value is a bound parameter.
    return (
        f"SELECT s.id, s.latitude, s.longitude, s.closes_on_public_holidays, {schedule}, "  # noqa: S608
        f"sd.date, sd.is_closed, sd.opens_at, sd.closes_at, "
        f"(SELECT COUNT(*) FROM {quote(PublicHoliday._meta.db_table)} WHERE date = %s), "
        f"(SELECT COUNT(*) FROM {quote(PublicHoliday._meta.db_table)} WHERE date = %s) "
        f"FROM {quote(Station._meta.db_table)} s "
        f"LEFT JOIN {quote(SpecialDay._meta.db_table)} sd "
        f"ON sd.station_id = s.id AND sd.date IN (%s, %s) "
        f"WHERE {where_sql}"
    )


def rows_to_hits(rows, *, latitude, longitude, radius_m, open_check):
    """Hits within `radius_m` of the point from candidate rows (several rows of one station, one
    per special day, become one hit), in no particular order. Notes the rows' holiday flags in
    `open_check`. Opening is not judged here: see `nearest_hits`."""
    if rows:
        open_check.note_holidays(rows[0][9], rows[0][10])
    hits = {}
    for (
        station_id,
        lat,
        lng,
        closes_on_holidays,
        schedule,
        sd_date,
        sd_closed,
        sd_opens,
        sd_closes,
        *_flags,
    ) in rows:
        hit = hits.get(station_id)
        if hit is None:
            distance = geo.haversine_m(latitude, longitude, lat, lng)
            if distance > radius_m:
                continue
            hit = hits[station_id] = Hit(distance, station_id, schedule, bool(closes_on_holidays), {})
        if sd_date is not None:
            closed = bool(sd_closed) or sd_opens is None or sd_closes is None
            hit.special_days[_as_date(sd_date)] = (
                None if closed else (_as_time(sd_opens), _as_time(sd_closes))
            )
    return list(hits.values())


def nearest_hits(hits, *, open_now, limit, open_check, within=math.inf):
    """The first `limit` of `hits` (sorted nearest first) lying within `within` metres and, when
    `open_now`, open. Opening is judged only for the hits walked past, so a dense area costs a
    distance per station but an opening check only for the few nearest."""
    chosen = []
    for hit in hits:
        if hit.distance_m > within or len(chosen) == limit:
            break
        if hit.is_open(open_check) or not open_now:
            chosen.append(hit)
    return chosen


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


def _cursor():
    """The cursor of the finder's own SQL (Django's wrapper, so it is logged and counted).

    On PostgreSQL it binds parameters on the server, so psycopg prepares a statement once it has
    run `prepare_threshold` (5) times on a connection: the finder's few fixed SQL texts then skip
    planning, which was most of their cost. Only these queries: the ORM elsewhere keeps Django's
    default client-side binding. (A transaction-pooling pgbouncer needs version 1.21 or newer with
    `max_prepared_statements` set, docs/finder.md.)
    """
    if connection.vendor != "postgresql" or connection.settings_dict["OPTIONS"].get("server_side_binding"):
        return connection.cursor()
    import psycopg

    connection.ensure_connection()
    return connection._prepare_cursor(psycopg.Cursor(connection.connection))


# On PostgreSQL, up to this many cells are read as `grid_cell = ANY(array)`: one index scan whose
# plan costs a third of planning a chain of ORed ranges (planning dominated the query).
MAX_CELLS_AS_ARRAY = 4096


def _fetch_ranges(cursor, ranges, *, mask, open_check):
    params = [*open_check.sql_params, True]
    cell_count = sum(last - first + 1 for first, last in ranges)
    if connection.vendor == "postgresql" and cell_count <= MAX_CELLS_AS_ARRAY:
        where = ["s.is_public = %s", "s.grid_cell = ANY(%s)"]
        params.append([cell for first, last in ranges for cell in range(first, last + 1)])
    else:
        where = ["s.is_public = %s", "(" + " OR ".join(["s.grid_cell BETWEEN %s AND %s"] * len(ranges)) + ")"]
        for first, last in ranges:
            params.extend((first, last))
    if mask:
        where.append("(s.amenity_mask & %s) = %s")
        params.extend((mask, mask))
    cursor.execute(candidate_sql(" AND ".join(where)), params)
    return cursor.fetchall()


def search_grid(*, latitude, longitude, mask, open_now, radius_m, limit, open_check):
    """The nearest hits (WGS-84 point), nearest first, through the grid index."""
    hits = []
    previous = None
    half_side = min(FIRST_STEP_M, radius_m)
    with _cursor() as cursor:
        while True:
            rectangle = _cell_rectangle(latitude, longitude, half_side)
            ranges = _new_cell_ranges(rectangle, previous)
            if ranges:
                rows = _fetch_ranges(cursor, ranges, mask=mask, open_check=open_check)
                hits.extend(
                    rows_to_hits(
                        rows, latitude=latitude, longitude=longitude, radius_m=radius_m, open_check=open_check
                    )
                )
                hits.sort(key=lambda hit: (hit.distance_m, hit.station_id))
            # The last square's half-side is the radius itself, so it covers the whole circle.
            if half_side >= radius_m:
                break
            covered = _covered_radius(latitude, longitude, rectangle)
            if covered >= radius_m:
                break
            found = nearest_hits(hits, open_now=open_now, limit=limit, open_check=open_check, within=covered)
            if len(found) >= limit:
                return found
            previous = rectangle
            half_side = min(half_side * STEP_GROWTH, radius_m)
    return nearest_hits(hits, open_now=open_now, limit=limit, open_check=open_check)


# --- results -----------------------------------------------------------------------------------


_WINNERS_SQL = {}


def _winners_sql(count):
    """SELECT of every concrete column of `count` stations and of their areas, built once per
    process and size: the same rows `Station.objects.filter(id__in=…).select_related("area")`
    reads, without compiling that queryset on every search (about a third of a search's time)."""
    key = (connection.vendor, count)
    if key not in _WINNERS_SQL:
        quote = connection.ops.quote_name
        station_columns = [field.column for field in Station._meta.concrete_fields]
        area_columns = [field.column for field in Area._meta.concrete_fields]
        columns = [f"s.{quote(column)}" for column in station_columns]
        columns += [f"a.{quote(column)}" for column in area_columns]
        placeholders = ", ".join(["%s"] * count)
        _WINNERS_SQL[key] = (
            f"SELECT {', '.join(columns)} FROM {quote(Station._meta.db_table)} s "  # noqa: S608
            f"LEFT JOIN {quote(Area._meta.db_table)} a ON a.id = s.{quote('area_id')} "
            f"WHERE s.id IN ({placeholders})"
        )
    return _WINNERS_SQL[key]


_CONVERTERS = {}


def _winner_converters():
    """[(column index, converter functions, column)] the ORM would apply to `_winners_sql` rows
    (JSON, booleans, times and decimals on SQLite, …), once per process and database."""
    if connection.vendor not in _CONVERTERS:
        fields = [*Station._meta.concrete_fields, *Area._meta.concrete_fields]
        columns = [field.get_col(field.model._meta.db_table) for field in fields]
        converters = [
            (
                index,
                [*connection.ops.get_db_converters(column), *column.get_db_converters(connection)],
                column,
            )
            for index, column in enumerate(columns)
        ]
        _CONVERTERS[connection.vendor] = [item for item in converters if item[1]]
    return _CONVERTERS[connection.vendor]


def _stations_with_area(station_ids):
    """{id: Station} with `station.area` loaded, as `select_related("area")` leaves them."""
    station_fields = Station._meta.concrete_fields
    area_fields = Area._meta.concrete_fields
    station_names = [field.attname for field in station_fields]
    area_names = [field.attname for field in area_fields]
    converters = _winner_converters()
    with _cursor() as cursor:
        cursor.execute(_winners_sql(len(station_ids)), list(station_ids))
        rows = cursor.fetchall()
    stations = {}
    for row in rows:
        values = list(row)
        for index, functions, column in converters:
            value = values[index]
            for function in functions:
                value = function(value, column, connection)
            values[index] = value
        station = Station.from_db(connection.alias, station_names, values[: len(station_names)])
        area_values = values[len(station_names) :]
        if area_values[0] is not None:
            station._state.fields_cache["area"] = Area.from_db(connection.alias, area_names, area_values)
        stations[station.id] = station
    return stations


def load_results(hits, *, crs, open_check, catalogue):
    """NearbyStation objects for hits, in their order: one query for the stations with their
    area; their amenities come from `amenity_mask` and the search's `catalogue`."""
    if not hits:
        return []
    by_id = _stations_with_area([hit.station_id for hit in hits])
    results = []
    for hit in hits:
        station = by_id.get(hit.station_id)
        if station is None:  # deleted between the two queries
            continue
        attach_amenities(station, catalogue.of_mask(station.amenity_mask))
        lat, lng = geo.from_wgs84(station.latitude, station.longitude, crs)
        results.append(
            NearbyStation(
                station=station,
                distance_m=round(hit.distance_m),
                is_open_now=hit.is_open(open_check),
                latitude=lat,
                longitude=lng,
                today_intervals=open_check.today_intervals(
                    schedule=hit.schedule,
                    closes_on_public_holidays=hit.closes_on_public_holidays,
                    special_days=hit.special_days,
                ),
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
    catalogue = AmenityCatalogue()
    mask = catalogue.mask_for(amenity_codes)
    at = at or timezone.now()
    if timezone.is_naive(at):
        at = timezone.make_aware(at, hours.SHANGHAI)
    wgs_lat, wgs_lng = geo.to_wgs84(latitude, longitude, crs)
    open_check = OpenCheck(at)
    hits = search_grid(
        latitude=wgs_lat,
        longitude=wgs_lng,
        mask=mask,
        open_now=open_now,
        radius_m=radius_m,
        limit=limit,
        open_check=open_check,
    )
    return load_results(hits, crs=crs, open_check=open_check, catalogue=catalogue)


# --- public reads: one station, and the stations of a map view ---------------------------------

SPECIAL_DAYS_AHEAD = datetime.timedelta(days=60)
DEFAULT_MAP_LIMIT = 1000
MAX_MAP_LIMIT = 5000
# GCJ-02 moves a point by less than 0.01° (~700 m at most), so a box given in GCJ-02 is read
# from the database widened by this much and then cut exactly in GCJ-02.
_GCJ02_MARGIN_DEG = 0.01

BBOX_INVALID = _(
    "Enter the box as min_lng,min_lat,max_lng,max_lat: four numbers, longitudes from -180 to 180, "
    "latitudes from -90 to 90, each minimum not above its maximum."
)
MAP_LIMIT_OUT_OF_RANGE = _("The number of stations must be from 1 to %(max)s.")


def public_station_get(public_id, *, at=None):
    """A station couriers may see (pilot, demonstration or active), with everything its public
    detail shows prefetched: area and steward; amenities, opening periods, contacts, photos,
    六有 checks, and its special days from today to SPECIAL_DAYS_AHEAD (as `special_days_ahead`).

    Raises NotFound alike for a malformed id, a missing station and one not shown to the public.
    Reads only.
    """
    try:
        public_id = uuid.UUID(str(public_id))
    except ValueError:
        raise NotFound() from None
    today, _minute = hours.local_moment(at)
    queryset = (
        Station.objects.filter(is_public=True, public_id=public_id)
        .select_related("area", "steward", "demonstration_batch")
        .prefetch_related(
            Prefetch("amenities", queryset=Amenity.objects.order_by("sort_order", "code")),
            "opening_periods",
            Prefetch(
                "special_days",
                queryset=SpecialDay.objects.filter(date__gte=today, date__lte=today + SPECIAL_DAYS_AHEAD),
                to_attr="special_days_ahead",
            ),
            "contacts",
            Prefetch("photos", queryset=StationPhoto.objects.order_by("sort_order", "id")),
            "standard_checks",
        )
    )
    station = queryset.first()
    if station is None:
        raise NotFound()
    return station


def public_holidays_ahead(*, at=None):
    """[PublicHoliday] from today to SPECIAL_DAYS_AHEAD."""
    today, _minute = hours.local_moment(at)
    return list(PublicHoliday.objects.filter(date__gte=today, date__lte=today + SPECIAL_DAYS_AHEAD))


@dataclass
class MapStation:
    """A public station as a map draws it; coordinates in the requested system."""

    public_id: uuid.UUID
    name: str
    address: str
    latitude: float
    longitude: float
    amenity_codes: list
    is_open_now: bool


def parse_bbox(text):
    """ "min_lng,min_lat,max_lng,max_lat" (GeoJSON order) → a tuple of four floats, or None for
    an empty value. Raises InvalidSearch(field="bbox")."""
    if text is None or not str(text).strip():
        return None
    try:
        values = tuple(float(part) for part in str(text).split(","))
    except ValueError:
        raise InvalidSearch(BBOX_INVALID, field="bbox") from None
    if len(values) != 4 or not all(math.isfinite(value) for value in values):
        raise InvalidSearch(BBOX_INVALID, field="bbox")
    min_lng, min_lat, max_lng, max_lat = values
    if not (-180 <= min_lng <= max_lng <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise InvalidSearch(BBOX_INVALID, field="bbox")
    return values


def stations_in_box(*, crs="wgs84", bbox=None, amenity_codes=(), limit=DEFAULT_MAP_LIMIT, at=None):
    """Public stations inside `bbox` ((min_lng, min_lat, max_lng, max_lat) in `crs`; None: all),
    offering every amenity of `amenity_codes`, in a stable order (by id), at most `limit`.

    Returns (stations, is_truncated): [MapStation], and whether more stations matched.
    A few queries whatever the number of stations (amenity codes, stations, their special days of
    today and yesterday, public holidays when needed, the amenity list).
    Raises InvalidSearch (field crs, amenity or limit). Reads only.
    """
    if crs not in geo.CRS_CHOICES:
        raise InvalidSearch(UNKNOWN_CRS, field="crs", params={"value": crs})
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_MAP_LIMIT:
        raise InvalidSearch(MAP_LIMIT_OUT_OF_RANGE, field="limit", params={"max": MAX_MAP_LIMIT})
    catalogue = AmenityCatalogue()
    mask = catalogue.mask_for(amenity_codes)
    at = at or timezone.now()
    queryset = Station.objects.filter(is_public=True)
    if bbox is not None:
        min_lng, min_lat, max_lng, max_lat = bbox
        margin = _GCJ02_MARGIN_DEG if crs == "gcj02" else 0.0
        south, north = max(-90.0, min_lat - margin), min(90.0, max_lat + margin)
        west, east = max(-180.0, min_lng - margin), min(180.0, max_lng + margin)
        queryset = queryset.filter(
            # One range of the (is_public, grid_cell) index: the rows of cells of the box.
            grid_cell__gte=geo.grid_cell_at(geo.grid_row(south), 0),
            grid_cell__lte=geo.grid_cell_at(geo.grid_row(north), geo.GRID_COLUMNS - 1),
            latitude__gte=south,
            latitude__lte=north,
            longitude__gte=west,
            longitude__lte=east,
        )
    if mask:
        queryset = queryset.alias(offered=F("amenity_mask").bitand(mask)).filter(offered=mask)
    rows = queryset.order_by("id").values_list(
        "id",
        "public_id",
        "name",
        "address",
        "latitude",
        "longitude",
        "closes_on_public_holidays",
        "schedule",
        "amenity_mask",
    )
    selected = []
    is_truncated = False
    for row in rows.iterator(chunk_size=2000):
        lat, lng = geo.from_wgs84(row[4], row[5], crs)
        if bbox is not None and not (bbox[1] <= lat <= bbox[3] and bbox[0] <= lng <= bbox[2]):
            continue
        if len(selected) == limit:
            is_truncated = True
            break
        selected.append((row, lat, lng))
    if not selected:
        return [], False

    open_check = OpenCheck(at)
    special_days = {}
    for station_id, date, is_closed, opens_at, closes_at in SpecialDay.objects.filter(
        date__in=open_check.dates, station_id__in=[row[0] for row, _lat, _lng in selected]
    ).values_list("station_id", "date", "is_closed", "opens_at", "closes_at"):
        closed = is_closed or opens_at is None or closes_at is None
        special_days.setdefault(station_id, {})[date] = None if closed else (opens_at, closes_at)

    stations = []
    for row, lat, lng in selected:
        station_id, public_id, name, address, _wgs_lat, _wgs_lng, closes_on_holidays, schedule, offered = row
        stations.append(
            MapStation(
                public_id=public_id,
                name=name,
                address=address,
                latitude=lat,
                longitude=lng,
                amenity_codes=catalogue.codes_of_mask(offered),
                is_open_now=open_check.is_open(
                    schedule=schedule,
                    closes_on_public_holidays=closes_on_holidays,
                    special_days=special_days.get(station_id, {}),
                ),
            )
        )
    return stations, is_truncated
