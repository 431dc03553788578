"""The courier's volunteer pages (/m/volunteer/…) and the public certificate verification page.

    /m/volunteer/                          overview: number, hours, stars, what is due now, links
    /m/volunteer/teams/                    teams of my work area (?all=1: every team), my applications
    /m/volunteer/teams/<id>/               a team; apply with a role and a motivation
    /m/volunteer/shifts/                   open shifts and errands; sign up
    /m/volunteer/shifts/<id>/check-in/     what the shift's QR poster opens (?token=…): 签到 / 签退
    /m/volunteer/sign-ups/                 my sign-ups: cancel, check in/out by position or scan
    /m/volunteer/sign-ups/<id>/            one sign-up: times, served and approved minutes, corrections
    /m/volunteer/scan/                     the camera scanner (or a pasted link) → the check-in page
    /m/volunteer/record/                   my volunteer record
    /m/volunteer/certificates/             my certificates and the request form

Pages call the same selectors and services as the API. A refused action is shown as a message (or,
on a form, as field messages with status 400) and changes nothing. Another courier's sign-up or
certificate answers 404. Every write is a POST; a GET never checks anyone in, so a link preview in
a chat cannot either.
"""

import uuid
from functools import wraps
from urllib.parse import parse_qs, urlencode, urlsplit

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from nuanxin.core.errors import DomainError, NotFound, ValidationFailed
from nuanxin.core.permissions import get_visible_or_404
from nuanxin.couriers.decorators import courier_login_required

from . import selectors, services
from .certificate_pdf import certificate_pdf, hours_text
from .checkin import (
    CheckInCodeInvalid,
    position_to_wgs84,
    shift_check_in_read,
    shift_public_hex_from_token,
)
from .forms import ApplyForm, CertificateForm, CorrectionForm
from .models import Certificate, CorrectionRequest, Membership, Shift, SignUp, Volunteer

NOT_A_VOLUNTEER = _("Become a volunteer first.")
REGISTERED = _("Welcome! Your volunteer number is %(number)s.")
APPLIED = _("Your application has been sent to the team; you will see its answer here.")
SIGNED_UP = _("You are signed up. Check in at the place when the shift starts.")
CANCELLED = _("Your sign-up has been cancelled.")
CHECKED_IN = _("Checked in at %(time)s.")
CHECKED_OUT = _("Checked out at %(time)s: %(minutes)d minutes served, waiting for the organizer's approval.")
CORRECTION_SENT = _("Your correction request has been sent to the organizer.")
CERTIFICATE_REQUESTED = _("Your certificate request has been sent to the team.")
NOT_SIGNED_UP = _("You have not signed up for this shift, so you cannot check in to it.")
NOT_A_CHECK_IN_CODE = _("This is not a volunteer check-in code. Scan the poster put up at the place.")

ACTION_CHECK_IN = "check_in"
ACTION_CHECK_OUT = "check_out"


# --- helpers -----------------------------------------------------------------------------------


def _volunteer(courier):
    return Volunteer.objects.filter(courier=courier).select_related("courier").first()


def volunteer_required(view):
    """A courier page that needs the courier to be a volunteer: `request.volunteer`; a courier who
    is not one yet is sent to the overview, which offers to register."""

    @courier_login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.volunteer = _volunteer(request.courier)
        if request.volunteer is None:
            messages.info(request, NOT_A_VOLUNTEER)
            return redirect("volunteers:home")
        return view(request, *args, **kwargs)

    return wrapper


def _get_or_404(getter, **kwargs):
    try:
        return getter(**kwargs)
    except NotFound:
        raise Http404() from None


def _my_sign_up(request, public_id):
    return _get_or_404(selectors.sign_up_get_for_volunteer, volunteer=request.volunteer, public_id=public_id)


def _next_or(request, default):
    """The POSTed `next` when it is a page of this site, else `default`."""
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return default


