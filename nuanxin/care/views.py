"""The courier's pages of the catalog and the station check-in (/m/services/, /m/check-in/<token>/).

- /m/services/ is public: the published catalog, by station (?station=<id>) or area (?area=<code>),
  one kind at a time (?kind=…); a signed-in courier without a filter sees their work area's.
- /m/check-in/<token>/ is what the station poster's QR code opens. It asks the courier to sign in
  (and comes back), shows the station, and checks in on "Check in" (POST: a GET never counts a
  visit, so a link preview cannot check anyone in). A forged, revoked or expired poster shows why.
"""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from nuanxin.areas.models import Area
from nuanxin.couriers.decorators import courier_login_required
from nuanxin.stations.models import Station

from . import selectors, services
from .models import ServiceItem


def service_list(request):
    station = area = None
    station_id = request.GET.get("station")
    area_code = request.GET.get("area")
    try:
        if station_id:
            station = Station.objects.select_related("area").get(public_id=station_id, is_public=True)
        elif area_code:
            area = Area.objects.get(code=area_code)
    except (Station.DoesNotExist, Area.DoesNotExist, ValidationError, ValueError):
        raise Http404() from None
    profile = getattr(request.user, "courier_profile", None) if request.user.is_authenticated else None
    if station is None and area is None and profile is not None and profile.work_area_id:
        area = profile.work_area
    kind = request.GET.get("kind") or ""
    if kind not in ServiceItem.Kind.values:
        kind = ""
    items = list(selectors.service_item_list_public(station=station, area=area, kind=kind or None))
    return render(
        request,
        "care/pages/service_list.html",
        {
            "items": items,
            "station": station,
            "area": area,
            "kind": kind,
            "kinds": ServiceItem.Kind.choices,
            "active_tab": "services",
        },
    )


@courier_login_required
@require_http_methods(["GET", "POST"])
def check_in(request, token):
    context = {"active_tab": "services", "token": token}
    try:
        poster = services.poster_for_token(token)
    except services.CheckInRefused as error:
        return render(request, "care/pages/check_in.html", {**context, "error": error.text()}, status=400)
    context["station"] = poster.station
    if request.method == "POST":
        try:
            visit, created = services.visit_check_in(courier=request.courier, token=token)
        except services.CheckInRefused as error:
            return render(request, "care/pages/check_in.html", {**context, "error": error.text()}, status=400)
        context.update(visit=visit, counted=created)
    return render(request, "care/pages/check_in.html", context)
