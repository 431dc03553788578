"""The courier's mobile pages for events (/m/events/…).

Every page is behind `courier_login_required`; the courier sees only the events meant for them and
their own sign-ups (anything else answers 404). Buttons post to the same services as the API; a
refusal comes back as a message on the event page with nothing changed.
"""

import segno
from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from nuanxin.core.errors import DomainError, NotFound
from nuanxin.couriers.decorators import courier_login_required

from . import selectors, services
from .models import Event, Feedback, Signup
from .reminders import offsets_label
from .tickets import ticket_token

SIGNED_UP = _("You are signed up. Show your ticket at the entrance.")
WAITLISTED = _("The event is full. You are number %(position)s on the waiting list.")
CANCELLED = _("Your sign-up is cancelled.")
FEEDBACK_THANKS = _("Thank you for your feedback.")
REMINDERS_ON = _("Reminders are on.")
REMINDERS_OFF = _("Reminders are off.")
PAGE_SIZE = 50


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Your rating"),
        choices=[(value, str(value)) for value in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"), required=False, max_length=2000, widget=forms.Textarea
    )


def _is_htmx(request):
    return request.headers.get("HX-Request") == "true"


def _event_or_404(request, public_id):
    try:
        return selectors.event_get_for_courier(courier=request.courier, public_id=public_id)
    except NotFound:
        raise Http404() from None


@courier_login_required
def event_list(request):
    events = list(selectors.event_list_for_courier(courier=request.courier)[:PAGE_SIZE])
    return render(request, "events/pages/event_list.html", {"events": events, "active_tab": "events"})


@courier_login_required
def my_signups(request):
    signups = list(selectors.signup_list_for_courier(courier=request.courier)[:PAGE_SIZE])
    for signup in signups:
        signup.position = selectors.waitlist_position(signup)
    return render(request, "events/pages/my_signups.html", {"signups": signups})


def _detail_context(request, event, feedback_form=None):
    signup = selectors.signup_get_for_courier(courier=request.courier, event=event)
    now = timezone.now()
    can_give_feedback = bool(
        signup
        and signup.attended_at is not None
        and now >= event.ends_at
        and not Feedback.objects.filter(signup=signup).exists()
    )
    return {
        "event": event,
        "signup": signup,
        "position": selectors.waitlist_position(signup) if signup else None,
        "seats_left": max(event.capacity - event.confirmed_count, 0),
        "is_open": event.status == Event.Status.PUBLISHED and event.starts_at > now,
        "can_give_feedback": can_give_feedback,
        "feedback_form": feedback_form or (FeedbackForm() if can_give_feedback else None),
        "photos": list(event.photos.all()) if event.status == Event.Status.CLOSED else [],
    }


@courier_login_required
def event_detail(request, public_id):
    event = _event_or_404(request, public_id)
    return render(request, "events/pages/event_detail.html", _detail_context(request, event))


@courier_login_required
@require_POST
def event_signup(request, public_id):
    event = _event_or_404(request, public_id)
    try:
        signup = services.signup_create(courier=request.courier, event=event)
    except NotFound:
        raise Http404() from None
    except DomainError as error:
        messages.error(request, error.text())
    else:
        if signup.status == Signup.Status.CONFIRMED:
            messages.success(request, SIGNED_UP)
        else:
            messages.info(request, WAITLISTED % {"position": selectors.waitlist_position(signup)})
    return redirect("mobile_events:detail", event.public_id)


@courier_login_required
@require_POST
def event_cancel(request, public_id):
    event = _event_or_404(request, public_id)
    try:
        services.signup_cancel(courier=request.courier, event=event)
    except DomainError as error:
        messages.error(request, error.text())
    else:
        messages.success(request, CANCELLED)
    return redirect("mobile_events:detail", event.public_id)


@courier_login_required
def event_ticket(request, public_id):
    """The QR ticket (inline SVG) of a confirmed seat; 404 without one."""
    event = _event_or_404(request, public_id)
    signup = selectors.signup_get_for_courier(courier=request.courier, event=event)
    if signup is None or signup.status != Signup.Status.CONFIRMED:
        raise Http404()
    token = ticket_token(signup)
    # segno writes the SVG itself from the token; nothing user-typed reaches the markup.
    svg = segno.make(token, error="m").svg_inline(scale=5, border=2)
    return render(
        request,
        "events/pages/ticket.html",
        {
            "event": event,
            "signup": signup,
            "qr_svg": mark_safe(svg),  # noqa: S308
            "reminder_times": offsets_label(),
        },
    )


@courier_login_required
@require_POST
def event_reminders(request, public_id):
    """The "remind me" switch of the ticket page: `wants_reminders=on|off`.

    With htmx the switch alone comes back (`ticket.html#reminders`); without, the ticket page again.
    """
    event = _event_or_404(request, public_id)
    wants_reminders = request.POST.get("wants_reminders") == "on"
    try:
        signup = services.signup_reminders_set(
            courier=request.courier, event=event, wants_reminders=wants_reminders
        )
    except DomainError as error:
        messages.error(request, error.text())
        return redirect("mobile_events:detail", event.public_id)
    if _is_htmx(request):
        return render(
            request,
            "events/pages/ticket.html#reminders",
            {"event": event, "signup": signup, "reminder_times": offsets_label()},
        )
    messages.success(request, REMINDERS_ON if signup.wants_reminders else REMINDERS_OFF)
    return redirect("mobile_events:ticket", event.public_id)


@courier_login_required
@require_POST
def event_feedback(request, public_id):
    event = _event_or_404(request, public_id)
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            services.feedback_submit(courier=request.courier, event=event, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, error.text())
        else:
            messages.success(request, FEEDBACK_THANKS)
            return redirect("mobile_events:detail", event.public_id)
    return render(
        request, "events/pages/event_detail.html", _detail_context(request, event, form), status=400
    )
