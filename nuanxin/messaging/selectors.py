"""Reads of messaging, always through a permission scope (missing and forbidden both answer 404)."""

from django.db.models import Case, Count, IntegerField, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce

from nuanxin.areas.models import Area
from nuanxin.core.permissions import get_visible_or_404

from .models import Announcement, Delivery, InboxMessage, StaffNotice, WeComRobot
from .permissions import (
    announcement_policy,
    courier_inbox_scope,
    delivery_policy,
    robot_policy,
    staff_notice_scope,
)


def inbox_list(*, courier, unread_only=False):
    queryset = courier_inbox_scope(courier, InboxMessage.objects.all())
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    return queryset.order_by("-created_at", "-id")


def inbox_unread_count(*, courier):
    return courier_inbox_scope(courier, InboxMessage.objects.filter(read_at__isnull=True)).count()


def inbox_get(*, courier, public_id):
    return get_visible_or_404(courier_inbox_scope(courier, InboxMessage.objects.all()), public_id=public_id)


def staff_notice_list(*, actor, unread_only=False):
    """The actor's own notices: unread first, then newest first."""
    queryset = staff_notice_scope(actor, StaffNotice.objects.all())
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    return queryset.annotate(
        is_unread=Case(
            When(read_at__isnull=True, then=Value(1)), default=Value(0), output_field=IntegerField()
        )
    ).order_by("-is_unread", "-created_at", "-id")


def staff_notice_unread_count(*, actor):
    return staff_notice_scope(actor, StaffNotice.objects.filter(read_at__isnull=True)).count()


def staff_notice_get(*, actor, public_id):
    return get_visible_or_404(staff_notice_scope(actor, StaffNotice.objects.all()), public_id=public_id)


def _count(queryset):
    """A correlated count of `queryset`'s rows of each announcement (one subquery, no join fan-out)."""
    counted = (
        queryset.filter(announcement=OuterRef("pk"))
        .order_by()
        .values("announcement")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def announcement_list(*, actor, area_code=None, status=None):
    queryset = (
        announcement_policy.scope(actor, Announcement.objects.all())
        .select_related("area", "company", "created_by")
        .annotate(
            sent_count=_count(Delivery.objects.filter(status=Delivery.Status.SENT)),
            failed_count=_count(Delivery.objects.filter(status=Delivery.Status.FAILED)),
            pending_count=_count(Delivery.objects.filter(status=Delivery.Status.PENDING)),
            read_count=_count(InboxMessage.objects.filter(read_at__isnull=False)),
        )
    )
    if area_code:
        area = Area.objects.filter(code=area_code).first()
        if area is None:
            return queryset.none()
        queryset = queryset.filter(area__path__startswith=area.path)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-created_at", "-id")


def announcement_get(*, actor, public_id):
    return get_visible_or_404(
        announcement_policy.scope(actor, Announcement.objects.select_related("area", "company")),
        public_id=public_id,
    )


def delivery_list(*, actor, status=None, channel=None, announcement_id=None):
    queryset = delivery_policy.scope(actor, Delivery.objects.all()).select_related(
        "announcement__area", "recipient", "robot"
    )
    if status:
        queryset = queryset.filter(status=status)
    if channel:
        queryset = queryset.filter(channel=channel)
    if announcement_id:
        try:
            queryset = queryset.filter(announcement__public_id=announcement_id)
        except (ValueError, TypeError):
            return queryset.none()
    return queryset.order_by("-id")


def delivery_get(*, actor, delivery_id):
    return get_visible_or_404(
        delivery_policy.scope(actor, Delivery.objects.select_related("announcement__area")), pk=delivery_id
    )


def robot_list(*, actor):
    return robot_policy.scope(actor, WeComRobot.objects.select_related("area")).order_by("area__path", "name")
