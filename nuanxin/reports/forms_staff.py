"""Forms of the staff queue pages (/staff/reports/): the queue's filters, its bulk action, and the
detail page's moves and merge. They only parse and check input against what the actor is offered;
the services decide (and say why not)."""

import datetime
import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.core.errors import NotFound

from . import permissions, selectors, services, transitions
from .models import Report, ReportCategory

DATES_REVERSED = _("The end date is before the start date.")
NO_REPORT_CHOSEN = _("Tick at least one report.")
TOO_MANY_CHOSEN = _("Choose at most %(limit)s reports at once.")
REPORT_IDS_INVALID = _("The chosen reports are not valid report IDs.")
ORIGINAL_REQUIRED = _("Choose a nearby report or type the original's number.")
ORIGINAL_TWICE = _("Choose a nearby report or type a number, not both.")
NUMBER_NOT_FOUND = _("No single report you can see has this number: check it, or type more of its digits.")
MOVE_NOT_OFFERED = _("This move is not open to you for this report now.")
ROUTED_DEPARTMENT = _("Each report's routed department")
ALL = _("All")
TRIAGE_QUEUE = _("Triage queue (no department yet)")

MAX_BULK = 100
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NOTE_WIDGET = forms.Textarea(attrs={"rows": 2, "cols": 40, "maxlength": services.NOTE_MAX})

SORT_CHOICES = [
    ("due", _("Due date, soonest first")),
    ("-due", _("Due date, latest first")),
    ("-submitted", _("Submitted, newest first")),
    ("submitted", _("Submitted, oldest first")),
]

# The bulk actions: name → the status the reports move to.
BULK_ACTIONS = {
    "accept": transitions.ACCEPTED,
    "dispatch": transitions.DISPATCHED,
    "in_progress": transitions.IN_PROGRESS,
    "resolve": transitions.RESOLVED,
    "close": transitions.CLOSED,
    "reject": transitions.REJECTED,
}
BULK_ACTION_CHOICES = [
    ("accept", _("Accept")),
    ("dispatch", _("Dispatch to a department")),
    ("in_progress", _("Mark in progress")),
    ("resolve", _("Resolve (say what was done)")),
    ("close", _("Close")),
    ("reject", _("Reject (give the reason)")),
]


def note_required_for(to_status):
    """True when every move into `to_status` needs a note (reject, resolve)."""
    moves = [move for (_start, to), move in transitions.TRANSITIONS.items() if to == to_status]
    return bool(moves) and all(move.note_required for move in moves)


def department_choices(departments, *, blank):
    return [("", blank)] + [(str(department.public_id), department.name) for department in departments]


class QueueFilterForm(forms.Form):
    """GET filters of the queue. Choices are what the actor can see, so another street's code or
    another department's id is not a valid choice (a field error, not a silent empty list)."""

    status = forms.MultipleChoiceField(
        label=_("Status"), choices=Report.Status.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    department = forms.ChoiceField(label=_("Department"), required=False)
    area = forms.ChoiceField(label=_("Street or town"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    submitted_from = forms.DateField(label=_("Submitted from"), required=False, widget=DATE_WIDGET)
    submitted_to = forms.DateField(label=_("Submitted until"), required=False, widget=DATE_WIDGET)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Words of the description, or the number")}),
    )
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORT_CHOICES, required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", ALL)] + [
            (category.code, category.name) for category in ReportCategory.objects.all()
        ]
        self.fields["department"].choices = [("", ALL), ("triage", TRIAGE_QUEUE)] + [
            (str(department.public_id), department.name)
            for department in selectors.report_visible_departments(actor=actor)
        ]
        self.streets = {area.code: area for area in selectors.report_visible_streets(actor=actor)}
        self.fields["area"].choices = [("", ALL)] + [(code, area.name) for code, area in self.streets.items()]

    def clean(self):
        data = super().clean()
        start, end = data.get("submitted_from"), data.get("submitted_to")
        if start and end and end < start:
            self.add_error("submitted_to", DATES_REVERSED)
        return data

    def selector_filters(self):
        """Keyword arguments of `selectors.report_staff_queue` from the valid fields (an invalid
        field filters nothing; the page shows its error)."""
        data = getattr(self, "cleaned_data", {})

        def day_start(day):
            return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))

        return {
            "statuses": data.get("status") or (),
            "category": data.get("category") or None,
            "department": data.get("department") or None,
            "area": self.streets.get(data.get("area") or ""),
            "overdue": bool(data.get("overdue")),
            "submitted_from": day_start(data["submitted_from"]) if data.get("submitted_from") else None,
            "submitted_until": (
                day_start(data["submitted_to"] + datetime.timedelta(days=1))
                if data.get("submitted_to")
                else None
            ),
            "search": data.get("q") or "",
            "sort": data.get("sort") or "due",
        }


