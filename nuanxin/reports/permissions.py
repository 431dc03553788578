"""Who may see and move street reports. One policy for the API, the pages and the admin.

- superuser: everything;
- area managers (city, district, street staff): reports whose street lies in their subtree — view,
  triage (accept, reject, dispatch, merge), handle, close. A district sees its streets' reports,
  and escalated ones are flagged for it (`escalated_to`);
- department handlers: the reports routed or dispatched to a department they belong to — view,
  triage those not yet dispatched (and dispatch only to their own
  departments), handle;
- the reporter (a courier): their own reports — view, reopen;
- everyone else: nothing. Forbidden and missing both answer 404 (`get_visible_or_404`).
"""

from django.db.models import Q

from nuanxin.accounts.models import Role
from nuanxin.core.errors import PermissionDenied
from nuanxin.core.permissions import actor_area_path, is_area_manager, is_superuser, object_in_actor_area

from . import transitions

VIEW = "view"


def is_department_handler(actor):
    return bool(
        getattr(actor, "is_authenticated", False)
        and actor.is_active
        and actor.role == Role.DEPARTMENT_HANDLER
    )


def is_staff_member(actor):
    return is_superuser(actor) or is_area_manager(actor) or is_department_handler(actor)


def require_staff(actor):
    """Refuse (403) anyone who has no report queue at all: the staff API's first check."""
    if not is_staff_member(actor):
        raise PermissionDenied()
    return actor


def report_scope(actor, queryset):
    """The reports a staff actor may see (couriers: see `courier_report_scope`)."""
    if is_superuser(actor):
        return queryset
    if is_area_manager(actor):
        return queryset.filter(area__path__startswith=actor_area_path(actor))
    if is_department_handler(actor):
        return queryset.filter(department__handlers=actor).distinct()
    return queryset.none()


def courier_report_scope(courier, queryset):
    return queryset.filter(reporter=courier)


def _handles(actor, report):
    return (
        is_department_handler(actor)
        and report.department_id is not None
        and report.department.handlers.filter(pk=actor.pk).exists()
    )


def _manages(actor, report):
    return is_area_manager(actor) and object_in_actor_area(actor, report.area)


def _is_reporter(actor, report):
    return bool(
        getattr(actor, "is_authenticated", False)
        and report.reporter_id is not None
        and report.reporter.user_id == actor.pk
    )


def can(actor, permission, report):
    """May `actor` exercise `permission` (VIEW or one of transitions' permissions) on `report`?"""
    if permission == transitions.REOPEN:
        return _is_reporter(actor, report)
    if permission == VIEW and _is_reporter(actor, report):
        return True
    if is_superuser(actor):
        return True
    if permission in (VIEW, transitions.HANDLE):
        return _manages(actor, report) or _handles(actor, report)
    if permission == transitions.TRIAGE:
        # A handler triages what was routed to their department and not yet dispatched.
        return _manages(actor, report) or (
            _handles(actor, report) and report.status in (transitions.SUBMITTED, transitions.ACCEPTED)
        )
    if permission == transitions.CLOSE:
        return _manages(actor, report)
    return False


def department_queue_filter(actor):
    """Q for "my department's queue" of a handler."""
    return Q(department__handlers=actor)


def is_superuser_or_manager(actor, report):
    return is_superuser(actor) or _manages(actor, report)
