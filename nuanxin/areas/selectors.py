"""Reads on the area tree."""

from django.db.models import Count

from nuanxin.core.errors import NotFound

from .models import Area

# The columns a tree listing needs; `children_count` tells a client whether a node expands.
_LIST_FIELDS = ("id", "code", "name", "level", "parent_id", "path", "full_name")


def area_subtree(area, *, include_self=True):
    """Every node at or below `area` (one indexed prefix query)."""
    queryset = Area.objects.filter(path__startswith=area.path)
    return queryset if include_self else queryset.exclude(pk=area.pk)


def area_get_by_code(code):
    return Area.objects.filter(code=code).first()


def _with_children_count(queryset):
    return queryset.only(*_LIST_FIELDS).annotate(children_count=Count("children")).order_by("code")


def area_children(*, parent_code=None):
    """The children of the node `parent_code` (the roots without one), code order, each with
    `children_count` and `parent_code`. Raises NotFound for an unknown parent. Two queries."""
    if parent_code is None:
        parent = None
        queryset = Area.objects.filter(parent__isnull=True)
    else:
        parent = Area.objects.filter(code=parent_code).only("id", "code").first()
        if parent is None:
            raise NotFound()
        queryset = Area.objects.filter(parent_id=parent.pk)
    areas = list(_with_children_count(queryset))
    for area in areas:
        area.parent_code = parent.code if parent is not None else None
    return areas


def area_get_with_ancestors(*, code):
    """(area, ancestors root-first) for `code`, `children_count` set. Raises NotFound. Two queries."""
    area = _with_children_count(Area.objects.filter(code=code)).first()
    if area is None:
        raise NotFound()
    ancestor_codes = [part for part in area.path.strip("/").split("/")[:-1] if part]
    by_code = {node.code: node for node in Area.objects.filter(code__in=ancestor_codes).only(*_LIST_FIELDS)}
    ancestors = [by_code[part] for part in ancestor_codes if part in by_code]
    area.parent_code = ancestors[-1].code if ancestors else None
    for index, node in enumerate(ancestors):
        node.parent_code = ancestors[index - 1].code if index else None
    return area, ancestors
