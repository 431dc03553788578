"""Writes of the volunteers app. Every service is atomic and writes its audit row in the same transaction.

Errors: ValidationFailed (422, a field is at fault), Conflict (409, the state does not allow it),
CheckInCodeInvalid (400). Nothing is half-saved: each service runs in one transaction.
"""

import datetime
import hashlib
import hmac
import json
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.core.audit import audit_record
from nuanxin.core.errors import Conflict, ValidationFailed

from . import selectors
from .checkin import distance_to_shift_m, shift_check_in_read
from .models import (
    Activity,
    Certificate,
    CorrectionRequest,
    Membership,
    RecordEntry,
    Shift,
    SignUp,
    Team,
    Volunteer,
    VolunteerRole,
)

NAME_REQUIRED = _("Please enter a name.")
ROLE_UNKNOWN = _("Choose one of the volunteer roles.")
ALREADY_APPLIED = _("You have already applied to this team.")
TEAM_INACTIVE = _("This team no longer takes volunteers.")
ALREADY_DECIDED = _("This application has already been decided.")
NOT_A_MEMBER = _("Only approved members of the organizing team can take part.")
KIND_NOT_ALLOWED = _("Only training, awards and evaluations are recorded by hand; service comes from shifts.")
TITLE_REQUIRED = _("Please enter a title.")
MINUTES_INVALID = _("Enter a whole number of minutes from 0 to 1440.")
DATE_IN_FUTURE = _("The date cannot be in the future.")
SHIFT_REQUIRED = _("Add at least one shift.")
SHIFT_ENDS_BEFORE_START = _("A shift must end after it starts.")
SHIFT_TOO_LONG = _("A shift cannot last more than 24 hours.")
PLACE_REQUIRED = _("Please name the place.")
LATITUDE_INVALID = _("Latitude must be between -90 and 90.")
LONGITUDE_INVALID = _("Longitude must be between -180 and 180.")
CAPACITY_INVALID = _("Capacity must be between 1 and 1000.")
RADIUS_INVALID = _("The check-in radius must be between 20 and 5000 metres.")
ERRAND_ONE_SHIFT = _("An errand has exactly one shift, taken by one volunteer.")
ACTIVITY_CANCELLED = _("This activity has been cancelled.")
SHIFT_STARTED = _("This shift has already started; sign-up is closed.")
SHIFT_FULL = _("This shift is full.")
ALREADY_SIGNED_UP = _("You have already signed up for this shift.")
OVERLAPPING_SHIFT = _("You are already signed up for a shift at the same time.")
CANNOT_CANCEL = _("You have already checked in; this sign-up can no longer be cancelled.")
SIGN_UP_CANCELLED = _("This sign-up was cancelled.")
ALREADY_CHECKED_IN = _("You have already checked in.")
NOT_CHECKED_IN = _("Check in before you check out.")
ALREADY_CHECKED_OUT = _("You have already checked out.")
OUTSIDE_WINDOW = _("Check-in opens 30 minutes before the shift and closes when it ends.")
TOO_FAR = _("You are %(distance)d m from the place; come within %(radius)d m.")
POSITION_REQUIRED = _("Your position is needed.")
CODE_REQUIRED = _("Scan the QR code at the place.")
METHOD_UNKNOWN = _("Check in by QR code or by position.")
NOT_CHECKED_OUT = _("The volunteer has not checked out yet.")
ALREADY_APPROVED = _("These hours have already been approved.")
OVER_THE_SHIFT = _("Hours cannot be more than the shift (%(minutes)d minutes).")
REASON_REQUIRED = _("Please give a reason.")
CORRECTION_OPEN = _("A correction for this shift is already waiting for the organizer.")
CORRECTION_TOO_EARLY = _("A correction can be asked for once the shift has started.")
CORRECTION_DECIDED = _("This correction has already been resolved.")
PERIOD_ORDER = _("The period must end on or after its start.")
PERIOD_IN_FUTURE = _("The period cannot end in the future.")
NO_HOURS_WITH_TEAM = _("You have no approved hours with this team in this period.")
CERTIFICATE_DECIDED = _("This certificate request has already been decided.")
HANDLER_REQUIRED = _("The issuing team needs a handler and a contact phone before it can issue certificates.")

