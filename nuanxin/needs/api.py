"""The JSON API of P4 (needs, suggestions, forums) — and the mount point of P5's (messaging).

`router` is added to the one NinjaAPI at "/" and carries:
- courier endpoints: /needs, /needs/mine, /suggestions, /suggestions/mine (+ messaging's /inbox);
- staff endpoints under /manage/: needs (triage, reply, links, ranking), suggestions, forums
  (+ messaging's announcements and deliveries).
Handlers only validate, call selectors/services and shape the answer.
"""

import uuid
from typing import Literal

from ninja import Query, Router, Schema, Status

from nuanxin.areas.models import Area
from nuanxin.core.api import AUTH
from nuanxin.core.errors import ValidationFailed
from nuanxin.couriers.permissions import require_courier

from . import selectors, services
from .models import Need, NeedCategory
from .permissions import require_area_manager
from .schemas import (
    ChoiceOut,
    ForumIn,
    ForumListOut,
    ForumOut,
    LinksIn,
    NeedIn,
    NeedListOut,
    NeedOut,
    RankingOut,
    ReplyIn,
    StaffNeedDetailOut,
    StaffNeedIn,
    StaffNeedListOut,
    StaffNeedOut,
    StaffSuggestionListOut,
    StaffSuggestionOut,
    SuggestionIn,
    SuggestionListOut,
    SuggestionOut,
    SuggestionReplyIn,
    TransitionIn,
    forum_out,
    need_out,
    ranking_out,
    staff_need_out,
    staff_suggestion_out,
    suggestion_out,
)

MAX_PAGE = 100

router = Router()
courier_router = Router(tags=["needs and suggestions (courier)"], auth=AUTH)
manage_router = Router(tags=["needs and suggestions (staff)"], auth=AUTH)


class Page(Schema):
    limit: int = 20
    offset: int = 0


def _page(queryset, page):
    limit = min(max(page.limit, 1), MAX_PAGE)
    offset = max(page.offset, 0)
    return queryset.count(), list(queryset[offset : offset + limit])


# --- courier -----------------------------------------------------------------------------------


@router.get("/needs/categories", response=list[ChoiceOut], tags=["needs and suggestions (courier)"])
def need_categories(request):
    """The need categories a courier chooses from."""
    return [{"value": value, "label": str(label)} for value, label in NeedCategory.choices]


@courier_router.post("/needs", response={201: NeedOut})
def need_submit(request, payload: NeedIn):
    """Raise a need; it goes to the staff of the courier's work street."""
    courier = require_courier(request)
    need = services.need_submit(
        courier=courier, category=payload.category, title=payload.title, description=payload.description
    )
    return Status(201, need_out(Need.objects.select_related("area").get(pk=need.pk)))


@courier_router.get("/needs/mine", response=NeedListOut)
def need_list_mine(request, page: Query[Page]):
    """The courier's own needs, newest first, with the staff reply when there is one."""
    courier = require_courier(request)
    count, items = _page(selectors.need_list_for_courier(courier=courier).select_related("area"), page)
    return {"count": count, "items": [need_out(need) for need in items]}


@courier_router.get("/needs/mine/{uuid:need_id}", response=NeedOut)
def need_get_mine(request, need_id: uuid.UUID):
    courier = require_courier(request)
    return need_out(selectors.need_get_for_courier(courier=courier, public_id=need_id))


@courier_router.post("/suggestions", response={201: SuggestionOut})
def suggestion_submit(request, payload: SuggestionIn):
    """Write to the suggestion box (暖心信箱) of the courier's work street."""
    courier = require_courier(request)
    suggestion = services.suggestion_submit(courier=courier, subject=payload.subject, body=payload.body)
    return Status(201, suggestion_out(suggestion))


@courier_router.get("/suggestions/mine", response=SuggestionListOut)
def suggestion_list_mine(request, page: Query[Page]):
    courier = require_courier(request)
    count, items = _page(selectors.suggestion_list_for_courier(courier=courier).select_related("area"), page)
    return {"count": count, "items": [suggestion_out(item) for item in items]}


@courier_router.get("/suggestions/mine/{uuid:suggestion_id}", response=SuggestionOut)
def suggestion_get_mine(request, suggestion_id: uuid.UUID):
    courier = require_courier(request)
    return suggestion_out(selectors.suggestion_get_for_courier(courier=courier, public_id=suggestion_id))


