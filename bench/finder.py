"""Benchmark of the station finder (N2): 200,000 stations over China, nearest 5 open now with an
amenity, on SQLite and PostgreSQL, beside a full-scan baseline and a PostGIS KNN query.

    .venv/bin/python bench/finder.py [--stations 200000] [--queries 2000]
                                     [--databases sqlite,postgresql] [--baseline-queries 100]

Each database gets a fresh benchmark database (never the development one): a SQLite file
(--sqlite-path, default /tmp/nuanxin_bench.sqlite3) and a PostgreSQL database
(--postgres-url, default postgresql://postgres@127.0.0.1:5432/nuanxin_bench; skipped with a
message when the server does not answer). Each database runs in its own child process, because
Django binds its database at start-up.

What is measured, per query, from the caller's side (a query is "the 5 nearest public stations
within 5 km of this point that offer this amenity and are open at this moment"):
- finder: `finder.find_nearby` itself (amenity lookup, grid search, loading the 5 stations and
  their amenities);
- postgis_knn (PostgreSQL with PostGIS only): the same pipeline with the grid search replaced by
  one KNN query on a geography column with a GIST index
  (`WHERE is_public AND amenity_mask & m = m AND ST_DWithin(geom, p, r) ORDER BY geom <-> p
  LIMIT n`, n doubled until 5 open stations are found);
- full_scan: the same pipeline with the search replaced by the naive query: every public station
  with the amenity, ordered by (planar) distance in SQL (no spatial index), read in growing
  LIMITs until 5 open stations are found.

All three judge "open now" with the same Python rules (`finder.OpenCheck`) and load the winners
with `finder.load_results`, so only the way candidates are found differs. The script checks
that they return the same stations.
"""

import argparse
import datetime
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SETTINGS_MODULE = "config.settings.base"
DEFAULT_SQLITE_PATH = Path(tempfile.gettempdir()) / "nuanxin_bench.sqlite3"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/nuanxin_bench"
DATABASE_CHOICES = ("sqlite", "postgresql")

SEED = 20251015
LIMIT = 5
RADIUS_M = 5000
WARM_UP_QUERIES = 50
AGREEMENT_QUERIES = 200
BATCH_SIZE = 5000

# Cities (WGS-84 centre, GB/T 2260 code prefix, urban population in millions): stations cluster
# around them in proportion to their population.
CITIES = [
    ("北京市", 39.904, 116.407, "110000", 21.9),
    ("上海市", 31.230, 121.474, "310000", 24.9),
    ("天津市", 39.084, 117.201, "120000", 13.9),
    ("重庆市", 29.563, 106.551, "500000", 16.0),
    ("广州市", 23.129, 113.264, "440100", 18.7),
    ("深圳市", 22.543, 114.058, "440300", 17.6),
    ("成都市", 30.573, 104.066, "510100", 21.0),
    ("武汉市", 30.593, 114.305, "420100", 13.7),
    ("杭州市", 30.274, 120.155, "330100", 12.2),
    ("西安市", 34.341, 108.940, "610100", 13.0),
    ("南京市", 32.060, 118.797, "320100", 9.5),
    ("沈阳市", 41.806, 123.431, "210100", 9.1),
    ("哈尔滨市", 45.803, 126.535, "230100", 10.0),
    ("长沙市", 28.228, 112.939, "430100", 10.4),
    ("郑州市", 34.747, 113.625, "410100", 12.8),
    ("济南市", 36.651, 117.120, "370100", 9.4),
    ("青岛市", 36.067, 120.383, "370200", 10.3),
    ("昆明市", 25.038, 102.718, "530100", 8.5),
    ("福州市", 26.074, 119.296, "350100", 8.4),
    ("厦门市", 24.480, 118.089, "350200", 5.3),
    ("合肥市", 31.821, 117.227, "340100", 9.6),
    ("南昌市", 28.683, 115.858, "360100", 6.5),
    ("石家庄市", 38.042, 114.514, "130100", 11.2),
    ("太原市", 37.870, 112.549, "140100", 5.4),
    ("长春市", 43.817, 125.324, "220100", 9.0),
    ("大连市", 38.914, 121.615, "210200", 7.5),
    ("南宁市", 22.817, 108.366, "450100", 8.8),
    ("贵阳市", 26.647, 106.630, "520100", 6.2),
    ("兰州市", 36.061, 103.834, "620100", 4.4),
    ("乌鲁木齐市", 43.825, 87.617, "650100", 4.0),
    ("呼和浩特市", 40.842, 111.749, "150100", 3.5),
    ("银川市", 38.487, 106.231, "640100", 2.9),
    ("西宁市", 36.617, 101.778, "630100", 2.5),
    ("拉萨市", 29.652, 91.172, "540100", 0.9),
    ("海口市", 20.044, 110.199, "460100", 2.9),
    ("苏州市", 31.299, 120.585, "320500", 12.9),
    ("东莞市", 23.021, 113.752, "441900", 10.5),
    ("佛山市", 23.022, 113.122, "440600", 9.6),
    ("宁波市", 29.868, 121.544, "330200", 9.6),
    ("无锡市", 31.491, 120.312, "320200", 7.5),
]
# Share of stations (and of queries) in towns far from the city centres: the sparse case, where
# the search has to widen.
SCATTERED_SHARE = 0.10
SCATTER_KM = 150.0

