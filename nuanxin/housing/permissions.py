"""Who may see and decide housing rows.

Staff side (one rule for the API, the admin and the pages): a superuser sees everything; city,
district and street staff and stewards see and act on the apartments, stays, offers and lease
intents of their area subtree (a steward's area is their street). Everyone else sees nothing, and a
row outside the actor's area answers 404 like a missing one.

Courier side: every courier sees the open apartments and offers; their own stays and intents only.
"""

from nuanxin.accounts.models import Role
from nuanxin.core.permissions import area_scope, is_superuser, object_in_actor_area

VIEW = "view"
ADD = "add"
CHANGE = "change"
DELETE = "delete"
DECIDE = "decide"

HOUSING_STAFF_ROLES = {Role.CITY_STAFF, Role.DISTRICT_STAFF, Role.STREET_STAFF, Role.STEWARD}


def is_housing_staff(actor):
    return bool(
        getattr(actor, "is_authenticated", False)
        and actor.is_active
        and actor.role in HOUSING_STAFF_ROLES
        and actor.area_id is not None
    )


class HousingPolicy:
    """Rows reached through `area_field`; `area_of(obj)` gives one row's area."""

    def __init__(self, *, area_field, area_of, actions):
        self.area_field = area_field
        self.area_of = area_of
        self.actions = frozenset(actions)

    def scope(self, actor, queryset):
        if is_superuser(actor):
            return queryset
        if is_housing_staff(actor):
            return area_scope(actor, queryset, area_field=self.area_field)
        return queryset.none()

    def can(self, actor, action, obj):
        if action not in self.actions:
            return False
        if is_superuser(actor):
            return True
        if not is_housing_staff(actor):
            return False
        return obj is None or object_in_actor_area(actor, self.area_of(obj))


apartment_policy = HousingPolicy(
    area_field="area", area_of=lambda apartment: apartment.area, actions={VIEW, ADD, CHANGE, DELETE}
)
room_policy = HousingPolicy(
    area_field="apartment__area",
    area_of=lambda room: room.apartment.area,
    actions={VIEW, ADD, CHANGE, DELETE},
)
stay_policy = HousingPolicy(
    area_field="room__apartment__area", area_of=lambda stay: stay.room.apartment.area, actions={VIEW, DECIDE}
)
offer_policy = HousingPolicy(
    area_field="area", area_of=lambda offer: offer.area, actions={VIEW, ADD, CHANGE, DELETE}
)
intent_policy = HousingPolicy(
    area_field="offer__area", area_of=lambda intent: intent.offer.area, actions={VIEW}
)