# --- staff: needs ------------------------------------------------------------------------------


class NeedFilter(Page):
    area: str | None = None
    status: Literal[tuple(Need.Status.values)] | None = None  # type: ignore[valid-type]
    category: Literal[tuple(NeedCategory.values)] | None = None  # type: ignore[valid-type]
    source: Literal[tuple(Need.Source.values)] | None = None  # type: ignore[valid-type]
    q: str | None = None


@manage_router.get("/needs", response=StaffNeedListOut)
def manage_need_list(request, filters: Query[NeedFilter]):
    """The needs of the caller's area (or of `area`, a code inside it), newest first."""
    actor = require_area_manager(request.auth)
    queryset = selectors.need_list_for_staff(
        actor=actor,
        area_code=filters.area,
        status=filters.status,
        category=filters.category,
        source=filters.source,
        search=filters.q,
    )
    count, items = _page(queryset, filters)
    return {"count": count, "items": [staff_need_out(need) for need in items]}


@manage_router.post("/needs", response={201: StaffNeedOut})
def manage_need_create(request, payload: StaffNeedIn):
    """Record a need learned at an outreach visit, a forum or by phone."""
    actor = require_area_manager(request.auth)
    forum = None
    if payload.forum_id:
        forum = selectors.forum_get_for_staff(actor=actor, public_id=payload.forum_id)
    area = Area.objects.filter(code=payload.area_code).first()
    if area is None:
        raise ValidationFailed({"area_code": [services.AREA_UNKNOWN]})
    need = services.need_create(
        actor=actor,
        area=area,
        category=payload.category,
        title=payload.title,
        description=payload.description,
        source=payload.source,
        forum=forum,
    )
    return Status(201, staff_need_out(selectors.need_get_for_staff(actor=actor, public_id=need.public_id)))


class RankingQuery(Schema):
    area: str | None = None
    period: Literal["week", "month"] = "week"
    periods: int = 12


@manage_router.get("/needs/ranking", response=RankingOut)
def manage_need_ranking(request, query: Query[RankingQuery]):
    """Needs of an area by category, ranked by the count in the last `periods` weeks or months,
    with the count per period (the trend), the open count and the change against the period before."""
    actor = require_area_manager(request.auth)
    ranking = selectors.need_ranking(
        actor=actor, area_code=query.area, period=query.period, periods=query.periods
    )
    return ranking_out(ranking)


@manage_router.get("/needs/{uuid:need_id}", response=StaffNeedDetailOut)
def manage_need_get(request, need_id: uuid.UUID):
    actor = require_area_manager(request.auth)
    need = selectors.need_get_for_staff(actor=actor, public_id=need_id)
    return staff_need_out(need, events=selectors.need_events(need))


def _need_detail(actor, need):
    fresh = selectors.need_get_for_staff(actor=actor, public_id=need.public_id)
    return staff_need_out(fresh, events=selectors.need_events(fresh))


@manage_router.post("/needs/{uuid:need_id}/transition", response=StaffNeedDetailOut)
def manage_need_transition(request, need_id: uuid.UUID, payload: TransitionIn):
    """Move a need: new → in_progress → answered → closed (and reopen, close early).
    A move the workflow does not have answers 409."""
    actor = require_area_manager(request.auth)
    need = selectors.need_get_for_staff(actor=actor, public_id=need_id)
    need = services.need_transition(actor=actor, need=need, to_status=payload.to_status, note=payload.note)
    return _need_detail(actor, need)


@manage_router.post("/needs/{uuid:need_id}/reply", response=StaffNeedDetailOut)
def manage_need_reply(request, need_id: uuid.UUID, payload: ReplyIn):
    """Reply to the courier and link what answers the need; the need becomes answered."""
    actor = require_area_manager(request.auth)
    need = selectors.need_get_for_staff(actor=actor, public_id=need_id)
    need = services.need_reply(
        actor=actor,
        need=need,
        reply=payload.reply,
        station_id=payload.station_id,
        service_contact_id=payload.service_contact_id,
        resource_item_id=payload.resource_item_id,
    )
    return _need_detail(actor, need)


@manage_router.put("/needs/{uuid:need_id}/links", response=StaffNeedDetailOut)
def manage_need_links(request, need_id: uuid.UUID, payload: LinksIn):
    """Set the station, service contact and resource item answering the need (null clears one)."""
    actor = require_area_manager(request.auth)
    need = selectors.need_get_for_staff(actor=actor, public_id=need_id)
    need = services.need_set_links(
        actor=actor,
        need=need,
        station_id=payload.station_id,
        service_contact_id=payload.service_contact_id,
        resource_item_id=payload.resource_item_id,
    )
    return _need_detail(actor, need)


