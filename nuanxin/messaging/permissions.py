"""Who may see and act on announcements, deliveries, robots and inbox messages.

Staff side: superusers everything; city, district and street staff (area managers) the rows whose
area lies in their subtree — write, publish and delete draft announcements, see deliveries and retry
failed ones, manage their area's WeCom robots. Everyone else: nothing.

Courier side: a courier sees and marks read only their own inbox messages
(`courier_inbox_scope`); another courier's message id answers 404.
"""

from nuanxin.core.errors import PermissionDenied
from nuanxin.core.permissions import area_scope, is_superuser, object_in_actor_area

VIEW = "view"
ADD = "add"
CHANGE = "change"
DELETE = "delete"
PUBLISH = "publish"
RETRY = "retry"


def is_area_manager(actor):
    return bool(
        getattr(actor, "is_authenticated", False)
        and actor.is_active
        and actor.is_area_manager
        and actor.area_id is not None
    )


class AreaPolicy:
    """Rows reaching their area through `area_field`: area managers of the subtree may do `actions`."""

    def __init__(self, actions, *, area_attribute="area", area_field="area"):
        self.actions = frozenset(actions)
        self.area_attribute = area_attribute
        self.area_field = area_field

    def _area_of(self, obj):
        for part in self.area_attribute.split("."):
            obj = getattr(obj, part, None)
        return obj

    def scope(self, actor, queryset):
        if is_superuser(actor):
            return queryset
        if is_area_manager(actor):
            return area_scope(actor, queryset, area_field=self.area_field)
        return queryset.none()

    def can(self, actor, action, obj):
        """May `actor` do `action` to `obj` (`obj=None`: to some row at all)."""
        if action not in self.actions:
            return False
        if is_superuser(actor):
            return True
        if not is_area_manager(actor):
            return False
        return obj is None or object_in_actor_area(actor, self._area_of(obj))


announcement_policy = AreaPolicy({VIEW, ADD, CHANGE, DELETE, PUBLISH})
delivery_policy = AreaPolicy(
    {VIEW, RETRY}, area_attribute="announcement.area", area_field="announcement__area"
)
robot_policy = AreaPolicy({VIEW, ADD, CHANGE, DELETE})
inbox_staff_policy = AreaPolicy(
    {VIEW}, area_attribute="recipient.work_area", area_field="recipient__work_area"
)


def courier_inbox_scope(courier, queryset):
    """A courier's own inbox."""
    return queryset.filter(recipient=courier)


def require_area_manager(actor):
    """Refuse (403) anyone but a superuser or an area manager: the staff API's first check."""
    if not (is_superuser(actor) or is_area_manager(actor)):
        raise PermissionDenied()
    return actor
