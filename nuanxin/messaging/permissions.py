"""Who may see and act on announcements, deliveries, robots and inbox messages.

Staff side: superusers everything; city, district and street staff (area managers) the rows whose
area lies in their subtree — write, publish and delete draft announcements, see deliveries and retry
failed ones, manage their area's WeCom robots. Everyone else: nothing.

Courier side: a courier sees and marks read only their own inbox messages
(`courier_inbox_scope`); another courier's message id answers 404.

Staff notices: every staff account (a staff role, or a superuser) sees and marks read only its own
(`staff_notice_scope`); another account's notice id answers 404; couriers and accounts without a
staff role get 403 (`require_staff_account`).
"""

from nuanxin.accounts.models import STAFF_ROLES
from nuanxin.core.errors import PermissionDenied
from nuanxin.core.permissions import (
    AreaManagerPolicy,
    is_area_manager,
    is_superuser,
)

VIEW = "view"
ADD = "add"
CHANGE = "change"
DELETE = "delete"
PUBLISH = "publish"
RETRY = "retry"


# The one area-manager policy of the project (core.permissions), under the name this module used.
AreaPolicy = AreaManagerPolicy


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


def is_staff_account(actor):
    """An active account with a staff role (or a superuser): the accounts that get staff notices."""
    return bool(
        getattr(actor, "is_authenticated", False)
        and actor.is_active
        and (actor.is_superuser or actor.role in STAFF_ROLES)
    )


def require_staff_account(actor):
    """Refuse (403) couriers and accounts without a staff role: the staff notices' first check."""
    if not is_staff_account(actor):
        raise PermissionDenied()
    return actor


def staff_notice_scope(actor, queryset):
    """A staff account's own notices (a superuser's too: nobody reads another's notices)."""
    if not getattr(actor, "is_authenticated", False):
        return queryset.none()
    return queryset.filter(recipient=actor)
