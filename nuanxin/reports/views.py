"""The courier's mobile pages of street reports: /m/reports/ (mine), /m/reports/new/, /m/reports/<id>/.

The form works without JavaScript (a multipart POST to the page, with a server-made
Idempotency-Key in a hidden field, so a double submit files one report). With JavaScript
(`reports/report_form.js`) the page keeps a draft of the text and location in localStorage, sends
the form to POST /api/v1/reports with the same key and retries on a failed network until it gets an
answer; the draft is dropped only after the server has the report.
"""

import uuid

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from nuanxin.core.errors import DomainError, NotFound, ValidationFailed
from nuanxin.couriers.decorators import courier_login_required

from . import selectors, services, transitions
from .models import ReportCategory

REPORT_SENT = _("Thank you. Your report has been filed.")
REOPENED = _("Your report has been reopened.")
PAGE_SIZE = 50


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
                return redirect("mobile_reports:detail", public_id=report.public_id)
        status = 400
    else:
        form = ReportForm(initial={"idempotency_key": uuid.uuid4().hex, "crs": "wgs84"})
        status = 200
    return render(request, "reports/pages/report_form.html", {"form": form}, status=status)


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
    return render(
        request,
        "reports/pages/report_detail.html",
        {
            "report": report,
            "events": list(report.events.all()),
            "photos": list(report.photos.all()),
            "can_reopen": can_reopen,
            "error": error,
        },
        status=400 if error else 200,
    )
