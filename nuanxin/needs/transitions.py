"""The needs workflow as a table: which status changes exist and which permission each needs.

    new ──► in_progress ──► answered ──► closed
     │           │   ▲          │
     │           │   └──────────┘ (reopen)
     └───────────┴──────────────────► closed

`answered` is also reached by a reply (`services.need_reply`) from `new` or `in_progress`: a reply
answers the need whatever triage step it was at. The permissions name actions of
`needs.permissions.need_policy`; today every one of them belongs to the area managers of the need's
area, but the table keeps "who may reopen" a one-line decision.
"""

from .models import Need

NEW = Need.Status.NEW
IN_PROGRESS = Need.Status.IN_PROGRESS
ANSWERED = Need.Status.ANSWERED
CLOSED = Need.Status.CLOSED

TRIAGE = "triage"
REOPEN = "reopen"
CLOSE = "close"

TRANSITIONS = {
    (NEW, IN_PROGRESS): TRIAGE,
    (IN_PROGRESS, ANSWERED): TRIAGE,
    (ANSWERED, CLOSED): CLOSE,
    (ANSWERED, IN_PROGRESS): REOPEN,
    (NEW, CLOSED): CLOSE,
    (IN_PROGRESS, CLOSED): CLOSE,
}

# Statuses from which a reply may be given (it moves the need to `answered`).
REPLYABLE = frozenset({NEW, IN_PROGRESS, ANSWERED})
# Statuses counted as "open" in the ranking: nobody has answered yet.
OPEN_STATUSES = (NEW, IN_PROGRESS)


def permission_for(from_status, to_status):
    """The permission a move needs, or None when the table has no such move."""
    return TRANSITIONS.get((from_status, to_status))


def next_statuses(from_status):
    """The statuses reachable from `from_status` in one move, in table order."""
    return [to for (start, to) in TRANSITIONS if start == from_status]
