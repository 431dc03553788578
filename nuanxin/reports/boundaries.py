"""Street boundary polygons: reading GeoJSON, checking it, and storing it (issue 5).

`street_boundaries_import` is the one write path — the management command
`import_street_boundaries`, the back office's upload and the demo all call it. A file is a GeoJSON
FeatureCollection; each feature carries the street's division code in `properties.code` and a
Polygon or MultiPolygon in WGS-84 (GeoJSON order: longitude, latitude). The import is all or
nothing: every feature is checked first and every problem is reported, then the boundaries are
created or replaced in one transaction, one audit row each.

Geometry work is shapely's (GEOS). Reads for placing a point live in `locate.py`.
"""

import json
from dataclasses import dataclass, field

import numpy
import shapely
from django.conf import settings
from django.db import transaction
from django.db.models import Max, Min
from django.utils.translation import gettext_lazy as _
from shapely.errors import GEOSException
from shapely.geometry import box, shape
from shapely.validation import explain_validity

from nuanxin.areas.models import Area
from nuanxin.core.audit import audit_record
from nuanxin.core.errors import DomainError
from nuanxin.core.models import AuditEntry
from nuanxin.core.permissions import object_in_actor_area
from nuanxin.stations.geo import CRS_CHOICES, gcj02_to_wgs84, out_of_china
from nuanxin.stations.models import Station

from .models import StreetBoundary, StreetBounds

NOT_JSON = _("The file is not JSON: %(error)s")
NOT_A_COLLECTION = _("The file must be a GeoJSON FeatureCollection.")
NO_FEATURES = _("The FeatureCollection has no features.")
FEATURE_LABEL = _("feature %(number)s")
NOT_A_FEATURE = _("not a GeoJSON Feature")
CODE_MISSING = _("properties.code (the street's division code) is missing")
CODE_UNKNOWN = _("unknown division code “%(code)s”")
CODE_REPEATED = _("code “%(code)s” appears more than once in the file")
NOT_A_STREET = _("“%(name)s” (%(code)s) is not a street or town but a %(level)s")
GEOMETRY_TYPE = _("the geometry must be a Polygon or MultiPolygon, not %(type)s")
GEOMETRY_UNREADABLE = _("the geometry cannot be read: %(error)s")
GEOMETRY_EMPTY = _("the geometry is empty")
GEOMETRY_OUT_OF_RANGE = _("coordinates out of range: GeoJSON puts longitude first, then latitude, in degrees")
GEOMETRY_INVALID = _("invalid geometry: %(reason)s")
OUTSIDE_THE_CITY = _("the boundary lies outside the city (%(bounds)s)")
CRS_UNKNOWN = _("Choose wgs84 or gcj02.")

# With no NUANXIN_CITY_BOUNDS, the city's extent is what the deployment already knows (stations,
# rectangles, boundaries) widened by this much (~55 km): a boundary entirely outside that is from
# another city or has its coordinates mixed up, while an outlying town still touches it.
CITY_EXTENT_PAD_DEGREES = 0.5


class BoundaryImportError(DomainError):
    """The file was refused; `problems` lists every problem (nothing was imported)."""

    code = "boundary_import_failed"

    def __init__(self, problems):
        self.problems = problems
        super().__init__(problems[0] if problems else "")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    boundaries: list = field(default_factory=list)


# --- geometry helpers --------------------------------------------------------------------------


def geometry_from_geojson(data):
    """A shapely geometry from a GeoJSON geometry dict (no checks beyond what shapely needs)."""
    return shapely.force_2d(shape(data))


def geometry_to_geojson(geometry):
    """A JSON-ready GeoJSON dict (lists, not tuples) of a shapely geometry."""
    return json.loads(shapely.to_geojson(geometry))


def _to_wgs84(geometry, crs):
    if crs != "gcj02":
        return geometry

    def convert(coordinates):
        return numpy.array([gcj02_to_wgs84(lat, lng)[::-1] for lng, lat in coordinates.tolist()])

    return shapely.transform(geometry, convert)


