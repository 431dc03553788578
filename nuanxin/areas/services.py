"""Writes on the area tree: single nodes and the division import.

The division file format (docs/areas.md): UTF-8 CSV with the header `code,name,level,parent_code`;
`code` and `parent_code` are 12-digit statistical division codes, `level` 1..5 (province, city,
district, street/town, community/village), `parent_code` empty for a root.
"""

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from nuanxin.core.audit import audit_record
from nuanxin.core.errors import ValidationFailed

from .models import Area

HEADER = ("code", "name", "level", "parent_code")
SHIPPED_DATA_DIR = Path(__file__).resolve().parent / "data"
# Cities, districts and streets first, then communities: the order the shipped files import in.
SHIPPED_FILES = (SHIPPED_DATA_DIR / "divisions.csv", SHIPPED_DATA_DIR / "communities.csv")

CODE_PATTERN = re.compile(r"^\d{12}$")
PREFIX_PATTERN = re.compile(r"^\d{1,12}$")
NAME_MAX_LENGTH = Area._meta.get_field("name").max_length
# Queries that filter on many codes are split so SQLite's parameter limit is never reached.
CHUNK = 900
BATCH = 1000

FILE_UNREADABLE = _("The file cannot be read: %(error)s")
FILE_NOT_UTF8 = _("The file is not UTF-8 text.")
HEADER_INVALID = _('The first line must be the header "%(expected)s".')
COLUMN_COUNT = _("Expected 4 columns, found %(count)s.")
CODE_INVALID = _("A division code has exactly 12 digits.")
NAME_MISSING = _("The name is empty.")
NAME_TOO_LONG = _("The name is longer than %(max)s characters.")
LEVEL_INVALID = _("The level is a whole number from 1 (province) to 5 (community/village).")
PARENT_INVALID = _("The parent code is empty (a root) or has exactly 12 digits.")
PARENT_IS_SELF = _("An area cannot be its own parent.")
CODE_DUPLICATE = _("Code %(code)s already appears in %(source)s on line %(line)s.")
PARENT_UNKNOWN = _("Parent %(code)s is neither in the file nor in the database.")
LEVEL_NOT_BELOW_PARENT = _("The level (%(level)s) must be below its parent's level (%(parent_level)s).")
CYCLE = _("Area %(code)s would become its own ancestor.")
PREFIX_INVALID = _("A prefix is 1 to 12 digits.")
PATH_TOO_LONG = _("The area lies too deep in the tree.")
NO_ROWS = _("The file has no rows.")


def _path_for(code, parent):
    return f"{parent.path if parent else '/'}{code}/"


def _full_name_for(name, parent):
    return f"{parent.full_name} {name}".strip() if parent else name


@transaction.atomic
def area_create(*, code, name, level, parent=None):
    """Create one node below `parent` with its path and full name filled in."""
    return Area.objects.create(
        code=code,
        name=name,
        level=level,
        parent=parent,
        path=_path_for(code, parent),
        full_name=_full_name_for(name, parent),
    )


@dataclass(frozen=True)
class DivisionRow:
    code: str
    name: str
    level: int
    parent_code: str
    source: str
    line: int


@dataclass(frozen=True)
class ImportProblem:
    source: str
    line: int
    field: str
    message: str

    def __str__(self):
        return f"{self.source}:{self.line} [{self.field}] {self.message}"


class DivisionImportError(ValidationFailed):
    """The files are not valid; nothing was written. `problems` lists every fault by file and line."""

    def __init__(self, problems):
        self.problems = problems
        errors = {}
        for problem in problems:
            errors.setdefault(f"{problem.source}:{problem.line}:{problem.field}", []).append(problem.message)
        super().__init__(errors)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Nodes outside the files whose path or full name changed because an ancestor moved or was renamed.
    descendants_updated: int = 0
    problems: list = field(default_factory=list)

    @property
    def total(self):
        return self.created + self.updated + self.unchanged


def _message(template, **params):
    return str(template) % params if params else str(template)


class _Problems(list):
    def add(self, source, line, field_name, template, /, **params):
        # Positional-only: a message may have its own "source" or "line" parameter.
        self.append(ImportProblem(source, line, field_name, _message(template, **params)))


