"""Placing an address text on the map: `geocode(address, *, city_area) -> GeocodeResult | None`.

Used where a client sends an address but no point (Open311 `address_string` alone). The backend is
chosen by `settings.NUANXIN_GEOCODER`:

- "gazetteer" (the default; offline): the area tree itself. It finds the street the address names
  — "天津市和平区劝业场街滨江道100号" → 劝业场街道 — and places the point inside that street: the
  representative point of its boundary polygon, else the centre of one of its rectangles, else the
  mean (or, failing that, one) of its stations; always a point `locate.locate_street` puts back in
  that street. Precision "street". It never guesses between streets (two equally good matches →
  None) and never places at district level (a district alone → None).
- "amap": AMap's (高德) Web Service geocoding API, `GET {base_url}?key=&address=&city=` (see
  `NUANXIN_GEOCODER_AMAP`: key, base_url, timeout). The answer's `location` is "lng,lat" in GCJ-02
  and is converted to WGS-84; its `level` (门牌号, 道路, 兴趣点, 乡镇 …) is the precision. A
  district-or-coarser answer, an answer outside `city_area`, an error status, a timeout or a bad
  body → None, with a warning in the "nuanxin.geocode" log.

The result carries the street (`area`) when the point lies in one (`locate.locate_street`).
"""

import json
import logging
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings

from nuanxin.areas.models import Area
from nuanxin.stations.geo import gcj02_to_wgs84
from nuanxin.stations.models import Station

from .locate import boundary_index, locate_street, street_of
from .models import StreetBounds

logger = logging.getLogger("nuanxin.geocode")

GAZETTEER = "gazetteer"
AMAP = "amap"
DEFAULT_AMAP_URL = "https://restapi.amap.com/v3/geocode/geo"
DEFAULT_TIMEOUT_SECONDS = 5
PRECISION_STREET = "street"
# AMap `level` values too coarse to put a report in a street: the point would be a city's or a
# district's centre, i.e. a guess.
AMAP_TOO_COARSE = {"国家", "省", "市", "区县", "开发区", "未知", ""}
WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class GeocodeResult:
    lat: float  # WGS-84
    lng: float  # WGS-84
    area: Area | None  # the street the point lies in, when it lies in one
    precision: str  # "street" (gazetteer) or AMap's level, e.g. "门牌号"
    source: str  # "gazetteer" or "amap"


def geocode(address, *, city_area=None):
    """Place `address` (free text) within `city_area` (an Area, None = the whole deployment).

    Returns a GeocodeResult or None when the address cannot be placed. Never raises for bad input
    or an unreachable service."""
    text = WHITESPACE.sub("", address or "")
    if not text:
        return None
    backend = getattr(settings, "NUANXIN_GEOCODER", GAZETTEER) or GAZETTEER
    if backend == AMAP:
        return amap_geocode(text, city_area=city_area)
    if backend != GAZETTEER:
        logger.warning("unknown NUANXIN_GEOCODER %r; using the gazetteer", backend)
    return gazetteer_geocode(text, city_area=city_area)


# --- the gazetteer -----------------------------------------------------------------------------


def name_variants(name, level):
    """How an address may write an area's name: 劝业场街道 is also written 劝业场街."""
    names = {name}
    if level == Area.Level.STREET and name.endswith("街道") and len(name) > 3:
        names.add(name[:-1])
    return names


def _matched_length(text, name, level):
    return max(
        (len(variant) for variant in name_variants(name, level) if variant and variant in text), default=0
    )


def gazetteer_match(text, *, city_area=None):
    """The one street `text` names, or None (none, or two equally good).

    Candidates are streets whose name (or short name) occurs in the text, and the streets of
    communities whose name occurs; a district named in the text drops candidates outside it.
    Then a street named directly beats one found through a community, and a longer matched name
    beats a shorter one (the text "劝业场街道" over a street called "场街"); a remaining tie is
    ambiguous.
    """
    areas = Area.objects.filter(level__in=(Area.Level.DISTRICT, Area.Level.STREET, Area.Level.COMMUNITY))
    if city_area is not None:
        areas = areas.filter(path__startswith=city_area.path)
    # Names only (a city has thousands of communities); Area rows are fetched for the matches.
    matches = [
        (pk, level, path, length)
        for pk, name, level, path in areas.values_list("pk", "name", "level", "path")
        if (length := _matched_length(text, name, level))
    ]
    district_paths = [path for _pk, level, path, _length in matches if level == Area.Level.DISTRICT]
    found = Area.objects.in_bulk(
        [pk for pk, level, _path, _length in matches if level != Area.Level.DISTRICT]
    )
    candidates = {}
    for pk, level, _path, length in matches:
        if level == Area.Level.DISTRICT:
            continue
        street = street_of(found[pk])
        if street is None:
            continue
        if district_paths and not any(street.path.startswith(path) for path in district_paths):
            continue
        score = (level == Area.Level.STREET, length)
        if street.pk not in candidates or candidates[street.pk][0] < score:
            candidates[street.pk] = (score, street)
    if not candidates:
        return None
    ranked = sorted(candidates.values(), key=lambda item: item[0], reverse=True)
    if len(ranked) > 1 and ranked[0][0] == ranked[1][0]:
        logger.info("gazetteer: %r names %s and %s equally", text, ranked[0][1].code, ranked[1][1].code)
        return None
    return ranked[0][1]


