"""The JSON API of the deliberation hall (暖心议事厅), mounted at /api/v1/.

Public (no sign-in):   GET  /hall/categories, /hall/board, /hall/items/{id}
Courier:               POST /hall/items, GET /hall/items/mine, GET /hall/items/mine/{id},
                       POST /hall/items/{id}/support (409 the second time),
                       GET  /hall/menu, POST /hall/menu/{service_item_id}/order
Staff (area managers; department handlers for their departments' items, without routing):
                       GET  /manage/hall/items, /manage/hall/items/{id},
                       GET  /manage/hall/items/{id}/departments (where it may be routed),
                       POST /manage/hall/items/{id}/route, PUT /manage/hall/items/{id}/answer-draft,
                       POST /manage/hall/items/{id}/answer-draft/publish,
                       POST /manage/hall/items/{id}/milestones
Endpoint functions only validate, call selectors/services and shape the answer.
"""

import uuid

from ninja import Query, Router, Schema, Status

from nuanxin.core.api import AUTH
from nuanxin.core.errors import PermissionDenied
from nuanxin.couriers.permissions import require_courier
from nuanxin.reports.models import Department

from . import selectors, services
from .models import HallCategory
from .permissions import ROUTE, hall_policy, require_hall_staff
from .schemas import (
    AnswerDraftIn,
    BoardStatusValue,
    CategoryValue,
    ChoiceOut,
    ItemDetailOut,
    ItemIn,
    ItemListOut,
    MenuItemOut,
    MilestoneIn,
    OrderIn,
    RouteIn,
    StaffDepartmentOut,
    StaffItemDetailOut,
    StaffItemListOut,
    SupportOut,
    item_detail_out,
    item_out,
    menu_item_out,
    staff_department_out,
    staff_item_detail_out,
    staff_item_out,
)

MAX_PAGE = 100

router = Router()
public_router = Router(tags=["deliberation hall (public)"])
courier_router = Router(tags=["deliberation hall (courier)"], auth=AUTH)
manage_router = Router(tags=["deliberation hall (staff)"], auth=AUTH)


class Page(Schema):
    limit: int = 20
    offset: int = 0


def _page(queryset, page):
    limit = min(max(page.limit, 1), MAX_PAGE)
    offset = max(page.offset, 0)
    return queryset.count(), list(queryset[offset : offset + limit])


class BoardFilter(Page):
    area: str | None = None
    status: BoardStatusValue | None = None
    category: CategoryValue | None = None


# --- public ------------------------------------------------------------------------------------


@public_router.get("/hall/categories", response=list[ChoiceOut])
def hall_categories(request):
    """The categories of 烦心事 a courier chooses from."""
    return [{"value": value, "label": str(label)} for value, label in HallCategory.choices]


@public_router.get("/hall/board", response=ItemListOut)
def hall_board(request, filters: Query[BoardFilter]):
    """Every item, open ones first, most supported first. `status` also takes "open" or "closed"."""
    queryset = selectors.board_list(area_code=filters.area, status=filters.status, category=filters.category)
    count, items = _page(queryset, filters)
    return {"count": count, "items": [item_out(item) for item in items]}


@public_router.get("/hall/items/{uuid:item_id}", response=ItemDetailOut)
def hall_item_public(request, item_id: uuid.UUID):
    """An item with its published answers and milestones (never a draft, never the author)."""
    return item_detail_out(selectors.item_get_public(public_id=item_id))


# --- courier -----------------------------------------------------------------------------------


@courier_router.post("/hall/items", response={201: ItemDetailOut})
def hall_item_raise(request, payload: ItemIn):
    """Raise a 烦心事 in the courier's work street. 429 after too many in 24 hours."""
    courier = require_courier(request)
    item = services.hall_item_raise(courier=courier, **payload.dict())
    return Status(201, item_detail_out(selectors.item_get_public(public_id=item.public_id)))


@courier_router.get("/hall/items/mine", response=ItemListOut)
def hall_items_mine(request, page: Query[Page]):
    courier = require_courier(request)
    count, items = _page(selectors.item_list_for_courier(courier=courier), page)
    return {"count": count, "items": [item_out(item) for item in items]}


@courier_router.get("/hall/items/mine/{uuid:item_id}", response=ItemDetailOut)
def hall_item_mine(request, item_id: uuid.UUID):
    courier = require_courier(request)
    return item_detail_out(selectors.item_get_for_courier(courier=courier, public_id=item_id))


@courier_router.post("/hall/items/{uuid:item_id}/support", response={201: SupportOut})
def hall_item_support(request, item_id: uuid.UUID):
    """Support another courier's open item. 409 for a second support, one's own or a closed item."""
    courier = require_courier(request)
    item = selectors.item_get_public(public_id=item_id)
    count = services.hall_item_support(courier=courier, item=item)
    return Status(201, {"support_count": count, "supported": True})


