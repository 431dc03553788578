"""Reads on the area tree."""

from .models import Area


def area_subtree(area, *, include_self=True):
    """Every node at or below `area` (one indexed prefix query)."""
    queryset = Area.objects.filter(path__startswith=area.path)
    return queryset if include_self else queryset.exclude(pk=area.pk)


def area_get_by_code(code):
    return Area.objects.filter(code=code).first()
