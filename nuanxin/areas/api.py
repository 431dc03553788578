"""The area tree as JSON: public reference data, read-only.

GET /api/v1/areas/?parent=<12-digit code>   the children of a node (the roots without `parent`)
GET /api/v1/areas/{code}                     one node with its ancestors, root first
"""

from ninja import Path, Query, Router

from . import selectors
from .schemas import AreaDetailOut, AreaListOut

router = Router(tags=["areas"])

CODE_PATTERN = r"^\d{12}$"


@router.get("/", response=AreaListOut, auth=None, summary="Children of an area (or the roots)")
def area_list(request, parent: str | None = Query(None, pattern=CODE_PATTERN)):
    """The nodes directly below `parent` in code order; without `parent`, the roots of the tree.
    Each item says how many children it has. 404 when `parent` is unknown."""
    return {"items": selectors.area_children(parent_code=parent)}


@router.get("/{code}", response=AreaDetailOut, auth=None, summary="One area with its ancestors")
def area_detail(request, code: str = Path(..., pattern=CODE_PATTERN)):
    area, ancestors = selectors.area_get_with_ancestors(code=code)
    area.ancestors = ancestors
    return area
