"""Reads of events, always through a permission scope. `*_get` answers NotFound alike for missing and
forbidden rows. Lists carry seat counts as annotations (one query, however many events)."""

from django.db.models import Avg, Count, OuterRef, Q, Subquery
from django.utils import timezone

from nuanxin.areas.models import Area
from nuanxin.core.permissions import get_visible_or_404

from .models import Event, Signup
from .permissions import courier_event_scope, event_policy


def with_counts(queryset):
    """Annotate `confirmed_count`, `waitlisted_count` and `attended_count`."""
    return queryset.annotate(
        confirmed_count=Count("signups", filter=Q(signups__status=Signup.Status.CONFIRMED)),
        waitlisted_count=Count("signups", filter=Q(signups__status=Signup.Status.WAITLISTED)),
        attended_count=Count("signups", filter=Q(signups__attended_at__isnull=False)),
    )


def _with_my_signup(queryset, courier):
    mine = Signup.objects.filter(event=OuterRef("pk"), courier=courier).exclude(
        status=Signup.Status.CANCELLED
    )
    return queryset.annotate(
        my_status=Subquery(mine.values("status")[:1]),
        my_signup_id=Subquery(mine.values("public_id")[:1]),
    )


def event_list_for_courier(*, courier, include_past=False):
    """Events meant for the courier, soonest first; by default those not yet ended."""
    queryset = courier_event_scope(courier, Event.objects.all()).select_related("area", "station")
    if not include_past:
        queryset = queryset.filter(ends_at__gt=timezone.now()).exclude(status=Event.Status.CLOSED)
    return _with_my_signup(with_counts(queryset), courier).order_by("starts_at", "id")


def event_get_for_courier(*, courier, public_id):
    queryset = _with_my_signup(
        with_counts(courier_event_scope(courier, Event.objects.all()).select_related("area", "station")),
        courier,
    )
    return get_visible_or_404(queryset, public_id=public_id)


def signup_list_for_courier(*, courier):
    """The courier's sign-ups (cancelled ones too), the newest event first."""
    return (
        Signup.objects.filter(courier=courier)
        .select_related("event__area", "event__station", "feedback")
        .order_by("-event__starts_at", "-id")
    )


def signup_get_for_courier(*, courier, event):
    """The courier's live sign-up of `event`, or None."""
    return (
        Signup.objects.filter(courier=courier, event=event)
        .exclude(status=Signup.Status.CANCELLED)
        .select_related("event__area", "event__station")
        .first()
    )


def waitlist_position(signup):
    """1 for the first courier on the waiting list; None when the sign-up is not waiting."""
    if signup.status != Signup.Status.WAITLISTED:
        return None
    earlier = Signup.objects.filter(event_id=signup.event_id, status=Signup.Status.WAITLISTED).filter(
        Q(signed_up_at__lt=signup.signed_up_at) | Q(signed_up_at=signup.signed_up_at, id__lt=signup.id)
    )
    return earlier.count() + 1


def event_list_for_staff(*, actor, status=None, area_code=None, search=None):
    queryset = with_counts(event_policy.scope(actor, Event.objects.all())).select_related("area", "station")
    if area_code:
        area = Area.objects.filter(code=area_code).first()
        if area is None:
            return queryset.none()
        queryset = queryset.filter(area__path__startswith=area.path)
    if status:
        queryset = queryset.filter(status=status)
    if search:
        queryset = queryset.filter(title__icontains=search)
    return queryset.order_by("-starts_at", "-id")


def event_get_for_staff(*, actor, public_id):
    queryset = with_counts(event_policy.scope(actor, Event.objects.all())).select_related("area", "station")
    return get_visible_or_404(queryset, public_id=public_id)


def signup_list_for_event(*, event, status=None):
    queryset = Signup.objects.filter(event=event).select_related("courier", "feedback")
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("signed_up_at", "id")


def event_report(*, event):
    """The closing report: attendee count, summary, photos, feedback average and count."""
    ratings = Signup.objects.filter(event=event, feedback__isnull=False).aggregate(
        average=Avg("feedback__rating"), count=Count("feedback")
    )
    return {
        "attendee_count": event.report_attendee_count
        if event.status == Event.Status.CLOSED
        else event.signups.filter(attended_at__isnull=False).count(),
        "summary": event.report_summary,
        "closed_at": event.closed_at,
        "photos": list(event.photos.all()),
        "feedback_count": ratings["count"] or 0,
        "average_rating": round(ratings["average"], 2) if ratings["average"] is not None else None,
    }
