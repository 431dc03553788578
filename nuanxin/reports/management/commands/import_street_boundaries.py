"""`manage.py import_street_boundaries streets.geojson [--crs gcj02]`: street polygons for placing reports."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from nuanxin.reports.boundaries import BoundaryImportError, street_boundaries_import

# How many problems are printed before the rest are only counted.
SHOWN_PROBLEMS = 50


class Command(BaseCommand):
    help = (
        "Import street boundaries from a GeoJSON FeatureCollection: each feature a Polygon or "
        "MultiPolygon with the street's division code in properties.code. Replaces the boundaries "
        "of the streets named; all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="a .geojson file (UTF-8)")
        parser.add_argument(
            "--crs",
            choices=("wgs84", "gcj02"),
            default="wgs84",
            help="coordinate system of the file: wgs84 (GeoJSON's own; default) or gcj02 (drawn on AMap)",
        )

    def handle(self, *args, path, crs, **options):
        file = Path(path)
        try:
            raw = file.read_bytes()
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}") from None
        try:
            result = street_boundaries_import(actor=None, collection=raw, source=file.name, crs=crs)
        except BoundaryImportError as error:
            for problem in error.problems[:SHOWN_PROBLEMS]:
                self.stderr.write(str(problem))
            hidden = len(error.problems) - SHOWN_PROBLEMS
            if hidden > 0:
                self.stderr.write(f"… and {hidden} more")
            raise CommandError(f"{len(error.problems)} problem(s); nothing was imported.") from None
        self.stdout.write(f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}")
