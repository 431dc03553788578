"""The JSON API of events, mounted at /api/v1/ ("/" router).

Courier endpoints (`/events…`): list, detail, sign up, cancel, reminders on/off, my sign-ups, my
ticket, feedback.
Staff endpoints (`/manage/events…`, area-scoped; city/district/street staff and stewards): list,
create, detail, update, publish, cancel, sign-up list, check-in scan, attendance, close (report),
report photos, report. An event outside the caller's area answers 404.
Handlers only validate, call selectors/services and shape the answer.
"""

import uuid
from typing import Literal

from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from nuanxin.areas.models import Area
from nuanxin.core.api import AUTH
from nuanxin.core.errors import ValidationFailed
from nuanxin.couriers.permissions import require_courier
from nuanxin.stations.models import Station

from . import selectors, services
from .models import Event, EventKind, Signup
from .permissions import require_event_manager
from .schemas import (
    AttendanceIn,
    AttendanceOut,
    CancelIn,
    CheckInIn,
    ChoiceOut,
    CloseIn,
    CourierEventListOut,
    CourierEventOut,
    EventIn,
    EventPatch,
    FeedbackIn,
    FeedbackOut,
    PhotoOut,
    ReportOut,
    SignupListOut,
    SignupOut,
    SignupPatch,
    StaffEventListOut,
    StaffEventOut,
    StaffSignupListOut,
    StaffSignupOut,
    TicketOut,
    courier_event_out,
    photo_out,
    report_out,
    signup_out,
    staff_event_out,
    staff_signup_out,
)
from .tickets import ticket_token

AREA_UNKNOWN = _("No area has this code.")
STATION_UNKNOWN = _("No station has this ID.")
NO_TICKET = _("You have no confirmed seat for this event.")
MAX_PAGE = 100

router = Router()
courier_router = Router(tags=["events (courier)"], auth=AUTH)
manage_router = Router(tags=["events (staff)"], auth=AUTH)


class Page(Schema):
    limit: int = 20
    offset: int = 0


def _page(queryset, page):
    limit = min(max(page.limit, 1), MAX_PAGE)
    offset = max(page.offset, 0)
    return queryset.count(), list(queryset[offset : offset + limit])


@router.get("/events/kinds", response=list[ChoiceOut], tags=["events (courier)"])
def event_kinds(request):
    """The kinds of events (慰问, 清凉一夏, 义诊 …)."""
    return [{"value": value, "label": str(label)} for value, label in EventKind.choices]


# --- courier -----------------------------------------------------------------------------------


class CourierEventFilter(Page):
    include_past: bool = False


@courier_router.get("/events", response=CourierEventListOut)
def event_list(request, filters: Query[CourierEventFilter]):
    """Events meant for the courier (audience "all" or their area), soonest first, with `my_status`."""
    courier = require_courier(request)
    count, items = _page(
        selectors.event_list_for_courier(courier=courier, include_past=filters.include_past), filters
    )
    return {"count": count, "items": [courier_event_out(event) for event in items]}


@courier_router.get("/events/mine", response=SignupListOut)
def signup_list_mine(request, page: Query[Page]):
    """The courier's own sign-ups, cancelled ones included, newest event first."""
    courier = require_courier(request)
    count, items = _page(selectors.signup_list_for_courier(courier=courier), page)
    return {
        "count": count,
        "items": [signup_out(signup, position=selectors.waitlist_position(signup)) for signup in items],
    }


@courier_router.get("/events/{uuid:event_id}", response=CourierEventOut)
def event_detail(request, event_id: uuid.UUID):
    courier = require_courier(request)
    return courier_event_out(selectors.event_get_for_courier(courier=courier, public_id=event_id))


@courier_router.post("/events/{uuid:event_id}/signup", response={201: SignupOut})
def event_signup(request, event_id: uuid.UUID):
    """Sign up: `status` is "confirmed" or "waitlisted" (with `waitlist_position`)."""
    courier = require_courier(request)
    event = selectors.event_get_for_courier(courier=courier, public_id=event_id)
    signup = services.signup_create(courier=courier, event=event)
    return Status(201, signup_out(signup, position=selectors.waitlist_position(signup)))


