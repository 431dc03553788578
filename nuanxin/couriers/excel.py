"""Excel for the courier registry (P2): the import template, import (preview → commit) and export.

Import, in two steps:
1. `import_preview(actor=, upload=)` streams the workbook (openpyxl read-only), checks the headers,
   validates every row (phone, ID check digit, company, worker group, street inside the uploader's
   area, yes/no fields), finds duplicates inside the file and couriers that already exist (by the
   keyed phone hash; those are updated, never duplicated) and returns an `ImportPreview`. Nothing is
   written unless every row is valid; then one `CourierImportBatch` keeps the file (encrypted) so
   that the commit imports exactly what was previewed. Its public id is the preview token.
2. `import_commit(actor=, batch=)` reads the kept file again, validates it again against the
   registry as it is now, and writes everything in one transaction — in chunks of
   `CHUNK_SIZE` rows with bulk inserts and updates, so 100,000 rows need bounded memory — or
   nothing at all.

File-level faults (not an .xlsx, wrong headers, no rows, more than `MAX_ROWS` rows, too big) raise
`ImportFileError`, a ValidationFailed on the field "file". Row faults are listed in the preview as
(row number, column, message).

Rule for couriers that already exist: an imported or staff-entered courier gets the file's values; a
courier who registered themselves keeps what they entered, and the file only fills empty fields.
A number registered to a courier outside the uploader's area is a row error (a street cannot
move another street's couriers).
"""

import hashlib
import io
import secrets
import tempfile
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _

from nuanxin.accounts.models import Role, User
from nuanxin.areas.models import Area
from nuanxin.core import crypto
from nuanxin.core.audit import audit_record
from nuanxin.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from nuanxin.core.models import AuditEntry
from nuanxin.core.permissions import is_superuser
from nuanxin.core.validators import normalize_id_number, normalize_phone

from .models import Company, CourierImportBatch, CourierProfile, WorkerGroup
from .registry import EXPORT, IMPORT, VIEW_PERSONAL_DATA, courier_registry_policy

MAX_ROWS = 100_000
CHUNK_SIZE = 1_000
MAX_ERRORS_KEPT = 1_000
MAX_UPDATES_KEPT = 500
MAX_BLANK_ROWS_KEPT = 100
PREVIEW_LIFETIME = timedelta(hours=24)
DATA_SHEET_TITLE = "快递员名单"
INSTRUCTIONS_SHEET_TITLE = "填写说明"
OPTIONS_SHEET_TITLE = "选项"


def max_import_bytes():
    return getattr(settings, "NUANXIN_COURIER_IMPORT_MAX_BYTES", 30 * 1024 * 1024)


# --- the columns ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool  # the column must be present (a cell may still be optional, see validators)
    width: int


COLUMNS = (
    Column("name", "姓名", True, 12),
    Column("phone", "手机号", True, 16),
    Column("company", "所属企业", True, 14),
    Column("worker_group", "从业类型", True, 14),
    Column("site_name", "网点", True, 24),
    Column("street", "工作街道(代码或名称)", True, 24),
    Column("id_number", "身份证号(选填)", False, 22),
    Column("is_union_member", "工会会员", False, 10),
    Column("is_party_member", "党员", False, 8),
)
HEADERS = tuple(column.header for column in COLUMNS)
_HEADER_ALIASES = {"工作街道": "street", "街道": "street", "身份证号": "id_number", "身份证号码": "id_number"}

# Chinese names of the worker groups as written in company lists (the template offers the first).
WORKER_GROUP_NAMES = {
    WorkerGroup.EXPRESS_COURIER: ("快递员", "快递小哥"),
    WorkerGroup.FOOD_DELIVERY_RIDER: ("外卖骑手", "外卖员", "骑手"),
    WorkerGroup.RIDE_HAILING_DRIVER: ("网约车司机",),
    WorkerGroup.TRUCK_DRIVER: ("货车司机", "货运司机"),
    WorkerGroup.OTHER: ("其他",),
}
YES_WORDS = {"是", "y", "yes", "1", "true", "√", "有"}
NO_WORDS = {"否", "n", "no", "0", "false", "×", "无", "不是"}
OTHER_COMPANY_WORDS = ("其他", "其它")

# File-level errors (field "file").
FILE_NOT_XLSX = _(
    "The file is not an Excel .xlsx workbook. Save it as .xlsx (Excel 2007 or later) and try again."
)
FILE_TOO_BIG = _("The file is larger than %(max)s MB.")
FILE_EMPTY = _("The file has no courier rows below the header row.")
FILE_TOO_MANY_ROWS = _("The file has more than %(max)s courier rows. Split it into smaller files.")
HEADERS_MISSING = _("Required columns are missing: %(headers)s. Use the import template.")
HEADERS_UNKNOWN = _("Unknown columns: %(headers)s. Use the import template.")
HEADERS_DUPLICATED = _("Columns appear twice: %(headers)s.")
FILE_REQUIRED = _("Choose an .xlsx file to upload.")