class ReportIdsField(forms.Field):
    """The ticked rows' public ids (`name="reports"`, one value per checkbox)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        values = [item for item in (value or []) if item]
        try:
            return list(dict.fromkeys(uuid.UUID(str(item)) for item in values))
        except ValueError:
            raise forms.ValidationError(REPORT_IDS_INVALID) from None

    def validate(self, value):
        if not value:
            raise forms.ValidationError(NO_REPORT_CHOSEN)
        if len(value) > MAX_BULK:
            raise forms.ValidationError(TOO_MANY_CHOSEN % {"limit": MAX_BULK})


class BulkActionForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), choices=BULK_ACTION_CHOICES)
    reports = ReportIdsField(required=False)
    note = forms.CharField(
        label=_("Reason or note"), required=False, max_length=services.NOTE_MAX, widget=NOTE_WIDGET
    )
    department = forms.ChoiceField(label=_("Department to dispatch to"), required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.departments = {
            str(department.public_id): department
            for department in selectors.report_dispatch_departments(actor=actor)
        }
        self.fields["department"].choices = department_choices(
            self.departments.values(), blank=ROUTED_DEPARTMENT
        )

    @property
    def to_status(self):
        return BULK_ACTIONS[self.cleaned_data["action"]]

    @property
    def chosen_department(self):
        return self.departments.get(self.cleaned_data.get("department") or "")

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action and note_required_for(BULK_ACTIONS[action]) and not (data.get("note") or "").strip():
            self.add_error("note", services.NOTE_REQUIRED)
        return data


class TransitionForm(forms.Form):
    """One move of the detail page. `to_status` offers only the moves this actor may make now."""

    to_status = forms.ChoiceField(
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": MOVE_NOT_OFFERED, "required": MOVE_NOT_OFFERED},
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=services.NOTE_MAX, widget=NOTE_WIDGET)
    department = forms.ChoiceField(label=_("Department"), required=False)

    def __init__(self, *args, moves, departments, report, **kwargs):
        super().__init__(*args, **kwargs)
        self.moves = moves
        self.fields["to_status"].choices = [(to_status, to_status) for to_status in moves]
        self.departments = {str(department.public_id): department for department in departments}
        self.fields["department"].choices = department_choices(departments, blank="—")
        if report.department_id and str(report.department.public_id) in self.departments:
            self.fields["department"].initial = str(report.department.public_id)

    def clean(self):
        data = super().clean()
        to_status = data.get("to_status")
        move = self.moves.get(to_status)
        if move is None:
            return data
        if move.note_required and not (data.get("note") or "").strip():
            self.add_error("note", services.NOTE_REQUIRED)
        if to_status == transitions.DISPATCHED and not data.get("department"):
            self.add_error("department", services.DEPARTMENT_REQUIRED)
        return data

    @property
    def chosen_department(self):
        return self.departments.get(self.cleaned_data.get("department") or "")


class MergeForm(forms.Form):
    """Mark the report a duplicate: the original is a nearby candidate or typed by number."""

    original = forms.ChoiceField(
        label=_("Nearby open reports of the same category"),
        required=False,
        widget=forms.RadioSelect,
    )
    number = forms.CharField(label=_("Or the original's number"), required=False, max_length=36)
    note = forms.CharField(label=_("Note"), required=False, max_length=services.NOTE_MAX, widget=NOTE_WIDGET)

    def __init__(self, *args, actor, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.candidates = {str(report.public_id): report for report, _distance in candidates}
        self.fields["original"].choices = [
            (
                str(report.public_id),
                f"{selectors.report_number(report)} · {report.get_status_display()} · "
                f"{round(distance)} m · {report.description[:60]}",
            )
            for report, distance in candidates
        ]

    def clean(self):
        data = super().clean()
        chosen, number = data.get("original"), (data.get("number") or "").strip()
        if chosen and number:
            self.add_error("number", ORIGINAL_TWICE)
        elif chosen:
            data["report"] = self.candidates[chosen]
        elif number:
            try:
                data["report"] = selectors.report_find_by_number(actor=self.actor, number=number)
            except NotFound:
                self.add_error("number", NUMBER_NOT_FOUND)
        elif "original" not in self.errors:
            self.add_error("original", ORIGINAL_REQUIRED)
        return data

    @property
    def original_field(self):
        """The field an error about the original belongs to: the one that was used."""
        return "number" if (self.cleaned_data.get("number") or "").strip() else "original"


def moves_for(actor, report):
    """{to_status: Move} of the moves `actor` may make on `report` now, merge and reopen aside."""
    moves = {}
    for to_status in transitions.next_statuses(report.status):
        if to_status in (transitions.DUPLICATE, transitions.REOPENED):
            continue
        move = transitions.move_for(report.status, to_status)
        if permissions.can(actor, move.permission, report):
            moves[to_status] = move
    return moves


def can_merge(actor, report):
    move = transitions.move_for(report.status, transitions.DUPLICATE)
    return move is not None and permissions.can(actor, move.permission, report)
