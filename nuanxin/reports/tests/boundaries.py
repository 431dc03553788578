"""Boundary polygons of the test tree for the placement, geocoding and Open311 tests.

劝业场街道 (120101001000) is an L: the box lng 117.180–117.200 × lat 39.110–39.130 with its
south-east quarter (117.190–117.200 × 39.110–39.120) cut out, and a hole (117.183–117.186 ×
39.124–39.127). 小白楼街道 (120101002000) is the box 117.190–117.210 × 39.100–39.120: it fills
the L's notch, sharing the edges lng 117.190 (lat 39.110–39.120) and lat 39.120 (lng 117.190–117.200).
"""

from nuanxin.reports.boundaries import street_boundaries_import

QYC_L = [
    [117.180, 39.110],
    [117.190, 39.110],
    [117.190, 39.120],
    [117.200, 39.120],
    [117.200, 39.130],
    [117.180, 39.130],
    [117.180, 39.110],
]
QYC_HOLE = [[117.183, 39.124], [117.186, 39.124], [117.186, 39.127], [117.183, 39.127], [117.183, 39.124]]
XBL_BOX = [[117.190, 39.100], [117.210, 39.100], [117.210, 39.120], [117.190, 39.120], [117.190, 39.100]]
# The L's bounding rectangle: what staff would draw for 劝业场 without polygons.
QYC_RECTANGLE = {"south": 39.110, "north": 39.130, "west": 117.180, "east": 117.200}

IN_THE_L = (39.125, 117.195)  # (lat, lng)
IN_THE_NOTCH = (39.115, 117.195)  # inside the L's bounding rectangle, but 小白楼's
IN_THE_HOLE = (39.1255, 117.1845)
ON_THE_SHARED_EDGE = (39.115, 117.190)
IN_XIAOBAILOU = (39.105, 117.205)


def polygon(*rings):
    return {"type": "Polygon", "coordinates": [list(ring) for ring in rings]}


def feature(code, geometry, **properties):
    return {"type": "Feature", "properties": {"code": code, **properties}, "geometry": geometry}


def collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def l_and_neighbour():
    return collection(
        feature("120101001000", polygon(QYC_L, QYC_HOLE), name="劝业场街道"),
        feature("120101002000", polygon(XBL_BOX), name="小白楼街道"),
    )


def import_l_and_neighbour():
    return street_boundaries_import(actor=None, collection=l_and_neighbour(), source="test")