# Row errors.
ROW_REQUIRED = _("This cell is required.")
ROW_TEXT_EXPECTED = _("Enter text, not a number or date.")
ROW_NUMBER_AS_TEXT = _("Enter the ID number as text: Excel drops the last digits of long numbers.")
ROW_WRONG_TYPE = _("This cell has the wrong type (a date or formula result); enter text.")
ROW_TOO_LONG = _("Enter at most %(max)s characters.")
ROW_PHONE_INVALID = _("Enter a valid mainland mobile number (11 digits starting with 1).")
ROW_COMPANY_UNKNOWN = _("Unknown company “%(value)s”: choose one from the list, or 其他.")
ROW_GROUP_UNKNOWN = _("Unknown worker group “%(value)s”: choose one of %(choices)s.")
ROW_STREET_UNKNOWN = _("Unknown street “%(value)s” in your area: enter its 12-digit code or its name.")
ROW_STREET_AMBIGUOUS = _("Several streets in your area are called “%(value)s”: enter the 12-digit code.")
ROW_YES_NO = _("Enter 是 or 否.")
ROW_DUPLICATE_PHONE = _("The same phone number is already in row %(row)s.")
ROW_DUPLICATE_ID = _("The same ID number is already in row %(row)s.")
ROW_OTHER_AREA = _("This phone number belongs to a courier registered outside your area.")
ROW_DELETED = _("This phone number belongs to a deleted account and cannot be imported.")

# Batch errors.
BATCH_NOT_PREVIEWED = _("This import has already been committed or discarded.")
BATCH_EXPIRED = _("This preview has expired. Upload the file again.")
BATCH_CHANGED = _(
    "The registry changed since the preview and %(count)s rows are no longer valid. Upload the file again."
)
BATCH_FILE_GONE = _("The previewed file is no longer available. Upload the file again.")


class ImportFileError(ValidationFailed):
    """The file as a whole cannot be imported (422, field "file")."""

    code = "import_file_invalid"

    def __init__(self, message, **params):
        super().__init__({"file": [str(message) % params if params else message]})
        self.message = message
        self.params = params

    def text(self):
        return str(self.message) % self.params if self.params else str(self.message)


# --- reading and validating -----------------------------------------------------------------------


@dataclass
class ImportRow:
    row: int
    name: str
    phone: str
    company: Company
    company_other: str
    worker_group: str
    site_name: str
    area: Area
    id_number: str
    is_union_member: bool
    is_party_member: bool


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self):
        return {"row": self.row, "column": self.column, "message": str(self.message)}


@dataclass
class ImportPreview:
    """What an upload would do. `batch` is set (the preview token) only when every row is valid."""

    file_name: str
    row_count: int = 0
    new_count: int = 0
    update_count: int = 0
    error_count: int = 0
    errors: list = field(default_factory=list)  # RowError, the first MAX_ERRORS_KEPT
    updates: list = field(default_factory=list)  # {"row", "phone_masked", "name"}, the first MAX_UPDATES_KEPT
    blank_rows: list = field(default_factory=list)  # row numbers, the first MAX_BLANK_ROWS_KEPT
    blank_row_count: int = 0
    batch: CourierImportBatch | None = None

    @property
    def can_commit(self):
        return self.error_count == 0 and self.batch is not None

    def add_error(self, row, column, message):
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(RowError(row, column, message))


def _normalize_header(value):
    text = (
        str(value or "").strip().replace("（", "(").replace("）", ")").replace(" ", "").replace("\u3000", "")
    )
    return text


_HEADER_KEYS = {_normalize_header(column.header): column.key for column in COLUMNS}
_HEADER_KEYS.update(_HEADER_ALIASES)
_HEADER_OF = {column.key: column.header for column in COLUMNS}


class ImportContext:
    """Look-up tables for one import: the uploader's streets and the company list."""

    def __init__(self, actor):
        self.actor = actor
        area = getattr(actor, "area", None)
        streets = Area.objects.filter(level=Area.Level.STREET)
        if not is_superuser(actor) or area is not None:
            streets = streets.filter(path__startswith=area.path)
        self.streets_by_code = {}
        self.streets_by_name = {}
        for street in streets.only("id", "code", "name", "path"):
            self.streets_by_code[street.code] = street
            self.streets_by_name.setdefault(street.name, []).append(street)
        # A street's staff may leave the street column empty: it is their own street.
        self.default_street = area if area is not None and area.level == Area.Level.STREET else None
        self.area_path = area.path if area is not None else "/"
        self.companies = {}
        for company in Company.objects.filter(is_active=True):
            self.companies[company.name] = company
            self.companies[company.code] = company
        self.other_company = Company.objects.filter(code="other").first()
        self.groups = {}
        for group, names in WORKER_GROUP_NAMES.items():
            for name in names:
                self.groups[name] = group
            self.groups[group.value] = group
            self.groups[str(group.label).lower()] = group
        self.group_choices = "、".join(names[0] for names in WORKER_GROUP_NAMES.values())