def _read_rows(source, problems):
    """Parse one file into DivisionRows, recording format problems with their line numbers."""
    path = Path(source)
    label = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        problems.add(label, 1, "file", FILE_NOT_UTF8)
        return []
    except OSError as error:
        problems.add(label, 0, "file", FILE_UNREADABLE, error=error.strerror or str(error))
        return []
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if header is None or tuple(cell.strip() for cell in header) != HEADER:
        problems.add(label, 1, "header", HEADER_INVALID, expected=",".join(HEADER))
        return []
    rows = []
    for line, cells in enumerate(reader, start=2):
        if not cells or not any(cell.strip() for cell in cells):
            continue  # blank lines are allowed
        if len(cells) != len(HEADER):
            problems.add(label, line, "row", COLUMN_COUNT, count=len(cells))
            continue
        code, name, level_text, parent_code = (cell.strip() for cell in cells)
        row_is_valid = True
        if not CODE_PATTERN.match(code):
            problems.add(label, line, "code", CODE_INVALID)
            row_is_valid = False
        if not name:
            problems.add(label, line, "name", NAME_MISSING)
            row_is_valid = False
        elif len(name) > NAME_MAX_LENGTH:
            problems.add(label, line, "name", NAME_TOO_LONG, max=NAME_MAX_LENGTH)
            row_is_valid = False
        level = int(level_text) if level_text.isdigit() else 0
        if level not in Area.Level.values:
            problems.add(label, line, "level", LEVEL_INVALID)
            row_is_valid = False
        if parent_code and not CODE_PATTERN.match(parent_code):
            problems.add(label, line, "parent_code", PARENT_INVALID)
            row_is_valid = False
        elif parent_code and parent_code == code:
            problems.add(label, line, "parent_code", PARENT_IS_SELF)
            row_is_valid = False
        if row_is_valid:
            rows.append(DivisionRow(code, name, level, parent_code, label, line))
    if not rows and not problems:
        problems.add(label, 2, "file", NO_ROWS)
    return rows