CHECK_IN_EARLY = datetime.timedelta(minutes=30)
MAX_SHIFT = datetime.timedelta(hours=24)
ID_TYPE_RESIDENT = "resident_id"


def _now(now=None):
    return now or timezone.now()


def _audit(actor, action, obj, area, message, changes=None):
    audit_record(actor=actor, action=action, obj=obj, changes=changes, message=message, area_path=area.path)


# --- volunteers and teams ----------------------------------------------------------------------


def _new_volunteer_number(courier):
    # The unified number: an area prefix, the year and random digits — never derived from the ID number.
    prefix = courier.work_area.code[:6] if courier.work_area_id else "000000"
    return f"{prefix}{timezone.localdate():%Y}{secrets.randbelow(10**8):08d}"


def volunteer_register(*, actor, courier):
    """The courier's Volunteer, created with a new volunteer number on first call (idempotent)."""
    existing = Volunteer.objects.filter(courier=courier).first()
    if existing is not None:
        return existing
    for _attempt in range(5):
        try:
            with transaction.atomic():
                volunteer = Volunteer.objects.create(
                    courier=courier, volunteer_number=_new_volunteer_number(courier)
                )
                audit_record(actor=actor, action="create", obj=volunteer, message="volunteer registered")
                return volunteer
        except IntegrityError:
            existing = Volunteer.objects.filter(courier=courier).first()
            if existing is not None:
                return existing
    raise Conflict(_("Please try again."))  # pragma: no cover - 10^8 numbers per area and year


@transaction.atomic
def team_create(*, actor, area, name, description="", handler_name="", contact_phone=""):
    if not (name or "").strip():
        raise ValidationFailed({"name": [NAME_REQUIRED]})
    team = Team.objects.create(
        area=area,
        name=name.strip(),
        description=description,
        handler_name=handler_name,
        contact_phone=contact_phone,
        created_by=actor,
    )
    _audit(actor, "create", team, area, "volunteer team created")
    return team


@transaction.atomic
def membership_apply(*, actor, volunteer, team, role, motivation=""):
    """Apply to join `team` in `role`. Raises ValidationFailed (role), Conflict (inactive, applied)."""
    if role not in VolunteerRole.values:
        raise ValidationFailed({"role": [ROLE_UNKNOWN]})
    if not team.is_active:
        raise Conflict(TEAM_INACTIVE)
    if Membership.objects.filter(team=team, volunteer=volunteer).exists():
        raise Conflict(ALREADY_APPLIED)
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                team=team, volunteer=volunteer, role=role, motivation=(motivation or "")[:500]
            )
    except IntegrityError:
        raise Conflict(ALREADY_APPLIED) from None
    _audit(actor, "create", membership, team.area, "applied to volunteer team")
    return membership


@transaction.atomic
def membership_decide(*, actor, membership, approve, note=""):
    """Approve or reject an application. Raises Conflict when it was already decided."""
    membership = Membership.objects.select_for_update().select_related("team__area").get(pk=membership.pk)
    if membership.status != Membership.Status.APPLIED:
        raise Conflict(ALREADY_DECIDED)
    membership.status = Membership.Status.APPROVED if approve else Membership.Status.REJECTED
    membership.decided_by = actor
    membership.decided_at = timezone.now()
    membership.decision_note = (note or "")[:500]
    membership.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    _audit(
        actor,
        "update",
        membership,
        membership.team.area,
        f"application {membership.status}",
        {"status": [Membership.Status.APPLIED, membership.status]},
    )
    return membership


def _require_member(volunteer, team):
    if not Membership.objects.filter(
        team=team, volunteer=volunteer, status=Membership.Status.APPROVED
    ).exists():
        raise Conflict(NOT_A_MEMBER)