def _add_service_errors(form, error):
    if isinstance(error, ValidationFailed):
        for field, field_messages in error.errors.items():
            for message in field_messages:
                form.add_error(field if field in form.fields else None, str(message))
    else:
        form.add_error(None, error.text())


def _clock(moment):
    return f"{timezone.localtime(moment):%H:%M}"


def _describe(sign_up, now):
    """Attach what the courier may do with this sign-up now (the services still decide)."""
    shift = sign_up.shift
    is_active = sign_up.status == SignUp.Status.ACTIVE
    opens_at = shift.starts_at - services.CHECK_IN_EARLY
    sign_up.check_in_opens_at = opens_at
    sign_up.can_check_in = is_active and sign_up.checked_in_at is None and opens_at <= now <= shift.ends_at
    sign_up.can_check_out = is_active and sign_up.checked_in_at is not None and sign_up.checked_out_at is None
    sign_up.is_due = sign_up.can_check_in or sign_up.can_check_out
    sign_up.check_in_not_open_yet = is_active and sign_up.checked_in_at is None and now < opens_at
    sign_up.can_cancel = is_active and sign_up.checked_in_at is None and now < shift.ends_at
    corrections = list(sign_up.corrections.all())
    sign_up.correction_list = corrections
    sign_up.has_open_correction = any(c.status == CorrectionRequest.Status.OPEN for c in corrections)
    sign_up.can_correct = is_active and shift.starts_at <= now and not sign_up.has_open_correction
    entries = getattr(sign_up, "effective_service_entries", None)
    if entries is None:
        entries = list(
            selectors.effective_entries(sign_up.record_entries.filter(kind="service")).order_by("-created_at")
        )
    sign_up.approved_minutes = entries[0].minutes if entries else None
    return sign_up


def _with_hours(volunteer):
    return selectors.sign_ups_with_hours(volunteer)


def _nav(tab, **context):
    return {"tab": tab, **context}


# --- overview, registration, record ------------------------------------------------------------


@courier_login_required
def home(request):
    """Overview: volunteer number, hours and star level, what is due now, open shifts, links."""
    volunteer = _volunteer(request.courier)
    context = _nav("home", volunteer=volunteer)
    if volunteer is not None:
        now = timezone.now()
        minutes = selectors.total_service_minutes(volunteer)
        sign_ups = [
            _describe(sign_up, now)
            for sign_up in _with_hours(volunteer).filter(
                status=SignUp.Status.ACTIVE, shift__ends_at__gte=now - services.CHECK_IN_EARLY
            )[:20]
        ]
        context.update(
            hours=hours_text(minutes),
            stars=selectors.star_level(minutes),
            next_star=selectors.next_star_hours(minutes),
            due=[sign_up for sign_up in sign_ups if sign_up.is_due],
            upcoming=[s for s in sign_ups if not s.is_due and s.shift.starts_at > now],
            memberships=selectors.memberships_for_volunteer(volunteer),
            shifts=selectors.open_shifts_with_places(now=now)[:3],
            certificates_count=volunteer.certificates.count(),
        )
    return render(request, "volunteers/pages/home.html", context)


@require_POST
@courier_login_required
def register(request):
    volunteer = services.volunteer_register(actor=request.user, courier=request.courier)
    messages.success(request, REGISTERED % {"number": volunteer.volunteer_number})
    return redirect("volunteers:home")


@volunteer_required
def record(request):
    """My whole record, corrections and the entries they superseded included."""
    entries = selectors.record_for_volunteer(request.volunteer)[:200]
    minutes = selectors.total_service_minutes(request.volunteer)
    return render(
        request, "volunteers/pages/record.html", _nav("record", entries=entries, hours=hours_text(minutes))
    )


# --- teams -------------------------------------------------------------------------------------


