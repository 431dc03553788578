"""The courier's mobile pages for needs and the suggestion box (/m/needs/…, /m/suggestions/…).

Every page is behind `courier_login_required` and shows only the courier's own rows (another
courier's id answers 404). Forms post to the same services as the API; a refused form is shown
again with the field messages (status 400, which the site's htmx config swaps like a 200).
"""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from nuanxin.core.errors import NotFound, ValidationFailed
from nuanxin.couriers.decorators import courier_login_required

from . import selectors, services
from .models import NeedCategory

NEED_SENT = _("Thank you. Your need has been sent to the staff of your street.")
SUGGESTION_SENT = _("Thank you. Your letter has been sent to the staff of your street.")
PAGE_SIZE = 50


class NeedForm(forms.Form):
    category = forms.ChoiceField(
        label=_("What is it about?"), choices=NeedCategory.choices, widget=forms.RadioSelect
    )
    title = forms.CharField(label=_("In one line"), max_length=100)
    description = forms.CharField(
        label=_("Details (optional)"), required=False, max_length=5000, widget=forms.Textarea
    )


class SuggestionForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=100)
    body = forms.CharField(label=_("Your letter"), max_length=5000, widget=forms.Textarea)


def _add_service_errors(form, error):
    for field, field_messages in error.errors.items():
        for message in field_messages:
            form.add_error(field if field in form.fields else None, str(message))


def _get_or_404(getter, **kwargs):
    try:
        return getter(**kwargs)
    except NotFound:
        raise Http404() from None


@courier_login_required
def need_list(request):
    needs = list(selectors.need_list_for_courier(courier=request.courier)[:PAGE_SIZE])
    return render(
        request,
        "needs/pages/need_list.html",
        {"needs": needs, "has_work_area": request.courier.work_area_id is not None, "active_tab": "needs"},
    )


@courier_login_required
@require_http_methods(["GET", "POST"])
def need_new(request):
    form = NeedForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                need = services.need_submit(courier=request.courier, **form.cleaned_data)
            except ValidationFailed as error:
                _add_service_errors(form, error)
            else:
                messages.success(request, NEED_SENT)
                return redirect("mobile_needs:need_detail", need.public_id)
        status = 400
    return render(
        request,
        "needs/pages/need_form.html",
        {"form": form, "has_work_area": request.courier.work_area_id is not None, "active_tab": "needs"},
        status=status,
    )


@courier_login_required
def need_detail(request, public_id):
    need = _get_or_404(selectors.need_get_for_courier, courier=request.courier, public_id=public_id)
    events = selectors.need_events(need)
    return render(
        request, "needs/pages/need_detail.html", {"need": need, "events": events, "active_tab": "needs"}
    )


@courier_login_required
def suggestion_list(request):
    suggestions = list(selectors.suggestion_list_for_courier(courier=request.courier)[:PAGE_SIZE])
    return render(
        request,
        "needs/pages/suggestion_list.html",
        {
            "suggestions": suggestions,
            "has_work_area": request.courier.work_area_id is not None,
            "active_tab": "suggestions",
        },
    )


@courier_login_required
@require_http_methods(["GET", "POST"])
def suggestion_new(request):
    form = SuggestionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                suggestion = services.suggestion_submit(courier=request.courier, **form.cleaned_data)
            except ValidationFailed as error:
                _add_service_errors(form, error)
            else:
                messages.success(request, SUGGESTION_SENT)
                return redirect("mobile_needs:suggestion_detail", suggestion.public_id)
        status = 400
    return render(
        request,
        "needs/pages/suggestion_form.html",
        {
            "form": form,
            "has_work_area": request.courier.work_area_id is not None,
            "active_tab": "suggestions",
        },
        status=status,
    )


@courier_login_required
def suggestion_detail(request, public_id):
    suggestion = _get_or_404(
        selectors.suggestion_get_for_courier, courier=request.courier, public_id=public_id
    )
    return render(
        request, "needs/pages/suggestion_detail.html", {"suggestion": suggestion, "active_tab": "suggestions"}
    )
