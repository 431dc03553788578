"""Back-office pages of service cards (/staff/cards/…): the list of the streets and communities
of the signed-in staff member's area, and the PDF downloads. Another area's code answers 404."""

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from nuanxin.areas.models import Area
from nuanxin.core.errors import NotFound

from .permissions import card_area_get, card_area_scope, may_download_cards
from .rendering import service_card_pdf, service_manual_pdf

MOBILE_HOME = "/m/"


def mobile_site_url(request):
    """The absolute address of the mobile site, the target of every card's QR code."""
    return request.build_absolute_uri(MOBILE_HOME)


def _pdf(content, filename):
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _area_or_404(request, code, levels=None):
    try:
        if levels is None:
            return card_area_get(actor=request.user, code=code)
        return card_area_get(actor=request.user, code=code, levels=levels)
    except NotFound:
        raise Http404() from None


@login_required
def card_list(request):
    if not may_download_cards(request.user):
        raise Http404()
    areas = list(card_area_scope(request.user).order_by("path")[:500])
    context = {**admin.site.each_context(request), "title": _("Service cards and manuals"), "areas": areas}
    context["street_level"] = Area.Level.STREET
    return render(request, "cards/card_list.html", context)


@login_required
def card_pdf(request, code):
    area = _area_or_404(request, code)
    return _pdf(
        service_card_pdf(area=area, mobile_url=mobile_site_url(request)), f"service-card-{area.code}.pdf"
    )


@login_required
def manual_pdf(request, code):
    area = _area_or_404(request, code, levels=(Area.Level.STREET,))
    return _pdf(
        service_manual_pdf(area=area, mobile_url=mobile_site_url(request)), f"service-manual-{area.code}.pdf"
    )