@courier_router.post("/events/{uuid:event_id}/cancel", response=SignupOut)
def event_signup_cancel(request, event_id: uuid.UUID):
    """Cancel my sign-up; a freed seat goes to the first courier on the waiting list."""
    courier = require_courier(request)
    event = selectors.event_get_for_courier(courier=courier, public_id=event_id)
    return signup_out(services.signup_cancel(courier=courier, event=event))


@courier_router.patch("/events/{uuid:event_id}/signup", response=SignupOut)
def event_signup_update(request, event_id: uuid.UUID, payload: SignupPatch):
    """Turn the reminders before the event on or off for my sign-up (`wants_reminders`)."""
    courier = require_courier(request)
    event = selectors.event_get_for_courier(courier=courier, public_id=event_id)
    signup = services.signup_reminders_set(
        courier=courier, event=event, wants_reminders=payload.wants_reminders
    )
    return signup_out(signup, position=selectors.waitlist_position(signup))


@courier_router.get("/events/{uuid:event_id}/ticket", response=TicketOut)
def event_ticket(request, event_id: uuid.UUID):
    """The signed token my QR ticket carries (confirmed seats only)."""
    courier = require_courier(request)
    event = selectors.event_get_for_courier(courier=courier, public_id=event_id)
    signup = selectors.signup_get_for_courier(courier=courier, event=event)
    if signup is None or signup.status != Signup.Status.CONFIRMED:
        raise ValidationFailed({"event": [NO_TICKET]})
    return {"signup_id": signup.public_id, "token": ticket_token(signup)}


@courier_router.post("/events/{uuid:event_id}/feedback", response={201: FeedbackOut})
def event_feedback(request, event_id: uuid.UUID, payload: FeedbackIn):
    """Rate an event I attended (1–5), once, after it ended."""
    courier = require_courier(request)
    event = selectors.event_get_for_courier(courier=courier, public_id=event_id)
    feedback = services.feedback_submit(
        courier=courier, event=event, rating=payload.rating, comment=payload.comment
    )
    return Status(
        201,
        {
            "id": feedback.public_id,
            "rating": feedback.rating,
            "comment": feedback.comment,
            "created_at": feedback.created_at,
        },
    )


# --- staff -------------------------------------------------------------------------------------


class StaffEventFilter(Page):
    status: Literal[tuple(Event.Status.values)] | None = None  # type: ignore[valid-type]
    area: str | None = None
    q: str | None = None


def _staff_event(request, event_id):
    actor = require_event_manager(request.auth)
    return actor, selectors.event_get_for_staff(actor=actor, public_id=event_id)


def _fresh(actor, event):
    return staff_event_out(selectors.event_get_for_staff(actor=actor, public_id=event.public_id))


def _station(station_id):
    if station_id is None:
        return None
    station = Station.objects.select_related("area").filter(public_id=station_id).first()
    if station is None:
        raise ValidationFailed({"station_id": [STATION_UNKNOWN]})
    return station


def _renamed(error):
    """Service field names → API field names (station → station_id)."""
    if isinstance(error, ValidationFailed):
        names = {"station": "station_id", "area": "area_code"}
        return ValidationFailed(
            {names.get(field, field): messages for field, messages in error.errors.items()}
        )
    return error


@manage_router.get("/events", response=StaffEventListOut)
def manage_event_list(request, filters: Query[StaffEventFilter]):
    """The events of the caller's area (or of `area`, a code inside it), latest start first."""
    actor = require_event_manager(request.auth)
    queryset = selectors.event_list_for_staff(
        actor=actor, status=filters.status, area_code=filters.area, search=filters.q
    )
    count, items = _page(queryset, filters)
    return {"count": count, "items": [staff_event_out(event) for event in items]}


@manage_router.post("/events", response={201: StaffEventOut})
def manage_event_create(request, payload: EventIn):
    """Create a draft event; publish it to open sign-up."""
    actor = require_event_manager(request.auth)
    area = Area.objects.filter(code=payload.area_code).first()
    if area is None:
        raise ValidationFailed({"area_code": [AREA_UNKNOWN]})
    data = payload.dict(exclude={"area_code", "station_id"})
    try:
        event = services.event_create(actor=actor, area=area, station=_station(payload.station_id), **data)
    except ValidationFailed as error:
        raise _renamed(error) from None
    return Status(201, _fresh(actor, event))


