"""The courier's meal pages (/m/meals/…): the offers nearby and the QR code to show the merchant.

The code page loads the QR by POSTing to /m/meals/<offer>/code/ (htmx, on load and again before
the code expires), so a code is issued only while the page is open and each refresh replaces the
one before (older codes stop working).
"""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from nuanxin.core.errors import NotFound, ValidationFailed
from nuanxin.couriers.decorators import courier_login_required

from . import selectors, services
from .qr import qr_svg

# Refresh this many seconds before the code expires, so the screen never shows a dead code.
REFRESH_MARGIN_SECONDS = 20


def _float(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


@require_GET
@courier_login_required
def meal_list(request):
    latitude, longitude = _float(request.GET.get("lat")), _float(request.GET.get("lng"))
    if latitude is not None and longitude is not None and -90 <= latitude <= 90 and -180 <= longitude <= 180:
        rows = selectors.offers_nearby(latitude=latitude, longitude=longitude)
    elif request.courier.work_area_id is not None:
        rows = selectors.offers_in_area(area=request.courier.work_area)
    else:
        rows = []
    offers = [
        {"offer": offer, "distance_m": distance, "is_served_now": served} for offer, distance, served in rows
    ]
    return render(
        request,
        "merchants/pages/meal_list.html",
        {"offers": offers, "has_location": latitude is not None, "active_tab": "home"},
    )


def _offer_or_404(public_id):
    try:
        return selectors.public_offer_get(public_id=public_id)
    except NotFound:
        raise Http404() from None


@require_GET
@courier_login_required
def meal_code_page(request, public_id):
    offer = _offer_or_404(public_id)
    return render(request, "merchants/pages/meal_code.html", {"offer": offer, "active_tab": "home"})


@require_POST
@courier_login_required
def meal_code_fragment(request, public_id):
    offer = _offer_or_404(public_id)
    try:
        code, token = services.meal_code_issue(courier=request.courier, offer=offer)
    except ValidationFailed as error:
        return render(
            request, "merchants/pages/_meal_code_refused.html", {"message": error.text()}, status=400
        )
    ttl = int((code.expires_at - code.created_at).total_seconds())
    response = render(
        request,
        "merchants/pages/_meal_code.html",
        {
            "code": code,
            "offer": offer,
            "svg": qr_svg(token),
            "refresh_seconds": max(ttl - REFRESH_MARGIN_SECONDS, 5),
        },
    )
    response["Cache-Control"] = "no-store"
    return response