# (code, probability that a station offers it)
AMENITY_MIX = [
    ("rest", 0.92),
    ("drinking_water", 0.85),
    ("charging", 0.70),
    ("toilet", 0.50),
    ("hot_meals", 0.18),
    ("reading", 0.25),
    ("recreation", 0.12),
    ("wifi", 0.45),
    ("first_aid", 0.45),
    ("umbrella", 0.30),
    ("medical_supplies", 0.20),
    ("microwave", 0.35),
    ("lockers", 0.10),
    ("air_conditioning", 0.55),
    ("heating", 0.40),
    ("ebike_charging", 0.15),
    ("repair_tools", 0.20),
]
# What couriers ask for, with weights.
QUERY_AMENITIES = [
    ("charging", 5),
    ("toilet", 4),
    ("drinking_water", 4),
    ("rest", 3),
    ("hot_meals", 1),
    ("microwave", 1),
    ("ebike_charging", 1),
    ("air_conditioning", 1),
]


def _every_day(opens, closes):
    return [(weekday, opens, closes) for weekday in range(7)]


def _weekdays(opens, closes):
    return [(weekday, opens, closes) for weekday in range(5)]


# (weight, is_24_hours, [(weekday, "HH:MM", "HH:MM")])
HOURS_MIX = [
    (15, True, []),
    (25, False, _weekdays("08:00", "20:00")),
    (25, False, _every_day("08:00", "20:00")),
    (12, False, _every_day("09:00", "21:00")),
    (10, False, _weekdays("08:30", "12:00") + _weekdays("14:00", "18:00")),
    (8, False, _every_day("20:00", "08:00")),
    (5, False, [(5, "09:00", "17:00"), (6, "09:00", "17:00")]),
]
# A Wednesday evening: the 08:00–20:00 stations have just closed, the night ones are open.
QUERY_MOMENT = (2025, 10, 15, 20, 30)


