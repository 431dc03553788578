"""The public station API (N2): the finder, one station, and a GeoJSON layer. No sign-in.

    GET /api/v1/stations/nearby        nearest public stations, open now, with amenities
    GET /api/v1/stations.geojson       public stations as a GeoJSON FeatureCollection
    GET /api/v1/stations/{id}          one public station, everything it shows the public

Coordinates come and go in the requested `crs` (wgs84 or gcj02); storage is WGS-84. Bad input
answers 422 naming the parameter, in the request's language (see docs/finder.md).

Handlers only parse and shape; the searching and reading live in `finder`, the hours rules in
`hours`.
"""

import datetime
import json

from django.http import HttpResponse
from django.utils import timezone
from ninja import Query, Router

from . import finder, geo, hours
from .models import StandardItem
from .schemas import DetailQuery, MapQuery, NearbyOut, NearbyQuery, StationDetailOut
from .views import amenity_label, directions_links

router = Router(tags=["stations"])

GEOJSON_CONTENT_TYPE = "application/geo+json"


def amenity_codes_of(values):
    """Amenity codes from a repeated and/or comma-separated query parameter."""
    return [code.strip() for value in values for code in value.split(",") if code.strip()]


def _minutes_to_time(minutes):
    minutes %= hours.MINUTES_PER_DAY
    return datetime.time(minutes // 60, minutes % 60)


def intervals_text(intervals):
    """'08:00–12:00, 14:00–20:00', '22:00–06:00 (next day)', 'Open 24 hours' or 'Closed'."""
    if not intervals:
        return str(hours.CLOSED_LABEL)
    return ", ".join(
        hours.describe_period(_minutes_to_time(start), _minutes_to_time(end)) for start, end in intervals
    )


def moment(at):
    """The moment "open" is judged at: `at` (naive = Beijing time) or now."""
    if at is None:
        return timezone.now()
    return timezone.make_aware(at, hours.SHANGHAI) if timezone.is_naive(at) else at


def _clock(value):
    return None if value is None else f"{value.hour:02d}:{value.minute:02d}"


# --- nearby -------------------------------------------------------------------------------------


@router.get("/stations/nearby", response=NearbyOut, summary="Nearest public stations")
def stations_nearby(request, query: Query[NearbyQuery]):
    """The nearest public stations to a point, nearest first, within `radius_m`.

    422 naming the parameter for an unknown crs or amenity, coordinates out of range, or a radius
    or limit out of bounds.
    """
    results = finder.find_nearby(
        latitude=query.lat,
        longitude=query.lng,
        crs=query.crs.strip().lower(),
        amenity_codes=amenity_codes_of(query.amenity),
        open_now=query.open_now,
        radius_m=query.radius_m,
        limit=query.limit,
        at=moment(query.at),
    )
    return {
        "items": [
            {
                "id": result.station.public_id,
                "name": result.station.name,
                "address": result.station.address,
                "lat": result.latitude,
                "lng": result.longitude,
                "distance_m": result.distance_m,
                "is_open_now": result.is_open_now,
                "amenities": [amenity.code for amenity in result.station.amenities.all()],
                "phone": result.station.phone,
                "host_type": result.station.host_type,
                "host_type_label": str(result.station.get_host_type_display()),
                "status": result.station.status,
                "is_24_hours": result.station.is_24_hours,
                "today_hours": intervals_text(result.today_intervals),
                "area": result.station.area.name,
            }
            for result in results
        ]
    }


# --- the map layer (before /stations/{id} only for readability: the paths cannot collide) ----------


@router.get(
    "/stations.geojson",
    summary="Public stations as GeoJSON",
    openapi_extra={
        "responses": {
            200: {
                "description": "A GeoJSON FeatureCollection (RFC 7946) of Point features",
                "content": {GEOJSON_CONTENT_TYPE: {"schema": {"type": "object"}}},
            }
        }
    },
)
def stations_geojson(request, query: Query[MapQuery]):
    """Public stations as a FeatureCollection, coordinates [lng, lat] in `crs`.

    Properties: id, name, address, amenities (codes), is_open_now. At most `limit` features in a
    stable order; the collection's `truncated` member says whether more stations matched
    (narrow the bbox then). 422 naming the parameter for a malformed bbox, unknown crs or amenity.
    """
    crs = query.crs.strip().lower()
    stations, is_truncated = finder.stations_in_box(
        crs=crs,
        bbox=finder.parse_bbox(query.bbox),
        amenity_codes=amenity_codes_of(query.amenity),
        limit=query.limit,
        at=moment(query.at),
    )
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": str(station.public_id),
                "geometry": {"type": "Point", "coordinates": [station.longitude, station.latitude]},
                "properties": {
                    "id": str(station.public_id),
                    "name": station.name,
                    "address": station.address,
                    "amenities": station.amenity_codes,
                    "is_open_now": station.is_open_now,
                },
            }
            for station in stations
        ],
        "crs_name": crs,
        "truncated": is_truncated,
    }
    return HttpResponse(
        json.dumps(collection, ensure_ascii=False, separators=(",", ":")), content_type=GEOJSON_CONTENT_TYPE
    )