def city_bounds():
    """(south, west, north, east) a boundary must touch, or None when nothing is known yet.

    `settings.NUANXIN_CITY_BOUNDS` when set; otherwise the box around the stations, street
    rectangles and street boundaries already stored, widened by CITY_EXTENT_PAD_DEGREES.
    """
    configured = getattr(settings, "NUANXIN_CITY_BOUNDS", None)
    if configured:
        return tuple(float(value) for value in configured)
    extents = [
        Station.objects.aggregate(
            s=Min("latitude"), n=Max("latitude"), w=Min("longitude"), e=Max("longitude")
        ),
        StreetBounds.objects.aggregate(s=Min("south"), n=Max("north"), w=Min("west"), e=Max("east")),
        StreetBoundary.objects.aggregate(s=Min("south"), n=Max("north"), w=Min("west"), e=Max("east")),
    ]
    extents = [extent for extent in extents if extent["s"] is not None]
    if not extents:
        return None
    pad = CITY_EXTENT_PAD_DEGREES
    return (
        min(extent["s"] for extent in extents) - pad,
        min(extent["w"] for extent in extents) - pad,
        max(extent["n"] for extent in extents) + pad,
        max(extent["e"] for extent in extents) + pad,
    )


def check_geometry(data, *, crs="wgs84", bounds=None):
    """(shapely geometry in WGS-84, None) or (None, problem message) for a GeoJSON geometry dict.

    Checks, in order: a Polygon/MultiPolygon, readable, not empty, degrees in range, valid
    (GEOS `is_valid`; the reason from `explain_validity`, e.g. "Self-intersection[117.2 39.1]"),
    inside China and touching `bounds` (south, west, north, east) when given.
    """
    if not isinstance(data, dict) or data.get("type") not in ("Polygon", "MultiPolygon"):
        kind = data.get("type") if isinstance(data, dict) else type(data).__name__
        return None, GEOMETRY_TYPE % {"type": kind or "nothing"}
    try:
        geometry = geometry_from_geojson(data)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, GEOSException) as error:
        return None, GEOMETRY_UNREADABLE % {"error": error}
    if geometry.is_empty:
        return None, GEOMETRY_EMPTY
    west, south, east, north = geometry.bounds
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        return None, GEOMETRY_OUT_OF_RANGE
    if not geometry.is_valid:
        return None, GEOMETRY_INVALID % {"reason": explain_validity(geometry)}
    geometry = _to_wgs84(geometry, crs)
    west, south, east, north = geometry.bounds
    inside_china = not any(
        out_of_china(lat, lng) for lat, lng in ((south, west), (north, east), (south, east), (north, west))
    )
    touches_city = bounds is None or geometry.intersects(box(bounds[1], bounds[0], bounds[3], bounds[2]))
    if not inside_china or not touches_city:
        shown = ", ".join(f"{value:.3f}" for value in bounds) if bounds else "China"
        return None, OUTSIDE_THE_CITY % {"bounds": shown}
    return geometry, None


def _code(value):
    """A division code as the tree keeps it: digits, right-padded to 12 (as `import_divisions`)."""
    text = str(value).strip() if value is not None else ""
    return text.ljust(12, "0") if text.isdigit() and len(text) <= 12 else text


# --- the import --------------------------------------------------------------------------------


def parse_collection(raw):
    """The FeatureCollection dict from bytes/str/dict. Raises BoundaryImportError."""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8-sig", errors="replace")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as error:
            raise BoundaryImportError([str(NOT_JSON % {"error": error})]) from None
    if (
        not isinstance(raw, dict)
        or raw.get("type") != "FeatureCollection"
        or not isinstance(raw.get("features"), list)
    ):
        raise BoundaryImportError([str(NOT_A_COLLECTION)])
    if not raw["features"]:
        raise BoundaryImportError([str(NO_FEATURES)])
    return raw


def _feature_label(number, code, area=None):
    label = str(FEATURE_LABEL % {"number": number})
    if code:
        label += f" [{code}{' ' + area.name if area else ''}]"
    return label