@manage_router.get("/events/{uuid:event_id}", response=StaffEventOut)
def manage_event_get(request, event_id: uuid.UUID):
    _actor, event = _staff_event(request, event_id)
    return staff_event_out(event)


@manage_router.patch("/events/{uuid:event_id}", response=StaffEventOut)
def manage_event_update(request, event_id: uuid.UUID, payload: EventPatch):
    """Change some fields; a larger capacity moves waiting couriers up."""
    actor, event = _staff_event(request, event_id)
    changes = payload.dict(exclude_unset=True)
    if "station_id" in changes:
        changes["station"] = _station(changes.pop("station_id"))
    for name in ("description", "address", "audience_note"):
        if name in changes and changes[name] is None:
            changes[name] = ""
    try:
        event = services.event_update(actor=actor, event=event, **changes)
    except ValidationFailed as error:
        raise _renamed(error) from None
    return _fresh(actor, event)


@manage_router.post("/events/{uuid:event_id}/publish", response=StaffEventOut)
def manage_event_publish(request, event_id: uuid.UUID):
    actor, event = _staff_event(request, event_id)
    return _fresh(actor, services.event_publish(actor=actor, event=event))


@manage_router.post("/events/{uuid:event_id}/cancel", response=StaffEventOut)
def manage_event_cancel(request, event_id: uuid.UUID, payload: CancelIn):
    """Cancel the event; every signed-up courier gets an inbox message."""
    actor, event = _staff_event(request, event_id)
    return _fresh(actor, services.event_cancel(actor=actor, event=event, reason=payload.reason))


class SignupFilter(Page):
    status: Literal[tuple(Signup.Status.values)] | None = None  # type: ignore[valid-type]


@manage_router.get("/events/{uuid:event_id}/signups", response=StaffSignupListOut)
def manage_signup_list(request, event_id: uuid.UUID, filters: Query[SignupFilter]):
    """The sign-ups in sign-up order (the waiting list order), with attendance and rating."""
    _actor, event = _staff_event(request, event_id)
    count, items = _page(selectors.signup_list_for_event(event=event, status=filters.status), filters)
    return {"count": count, "items": [staff_signup_out(signup) for signup in items]}


@manage_router.post("/events/{uuid:event_id}/check-in", response=StaffSignupOut)
def manage_check_in(request, event_id: uuid.UUID, payload: CheckInIn):
    """Scan a courier's QR ticket: the token is checked (signature, expiry, event) and attendance recorded."""
    actor, event = _staff_event(request, event_id)
    signup = services.event_check_in(actor=actor, event=event, token=payload.token)
    return staff_signup_out(signup)


@manage_router.post("/events/{uuid:event_id}/attendance", response=AttendanceOut)
def manage_attendance(request, event_id: uuid.UUID, payload: AttendanceIn):
    """Mark confirmed sign-ups present by id (couriers without their phone)."""
    actor, event = _staff_event(request, event_id)
    marked = services.attendance_record(actor=actor, event=event, signup_ids=payload.signup_ids)
    return {"marked": len(marked), "attended_count": event.signups.filter(attended_at__isnull=False).count()}


@manage_router.post("/events/{uuid:event_id}/close", response=ReportOut)
def manage_event_close(request, event_id: uuid.UUID, payload: CloseIn):
    """Write the closing report (summary; the attendee count comes from attendance) and close the event."""
    actor, event = _staff_event(request, event_id)
    event = services.event_close(actor=actor, event=event, summary=payload.summary)
    return report_out(event, selectors.event_report(event=event))


@manage_router.post("/events/{uuid:event_id}/photos", response={201: PhotoOut}, summary="Add a report photo")
def manage_photo_add(
    request,
    event_id: uuid.UUID,
    caption: Form[str] = "",
    image: UploadedFile = File(...),  # noqa: B008
):
    actor, event = _staff_event(request, event_id)
    photo = services.event_photo_add(actor=actor, event=event, upload=image, caption=caption)
    return Status(201, photo_out(photo))


@manage_router.get("/events/{uuid:event_id}/report", response=ReportOut)
def manage_event_report(request, event_id: uuid.UUID):
    """The closing report: attendees, summary, photos, feedback count and average rating."""
    _actor, event = _staff_event(request, event_id)
    return report_out(event, selectors.event_report(event=event))


router.add_router("/", courier_router)
router.add_router("/manage/", manage_router)
