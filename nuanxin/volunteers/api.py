"""The JSON API of volunteering, mounted at /api/v1/ ("/" router).

Courier endpoints (`/volunteer/…`): register, my record (hours, star level, entries), teams and
applying, open shifts, sign-up/cancel, check-in/out, corrections, certificates (request, list, PDF).
Staff endpoints (`/manage/volunteer/…`, area-scoped): teams, applications, record entries,
activities/errands with shifts, a shift's check-in code, its printable QR poster (poster.pdf) and
sign-ups, hours approval, corrections, certificate requests (issue, refuse). Rows outside the
caller's area answer 404.
"""

import uuid

from django.db.models import Count, Q
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Router, Status

from nuanxin.areas.models import Area
from nuanxin.core.api import AUTH
from nuanxin.core.errors import Conflict, NotFound, ValidationFailed
from nuanxin.core.permissions import get_visible_or_404, object_in_actor_area
from nuanxin.couriers.permissions import require_courier

from . import selectors, services
from .certificate_pdf import certificate_pdf
from .checkin import position_to_wgs84, shift_check_in_path, shift_check_in_token
from .models import Certificate, CorrectionRequest, Membership, SignUp, Team, Volunteer
from .permissions import require_volunteer_manager
from .posters import shift_posters_pdf
from .schemas import (
    ActivityIn,
    ActivityOut,
    ApplyIn,
    ApproveIn,
    CertificateIn,
    CertificateOut,
    CheckInCodeOut,
    CorrectionIn,
    CorrectionOut,
    DecideIn,
    MembershipOut,
    PresenceIn,
    RecordEntryIn,
    RecordEntryOut,
    RefuseIn,
    ResolveIn,
    ShiftOut,
    SignUpOut,
    TeamIn,
    TeamOut,
    VolunteerOut,
    certificate_out,
    correction_out,
    membership_out,
    record_entry_out,
    shift_out,
    sign_up_out,
    team_out,
)

AREA_UNKNOWN = _("No area in your area has this code.")
NOT_A_VOLUNTEER = _("Register as a volunteer first.")
VOLUNTEER_UNKNOWN = _("No volunteer has this number.")
NOT_ISSUED = _("This certificate has not been issued.")

router = Router()
courier_router = Router(tags=["volunteers (courier)"], auth=AUTH)
manage_router = Router(tags=["volunteers (staff)"], auth=AUTH)


def _volunteer(request):
    courier = require_courier(request)
    volunteer = Volunteer.objects.filter(courier=courier).select_related("courier").first()
    if volunteer is None:
        raise Conflict(NOT_A_VOLUNTEER)
    return volunteer


def volunteer_out(volunteer):
    minutes = selectors.total_service_minutes(volunteer)
    return {
        "volunteer_number": volunteer.volunteer_number,
        "name": volunteer.courier.name,
        "approved_minutes": minutes,
        "approved_hours": round(minutes / 60, 1),
        "star_level": selectors.star_level(minutes),
        "next_star_hours": selectors.next_star_hours(minutes),
    }


def _with_taken(queryset):
    return queryset.annotate(taken=Count("sign_ups", filter=Q(sign_ups__status=SignUp.Status.ACTIVE)))


def verify_url(request, certificate):
    return request.build_absolute_uri(reverse("volunteers:verify", args=[certificate.number]))


# --- courier -----------------------------------------------------------------------------------


@courier_router.post("/volunteer/register", response=VolunteerOut)
def register(request):
    """Become a volunteer (idempotent): a unified volunteer number is assigned."""
    courier = require_courier(request)
    volunteer = services.volunteer_register(actor=request.user, courier=courier)
    return volunteer_out(volunteer)


@courier_router.get("/volunteer/me", response=VolunteerOut)
def me(request):
    return volunteer_out(_volunteer(request))


