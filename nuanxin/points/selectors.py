"""Reads of the points economy: balances, history, the catalog, redemptions, leaderboards, stories."""

import datetime
from collections import defaultdict

from django.db.models import Q, Sum
from django.utils import timezone

from nuanxin.core.permissions import get_visible_or_404
from nuanxin.couriers.models import CourierProfile

from .models import Balance, EarnRule, LedgerEntry, Lot, RedeemCode, Reward, Story
from .permissions import courier_scope, reward_scope, rule_scope, story_scope

EXPIRING_WITHIN_DAYS = 30
PERIODS = ("week", "month", "year", "all")
LEADERBOARD_SIZE = 20


def balance_of(courier):
    return Balance.objects.filter(courier=courier).values_list("points", flat=True).first() or 0


def expiring_soon(courier, *, at=None, within_days=EXPIRING_WITHIN_DAYS):
    """(points that expire within `within_days`, the first such expiry) for the courier."""
    at = at or timezone.now()
    lots = Lot.objects.filter(
        courier=courier,
        remaining__gt=0,
        expires_at__gt=at,
        expires_at__lte=at + datetime.timedelta(days=within_days),
    ).order_by("expires_at")
    first = lots.first()
    total = lots.aggregate(total=Sum("remaining"))["total"] or 0
    return total, (first.expires_at if first else None)


def entry_list_for_courier(courier):
    return (
        LedgerEntry.objects.filter(courier=courier)
        .select_related("rule", "redeem_code__reward__merchant")
        .order_by("-occurred_at", "-id")
    )


def public_reward_list():
    """Rewards couriers may redeem: active rewards of active merchants (out-of-stock ones included)."""
    return (
        Reward.objects.filter(is_active=True, merchant__is_active=True)
        .select_related("merchant__area")
        .order_by("points_price", "id")
    )


def public_reward_get(*, public_id):
    return get_visible_or_404(public_reward_list(), public_id=public_id)


def latest_live_code(courier, *, at=None):
    """The courier's newest unused, unexpired redeem code, or None."""
    at = at or timezone.now()
    return (
        RedeemCode.objects.filter(courier=courier, redeemed_at__isnull=True, expires_at__gt=at)
        .select_related("reward__merchant")
        .order_by("-created_at")
        .first()
    )


def redemption_list_for_merchant_account(*, actor):
    """The codes this merchant account's merchants have confirmed, newest first (refunded ones
    included)."""
    return (
        RedeemCode.objects.filter(reward__merchant__accounts=actor, redeemed_at__isnull=False)
        .select_related("reward__merchant__area", "courier", "entry")
        .order_by("-redeemed_at", "-id")
    )


def merchant_redemption_get(*, actor, public_id):
    """One redemption of this merchant account's merchants; NotFound for anyone else's."""
    return get_visible_or_404(redemption_list_for_merchant_account(actor=actor), public_id=public_id)


def staff_redemption_list(*, actor):
    """Confirmed redemptions at merchants in the staff member's subtree, newest first."""
    codes = RedeemCode.objects.filter(
        redeemed_at__isnull=False, reward__in=reward_scope(actor, Reward.objects.all())
    )
    return codes.select_related("reward__merchant__area", "courier", "entry").order_by("-redeemed_at", "-id")


def staff_redemption_get(*, actor, public_id):
    return get_visible_or_404(staff_redemption_list(actor=actor), public_id=public_id)


def rule_list(*, actor):
    return rule_scope(actor, EarnRule.objects.select_related("area")).order_by("code")


def rule_get(*, actor, public_id):
    return get_visible_or_404(rule_list(actor=actor), public_id=public_id)


def staff_reward_list(*, actor):
    return reward_scope(actor, Reward.objects.select_related("merchant__area")).order_by(
        "merchant__name", "id"
    )


def staff_reward_get(*, actor, public_id):
    return get_visible_or_404(staff_reward_list(actor=actor), public_id=public_id)


def staff_courier_get(*, actor, public_id):
    return get_visible_or_404(
        courier_scope(actor, CourierProfile.objects.select_related("work_area")), public_id=public_id
    )


def staff_entry_get(*, actor, public_id):
    entries = LedgerEntry.objects.filter(
        courier__in=courier_scope(actor, CourierProfile.objects.all())
    ).select_related("courier__work_area", "rule")
    return get_visible_or_404(entries, public_id=public_id)


def staff_story_list(*, actor):
    return story_scope(actor, Story.objects.select_related("area", "courier")).prefetch_related("photos")


def staff_story_get(*, actor, public_id):
    return get_visible_or_404(staff_story_list(actor=actor), public_id=public_id)


def published_story_list(*, area=None):
    stories = Story.objects.filter(status=Story.Status.PUBLISHED).select_related("area", "courier")
    if area is not None:
        stories = stories.filter(area__path__startswith=area.path)
    return stories.prefetch_related("photos").order_by("-published_at", "-id")


def published_story_get(*, public_id):
    return get_visible_or_404(published_story_list(), public_id=public_id)


def period_bounds(period, *, at=None):
    """(since, until) of "week" (from Monday), "month", "year" or "all" up to `at`, in Asia/Shanghai."""
    at = at or timezone.now()
    local = timezone.localtime(at)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "week":
        since = midnight - datetime.timedelta(days=midnight.weekday())
    elif period == "month":
        since = midnight.replace(day=1)
    elif period == "year":
        since = midnight.replace(month=1, day=1)
    else:
        since = None
    return since, at


def points_leaderboard(*, area, since=None, until=None, limit=LEADERBOARD_SIZE):
    """[(courier, points earned)] of couriers working in `area`'s subtree, most first.

    Points earned = earn entries minus their reversals in the period (spending and expiry do not
    lower a courier's standing).
    """
    earned = Q(kind=LedgerEntry.Kind.EARN) | Q(kind=LedgerEntry.Kind.REVERSAL)
    entries = LedgerEntry.objects.filter(earned, courier__work_area__path__startswith=area.path)
    if since is not None:
        entries = entries.filter(occurred_at__gte=since)
    if until is not None:
        entries = entries.filter(occurred_at__lt=until)
    rows = list(
        entries.values("courier_id")
        .annotate(total=Sum("points"))
        .filter(total__gt=0)
        .order_by("-total", "courier_id")[:limit]
    )
    couriers = CourierProfile.objects.select_related("work_area").in_bulk([row["courier_id"] for row in rows])
    return [(couriers[row["courier_id"]], row["total"]) for row in rows]


def hours_leaderboard(*, area, since=None, until=None, limit=LEADERBOARD_SIZE):
    """[(courier, approved hours)] from the volunteer record of teams in `area`'s subtree, most first.

    Reads `nuanxin.volunteers.selectors.approved_service_hours` (the volunteer app's public surface).
    """
    from nuanxin.volunteers.selectors import approved_service_hours

    minutes = defaultdict(int)
    for service in approved_service_hours(since=since, until=until, area=area):
        minutes[service.courier_id] += service.minutes
    ranked = sorted(minutes.items(), key=lambda item: (-item[1], item[0]))[:limit]
    couriers = CourierProfile.objects.select_related("work_area").in_bulk(
        [courier_id for courier_id, _ in ranked]
    )
    return [(couriers[courier_id], round(total / 60, 1)) for courier_id, total in ranked if total > 0]


def masked_name(courier):
    """A name fit for a public leaderboard: the family name and stars (张*, 欧阳**)."""
    name = courier.name or ""
    if len(name) <= 1:
        return name or "*"
    keep = 2 if len(name) >= 4 else 1
    return name[:keep] + "*" * (len(name) - keep)
