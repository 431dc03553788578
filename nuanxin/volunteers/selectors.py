"""Reads of the volunteers app.

Public surface for other apps (the points app reads approved hours here, never the models):

    approved_service_hours(*, courier=None, since=None, until=None, area=None) -> list[ApprovedService]

Each `ApprovedService` is one *effective* approved service entry of the volunteer record: an entry
that no correction has superseded. A correction appends a new entry (new `entry_id`) naming the one
it replaces in `supersedes_entry_id`; a consumer that awarded something for the old entry can
reverse it and award the new one. `approved_at` is when the entry was written (approval or
accepted correction); `since`/`until` filter on it (aware datetimes, `until` exclusive).
"""

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from django.db.models import Count, Prefetch, Q, Sum

from nuanxin.core.permissions import area_scope, get_visible_or_404

from .models import Activity, Certificate, CorrectionRequest, Membership, RecordEntry, Shift, SignUp, Team
from .permissions import is_volunteer_manager

# Star levels of the national volunteer system, by approved service hours.
STAR_THRESHOLDS_HOURS = (100, 300, 600, 1000, 1500)


@dataclass(frozen=True)
class ApprovedService:
    entry_id: UUID
    supersedes_entry_id: UUID | None
    courier_id: int
    volunteer_number: str
    team_id: UUID
    area_id: int
    served_on: date
    minutes: int
    approved_at: datetime


def effective_entries(queryset=None):
    """Record entries no correction has replaced."""
    queryset = RecordEntry.objects.all() if queryset is None else queryset
    return queryset.filter(superseded_by__isnull=True)


def approved_service_hours(*, courier=None, since=None, until=None, area=None):
    """Effective approved service entries, oldest first (see the module docstring)."""
    queryset = (
        effective_entries()
        .filter(kind=RecordEntry.Kind.SERVICE)
        .select_related("volunteer", "team", "supersedes")
    )
    if courier is not None:
        queryset = queryset.filter(volunteer__courier=courier)
    if since is not None:
        queryset = queryset.filter(created_at__gte=since)
    if until is not None:
        queryset = queryset.filter(created_at__lt=until)
    if area is not None:
        queryset = queryset.filter(team__area__path__startswith=area.path)
    return [
        ApprovedService(
            entry_id=entry.public_id,
            supersedes_entry_id=entry.supersedes.public_id if entry.supersedes_id else None,
            courier_id=entry.volunteer.courier_id,
            volunteer_number=entry.volunteer.volunteer_number,
            team_id=entry.team.public_id,
            area_id=entry.team.area_id,
            served_on=entry.occurred_on,
            minutes=entry.minutes,
            approved_at=entry.created_at,
        )
        for entry in queryset.order_by("created_at", "pk")
    ]


def total_service_minutes(volunteer, *, team=None, period_start=None, period_end=None):
    queryset = effective_entries(volunteer.record_entries.filter(kind=RecordEntry.Kind.SERVICE))
    if team is not None:
        queryset = queryset.filter(team=team)
    if period_start is not None:
        queryset = queryset.filter(occurred_on__gte=period_start)
    if period_end is not None:
        queryset = queryset.filter(occurred_on__lte=period_end)
    return queryset.aggregate(total=Sum("minutes"))["total"] or 0


def star_level(minutes):
    """0 to 5 stars: one per threshold of STAR_THRESHOLDS_HOURS reached."""
    hours = minutes / 60
    return sum(1 for threshold in STAR_THRESHOLDS_HOURS if hours >= threshold)


def next_star_hours(minutes):
    hours = minutes / 60
    return next((threshold for threshold in STAR_THRESHOLDS_HOURS if hours < threshold), None)


# --- courier side ------------------------------------------------------------------------------


def record_for_volunteer(volunteer):
    """The volunteer's own record, superseded entries included (the trace is part of the record)."""
    return volunteer.record_entries.select_related("team", "supersedes", "superseded_by").order_by(
        "-occurred_on", "-created_at"
    )


def open_shifts_for_courier(*, now):
    return (
        Shift.objects.filter(
            activity__status=Activity.Status.OPEN, starts_at__gt=now, activity__team__is_active=True
        )
        .select_related("activity__team__area")
        .order_by("starts_at")
    )


def teams_for_courier(*, area=None):
    """Active teams; with `area` (the courier's work area) only the teams of that area's line: the
    area itself, the areas above it (a district's or the city's teams) and below it (communities)."""
    queryset = Team.objects.filter(is_active=True).select_related("area").order_by("name")
    if area is not None:
        codes = [code for code in area.path.strip("/").split("/") if code]
        ancestor_paths = ["/" + "/".join(codes[: depth + 1]) + "/" for depth in range(len(codes))]
        queryset = queryset.filter(Q(area__path__in=ancestor_paths) | Q(area__path__startswith=area.path))
    return queryset


