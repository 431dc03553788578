"""Staff pages of street reports, mounted at /staff/reports/ (namespace "staff_reports"), in the
back office's look (templates/staff/base.html).

- `/staff/reports/` — the queue of what the signed-in area manager (their area's reports) or
  department handler (their departments' reports) may see: filters (GET), a sortable, paged table,
  a map of the filtered reports, and bulk actions (POST to the same URL, the filters kept in its
  query string) through `services.reports_bulk_transition`, with a result per report.
- `/staff/reports/<id>/` — one report: photos, location, masked reporter, full history, the moves
  this actor may make now and merge-as-duplicate. Every rendering writes a "view" audit row.

Anonymous visitors are sent to the back office's sign-in; accounts with no report queue (couriers,
stewards, merchants) get 403; another area's report is 404 for reading and writing alike. The pages
only parse input and render: `selectors` read, `services` write and audit.
"""

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from nuanxin.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from nuanxin.stations.views import map_config, to_map

from . import permissions, selectors, services, transitions
from .forms_staff import (
    BulkActionForm,
    MergeForm,
    QueueFilterForm,
    TransitionForm,
    can_merge,
    moves_for,
)
from .models import Report

PAGE_SIZE = 25
# The map shows at most this many of the filtered reports (the first ones in the chosen order).
MAP_LIMIT = 500

QUEUE_TITLE = _("Street reports: the queue")
DETAIL_TITLE = _("Street report %(number)s")
MOVED = _("The report is now “%(status)s”.")
MERGED = _("The report was merged into %(number)s.")
BULK_DONE = _("%(done)s of %(total)s reports moved to “%(status)s”.")
DUE_AT = _("Due %(when)s")
SYSTEM = _("System")
REPORTER = _("Reporter")

# What the workflow calls each move, as a button on the detail page.
MOVE_LABELS = {
    transitions.ACCEPTED: _("Accept"),
    transitions.DISPATCHED: _("Dispatch"),
    transitions.IN_PROGRESS: _("Start work"),
    transitions.RESOLVED: _("Resolve"),
    transitions.CLOSED: _("Close"),
    transitions.REJECTED: _("Reject"),
}
RETURN_LABEL = _("Return: not ours")  # dispatched → accepted


def _staff(request):
    if not permissions.is_staff_member(request.user):
        raise DjangoPermissionDenied
    return request.user


def _context(request, title, **extra):
    return {**admin.site.each_context(request), "title": title, **extra}


def _client_ip(request):
    return request.META.get("REMOTE_ADDR") or None


def mask_name(name):
    """ "张三" → "张*": enough to tell reporters apart, not enough to name one."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


def reporter_label(report):
    """The reporter as the staff pages show them: masked name and masked phone, never the full
    number; the client's name for an Open311 report."""
    if report.reporter_id is None:
        # Open311: the client's name; a courier's report whose account was deleted: nobody.
        if report.source == Report.Source.OPEN311:
            return report.source_detail or str(report.get_source_display())
        return "—"
    parts = [mask_name(report.reporter.name), report.reporter.phone_masked]
    return " · ".join(part for part in parts if part) or "—"


def is_overdue(report, now):
    return report.status in transitions.OPEN_STATUSES and report.due_at < now


def _when(value):
    return formats.date_format(timezone.localtime(value), "Y-m-d H:i")


def _query(params, **changes):
    """The current query string with some parameters changed (None drops one)."""
    data = {key: params.getlist(key) for key in params}
    for key, value in changes.items():
        if value in (None, ""):
            data.pop(key, None)
        else:
            data[key] = [value]
    return urlencode(data, doseq=True)


def _map_point(report, now):
    lat, lng = to_map(report.latitude, report.longitude)
    return {
        "name": f"{selectors.report_number(report)} · {report.category.name}",
        "url": reverse("staff_reports:detail", args=[report.public_id]),
        "lat": lat,
        "lng": lng,
        "active": True,
        "tone": f"report-{report.status}",
        "lines": [
            str(report.get_status_display()),
            report.area.name,
            str(DUE_AT % {"when": _when(report.due_at)}),
        ],
    }


def _row(report, now):
    return {
        "report": report,
        "number": selectors.report_number(report),
        "reporter": reporter_label(report),
        "is_overdue": is_overdue(report, now),
    }