@volunteer_required
def teams(request):
    """Teams of my work area (its line: the street, the communities below it, the district and city
    above it); ?all=1 shows every active team. And my applications with their status."""
    area = request.courier.work_area
    show_all = request.GET.get("all") == "1" or area is None
    team_list = list(selectors.teams_for_courier(area=None if show_all else area))
    memberships = list(selectors.memberships_for_volunteer(request.volunteer))
    by_team = {membership.team_id: membership for membership in memberships}
    for team in team_list:
        team.my_membership = by_team.get(team.pk)
    context = _nav("teams", teams=team_list, memberships=memberships, area=area, show_all=show_all)
    return render(request, "volunteers/pages/teams.html", context)


@volunteer_required
@require_http_methods(["GET", "POST"])
def team_detail(request, public_id):
    """A team and the application form (role, motivation)."""
    team = _get_or_404(get_visible_or_404, queryset=selectors.teams_for_courier(), public_id=public_id)
    membership = request.volunteer.memberships.filter(team=team).first()
    form = ApplyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.membership_apply(
                    actor=request.user, volunteer=request.volunteer, team=team, **form.cleaned_data
                )
            except DomainError as error:
                _add_service_errors(form, error)
            else:
                messages.success(request, APPLIED)
                return redirect("volunteers:teams")
        status = 400
    context = _nav("teams", team=team, membership=membership, form=form)
    return render(request, "volunteers/pages/team_detail.html", context, status=status)


# --- shifts and sign-ups -----------------------------------------------------------------------


@volunteer_required
def shifts(request):
    """Open shifts and errands, soonest first, with the places taken; mine are marked."""
    now = timezone.now()
    shift_list = list(selectors.open_shifts_with_places(now=now)[:100])
    mine = set(
        request.volunteer.sign_ups.filter(status=SignUp.Status.ACTIVE, shift__in=shift_list).values_list(
            "shift_id", flat=True
        )
    )
    approved = request.volunteer.memberships.filter(status=Membership.Status.APPROVED)
    member_of = set(approved.values_list("team_id", flat=True))
    for shift in shift_list:
        shift.is_mine = shift.pk in mine
        shift.is_member = shift.activity.team_id in member_of
        shift.is_full = shift.taken >= shift.capacity
    return render(request, "volunteers/pages/shifts.html", _nav("shifts", shifts=shift_list))


@require_POST
@volunteer_required
def sign_up(request, public_id):
    open_shifts = selectors.open_shifts_for_courier(now=timezone.now())
    shift = _get_or_404(get_visible_or_404, queryset=open_shifts, public_id=public_id)
    try:
        services.sign_up_create(actor=request.user, volunteer=request.volunteer, shift=shift)
    except DomainError as error:
        messages.error(request, error.text())
        return redirect(_next_or(request, reverse("volunteers:shifts")))
    messages.success(request, SIGNED_UP)
    return redirect("volunteers:sign_ups")


@volunteer_required
def sign_ups(request):
    """My sign-ups, newest shift first: check in/out (position or scan), cancel, hours."""
    now = timezone.now()
    sign_up_list = [_describe(sign_up, now) for sign_up in _with_hours(request.volunteer)[:100]]
    return render(request, "volunteers/pages/sign_ups.html", _nav("sign_ups", sign_ups=sign_up_list))


def _sign_up_page(request, sign_up, *, form=None, status=200):
    sign_up = _describe(sign_up, timezone.now())
    form = form or CorrectionForm(
        initial={"requested_minutes": sign_up.served_minutes or sign_up.shift.duration_minutes}
    )
    context = _nav("sign_ups", sign_up=sign_up, shift=sign_up.shift, form=form)
    return render(request, "volunteers/pages/sign_up_detail.html", context, status=status)


@volunteer_required
def sign_up_detail(request, public_id):
    return _sign_up_page(request, _my_sign_up(request, public_id))