def street_boundaries_import(*, actor, collection, source="", crs="wgs84"):
    """Create or replace the boundaries of the streets named in a GeoJSON FeatureCollection.

    `collection`: a dict, or the file's bytes/text. `actor`: None for the command (the system),
    else a back-office user — codes outside the actor's area are reported as unknown, as the rest of
    the back office answers "not found" alike for missing and forbidden. `crs`: "gcj02" converts
    files drawn on AMap/Tencent maps to WGS-84 first.
    All or nothing: raises BoundaryImportError(problems), each "feature N [code name]: message",
    for an unknown code, a code given twice, an area that is not a street, an unreadable or invalid
    geometry, or one outside the city (`city_bounds`). Nothing is written then.
    Side effects: one audit row per created or changed boundary; `locate.py` sees the change at its
    next lookup. Returns an ImportResult (created, updated, unchanged, boundaries).
    """
    if crs not in CRS_CHOICES:
        raise BoundaryImportError([str(CRS_UNKNOWN)])
    collection = parse_collection(collection)
    features = collection["features"]
    codes = [
        _code((feature.get("properties") or {}).get("code")) if isinstance(feature, dict) else ""
        for feature in features
    ]
    areas = {area.code: area for area in Area.objects.filter(code__in=[code for code in codes if code])}
    bounds = city_bounds()
    problems, accepted, seen = [], [], set()
    for number, (feature, code) in enumerate(zip(features, codes, strict=True), start=1):
        area = areas.get(code)
        if area is not None and actor is not None and not object_in_actor_area(actor, area):
            area = None
        label = _feature_label(number, code, area)
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(f"{label}: {NOT_A_FEATURE}")
            continue
        if not code:
            problems.append(f"{label}: {CODE_MISSING}")
            continue
        if area is None:
            problems.append(f"{label}: {CODE_UNKNOWN % {'code': code}}")
            continue
        if code in seen:
            problems.append(f"{label}: {CODE_REPEATED % {'code': code}}")
            continue
        seen.add(code)
        if area.level != Area.Level.STREET:
            problems.append(
                f"{label}: "
                + str(NOT_A_STREET % {"name": area.name, "code": code, "level": area.get_level_display()})
            )
            continue
        geometry, problem = check_geometry(feature.get("geometry"), crs=crs, bounds=bounds)
        if problem:
            problems.append(f"{label}: {problem}")
            continue
        accepted.append((area, geometry))
    if problems:
        raise BoundaryImportError(problems)
    with transaction.atomic():
        return _store(actor=actor, accepted=accepted, source=source)


def _store(*, actor, accepted, source):
    result = ImportResult()
    existing = {
        boundary.area_id: boundary
        for boundary in StreetBoundary.objects.select_for_update().filter(
            area__in=[area for area, _geometry in accepted]
        )
    }
    for area, geometry in accepted:
        data = geometry_to_geojson(geometry)
        west, south, east, north = geometry.bounds
        boundary = existing.get(area.pk)
        if boundary is not None and boundary.geometry == data:
            result.unchanged += 1
            result.boundaries.append(boundary)
            continue
        before = boundary.geometry if boundary is not None else None
        if boundary is None:
            boundary = StreetBoundary(area=area)
        boundary.geometry = data
        boundary.south, boundary.north, boundary.west, boundary.east = south, north, west, east
        boundary.source = (source or "")[:200]
        boundary.save()
        audit_record(
            actor=actor,
            action=AuditEntry.Action.CREATE if before is None else AuditEntry.Action.UPDATE,
            obj=boundary,
            changes={"area": area.code, "bbox": [south, west, north, east], "source": boundary.source},
            message="street boundary imported",
        )
        if before is None:
            result.created += 1
        else:
            result.updated += 1
        result.boundaries.append(boundary)
    return result


@transaction.atomic
def street_boundary_delete(*, actor, boundary):
    """Remove a street's boundary (points there fall back to rectangles, then stations).

    Side effect: an audit row. The caller has checked the actor may manage the street."""
    audit_record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        obj=boundary,
        changes={"area": boundary.area.code, "source": boundary.source},
    )
    boundary.delete()