@courier_router.get("/volunteer/me/record", response=list[RecordEntryOut])
def my_record(request):
    """My whole record, corrections and the entries they superseded included."""
    return [record_entry_out(entry) for entry in selectors.record_for_volunteer(_volunteer(request))]


@courier_router.get("/volunteer/teams", response=list[TeamOut])
def teams(request):
    require_courier(request)
    return [team_out(team) for team in selectors.teams_for_courier()]


@courier_router.post("/volunteer/teams/{uuid:team_id}/apply", response={201: MembershipOut})
def apply(request, team_id: uuid.UUID, payload: ApplyIn):
    volunteer = _volunteer(request)
    team = get_visible_or_404(selectors.teams_for_courier(), public_id=team_id)
    membership = services.membership_apply(
        actor=request.user, volunteer=volunteer, team=team, role=payload.role, motivation=payload.motivation
    )
    return Status(201, membership_out(membership))


@courier_router.get("/volunteer/memberships", response=list[MembershipOut])
def my_memberships(request):
    volunteer = _volunteer(request)
    return [membership_out(m) for m in volunteer.memberships.select_related("team", "volunteer__courier")]


@courier_router.get("/volunteer/shifts", response=list[ShiftOut])
def open_shifts(request):
    """Upcoming shifts and errands of active teams, soonest first."""
    require_courier(request)
    shifts = _with_taken(selectors.open_shifts_for_courier(now=timezone.now()))[:100]
    return [shift_out(shift, shift.taken) for shift in shifts]


@courier_router.post("/volunteer/shifts/{uuid:shift_id}/sign-up", response={201: SignUpOut})
def sign_up(request, shift_id: uuid.UUID):
    """Take a place (or an errand). 422 when full, 409 when overlapping or not a member."""
    volunteer = _volunteer(request)
    shift = get_visible_or_404(selectors.open_shifts_for_courier(now=timezone.now()), public_id=shift_id)
    return Status(
        201, sign_up_out(services.sign_up_create(actor=request.user, volunteer=volunteer, shift=shift))
    )


@courier_router.get("/volunteer/sign-ups", response=list[SignUpOut])
def my_sign_ups(request):
    volunteer = _volunteer(request)
    return [
        sign_up_out(s)
        for s in selectors.sign_ups_for_volunteer(volunteer).select_related("volunteer__courier")
    ]


def _my_sign_up(request, sign_up_id):
    volunteer = _volunteer(request)
    return selectors.sign_up_get_for_volunteer(volunteer=volunteer, public_id=sign_up_id)


@courier_router.post("/volunteer/sign-ups/{uuid:sign_up_id}/cancel", response=SignUpOut)
def cancel(request, sign_up_id: uuid.UUID):
    return sign_up_out(services.sign_up_cancel(actor=request.user, sign_up=_my_sign_up(request, sign_up_id)))


def _presence(payload):
    presence = payload.dict()
    crs = presence.pop("crs")
    presence["latitude"], presence["longitude"] = position_to_wgs84(
        presence["latitude"], presence["longitude"], crs
    )
    return presence


@courier_router.post("/volunteer/sign-ups/{uuid:sign_up_id}/check-in", response=SignUpOut)
def check_in(request, sign_up_id: uuid.UUID, payload: PresenceIn):
    """At the place: `method` "qr" with the scanned `token`, or "position" with lat/lng in `crs`
    ("wgs84", the default, or "gcj02")."""
    sign_up = _my_sign_up(request, sign_up_id)
    return sign_up_out(services.sign_up_check_in(actor=request.user, sign_up=sign_up, **_presence(payload)))


@courier_router.post("/volunteer/sign-ups/{uuid:sign_up_id}/check-out", response=SignUpOut)
def check_out(request, sign_up_id: uuid.UUID, payload: PresenceIn):
    sign_up = _my_sign_up(request, sign_up_id)
    return sign_up_out(services.sign_up_check_out(actor=request.user, sign_up=sign_up, **_presence(payload)))


