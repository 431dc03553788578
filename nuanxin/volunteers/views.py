"""Mobile pages of volunteering and the public certificate verification page.

Pages call the same selectors and services as the API; a refusal is shown as a message.
"""

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from nuanxin.core.errors import DomainError, NotFound
from nuanxin.core.permissions import get_visible_or_404
from nuanxin.couriers.decorators import courier_login_required

from . import selectors, services
from .certificate_pdf import certificate_pdf, hours_text
from .models import Certificate, SignUp, Volunteer


def _volunteer(courier):
    return Volunteer.objects.filter(courier=courier).select_related("courier").first()


@courier_login_required
def home(request):
    """My volunteer number, hours and star level, teams, sign-ups, open shifts, record and certificates."""
    volunteer = _volunteer(request.courier)
    context = {"volunteer": volunteer}
    if volunteer is not None:
        minutes = selectors.total_service_minutes(volunteer)
        context.update(
            hours=hours_text(minutes),
            stars=selectors.star_level(minutes),
            next_star=selectors.next_star_hours(minutes),
            memberships=volunteer.memberships.select_related("team"),
            sign_ups=selectors.sign_ups_for_volunteer(volunteer)[:20],
            shifts=selectors.open_shifts_for_courier(now=timezone.now()).annotate(
                taken=Count("sign_ups", filter=Q(sign_ups__status=SignUp.Status.ACTIVE))
            )[:20],
            entries=selectors.record_for_volunteer(volunteer)[:50],
            certificates=selectors.certificates_for_volunteer(volunteer),
        )
    return render(request, "volunteers/pages/home.html", context)


@require_POST
@courier_login_required
def register(request):
    services.volunteer_register(actor=request.user, courier=request.courier)
    return redirect("volunteers:home")


@require_POST
@courier_login_required
def sign_up(request, public_id):
    volunteer = _volunteer(request.courier)
    if volunteer is None:
        return redirect("volunteers:home")
    try:
        shift = get_visible_or_404(selectors.open_shifts_for_courier(now=timezone.now()), public_id=public_id)
    except NotFound:
        raise Http404 from None
    try:
        services.sign_up_create(actor=request.user, volunteer=volunteer, shift=shift)
    except DomainError as error:
        messages.error(request, error.text())
    return redirect("volunteers:home")


@courier_login_required
def certificate_download(request, public_id):
    volunteer = _volunteer(request.courier)
    if volunteer is None:
        raise Http404
    try:
        certificate = selectors.certificate_get_for_volunteer(volunteer=volunteer, public_id=public_id)
    except NotFound:
        raise Http404 from None
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
