"""Reads of the points economy: balances, history, the catalog, redemptions, leaderboards, stories."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.areas.models import Area
from nuanxin.core.permissions import actor_area_path, get_visible_or_404, is_superuser
from nuanxin.couriers.models import CourierProfile

from .models import Balance, EarnRule, LedgerEntry, Lot, RedeemCode, Reward, Story
from .permissions import courier_scope, is_manager, reward_scope, rule_scope, story_scope

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


# --- leaderboards (G5) ---------------------------------------------------------------------------
#
# One board ranks the couriers whose *work street* lies in an area's subtree (the same couriers the
# area's staff manage), by one of two figures over a half-open period [since, until):
#
# - "points": the sum of their earn and reversal (correction) entries whose `occurred_at` lies in
#   the period — exactly what summing the ledger gives; spending, refunds and expiry do not lower a
#   standing. A correction counts when it was written, so it can lower a later period's figure.
# - "hours": the minutes of their *effective* approved service entries of the volunteer record
#   (`nuanxin.volunteers.selectors.approved_service_hours`), counted on the day they were served
#   (Asia/Shanghai), as the volunteer record and certificates date them — whichever team recorded
#   them.
#
# Couriers whose account was deleted and couriers with nothing in the period are not ranked. Ties
# share a rank (1, 2, 2, 4), the older courier profile listed first.

METRICS = ("points", "hours")
NO_BOARD_WITHOUT_WORK_STREET = _(
    "Fill in your work street in your profile to see the leaderboards of your street, district and city."
)
COURIER_PERIODS = ("month", "year", "all")
SCOPE_LEVELS = {"street": Area.Level.STREET, "district": Area.Level.DISTRICT, "city": Area.Level.CITY}
# A service entry is written at approval, after a check-out that opens 30 minutes before the
# shift's start, or by hand for a day that has begun; so it is never written more than a day
# before the day it was served. Reading entries written from a day before the period is exact.
_SERVED_BEFORE_WRITTEN_MARGIN = datetime.timedelta(days=1)


@dataclass(frozen=True)
class BoardRow:
    rank: int
    courier: CourierProfile
    metric: str
    points: int = 0
    minutes: int = 0

    @property
    def hours(self):
        return round(self.minutes / 60, 2)

    @property
    def value(self):
        return self.points if self.metric == "points" else self.hours


@dataclass(frozen=True)
class Board:
    area: Area
    metric: str
    since: datetime.datetime | None
    until: datetime.datetime | None
    rows: list[BoardRow]
    # The row of the courier the board was asked for (None: nothing in the period, or not here).
    own: BoardRow | None = None

    @property
    def own_is_listed(self):
        return self.own is not None and any(row.courier.pk == self.own.courier.pk for row in self.rows)


def _local_midnight(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), _zone())


def _zone():
    return timezone.get_default_timezone()  # Asia/Shanghai: the calendar of every period


def period_bounds(period, *, at=None):
    """(since, until) of "week" (from Monday), "month", "year" or "all" (since None) up to `at`,
    in the Asia/Shanghai calendar."""
    at = at or timezone.now()
    today = timezone.localtime(at, _zone()).date()
    if period == "week":
        return _local_midnight(today - datetime.timedelta(days=today.weekday())), at
    if period == "month":
        return _local_midnight(today.replace(day=1)), at
    if period == "year":
        return _local_midnight(today.replace(month=1, day=1)), at
    return None, at


def date_range_bounds(first_day, last_day):
    """(since, until) of whole Asia/Shanghai days from `first_day` through `last_day`."""
    return _local_midnight(first_day), _local_midnight(last_day + datetime.timedelta(days=1))


def _ranked(totals):
    """[(courier_id, total)] sorted most first → [(rank, courier_id, total)] with shared ranks."""
    ranked, previous, rank = [], None, 0
    for position, (courier_id, total) in enumerate(totals, start=1):
        if total != previous:
            rank, previous = position, total
        ranked.append((rank, courier_id, total))
    return ranked


def _ranked_couriers():
    return CourierProfile.objects.filter(deleted_at__isnull=True)


def _points_totals(area, since, until):
    entries = LedgerEntry.objects.filter(
        kind__in=(LedgerEntry.Kind.EARN, LedgerEntry.Kind.REVERSAL),
        courier__in=_ranked_couriers().filter(work_area__path__startswith=area.path),
    )
    if since is not None:
        entries = entries.filter(occurred_at__gte=since)
    if until is not None:
        entries = entries.filter(occurred_at__lt=until)
    return entries.values("courier_id").annotate(total=Sum("points")).filter(total__gt=0)


def served_minutes_by_courier(*, area, since=None, until=None):
    """{courier id: approved minutes served in [since, until)} of couriers working in `area`'s
    subtree, from the volunteer record's effective entries (see the section comment)."""
    from nuanxin.volunteers.selectors import approved_service_hours

    written_since = since - _SERVED_BEFORE_WRITTEN_MARGIN if since is not None else None
    services = approved_service_hours(since=written_since)
    if not services:
        return {}
    in_area = set(
        _ranked_couriers().filter(work_area__path__startswith=area.path).values_list("pk", flat=True)
    )
    minutes = defaultdict(int)
    for service in services:
        if service.courier_id not in in_area:
            continue
        day_start = _local_midnight(service.served_on)
        if (since is None or day_start >= since) and (until is None or day_start < until):
            minutes[service.courier_id] += service.minutes
    return {courier_id: total for courier_id, total in minutes.items() if total > 0}