@transaction.atomic
def record_entry_add(*, actor, team, volunteer, kind, title, occurred_on, content="", minutes=0):
    """Append a training, award or evaluation entry to a member's record (service comes from shifts)."""
    errors = {}
    if kind not in (RecordEntry.Kind.TRAINING, RecordEntry.Kind.AWARD, RecordEntry.Kind.EVALUATION):
        errors["kind"] = [KIND_NOT_ALLOWED]
    if not (title or "").strip():
        errors["title"] = [TITLE_REQUIRED]
    if not isinstance(minutes, int) or not 0 <= minutes <= 24 * 60:
        errors["minutes"] = [MINUTES_INVALID]
    if occurred_on is None or occurred_on > timezone.localdate():
        errors["occurred_on"] = [DATE_IN_FUTURE]
    if errors:
        raise ValidationFailed(errors)
    _require_member(volunteer, team)
    entry = RecordEntry.objects.create(
        volunteer=volunteer,
        kind=kind,
        team=team,
        title=title.strip()[:200],
        content=content or "",
        occurred_on=occurred_on,
        minutes=minutes,
        recorded_by=actor,
    )
    _audit(actor, "create", entry, team.area, f"{kind} recorded")
    return entry


# --- activities and shifts ---------------------------------------------------------------------


def _validate_shift(data, index=None):
    def key(name):
        return f"shifts[{index}].{name}" if index is not None else name

    errors = {}
    starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
    if starts_at is None or ends_at is None or ends_at <= starts_at:
        errors[key("ends_at")] = [SHIFT_ENDS_BEFORE_START]
    elif ends_at - starts_at > MAX_SHIFT:
        errors[key("ends_at")] = [SHIFT_TOO_LONG]
    if not (data.get("place_name") or "").strip():
        errors[key("place_name")] = [PLACE_REQUIRED]
    latitude, longitude = data.get("latitude"), data.get("longitude")
    if latitude is None or not -90 <= float(latitude) <= 90:
        errors[key("latitude")] = [LATITUDE_INVALID]
    if longitude is None or not -180 <= float(longitude) <= 180:
        errors[key("longitude")] = [LONGITUDE_INVALID]
    if not 1 <= int(data.get("capacity") or 0) <= 1000:
        errors[key("capacity")] = [CAPACITY_INVALID]
    if not 20 <= int(data.get("radius_meters") or 300) <= 5000:
        errors[key("radius_meters")] = [RADIUS_INVALID]
    return errors


def _shift_create(activity, data):
    return Shift.objects.create(
        activity=activity,
        starts_at=data["starts_at"],
        ends_at=data["ends_at"],
        place_name=data["place_name"].strip()[:200],
        latitude=round(float(data["latitude"]), 6),
        longitude=round(float(data["longitude"]), 6),
        radius_meters=int(data.get("radius_meters") or 300),
        capacity=int(data["capacity"]),
    )


@transaction.atomic
def activity_create(*, actor, team, title, shifts, kind=Activity.Kind.ACTIVITY, description=""):
    """An activity (or an errand: one shift, capacity 1) with its shifts. Raises ValidationFailed."""
    errors = {}
    if not (title or "").strip():
        errors["title"] = [TITLE_REQUIRED]
    if kind not in Activity.Kind.values:
        errors["kind"] = [KIND_NOT_ALLOWED]
    if not shifts:
        errors["shifts"] = [SHIFT_REQUIRED]
    if kind == Activity.Kind.ERRAND:
        if len(shifts) != 1:
            errors["shifts"] = [ERRAND_ONE_SHIFT]
        shifts = [{**shift, "capacity": 1} for shift in shifts]
    for index, shift in enumerate(shifts):
        errors.update(_validate_shift(shift, index))
    if errors:
        raise ValidationFailed(errors)
    if not team.is_active:
        raise Conflict(TEAM_INACTIVE)
    activity = Activity.objects.create(
        team=team, kind=kind, title=title.strip()[:120], description=description or "", created_by=actor
    )
    for shift in shifts:
        _shift_create(activity, shift)
    _audit(actor, "create", activity, team.area, f"{kind} created with {len(shifts)} shift(s)")
    return activity


