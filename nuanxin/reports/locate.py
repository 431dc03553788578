"""Which street a point lies in — "the point's actual area" of issue 5.

Three sources, in this order:

1. `StreetBoundary`: the street's real polygon (GeoJSON, WGS-84), imported from a file
   (`manage.py import_street_boundaries`) or the back office. Holes are respected (a point in a
   hole is not in the street). A point inside one polygon's interior belongs to that street; a
   point on a shared edge (inside no interior) — or, for overlapping imports, inside several
   interiors — goes to the **lower area code**, so the answer never depends on row order.
2. `StreetBounds`: rectangles staff draw per street in the back office. A point on an edge is
   inside. When rectangles overlap, the smallest rectangle containing the point wins (the most
   precise drawing) and a tie goes to the lower area code.
3. Otherwise the street of the nearest station within settings.NUANXIN_REPORTS_STATION_RADIUS_M
   (default 1500 m): stations are placed by staff and carry a street, so near a station this is
   a fair guess; the distance cap stops a point far outside the city from being pulled in.

A street that has a polygon *is* its polygon: steps 2 and 3 skip its rectangles and stations, so
a point in the notch of an L-shaped street or in a hole is never pulled back into it by the L's
bounding rectangle or by a station nearby. A point none of the steps covers is outside the
deployment and is refused.

Polygons are parsed once per process and kept prepared (GEOS) in an STRtree, so a lookup is one
small aggregate query (is the cache current?), a tree query and a primary-key fetch of the street.
The cache is keyed on the boundaries' (count, latest `updated_at`, highest id): a change saved by
any process — the import command, another web worker — is seen at the next lookup, which a signal
could not promise across processes, and a rolled-back test leaves no stale polygons behind.
"""

import math
import threading
from dataclasses import dataclass

import shapely
from django.conf import settings
from django.db.models import Count, Max
from shapely.geometry import Point, shape

from nuanxin.areas.models import Area
from nuanxin.stations.geo import haversine_m
from nuanxin.stations.models import Station

from .models import StreetBoundary, StreetBounds

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


# --- 1. boundary polygons ----------------------------------------------------------------------


@dataclass(frozen=True)
class BoundaryIndex:
    version: tuple
    geometries: tuple  # prepared shapely geometries, in the order of `area_ids`
    area_ids: tuple
    area_codes: tuple
    area_paths: frozenset  # paths of the streets that have a polygon
    tree: shapely.STRtree

    def covers_street_of(self, area):
        """True when `area` lies in a street that has a polygon (its rectangles do not count)."""
        if not self.area_paths:
            return False
        codes = [code for code in area.path.strip("/").split("/") if code]
        return any("/" + "/".join(codes[: end + 1]) + "/" in self.area_paths for end in range(len(codes)))

    def geometry_of(self, area_id):
        try:
            return self.geometries[self.area_ids.index(area_id)]
        except ValueError:
            return None


_cache = {"index": None}
_cache_lock = threading.Lock()


def _version():
    row = StreetBoundary.objects.aggregate(count=Count("id"), latest=Max("updated_at"), top=Max("id"))
    return (row["count"], row["latest"], row["top"])


def boundary_index():
    """The current BoundaryIndex of this process (rebuilt when the boundaries changed)."""
    version = _version()
    index = _cache["index"]
    if index is not None and index.version == version:
        return index
    with _cache_lock:
        index = _cache["index"]
        if index is not None and index.version == version:
            return index
        rows = list(
            StreetBoundary.objects.order_by("area__code").values_list(
                "area_id", "area__code", "area__path", "geometry"
            )
        )
        geometries = tuple(shapely.force_2d(shape(row[3])) for row in rows)
        shapely.prepare(geometries)
        index = BoundaryIndex(
            version=version,
            geometries=geometries,
            area_ids=tuple(row[0] for row in rows),
            area_codes=tuple(row[1] for row in rows),
            area_paths=frozenset(row[2] for row in rows),
            tree=shapely.STRtree(geometries),
        )
        _cache["index"] = index
        return index


def street_from_boundaries(lat, lng, *, index=None):
    index = index or boundary_index()
    if not index.geometries:
        return None
    point = Point(lng, lat)
    touching = index.tree.query(point, predicate="intersects")  # interior or boundary
    if len(touching) == 0:
        return None
    inside = [position for position in touching if index.geometries[position].contains(point)]
    chosen = min(inside or touching, key=lambda position: index.area_codes[position])
    return street_of(Area.objects.filter(pk=index.area_ids[chosen]).first())


# --- 2. rectangles -----------------------------------------------------------------------------


def street_from_bounds(lat, lng, *, index=None):
    index = index or boundary_index()
    candidates = [
        box
        for box in StreetBounds.objects.filter(
            south__lte=lat, north__gte=lat, west__lte=lng, east__gte=lng
        ).select_related("area")
        if not index.covers_street_of(box.area)
    ]
    best = min(
        candidates,
        key=lambda box: ((box.north - box.south) * (box.east - box.west), box.area.code),
        default=None,
    )
    return street_of(best.area) if best else None


# --- 3. the nearest station --------------------------------------------------------------------


def street_from_nearest_station(lat, lng, *, index=None):
    index = index or boundary_index()
    radius = station_radius_m()
    south, north, west, east = degree_box(lat, lng, radius)
    stations = Station.objects.filter(
        latitude__gte=south, latitude__lte=north, longitude__gte=west, longitude__lte=east
    ).select_related("area")
    nearest = None
    for station in stations:
        if index.covers_street_of(station.area):
            continue
        distance = haversine_m(lat, lng, station.latitude, station.longitude)
        # Equally near stations: the lower area code, so the answer never depends on row order.
        if distance <= radius and (nearest is None or (distance, station.area.code) < nearest[:2]):
            nearest = (distance, station.area.code, station)
    return street_of(nearest[2].area) if nearest else None


def locate_street(lat, lng):
    """The street a WGS-84 point lies in, or None when it is outside the deployment."""
    index = boundary_index()
    return (
        street_from_boundaries(lat, lng, index=index)
        or street_from_bounds(lat, lng, index=index)
        or street_from_nearest_station(lat, lng, index=index)
    )
