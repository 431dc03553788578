"""The courier's mobile pages of street reports: /m/reports/ (mine), /m/reports/new/, /m/reports/<id>/.

The form works without JavaScript (a multipart POST to the page, with a server-made
Idempotency-Key in a hidden field, so a double submit files one report; the result page lists the
similar open reports nearby that were already known). With JavaScript (`reports/report_form.js`)
the page adds a map to drop a pin on, keeps a draft of the text and location in localStorage,
offers the similar open reports nearby before sending (GET /api/v1/reports/duplicates), sends the
form to POST /api/v1/reports with the same key and retries on a failed network until it gets an
answer; the draft is dropped only after the server has the report, or when the courier says theirs
is one of the similar reports (/m/reports/new/not-sent/).
"""

import uuid

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from nuanxin.core.errors import DomainError, NotFound, ValidationFailed
from nuanxin.couriers.decorators import courier_login_required
from nuanxin.stations import geo
from nuanxin.stations.views import fallback_centre, map_config

from . import selectors, services, transitions
from .models import Report, ReportCategory

REPORT_SENT = _("Thank you. Your report has been filed.")
REPORT_NOT_SENT = _(
    "Your report was not sent: the problem has already been reported and staff are on it. Thank you."
)
REOPENED = _("Your report has been reopened.")
PAGE_SIZE = 50
# The report just filed through the no-JavaScript form: its result page lists the similar reports.
FILED_SESSION_KEY = "reports.just_filed"
DUPLICATE_DESCRIPTION_LENGTH = 100  # as GET /api/v1/reports/duplicates
MAP_START_ZOOM = 15


class ReportForm(forms.Form):
    category = forms.ChoiceField(label=_("What did you see?"), widget=forms.RadioSelect)
    description = forms.CharField(
        label=_("Describe it"), max_length=services.DESCRIPTION_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    address = forms.CharField(label=_("Address or landmark (optional)"), max_length=200, required=False)
    lat = forms.CharField(label=_("Latitude"), required=False)
    lng = forms.CharField(label=_("Longitude"), required=False)
    crs = forms.ChoiceField(
        choices=[("wgs84", "WGS-84"), ("gcj02", "GCJ-02")], initial="wgs84", required=False
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [
            (category.code, category.name) for category in ReportCategory.objects.filter(is_active=True)
        ]


def _add_errors(form, error):
    for field, field_messages in error.errors.items():
        field = "lat" if field == "location" else field  # the location's message shows by the coordinates
        for message in field_messages:
            form.add_error(field if field in form.fields else None, str(message))


def form_map_crs():
    """The system the form's map draws and answers in: the tiles' (NUANXIN_MAP_TILE_CRS), or WGS-84
    when there are no tiles — then the only things on the map are the pin and the stations, and
    those the API gives in any system, so the phone's own (GPS) system is the one to keep."""
    config = map_config()
    return config["crs"] if config["tileUrl"] else "wgs84"


def _form_map(courier):
    """(map_config for static/js/map.js, the map's data): no markers, a start view in the map's
    system — the centre of the public stations of the courier's work street, else of the city."""
    config = dict(map_config(), crs=form_map_crs())
    centre = (fallback_centre(courier.work_area) if courier.work_area_id else None) or fallback_centre()
    start = None
    if centre is not None:
        lat, lng = geo.from_wgs84(centre[1], centre[2], config["crs"])
        start = {"lat": round(lat, 6), "lng": round(lng, 6), "zoom": MAP_START_ZOOM}
    return config, {"points": [], "here": None, "start": start}


def _labels():
    """What the duplicates offer shows in words: category and status names by code."""
    return {
        "categories": {category.code: category.name for category in ReportCategory.objects.all()},
        "statuses": {value: str(label) for value, label in Report.Status.choices},
    }


def _similar_reports(report):
    """The open reports of the same category near `report` (its result page): what, how far, when."""
    return [
        {
            "category": other.category.name,
            "status": other.get_status_display(),
            "distance_m": round(distance),
            "created_at": other.created_at,
            "description": other.description[:DUPLICATE_DESCRIPTION_LENGTH],
        }
        for other, distance in selectors.possible_duplicates(
            category=report.category, lat=report.latitude, lng=report.longitude, exclude=report
        )
    ]


@courier_login_required
def report_list(request):
    reports = list(selectors.courier_report_list(courier=request.courier)[:PAGE_SIZE])
    return render(request, "reports/pages/report_list.html", {"reports": reports})


@courier_login_required
@require_http_methods(["GET", "POST"])
def report_new(request):
    if request.method == "POST":
        form = ReportForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                report = services.report_create(
                    actor=request.user,
                    data=data,
                    photos=request.FILES.getlist("photos"),
                    idempotency_key=data.pop("idempotency_key"),
                )
            except ValidationFailed as error:
                _add_errors(form, error)
            except DomainError as error:
                form.add_error(None, error.text())
            else:
                messages.success(request, REPORT_SENT)
                request.session[FILED_SESSION_KEY] = str(report.public_id)
                return redirect("mobile_reports:detail", public_id=report.public_id)
        status = 400
    else:
        form = ReportForm(initial={"idempotency_key": uuid.uuid4().hex, "crs": "wgs84"})
        status = 200
    config, map_data = _form_map(request.courier)
    return render(
        request,
        "reports/pages/report_form.html",
        {
            "form": form,
            "map_config": config,
            "map_data": map_data,
            "labels": _labels(),
            "tiles_crs": config["crs"],
            "has_tiles": bool(config["tileUrl"]),
            "duplicate_radius_m": selectors.duplicate_radius_m(),
            "duplicate_days": selectors.duplicate_days(),
        },
        status=status,
    )


@courier_login_required
@require_POST
def report_not_sent(request):
    """The courier found their problem among the similar open reports and did not send theirs.

    Nothing is stored (the draft lives on the phone, and report_form.js has dropped it): back to
    "my reports" with a word of thanks. There is no page of another courier's report to go to.
    """
    messages.info(request, REPORT_NOT_SENT)
    return redirect("mobile_reports:list")


@courier_login_required
@require_http_methods(["GET", "POST"])
def report_detail(request, public_id):
    try:
        report = selectors.report_get_for_courier(courier=request.courier, public_id=public_id)
    except NotFound:
        raise Http404() from None
    error = None
    if request.method == "POST":
        try:
            services.report_transition(
                actor=request.user,
                report=report,
                to_status=transitions.REOPENED,
                note=request.POST.get("note", ""),
            )
        except DomainError as refused:
            error = refused.text()
        else:
            messages.success(request, REOPENED)
            return redirect("mobile_reports:detail", public_id=public_id)
    can_reopen = report.status == transitions.RESOLVED
    # Right after the no-JavaScript form filed it (once): the similar reports it could not offer before.
    just_filed = request.method == "GET" and request.session.get(FILED_SESSION_KEY) == str(report.public_id)
    if just_filed:
        del request.session[FILED_SESSION_KEY]
    return render(
        request,
        "reports/pages/report_detail.html",
        {
            "report": report,
            "events": list(report.events.all()),
            "photos": list(report.photos.all()),
            "can_reopen": can_reopen,
            "error": error,
            "similar_reports": _similar_reports(report) if just_filed else [],
        },
        status=400 if error else 200,
    )