@require_POST
@volunteer_required
def sign_up_cancel(request, public_id):
    sign_up = _my_sign_up(request, public_id)
    try:
        services.sign_up_cancel(actor=request.user, sign_up=sign_up)
    except DomainError as error:
        messages.error(request, error.text())
    else:
        messages.success(request, CANCELLED)
    return redirect(_next_or(request, reverse("volunteers:sign_ups")))


def _float_or_none(value):
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def _presence_done(request, sign_up, action):
    if action == ACTION_CHECK_OUT:
        messages.success(
            request,
            CHECKED_OUT % {"time": _clock(sign_up.checked_out_at), "minutes": sign_up.served_minutes},
        )
    else:
        messages.success(request, CHECKED_IN % {"time": _clock(sign_up.checked_in_at)})


@require_POST
@volunteer_required
def sign_up_position(request, public_id):
    """Check in or out by the phone's position (`latitude`, `longitude` in `crs`, wgs84 or gcj02).
    Too far away is refused with the distance; the page then says how to use the QR poster."""
    sign_up = _my_sign_up(request, public_id)
    action = ACTION_CHECK_OUT if request.POST.get("action") == ACTION_CHECK_OUT else ACTION_CHECK_IN
    service = services.sign_up_check_out if action == ACTION_CHECK_OUT else services.sign_up_check_in
    try:
        latitude, longitude = position_to_wgs84(
            _float_or_none(request.POST.get("latitude")),
            _float_or_none(request.POST.get("longitude")),
            request.POST.get("crs") or "wgs84",
        )
        sign_up = service(
            actor=request.user, sign_up=sign_up, method="position", latitude=latitude, longitude=longitude
        )
    except DomainError as error:
        messages.error(request, error.text())
    else:
        _presence_done(request, sign_up, action)
    return redirect(_next_or(request, reverse("volunteers:sign_up_detail", args=[sign_up.public_id])))


@require_POST
@volunteer_required
def sign_up_correction(request, public_id):
    """Ask the organizer to correct the hours of this shift (requested minutes, reason)."""
    sign_up = _my_sign_up(request, public_id)
    form = CorrectionForm(request.POST)
    if form.is_valid():
        try:
            services.correction_request(actor=request.user, sign_up=sign_up, **form.cleaned_data)
        except DomainError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, CORRECTION_SENT)
            return redirect("volunteers:sign_up_detail", sign_up.public_id)
    return _sign_up_page(request, sign_up, form=form, status=400)


# --- check-in by the poster's QR code ----------------------------------------------------------


def _check_in_url(shift_public_id, token):
    return f"{reverse('volunteers:shift_check_in', args=[shift_public_id])}?{urlencode({'token': token})}"


@courier_login_required
@require_http_methods(["GET", "POST"])
def shift_check_in(request, public_id):
    """What the poster's QR code opens: the shift, my sign-up and a 签到 / 签退 button posting the
    token. A forged or expired code, no sign-up, or a refusal of the service is shown (status 400)
    and changes nothing."""
    shift = get_object_or_404(Shift.objects.select_related("activity__team__area"), public_id=public_id)
    token = (request.POST.get("token") if request.method == "POST" else request.GET.get("token")) or ""
    volunteer = _volunteer(request.courier)
    sign_up = selectors.active_sign_up_for_shift(volunteer=volunteer, shift=shift)
    error = None
    token_refused = False
    try:
        shift_check_in_read(token, shift=shift)
    except CheckInCodeInvalid as refusal:
        error, token_refused = refusal.text(), True
    if error is None and sign_up is None:
        error = NOT_SIGNED_UP
    if request.method == "POST" and error is None:
        action = request.POST.get("action")
        if action not in (ACTION_CHECK_IN, ACTION_CHECK_OUT):
            action = ACTION_CHECK_IN if sign_up.checked_in_at is None else ACTION_CHECK_OUT
        service = services.sign_up_check_out if action == ACTION_CHECK_OUT else services.sign_up_check_in
        try:
            sign_up = service(actor=request.user, sign_up=sign_up, method="qr", token=token)
        except DomainError as refusal:
            error = refusal.text()
            token_refused = isinstance(refusal, CheckInCodeInvalid)
            sign_up.refresh_from_db()
        else:
            _presence_done(request, sign_up, action)
            return redirect(_check_in_url(shift.public_id, token))
    context = _nav(
        "sign_ups",
        shift=shift,
        token=token,
        sign_up=_describe(sign_up, timezone.now()) if sign_up is not None else None,
        volunteer=volunteer,
        error=error,
        token_refused=token_refused,
    )
    return render(request, "volunteers/pages/check_in.html", context, status=400 if error else 200)


