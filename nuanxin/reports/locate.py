"""Which street a point lies in — "the point's actual area" of issue 5.

The area tree carries codes and names, not polygons, so a point cannot be tested against a street's
real boundary. Two sources stand in for it, in this order:

1. `StreetBounds`: rectangles staff draw per street in the back office (a street may have several
   to approximate an L shape). A point on an edge is inside. When rectangles overlap (they do at
   boundaries), the smallest rectangle containing the point wins — the most precise drawing — and
   a tie goes to the lower area code, so the answer never depends on row order.
2. Otherwise the street of the nearest station within settings.NUANXIN_REPORTS_STATION_RADIUS_M
   (default 1500 m): stations are placed by staff and carry a street, so near a station this is
   a fair guess; the distance cap stops a point far outside the city from being pulled in.

A point neither covers is outside the deployment and is refused. This is the honest limit: without
polygons, a point between two streets' rectangles and near a station of the "wrong" street goes to
that station's street. Drawing rectangles is the fix, and the back office lets staff do it.
"""

import math

from django.conf import settings

from nuanxin.areas.models import Area
from nuanxin.stations.geo import haversine_m
from nuanxin.stations.models import Station

from .models import StreetBounds

DEFAULT_STATION_RADIUS_M = 1500
METRES_PER_DEGREE_LATITUDE = 111_320


def station_radius_m():
    return getattr(settings, "NUANXIN_REPORTS_STATION_RADIUS_M", DEFAULT_STATION_RADIUS_M)


def street_of(area):
    """The street (level 4) at or above `area`, or None when `area` sits above street level."""
    if area is None:
        return None
    if area.level == Area.Level.STREET:
        return area
    if area.level < Area.Level.STREET:
        return None
    codes = [code for code in area.path.strip("/").split("/") if code]
    return Area.objects.filter(code__in=codes, level=Area.Level.STREET).first()


def degree_box(lat, lng, radius_m):
    """(south, north, west, east) of a square around the point, for an index-friendly prefilter."""
    d_lat = radius_m / METRES_PER_DEGREE_LATITUDE
    d_lng = radius_m / (METRES_PER_DEGREE_LATITUDE * max(math.cos(math.radians(lat)), 0.01))
    return lat - d_lat, lat + d_lat, lng - d_lng, lng + d_lng


def street_from_bounds(lat, lng):
    candidates = StreetBounds.objects.filter(
        south__lte=lat, north__gte=lat, west__lte=lng, east__gte=lng
    ).select_related("area")
    best = min(
        candidates,
        key=lambda box: ((box.north - box.south) * (box.east - box.west), box.area.code),
        default=None,
    )
    return street_of(best.area) if best else None


def street_from_nearest_station(lat, lng):
    radius = station_radius_m()
    south, north, west, east = degree_box(lat, lng, radius)
    stations = Station.objects.filter(
        latitude__gte=south, latitude__lte=north, longitude__gte=west, longitude__lte=east
    ).select_related("area")
    nearest = None
    for station in stations:
        distance = haversine_m(lat, lng, station.latitude, station.longitude)
        if distance <= radius and (nearest is None or distance < nearest[0]):
            nearest = (distance, station.area.code, station)
    return street_of(nearest[2].area) if nearest else None


def locate_street(lat, lng):
    """The street a WGS-84 point lies in, or None when it is outside the deployment."""
    return street_from_bounds(lat, lng) or street_from_nearest_station(lat, lng)
