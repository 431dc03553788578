"""The courier's housing pages (/m/housing/…): the love apartments with a month calendar and the
application form, the courier's own applications, and the rental offers with the sign-up form.

Forms post to the same services as the API; a refused form comes back with the field messages
(status 400, swapped by htmx like a 200). Another courier's application answers 404.
"""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from nuanxin.core.errors import DomainError, NotFound, ValidationFailed
from nuanxin.couriers.decorators import courier_login_required

from . import selectors, services

STAY_SENT = _("Your application has been sent. The steward will answer soon.")
STAY_CANCELLED = _("Your application has been cancelled.")
INTENT_SENT = _("Thank you. The staff will call you back about this offer.")
INTENT_WITHDRAWN = _("Your sign-up has been withdrawn.")
DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class StayForm(forms.Form):
    room = forms.ChoiceField(label=_("Room"))
    check_in = forms.DateField(label=_("Check-in"), widget=DATE_INPUT)
    check_out = forms.DateField(label=_("Check-out"), widget=DATE_INPUT)
    guests = forms.IntegerField(label=_("Guests"), min_value=1, max_value=20, initial=1)
    guest_names = forms.CharField(label=_("Who is coming (name, relation)"), max_length=200, required=False)
    note = forms.CharField(label=_("Note (optional)"), max_length=500, required=False, widget=forms.Textarea)

    def __init__(self, *args, rooms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].choices = [
            (
                str(room.public_id),
                _("%(name)s (up to %(capacity)s guests)") % {"name": room.name, "capacity": room.capacity},
            )
            for room in rooms
        ]


class IntentForm(forms.Form):
    move_in_on = forms.DateField(label=_("Wished move-in date"), widget=DATE_INPUT)
    occupants = forms.IntegerField(label=_("Occupants"), min_value=1, max_value=20, initial=1)
    note = forms.CharField(label=_("Note (optional)"), max_length=500, required=False, widget=forms.Textarea)


FIELD_ALIASES = {"room_id": "room", "offer_id": None}


def _add_errors(form, error):
    items = error.errors.items() if isinstance(error, ValidationFailed) else [(error.field, [error.message])]
    for field, field_messages in items:
        field = FIELD_ALIASES.get(field, field)
        for message in field_messages:
            form.add_error(field if field in form.fields else None, str(message))


def _or_404(getter, **kwargs):
    try:
        return getter(**kwargs)
    except NotFound:
        raise Http404() from None


@courier_login_required
def housing_home(request):
    return render(
        request,
        "housing/pages/home.html",
        {
            "apartments": list(selectors.apartment_list_open()),
            "offers": list(selectors.offer_list_open()),
            "active_tab": "housing",
        },
    )


@courier_login_required
@require_http_methods(["GET", "POST"])
def apartment_detail(request, public_id):
    apartment = _or_404(selectors.apartment_get_open, public_id=public_id)
    rooms = list(apartment.rooms.all())
    try:
        month = selectors.parse_month(request.GET.get("month"), default=timezone.localdate())
    except ValidationFailed:
        raise Http404() from None
    form = StayForm(request.POST or None, rooms=rooms)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            room = next(room for room in rooms if str(room.public_id) == data["room"])
            try:
                services.stay_apply(
                    actor=request.user,
                    courier=request.courier,
                    room=room,
                    check_in=data["check_in"],
                    check_out=data["check_out"],
                    guests=data["guests"],
                    guest_names=data["guest_names"],
                    note=data["note"],
                )
            except DomainError as error:
                _add_errors(form, error)
            else:
                messages.success(request, STAY_SENT)
                return redirect("mobile_housing:stay_list")
        status = 400
    month_calendar = selectors.apartment_calendar(apartment=apartment, month=month)
    return render(
        request,
        "housing/pages/apartment_detail.html",
        {"apartment": apartment, "calendar": month_calendar, "form": form, "active_tab": "housing"},
        status=status,
    )


@courier_login_required
def stay_list(request):
    stays = list(selectors.stay_list_for_courier(courier=request.courier)[:100])
    today = timezone.localdate()
    for stay in stays:
        stay.can_cancel = stay.status in ("applied", "approved") and stay.check_in > today
    return render(request, "housing/pages/stay_list.html", {"stays": stays, "active_tab": "housing"})


@courier_login_required
@require_POST
def stay_cancel(request, public_id):
    stay = _or_404(selectors.stay_get_for_courier, courier=request.courier, public_id=public_id)
    try:
        services.stay_cancel(actor=request.user, courier=request.courier, stay=stay)
    except DomainError as error:
        messages.error(request, error.text())
    else:
        messages.success(request, STAY_CANCELLED)
    return redirect("mobile_housing:stay_list")


@courier_login_required
@require_http_methods(["GET", "POST"])
def offer_detail(request, public_id):
    offer = _or_404(selectors.offer_get_open, public_id=public_id)
    intent = selectors.intent_list_for_courier(courier=request.courier).filter(offer=offer).first()
    form = IntentForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.lease_intent_create(
                    actor=request.user, courier=request.courier, offer=offer, **form.cleaned_data
                )
            except DomainError as error:
                _add_errors(form, error)
            else:
                messages.success(request, INTENT_SENT)
                return redirect("mobile_housing:offer_detail", offer.public_id)
        status = 400
    return render(
        request,
        "housing/pages/offer_detail.html",
        {"offer": offer, "intent": intent, "form": form, "active_tab": "housing"},
        status=status,
    )


@courier_login_required
@require_POST
def intent_withdraw(request, public_id):
    intent = _or_404(selectors.intent_get_for_courier, courier=request.courier, public_id=public_id)
    services.lease_intent_withdraw(actor=request.user, courier=request.courier, intent=intent)
    messages.success(request, INTENT_WITHDRAWN)
    return redirect("mobile_housing:offer_detail", intent.offer.public_id)
