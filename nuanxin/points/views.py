"""The mobile pages of points and recognition:

- /m/points/ (courier): balance, points expiring soon, history, the rewards catalog, and the
  courier's live redeem code if one is open;
- /m/points/rewards/<id>/ (courier): "my redeem code" — the QR is loaded by POSTing to
  /m/points/rewards/<id>/code/ (htmx, on load and again before it expires), so a code is issued
  only while the page is open and each refresh replaces the one before;
- /m/points/leaderboard/ (courier): the leaderboards of the courier's street, district or city by
  volunteer hours or points, this month, this year or all time; names masked (张*), the courier's
  own row highlighted and, when outside the top, shown below with their rank;
- /m/stories/ and /m/stories/<id>/ (public): published 最美快递小哥 stories with photos.
"""

from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from nuanxin.core.errors import NotFound, ValidationFailed
from nuanxin.couriers.decorators import courier_login_required

from . import selectors, services
from .qr import qr_svg

HISTORY_SIZE = 30
# Refresh this many seconds before the code expires, so the screen never shows a dead code.
REFRESH_MARGIN_SECONDS = 20

METRIC_LABELS = {"hours": _("Volunteer hours"), "points": _("Points")}
SCOPE_LABELS = {"street": _("My street"), "district": _("My district"), "city": _("My city")}
PERIOD_LABELS = {"month": _("This month"), "year": _("This year"), "all": _("All time")}


@require_GET
@courier_login_required
def points_home(request):
    courier = request.courier
    expiring, next_expiry = selectors.expiring_soon(courier)
    return render(
        request,
        "points/pages/points.html",
        {
            "balance": selectors.balance_of(courier),
            "expiring": expiring,
            "next_expiry": next_expiry,
            "entries": selectors.entry_list_for_courier(courier)[:HISTORY_SIZE],
            "rewards": selectors.public_reward_list(),
            "live_code": selectors.latest_live_code(courier),
            "active_tab": "home",
        },
    )


def _reward_or_404(public_id):
    try:
        return selectors.public_reward_get(public_id=public_id)
    except NotFound:
        raise Http404() from None


@require_GET
@courier_login_required
def redeem_code_page(request, public_id):
    reward = _reward_or_404(public_id)
    return render(
        request,
        "points/pages/redeem_code.html",
        {"reward": reward, "balance": selectors.balance_of(request.courier), "active_tab": "home"},
    )


@require_POST
@courier_login_required
def redeem_code_fragment(request, public_id):
    reward = _reward_or_404(public_id)
    try:
        code, token = services.redeem_code_issue(courier=request.courier, reward=reward)
    except ValidationFailed as error:
        return render(
            request, "points/pages/_redeem_code_refused.html", {"message": error.text()}, status=400
        )
    ttl = int((code.expires_at - code.created_at).total_seconds())
    response = render(
        request,
        "points/pages/_redeem_code.html",
        {
            "code": code,
            "reward": reward,
            "svg": qr_svg(token),
            "refresh_seconds": max(ttl - REFRESH_MARGIN_SECONDS, 5),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def story_list(request):
    return render(
        request,
        "points/pages/stories.html",
        {"stories": selectors.published_story_list()[:50], "active_tab": "home"},
    )


@require_GET
def story_detail(request, public_id):
    try:
        story = selectors.published_story_get(public_id=public_id)
    except NotFound:
        raise Http404() from None
    return render(request, "points/pages/story.html", {"story": story, "active_tab": "home"})


@require_GET
@courier_login_required
def leaderboard(request):
    """The leaderboards: tabs hours | points, the courier's street, district or city, this month,
    this year or all time (GET metric, scope, period; unknown values fall back to the defaults)."""
    courier = request.courier
    chosen = selectors.courier_leaderboard(
        courier=courier,
        metric=request.GET.get("metric"),
        scope=request.GET.get("scope"),
        period=request.GET.get("period"),
    )
    current = {"metric": chosen.metric, "scope": chosen.scope, "period": chosen.period}

    def options(name, labels, values):
        return [
            {
                "value": value,
                "label": labels[value],
                "query": urlencode({key: item for key, item in {**current, name: value}.items() if item}),
                "is_current": current[name] == value,
            }
            for value in values
        ]

    board = chosen.board
    rows = []
    if board is not None:
        rows = [
            {"row": row, "name": selectors.masked_name(row.courier), "is_me": row.courier.pk == courier.pk}
            for row in board.rows
        ]
    return render(
        request,
        "points/pages/leaderboard.html",
        {
            "chosen": chosen,
            "board": board,
            "rows": rows,
            "own": board.own if board is not None else None,
            "own_name": selectors.masked_name(courier),
            "own_is_listed": board is not None and board.own_is_listed,
            "has_work_street": courier.work_area_id is not None,
            "area_name": chosen.areas[chosen.scope].name if chosen.scope else "",
            "metric_tabs": options("metric", METRIC_LABELS, list(METRIC_LABELS)),
            "scope_tabs": options("scope", SCOPE_LABELS, list(chosen.areas)) if chosen.scope else [],
            "period_tabs": options("period", PERIOD_LABELS, list(PERIOD_LABELS)),
            "size": selectors.LEADERBOARD_SIZE,
            "active_tab": "home",
        },
    )
