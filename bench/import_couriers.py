"""Benchmark: import a 100,000-row courier list (P2) — time per phase and peak memory.

    .venv/bin/python bench/import_couriers.py                 # SQLite, then PostgreSQL if it answers
    .venv/bin/python bench/import_couriers.py --rows 20000    # a smaller run
    .venv/bin/python bench/import_couriers.py --tracemalloc   # also the Python heap peak per phase (slower)
    .venv/bin/python bench/import_couriers.py --database-url postgresql://postgres@127.0.0.1:5432/nuanxin_bench_import

Each database runs in its own process on a fresh database (SQLite: a new temporary file;
PostgreSQL: the database `nuanxin_bench_import`, dropped and created again). The run:
1. generates the workbook (write-only openpyxl) — 5% of its rows are couriers already in the
   registry (imported first from a small list), so the import both creates and updates;
2. `import_preview` (stream, validate, dedup, look up existing couriers by phone hash);
3. `import_commit` (read the kept file again, validate again, bulk-write in chunks of 1,000, one
   transaction).
Printed: seconds per phase, the process's peak resident memory (getrusage ru_maxrss) after each
phase and, with --tracemalloc, the peak of Python allocations during each phase.
"""

import argparse
import io
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = "postgresql://postgres@127.0.0.1:5432/nuanxin_bench_import"


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


class Phase:
    def __init__(self, name, use_tracemalloc):
        self.name = name
        self.use_tracemalloc = use_tracemalloc

    def __enter__(self):
        if self.use_tracemalloc:
            tracemalloc.start()
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.started
        traced = ""
        if self.use_tracemalloc:
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            traced = f"  python-heap peak {peak / 1024 / 1024:7.1f} MB"
        print(f"  {self.name:<28} {self.seconds:8.1f} s  peak RSS {rss_mb():7.1f} MB{traced}", flush=True)


