"""Coordinates: WGS-84 ⇄ GCJ-02, great-circle distance, and the grid cells of the finder's index.

Stations are stored in WGS-84 (GPS). Chinese map tiles, AutoNavi/Tencent maps and WeChat's
`wx.getLocation({type: "gcj02"})` speak GCJ-02, the obfuscated system of the national surveying
rules, so the API converts on the way in and out. The forward transform is the well-known
published one (Krasovsky 1940 ellipsoid and the `transformLat`/`transformLng` polynomials); it
applies only inside a bounding box around China and leaves every other point unchanged. The
inverse has no closed form, so `gcj02_to_wgs84` iterates the forward transform to 1e-9 degree
(about 0.1 mm).

The grid: cells of 1/CELLS_PER_DEGREE degree, numbered row-major from (-90, -180), so the cells
of one row of a rectangle are one contiguous range of numbers — the finder reads a rectangle as a
handful of `grid_cell BETWEEN a AND b` range scans on the (is_public, grid_cell) index.
"""

import math

CRS_CHOICES = ("wgs84", "gcj02")

# Krasovsky 1940, as the GCJ-02 algorithm uses it.
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323

# Mean Earth radius (IUGG), for distances.
EARTH_RADIUS_M = 6371008.8

# GCJ-02 bounding box: outside it the transform is the identity.
_CHINA_MIN_LNG, _CHINA_MAX_LNG = 72.004, 137.8347
_CHINA_MIN_LAT, _CHINA_MAX_LAT = 0.8293, 55.8271

_INVERSE_TOLERANCE_DEG = 1e-9
_INVERSE_MAX_ITERATIONS = 30

CELLS_PER_DEGREE = 100  # a cell is 0.01° ≈ 1.1 km north–south, 0.85–1.1 km east–west in China
GRID_COLUMNS = 360 * CELLS_PER_DEGREE
GRID_ROWS = 180 * CELLS_PER_DEGREE


def out_of_china(lat, lng):
    """True where GCJ-02 applies no offset."""
    return not (_CHINA_MIN_LNG <= lng <= _CHINA_MAX_LNG and _CHINA_MIN_LAT <= lat <= _CHINA_MAX_LAT)


def _transform_lat(x, y):
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lng(x, y):
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def _offset(lat, lng):
    """The GCJ-02 offset (Δlat, Δlng) in degrees at a WGS-84 point inside China."""
    d_lat = _transform_lat(lng - 105.0, lat - 35.0)
    d_lng = _transform_lng(lng - 105.0, lat - 35.0)
    rad_lat = lat / 180.0 * math.pi
    magic = 1 - _KRASOVSKY_EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_KRASOVSKY_A * (1 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * math.pi)
    d_lng = (d_lng * 180.0) / (_KRASOVSKY_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return d_lat, d_lng


def wgs84_to_gcj02(lat, lng):
    """(lat, lng) in WGS-84 → (lat, lng) in GCJ-02. Unchanged outside China."""
    if out_of_china(lat, lng):
        return lat, lng
    d_lat, d_lng = _offset(lat, lng)
    return lat + d_lat, lng + d_lng


def gcj02_to_wgs84(lat, lng):
    """(lat, lng) in GCJ-02 → (lat, lng) in WGS-84, by fixed-point iteration of the forward
    transform (the offset changes slowly, so each step gains several digits)."""
    if out_of_china(lat, lng):
        return lat, lng
    wgs_lat, wgs_lng = lat, lng
    for _step in range(_INVERSE_MAX_ITERATIONS):
        gcj_lat, gcj_lng = wgs84_to_gcj02(wgs_lat, wgs_lng)
        error_lat, error_lng = gcj_lat - lat, gcj_lng - lng
        if abs(error_lat) < _INVERSE_TOLERANCE_DEG and abs(error_lng) < _INVERSE_TOLERANCE_DEG:
            break
        wgs_lat -= error_lat
        wgs_lng -= error_lng
    return wgs_lat, wgs_lng


def to_wgs84(lat, lng, crs):
    """A point given in `crs` ("wgs84" or "gcj02") as WGS-84."""
    if crs == "gcj02":
        return gcj02_to_wgs84(lat, lng)
    if crs == "wgs84":
        return lat, lng
    raise ValueError(f"unknown coordinate system {crs!r}")


def from_wgs84(lat, lng, crs):
    """A WGS-84 point expressed in `crs` ("wgs84" or "gcj02")."""
    if crs == "gcj02":
        return wgs84_to_gcj02(lat, lng)
    if crs == "wgs84":
        return lat, lng
    raise ValueError(f"unknown coordinate system {crs!r}")


def haversine_m(lat1, lng1, lat2, lng2):
    """Great-circle distance in metres on the mean-radius sphere (error < 0.5 % against WGS-84)."""
    phi1 = math.radians(lat1)
    phi2 = math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lng2 - lng1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def grid_row(lat):
    return min(GRID_ROWS - 1, max(0, math.floor((lat + 90.0) * CELLS_PER_DEGREE)))


def grid_column(lng):
    return min(GRID_COLUMNS - 1, max(0, math.floor((lng + 180.0) * CELLS_PER_DEGREE)))


def grid_cell_at(row, column):
    return row * GRID_COLUMNS + column


def grid_cell(lat, lng):
    """The number of the grid cell holding a WGS-84 point."""
    return grid_cell_at(grid_row(lat), grid_column(lng))