# --- the parent: one child process per database ------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stations", type=int, default=200_000, help="stations to create (default 200000)")
    parser.add_argument("--queries", type=int, default=2000, help="timed queries per method (default 2000)")
    parser.add_argument(
        "--baseline-queries",
        type=int,
        default=100,
        help="timed queries of the slow full-scan baseline (default 100)",
    )
    parser.add_argument(
        "--databases",
        default=",".join(DATABASE_CHOICES),
        help="comma-separated: sqlite, postgresql (default both)",
    )
    parser.add_argument("--sqlite-path", default=str(DEFAULT_SQLITE_PATH))
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("NUANXIN_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="a database the benchmark may drop and re-create",
    )
    parser.add_argument(
        "--reuse-data",
        action="store_true",
        help="keep the benchmark databases of a previous run with the same --stations (the data is "
        "seeded, so it is the same) instead of re-creating them",
    )
    parser.add_argument("--worker", choices=DATABASE_CHOICES, help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.databases = [name.strip() for name in args.databases.split(",") if name.strip()]
    unknown = [name for name in args.databases if name not in DATABASE_CHOICES]
    if unknown:
        parser.error(f"unknown database(s): {', '.join(unknown)}")
    if args.stations < 1 or args.queries < 1:
        parser.error("--stations and --queries must be positive")
    return args


def _maintenance_url(url):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres")), parts.path.lstrip("/")


def postgres_answers(url):
    """None when the server answers, else why not."""
    import psycopg

    maintenance, _name = _maintenance_url(url)
    try:
        with psycopg.connect(maintenance, connect_timeout=3):
            return None
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def run_parent(args):
    results = []
    for database in args.databases:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE, "DJANGO_DEBUG": "false"}
        if database == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{Path(args.sqlite_path).resolve()}"
        else:
            problem = postgres_answers(args.postgres_url)
            if problem:
                print(f"\n== postgresql: skipped, the server does not answer ({problem})", flush=True)
                continue
            env["DATABASE_URL"] = args.postgres_url
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
            result_file = handle.name
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            database,
            "--result-file",
            result_file,
            "--stations",
            str(args.stations),
            "--queries",
            str(args.queries),
            "--baseline-queries",
            str(args.baseline_queries),
            "--sqlite-path",
            args.sqlite_path,
            "--postgres-url",
            args.postgres_url,
            *(["--reuse-data"] if args.reuse_data else []),
        ]
        completed = subprocess.run(command, env=env, cwd=ROOT, check=False)
        if completed.returncode != 0:
            print(f"== {database}: the benchmark failed (exit {completed.returncode})", flush=True)
            return completed.returncode
        results.extend(json.loads(Path(result_file).read_text()))
        Path(result_file).unlink(missing_ok=True)
    if results:
        print("\n== Summary (latency in ms per query; one client, one connection)")
        print(summary_table(results))
    return 0