def teams_served_with(volunteer):
    """Teams that have recorded approved service of this volunteer (they can certify it)."""
    return (
        Team.objects.filter(
            record_entries__volunteer=volunteer,
            record_entries__kind=RecordEntry.Kind.SERVICE,
            record_entries__superseded_by__isnull=True,
        )
        .distinct()
        .order_by("name")
    )


def memberships_for_volunteer(volunteer):
    return volunteer.memberships.select_related("team__area").order_by("-created_at")


def sign_ups_for_volunteer(volunteer):
    return volunteer.sign_ups.select_related("shift__activity__team").order_by("-shift__starts_at")


def sign_ups_with_hours(volunteer):
    """My sign-ups, newest shift first, with their corrections and effective service entries
    prefetched (the approved minutes after any correction)."""
    return sign_ups_for_volunteer(volunteer).prefetch_related(
        Prefetch("corrections", queryset=CorrectionRequest.objects.order_by("-created_at")),
        Prefetch(
            "record_entries",
            queryset=effective_entries().filter(kind=RecordEntry.Kind.SERVICE),
            to_attr="effective_service_entries",
        ),
    )


def active_sign_up_for_shift(*, volunteer, shift):
    """The volunteer's active sign-up for `shift`, or None."""
    if volunteer is None:
        return None
    return (
        SignUp.objects.select_related("shift__activity__team__area")
        .filter(volunteer=volunteer, shift=shift, status=SignUp.Status.ACTIVE)
        .first()
    )


def open_shifts_with_places(*, now):
    """Open shifts with the number of places taken (`taken`)."""
    return open_shifts_for_courier(now=now).annotate(
        taken=Count("sign_ups", filter=Q(sign_ups__status=SignUp.Status.ACTIVE))
    )


def sign_up_get_for_volunteer(*, volunteer, public_id):
    return get_visible_or_404(
        SignUp.objects.select_related("shift__activity__team__area"), volunteer=volunteer, public_id=public_id
    )


def certificates_for_volunteer(volunteer):
    return volunteer.certificates.select_related("team").order_by("-created_at")


def certificate_get_for_volunteer(*, volunteer, public_id):
    return get_visible_or_404(
        Certificate.objects.select_related("team", "volunteer__courier"),
        volunteer=volunteer,
        public_id=public_id,
    )


def certificate_get_by_number(number):
    """The issued certificate with this number (public verification), or None."""
    return (
        Certificate.objects.select_related("team", "volunteer__courier")
        .filter(status=Certificate.Status.ISSUED, number=number)
        .first()
    )


# --- staff side (area-scoped; outside the actor's area answers 404) ----------------------------


def _manager_scope(actor, queryset, area_field):
    if not is_volunteer_manager(actor):
        return queryset.none()
    return area_scope(actor, queryset, area_field=area_field)


def team_scope(actor):
    return _manager_scope(actor, Team.objects.select_related("area"), "area")


def team_get(*, actor, public_id):
    return get_visible_or_404(team_scope(actor), public_id=public_id)


def membership_scope(actor):
    return _manager_scope(
        actor, Membership.objects.select_related("team", "volunteer__courier"), "team__area"
    )


def activity_scope(actor):
    return _manager_scope(actor, Activity.objects.select_related("team__area"), "team__area")


def shift_scope(actor):
    return _manager_scope(actor, Shift.objects.select_related("activity__team__area"), "activity__team__area")


def sign_up_scope(actor):
    return _manager_scope(
        actor,
        SignUp.objects.select_related("shift__activity__team__area", "volunteer__courier"),
        "shift__activity__team__area",
    )


def correction_scope(actor):
    return _manager_scope(
        actor,
        CorrectionRequest.objects.select_related(
            "sign_up__shift__activity__team", "sign_up__volunteer__courier"
        ),
        "sign_up__shift__activity__team__area",
    )


def certificate_scope(actor):
    return _manager_scope(
        actor, Certificate.objects.select_related("team", "volunteer__courier"), "team__area"
    )


def record_entry_scope(actor):
    """Entries recorded by teams in the actor's area (谁组织谁记录)."""
    return _manager_scope(
        actor, RecordEntry.objects.select_related("team", "volunteer__courier"), "team__area"
    )


def pending_approvals(actor):
    return sign_up_scope(actor).filter(
        status=SignUp.Status.ACTIVE, checked_out_at__isnull=False, approved_at__isnull=True
    )