def _chunks(items, size=CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing(codes):
    """{code: Area} for the given codes (only the columns the import needs)."""
    found = {}
    for chunk in _chunks(codes):
        for area in Area.objects.filter(code__in=chunk).only(
            "id", "code", "name", "level", "parent_id", "path", "full_name"
        ):
            found[area.code] = area
    return found


def _select_prefixes(rows_by_code, prefixes):
    """Rows whose code starts with a prefix, plus their ancestors found in the files."""
    keep = {}
    for code, row in rows_by_code.items():
        if not any(code.startswith(prefix) for prefix in prefixes):
            continue
        while row is not None and row.code not in keep:
            keep[row.code] = row
            row = rows_by_code.get(row.parent_code)
    return keep


def _path_codes(path):
    return [code for code in path.strip("/").split("/") if code]


def division_files_validate(*, sources, prefixes=()):
    """Read and check division files without writing.

    Returns (rows_by_code, existing_by_code). Raises DivisionImportError listing every problem.
    """
    problems = _Problems()
    for prefix in prefixes:
        if not PREFIX_PATTERN.match(prefix):
            problems.add("--prefix", 0, "prefix", PREFIX_INVALID)
    rows_by_code = {}
    for source in sources:
        for row in _read_rows(source, problems):
            first = rows_by_code.get(row.code)
            if first is not None:
                problems.add(
                    row.source,
                    row.line,
                    "code",
                    CODE_DUPLICATE,
                    code=row.code,
                    source=first.source,
                    line=first.line,
                )
                continue
            rows_by_code[row.code] = row
    if problems:
        raise DivisionImportError(problems)
    if prefixes:
        rows_by_code = _select_prefixes(rows_by_code, prefixes)

    parent_codes = {row.parent_code for row in rows_by_code.values() if row.parent_code}
    existing = _existing(set(rows_by_code) | parent_codes)

    for row in rows_by_code.values():
        if not row.parent_code:
            continue
        parent = rows_by_code.get(row.parent_code) or existing.get(row.parent_code)
        if parent is None:
            problems.add(row.source, row.line, "parent_code", PARENT_UNKNOWN, code=row.parent_code)
        elif parent.level >= row.level:
            problems.add(
                row.source,
                row.line,
                "level",
                LEVEL_NOT_BELOW_PARENT,
                level=row.level,
                parent_level=parent.level,
            )
    if problems:
        raise DivisionImportError(problems)
    _check_cycles(rows_by_code, existing, problems)
    if problems:
        raise DivisionImportError(problems)
    return rows_by_code, existing


def _check_cycles(rows_by_code, existing, problems):
    """Walk each row to its root through the final tree: file rows override the database."""
    acyclic = set()
    for start in rows_by_code.values():
        seen = []
        code = start.code
        while code and code not in acyclic:
            if code in seen:
                problems.add(start.source, start.line, "parent_code", CYCLE, code=code)
                break
            seen.append(code)
            row = rows_by_code.get(code)
            if row is not None:
                code = row.parent_code
                continue
            # A database node outside the files: its chain up is its stored path, unless a node on
            # that path is in the files (and may have moved), where the walk continues from there.
            in_files = [
                ancestor for ancestor in _path_codes(existing[code].path)[:-1] if ancestor in rows_by_code
            ]
            code = in_files[-1] if in_files else ""
        else:
            acyclic.update(seen)


class _Tree:
    """Final paths and full names: file rows override the stored tree."""

    def __init__(self, rows_by_code, existing):
        self.rows = rows_by_code
        # Stored (path, full_name) before the import: the Area objects are updated in place later.
        self.stored = {code: (area.path, area.full_name) for code, area in existing.items()}
        self._memo = {}

    def final(self, code, stored=None):
        """(path, full_name) of `code` after the import. `stored` is the Area when not fetched before."""
        if code in self._memo:
            return self._memo[code]
        row = self.rows.get(code)
        if row is not None:
            if row.parent_code:
                parent_path, parent_full_name = self.final(row.parent_code)
                result = (f"{parent_path}{code}/", f"{parent_full_name} {row.name}")
            else:
                result = (f"/{code}/", row.name)
        else:
            old_path, old_full_name = (stored.path, stored.full_name) if stored else self.stored[code]
            in_files = [ancestor for ancestor in _path_codes(old_path)[:-1] if ancestor in self.rows]
            if not in_files:
                result = (old_path, old_full_name)
            else:
                anchor_old_path, anchor_old_full_name = self.stored[in_files[-1]]
                anchor_path, anchor_full_name = self.final(in_files[-1])
                path = anchor_path + old_path[len(anchor_old_path) :]
                if old_full_name.startswith(anchor_old_full_name):
                    full_name = anchor_full_name + old_full_name[len(anchor_old_full_name) :]
                else:
                    full_name = old_full_name
                result = (path, full_name)
        self._memo[code] = result
        return result


@transaction.atomic
def area_import(*, actor=None, sources=SHIPPED_FILES, prefixes=()):
    """Upsert division files into the area tree, all or nothing.

    Nodes are matched by code: new codes are created, names, levels and parents of known codes are
    updated, and the paths and full names of every node below a moved or renamed one are
    recomputed. `prefixes` keeps only codes starting with one of them (and their ancestors).

    Raises DivisionImportError (a ValidationFailed) listing every problem by file and line, before
    anything is written. Side effects: one audit row when something changed.
    """
    rows_by_code, existing = division_files_validate(sources=sources, prefixes=prefixes)
    tree = _Tree(rows_by_code, existing)
    result = ImportResult()
    max_path = Area._meta.get_field("path").max_length
    max_full_name = Area._meta.get_field("full_name").max_length

    finals = {}
    problems = _Problems()
    for code, row in rows_by_code.items():
        path, full_name = tree.final(code)
        if len(path) > max_path:
            problems.add(row.source, row.line, "parent_code", PATH_TOO_LONG)
        finals[code] = (path, full_name[:max_full_name])
    if problems:
        raise DivisionImportError(problems)

    ids = {code: area.id for code, area in existing.items()}

    # Create level by level: a parent's level is always above its children's, so parents exist first.
    new_rows = sorted(
        (row for row in rows_by_code.values() if row.code not in existing), key=lambda r: r.level
    )
    for level in sorted({row.level for row in new_rows}):
        batch = [
            Area(
                code=row.code,
                name=row.name,
                level=row.level,
                parent_id=ids[row.parent_code] if row.parent_code else None,
                path=finals[row.code][0],
                full_name=finals[row.code][1],
            )
            for row in new_rows
            if row.level == level
        ]
        Area.objects.bulk_create(batch, batch_size=BATCH)
        for chunk in _chunks([area.code for area in batch]):
            ids.update(Area.objects.filter(code__in=chunk).values_list("code", "id"))
        result.created += len(batch)

    changed, moved_or_renamed = [], []
    for code, area in existing.items():
        row = rows_by_code.get(code)
        if row is None:
            continue  # a parent outside the files: never changed by this import
        path, full_name = finals[code]
        wanted = {
            "name": row.name,
            "level": row.level,
            "parent_id": ids[row.parent_code] if row.parent_code else None,
            "path": path,
            "full_name": full_name,
        }
        if all(getattr(area, key) == value for key, value in wanted.items()):
            result.unchanged += 1
            continue
        if area.path != path or area.full_name != full_name:
            moved_or_renamed.append((area.path, area.full_name))
        for key, value in wanted.items():
            setattr(area, key, value)
        changed.append(area)
    Area.objects.bulk_update(changed, ["name", "level", "parent_id", "path", "full_name"], batch_size=BATCH)
    result.updated = len(changed)
    result.descendants_updated = _update_descendants(tree, rows_by_code, moved_or_renamed)

    if result.created or result.updated:
        root_code = min(rows_by_code, key=lambda code: (finals[code][0].count("/"), code))
        audit_record(
            actor=actor,
            action="import",
            obj=Area.objects.get(code=root_code),
            message=(
                f"division import: {result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged, {result.descendants_updated} descendants updated"
            ),
        )
    return result


def _update_descendants(tree, rows_by_code, moved_or_renamed):
    """Rewrite path and full name of stored nodes below moved or renamed ones that the files omit."""
    old_paths = sorted(path for path, _full_name in moved_or_renamed)
    tops = []
    for path in old_paths:
        if not any(path.startswith(top) for top in tops):
            tops.append(path)
    touched = []
    for top in tops:
        for area in Area.objects.filter(path__startswith=top).only("id", "code", "path", "full_name"):
            if area.code in rows_by_code:
                continue
            path, full_name = tree.final(area.code, stored=area)
            if (path, full_name) != (area.path, area.full_name):
                area.path, area.full_name = path, full_name
                touched.append(area)
    Area.objects.bulk_update(touched, ["path", "full_name"], batch_size=BATCH)
    return len(touched)