def summary_table(results):
    lines = [
        "| database | method | queries | p50 | p95 | p99 | mean | queries/s |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results:
        lines.append(
            f"| {row['database']} | {row['method']} | {row['queries']} | {row['p50']:.2f} | {row['p95']:.2f} "
            f"| {row['p99']:.2f} | {row['mean']:.2f} | {row['qps']:.0f} |"
        )
    return "\n".join(lines)


# --- the child: one database -------------------------------------------------------------------


def recreate_database(args):
    """A fresh, empty benchmark database."""
    if args.worker == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(args.sqlite_path + suffix).unlink(missing_ok=True)
        return
    import psycopg
    from psycopg import sql

    maintenance, name = _maintenance_url(args.postgres_url)
    if not name or name in ("postgres", "template0", "template1"):
        raise SystemExit(f"refusing to drop the database {name!r}: give a benchmark database")
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django():
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _offset_km(lat, lng, north_km, east_km):
    lat2 = lat + north_km / 111.195
    lng2 = lng + east_km / (111.195 * math.cos(math.radians(lat)))
    return max(18.2, min(53.5, lat2)), max(73.5, min(134.7, lng2))


def _city_sigma_km(population):
    return 3.0 + 1.6 * math.sqrt(population)


def random_place(generator, weights):
    """A WGS-84 point: around a city centre (two spreads: the core and the suburbs), or in a town
    far from the centre. Returns (city index, lat, lng)."""
    index = generator.choices(range(len(CITIES)), weights=weights)[0]
    _name, lat, lng, _code, population = CITIES[index]
    if generator.random() < SCATTERED_SHARE:
        north, east = generator.gauss(0, SCATTER_KM), generator.gauss(0, SCATTER_KM)
    else:
        sigma = _city_sigma_km(population) * (1.0 if generator.random() < 0.7 else 2.5)
        north, east = generator.gauss(0, sigma), generator.gauss(0, sigma)
    return (index, *_offset_km(lat, lng, north, east))


def load_stations(count):
    """Create `count` stations with their hours and amenities by bulk inserts, the derived fields
    (grid cell, amenity mask, weekly schedule, public flag) computed with the same helpers
    `derived.refresh_derived` uses. Returns seconds taken."""
    from django.db import transaction

    from nuanxin.areas.models import Area
    from nuanxin.areas.services import area_create
    from nuanxin.stations import geo, hours
    from nuanxin.stations.models import Amenity, OpeningPeriod, SpecialDay, Station

    started = time.perf_counter()
    generator = random.Random(SEED)
    areas = [
        area_create(code=code + "000000", name=name, level=Area.Level.CITY)
        for name, _lat, _lng, code, _population in CITIES
    ]
    amenities = {amenity.code: amenity for amenity in Amenity.objects.all()}
    amenity_ids = {code: amenity.id for code, amenity in amenities.items()}
    weights = [city[4] for city in CITIES]
    hour_weights = [choice[0] for choice in HOURS_MIX]
    parsed_hours = [
        (is_24, hours.parse_periods([{"weekday": w, "opens_at": o, "closes_at": c} for w, o, c in periods]))
        for _weight, is_24, periods in HOURS_MIX
    ]
    schedules = [hours.build_schedule(periods, is_24_hours=is_24) for is_24, periods in parsed_hours]
    host_types = list(Station.HostType.values)
    statuses = [Station.Status.ACTIVE] * 14 + [Station.Status.PILOT] * 3 + [Station.Status.PLANNED] * 2
    statuses.append(Station.Status.SUSPENDED)
    query_day = datetime.date(*QUERY_MOMENT[:3])

    created = 0
    Through = Station.amenities.through
    while created < count:
        size = min(BATCH_SIZE, count - created)
        stations, plans = [], []
        for number in range(created, created + size):
            city_index, lat, lng = random_place(generator, weights)
            hours_index = generator.choices(range(len(HOURS_MIX)), weights=hour_weights)[0]
            codes = [code for code, probability in AMENITY_MIX if generator.random() < probability]
            status = generator.choice(statuses)
            is_24 = parsed_hours[hours_index][0]
            stations.append(
                Station(
                    name=f"{CITIES[city_index][0]}暖心驿站{number + 1}",
                    host_type=generator.choice(host_types),
                    host_organization=f"{CITIES[city_index][0]}社工站",
                    area=areas[city_index],
                    address=f"{CITIES[city_index][0]}测试路{number + 1}号",
                    latitude=lat,
                    longitude=lng,
                    is_24_hours=is_24,
                    closes_on_public_holidays=generator.random() < 0.2,
                    status=status,
                    phone=f"0{generator.randint(10, 999)}-{generator.randint(20000000, 89999999)}",
                    # derived, as refresh_derived computes them
                    grid_cell=geo.grid_cell(lat, lng),
                    amenity_mask=sum(1 << amenities[code].bit for code in codes),
                    schedule=schedules[hours_index],
                    is_public=status in Station.PUBLIC_STATUSES,
                )
            )
            plans.append((codes, hours_index))
        with transaction.atomic():
            Station.objects.bulk_create(stations, batch_size=1000)
            periods, links, special_days = [], [], []
            for station, (codes, hours_index) in zip(stations, plans, strict=True):
                is_24, station_periods = parsed_hours[hours_index]
                if not is_24:
                    periods.extend(
                        OpeningPeriod(
                            station_id=station.id, weekday=weekday, opens_at=opens, closes_at=closes
                        )
                        for weekday, opens, closes in station_periods
                    )
                links.extend(Through(station_id=station.id, amenity_id=amenity_ids[code]) for code in codes)
                draw = generator.random()
                if draw < 0.02:  # closed today for repairs
                    special_days.append(SpecialDay(station_id=station.id, date=query_day, is_closed=True))
                elif draw < 0.03:  # open late yesterday, into today's early hours
                    special_days.append(
                        SpecialDay(
                            station_id=station.id,
                            date=query_day - datetime.timedelta(days=1),
                            is_closed=False,
                            opens_at=datetime.time(18),
                            closes_at=datetime.time(2),
                        )
                    )
            OpeningPeriod.objects.bulk_create(periods, batch_size=2000)
            Through.objects.bulk_create(links, batch_size=2000)
            SpecialDay.objects.bulk_create(special_days, batch_size=2000)
        created += size
        if sys.stdout.isatty():
            print(f"  {created:>7} stations", end="\r", flush=True)
    return time.perf_counter() - started


def analyze():
    """Planner statistics, and on PostgreSQL the visibility map too (VACUUM), as autovacuum
    leaves a table that has settled: index-only scans rely on it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def existing_station_count(args):
    """Stations in the benchmark database of a previous run, or None when there is none."""
    try:
        if args.worker == "sqlite":
            import sqlite3

            if not Path(args.sqlite_path).exists():
                return None
            with sqlite3.connect(args.sqlite_path) as connection:
                return connection.execute("SELECT count(*) FROM stations_station").fetchone()[0]
        import psycopg

        with psycopg.connect(args.postgres_url, connect_timeout=3) as connection:
            return connection.execute("SELECT count(*) FROM stations_station").fetchone()[0]
    except Exception:  # no database, no table: nothing to reuse
        return None


def add_postgis_column():
    """Before the stations are loaded: the PostGIS extension and a geography column the database
    fills from latitude/longitude (a generated column, so the loading code stays the same).
    Returns None, or why PostGIS is not available."""
    from django.db import connection, transaction

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            cursor.execute(
                "ALTER TABLE stations_station ADD COLUMN IF NOT EXISTS geom geography(Point, 4326) "
                "GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(longitude, latitude), 4326)::geography) STORED"
            )
    except Exception as error:  # any failure means "no PostGIS here"
        return str(error).strip().splitlines()[0]
    return None


def add_postgis_index():
    """After loading: the GIST index KNN queries use. Returns seconds taken."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("CREATE INDEX IF NOT EXISTS station_geom_gist ON stations_station USING GIST (geom)")
    return time.perf_counter() - started


def make_queries(count):
    """The same random queries for every method and database: (lat, lng, amenity code)."""
    generator = random.Random(SEED + 1)
    weights = [city[4] for city in CITIES]
    codes = [code for code, _weight in QUERY_AMENITIES]
    code_weights = [weight for _code, weight in QUERY_AMENITIES]
    return [
        (*random_place(generator, weights)[1:], generator.choices(codes, weights=code_weights)[0])
        for _index in range(count)
    ]


def query_moment():
    from nuanxin.stations.hours import SHANGHAI

    return datetime.datetime(*QUERY_MOMENT, tzinfo=SHANGHAI)


# --- the three methods -------------------------------------------------------------------------


def method_finder(lat, lng, code, at):
    from nuanxin.stations.finder import find_nearby

    return find_nearby(
        latitude=lat,
        longitude=lng,
        amenity_codes=[code],
        open_now=True,
        radius_m=RADIUS_M,
        limit=LIMIT,
        at=at,
    )


def _ordered_search(order_sql, order_params, where_sql, where_params, lat, lng, code, at):
    """Candidates read in distance order, LIMIT doubled until `LIMIT` open stations are found
    within the radius (or there are no more): the pipeline of the baseline and of PostGIS."""
    from django.db import connection

    from nuanxin.stations import finder, geo

    catalogue = finder.AmenityCatalogue()
    mask = catalogue.mask_for([code])
    open_check = finder.OpenCheck(at)
    where = f"s.is_public = %s AND (s.amenity_mask & %s) = %s AND {where_sql}"
    sql = f"{finder.candidate_sql(where)} ORDER BY {order_sql}, s.id LIMIT %s"
    batch = LIMIT * 4
    with connection.cursor() as cursor:
        while True:
            params = [*open_check.sql_params, True, mask, mask, *where_params, *order_params, batch]
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            hits = finder.rows_to_hits(
                rows, latitude=lat, longitude=lng, radius_m=RADIUS_M, open_check=open_check
            )
            hits.sort(key=lambda hit: (hit.distance_m, hit.station_id))
            found = finder.nearest_hits(hits, open_now=True, limit=LIMIT, open_check=open_check)
            exhausted = len(rows) < batch
            beyond = bool(rows) and geo.haversine_m(lat, lng, rows[-1][1], rows[-1][2]) > RADIUS_M
            if len(found) >= LIMIT or exhausted or beyond:
                break
            batch *= 4
    return finder.load_results(found, crs="wgs84", open_check=open_check, catalogue=catalogue)


def method_full_scan(lat, lng, code, at):
    scale = math.cos(math.radians(lat))
    order = "((s.latitude - %s) * (s.latitude - %s) + (s.longitude - %s) * (s.longitude - %s) * %s)"
    return _ordered_search(order, [lat, lat, lng, lng, scale * scale], "1 = 1", [], lat, lng, code, at)


def method_postgis_knn(lat, lng, code, at):
    point = "ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography"
    return _ordered_search(
        f"s.geom <-> {point}",
        [lng, lat],
        f"ST_DWithin(s.geom, {point}, %s)",
        [lng, lat, RADIUS_M],
        lat,
        lng,
        code,
        at,
    )


def percentile(sorted_values, fraction):
    """Nearest-rank percentile of a sorted list."""
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def time_method(method, queries, at, database, name):
    for lat, lng, code in queries[:WARM_UP_QUERIES]:
        method(lat, lng, code, at)
    latencies = []
    found = 0
    started = time.perf_counter()
    for lat, lng, code in queries:
        begin = time.perf_counter()
        results = method(lat, lng, code, at)
        latencies.append((time.perf_counter() - begin) * 1000)
        found += len(results)
    elapsed = time.perf_counter() - started
    latencies.sort()
    row = {
        "database": database,
        "method": name,
        "queries": len(queries),
        "p50": percentile(latencies, 0.50),
        "p95": percentile(latencies, 0.95),
        "p99": percentile(latencies, 0.99),
        "mean": statistics.fmean(latencies),
        "qps": len(queries) / elapsed,
        "results_per_query": found / len(queries),
    }
    print(
        f"  {name:<12} {len(queries):>6} queries  p50 {row['p50']:7.2f} ms  p95 {row['p95']:7.2f} ms  "
        f"p99 {row['p99']:7.2f} ms  {row['qps']:8.0f} q/s  ({row['results_per_query']:.2f} stations/query)",
        flush=True,
    )
    return row


def check_agreement(methods, queries, at):
    """Queries on which some method answers other stations than the finder."""
    disagreements = 0
    for lat, lng, code in queries:
        answers = {
            name: [result.station.id for result in method(lat, lng, code, at)] for name, method in methods
        }
        if len({tuple(ids) for ids in answers.values()}) > 1:
            disagreements += 1
    return disagreements


def run_worker(args):
    from django.db import connection

    database = args.worker
    print(f"\n== {database}: {args.stations} stations, {args.queries} queries", flush=True)
    reuse = args.reuse_data and existing_station_count(args) == args.stations
    if not reuse:
        recreate_database(args)
    setup_django()
    print(f"  database: {connection.vendor} {connection.settings_dict['NAME']}", flush=True)
    postgis_problem = "not PostgreSQL"
    if connection.vendor == "postgresql":
        postgis_problem = add_postgis_column()
        if postgis_problem:
            print(f"  postgis_knn: skipped, PostGIS is not available ({postgis_problem})", flush=True)
    if reuse:
        print("  reusing the stations of a previous run", flush=True)
    else:
        seconds = load_stations(args.stations)
        print(f"  loaded in {seconds:.1f} s ({args.stations / seconds:.0f} stations/s)", flush=True)
    methods = [("finder", method_finder)]
    if not postgis_problem:
        seconds = add_postgis_index()
        print(f"  postgis: geography column (generated) and GIST index ({seconds:.1f} s)", flush=True)
        methods.append(("postgis_knn", method_postgis_knn))
    methods.append(("full_scan", method_full_scan))
    analyze()

    print(
        f"  load average before timing: {' '.join(f'{value:.2f}' for value in os.getloadavg())}", flush=True
    )
    at = query_moment()
    queries = make_queries(max(args.queries, WARM_UP_QUERIES))
    agreement = queries[:AGREEMENT_QUERIES]
    checked = [(name, method) for name, method in methods if name != "full_scan"]
    if args.baseline_queries:
        checked.append(("full_scan", method_full_scan))
        agreement = agreement[: min(AGREEMENT_QUERIES, max(args.baseline_queries, 20))]
    disagreements = check_agreement(checked, agreement, at)
    print(
        f"  agreement: {len(agreement) - disagreements}/{len(agreement)} queries answered alike by "
        f"{', '.join(name for name, _method in checked)}",
        flush=True,
    )

    rows = []
    for name, method in methods:
        count = args.queries if name != "full_scan" else min(args.queries, args.baseline_queries)
        if count:
            rows.append(time_method(method, queries[:count], at, database, name))
    for row in rows:
        row["agreement"] = f"{len(agreement) - disagreements}/{len(agreement)}"
    if args.result_file:
        Path(args.result_file).write_text(json.dumps(rows))
    return 0


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        return run_worker(args)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    return run_parent(args)


if __name__ == "__main__":
    sys.exit(main())