@courier_router.get("/hall/menu", response=list[MenuItemOut])
def hall_menu(request):
    """The "点单式" menu of the courier's work street (empty while no work street is set)."""
    courier = require_courier(request)
    if courier.work_area_id is None:
        return []
    return [menu_item_out(service) for service in services.menu_queryset(courier.work_area)]


@courier_router.post("/hall/menu/{int:service_item_id}/order", response={201: ItemDetailOut})
def hall_menu_order(request, service_item_id: int, payload: OrderIn):
    """Order a service: creates an item already routed to the service's provider."""
    courier = require_courier(request)
    item = services.hall_item_order(courier=courier, service_item_id=service_item_id, **payload.dict())
    return Status(201, item_detail_out(selectors.item_get_public(public_id=item.public_id)))


# --- staff -------------------------------------------------------------------------------------


class StaffFilter(BoardFilter):
    department: uuid.UUID | None = None
    q: str | None = None


@manage_router.get("/hall/items", response=StaffItemListOut)
def manage_hall_items(request, filters: Query[StaffFilter]):
    """Items of the caller's area subtree (or of `area` inside it), or — for a department handler —
    those routed to their departments; awaiting routing first. `department`: a department's id."""
    actor = require_hall_staff(request.auth)
    queryset = selectors.item_list_for_staff(
        actor=actor,
        area_code=filters.area,
        status=filters.status,
        category=filters.category,
        department=filters.department,
        search=filters.q,
    )
    count, items = _page(queryset, filters)
    return {"count": count, "items": [staff_item_out(item) for item in items]}


def _detail(actor, item_id):
    return staff_item_detail_out(selectors.item_get_for_staff(actor=actor, public_id=item_id))


@manage_router.get("/hall/items/{uuid:item_id}", response=StaffItemDetailOut)
def manage_hall_item(request, item_id: uuid.UUID):
    actor = require_hall_staff(request.auth)
    return _detail(actor, item_id)


@manage_router.get("/hall/items/{uuid:item_id}/departments", response=list[StaffDepartmentOut])
def manage_hall_route_choices(request, item_id: uuid.UUID):
    """The departments the item may be routed to: active, serving its street (nearest area first)."""
    actor = require_hall_staff(request.auth)
    item = selectors.item_get_for_staff(actor=actor, public_id=item_id)
    if not hall_policy.can(actor, ROUTE, item):
        raise PermissionDenied()
    return [staff_department_out(department) for department in services.routable_departments(item)]


@manage_router.post("/hall/items/{uuid:item_id}/route", response=StaffItemDetailOut)
def manage_hall_route(request, item_id: uuid.UUID, payload: RouteIn):
    """Route to the responsible department (`department_id`: one of `…/departments`). Re-routing an
    item already with a department needs a `note`. 422 on `department` for any other department."""
    actor = require_hall_staff(request.auth)
    item = selectors.item_get_for_staff(actor=actor, public_id=item_id)
    department = Department.objects.filter(public_id=payload.department_id).first()
    services.hall_item_route(actor=actor, item=item, department=department, note=payload.note)
    return _detail(actor, item_id)


@manage_router.put("/hall/items/{uuid:item_id}/answer-draft", response=StaffItemDetailOut)
def manage_hall_answer_draft(request, item_id: uuid.UUID, payload: AnswerDraftIn):
    """Save (create or replace) the draft official answer. Nobody outside staff sees it."""
    actor = require_hall_staff(request.auth)
    item = selectors.item_get_for_staff(actor=actor, public_id=item_id)
    services.hall_answer_save_draft(actor=actor, item=item, **payload.dict())
    return _detail(actor, item_id)


@manage_router.post("/hall/items/{uuid:item_id}/answer-draft/publish", response=StaffItemDetailOut)
def manage_hall_answer_publish(request, item_id: uuid.UUID):
    """Publish the draft: the item takes its state; the author and supporters are told."""
    actor = require_hall_staff(request.auth)
    item = selectors.item_get_for_staff(actor=actor, public_id=item_id)
    services.hall_answer_publish(actor=actor, item=item)
    return _detail(actor, item_id)


@manage_router.post("/hall/items/{uuid:item_id}/milestones", response={201: StaffItemDetailOut})
def manage_hall_milestone(request, item_id: uuid.UUID, payload: MilestoneIn):
    actor = require_hall_staff(request.auth)
    item = selectors.item_get_for_staff(actor=actor, public_id=item_id)
    services.hall_milestone_add(actor=actor, item=item, **payload.dict())
    return Status(201, _detail(actor, item_id))


router.add_router("/", public_router)
router.add_router("/", courier_router)
router.add_router("/manage/", manage_router)