@courier_router.post("/volunteer/sign-ups/{uuid:sign_up_id}/corrections", response={201: CorrectionOut})
def correction_create(request, sign_up_id: uuid.UUID, payload: CorrectionIn):
    sign_up = _my_sign_up(request, sign_up_id)
    correction = services.correction_request(
        actor=request.user,
        sign_up=sign_up,
        requested_minutes=payload.requested_minutes,
        reason=payload.reason,
    )
    return Status(201, correction_out(correction))


@courier_router.post("/volunteer/certificates", response={201: CertificateOut})
def certificate_create(request, payload: CertificateIn):
    """Ask a team for a free certificate of its own activities in a period."""
    volunteer = _volunteer(request)
    team = get_visible_or_404(Team.objects.select_related("area"), public_id=payload.team_id)
    certificate = services.certificate_request(
        actor=request.user,
        volunteer=volunteer,
        team=team,
        period_start=payload.period_start,
        period_end=payload.period_end,
    )
    return Status(201, certificate_out(certificate))


@courier_router.get("/volunteer/certificates", response=list[CertificateOut])
def my_certificates(request):
    volunteer = _volunteer(request)
    return [certificate_out(c) for c in selectors.certificates_for_volunteer(volunteer)]


@courier_router.get("/volunteer/certificates/{uuid:certificate_id}/pdf")
def my_certificate_pdf(request, certificate_id: uuid.UUID):
    volunteer = _volunteer(request)
    certificate = selectors.certificate_get_for_volunteer(volunteer=volunteer, public_id=certificate_id)
    if certificate.status != Certificate.Status.ISSUED:
        raise NotFound(NOT_ISSUED)
    response = HttpResponse(
        certificate_pdf(certificate, verify_url=verify_url(request, certificate)),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'inline; filename="{certificate.number}.pdf"'
    return response


# --- staff -------------------------------------------------------------------------------------


def _manager(request):
    return require_volunteer_manager(request.user)


@manage_router.get("/volunteer/teams", response=list[TeamOut])
def manage_teams(request):
    return [team_out(team) for team in selectors.team_scope(_manager(request))]


@manage_router.post("/volunteer/teams", response={201: TeamOut})
def manage_team_create(request, payload: TeamIn):
    actor = _manager(request)
    area = Area.objects.filter(code=payload.area_code).first()
    if area is None or not object_in_actor_area(actor, area):
        raise ValidationFailed({"area_code": [AREA_UNKNOWN]})
    team = services.team_create(actor=actor, area=area, **payload.dict(exclude={"area_code"}))
    return Status(201, team_out(team))


@manage_router.get("/volunteer/teams/{uuid:team_id}/memberships", response=list[MembershipOut])
def manage_memberships(request, team_id: uuid.UUID, status: str | None = None):
    actor = _manager(request)
    team = selectors.team_get(actor=actor, public_id=team_id)
    memberships = selectors.membership_scope(actor).filter(team=team)
    if status:
        memberships = memberships.filter(status=status)
    return [membership_out(m) for m in memberships]


@manage_router.post("/volunteer/memberships/{uuid:membership_id}/decide", response=MembershipOut)
def manage_membership_decide(request, membership_id: uuid.UUID, payload: DecideIn):
    actor = _manager(request)
    membership = get_visible_or_404(selectors.membership_scope(actor), public_id=membership_id)
    return membership_out(
        services.membership_decide(
            actor=actor, membership=membership, approve=payload.approve, note=payload.note
        )
    )


@manage_router.post("/volunteer/teams/{uuid:team_id}/record-entries", response={201: RecordEntryOut})
def manage_record_entry_add(request, team_id: uuid.UUID, payload: RecordEntryIn):
    """Append training, an award or an evaluation to a member's record."""
    actor = _manager(request)
    team = selectors.team_get(actor=actor, public_id=team_id)
    volunteer = Volunteer.objects.filter(volunteer_number=payload.volunteer_number).first()
    if (
        volunteer is None
        or not volunteer.memberships.filter(team=team, status=Membership.Status.APPROVED).exists()
    ):
        raise ValidationFailed({"volunteer_number": [VOLUNTEER_UNKNOWN]})
    entry = services.record_entry_add(
        actor=actor, team=team, volunteer=volunteer, **payload.dict(exclude={"volunteer_number"})
    )
    return Status(201, record_entry_out(entry))


@manage_router.get("/volunteer/teams/{uuid:team_id}/record-entries", response=list[RecordEntryOut])
def manage_record_entries(request, team_id: uuid.UUID):
    actor = _manager(request)
    team = selectors.team_get(actor=actor, public_id=team_id)
    entries = (
        selectors.record_entry_scope(actor).filter(team=team).select_related("supersedes", "superseded_by")
    )
    return [record_entry_out(entry) for entry in entries[:500]]


def _activity_out(activity):
    shifts = _with_taken(activity.shifts.select_related("activity__team"))
    return {
        "id": activity.public_id,
        "team_id": activity.team.public_id,
        "kind": activity.kind,
        "title": activity.title,
        "description": activity.description,
        "status": activity.status,
        "shifts": [shift_out(shift, shift.taken) for shift in shifts],
    }


@manage_router.post("/volunteer/activities", response={201: ActivityOut})
def manage_activity_create(request, payload: ActivityIn):
    """An activity with shifts, or an errand (跑腿, `kind` "errand": one shift, one volunteer)."""
    actor = _manager(request)
    team = get_visible_or_404(selectors.team_scope(actor), public_id=payload.team_id)
    activity = services.activity_create(
        actor=actor,
        team=team,
        kind=payload.kind,
        title=payload.title,
        description=payload.description,
        shifts=[shift.dict() for shift in payload.shifts],
    )
    return Status(201, _activity_out(activity))


@manage_router.get("/volunteer/activities/{uuid:activity_id}", response=ActivityOut)
def manage_activity(request, activity_id: uuid.UUID):
    actor = _manager(request)
    return _activity_out(get_visible_or_404(selectors.activity_scope(actor), public_id=activity_id))


@manage_router.post("/volunteer/activities/{uuid:activity_id}/cancel", response=ActivityOut)
def manage_activity_cancel(request, activity_id: uuid.UUID):
    actor = _manager(request)
    activity = get_visible_or_404(selectors.activity_scope(actor), public_id=activity_id)
    return _activity_out(services.activity_cancel(actor=actor, activity=activity))


@manage_router.get("/volunteer/shifts/{uuid:shift_id}/check-in-code", response=CheckInCodeOut)
def manage_check_in_code(request, shift_id: uuid.UUID):
    """The signed token of the shift, the check-in address its QR code carries and the poster PDF."""
    actor = _manager(request)
    shift = get_visible_or_404(selectors.shift_scope(actor), public_id=shift_id)
    return {
        "token": shift_check_in_token(shift),
        "check_in_url": request.build_absolute_uri(shift_check_in_path(shift)),
        "poster_url": reverse("api:volunteers_shift_poster_pdf", args=[shift.public_id]),
    }


@manage_router.get("/volunteer/shifts/{uuid:shift_id}/poster.pdf", url_name="volunteers_shift_poster_pdf")
def manage_shift_poster(request, shift_id: uuid.UUID):
    """The printable A4 check-in poster of a shift: activity, time, place and the QR code that opens
    the check-in page (/m/volunteer/shifts/<id>/check-in/?token=…)."""
    actor = _manager(request)
    shift = get_visible_or_404(selectors.shift_scope(actor), public_id=shift_id)
    pdf = shift_posters_pdf([(shift, request.build_absolute_uri(shift_check_in_path(shift)))])
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="shift-poster-{shift.public_id.hex[:8]}.pdf"'
    return response


@manage_router.get("/volunteer/shifts/{uuid:shift_id}/sign-ups", response=list[SignUpOut])
def manage_shift_sign_ups(request, shift_id: uuid.UUID):
    actor = _manager(request)
    shift = get_visible_or_404(selectors.shift_scope(actor), public_id=shift_id)
    return [sign_up_out(s) for s in selectors.sign_up_scope(actor).filter(shift=shift)]


@manage_router.get("/volunteer/approvals", response=list[SignUpOut])
def manage_pending_approvals(request):
    """Checked-out sign-ups whose hours wait for the organizer."""
    return [sign_up_out(s) for s in selectors.pending_approvals(_manager(request))[:200]]


@manage_router.post("/volunteer/sign-ups/{uuid:sign_up_id}/approve", response={201: RecordEntryOut})
def manage_approve(request, sign_up_id: uuid.UUID, payload: ApproveIn):
    """Approve the served minutes (or fewer, never more than the shift): appends a service entry."""
    actor = _manager(request)
    sign_up = get_visible_or_404(selectors.sign_up_scope(actor), public_id=sign_up_id)
    return Status(
        201, record_entry_out(services.hours_approve(actor=actor, sign_up=sign_up, minutes=payload.minutes))
    )


@manage_router.get("/volunteer/corrections", response=list[CorrectionOut])
def manage_corrections(request, status: str = CorrectionRequest.Status.OPEN):
    return [
        correction_out(c) for c in selectors.correction_scope(_manager(request)).filter(status=status)[:200]
    ]


@manage_router.post("/volunteer/corrections/{uuid:correction_id}/resolve", response=CorrectionOut)
def manage_correction_resolve(request, correction_id: uuid.UUID, payload: ResolveIn):
    actor = _manager(request)
    correction = get_visible_or_404(selectors.correction_scope(actor), public_id=correction_id)
    correction = services.correction_resolve(actor=actor, correction=correction, **payload.dict())
    return correction_out(get_visible_or_404(selectors.correction_scope(actor), pk=correction.pk))


@manage_router.get("/volunteer/certificates", response=list[CertificateOut])
def manage_certificates(request, status: str | None = None):
    certificates = selectors.certificate_scope(_manager(request))
    if status:
        certificates = certificates.filter(status=status)
    return [certificate_out(c) for c in certificates[:200]]


@manage_router.post("/volunteer/certificates/{uuid:certificate_id}/issue", response=CertificateOut)
def manage_certificate_issue(request, certificate_id: uuid.UUID):
    """Issue a requested certificate for this team's own activities (free of charge)."""
    actor = _manager(request)
    certificate = get_visible_or_404(selectors.certificate_scope(actor), public_id=certificate_id)
    return certificate_out(services.certificate_issue(actor=actor, certificate=certificate))


@manage_router.post("/volunteer/certificates/{uuid:certificate_id}/refuse", response=CertificateOut)
def manage_certificate_refuse(request, certificate_id: uuid.UUID, payload: RefuseIn):
    actor = _manager(request)
    certificate = get_visible_or_404(selectors.certificate_scope(actor), public_id=certificate_id)
    return certificate_out(
        services.certificate_refuse(actor=actor, certificate=certificate, reason=payload.reason)
    )


@manage_router.get("/volunteer/certificates/{uuid:certificate_id}/pdf")
def manage_certificate_pdf(request, certificate_id: uuid.UUID):
    actor = _manager(request)
    certificate = get_visible_or_404(
        selectors.certificate_scope(actor).filter(status=Certificate.Status.ISSUED), public_id=certificate_id
    )
    response = HttpResponse(
        certificate_pdf(certificate, verify_url=verify_url(request, certificate)),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'inline; filename="{certificate.number}.pdf"'
    return response


router.add_router("/", courier_router)
router.add_router("/manage/", manage_router)