def street_points(street):
    """Points to place a street's reports at, best first: inside its polygon, its rectangles'
    centres (largest first), the mean of its stations, each station."""
    geometry = boundary_index().geometry_of(street.pk)
    if geometry is not None:
        point = geometry.representative_point()
        yield point.y, point.x
    rectangles = sorted(
        StreetBounds.objects.filter(area=street),
        key=lambda box: ((box.north - box.south) * (box.east - box.west), -box.pk),
        reverse=True,
    )
    for box in rectangles:
        yield (box.south + box.north) / 2, (box.west + box.east) / 2
    stations = list(
        Station.objects.filter(area__path__startswith=street.path)
        .order_by("pk")
        .values_list("latitude", "longitude")
    )
    if stations:
        yield (
            sum(lat for lat, _lng in stations) / len(stations),
            sum(lng for _lat, lng in stations) / len(stations),
        )
    yield from stations


def gazetteer_geocode(text, *, city_area=None):
    street = gazetteer_match(text, city_area=city_area)
    if street is None:
        return None
    for lat, lng in street_points(street):
        # The point must lie in the street it names, by the same rule every report is placed by.
        located = locate_street(lat, lng)
        if located is not None and located.pk == street.pk:
            return GeocodeResult(lat=lat, lng=lng, area=street, precision=PRECISION_STREET, source=GAZETTEER)
    logger.warning("gazetteer: %s has no polygon, rectangle or station to place %r at", street.code, text)
    return None


# --- AMap --------------------------------------------------------------------------------------


def amap_settings():
    config = getattr(settings, "NUANXIN_GEOCODER_AMAP", None) or {}
    return {
        "key": config.get("key") or "",
        "base_url": config.get("base_url") or DEFAULT_AMAP_URL,
        "timeout": float(config.get("timeout") or DEFAULT_TIMEOUT_SECONDS),
    }


def adcode_prefix(area):
    """The digits an AMap adcode of a place inside `area` starts with ("120000…" → "12")."""
    code = area.code[:6]
    while code.endswith("00") and len(code) > 2:
        code = code[:-2]
    return code


def amap_geocode(text, *, city_area=None):
    config = amap_settings()
    if not config["key"]:
        logger.warning("amap geocoder: NUANXIN_GEOCODER_AMAP has no key")
        return None
    query = {"key": config["key"], "address": text, "output": "JSON"}
    if city_area is not None:
        query["city"] = city_area.code[:6]  # AMap takes the adcode as `city`
    url = f"{config['base_url']}?{urllib.parse.urlencode(query)}"
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=config["timeout"]) as response:  # noqa: S310
            body = json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        logger.warning("amap geocoder: HTTP %s for %r", error.code, text)
        return None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        logger.warning("amap geocoder: unreachable (%s) for %r", error, text)
        return None
    except ValueError:
        logger.warning("amap geocoder: the answer is not JSON for %r", text)
        return None
    return _amap_result(body, text=text, city_area=city_area)


def _amap_result(body, *, text, city_area):
    if not isinstance(body, dict) or str(body.get("status")) != "1":
        info = body.get("info") if isinstance(body, dict) else None
        logger.warning("amap geocoder: error %s (%s) for %r", info, (body or {}).get("infocode"), text)
        return None
    geocodes = body.get("geocodes") or []
    if not geocodes or not isinstance(geocodes[0], dict):
        logger.info("amap geocoder: nothing found for %r", text)
        return None
    first = geocodes[0]
    level = first.get("level") if isinstance(first.get("level"), str) else ""
    if level in AMAP_TOO_COARSE:
        logger.info("amap geocoder: %r only placed at level %r", text, level)
        return None
    adcode = first.get("adcode") if isinstance(first.get("adcode"), str) else ""
    if city_area is not None and not adcode.startswith(adcode_prefix(city_area)):
        logger.info("amap geocoder: %r placed in %s, outside %s", text, adcode, city_area.code)
        return None
    try:
        lng_text, lat_text = str(first.get("location") or "").split(",")
        gcj_lat, gcj_lng = float(lat_text), float(lng_text)
    except ValueError:
        logger.warning("amap geocoder: unreadable location %r for %r", first.get("location"), text)
        return None
    if not (-90 <= gcj_lat <= 90 and -180 <= gcj_lng <= 180):
        logger.warning("amap geocoder: location out of range %r for %r", first.get("location"), text)
        return None
    lat, lng = gcj02_to_wgs84(gcj_lat, gcj_lng)
    return GeocodeResult(lat=lat, lng=lng, area=locate_street(lat, lng), precision=level, source=AMAP)