# --- one station --------------------------------------------------------------------------------


def _weekday_hours(station, today_weekday):
    periods = {weekday: [] for weekday in range(7)}
    if station.is_24_hours:
        for weekday in periods:
            periods[weekday].append({"opens_at": "00:00", "closes_at": "00:00"})
    else:
        for weekday, opens_at, closes_at in sorted(hours.periods_of(station), key=lambda p: (p[0], p[1])):
            periods[weekday].append({"opens_at": _clock(opens_at), "closes_at": _clock(closes_at)})
    return [
        {
            "weekday": weekday,
            "label": label,
            "text": text,
            "is_today": weekday == today_weekday,
            "periods": periods[weekday],
        }
        for weekday, (label, text) in enumerate(hours.describe_hours(station))
    ]


def _standard(station):
    checks = {check.item: check for check in station.standard_checks.all()}
    items = []
    for item in StandardItem:
        check = checks.get(item.value)
        items.append(
            {
                "item": item.value,
                "label": str(item.label),
                "is_met": bool(check and check.is_met),
                "inspected_on": check.inspected_on if check else None,
            }
        )
    return {"met": sum(1 for item in items if item["is_met"]), "total": len(items), "items": items}


def _steward_name(station):
    steward = station.steward
    if steward is None or not steward.is_active:
        return None
    # Never the user name: it is an account identifier, not a name to show.
    return steward.display_name or steward.get_full_name() or None


@router.get(
    "/stations/{station_id}",
    response=StationDetailOut,
    summary="One public station",
    openapi_extra={"responses": {404: {"description": "No public station has this id"}}},
)
def station_detail(request, station_id: str, query: Query[DetailQuery]):
    """Everything a public station shows: hours, special days ahead, amenities, photos, contacts,
    steward, 六有 summary and directions links. 404 for a missing or non-public station."""
    crs = query.crs.strip().lower()
    if crs not in geo.CRS_CHOICES:
        raise finder.InvalidSearch(finder.UNKNOWN_CRS, field="crs", params={"value": query.crs})
    now = moment(query.at)
    station = finder.public_station_get(station_id, at=now)
    today = timezone.localtime(now, hours.SHANGHAI).date()
    lat, lng = geo.from_wgs84(station.latitude, station.longitude, crs)
    special_days_ahead = sorted(station.special_days_ahead, key=lambda day: day.date)
    special_today = {
        day.date: hours.special_day_hours(day) for day in special_days_ahead if day.date == today
    }
    holidays = finder.public_holidays_ahead(at=now) if station.closes_on_public_holidays else []
    today_intervals = finder.OpenCheck(now).today_intervals(
        schedule=station.schedule,
        closes_on_public_holidays=station.closes_on_public_holidays,
        special_days=special_today,
    )
    contacts = [
        {"title": contact.title, "name": contact.name, "phone": contact.phone}
        for contact in station.contacts.all()
    ]
    return {
        "id": station.public_id,
        "name": station.name,
        "address": station.address,
        "lat": lat,
        "lng": lng,
        "crs": crs,
        "description": station.description,
        "host_type": station.host_type,
        "host_type_label": str(station.get_host_type_display()),
        "host_organization": station.host_organization,
        "status": station.status,
        "status_label": str(station.get_status_display()),
        "demonstration_batch": station.demonstration_batch.name if station.demonstration_batch else None,
        "has_unified_sign": station.has_unified_sign,
        "area": {"code": station.area.code, "name": station.area.name, "full_name": station.area.full_name},
        "phone": station.phone,
        "is_24_hours": station.is_24_hours,
        "closes_on_public_holidays": station.closes_on_public_holidays,
        "is_open_now": hours.station_is_open_now(station, now),
        "today_hours": intervals_text(today_intervals),
        "hours": _weekday_hours(station, today.weekday()),
        "special_days": [
            {
                "date": day.date,
                "is_closed": hours.special_day_hours(day) is None,
                "opens_at": None if hours.special_day_hours(day) is None else _clock(day.opens_at),
                "closes_at": None if hours.special_day_hours(day) is None else _clock(day.closes_at),
                "text": intervals_text(
                    ()
                    if hours.special_day_hours(day) is None
                    else (hours.period_minutes(day.opens_at, day.closes_at),)
                ),
                "note": day.note,
            }
            for day in special_days_ahead
        ],
        "holiday_closures": [{"date": holiday.date, "name": holiday.name} for holiday in holidays],
        "amenities": [
            {"code": amenity.code, "name": amenity_label(amenity), "icon": amenity.icon}
            for amenity in station.amenities.all()
        ],
        "photos": [
            {
                "url": request.build_absolute_uri(photo.image.url),
                "width": photo.width,
                "height": photo.height,
                "caption": photo.caption,
            }
            for photo in station.photos.all()
        ],
        "contacts": contacts,
        "steward_name": _steward_name(station),
        "standard": _standard(station),
        "directions": directions_links(station),
    }
