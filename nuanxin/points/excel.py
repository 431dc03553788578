"""Excel export of a staff leaderboard (/staff/leaderboards/export.xlsx): the rows the page shows,
with full names and masked phones, and a second sheet saying which board it is. Audited."""

import tempfile

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.core.audit import audit_record
from nuanxin.core.errors import PermissionDenied
from nuanxin.core.models import AuditEntry

from .permissions import can_manage_area

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOARD_SHEET = _("Leaderboard")
ABOUT_SHEET = _("About")
RANK = _("Rank")
NAME = _("Name")
PHONE = _("Mobile phone (masked)")
WORK_STREET = _("Work street")
POINTS = _("Points earned")
HOURS = _("Approved volunteer hours")
AREA = _("Area")
RANKED_BY = _("Ranked by")
FROM = _("From")
UNTIL = _("Until (exclusive)")
BEGINNING = _("the beginning")
EXPORTED_AT = _("Exported at")
EXPORTED_BY = _("Exported by")


def headers(metric):
    return [str(RANK), str(NAME), str(PHONE), str(WORK_STREET), str(POINTS if metric == "points" else HOURS)]


def _local(value):
    return timezone.localtime(value, timezone.get_default_timezone()).strftime("%Y-%m-%d %H:%M")


def leaderboard_export(*, actor, board, ip_address=None):
    """Write `board` (a `selectors.Board` the actor was shown) to an .xlsx file.

    Returns (a temporary file positioned at 0, the number of rows); the caller streams and closes
    it. Raises PermissionDenied unless the actor manages the board's area. Side effect: one audit
    row (action "export") naming the area, metric, period and row count.
    """
    from openpyxl import Workbook

    if not can_manage_area(actor, board.area):
        raise PermissionDenied()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(BOARD_SHEET)[:31])
    sheet.append(headers(board.metric))
    for row in board.rows:
        courier = row.courier
        sheet.append(
            [
                row.rank,
                courier.name,
                courier.phone_masked,
                courier.work_area.name if courier.work_area_id else "",
                row.value,
            ]
        )
    about = workbook.create_sheet(str(ABOUT_SHEET)[:31])
    about.append([str(AREA), board.area.full_name or board.area.name, board.area.code])
    about.append([str(RANKED_BY), str(POINTS if board.metric == "points" else HOURS)])
    about.append([str(FROM), _local(board.since) if board.since else str(BEGINNING)])
    about.append([str(UNTIL), _local(board.until) if board.until else ""])
    about.append([str(EXPORTED_AT), _local(timezone.now())])
    about.append([str(EXPORTED_BY), actor.get_username()])
    output = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115 - the caller closes it
    workbook.save(output)
    output.seek(0)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditEntry.Action.EXPORT,
            obj=board.area,
            message="points leaderboard",
            changes={
                "metric": board.metric,
                "since": board.since.isoformat() if board.since else None,
                "until": board.until.isoformat() if board.until else None,
                "count": len(board.rows),
            },
            area_path=board.area.path,
            ip_address=ip_address,
        )
    return output, len(board.rows)