@transaction.atomic
def activity_cancel(*, actor, activity):
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.status == Activity.Status.CANCELLED:
        raise Conflict(ACTIVITY_CANCELLED)
    activity.status = Activity.Status.CANCELLED
    activity.save(update_fields=["status", "updated_at"])
    _audit(actor, "update", activity, activity.team.area, "activity cancelled")
    return activity


# --- sign-up -----------------------------------------------------------------------------------


@transaction.atomic
def sign_up_create(*, actor, volunteer, shift, now=None):
    """Take a place on a shift (or take an errand).

    Locks the volunteer row, then the shift row, so neither the capacity nor the no-overlap rule
    can be beaten by simultaneous requests. Raises Conflict (cancelled, started, not a member, already
    signed up, overlapping) or ValidationFailed (full).
    """
    now = _now(now)
    Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    shift = Shift.objects.select_for_update().select_related("activity__team__area").get(pk=shift.pk)
    activity = shift.activity
    if activity.status != Activity.Status.OPEN:
        raise Conflict(ACTIVITY_CANCELLED)
    if shift.starts_at <= now:
        raise Conflict(SHIFT_STARTED)
    _require_member(volunteer, activity.team)
    active = SignUp.objects.filter(status=SignUp.Status.ACTIVE)
    if active.filter(shift=shift, volunteer=volunteer).exists():
        raise Conflict(ALREADY_SIGNED_UP)
    if active.filter(
        volunteer=volunteer, shift__starts_at__lt=shift.ends_at, shift__ends_at__gt=shift.starts_at
    ).exists():
        raise Conflict(OVERLAPPING_SHIFT)
    if active.filter(shift=shift).count() >= shift.capacity:
        raise ValidationFailed({"shift": [SHIFT_FULL]})
    sign_up = SignUp.objects.create(shift=shift, volunteer=volunteer)
    _audit(actor, "create", sign_up, activity.team.area, "signed up for shift")
    return sign_up


@transaction.atomic
def sign_up_cancel(*, actor, sign_up):
    sign_up = (
        SignUp.objects.select_for_update().select_related("shift__activity__team__area").get(pk=sign_up.pk)
    )
    if sign_up.status == SignUp.Status.CANCELLED:
        raise Conflict(SIGN_UP_CANCELLED)
    if sign_up.checked_in_at is not None:
        raise Conflict(CANNOT_CANCEL)
    sign_up.status = SignUp.Status.CANCELLED
    sign_up.save(update_fields=["status", "updated_at"])
    _audit(actor, "update", sign_up, sign_up.shift.activity.team.area, "sign-up cancelled")
    return sign_up


def _check_presence(shift, *, method, token, latitude, longitude, now):
    if method == SignUp.Method.QR:
        if not token:
            raise ValidationFailed({"token": [CODE_REQUIRED]})
        shift_check_in_read(token, shift=shift, now=now)
    elif method == SignUp.Method.POSITION:
        if latitude is None or longitude is None:
            raise ValidationFailed({"latitude": [POSITION_REQUIRED]})
        if not (-90 <= float(latitude) <= 90 and -180 <= float(longitude) <= 180):
            raise ValidationFailed({"latitude": [LATITUDE_INVALID]})
        distance = distance_to_shift_m(shift, latitude, longitude)
        if distance > shift.radius_meters:
            raise ValidationFailed(
                {"latitude": [TOO_FAR % {"distance": round(distance), "radius": shift.radius_meters}]}
            )
    else:
        raise ValidationFailed({"method": [METHOD_UNKNOWN]})


def _locked_sign_up(sign_up):
    sign_up = (
        SignUp.objects.select_for_update().select_related("shift__activity__team__area").get(pk=sign_up.pk)
    )
    if sign_up.status != SignUp.Status.ACTIVE:
        raise Conflict(SIGN_UP_CANCELLED)
    return sign_up