def _bulk(actor, form):
    """Apply the bulk form's move to the ticked reports the actor may see; one result each."""
    wanted = form.cleaned_data["reports"]
    visible = {
        report.public_id: report
        for report in permissions.report_scope(
            actor, Report.objects.select_related("category", "area").filter(public_id__in=wanted)
        )
    }
    results = []
    for public_id in wanted:
        report = visible.get(public_id)
        if report is None:
            number = public_id.hex[: selectors.NUMBER_LENGTH].upper()
            results.append({"number": number, "ok": False, "message": NotFound().text()})
            continue
        before = report.get_status_display()
        ((moved, error),) = services.reports_bulk_transition(
            actor=actor,
            reports=[report],
            to_status=form.to_status,
            note=form.cleaned_data.get("note") or "",
            department=form.chosen_department,
        )
        results.append(
            {
                "number": selectors.report_number(report),
                "report": report,
                "ok": error is None,
                "before": before,
                "after": moved.get_status_display() if error is None else before,
                "message": "" if error is None else error.text(),
            }
        )
    return results


@login_required
@require_http_methods(["GET", "POST"])
def queue(request):
    """The queue with filters, map and bulk actions. POST applies a bulk action and shows the
    same (filtered) queue with one result per ticked report; 400 when the action form is invalid
    (nothing changes then) or a filter is."""
    actor = _staff(request)
    now = timezone.now()
    filters = QueueFilterForm(request.GET, actor=actor)
    status = 200 if filters.is_valid() else 400
    bulk_form = BulkActionForm(actor=actor)
    bulk_results = None
    bulk_summary = ""
    selected = set()
    if request.method == "POST":
        bulk_form = BulkActionForm(request.POST, actor=actor)
        selected = set(request.POST.getlist("reports"))
        if bulk_form.is_valid():
            bulk_results = _bulk(actor, bulk_form)
            # The refused rows stay ticked, to try another move on them.
            selected = {
                str(result["report"].public_id)
                for result in bulk_results
                if not result["ok"] and "report" in result
            }
            done = sum(1 for result in bulk_results if result["ok"])
            bulk_summary = BULK_DONE % {
                "done": done,
                "total": len(bulk_results),
                "status": dict(Report.Status.choices)[bulk_form.to_status],
            }
            bulk_form = BulkActionForm(actor=actor)
            status = 200  # the moves were made, whatever a stale filter in the query string says
        else:
            status = 400
    reports = selectors.report_staff_queue(actor=actor, now=now, **filters.selector_filters())
    paginator = Paginator(reports, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = [_row(report, now) for report in page.object_list]
    if paginator.count <= len(rows):
        map_reports = [row["report"] for row in rows]
    else:
        map_reports = list(reports[:MAP_LIMIT])
    current_sort = (filters.cleaned_data.get("sort") if hasattr(filters, "cleaned_data") else "") or "due"
    context = _context(
        request,
        QUEUE_TITLE,
        filters=filters,
        bulk_form=bulk_form,
        bulk_results=bulk_results,
        bulk_summary=bulk_summary,
        selected=selected,
        rows=rows,
        page=page,
        paginator=paginator,
        page_query=_query(request.GET, page=None),
        sort_links={
            "due": _query(request.GET, sort="-due" if current_sort == "due" else "due", page=None),
            "submitted": _query(
                request.GET, sort="submitted" if current_sort == "-submitted" else "-submitted", page=None
            ),
        },
        current_sort=current_sort,
        query_string=request.GET.urlencode(),
        map_data={"points": [_map_point(report, now) for report in map_reports], "here": None},
        map_truncated=paginator.count > MAP_LIMIT,
        map_limit=MAP_LIMIT,
        map_config=map_config(),
        statuses=Report.Status.choices,
        is_handler=permissions.is_department_handler(actor),
    )
    return render(request, "reports/staff/queue.html", context, status=status)


def _apply_error(form, error, field_map=None):
    """Put a service's refusal on the form: on the field it names, else on the whole form."""
    field_map = field_map or {}
    if isinstance(error, ValidationFailed):
        for field, field_messages in error.errors.items():
            target = field_map.get(field, field)
            for message in field_messages:
                form.add_error(target if target in form.fields else None, str(message))
        return
    target = field_map.get(error.field, error.field)
    form.add_error(target if target in form.fields else None, error.text())


def _event_row(event, report):
    if event.actor_id is None:
        who = SYSTEM
    elif report.reporter_id is not None and event.actor_id == report.reporter.user_id:
        who = REPORTER
    else:
        who = str(event.actor)
    return {
        "event": event,
        "who": who,
        "from_label": dict(Report.Status.choices).get(event.from_status, event.from_status),
        "to_label": event.to_status_label,
    }


@login_required
@require_http_methods(["GET", "POST"])
def detail(request, public_id):
    """One report with the moves this actor may make now. POST `form=transition` (to_status,
    note, department) or `form=merge` (original or number, note); success redirects back here,
    refused input answers 400 with the messages on the form and nothing changed."""
    actor = _staff(request)
    try:
        report = selectors.report_staff_detail(actor=actor, public_id=public_id)
    except NotFound:
        raise Http404 from None
    moves = moves_for(actor, report)
    merge_allowed = can_merge(actor, report)
    departments = (
        list(selectors.report_dispatch_departments(actor=actor, report=report))
        if transitions.DISPATCHED in moves
        else []
    )
    candidates = selectors.possible_duplicates_for_staff(actor=actor, report=report) if merge_allowed else []
    status = 200
    bound_transition = None
    merge_form = MergeForm(actor=actor, candidates=candidates, auto_id="id_merge_%s")
    if request.method == "POST":
        status = 400
        if request.POST.get("form") == "merge" and merge_allowed:
            merge_form = MergeForm(request.POST, actor=actor, candidates=candidates, auto_id="id_merge_%s")
            if merge_form.is_valid():
                original = merge_form.cleaned_data["report"]
                try:
                    services.report_merge(
                        actor=actor, report=report, original=original, note=merge_form.cleaned_data["note"]
                    )
                except PermissionDenied as error:
                    merge_form.add_error(None, error.text())
                    status = 403
                except NotFound:
                    merge_form.add_error(merge_form.original_field, str(NotFound().text()))
                except DomainError as error:
                    _apply_error(merge_form, error, {"duplicate_of": merge_form.original_field})
                else:
                    messages.success(request, MERGED % {"number": selectors.report_number(original)})
                    return redirect("staff_reports:detail", public_id=report.public_id)
        else:
            bound_transition = TransitionForm(
                request.POST,
                moves=moves,
                departments=departments,
                report=report,
                auto_id=f"id_{request.POST.get('to_status', 'move')}_%s",
            )
            if bound_transition.is_valid():
                try:
                    moved = services.report_transition(
                        actor=actor,
                        report=report,
                        to_status=bound_transition.cleaned_data["to_status"],
                        note=bound_transition.cleaned_data["note"],
                        department=bound_transition.chosen_department,
                    )
                except PermissionDenied as error:
                    bound_transition.add_error(None, error.text())
                    status = 403
                except NotFound:
                    raise Http404 from None
                except DomainError as error:
                    _apply_error(bound_transition, error)
                else:
                    messages.success(request, MOVED % {"status": moved.get_status_display()})
                    return redirect("staff_reports:detail", public_id=report.public_id)

    move_rows = []
    for to_status, move in moves.items():
        if bound_transition is not None and bound_transition.data.get("to_status") == to_status:
            form = bound_transition
        else:
            form = TransitionForm(
                initial={"to_status": to_status},
                moves=moves,
                departments=departments,
                report=report,
                auto_id=f"id_{to_status}_%s",
            )
        is_return = report.status == transitions.DISPATCHED and to_status == transitions.ACCEPTED
        move_rows.append(
            {
                "to_status": to_status,
                "label": RETURN_LABEL if is_return else MOVE_LABELS.get(to_status, to_status),
                "help": move.note,
                "note_required": move.note_required,
                "needs_department": to_status == transitions.DISPATCHED,
                "form": form,
            }
        )
    # A transition form for a move that is not offered (forbidden, stale page) has nowhere to
    # show its error but the top of the moves.
    stray_errors = (
        bound_transition.errors.get("to_status")
        if bound_transition is not None and bound_transition.data.get("to_status") not in moves
        else None
    )
    if stray_errors is None and bound_transition is not None and not moves:
        stray_errors = bound_transition.non_field_errors()

    services.report_staff_view_record(actor=actor, report=report, ip_address=_client_ip(request))
    now = timezone.now()
    number = selectors.report_number(report)
    lat, lng = to_map(report.latitude, report.longitude)
    context = _context(
        request,
        DETAIL_TITLE % {"number": number},
        report=report,
        number=number,
        reporter=reporter_label(report),
        is_overdue=is_overdue(report, now),
        photos=list(report.photos.all()),
        events=[_event_row(event, report) for event in report.events.all()],
        duplicates=[
            {"report": duplicate, "number": selectors.report_number(duplicate)}
            for duplicate in report.duplicates.all()
        ],
        duplicate_of_number=(selectors.report_number(report.duplicate_of) if report.duplicate_of_id else ""),
        duplicate_of_visible=bool(
            report.duplicate_of_id and permissions.can(actor, permissions.VIEW, report.duplicate_of)
        ),
        move_rows=move_rows,
        stray_errors=stray_errors,
        merge_allowed=merge_allowed,
        merge_form=merge_form,
        map_data={
            "points": [
                {
                    "name": f"{number} · {report.category.name}",
                    "url": None,
                    "lat": lat,
                    "lng": lng,
                    "active": True,
                    "tone": f"report-{report.status}",
                    "lines": [str(report.get_status_display()), report.address or report.area.name],
                }
            ],
            "here": None,
        },
        map_config=map_config(),
    )
    return render(request, "reports/staff/detail.html", context, status=status)
