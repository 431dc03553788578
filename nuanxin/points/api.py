"""The JSON API of the points economy and recognition, mounted at "/":

- courier: GET /me/points (balance), GET /me/points/entries (history), GET /points/rewards,
  POST /me/points/redeem-codes (a fresh single-use code and its QR as SVG),
  GET /me/points/leaderboard (masked names, the courier's own row);
- merchant account: POST /merchant/points/redeem-codes/confirm, GET /merchant/points/redemptions,
  POST /merchant/points/redemptions/{id}/refund (within NUANXIN_POINTS_REFUND_HOURS);
- public: GET /points/stories, GET /points/stories/{id};
- staff (area managers, scoped to their subtree): /manage/points/rules[/{id}],
  POST /manage/points/awards, POST /manage/points/entries/{id}/reverse,
  GET /manage/points/couriers/{id}/entries, /manage/points/rewards[/{id}],
  GET /manage/points/redemptions, POST /manage/points/redemptions/{id}/refund,
  GET /manage/points/leaderboard, /manage/points/stories[/{id}[/publish|/unpublish]].
"""

import uuid

from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile

from nuanxin.areas.models import Area
from nuanxin.core.api import AUTH
from nuanxin.core.errors import PermissionDenied, ValidationFailed
from nuanxin.core.permissions import object_in_actor_area
from nuanxin.couriers.permissions import require_courier
from nuanxin.merchants.selectors import merchant_get

from . import selectors, services
from .permissions import is_manager, is_merchant_account
from .qr import qr_svg
from .schemas import (
    AwardIn,
    AwardOut,
    BalanceOut,
    ConfirmIn,
    EntryOut,
    LeaderboardOut,
    LeaderboardQuery,
    MyLeaderboardOut,
    MyLeaderboardQuery,
    PageQuery,
    RedeemCodeIn,
    RedeemCodeOut,
    RedemptionOut,
    RefundIn,
    ReverseIn,
    RewardIn,
    RewardOut,
    RewardPatch,
    RuleIn,
    RuleOut,
    RulePatch,
    StoryOut,
    entry_out,
    redemption_out,
    reward_out,
    rule_out,
    story_out,
)

AREA_UNKNOWN = _("No area has this code.")
PERIOD_UNKNOWN = _("Choose one of: week, month, year, all.")
METRIC_UNKNOWN = _("Choose points or hours.")

router = Router()
courier_router = Router(tags=["points (courier)"], auth=AUTH)
merchant_router = Router(tags=["points (merchant account)"], auth=AUTH)
public_router = Router(tags=["points (public)"])
manage_router = Router(tags=["points (staff)"], auth=AUTH)


@courier_router.get("/me/points", response=BalanceOut)
def my_balance(request):
    """The courier's balance and the points that expire within 30 days."""
    courier = require_courier(request)
    expiring, next_expiry = selectors.expiring_soon(courier)
    return {
        "points": selectors.balance_of(courier),
        "expiring_points": expiring,
        "next_expiry_at": next_expiry,
    }


@courier_router.get("/me/points/entries", response=list[EntryOut])
def my_entries(request, page: Query[PageQuery]):
    """The courier's ledger, newest first."""
    courier = require_courier(request)
    return [entry_out(entry) for entry in page.slice(selectors.entry_list_for_courier(courier))]