def check_in_target(text):
    """The site-relative check-in page a scanned text leads to, or None.

    Accepts the poster's URL (any host: only its path and token are used, so the scanner never
    sends anyone to another site) or the bare signed token."""
    text = (text or "").strip()
    parts = urlsplit(text)
    if parts.scheme in ("http", "https") or text.startswith("/"):
        try:
            match = resolve(parts.path)
        except Resolver404:
            return None
        token = (parse_qs(parts.query).get("token") or [""])[0]
        if match.view_name != "volunteers:shift_check_in" or not token:
            return None
        return _check_in_url(match.kwargs["public_id"], token)
    shift_hex = shift_public_hex_from_token(text)
    if shift_hex is None:
        return None
    try:
        return _check_in_url(uuid.UUID(shift_hex), text)
    except ValueError:
        return None


@courier_login_required
@require_http_methods(["GET", "POST"])
def scan(request):
    """The scanner: static/js/scan.js reads the poster's QR code with the camera (or the courier
    pastes the link) and posts it here; we go to that shift's check-in page."""
    error = None
    if request.method == "POST":
        target = check_in_target(request.POST.get("token"))
        if target is not None:
            return redirect(target)
        error = NOT_A_CHECK_IN_CODE
    return render(
        request, "volunteers/pages/scan.html", _nav("sign_ups", error=error), status=400 if error else 200
    )


# --- certificates ------------------------------------------------------------------------------


@volunteer_required
@require_http_methods(["GET", "POST"])
def certificates(request):
    """My certificates (status, refusal reason, PDF) and the request form: a team I served with and
    a period. Field messages come from the form and the service."""
    teams_served = list(selectors.teams_served_with(request.volunteer))
    form = CertificateForm(request.POST or None, teams=teams_served)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.certificate_request(
                    actor=request.user, volunteer=request.volunteer, **form.cleaned_data
                )
            except DomainError as error:
                _add_service_errors(form, error)
            else:
                messages.success(request, CERTIFICATE_REQUESTED)
                return redirect("volunteers:certificates")
        status = 400
    context = _nav(
        "certificates",
        form=form,
        has_teams=bool(teams_served),
        certificates=selectors.certificates_for_volunteer(request.volunteer),
    )
    return render(request, "volunteers/pages/certificates.html", context, status=status)


@volunteer_required
def certificate_download(request, public_id):
    certificate = _get_or_404(
        selectors.certificate_get_for_volunteer, volunteer=request.volunteer, public_id=public_id
    )
    if certificate.status != Certificate.Status.ISSUED:
        raise Http404
    url = request.build_absolute_uri(reverse("volunteers:verify", args=[certificate.number]))
    response = HttpResponse(certificate_pdf(certificate, verify_url=url), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{certificate.number}.pdf"'
    return response


def verify_certificate(request, number):
    """Public: confirms a certificate by its number, showing only the name and the certificate facts."""
    certificate = selectors.certificate_get_by_number(number)
    is_authentic = certificate is not None and services.certificate_is_authentic(certificate)
    context = {
        "number": number,
        "certificate": certificate if is_authentic else None,
        "found": certificate is not None,
    }
    if is_authentic:
        context["hours"] = hours_text(certificate.facts["total_minutes"])
    return render(request, "volunteers/pages/verify.html", context, status=200 if is_authentic else 404)
