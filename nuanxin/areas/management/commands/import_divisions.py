"""`manage.py import_divisions [path ...] [--prefix 12 --prefix 110111]`: upsert division CSV files."""

from django.core.management.base import BaseCommand, CommandError

from nuanxin.areas.services import SHIPPED_FILES, DivisionImportError, area_import

# How many problems are printed before the rest are only counted.
SHOWN_PROBLEMS = 50


class Command(BaseCommand):
    help = (
        "Import division CSV files (code,name,level,parent_code; 12-digit codes) into the area tree. "
        "Idempotent; all or nothing. Without a path, the shipped files (Tianjin, Beijing's Fangshan)."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="CSV files, imported in the order given")
        parser.add_argument(
            "--prefix",
            action="append",
            default=[],
            help="import only codes starting with this prefix, plus their ancestors (repeatable)",
        )

    def handle(self, *args, paths, prefix, **options):
        sources = paths or [str(path) for path in SHIPPED_FILES]
        try:
            result = area_import(actor=None, sources=sources, prefixes=tuple(prefix))
        except DivisionImportError as error:
            for problem in error.problems[:SHOWN_PROBLEMS]:
                self.stderr.write(str(problem))
            hidden = len(error.problems) - SHOWN_PROBLEMS
            if hidden > 0:
                self.stderr.write(f"… and {hidden} more")
            raise CommandError(f"{len(error.problems)} problem(s); nothing was imported.") from None
        self.stdout.write(
            f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}, "
            f"descendants updated {result.descendants_updated}"
        )