@courier_router.get("/me/points/leaderboard", response=MyLeaderboardOut)
def my_leaderboard(request, query: Query[MyLeaderboardQuery]):
    """The leaderboard of the courier's street, district or city (`scope`) by approved volunteer
    hours or points earned (`metric`) this month, this year or all time (`period`, Asia/Shanghai).
    Names are masked (张*); `me` is the courier's own row, also when outside the top 20. Unknown
    values fall back to hours, this month and the street; 422 without a work street."""
    courier = require_courier(request)
    chosen = selectors.courier_leaderboard(
        courier=courier, metric=query.metric, scope=query.scope, period=query.period
    )
    board = chosen.board
    if board is None:
        raise ValidationFailed({"scope": [selectors.NO_BOARD_WITHOUT_WORK_STREET]})

    def public_row(row):
        return {
            "rank": row.rank,
            "name": selectors.masked_name(row.courier),
            "value": row.value,
            "is_me": row.courier.pk == courier.pk,
        }

    return {
        "metric": chosen.metric,
        "period": chosen.period,
        "scope": chosen.scope,
        "scopes": list(chosen.areas),
        "area_name": board.area.name,
        "since": board.since,
        "rows": [public_row(row) for row in board.rows],
        "me": public_row(board.own) if board.own else None,
    }


@courier_router.get("/points/rewards", response=list[RewardOut])
def reward_list(request):
    """The rewards catalog: active rewards of active merchants, cheapest first."""
    require_courier(request)
    return [reward_out(reward) for reward in selectors.public_reward_list()]


@courier_router.post("/me/points/redeem-codes", response={201: RedeemCodeOut})
def redeem_code_issue(request, payload: RedeemCodeIn):
    """A fresh single-use code for a reward, valid for a short time; show its QR to the merchant."""
    courier = require_courier(request)
    reward = selectors.public_reward_get(public_id=payload.reward_id)
    code, token = services.redeem_code_issue(courier=courier, reward=reward)
    return Status(
        201,
        {
            "id": code.public_id,
            "token": token,
            "expires_at": code.expires_at,
            "reward": reward_out(reward),
            "qr_svg": qr_svg(token),
        },
    )


@merchant_router.post("/merchant/points/redeem-codes/confirm", response=RedemptionOut)
def redeem_code_confirm(request, payload: ConfirmIn):
    """Confirm a scanned redeem code: refused when forged, expired, used, for another merchant,
    beyond the courier's balance or the reward's stock."""
    code = services.redeem_code_confirm(actor=request.user, token=payload.token)
    return redemption_out(code)


@merchant_router.get("/merchant/points/redemptions", response=list[RedemptionOut])
def redemption_list(request, page: Query[PageQuery]):
    """The redemptions this merchant account's merchants confirmed, newest first."""
    if not is_merchant_account(request.user):
        raise PermissionDenied()
    return [
        redemption_out(code)
        for code in page.slice(selectors.redemption_list_for_merchant_account(actor=request.user))
    ]


@merchant_router.post("/merchant/points/redemptions/{uuid:redemption_id}/refund", response=RedemptionOut)
def redemption_refund(request, redemption_id: uuid.UUID, payload: RefundIn):
    """Cancel a redemption this merchant confirmed, within NUANXIN_POINTS_REFUND_HOURS (default 24):
    the courier gets the points back, the reward its unit of stock. Another merchant's: 404; a second
    refund: 409 already_refunded; too late: 409 refund_window_passed (ask the street staff)."""
    if not is_merchant_account(request.user):
        raise PermissionDenied()
    code = selectors.merchant_redemption_get(actor=request.user, public_id=redemption_id)
    code = services.redeem_code_refund(actor=request.user, code=code, reason=payload.reason)
    return redemption_out(code)


@public_router.get("/points/stories", response=list[StoryOut])
def story_list(request, page: Query[PageQuery]):
    """Published stories (最美快递小哥), newest first."""
    return [story_out(story) for story in page.slice(selectors.published_story_list())]


@public_router.get("/points/stories/{uuid:story_id}", response=StoryOut)
def story_get(request, story_id: uuid.UUID):
    return story_out(selectors.published_story_get(public_id=story_id))


# --- staff ----------------------------------------------------------------------------------------


def _require_manager(request):
    if not is_manager(request.user):
        raise PermissionDenied()


def _area(code, field="area_code"):
    area = Area.objects.filter(code=code or "").first()
    if area is None:
        raise ValidationFailed({field: [AREA_UNKNOWN]})
    return area