# --- staff: suggestions ------------------------------------------------------------------------


class SuggestionFilter(Page):
    area: str | None = None
    status: Literal["open", "replied"] | None = None


@manage_router.get("/suggestions", response=StaffSuggestionListOut)
def manage_suggestion_list(request, filters: Query[SuggestionFilter]):
    actor = require_area_manager(request.auth)
    queryset = selectors.suggestion_list_for_staff(actor=actor, area_code=filters.area, status=filters.status)
    count, items = _page(queryset, filters)
    return {"count": count, "items": [staff_suggestion_out(item) for item in items]}


@manage_router.get("/suggestions/{uuid:suggestion_id}", response=StaffSuggestionOut)
def manage_suggestion_get(request, suggestion_id: uuid.UUID):
    actor = require_area_manager(request.auth)
    return staff_suggestion_out(selectors.suggestion_get_for_staff(actor=actor, public_id=suggestion_id))


@manage_router.post("/suggestions/{uuid:suggestion_id}/reply", response=StaffSuggestionOut)
def manage_suggestion_reply(request, suggestion_id: uuid.UUID, payload: SuggestionReplyIn):
    """Reply to a letter; the courier sees it on the letter and gets an inbox message."""
    actor = require_area_manager(request.auth)
    suggestion = selectors.suggestion_get_for_staff(actor=actor, public_id=suggestion_id)
    suggestion = services.suggestion_reply(actor=actor, suggestion=suggestion, reply=payload.reply)
    return staff_suggestion_out(
        selectors.suggestion_get_for_staff(actor=actor, public_id=suggestion.public_id)
    )


# --- staff: forums -----------------------------------------------------------------------------


class ForumFilter(Page):
    area: str | None = None


def _forum_arguments(payload):
    return {
        "area_code": payload.area_code,
        "held_on": payload.held_on,
        "title": payload.title,
        "location": payload.location,
        "attendees": payload.attendees,
        "courier_count": payload.courier_count,
        "outcomes": payload.outcomes,
        "courier_ids": payload.courier_ids,
        "staff_usernames": payload.staff_usernames,
    }


@manage_router.get("/forums", response=ForumListOut)
def manage_forum_list(request, filters: Query[ForumFilter]):
    actor = require_area_manager(request.auth)
    count, items = _page(selectors.forum_list_for_staff(actor=actor, area_code=filters.area), filters)
    return {"count": count, "items": [forum_out(forum) for forum in items]}


@manage_router.post("/forums", response={201: ForumOut})
def manage_forum_create(request, payload: ForumIn):
    """Record a forum (座谈会): date, area, topic, couriers and staff present, head count, outcomes."""
    actor = require_area_manager(request.auth)
    forum = services.forum_create(actor=actor, **_forum_arguments(payload))
    return Status(201, forum_out(selectors.forum_get_for_staff(actor=actor, public_id=forum.public_id)))


@manage_router.get("/forums/{uuid:forum_id}", response=ForumOut)
def manage_forum_get(request, forum_id: uuid.UUID):
    actor = require_area_manager(request.auth)
    return forum_out(selectors.forum_get_for_staff(actor=actor, public_id=forum_id))


@manage_router.put("/forums/{uuid:forum_id}", response=ForumOut)
def manage_forum_update(request, forum_id: uuid.UUID, payload: ForumIn):
    actor = require_area_manager(request.auth)
    forum = selectors.forum_get_for_staff(actor=actor, public_id=forum_id)
    services.forum_update(actor=actor, forum=forum, **_forum_arguments(payload))
    return forum_out(selectors.forum_get_for_staff(actor=actor, public_id=forum_id))


@manage_router.delete("/forums/{uuid:forum_id}", response={204: None})
def manage_forum_delete(request, forum_id: uuid.UUID):
    actor = require_area_manager(request.auth)
    forum = selectors.forum_get_for_staff(actor=actor, public_id=forum_id)
    services.forum_delete(actor=actor, forum=forum)
    return Status(204, None)


router.add_router("/", courier_router)
router.add_router("/manage/", manage_router)
router.add_router("/", "nuanxin.messaging.api.router")
