"""Reads of S2: the courier's searchable library, the staff list and the read receipts."""

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from nuanxin.core.permissions import get_visible_or_404

from .models import Policy, PolicyRead
from .permissions import courier_policy_scope, policy_policy


def _today():
    return timezone.localdate()


def policy_search(queryset, *, q="", department="", category="", in_effect=False, today=None):
    if q:
        for word in q.split()[:5]:
            queryset = queryset.filter(
                Q(title__icontains=word)
                | Q(summary__icontains=word)
                | Q(body__icontains=word)
                | Q(issuer__icontains=word)
            )
    if department:
        queryset = queryset.filter(department=department)
    if category:
        queryset = queryset.filter(category=category)
    if in_effect:
        today = today or _today()
        queryset = queryset.filter(
            Q(effective_from__isnull=True) | Q(effective_from__lte=today),
            Q(effective_until__isnull=True) | Q(effective_until__gte=today),
        )
    return queryset


def policy_list_for_courier(*, courier, q="", department="", category="", in_effect=False):
    """The published policies concerning the courier, newest first, each with `is_read`."""
    queryset = courier_policy_scope(courier, Policy.objects.all()).select_related("area")
    queryset = policy_search(queryset, q=q, department=department, category=category, in_effect=in_effect)
    read = PolicyRead.objects.filter(courier=courier, policy_id=OuterRef("pk"))
    return queryset.annotate(is_read=Exists(read)).order_by("-published_at", "-id")


def policy_get_for_courier(*, courier, public_id):
    """One policy the courier may read. Raises NotFound (also for a draft or another area's)."""
    return get_visible_or_404(
        courier_policy_scope(courier, Policy.objects.select_related("area")), public_id=public_id
    )


def policy_list_for_staff(*, actor, q="", department="", category="", status=""):
    queryset = policy_policy.scope(actor, Policy.objects.select_related("area")).annotate(
        read_count=Count("reads", distinct=True)
    )
    if status:
        queryset = queryset.filter(status=status)
    return policy_search(queryset, q=q, department=department, category=category).order_by(
        "-created_at", "-id"
    )


def policy_get_for_staff(*, actor, public_id):
    return get_visible_or_404(
        policy_policy.scope(actor, Policy.objects.select_related("area")), public_id=public_id
    )


def policy_receipts(*, policy):
    """Read receipts of a policy and the couriers reached by its pushes."""
    reached = sum(push.announcement.recipient_count for push in policy.pushes.select_related("announcement"))
    return {
        "read_count": policy.reads.count(),
        "pushed_to": reached,
        "reads": policy.reads.select_related("courier").order_by("-read_at", "-id"),
    }