def _text(value, preview, row, key, *, max_length, required, numbers="int"):
    """A cell as stripped text, or None after recording an error.

    `numbers`: "int" accepts whole numbers (phones and codes typed as numbers), "no" refuses any
    number (names), "id" accepts integers but not floats (Excel rounds 18-digit numbers).
    """
    column = _HEADER_OF[key]
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            preview.add_error(row, column, ROW_REQUIRED)
            return None
        return ""
    if isinstance(value, bool | datetime | date | time):
        preview.add_error(row, column, ROW_WRONG_TYPE)
        return None
    if isinstance(value, int | float):
        if numbers == "no":
            preview.add_error(row, column, ROW_TEXT_EXPECTED)
            return None
        if isinstance(value, float):
            if numbers == "id" or not value.is_integer():
                preview.add_error(row, column, ROW_NUMBER_AS_TEXT if numbers == "id" else ROW_TEXT_EXPECTED)
                return None
            value = int(value)
    text = str(value).strip()
    if len(text) > max_length:
        preview.add_error(row, column, ROW_TOO_LONG % {"max": max_length})
        return None
    return text


def _yes_no(value, preview, row, key):
    if value is None or (isinstance(value, str) and not value.strip()):
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in YES_WORDS:
        return True
    if text in NO_WORDS:
        return False
    preview.add_error(row, _HEADER_OF[key], ROW_YES_NO)
    return None


def _validate_row(row, cells, context, preview):
    """An ImportRow, or None after recording this row's errors."""
    errors_before = preview.error_count
    name = _text(cells.get("name"), preview, row, "name", max_length=50, required=True, numbers="no")
    phone_text = _text(cells.get("phone"), preview, row, "phone", max_length=20, required=True)
    phone = None
    if phone_text:
        phone = normalize_phone(phone_text)
        if phone is None:
            preview.add_error(row, _HEADER_OF["phone"], ROW_PHONE_INVALID)
    company_text = _text(
        cells.get("company"), preview, row, "company", max_length=60, required=True, numbers="no"
    )
    company, company_other = None, ""
    if company_text:
        company = context.companies.get(company_text)
        if company is None:
            for word in OTHER_COMPANY_WORDS:
                if company_text.startswith(word):
                    company = context.other_company
                    company_other = company_text[len(word) :].strip(" :：()（）-—")[:50]
                    break
        if company is None:
            preview.add_error(row, _HEADER_OF["company"], ROW_COMPANY_UNKNOWN % {"value": company_text})
    group_text = _text(
        cells.get("worker_group"), preview, row, "worker_group", max_length=20, required=False, numbers="no"
    )
    worker_group = None
    if group_text:
        worker_group = context.groups.get(group_text) or context.groups.get(group_text.lower())
        if worker_group is None:
            preview.add_error(
                row,
                _HEADER_OF["worker_group"],
                ROW_GROUP_UNKNOWN % {"value": group_text, "choices": context.group_choices},
            )
    elif group_text == "" and company is not None:
        worker_group = company.worker_group  # a blank group: the company's main group
    elif group_text == "":
        worker_group = WorkerGroup.OTHER
    site_name = _text(
        cells.get("site_name"), preview, row, "site_name", max_length=100, required=False, numbers="int"
    )
    street_text = _text(
        cells.get("street"), preview, row, "street", max_length=100, required=context.default_street is None
    )
    area = None
    if street_text:
        area = context.streets_by_code.get(street_text)
        if area is None:
            matches = context.streets_by_name.get(street_text, [])
            if len(matches) == 1:
                area = matches[0]
            elif matches:
                preview.add_error(row, _HEADER_OF["street"], ROW_STREET_AMBIGUOUS % {"value": street_text})
            else:
                preview.add_error(row, _HEADER_OF["street"], ROW_STREET_UNKNOWN % {"value": street_text})
    elif street_text == "":
        area = context.default_street
    id_text = _text(
        cells.get("id_number"), preview, row, "id_number", max_length=30, required=False, numbers="id"
    )
    id_number = ""
    if id_text:
        try:
            id_number = normalize_id_number(id_text)
        except ValueError as exc:
            preview.add_error(row, _HEADER_OF["id_number"], exc.args[0])
    union = _yes_no(cells.get("is_union_member"), preview, row, "is_union_member")
    party = _yes_no(cells.get("is_party_member"), preview, row, "is_party_member")
    if preview.error_count != errors_before:
        return None
    return ImportRow(
        row=row,
        name=name,
        phone=phone,
        company=company,
        company_other=company_other,
        worker_group=worker_group,
        site_name=site_name,
        area=area,
        id_number=id_number,
        is_union_member=union,
        is_party_member=party,
    )


