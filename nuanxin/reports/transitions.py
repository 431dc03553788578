"""The report workflow as a table: every move, the permission it needs, and whether a note is required.

    submitted ─► accepted ─► dispatched ─► in_progress ─► resolved ─► closed
        │           │   ▲        │                          │   ▲
        │           │   └────────┘ (returned: not ours)     ▼   │
        │           │                                    reopened ─► in_progress / dispatched
        └───────────┴─► rejected (reason) · duplicate (link to the original, via report_merge)

Permissions (who holds them is decided in `permissions.py`):
- TRIAGE: area managers (city/district/street staff) whose area contains the report's street;
- HANDLE: the handlers of the report's department, and those area managers;
- REOPEN: the reporter only, within settings.NUANXIN_REPORTS_REOPEN_DAYS of the resolution;
- CLOSE: the area managers.
"""

from django.utils.translation import gettext_lazy as _

from .models import Report

SUBMITTED = Report.Status.SUBMITTED
ACCEPTED = Report.Status.ACCEPTED
DISPATCHED = Report.Status.DISPATCHED
IN_PROGRESS = Report.Status.IN_PROGRESS
RESOLVED = Report.Status.RESOLVED
CLOSED = Report.Status.CLOSED
REJECTED = Report.Status.REJECTED
DUPLICATE = Report.Status.DUPLICATE
REOPENED = Report.Status.REOPENED

TRIAGE = "triage"
HANDLE = "handle"
REOPEN = "reopen"
CLOSE = "close"


class Move:
    def __init__(self, permission, note, *, note_required=False):
        self.permission = permission
        self.note = note
        self.note_required = note_required


TRANSITIONS = {
    (SUBMITTED, ACCEPTED): Move(TRIAGE, _("Staff confirm the report is real and theirs to handle.")),
    (SUBMITTED, REJECTED): Move(
        TRIAGE, _("Not a matter for the street (reason required)."), note_required=True
    ),
    (SUBMITTED, DUPLICATE): Move(TRIAGE, _("Merged into an earlier report of the same thing.")),
    (ACCEPTED, DISPATCHED): Move(TRIAGE, _("Sent to a handling department (one must be set).")),
    (ACCEPTED, REJECTED): Move(TRIAGE, _("Turned down after a look (reason required)."), note_required=True),
    (ACCEPTED, DUPLICATE): Move(TRIAGE, _("Merged into an earlier report of the same thing.")),
    (DISPATCHED, IN_PROGRESS): Move(HANDLE, _("The department has started work.")),
    (DISPATCHED, ACCEPTED): Move(
        HANDLE, _("The department returns it: not theirs (reason required)."), note_required=True
    ),
    (IN_PROGRESS, RESOLVED): Move(HANDLE, _("Fixed; say what was done (required)."), note_required=True),
    (RESOLVED, CLOSED): Move(CLOSE, _("Staff close a resolved report.")),
    (RESOLVED, REOPENED): Move(
        REOPEN,
        _("The reporter says it is not fixed (reason required, within the window)."),
        note_required=True,
    ),
    (REOPENED, IN_PROGRESS): Move(HANDLE, _("The department takes it up again.")),
    (REOPENED, DISPATCHED): Move(TRIAGE, _("Sent to another department.")),
}

# Work is still owed on these: they count for due dates, escalation and duplicate suggestions.
OPEN_STATUSES = (SUBMITTED, ACCEPTED, DISPATCHED, IN_PROGRESS, REOPENED)
FINAL_STATUSES = (CLOSED, REJECTED, DUPLICATE)
# Not shown on the public map.
HIDDEN_FROM_PUBLIC = (REJECTED, DUPLICATE)


def move_for(from_status, to_status):
    """The Move for this step, or None when the table has no such move."""
    return TRANSITIONS.get((from_status, to_status))


def next_statuses(from_status):
    return [to for (start, to) in TRANSITIONS if start == from_status]
