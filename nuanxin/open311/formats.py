"""Writing GeoReport v2 documents as JSON or XML (the format is the URL's extension).

Shapes follow the spec's examples: a list of requests is `[{...}]` in JSON and
`<service_requests><request>…</request></service_requests>` in XML; booleans are true/false;
missing values are empty elements in XML and null in JSON.
"""

import json
from xml.etree import ElementTree

from django.http import HttpResponse

CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}

# For lists in XML: the element name of each item, by the name of the list that holds it.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}


def _text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _append(parent, name, value):
    element = ElementTree.SubElement(parent, name)
    if isinstance(value, dict):
        for key, item in value.items():
            _append(element, key, item)
    elif isinstance(value, list):
        for item in value:
            _append(element, ITEM_NAMES.get(name, "item"), item)
    else:
        element.text = _text(value)
    return element


def to_xml(root, data):
    """`data` (a dict or a list) under a root element named `root`."""
    element = ElementTree.Element(root)
    if isinstance(data, list):
        for item in data:
            _append(element, ITEM_NAMES.get(root, "item"), item)
    else:
        for key, value in data.items():
            _append(element, key, value)
    return (
        b'<?xml version="1.0" encoding="utf-8"?>\n'
        + ElementTree.tostring(element, encoding="unicode").encode()
    )


def render(data, *, fmt, root, status=200):
    body = to_xml(root, data) if fmt == "xml" else json.dumps(data, ensure_ascii=False).encode()
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def render_errors(status, descriptions, *, fmt):
    """The spec's error document: [{"code": 400, "description": "…"}] / <errors><error>…."""
    errors = [{"code": status, "description": str(description)} for description in descriptions]
    return render(errors, fmt=fmt, root="errors", status=status)
