"""The JSON API of S2, mounted at "/":

- courier: GET /policies (search: q, department, category, in_effect), GET /policies/{id} (writes
  the read receipt), GET /policies/choices;
- staff (/manage/policies/…): list, create (optionally published), get, update, delete a draft,
  publish, push to couriers, read receipts.
"""

import uuid

from ninja import Query, Router, Schema, Status

from nuanxin.core.api import AUTH
from nuanxin.core.errors import PermissionDenied
from nuanxin.couriers.permissions import require_courier

from . import selectors, services
from .models import Category, Department, Policy
from .permissions import policy_policy
from .schemas import (
    PolicyIn,
    PolicyListItemOut,
    PolicyOut,
    PushIn,
    PushOut,
    ReceiptsOut,
    StaffPolicyOut,
    policy_out,
)

MAX_PAGE = 100

router = Router(tags=["policy library"])


class SearchFilter(Schema):
    q: str = ""
    department: Department | None = None
    category: Category | None = None
    in_effect: bool = False
    limit: int = 20
    offset: int = 0


class StaffFilter(SearchFilter):
    status: Policy.Status | None = None


def _page(queryset, filters):
    limit = min(max(filters.limit, 1), MAX_PAGE)
    offset = max(filters.offset, 0)
    return queryset.count(), list(queryset[offset : offset + limit])


def _require_staff(request):
    if not policy_policy.can(request.user, "view", None):
        raise PermissionDenied()
    return request.user


def _data(payload):
    return payload.dict(exclude={"publish"})


@router.get("/policies/choices", response=dict[str, list[dict[str, str]]])
def policy_choices(request):
    """The departments and categories to search by."""
    return {
        "departments": [{"value": value, "label": str(label)} for value, label in Department.choices],
        "categories": [{"value": value, "label": str(label)} for value, label in Category.choices],
    }


@router.get("/policies", response=dict[str, int | list[PolicyListItemOut]], auth=AUTH)
def policy_list(request, filters: Query[SearchFilter]):
    """The published policies concerning the courier, newest first, each with `is_read`."""
    courier = require_courier(request)
    queryset = selectors.policy_list_for_courier(
        courier=courier,
        q=filters.q[:100],
        department=filters.department or "",
        category=filters.category or "",
        in_effect=filters.in_effect,
    )
    count, items = _page(queryset, filters)
    return {"count": count, "items": [policy_out(item) for item in items]}


@router.get("/policies/{uuid:policy_id}", response=PolicyOut, auth=AUTH)
def policy_get(request, policy_id: uuid.UUID):
    """One policy; opening it writes the courier's read receipt (once)."""
    courier = require_courier(request)
    policy = selectors.policy_get_for_courier(courier=courier, public_id=policy_id)
    services.policy_mark_read(courier=courier, policy=policy)
    policy.is_read = True
    return policy_out(policy, full=True)


# --- staff -------------------------------------------------------------------------------------


@router.get("/manage/policies", response=dict[str, int | list[StaffPolicyOut]], auth=AUTH)
def staff_policy_list(request, filters: Query[StaffFilter]):
    actor = _require_staff(request)
    queryset = selectors.policy_list_for_staff(
        actor=actor,
        q=filters.q[:100],
        department=filters.department or "",
        category=filters.category or "",
        status=filters.status or "",
    )
    count, items = _page(queryset, filters)
    return {"count": count, "items": [policy_out(item, staff=True) for item in items]}


@router.post("/manage/policies", response={201: StaffPolicyOut}, auth=AUTH)
def staff_policy_create(request, payload: PolicyIn):
    actor = _require_staff(request)
    policy = services.policy_create(actor=actor, data=_data(payload), publish=payload.publish)
    return Status(201, policy_out(policy, staff=True))


@router.get("/manage/policies/{uuid:policy_id}", response=StaffPolicyOut, auth=AUTH)
def staff_policy_get(request, policy_id: uuid.UUID):
    actor = _require_staff(request)
    policy = selectors.policy_get_for_staff(actor=actor, public_id=policy_id)
    policy.read_count = policy.reads.count()
    return policy_out(policy, staff=True)


@router.put("/manage/policies/{uuid:policy_id}", response=StaffPolicyOut, auth=AUTH)
def staff_policy_update(request, policy_id: uuid.UUID, payload: PolicyIn):
    actor = _require_staff(request)
    policy = selectors.policy_get_for_staff(actor=actor, public_id=policy_id)
    policy = services.policy_update(actor=actor, policy=policy, data=_data(payload))
    return policy_out(policy, staff=True)


@router.delete("/manage/policies/{uuid:policy_id}", response={204: None}, auth=AUTH)
def staff_policy_delete(request, policy_id: uuid.UUID):
    actor = _require_staff(request)
    services.policy_delete(
        actor=actor, policy=selectors.policy_get_for_staff(actor=actor, public_id=policy_id)
    )
    return Status(204, None)


@router.post("/manage/policies/{uuid:policy_id}/publish", response=StaffPolicyOut, auth=AUTH)
def staff_policy_publish(request, policy_id: uuid.UUID):
    actor = _require_staff(request)
    policy = services.policy_publish(
        actor=actor, policy=selectors.policy_get_for_staff(actor=actor, public_id=policy_id)
    )
    return policy_out(policy, staff=True)


@router.post("/manage/policies/{uuid:policy_id}/push", response={201: PushOut}, auth=AUTH)
def staff_policy_push(request, policy_id: uuid.UUID, payload: PushIn):
    """Push to the couriers of the policy's area (or a part of it) through an announcement."""
    actor = _require_staff(request)
    push = services.policy_push(
        actor=actor,
        policy=selectors.policy_get_for_staff(actor=actor, public_id=policy_id),
        area_code=payload.area_code,
        company_code=payload.company_code,
        worker_group=payload.worker_group,
        channels=payload.channels,
    )
    return Status(
        201,
        {
            "id": push.public_id,
            "announcement_id": push.announcement.public_id,
            "recipient_count": push.announcement.recipient_count,
        },
    )


@router.get("/manage/policies/{uuid:policy_id}/reads", response=ReceiptsOut, auth=AUTH)
def staff_policy_reads(request, policy_id: uuid.UUID):
    """Read receipts: how many couriers the pushes reached, who read it and when (latest 200)."""
    actor = _require_staff(request)
    receipts = selectors.policy_receipts(
        policy=selectors.policy_get_for_staff(actor=actor, public_id=policy_id)
    )
    return {
        "read_count": receipts["read_count"],
        "pushed_to": receipts["pushed_to"],
        "reads": [
            {
                "courier_name": read.courier.name,
                "courier_phone": read.courier.phone_masked,
                "read_at": read.read_at,
            }
            for read in receipts["reads"][:200]
        ],
    }