def _open_sheet(source):
    """The data sheet of an uploaded workbook, read-only. Raises ImportFileError."""
    from openpyxl import load_workbook

    try:
        if not zipfile.is_zipfile(source):
            raise ImportFileError(FILE_NOT_XLSX)
        source.seek(0)
        workbook = load_workbook(source, read_only=True, data_only=True)
    except ImportFileError:
        raise
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        raise ImportFileError(FILE_NOT_XLSX) from None
    if DATA_SHEET_TITLE in workbook.sheetnames:
        return workbook, workbook[DATA_SHEET_TITLE]
    return workbook, workbook.worksheets[0]


def _read_header(rows):
    """Column index → key from the first row. Raises ImportFileError for wrong headers."""
    try:
        header_row = next(rows)
    except StopIteration:
        raise ImportFileError(FILE_EMPTY) from None
    keys, unknown, duplicated = {}, [], []
    for index, value in enumerate(header_row):
        if value is None or not str(value).strip():
            continue
        key = _HEADER_KEYS.get(_normalize_header(value))
        if key is None:
            unknown.append(str(value).strip())
        elif key in keys.values():
            duplicated.append(str(value).strip())
        else:
            keys[index] = key
    missing = [column.header for column in COLUMNS if column.required and column.key not in keys.values()]
    if missing:
        raise ImportFileError(HEADERS_MISSING, headers="、".join(missing))
    if unknown:
        raise ImportFileError(HEADERS_UNKNOWN, headers="、".join(unknown))
    if duplicated:
        raise ImportFileError(HEADERS_DUPLICATED, headers="、".join(duplicated))
    return keys


def _iter_valid_rows(source, context, preview):
    """Yield each valid ImportRow of the file; record errors, blank rows and duplicates in `preview`."""
    workbook, sheet = _open_sheet(source)
    try:
        rows = sheet.iter_rows(values_only=True)
        keys = _read_header(rows)
        seen_phones = {}
        seen_ids = {}
        pending_blank = []
        row_number = 1
        for values in rows:
            row_number += 1
            cells = {key: values[index] for index, key in keys.items() if index < len(values)}
            if all(
                value is None or (isinstance(value, str) and not value.strip()) for value in cells.values()
            ):
                pending_blank.append(row_number)
                continue
            if pending_blank:  # blank rows between data rows are skipped and reported
                preview.blank_row_count += len(pending_blank)
                room = MAX_BLANK_ROWS_KEPT - len(preview.blank_rows)
                preview.blank_rows.extend(pending_blank[: max(room, 0)])
                pending_blank = []
            preview.row_count += 1
            if preview.row_count > MAX_ROWS:
                raise ImportFileError(FILE_TOO_MANY_ROWS, max=f"{MAX_ROWS:,}")
            item = _validate_row(row_number, cells, context, preview)
            if item is None:
                continue
            first_row = seen_phones.setdefault(item.phone, row_number)
            if first_row != row_number:
                preview.add_error(row_number, _HEADER_OF["phone"], ROW_DUPLICATE_PHONE % {"row": first_row})
                continue
            if item.id_number:
                first_row = seen_ids.setdefault(item.id_number, row_number)
                if first_row != row_number:
                    preview.add_error(
                        row_number, _HEADER_OF["id_number"], ROW_DUPLICATE_ID % {"row": first_row}
                    )
                    continue
            yield item
        if preview.row_count == 0:
            raise ImportFileError(FILE_EMPTY)
    finally:
        workbook.close()


def _chunks(iterable, size):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


_EXISTING_FIELDS = (
    "id",
    "phone_hash",
    "phone_masked",
    "name",
    "worker_group",
    "company_id",
    "company_other",
    "site_name",
    "work_area_id",
    "id_number",
    "id_number_hash",
    "is_union_member",
    "is_party_member",
    "source",
    "deleted_at",
    "registered_at",
)


