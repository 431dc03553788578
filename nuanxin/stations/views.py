"""Server-rendered pages of the station network.

- `/m/stations/` and `/m/stations/<id>/`: the couriers' finder and station detail (mobile site).
  The finder answers an htmx request with only its results fragment (`finder.html#results`).
- `/staff/streets/` and `/staff/streets/<code>/overview/`: the street's "5个1" page for staff,
  inside the admin's look.

Views only parse input, call the finder and selectors, and shape what the templates show; the
rules live in `finder`, `hours`, `permissions` and `overview`. See docs/mobile.md.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.db.models import Avg, Count
from django.db.models.functions import Substr
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _

from nuanxin.areas.models import Area
from nuanxin.core.errors import DomainError, NotFound

from . import geo, hours
from .finder import MAX_RADIUS_M, find_nearby
from .models import Amenity, ResourceItem, ServiceContact, Station
from .overview import street_list_for, street_overview_get

FINDER_LIMIT = 20
DEFAULT_RADIUS_M = 5_000
# With no location of the courier, the list is "nearest the centre", so it reaches further.
CENTRE_RADIUS_M = MAX_RADIUS_M
# The root of an area path, "/120000000000/": the city (or province) a station lies in.
ROOT_PATH_LENGTH = 14

LOCATION_INCOMPLETE = _("Give both latitude and longitude, or neither.")
UNKNOWN_AREA = _("Unknown area code.")
SOURCE_DEVICE = _("Showing the stations nearest to you.")
SOURCE_LINK = _("Showing the stations nearest to %(lat).5f, %(lng).5f, the place given in the link.")
SOURCE_CENTRE = _(
    "Your location is not known, so these are the stations nearest the centre of %(area)s. "
    "Tap “Locate me” to see the ones nearest to you."
)
DISTANCE_METRES = _("%(distance)d m")
DISTANCE_KILOMETRES = _("%(distance).1f km")
YOU_ARE_HERE = _("You are here")
OPEN_NOW = _("Open now")
CLOSED_NOW = _("Closed now")
SEARCH_CENTRE = _("Centre of the search")
STATION_PHONE = _("Station phone")
AMENITY_CHART_TITLE = _("Stations offering each amenity")
STATUS_CHART_TITLE = _("Stations by rollout status")


# --- input -------------------------------------------------------------------------------------


class FinderQuery(forms.Form):
    """The finder's query string. Every field is optional; the page says what it fell back to."""

    lat = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    lng = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180)
    crs = forms.ChoiceField(
        label=_("Coordinate system"), required=False, choices=[(crs, crs) for crs in geo.CRS_CHOICES]
    )
    amenity = forms.MultipleChoiceField(label=_("Amenities"), required=False)
    open_now = forms.BooleanField(label=_("Open now"), required=False)
    radius_m = forms.IntegerField(label=_("Radius"), required=False, min_value=1, max_value=MAX_RADIUS_M)
    area = forms.RegexField(label=_("Area"), required=False, regex=r"^\d{12}$")
    loc = forms.ChoiceField(label=_("Location source"), required=False, choices=[("device", "device")])
    view = forms.ChoiceField(label=_("View"), required=False, choices=[("list", "list"), ("map", "map")])

    def __init__(self, *args, amenities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amenity"].choices = [(amenity.code, amenity.code) for amenity in amenities]

    def clean(self):
        data = super().clean()
        has_lat = data.get("lat") is not None
        has_lng = data.get("lng") is not None
        if has_lat != has_lng and "lat" not in self.errors and "lng" not in self.errors:
            self.add_error("lng" if has_lat else "lat", LOCATION_INCOMPLETE)
        return data


@dataclass
class Origin:
    """Where the search starts, in the coordinate system `crs`, and how we came by it."""

    latitude: float
    longitude: float
    crs: str
    source: str  # "device" (locate me), "link" (?lat=&lng=) or "centre" (no location)
    area: Area | None = None

    @property
    def is_known_position(self):
        return self.source != "centre"


@dataclass
class StationCard:
    """One row of the finder's list and one marker of its map."""

    public_id: str
    name: str
    address: str
    url: str
    is_open_now: bool
    distance: str
    amenities: list = field(default_factory=list)  # [(icon, label)]
    map_latitude: float = 0.0
    map_longitude: float = 0.0


# --- helpers -----------------------------------------------------------------------------------


def is_htmx_fragment_request(request):
    """An htmx request that wants a fragment. History restores need the whole page."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def map_crs():
    """The coordinate system markers are drawn in: that of the configured tiles."""
    crs = (settings.NUANXIN_MAP_TILE_CRS or "").lower()
    return crs if crs in geo.CRS_CHOICES else "wgs84"


def map_config():
    """What static/js/map.js needs: where Leaflet is, and the tile layer (empty = none)."""
    return {
        "leafletJs": static("vendor/leaflet/leaflet.js"),
        "leafletCss": static("vendor/leaflet/leaflet.css"),
        "tileUrl": settings.NUANXIN_MAP_TILE_URL,
        "tileAttribution": settings.NUANXIN_MAP_TILE_ATTRIBUTION,
        # For a tile URL with {s}; AutoNavi's servers are webrd01..04, so "1234" there.
        "tileSubdomains": settings.NUANXIN_MAP_TILE_SUBDOMAINS,
        "crs": map_crs(),
    }


def to_map(latitude, longitude):
    """A WGS-84 point in the map's coordinate system, rounded for the page."""
    lat, lng = geo.from_wgs84(latitude, longitude, map_crs())
    return round(lat, 6), round(lng, 6)


def amenity_label(amenity):
    language = translation.get_language() or settings.LANGUAGE_CODE
    if language.startswith("en") and amenity.name_en:
        return amenity.name_en
    return amenity.name


def format_distance(metres):
    if metres < 1000:
        return DISTANCE_METRES % {"distance": metres}
    return DISTANCE_KILOMETRES % {"distance": metres / 1000}


def tel_href(phone):
    """`tel:` link for a phone number as people write it ("022-2730 1234" → tel:02227301234)."""
    return "tel:" + re.sub(r"[^\d+]", "", phone)


def fallback_centre(area=None):
    """(area, wgs84 latitude, wgs84 longitude) to search from when the courier's position is
    unknown: the mean position of the public stations of `area`, or else of the city (the root
    area) that has the most public stations. None when there is no public station.

    One aggregate query (plus one for the city's name).
    """
    stations = Station.objects.filter(is_public=True)
    if area is not None:
        centre = stations.filter(area__path__startswith=area.path).aggregate(
            latitude=Avg("latitude"), longitude=Avg("longitude")
        )
        if centre["latitude"] is None:
            return None
        return area, centre["latitude"], centre["longitude"]
    busiest = (
        stations.annotate(root=Substr("area__path", 1, ROOT_PATH_LENGTH))
        .values("root")
        .annotate(count=Count("id"), latitude=Avg("latitude"), longitude=Avg("longitude"))
        .order_by("-count", "root")
        .first()
    )
    if busiest is None:
        return None
    return Area.objects.filter(path=busiest["root"]).first(), busiest["latitude"], busiest["longitude"]


def _query_string(params, **changes):
    """The finder's current query with some parameters changed (None removes one)."""
    merged = {key: value for key, value in params.items() if value not in (None, "", [])}
    for key, value in changes.items():
        if value in (None, "", []):
            merged.pop(key, None)
        else:
            merged[key] = value
    return urlencode(merged, doseq=True)


# --- the finder --------------------------------------------------------------------------------


def _origin_from(query, errors):
    if query.get("lat") is not None:
        return Origin(
            latitude=query["lat"],
            longitude=query["lng"],
            crs=query.get("crs") or "wgs84",
            source="device" if query.get("loc") == "device" else "link",
        )
    area = None
    if query.get("area"):
        area = Area.objects.filter(code=query["area"]).first()
        if area is None:
            errors.append((_("Area"), UNKNOWN_AREA))
            return None
    centre = fallback_centre(area)
    if centre is None:
        return None
    centre_area, latitude, longitude = centre
    return Origin(latitude=latitude, longitude=longitude, crs="wgs84", source="centre", area=centre_area)


def _notice_for(origin):
    if origin.source == "device":
        return SOURCE_DEVICE
    if origin.source == "link":
        return SOURCE_LINK % {"lat": origin.latitude, "lng": origin.longitude}
    area_name = origin.area.name if origin.area is not None else settings.NUANXIN_SITE_NAME
    return SOURCE_CENTRE % {"area": area_name}


def _card(result, origin):
    station = result.station
    map_lat, map_lng = to_map(station.latitude, station.longitude)
    return StationCard(
        public_id=str(station.public_id),
        name=station.name,
        address=station.address,
        url=reverse("mobile_stations:detail", args=[station.public_id]),
        is_open_now=result.is_open_now,
        distance=format_distance(result.distance_m) if origin.is_known_position else "",
        amenities=[(amenity.icon, amenity_label(amenity)) for amenity in station.amenities.all()],
        map_latitude=map_lat,
        map_longitude=map_lng,
    )


def _map_data(cards, origin):
    here = None
    if origin is not None:
        wgs_lat, wgs_lng = geo.to_wgs84(origin.latitude, origin.longitude, origin.crs)
        lat, lng = to_map(wgs_lat, wgs_lng)
        label = YOU_ARE_HERE if origin.source == "device" else SEARCH_CENTRE
        here = {"lat": lat, "lng": lng, "label": str(label)}
    return {
        "points": [
            {
                "name": card.name,
                "url": card.url,
                "lat": card.map_latitude,
                "lng": card.map_longitude,
                "active": card.is_open_now,
                "lines": [
                    line
                    for line in (
                        str(OPEN_NOW if card.is_open_now else CLOSED_NOW),
                        card.distance,
                        card.address,
                    )
                    if line
                ],
            }
            for card in cards
        ],
        "here": here,
    }


def station_finder(request):
    """The nearest public stations as a list and a map, with "open now" and amenity filters."""
    amenities = list(Amenity.objects.filter(is_active=True))
    form = FinderQuery(request.GET, amenities=amenities)
    errors = []  # [(label, message)]
    origin = None
    cards = []
    radius_m = None
    query = {}
    if form.is_valid():
        query = form.cleaned_data
        origin = _origin_from(query, errors)
    else:
        for name, messages in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            errors.extend((label, message) for message in messages)

    if origin is not None and not errors:
        default_radius = DEFAULT_RADIUS_M if origin.is_known_position else CENTRE_RADIUS_M
        radius_m = query.get("radius_m") or default_radius
        try:
            results = find_nearby(
                latitude=origin.latitude,
                longitude=origin.longitude,
                crs=origin.crs,
                amenity_codes=query.get("amenity") or (),
                open_now=bool(query.get("open_now")),
                radius_m=radius_m,
                limit=FINDER_LIMIT,
            )
        except DomainError as error:
            label = form.fields[error.field].label if error.field in form.fields else ""
            errors.append((label, error.text()))
        else:
            cards = [_card(result, origin) for result in results]

    # The search as understood, echoed into the form's hidden fields so a filter change keeps it.
    cleaned = getattr(form, "cleaned_data", {})
    state = {key: cleaned.get(key) for key in ("crs", "loc", "area", "radius_m")}
    if cleaned.get("lat") is not None and cleaned.get("lng") is not None:
        state.update(lat=cleaned["lat"], lng=cleaned["lng"])
    can_widen = bool(origin and not cards and not errors and radius_m and radius_m < MAX_RADIUS_M)
    if can_widen:
        # The "search wider" button sends radius_m itself; a hidden copy would contradict it.
        state.pop("radius_m")
    selected_amenities = set(request.GET.getlist("amenity"))
    view = request.GET.get("view") if request.GET.get("view") in ("list", "map") else "list"
    params = {key: request.GET.getlist(key) for key in request.GET}
    finder_url = reverse("mobile_stations:finder")
    context = {
        "active_tab": "map" if view == "map" else "stations",
        "view": view,
        "amenities": [
            {"code": amenity.code, "icon": amenity.icon, "label": amenity_label(amenity)}
            for amenity in amenities
        ],
        "selected_amenities": selected_amenities,
        "open_now": request.GET.get("open_now") in ("1", "true", "on", "True"),
        "origin": origin,
        "state": state,
        "notice": _notice_for(origin) if origin is not None else None,
        "has_stations": origin is not None or bool(errors),
        "errors": errors,
        "cards": cards,
        "radius_m": radius_m,
        "radius_km": (radius_m or 0) / 1000,
        "can_widen": can_widen,
        "wide_radius_m": MAX_RADIUS_M,
        "wide_radius_km": MAX_RADIUS_M // 1000,
        "map_data": _map_data(cards, origin),
        "map_config": map_config(),
        "tab_urls": {
            "stations": f"{finder_url}?{_query_string(params, view=None)}".rstrip("?"),
            "map": f"{finder_url}?{_query_string(params, view='map')}",
        },
    }
    status = 400 if errors else 200
    template = "stations/pages/finder.html"
    if is_htmx_fragment_request(request):
        template += "#results"
    response = render(request, template, context, status=status)
    # The same URL answers a fragment to htmx and a page to the browser: caches must tell them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- the station detail ------------------------------------------------------------------------


def directions_links(station):
    """Plain links that hand the station to a map app; nothing is fetched from them here.

    geo: (RFC 5870) takes WGS-84; the AutoNavi (Amap), Baidu (`coord_type=gcj02`) and Tencent URI
    APIs take GCJ-02 here. Amap and Tencent open a riding route; Baidu a marker (its route URI
    wants an origin).
    """
    wgs_lat, wgs_lng = station.latitude, station.longitude
    gcj_lat, gcj_lng = geo.wgs84_to_gcj02(wgs_lat, wgs_lng)
    name = station.name
    amap = "https://uri.amap.com/navigation?" + urlencode(
        {
            "to": f"{gcj_lng:.6f},{gcj_lat:.6f},{name.replace(',', ' ')}",
            "mode": "ride",
            "coordinate": "gaode",
            "callnative": "1",
            "src": "nuanxin",
        }
    )
    baidu = "https://api.map.baidu.com/marker?" + urlencode(
        {
            "location": f"{gcj_lat:.6f},{gcj_lng:.6f}",
            "title": name,
            "content": station.address,
            "coord_type": "gcj02",
            "output": "html",
            "src": "webapp.nuanxin.stations",
        }
    )
    tencent = "https://apis.map.qq.com/uri/v1/routeplan?" + urlencode(
        {
            "type": "bike",
            "to": name,
            "tocoord": f"{gcj_lat:.6f},{gcj_lng:.6f}",
            "referer": "nuanxin",
        }
    )
    geo_uri = f"geo:{wgs_lat:.6f},{wgs_lng:.6f}?q={wgs_lat:.6f},{wgs_lng:.6f}({quote(name)})"
    return {"amap": amap, "baidu": baidu, "tencent": tencent, "geo": geo_uri}


def station_detail(request, public_id):
    """One public station: hours per weekday, amenities, contacts, photos and directions."""
    station = get_object_or_404(
        Station.objects.filter(is_public=True)
        .select_related("area")
        .prefetch_related("amenities", "contacts", "photos", "opening_periods"),
        public_id=public_id,
    )
    today = timezone.localtime(timezone.now(), hours.SHANGHAI).weekday()
    contacts = []
    if station.phone:
        contacts.append({"title": STATION_PHONE, "name": "", "phone": station.phone})
    contacts.extend(
        {"title": contact.title, "name": contact.name, "phone": contact.phone}
        for contact in station.contacts.all()
    )
    for contact in contacts:
        contact["href"] = tel_href(contact["phone"])
    context = {
        "station": station,
        "is_open_now": hours.station_is_open_now(station),
        "hours": [
            {"label": label, "text": text, "is_today": weekday == today}
            for weekday, (label, text) in enumerate(hours.describe_hours(station))
        ],
        "amenities": [
            {"icon": amenity.icon, "label": amenity_label(amenity)} for amenity in station.amenities.all()
        ],
        "contacts": contacts,
        "photos": list(station.photos.all()),
        "directions": directions_links(station),
        "finder_url": reverse("mobile_stations:finder"),
        "active_tab": "stations",
    }
    return render(request, "stations/pages/station_detail.html", context)


# --- staff: the street's 5个1 ------------------------------------------------------------------


def _admin_context(request, title):
    return {**admin.site.each_context(request), "title": title}


def admin_change_url(obj):
    """The object's change page in the back office, or None while the admin does not register it."""
    meta = obj._meta
    try:
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return None


def admin_changelist_url(model):
    """The model's list in the back office (area-scoped there), or None when it is not registered."""
    meta = model._meta
    try:
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    except NoReverseMatch:
        return None


def station_admin_url(station):
    return admin_change_url(station)


def _percent(part, whole):
    return round(100 * part / whole) if whole else 0


@login_required
def street_list(request):
    """The streets of the signed-in staff member's area, each linking to its 5个1 page."""
    try:
        streets = street_list_for(actor=request.user)
    except NotFound:
        raise Http404 from None
    context = _admin_context(request, _("Streets: the “5个1” overview"))
    context.update(
        {
            "streets": streets,
            "station_total": sum(row.station_count for row in streets),
            "public_station_total": sum(row.public_station_count for row in streets),
        }
    )
    return render(request, "stations/pages/staff_street_list.html", context)


@login_required
def street_overview(request, area_code):
    """The street's "5个1": base map, contact table, resource list, goods cabinet, steward."""
    try:
        overview = street_overview_get(actor=request.user, area_code=area_code)
    except NotFound:
        raise Http404 from None
    stations = overview.stations
    admin_urls = {station.pk: admin_change_url(station) for station in stations}
    points = []
    for station in stations:
        lat, lng = to_map(station.latitude, station.longitude)
        points.append(
            {
                "name": station.name,
                "url": admin_urls[station.pk],
                "lat": lat,
                "lng": lng,
                "active": station.is_public,
                "lines": [str(station.get_status_display()), station.address],
            }
        )
    station_count = len(stations)
    status_counts = dict.fromkeys(Station.Status.values, 0)
    for station in stations:
        status_counts[station.status] += 1
    status_rows = [
        {"status": status, "label": label, "count": status_counts[status]}
        for status, label in Station.Status.choices
    ]
    amenity_rows = [
        {
            "icon": row.amenity.icon,
            "label": amenity_label(row.amenity),
            "stations": row.stations,
            "count": len(row.stations),
            "percent": _percent(len(row.stations), station_count),
        }
        for row in overview.amenity_summary
    ]
    context = _admin_context(request, _("%(street)s: the “5个1” overview") % {"street": overview.area.name})
    context.update(
        {
            "overview": overview,
            "station_count": station_count,
            "station_rows": [
                {
                    "station": station,
                    "admin_url": admin_urls[station.pk],
                    "amenities": [amenity_label(amenity) for amenity in station.amenities.all()],
                }
                for station in stations
            ],
            "status_rows": status_rows,
            "amenity_rows": amenity_rows,
            "contact_rows": [
                {"contact": contact, "admin_url": admin_change_url(contact)}
                for contact in overview.service_contacts
            ],
            "resource_rows": [
                {"item": item, "admin_url": admin_change_url(item)} for item in overview.resource_items
            ],
            "steward_rows": [
                {"user": row.user, "stations": row.stations, "admin_url": admin_change_url(row.user)}
                for row in overview.stewards
            ],
            "admin_links": {
                "stations": admin_changelist_url(Station),
                "contacts": admin_changelist_url(ServiceContact),
                "resources": admin_changelist_url(ResourceItem),
            },
            "chart_data": {
                "amenities": {
                    "labels": [row["label"] for row in amenity_rows],
                    "counts": [row["count"] for row in amenity_rows],
                    "total": station_count,
                    "title": str(AMENITY_CHART_TITLE),
                },
                "statuses": {
                    "labels": [str(row["label"]) for row in status_rows],
                    "counts": [row["count"] for row in status_rows],
                    "title": str(STATUS_CHART_TITLE),
                },
            },
            "map_data": {"points": points, "here": None},
            "map_config": map_config(),
        }
    )
    return render(request, "stations/pages/staff_street_overview.html", context)
