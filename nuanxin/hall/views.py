"""The mobile pages of the deliberation hall (/m/hall/…).

The board and an item's page are public (no author shown, no drafts). Raising, supporting, ordering
from the menu and "my items" need a signed-in courier (`courier_login_required`). The support button
posts with htmx and swaps itself for the answer (the new count, or why it was refused); without
JavaScript the same form posts and redirects back. Forms call the same services as the API.
"""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from nuanxin.core.errors import Conflict, NotFound, ValidationFailed
from nuanxin.couriers.decorators import courier_login_required
from nuanxin.couriers.permissions import require_courier

from . import selectors, services
from .models import HallCategory

ITEM_RAISED = _("Thank you. Your item is on the board; other couriers can support it now.")
ITEM_ORDERED = _("Ordered. It has gone to %(department)s; you will hear back in your inbox.")
ITEM_ORDERED_AWAITING_ROUTING = _(
    "Ordered. Street staff will pass it to the department responsible; you will hear back in your inbox."
)
SUPPORTED = _("Thank you for your support.")
PAGE_SIZE = 50
STATUS_FILTERS = (("", _("All")), ("open", _("Open")), ("closed", _("Closed")))


class ItemForm(forms.Form):
    category = forms.ChoiceField(
        label=_("What is it about?"), choices=HallCategory.choices, widget=forms.RadioSelect
    )
    title = forms.CharField(label=_("In one line"), max_length=100)
    description = forms.CharField(
        label=_("Details (optional)"), required=False, max_length=2000, widget=forms.Textarea
    )
    location_text = forms.CharField(label=_("Where (optional)"), required=False, max_length=200)


class OrderForm(forms.Form):
    note = forms.CharField(label=_("What do you need? (optional)"), required=False, max_length=2000)


def _add_service_errors(form, error):
    for field, field_messages in error.errors.items():
        for message in field_messages:
            form.add_error(field if field in form.fields else None, str(message))


def _courier_or_none(request):
    try:
        return require_courier(request)
    except Exception:  # not signed in, not a courier, consent missing: the page is public anyway
        return None


def board(request):
    status = request.GET.get("status", "")
    if status not in dict(STATUS_FILTERS):
        status = ""
    items = list(selectors.board_list(status=status or None)[:PAGE_SIZE])
    courier = _courier_or_none(request)
    return render(
        request,
        "hall/pages/board.html",
        {
            "items": items,
            "status": status,
            "status_filters": STATUS_FILTERS,
            "supported_ids": selectors.supported_item_ids(courier=courier, items=items),
            "courier": courier,
        },
    )


def item_detail(request, public_id):
    try:
        item = selectors.item_get_public(public_id=public_id)
    except NotFound:
        raise Http404() from None
    courier = _courier_or_none(request)
    return render(
        request,
        "hall/pages/item_detail.html",
        {
            "item": item,
            "courier": courier,
            "is_supported": bool(selectors.supported_item_ids(courier=courier, items=[item])),
        },
    )


@courier_login_required
@require_POST
def item_support(request, public_id):
    try:
        item = selectors.item_get_public(public_id=public_id)
    except NotFound:
        raise Http404() from None
    error = None
    is_supported = True
    try:
        item.support_count = services.hall_item_support(courier=request.courier, item=item)
    except Conflict as refusal:
        error = refusal.text()
        is_supported = refusal.code == "already_supported"
    if request.headers.get("HX-Request"):
        return render(
            request,
            "hall/partials/support.html",
            {"item": item, "courier": request.courier, "is_supported": is_supported, "error": error},
            status=200 if error is None else 409,
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, SUPPORTED)
    return redirect("mobile_hall:item_detail", item.public_id)


@courier_login_required
@require_http_methods(["GET", "POST"])
def item_new(request):
    form = ItemForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                item = services.hall_item_raise(courier=request.courier, **form.cleaned_data)
            except ValidationFailed as error:
                _add_service_errors(form, error)
            except services.RateLimited as error:
                form.add_error(None, error.text())
                status = 429
            else:
                messages.success(request, ITEM_RAISED)
                return redirect("mobile_hall:item_detail", item.public_id)
        status = status if status != 200 else 400
    return render(
        request,
        "hall/pages/item_form.html",
        {"form": form, "has_work_area": request.courier.work_area_id is not None},
        status=status,
    )


@courier_login_required
def my_items(request):
    items = list(selectors.item_list_for_courier(courier=request.courier)[:PAGE_SIZE])
    return render(request, "hall/pages/my_items.html", {"items": items})


@courier_login_required
@require_http_methods(["GET", "POST"])
def menu(request, service_item_id=None):
    courier = request.courier
    services_on_menu = list(services.menu_queryset(courier.work_area)) if courier.work_area_id else []
    form = OrderForm(request.POST or None)
    status = 200
    error_text = ""
    if request.method == "POST":
        if form.is_valid():
            try:
                item = services.hall_item_order(
                    courier=courier, service_item_id=service_item_id, note=form.cleaned_data["note"]
                )
            except ValidationFailed as error:
                error_text = " ".join(str(message) for values in error.errors.values() for message in values)
                status = 400
            except services.RateLimited as error:
                error_text = error.text()
                status = 429
            else:
                if item.department_id:
                    messages.success(request, ITEM_ORDERED % {"department": item.department.name})
                else:
                    messages.success(request, ITEM_ORDERED_AWAITING_ROUTING)
                return redirect("mobile_hall:item_detail", item.public_id)
        else:
            status = 400
    return render(
        request,
        "hall/pages/menu.html",
        {
            "services": services_on_menu,
            "form": form,
            "error": error_text,
            "has_work_area": courier.work_area_id is not None,
        },
        status=status,
    )
