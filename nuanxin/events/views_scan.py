"""The door page of an event (/m/events/<id>/scan/): stewards and staff scan couriers' QR tickets.

In the session-authenticated mobile site, for the event's managers (`permissions.event_policy`:
city/district/street staff and stewards whose area covers the event's; superusers). Not signed
in → the sign-in page; another role (courier, merchant, …) → 403; an event outside the actor's
area, or missing → 404.

A token field (a USB/Bluetooth scanner types the ticket's text and presses Enter) and, where the
browser has `BarcodeDetector`, a camera button (static/js/scan.js). The form POSTs to the same
service as the API (`services.event_check_in`): a big green "checked in" with the courier's masked
name and phone, or the service's translated refusal (forged or expired ticket, another event's
ticket, not confirmed, already checked in, check-in not open) with nothing changed.

An htmx POST gets the result fragment (`scan.html#result`: 200 checked in, 400 refused, the site's
htmx config swaps both) plus the attendance count out of band; a plain POST gets the whole page
with the refusal's own status. `scan/count/` answers the attendance count fragment, which the page
polls so that several stewards at several doors see the same figure.
"""

from functools import wraps

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from nuanxin.core.errors import DomainError, NotFound, PermissionDenied

from . import selectors, services
from .models import Event
from .permissions import require_event_manager

TOKEN_MAX_LENGTH = 500
TOKEN_LABEL = _("Ticket")
TOKEN_HELP = _("Scan the courier's QR ticket, or type the text under it.")
COUNT_POLL_SECONDS = 10


class TicketForm(forms.Form):
    token = forms.CharField(label=TOKEN_LABEL, help_text=TOKEN_HELP, max_length=TOKEN_MAX_LENGTH)


def event_manager_page(view):
    """Signed in (else → sign-in page) as an event manager (else 403), the event in their area (else 404)."""

    @login_required
    @wraps(view)
    def wrapper(request, public_id, *args, **kwargs):
        try:
            actor = require_event_manager(request.user)
        except PermissionDenied as error:
            raise DjangoPermissionDenied(error.text()) from error
        try:
            event = selectors.event_get_for_staff(actor=actor, public_id=public_id)
        except NotFound:
            raise Http404() from None
        return view(request, event, *args, **kwargs)

    return wrapper


def is_htmx(request):
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def mask_name(name):
    """张三丰 → 张**."""
    name = (name or "").strip()
    return f"{name[0]}{'*' * max(len(name) - 1, 1)}" if name else ""


def _counts(event):
    """Fresh counts (the event's annotations may predate this request's check-in)."""
    fresh = selectors.with_counts(Event.objects.filter(pk=event.pk)).values(
        "attended_count", "confirmed_count"
    )[0]
    return {"attended": fresh["attended_count"], "confirmed": fresh["confirmed_count"]}


def _context(event, **extra):
    return {"event": event, "counts": _counts(event), "poll_seconds": COUNT_POLL_SECONDS, **extra}


@require_http_methods(["GET", "POST"])
@event_manager_page
def event_scan(request, event):
    result, status = None, 200
    if request.method == "POST":
        form = TicketForm(request.POST)
        if not form.is_valid():
            result, status = {"ok": False, "code": "invalid", "message": form.errors["token"][0]}, 400
        else:
            try:
                signup = services.event_check_in(
                    actor=request.user, event=event, token=form.cleaned_data["token"]
                )
            except DomainError as error:
                result, status = {"ok": False, "code": error.code, "message": error.text()}, error.status_code
            else:
                courier = signup.courier
                result = {
                    "ok": True,
                    "courier_name": mask_name(courier.name),
                    "courier_phone": courier.phone_masked,
                    "attended_at": signup.attended_at,
                }
    fragment = is_htmx(request) and request.method == "POST"
    context = _context(event, form=TicketForm(), result=result, fragment=fragment)
    if fragment:
        return render(request, "events/scan/scan.html#result", context, status=200 if result["ok"] else 400)
    return render(request, "events/scan/scan.html", context, status=status)


@require_GET
@event_manager_page
def event_scan_count(request, event):
    response = render(request, "events/scan/scan.html#count", _context(event))
    response["Cache-Control"] = "no-store"
    return response