def _existing_by_hash(chunk, *, lock=False):
    """Existing couriers (any area, deleted too) holding the phones of `chunk`, keyed by phone hash."""
    hashes = [crypto.lookup_hash(item.phone) for item in chunk]
    queryset = (
        CourierProfile.objects.filter(phone_hash__in=hashes)
        .select_related("work_area")
        .only(*_EXISTING_FIELDS, "work_area__path")
    )
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    return hashes, {profile.phone_hash: profile for profile in queryset}


def _classify(item, existing, context, preview):
    """'new', 'update', or None after recording why the row cannot be imported."""
    if existing is None:
        return "new"
    if existing.deleted_at is not None:
        preview.add_error(item.row, _HEADER_OF["phone"], ROW_DELETED)
        return None
    if existing.work_area_id is not None and not existing.work_area.path.startswith(context.area_path):
        preview.add_error(item.row, _HEADER_OF["phone"], ROW_OTHER_AREA)
        return None
    preview.update_count += 1
    if len(preview.updates) < MAX_UPDATES_KEPT:
        preview.updates.append(
            {"row": item.row, "phone_masked": existing.phone_masked, "name": existing.name}
        )
    return "update"


def _scan(source, context, preview, *, on_chunk=None, lock=False):
    """Validate the whole file into `preview`; call `on_chunk(new_items, updates)` per chunk if given."""
    for chunk in _chunks(_iter_valid_rows(source, context, preview), CHUNK_SIZE):
        hashes, existing = _existing_by_hash(chunk, lock=lock)
        new_items, updates = [], []
        for item, phone_hash in zip(chunk, hashes, strict=True):
            match = existing.get(phone_hash)
            verdict = _classify(item, match, context, preview)
            if verdict == "new":
                preview.new_count += 1
                new_items.append((item, phone_hash))
            elif verdict == "update":
                updates.append((item, match))
        if on_chunk is not None and preview.error_count == 0:
            on_chunk(new_items, updates)


# --- preview --------------------------------------------------------------------------------------


def _require_import(actor):
    if not courier_registry_policy.can(actor, IMPORT, None):
        raise PermissionDenied()


def _stored_path(token):
    return f"courier-imports/{token}.xlsx.enc"


