"""Who may see which part of the area tree in the back office.

The tree itself is public reference data (the API serves it to anyone), but the back office shows
each staff account only its own subtree, the same rule every other model follows: a street's staff
see their street and its communities, a district's staff their district, a superuser everything.
Nobody edits areas by hand: the tree changes only through the division import
(`services.area_import`), so the admin is read-only for everyone.
"""

from nuanxin.core.permissions import is_superuser, object_in_actor_area

VIEW = "view"


def _is_bound_staff(actor):
    return bool(
        getattr(actor, "is_authenticated", False)
        and actor.is_active
        and actor.is_staff
        and getattr(actor, "area_id", None) is not None
    )


def area_tree_scope(actor, queryset):
    """The nodes at or below the actor's area; all for a superuser; none for anyone else."""
    if is_superuser(actor):
        return queryset
    if not _is_bound_staff(actor):
        return queryset.none()
    return queryset.filter(path__startswith=actor.area.path)


class AreaPolicy:
    """`scope` and `can` for the back office's area pages (view only)."""

    def scope(self, actor, queryset):
        return area_tree_scope(actor, queryset)

    def can(self, actor, action, obj):
        if action != VIEW:
            return False
        if is_superuser(actor):
            return True
        if not _is_bound_staff(actor):
            return False
        return obj is None or object_in_actor_area(actor, obj)


area_policy = AreaPolicy()