@transaction.atomic
def sign_up_check_in(*, actor, sign_up, method, token=None, latitude=None, longitude=None, now=None):
    """Check in at the place: by the shift's QR code or by position within its radius.

    Raises Conflict (already checked in, outside the window), ValidationFailed (too far, missing
    input), CheckInCodeInvalid (forged/other shift/expired code).
    """
    now = _now(now)
    sign_up = _locked_sign_up(sign_up)
    shift = sign_up.shift
    if sign_up.checked_in_at is not None:
        raise Conflict(ALREADY_CHECKED_IN)
    if not shift.starts_at - CHECK_IN_EARLY <= now <= shift.ends_at:
        raise Conflict(OUTSIDE_WINDOW)
    _check_presence(shift, method=method, token=token, latitude=latitude, longitude=longitude, now=now)
    sign_up.checked_in_at = now
    sign_up.check_in_method = method
    sign_up.save(update_fields=["checked_in_at", "check_in_method", "updated_at"])
    _audit(actor, "update", sign_up, shift.activity.team.area, f"checked in by {method}")
    return sign_up


def served_minutes(shift, checked_in_at, checked_out_at):
    """Actual service time clipped to the shift: time before the start or after the end (travel,
    waiting) does not count."""
    start = max(checked_in_at, shift.starts_at)
    end = min(checked_out_at, shift.ends_at)
    return max(0, int((end - start).total_seconds() // 60))


@transaction.atomic
def sign_up_check_out(*, actor, sign_up, method, token=None, latitude=None, longitude=None, now=None):
    """Check out at the place; computes `served_minutes`. Raises Conflict before check-in or twice."""
    now = _now(now)
    sign_up = _locked_sign_up(sign_up)
    shift = sign_up.shift
    if sign_up.checked_in_at is None:
        raise Conflict(NOT_CHECKED_IN)
    if sign_up.checked_out_at is not None:
        raise Conflict(ALREADY_CHECKED_OUT)
    _check_presence(shift, method=method, token=token, latitude=latitude, longitude=longitude, now=now)
    sign_up.checked_out_at = now
    sign_up.check_out_method = method
    sign_up.served_minutes = served_minutes(shift, sign_up.checked_in_at, now)
    sign_up.save(update_fields=["checked_out_at", "check_out_method", "served_minutes", "updated_at"])
    _audit(actor, "update", sign_up, shift.activity.team.area, f"checked out, {sign_up.served_minutes} min")
    return sign_up


# --- hours: approval and corrections -----------------------------------------------------------


def _service_entry(*, actor, sign_up, minutes, supersedes=None, reason=""):
    shift = sign_up.shift
    return RecordEntry.objects.create(
        volunteer=sign_up.volunteer,
        kind=RecordEntry.Kind.SERVICE,
        team=shift.activity.team,
        title=shift.activity.title,
        content=f"{shift.activity.get_kind_display()} · {shift.place_name}",
        occurred_on=timezone.localtime(shift.starts_at).date(),
        minutes=minutes,
        sign_up=sign_up,
        supersedes=supersedes,
        reason=reason,
        recorded_by=actor,
    )


def _check_minutes(shift, minutes, field="minutes"):
    if not isinstance(minutes, int) or minutes < 0:
        raise ValidationFailed({field: [MINUTES_INVALID]})
    if minutes > shift.duration_minutes:
        raise ValidationFailed({field: [OVER_THE_SHIFT % {"minutes": shift.duration_minutes}]})


@transaction.atomic
def hours_approve(*, actor, sign_up, minutes=None):
    """The organizer approves the served time (or fewer minutes); appends a service entry.

    Raises Conflict (not checked out, already approved) or ValidationFailed (over the shift).
    """
    sign_up = _locked_sign_up(sign_up)
    if sign_up.checked_out_at is None:
        raise Conflict(NOT_CHECKED_OUT)
    if sign_up.approved_at is not None:
        raise Conflict(ALREADY_APPROVED)
    minutes = sign_up.served_minutes if minutes is None else minutes
    _check_minutes(sign_up.shift, minutes)
    sign_up.approved_at = timezone.now()
    sign_up.approved_by = actor
    sign_up.save(update_fields=["approved_at", "approved_by", "updated_at"])
    entry = _service_entry(actor=actor, sign_up=sign_up, minutes=minutes)
    _audit(actor, "create", entry, sign_up.shift.activity.team.area, f"hours approved: {minutes} min")
    return entry


@transaction.atomic
def correction_request(*, actor, sign_up, requested_minutes, reason, now=None):
    """The volunteer asks the organizer to correct the hours of a shift (a missed check-out, say)."""
    sign_up = _locked_sign_up(sign_up)
    if not (reason or "").strip():
        raise ValidationFailed({"reason": [REASON_REQUIRED]})
    _check_minutes(sign_up.shift, requested_minutes, field="requested_minutes")
    if sign_up.shift.starts_at > _now(now):
        raise Conflict(CORRECTION_TOO_EARLY)
    if sign_up.corrections.filter(status=CorrectionRequest.Status.OPEN).exists():
        raise Conflict(CORRECTION_OPEN)
    correction = CorrectionRequest.objects.create(
        sign_up=sign_up, requested_minutes=requested_minutes, reason=reason.strip()[:500]
    )
    _audit(actor, "create", correction, sign_up.shift.activity.team.area, "hours correction requested")
    return correction


@transaction.atomic
def correction_resolve(*, actor, correction, accept, minutes=None, note=""):
    """Accept (appending a service entry that supersedes the current one) or reject a correction."""
    correction = CorrectionRequest.objects.select_for_update().get(pk=correction.pk)
    if correction.status != CorrectionRequest.Status.OPEN:
        raise Conflict(CORRECTION_DECIDED)
    sign_up = (
        SignUp.objects.select_for_update()
        .select_related("shift__activity__team__area", "volunteer")
        .get(pk=correction.sign_up_id)
    )
    area = sign_up.shift.activity.team.area
    if accept:
        minutes = correction.requested_minutes if minutes is None else minutes
        _check_minutes(sign_up.shift, minutes)
        current = selectors.effective_entries(
            sign_up.record_entries.filter(kind=RecordEntry.Kind.SERVICE)
        ).first()
        entry = _service_entry(
            actor=actor, sign_up=sign_up, minutes=minutes, supersedes=current, reason=correction.reason
        )
        if sign_up.approved_at is None:
            sign_up.approved_at = timezone.now()
            sign_up.approved_by = actor
            sign_up.save(update_fields=["approved_at", "approved_by", "updated_at"])
        correction.resulting_entry = entry
        _audit(
            actor,
            "create",
            entry,
            area,
            "hours corrected",
            {"minutes": [current.minutes if current else None, minutes]},
        )
    correction.status = CorrectionRequest.Status.ACCEPTED if accept else CorrectionRequest.Status.REJECTED
    correction.resolved_by = actor
    correction.resolved_at = timezone.now()
    correction.resolution_note = (note or "")[:500]
    correction.save()
    _audit(actor, "update", correction, area, f"correction {correction.status}")
    return correction


# --- certificates ------------------------------------------------------------------------------


@transaction.atomic
def certificate_request(*, actor, volunteer, team, period_start, period_end):
    """Ask `team` for a certificate of its own activities in a period. Free of charge.

    Raises ValidationFailed (period, or no approved hours with this team: a certificate for another
    organization's activities is asked from that organization).
    """
    if period_start is None or period_end is None or period_end < period_start:
        raise ValidationFailed({"period_end": [PERIOD_ORDER]})
    if period_end > timezone.localdate():
        raise ValidationFailed({"period_end": [PERIOD_IN_FUTURE]})
    if not selectors.total_service_minutes(
        volunteer, team=team, period_start=period_start, period_end=period_end
    ):
        raise ValidationFailed({"team": [NO_HOURS_WITH_TEAM]})
    certificate = Certificate.objects.create(
        volunteer=volunteer, team=team, period_start=period_start, period_end=period_end
    )
    _audit(actor, "create", certificate, team.area, "certificate requested")
    return certificate


ID_TYPE_LABELS = {ID_TYPE_RESIDENT: "居民身份证"}


def certificate_hash(certificate):
    """HMAC-SHA256 over everything the certificate states, keyed by a key derived from SECRET_KEY."""
    payload = json.dumps(
        {
            "number": certificate.number,
            "volunteer": str(certificate.volunteer.public_id),
            "team": str(certificate.team.public_id),
            "period": [certificate.period_start.isoformat(), certificate.period_end.isoformat()],
            "issued_at": certificate.issued_at.isoformat() if certificate.issued_at else None,
            "facts": certificate.facts,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    key = hashlib.sha256(f"nuanxin.volunteers.certificate:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def certificate_is_authentic(certificate):
    return bool(certificate.content_hash) and hmac.compare_digest(
        certificate.content_hash, certificate_hash(certificate)
    )


def _new_certificate_number(team, issued_at):
    return f"NXVC{timezone.localtime(issued_at):%Y%m%d}{secrets.randbelow(10**8):08d}"


@transaction.atomic
def certificate_issue(*, actor, certificate, now=None):
    """Issue a requested certificate: freeze its facts (only this team's entries), number and HMAC.

    Raises Conflict (already decided, team without handler/contact) or ValidationFailed (no hours).
    """
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.status != Certificate.Status.REQUESTED:
        raise Conflict(CERTIFICATE_DECIDED)
    team = Team.objects.select_related("area").get(pk=certificate.team_id)
    if not (team.handler_name and team.contact_phone):
        raise Conflict(HANDLER_REQUIRED)
    volunteer = Volunteer.objects.select_related("courier").get(pk=certificate.volunteer_id)
    entries = list(
        selectors.effective_entries(volunteer.record_entries.filter(kind=RecordEntry.Kind.SERVICE, team=team))
        .filter(occurred_on__range=(certificate.period_start, certificate.period_end))
        .order_by("occurred_on", "created_at")
    )
    total = sum(entry.minutes for entry in entries)
    if not total:
        raise ValidationFailed({"team": [NO_HOURS_WITH_TEAM]})
    issued_at = _now(now)
    courier = volunteer.courier
    certificate.number = _new_certificate_number(team, issued_at)
    certificate.issued_at = issued_at
    certificate.issued_by = actor
    certificate.status = Certificate.Status.ISSUED
    certificate.facts = {
        "name": courier.name,
        "id_type": ID_TYPE_LABELS[ID_TYPE_RESIDENT],
        "id_number_masked": courier.id_number_masked,
        "volunteer_number": volunteer.volunteer_number,
        "total_minutes": total,
        "services": [
            {
                "date": entry.occurred_on.isoformat(),
                "title": entry.title,
                "content": entry.content,
                "minutes": entry.minutes,
            }
            for entry in entries
        ],
        "issuer": team.name,
        "issuer_area": team.area.full_name,
        "handler": team.handler_name,
        "contact": team.contact_phone,
        "issued_on": timezone.localtime(issued_at).date().isoformat(),
    }
    certificate.content_hash = certificate_hash(certificate)
    certificate.save()
    _audit(actor, "update", certificate, team.area, f"certificate {certificate.number} issued")
    return certificate


@transaction.atomic
def certificate_refuse(*, actor, certificate, reason):
    certificate = Certificate.objects.select_for_update().select_related("team__area").get(pk=certificate.pk)
    if certificate.status != Certificate.Status.REQUESTED:
        raise Conflict(CERTIFICATE_DECIDED)
    if not (reason or "").strip():
        raise ValidationFailed({"reason": [REASON_REQUIRED]})
    certificate.status = Certificate.Status.REFUSED
    certificate.refusal_reason = reason.strip()[:500]
    certificate.save(update_fields=["status", "refusal_reason", "updated_at"])
    _audit(actor, "update", certificate, certificate.team.area, "certificate refused")
    return certificate