def import_preview(*, actor, upload, ip_address=None):
    """Validate an uploaded workbook (a Django UploadedFile or a binary file object with `.name`).

    Returns an ImportPreview. When every row is valid, a CourierImportBatch is saved (with the file,
    encrypted) and `preview.batch` is its token; otherwise nothing is written.
    Raises PermissionDenied (not area staff) and ImportFileError (file-level faults).
    """
    _require_import(actor)
    if upload is None:
        raise ImportFileError(FILE_REQUIRED)
    size = getattr(upload, "size", None)
    limit = max_import_bytes()
    if size is not None and size > limit:
        raise ImportFileError(FILE_TOO_BIG, max=limit // (1024 * 1024))
    file_name = (getattr(upload, "name", "") or "import.xlsx")[-255:]
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as source:
        digest = hashlib.sha256()
        total = 0
        chunks = upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(1024 * 1024), b"")
        for piece in chunks:
            total += len(piece)
            if total > limit:
                raise ImportFileError(FILE_TOO_BIG, max=limit // (1024 * 1024))
            digest.update(piece)
            source.write(piece)
        source.seek(0)
        context = ImportContext(actor)
        preview = ImportPreview(file_name=file_name)
        _scan(source, context, preview)
        if preview.error_count:
            return preview
        source.seek(0)
        content = source.read()
    token = uuid.uuid4()
    with transaction.atomic():
        stored_name = default_storage.save(_stored_path(token), ContentFile(crypto.fernet().encrypt(content)))
        preview.batch = CourierImportBatch.objects.create(
            public_id=token,
            created_by=actor,
            area=actor.area if actor.area_id else Area.objects.order_by("path").first(),
            file_name=file_name,
            file_sha256=digest.hexdigest(),
            stored_name=stored_name,
            row_count=preview.row_count,
            new_count=preview.new_count,
            update_count=preview.update_count,
            blank_row_count=preview.blank_row_count,
            updates_preview=preview.updates,
            expires_at=timezone.now() + PREVIEW_LIFETIME,
        )
        audit_record(
            actor=actor,
            action=AuditEntry.Action.IMPORT,
            obj=preview.batch,
            message="preview",
            changes={"rows": preview.row_count, "new": preview.new_count, "updates": preview.update_count},
            area_path=preview.batch.area.path,
            ip_address=ip_address,
        )
    del content
    return preview


def import_batch_get(*, actor, token):
    """A batch its uploader may see (superusers: any). NotFound otherwise, alike for missing."""
    _require_import(actor)
    queryset = CourierImportBatch.objects.select_related("area")
    if not is_superuser(actor):
        queryset = queryset.filter(created_by=actor)
    try:
        return queryset.get(public_id=token)
    except (CourierImportBatch.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def preview_of_batch(batch):
    """The stored summary of a batch as an ImportPreview (no errors: only valid files are kept)."""
    return ImportPreview(
        file_name=batch.file_name,
        row_count=batch.row_count,
        new_count=batch.new_count,
        update_count=batch.update_count,
        updates=list(batch.updates_preview),
        blank_row_count=batch.blank_row_count,
        batch=batch,
    )


def _delete_stored(stored_name):
    if stored_name and default_storage.exists(stored_name):
        default_storage.delete(stored_name)


# --- commit ---------------------------------------------------------------------------------------


def _apply_update(profile, item):
    """Copy the row onto an existing courier (see the module docstring for self-registered ones)."""
    self_registered = profile.source == "self" and profile.registered_at is not None
    values = {
        "name": item.name,
        "worker_group": item.worker_group,
        "company_id": item.company.pk if item.company else None,
        "company_other": item.company_other,
        "site_name": item.site_name,
        "work_area_id": item.area.pk if item.area else None,
    }
    for name, value in values.items():
        if not self_registered or not getattr(profile, name):
            setattr(profile, name, value)
    if item.id_number and (not self_registered or not profile.id_number):
        profile.id_number = item.id_number
        profile.id_number_hash = crypto.lookup_hash(item.id_number)
        profile.id_number_masked = crypto.mask_id_number(item.id_number)
    if not self_registered:
        profile.is_union_member = item.is_union_member
        profile.is_party_member = item.is_party_member


_UPDATE_FIELDS = [
    "name",
    "worker_group",
    "company",
    "company_other",
    "site_name",
    "work_area",
    "id_number",
    "id_number_hash",
    "id_number_masked",
    "is_union_member",
    "is_party_member",
    "updated_at",
]


def _write_chunk(new_items, updates):
    now = timezone.now()
    users = [
        User(
            username=f"courier-{uuid.uuid4().hex[:20]}",
            role=Role.COURIER,
            is_staff=False,
            # Unusable, like make_password(None), without its 40 random.choice calls per row.
            password=UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30),
            display_name=item.name,
        )
        for item, _hash in new_items
    ]
    User.objects.bulk_create(users, batch_size=CHUNK_SIZE)
    CourierProfile.objects.bulk_create(
        [
            CourierProfile(
                user=user,
                phone=item.phone,
                phone_hash=phone_hash,
                phone_masked=crypto.mask_phone(item.phone),
                name=item.name,
                worker_group=item.worker_group,
                company=item.company,
                company_other=item.company_other,
                site_name=item.site_name,
                work_area=item.area,
                id_number=item.id_number,
                id_number_hash=crypto.lookup_hash(item.id_number),
                id_number_masked=crypto.mask_id_number(item.id_number),
                is_union_member=item.is_union_member,
                is_party_member=item.is_party_member,
                source="import",
            )
            for user, (item, phone_hash) in zip(users, new_items, strict=True)
        ],
        batch_size=CHUNK_SIZE,
    )
    for item, profile in updates:
        _apply_update(profile, item)
        profile.updated_at = now
    if updates:
        CourierProfile.objects.bulk_update(
            [profile for _item, profile in updates], _UPDATE_FIELDS, batch_size=500
        )


def import_commit(*, actor, batch, ip_address=None):
    """Import a previewed batch: all rows or none. Returns the committed batch (counts updated).

    Raises NotFound (not the uploader's), Conflict (already committed/discarded, expired, the file
    is gone, or the registry changed so that rows became invalid — then nothing is written).
    Side effects: one AuditEntry (action "import"); the kept file is deleted once committed.
    """
    _require_import(actor)
    if not is_superuser(actor) and batch.created_by_id != actor.pk:
        raise NotFound()
    with transaction.atomic():
        batch = CourierImportBatch.objects.select_for_update().select_related("area").get(pk=batch.pk)
        if batch.status != CourierImportBatch.Status.PREVIEWED:
            raise Conflict(BATCH_NOT_PREVIEWED)
        if batch.expires_at <= timezone.now():
            raise Conflict(BATCH_EXPIRED)
        if not batch.stored_name or not default_storage.exists(batch.stored_name):
            raise Conflict(BATCH_FILE_GONE)
        with default_storage.open(batch.stored_name, "rb") as stored:
            content = crypto.fernet().decrypt(stored.read())
        if hashlib.sha256(content).hexdigest() != batch.file_sha256:  # pragma: no cover - tampering
            raise Conflict(BATCH_FILE_GONE)
        source = io.BytesIO(content)
        del content
        context = ImportContext(actor)
        preview = ImportPreview(file_name=batch.file_name)
        _scan(source, context, preview, on_chunk=_write_chunk, lock=True)
        if preview.error_count:
            transaction.set_rollback(True)
            failure = Conflict(BATCH_CHANGED, params={"count": preview.error_count})
        else:
            failure = None
            batch.status = CourierImportBatch.Status.COMMITTED
            batch.committed_at = timezone.now()
            batch.row_count = preview.row_count
            batch.new_count = preview.new_count
            batch.update_count = preview.update_count
            batch.updates_preview = preview.updates
            stored_name = batch.stored_name
            batch.stored_name = ""
            batch.save()
            audit_record(
                actor=actor,
                action=AuditEntry.Action.IMPORT,
                obj=batch,
                message="commit",
                changes={
                    "rows": preview.row_count,
                    "new": preview.new_count,
                    "updates": preview.update_count,
                },
                area_path=batch.area.path,
                ip_address=ip_address,
            )
            transaction.on_commit(lambda: _delete_stored(stored_name))
    if failure is not None:
        raise failure
    return batch


@transaction.atomic
def import_discard(*, actor, batch):
    """Drop a previewed batch and its kept file. Raises NotFound / Conflict like `import_commit`."""
    _require_import(actor)
    if not is_superuser(actor) and batch.created_by_id != actor.pk:
        raise NotFound()
    batch = CourierImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != CourierImportBatch.Status.PREVIEWED:
        raise Conflict(BATCH_NOT_PREVIEWED)
    stored_name = batch.stored_name
    batch.status = CourierImportBatch.Status.DISCARDED
    batch.stored_name = ""
    batch.save(update_fields=["status", "stored_name", "updated_at"])
    transaction.on_commit(lambda: _delete_stored(stored_name))
    return batch


# --- the template ---------------------------------------------------------------------------------

INSTRUCTIONS = (
    _("How to fill in the courier list"),
    _(
        "Fill in one courier per row on the sheet “快递员名单”, starting from row 2. "
        "Do not change the header row."
    ),
    _("姓名 (name): required, at most 50 characters."),
    _(
        "手机号 (mobile number): required, 11 digits starting with 1. It identifies the courier: a number "
        "already in the registry updates that courier instead of adding a second one."
    ),
    _(
        "所属企业 (company): a name from the list on the sheet “选项”, or 其他 (other), optionally followed "
        "by the name, e.g. 其他：某某快递."
    ),
    _("从业类型 (worker group): one of the list; when empty, the company's main group is used."),
    _("网点 (site): optional, at most 100 characters."),
    _(
        "工作街道 (work street): the 12-digit division code or the name of a street in your area. "
        "Street staff may leave it empty for their own street."
    ),
    _(
        "身份证号 (resident ID number): optional; enter it as text so Excel keeps every digit; "
        "the check digit is verified."
    ),
    _("工会会员 / 党员 (union member / party member): 是 or 否; empty means 否."),
    _(
        "At most 100,000 rows per file. Empty rows are skipped. Nothing is imported until every row is "
        "valid: the preview lists each row's errors."
    ),
)


def import_template(*, actor):
    """The import template as .xlsx bytes, with drop-down lists for the uploader's area."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    _require_import(actor)
    context = ImportContext(actor)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET_TITLE
    sheet.append(list(HEADERS))
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="FFF2CC")
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = bold
        if column.required:
            cell.fill = fill
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = column.width
        if column.key in {"phone", "id_number", "street"}:
            for row in range(2, 1002):  # text format, so Excel keeps every digit of long numbers
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"

    options = workbook.create_sheet(OPTIONS_SHEET_TITLE)
    companies = list(Company.objects.filter(is_active=True).order_by("sort_order", "code"))
    groups = [names[0] for names in WORKER_GROUP_NAMES.values()]
    streets = sorted(context.streets_by_code.values(), key=lambda area: area.code)
    options.append(["所属企业", "从业类型", "是/否", "工作街道", "街道代码"])
    for index in range(max(len(companies), len(groups), len(streets), 2)):
        options.append(
            [
                companies[index].name if index < len(companies) else None,
                groups[index] if index < len(groups) else None,
                ("是", "否")[index] if index < 2 else None,
                streets[index].name if index < len(streets) else None,
                streets[index].code if index < len(streets) else None,
            ]
        )
    for letter in "ABCDE":
        options.column_dimensions[letter].width = 18

    def add_list(column_key, formula, *, strict=True):
        letter = sheet.cell(row=1, column=[c.key for c in COLUMNS].index(column_key) + 1).column_letter
        validation = DataValidation(type="list", formula1=formula, allow_blank=True)
        validation.showErrorMessage = strict
        validation.error = _gettext("Choose a value from the list.")
        validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
        sheet.add_data_validation(validation)

    quoted = f"'{OPTIONS_SHEET_TITLE}'"
    add_list("company", f"{quoted}!$A$2:$A${len(companies) + 1}", strict=False)  # 其他：… is allowed
    add_list("worker_group", f"{quoted}!$B$2:$B${len(groups) + 1}")
    add_list("is_union_member", f"{quoted}!$C$2:$C$3")
    add_list("is_party_member", f"{quoted}!$C$2:$C$3")
    if streets:
        add_list("street", f"{quoted}!$D$2:$D${len(streets) + 1}", strict=False)  # codes are allowed

    instructions = workbook.create_sheet(INSTRUCTIONS_SHEET_TITLE)
    instructions.column_dimensions["A"].width = 110
    for index, line in enumerate(INSTRUCTIONS):
        cell = instructions.cell(row=index + 1, column=1, value=str(line))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if index == 0:
            cell.font = bold
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


# --- export ---------------------------------------------------------------------------------------

EXPORT_HEADERS = (
    "姓名",
    "手机号",
    "所属企业",
    "从业类型",
    "网点",
    "工作街道",
    "街道代码",
    "身份证号",
    "工会会员",
    "党员",
    "来源",
    "注册时间",
)
SOURCE_NAMES = {"self": "自行注册", "import": "企业名单导入", "staff": "工作人员录入"}


def registry_export(*, actor, queryset, full_numbers=False, ip_address=None, description=""):
    """Write `queryset` (already scoped and filtered by the registry selectors) to an .xlsx file.

    Phone and ID numbers are masked unless `full_numbers`, which only area staff may ask for
    (every courier in a scoped queryset lies in their area). Returns a temporary file positioned at
    0 (the caller streams and closes it). Raises PermissionDenied. Audited (action "export").
    """
    from openpyxl import Workbook

    if not courier_registry_policy.can(actor, EXPORT, None):
        raise PermissionDenied()
    if full_numbers and not courier_registry_policy.can(actor, VIEW_PERSONAL_DATA, None):
        raise PermissionDenied()  # pragma: no cover - every registry user is area staff today
    group_names = {group: names[0] for group, names in WORKER_GROUP_NAMES.items()}
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(DATA_SHEET_TITLE)
    sheet.append(list(EXPORT_HEADERS))
    fields = [
        "name",
        "phone_masked",
        "id_number_masked",
        "company__name",
        "company_other",
        "worker_group",
        "site_name",
        "work_area__name",
        "work_area__code",
        "is_union_member",
        "is_party_member",
        "source",
        "registered_at",
    ]
    if full_numbers:
        rows = queryset.select_related("company", "work_area").iterator(chunk_size=2000)
    else:
        rows = queryset.values(*fields).iterator(chunk_size=2000)
    count = 0
    local = timezone.get_current_timezone()
    for row in rows:
        if full_numbers:
            record = {
                "name": row.name,
                "phone": row.phone,
                "id_number": row.id_number,
                "company__name": row.company.name if row.company else "",
                "company_other": row.company_other,
                "worker_group": row.worker_group,
                "site_name": row.site_name,
                "work_area__name": row.work_area.name if row.work_area else "",
                "work_area__code": row.work_area.code if row.work_area else "",
                "is_union_member": row.is_union_member,
                "is_party_member": row.is_party_member,
                "source": row.source,
                "registered_at": row.registered_at,
            }
        else:
            record = dict(row, phone=row["phone_masked"], id_number=row["id_number_masked"])
        company = record["company__name"] or ""
        if record["company_other"]:
            company = f"{company}：{record['company_other']}" if company else record["company_other"]
        registered = record["registered_at"]
        sheet.append(
            [
                record["name"],
                record["phone"],
                company,
                group_names.get(record["worker_group"], ""),
                record["site_name"],
                record["work_area__name"],
                record["work_area__code"],
                record["id_number"] or "",
                "是" if record["is_union_member"] else "否",
                "是" if record["is_party_member"] else "否",
                SOURCE_NAMES.get(record["source"], record["source"]),
                registered.astimezone(local).strftime("%Y-%m-%d %H:%M") if registered else "",
            ]
        )
        count += 1
    output = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - the caller closes it
    workbook.save(output)
    output.seek(0)
    anchor = actor.area if getattr(actor, "area_id", None) else actor
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditEntry.Action.EXPORT,
            obj=anchor,
            message=("courier registry, full numbers" if full_numbers else "courier registry, masked")[:255],
            changes={"count": count, "full_numbers": full_numbers, "filters": description[:500]},
            area_path=getattr(anchor, "path", ""),
            ip_address=ip_address,
        )
    return output, count
