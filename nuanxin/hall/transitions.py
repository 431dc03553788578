"""The hall's workflow as a table. Routing and published answers are the only ways an item moves.

    submitted ──route──► routed ──answer──► accepted ──► in_progress ──► answered
                           │                   │              │
                           └───────────────────┴──────────────┴──────► not_feasible (with a reason)

`routed` may also go straight to in_progress or answered. Re-routing to another department is
allowed until the item is closed (answered or not feasible). Milestones are recorded on routed,
accepted and in-progress items. Every move belongs to the area managers of the item's area
(`permissions.hall_policy`).
"""

from .models import HallStatus

SUBMITTED = HallStatus.SUBMITTED
ROUTED = HallStatus.ROUTED
ACCEPTED = HallStatus.ACCEPTED
IN_PROGRESS = HallStatus.IN_PROGRESS
ANSWERED = HallStatus.ANSWERED
NOT_FEASIBLE = HallStatus.NOT_FEASIBLE

ROUTE = "route"
ANSWER = "answer"

TRANSITIONS = {
    (SUBMITTED, ROUTED): ROUTE,
    (ROUTED, ROUTED): ROUTE,
    (ACCEPTED, ACCEPTED): ROUTE,
    (IN_PROGRESS, IN_PROGRESS): ROUTE,
    (ROUTED, ACCEPTED): ANSWER,
    (ROUTED, IN_PROGRESS): ANSWER,
    (ROUTED, ANSWERED): ANSWER,
    (ROUTED, NOT_FEASIBLE): ANSWER,
    (ACCEPTED, IN_PROGRESS): ANSWER,
    (ACCEPTED, ANSWERED): ANSWER,
    (ACCEPTED, NOT_FEASIBLE): ANSWER,
    (IN_PROGRESS, ANSWERED): ANSWER,
    (IN_PROGRESS, NOT_FEASIBLE): ANSWER,
}

CLOSED_STATUSES = frozenset({ANSWERED, NOT_FEASIBLE})
ROUTABLE_STATUSES = frozenset({SUBMITTED, ROUTED, ACCEPTED, IN_PROGRESS})
MILESTONE_STATUSES = frozenset({ROUTED, ACCEPTED, IN_PROGRESS})
# The board lists open items first, in this order, then the closed ones.
STATUS_RANK = {SUBMITTED: 0, ROUTED: 1, ACCEPTED: 2, IN_PROGRESS: 3, ANSWERED: 4, NOT_FEASIBLE: 5}


def can_answer(from_status, state):
    """May an answer in `state` be published on an item in `from_status`?"""
    return TRANSITIONS.get((from_status, state)) == ANSWER


def answer_states(from_status):
    """The answer states publishable from `from_status`, in table order."""
    return [to for (start, to), move in TRANSITIONS.items() if start == from_status and move == ANSWER]