def leaderboard(*, area, metric, since=None, until=None, limit=LEADERBOARD_SIZE, courier=None):
    """The `limit` best couriers working in `area`'s subtree by `metric` ("points" or "hours") in
    [since, until), with `courier`'s own row and rank when given (also when below the top)."""
    own = None
    if metric == "points":
        totals = _points_totals(area, since, until)
        top = [(row["courier_id"], row["total"]) for row in totals.order_by("-total", "courier_id")[:limit]]
        ranked = _ranked(top)
        if courier is not None:
            mine = next(iter(totals.filter(courier_id=courier.pk).values_list("total", flat=True)), None)
            if mine:
                own = (totals.filter(total__gt=mine).count() + 1, courier.pk, mine)
    else:
        minutes = served_minutes_by_courier(area=area, since=since, until=until)
        everyone = _ranked(sorted(minutes.items(), key=lambda item: (-item[1], item[0])))
        ranked = everyone[:limit]
        if courier is not None and courier.pk in minutes:
            own = next(row for row in everyone if row[1] == courier.pk)
    couriers = CourierProfile.objects.select_related("work_area").in_bulk(
        [courier_id for _rank, courier_id, _total in ranked] + ([courier.pk] if own else [])
    )

    def row(rank, courier_id, total):
        figure = {"points": total} if metric == "points" else {"minutes": total}
        return BoardRow(rank=rank, courier=couriers[courier_id], metric=metric, **figure)

    return Board(
        area=area,
        metric=metric,
        since=since,
        until=until,
        rows=[row(*item) for item in ranked],
        own=row(*own) if own else None,
    )


def courier_board_areas(courier):
    """{"street": …, "district": …, "city": …}: the areas of the courier's work street (a city
    without districts has no "district"). Without a work street: the deployment's city alone, when
    the area tree holds exactly one city; else nothing."""
    if courier.work_area_id is None:
        cities = list(Area.objects.filter(level=Area.Level.CITY).order_by("code")[:2])
        return {"city": cities[0]} if len(cities) == 1 else {}
    chain = [*courier.work_area.ancestors(), courier.work_area]
    by_level = {area.level: area for area in chain}
    return {scope: by_level[level] for scope, level in SCOPE_LEVELS.items() if level in by_level}


@dataclass(frozen=True)
class CourierBoard:
    """What a courier asked for, after falling back from unknown values."""

    metric: str
    period: str
    scope: str | None
    areas: dict  # {scope: Area} the courier may pick, narrowest first
    board: Board | None  # None: no area to rank (no work street, not exactly one city)


def courier_leaderboard(*, courier, metric, scope, period, at=None, limit=LEADERBOARD_SIZE):
    """The board of the courier's street, district or city with their own row.

    An unknown metric, period or scope falls back to hours, this month and the narrowest scope
    the courier has."""
    metric = metric if metric in METRICS else "hours"
    period = period if period in COURIER_PERIODS else "month"
    areas = courier_board_areas(courier)
    if scope not in areas:
        scope = next(iter(areas), None)
    board = None
    if scope is not None:
        since, until = period_bounds(period, at=at)
        board = leaderboard(
            area=areas[scope], metric=metric, since=since, until=until, limit=limit, courier=courier
        )
    return CourierBoard(metric=metric, period=period, scope=scope, areas=areas, board=board)


def board_area_choices(*, actor):
    """The city, districts and streets a staff member may pick a board for: their own area and what
    lies below it, down to streets (couriers work in streets)."""
    areas = Area.objects.filter(level__lte=Area.Level.STREET, level__gte=Area.Level.CITY).order_by("path")
    if is_superuser(actor):
        return areas
    path = actor_area_path(actor)
    return areas.filter(path__startswith=path) if path and is_manager(actor) else areas.none()


def board_area_get(*, actor, code):
    """One area of `board_area_choices`; NotFound for an unknown code or one outside the actor's."""
    return get_visible_or_404(board_area_choices(actor=actor), code=code)


def masked_name(courier):
    """A name fit for a public leaderboard: the family name and stars (张*, 欧阳**)."""
    name = courier.name or ""
    if len(name) <= 1:
        return name or "*"
    keep = 2 if len(name) >= 4 else 1
    return name[:keep] + "*" * (len(name) - keep)