@manage_router.get("/points/rules", response=list[RuleOut])
def rule_list(request):
    _require_manager(request)
    return [rule_out(rule) for rule in selectors.rule_list(actor=request.user)]


@manage_router.post("/points/rules", response={201: RuleOut})
def rule_create(request, payload: RuleIn):
    _require_manager(request)
    rule = services.earn_rule_create(
        actor=request.user,
        area=_area(payload.area_code),
        code=payload.code,
        name=payload.name,
        kind=payload.kind,
        points_per_unit=payload.points_per_unit,
        daily_cap=payload.daily_cap,
    )
    return Status(201, rule_out(rule))


@manage_router.patch("/points/rules/{uuid:rule_id}", response=RuleOut)
def rule_update(request, rule_id: uuid.UUID, payload: RulePatch):
    rule = selectors.rule_get(actor=request.user, public_id=rule_id)
    changes = payload.dict(exclude_unset=True)
    return rule_out(services.earn_rule_update(actor=request.user, rule=rule, **changes))


@manage_router.post("/points/awards", response={201: AwardOut, 200: AwardOut})
def award_create(request, payload: AwardIn):
    """Award points to a courier of the staff member's area by a rule (manual awards need a manual rule
    or any active rule; a courier outside the area answers 404)."""
    _require_manager(request)
    courier = selectors.staff_courier_get(actor=request.user, public_id=payload.courier_id)
    award = services.points_award(
        actor=request.user,
        courier=courier,
        rule_code=payload.rule_code,
        quantity=payload.quantity,
        note=payload.note,
    )
    body = {
        "entry": entry_out(award.entry),
        "points_requested": award.points_requested,
        "is_new": award.is_new,
        "is_clipped": award.is_clipped,
        "message": award.message,
    }
    return Status(201 if award.is_new else 200, body)


@manage_router.post("/points/entries/{uuid:entry_id}/reverse", response={201: EntryOut})
def entry_reverse(request, entry_id: uuid.UUID, payload: ReverseIn):
    """Correct an award by a reverse entry (nothing is edited or deleted). By default refused (409
    points_already_used) when some of its points were spent or expired; with `partial: true`, what
    is left is taken back and the shortfall recorded in the note."""
    _require_manager(request)
    entry = selectors.staff_entry_get(actor=request.user, public_id=entry_id)
    reversal = services.points_entry_reverse(
        actor=request.user, entry=entry, note=payload.note, partial=payload.partial
    )
    return Status(201, entry_out(reversal))


@manage_router.get("/points/redemptions", response=list[RedemptionOut])
def staff_redemption_list(request, page: Query[PageQuery]):
    """Confirmed redemptions at merchants of the staff member's area, newest first."""
    _require_manager(request)
    return [redemption_out(code) for code in page.slice(selectors.staff_redemption_list(actor=request.user))]


@manage_router.post("/points/redemptions/{uuid:redemption_id}/refund", response=RedemptionOut)
def staff_redemption_refund(request, redemption_id: uuid.UUID, payload: RefundIn):
    """Refund a redemption at a merchant of the staff member's area, at any time (outside: 404)."""
    _require_manager(request)
    code = selectors.staff_redemption_get(actor=request.user, public_id=redemption_id)
    code = services.redeem_code_refund(actor=request.user, code=code, reason=payload.reason)
    return redemption_out(code)


@manage_router.get("/points/couriers/{uuid:courier_id}/entries", response=list[EntryOut])
def courier_entries(request, courier_id: uuid.UUID, page: Query[PageQuery]):
    _require_manager(request)
    courier = selectors.staff_courier_get(actor=request.user, public_id=courier_id)
    return [entry_out(entry) for entry in page.slice(selectors.entry_list_for_courier(courier))]


@manage_router.get("/points/rewards", response=list[RewardOut])
def staff_reward_list(request):
    _require_manager(request)
    return [reward_out(reward) for reward in selectors.staff_reward_list(actor=request.user)]


