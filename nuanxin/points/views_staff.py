"""The staff leaderboards, mounted at /staff/leaderboards/ (namespace "staff_points"), in the back
office's look (templates/staff/base.html).

- `/staff/leaderboards/` — GET `area` (a city, district or street code within the staff member's
  own area; default their own), `metric` (points | hours), `period` (week | month | year | all |
  custom with `start` and `end`, whole days in Asia/Shanghai). Shows the top 100 couriers working
  in the area with full name, masked phone and work street. An area outside the actor's (or an
  unknown code) answers 404 and shows nothing; invalid dates answer 400 with the field messages.
- `/staff/leaderboards/export.xlsx` — the same query, the shown board as Excel (audited export).

Anonymous visitors go to the back office's sign-in; accounts that manage no area (couriers,
stewards, merchants, department handlers) get 403.
"""

from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from nuanxin.core.errors import NotFound
from nuanxin.couriers.signin import client_ip

from . import excel, selectors
from .permissions import is_manager

STAFF_BOARD_SIZE = 100
TITLE = _("Leaderboards")
DATES_REQUIRED = _("Give the first and the last day.")
DATES_REVERSED = _("The last day is before the first day.")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
METRIC_CHOICES = [("points", _("Points earned")), ("hours", _("Approved volunteer hours"))]
PERIOD_CHOICES = [
    ("month", _("This month")),
    ("week", _("This week (from Monday)")),
    ("year", _("This year")),
    ("all", _("All time")),
    ("custom", _("The days below")),
]
LEVEL_INDENT = "\u3000"  # an ideographic space per level below the city, in the area list


class BoardForm(forms.Form):
    """The board's metric and period; the area is checked (404) before the form (see the view)."""

    metric = forms.ChoiceField(label=_("Ranked by"), choices=METRIC_CHOICES, required=False)
    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES, required=False)
    start = forms.DateField(label=_("First day"), required=False, widget=DATE_WIDGET)
    end = forms.DateField(label=_("Last day"), required=False, widget=DATE_WIDGET)

    def clean(self):
        data = super().clean()
        data["metric"] = data.get("metric") or "points"
        start, end = data.get("start"), data.get("end")
        if start or end:
            data["period"] = "custom"  # days given win over a period choice
        data["period"] = data.get("period") or "month"
        if data["period"] == "custom":
            if not (start and end):
                self.add_error("end" if start else "start", DATES_REQUIRED)
            elif end < start:
                self.add_error("end", DATES_REVERSED)
        return data

    def bounds(self):
        data = self.cleaned_data
        if data["period"] == "custom":
            return selectors.date_range_bounds(data["start"], data["end"])
        return selectors.period_bounds(data["period"])


def _manager(request):
    if not is_manager(request.user):
        raise DjangoPermissionDenied
    return request.user


def _area(request, actor):
    """The area asked for (404 when unknown or outside the actor's), else the actor's own."""
    choices = selectors.board_area_choices(actor=actor)
    code = request.GET.get("area")
    if not code and actor.area_id is not None:
        code = actor.area.code
    try:
        return selectors.board_area_get(actor=actor, code=code) if code else choices.first()
    except NotFound:
        raise Http404 from None


def _board(request):
    """(actor, area, form, board or None) of the request's query."""
    actor = _manager(request)
    area = _area(request, actor)
    form = BoardForm(request.GET)
    board = None
    if area is not None and form.is_valid():
        since, until = form.bounds()
        board = selectors.leaderboard(
            area=area, metric=form.cleaned_data["metric"], since=since, until=until, limit=STAFF_BOARD_SIZE
        )
    return actor, area, form, board


@login_required
@require_GET
def leaderboard(request):
    actor, area, form, board = _board(request)
    choices = list(selectors.board_area_choices(actor=actor)) if area is not None else []
    top_level = min((choice.level for choice in choices), default=0)
    context = {
        **admin.site.each_context(request),
        "title": TITLE,
        "app_name": apps.get_app_config("points").verbose_name,
        "form": form,
        "area": area,
        "area_choices": [
            (choice.code, LEVEL_INDENT * (choice.level - top_level) + choice.name) for choice in choices
        ],
        "board": board,
        "size": STAFF_BOARD_SIZE,
        "query_string": request.GET.urlencode(),
    }
    return render(request, "points/staff/leaderboard.html", context, status=200 if form.is_valid() else 400)


@login_required
@require_GET
def leaderboard_export(request):
    actor, area, form, board = _board(request)
    if board is None:
        return leaderboard(request)  # the page with the form's messages (400) or "nothing to rank"
    output, _count = excel.leaderboard_export(actor=actor, board=board, ip_address=client_ip(request))
    filename = f"leaderboard-{area.code}-{board.metric}-{form.cleaned_data['period']}.xlsx"
    return FileResponse(output, as_attachment=True, filename=filename, content_type=excel.XLSX)