def make_workbook(rows, streets, companies, *, phones=None, id_region="120101"):
    """A write-only workbook of `rows` valid couriers; `phones[i]`, when given, is row i's number."""
    from datetime import date, timedelta

    from openpyxl import Workbook

    from nuanxin.core.validators import id_number_check_char
    from nuanxin.couriers.excel import HEADERS

    rng = random.Random(20240520)
    groups = ["快递员", "外卖骑手", "网约车司机", "货车司机", ""]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("快递员名单")
    sheet.append(list(HEADERS))
    for index in range(rows):
        phone = (
            phones[index]
            if phones and index < len(phones) and phones[index]
            else f"1{index + 3000000000:010d}"
        )
        id_number = ""
        if index % 3 == 0:  # a unique, valid ID number for a third of the rows
            born = date(1975, 1, 1) + timedelta(days=index // 1000)
            first17 = f"{id_region}{born:%Y%m%d}{index % 1000:03d}"
            id_number = first17 + id_number_check_char(first17)
        sheet.append(
            [
                f"快递员{index:06d}",
                phone,
                rng.choice(companies),
                rng.choice(groups),
                f"{rng.choice(companies)}网点{index % 500:03d}",
                rng.choice(streets),
                id_number,
                "是" if index % 7 == 0 else "否",
                "是" if index % 11 == 0 else "",
            ]
        )
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


class Upload(io.BytesIO):
    def __init__(self, content, name):
        super().__init__(content)
        self.name = name
        self.size = len(content)


def run_one(database_url, rows, use_tracemalloc):
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from nuanxin.accounts.models import Role, User
    from nuanxin.areas.models import Area
    from nuanxin.areas.services import area_create
    from nuanxin.couriers import excel
    from nuanxin.couriers.models import CourierProfile

    print(f"\n{connection.vendor} · {rows:,} rows · {database_url.split('@')[-1]}", flush=True)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    city = area_create(code="120000000000", name="天津市", level=Area.Level.CITY, parent=None)
    district = area_create(code="120101000000", name="和平区", level=Area.Level.DISTRICT, parent=city)
    streets = [
        area_create(
            code=f"12010100{index + 1}000",
            name=f"第{index + 1}街道",
            level=Area.Level.STREET,
            parent=district,
        )
        for index in range(6)
    ]
    staff = User.objects.create(
        username="bench-district", role=Role.DISTRICT_STAFF, area=district, is_staff=True
    )
    companies = ["顺丰", "京东", "中通", "圆通", "美团", "饿了么", "滴滴", "其他"]
    # Couriers already in the registry: every 20th row of the big file updates one of them.
    street_codes = [street.code for street in streets]
    existing_phones = [f"1{index + 8000000000:010d}" for index in range(rows // 20)]
    seed = make_workbook(
        len(existing_phones), street_codes, companies, phones=existing_phones, id_region="120102"
    )
    seed_preview = excel.import_preview(actor=staff, upload=Upload(seed, "seed.xlsx"))
    assert seed_preview.error_count == 0, [error.as_dict() for error in seed_preview.errors[:5]]
    excel.import_commit(actor=staff, batch=seed_preview.batch)
    setup_seconds = time.perf_counter() - started
    print(f"  setup: migrate, {len(existing_phones):,} existing couriers ({setup_seconds:.1f} s)", flush=True)
    big_phones = [existing_phones[index // 20] if index % 20 == 0 else None for index in range(rows)]

    with Phase("generate workbook", use_tracemalloc):
        content = make_workbook(rows, street_codes, companies, phones=big_phones)
    print(f"  workbook: {len(content) / 1024 / 1024:.1f} MB", flush=True)
    with Phase("preview (validate + dedup)", use_tracemalloc) as preview_phase:
        preview = excel.import_preview(actor=staff, upload=Upload(content, "bench.xlsx"))
    assert preview.error_count == 0, [error.as_dict() for error in preview.errors[:5]]
    print(f"    rows {preview.row_count:,} · new {preview.new_count:,} · updates {preview.update_count:,}")
    del content
    with Phase("commit (one transaction)", use_tracemalloc) as commit_phase:
        batch = excel.import_commit(actor=staff, batch=preview.batch)
    total = CourierProfile.objects.count()
    assert total == len(existing_phones) + batch.new_count, total
    print(f"    created {batch.new_count:,} · updated {batch.update_count:,} · couriers now {total:,}")
    preview_rate = rows / preview_phase.seconds
    commit_rate = rows / commit_phase.seconds
    print(f"  preview {preview_rate:,.0f} rows/s · commit {commit_rate:,.0f} rows/s", flush=True)


def postgres_answers():
    try:
        import psycopg

        with psycopg.connect(
            "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True, connect_timeout=3
        ) as conn:
            conn.execute("DROP DATABASE IF EXISTS nuanxin_bench_import")
            conn.execute("CREATE DATABASE nuanxin_bench_import")
        return True
    except Exception as exc:
        print(f"\nPostgreSQL does not answer ({exc.__class__.__name__}); skipped.")
        return False


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--database-url", help="run once against this database (default: SQLite, then PostgreSQL)"
    )
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python allocations (slower)")
    args = parser.parse_args()
    if args.database_url:
        run_one(args.database_url, args.rows, args.tracemalloc)
        return
    print(f"Courier import benchmark · {os.cpu_count()} CPUs · Python {sys.version.split()[0]}")
    extra = ["--rows", str(args.rows)] + (["--tracemalloc"] if args.tracemalloc else [])
    with tempfile.TemporaryDirectory(prefix="nuanxin-bench-import-") as directory:
        sqlite_url = f"sqlite:///{directory}/bench.sqlite3"
        subprocess.run([sys.executable, __file__, "--database-url", sqlite_url, *extra], check=True)
    if postgres_answers():
        subprocess.run([sys.executable, __file__, "--database-url", PG_URL, *extra], check=True)


if __name__ == "__main__":
    main()