@manage_router.post("/points/rewards", response={201: RewardOut})
def reward_create(request, payload: RewardIn):
    _require_manager(request)
    merchant = merchant_get(actor=request.user, public_id=payload.merchant_id)
    reward = services.reward_create(
        actor=request.user,
        merchant=merchant,
        title=payload.title,
        description=payload.description,
        points_price=payload.points_price,
        stock=payload.stock,
    )
    return Status(201, reward_out(reward))


@manage_router.patch("/points/rewards/{uuid:reward_id}", response=RewardOut)
def reward_update(request, reward_id: uuid.UUID, payload: RewardPatch):
    reward = selectors.staff_reward_get(actor=request.user, public_id=reward_id)
    changes = payload.dict(exclude_unset=True)
    return reward_out(services.reward_update(actor=request.user, reward=reward, **changes))


@manage_router.get("/points/leaderboard", response=LeaderboardOut)
def leaderboard(request, query: Query[LeaderboardQuery]):
    """The top couriers working in an area (default: the staff member's own) by points earned or
    approved volunteer hours served in a period (week, month, year, all; Asia/Shanghai)."""
    _require_manager(request)
    if query.period not in selectors.PERIODS:
        raise ValidationFailed({"period": [PERIOD_UNKNOWN]})
    if query.metric not in selectors.METRICS:
        raise ValidationFailed({"metric": [METRIC_UNKNOWN]})
    area = _area(query.area_code) if query.area_code else request.user.area
    if area is None or not object_in_actor_area(request.user, area):
        raise ValidationFailed({"area_code": [services.AREA_OUTSIDE_YOURS]})
    since, until = selectors.period_bounds(query.period)
    board = selectors.leaderboard(area=area, metric=query.metric, since=since, until=until)
    return {
        "area_code": area.code,
        "period": query.period,
        "metric": query.metric,
        "rows": [
            {
                "rank": row.rank,
                "courier_id": row.courier.public_id,
                "name": row.courier.name,
                "work_area": row.courier.work_area.name if row.courier.work_area_id else "",
                "value": row.value,
            }
            for row in board.rows
        ],
    }


@manage_router.get("/points/stories", response=list[StoryOut])
def staff_story_list(request):
    _require_manager(request)
    return [story_out(story) for story in selectors.staff_story_list(actor=request.user)]


@manage_router.post("/points/stories", response={201: StoryOut})
def story_create(
    request,
    title: Form[str],
    body: Form[str],
    area_code: Form[str],
    courier_id: Form[uuid.UUID | None] = None,
    photos: list[UploadedFile] = File(None),  # noqa: B008
):
    """A draft story with up to 9 photos (multipart/form-data); publish it to show it on /m/stories/."""
    _require_manager(request)
    courier = None
    if courier_id is not None:
        courier = selectors.staff_courier_get(actor=request.user, public_id=courier_id)
    story = services.story_create(
        actor=request.user,
        area=_area(area_code),
        title=title,
        body=body,
        courier=courier,
        photos=photos or (),
    )
    return Status(201, story_out(selectors.staff_story_get(actor=request.user, public_id=story.public_id)))


@manage_router.post("/points/stories/{uuid:story_id}/publish", response=StoryOut)
def story_publish(request, story_id: uuid.UUID):
    story = selectors.staff_story_get(actor=request.user, public_id=story_id)
    services.story_publish(actor=request.user, story=story)
    return story_out(selectors.staff_story_get(actor=request.user, public_id=story_id))


@manage_router.post("/points/stories/{uuid:story_id}/unpublish", response=StoryOut)
def story_unpublish(request, story_id: uuid.UUID):
    story = selectors.staff_story_get(actor=request.user, public_id=story_id)
    services.story_unpublish(actor=request.user, story=story)
    return story_out(selectors.staff_story_get(actor=request.user, public_id=story_id))


router.add_router("/", courier_router)
router.add_router("/", merchant_router)
router.add_router("/", public_router)
router.add_router("/manage/", manage_router)
