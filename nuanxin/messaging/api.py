"""The JSON API of P5, reaching couriers (mounted by `nuanxin.needs.api.router`).

- couriers: /inbox, /inbox/unread-count, /inbox/{id}/read, /inbox/read-all;
- staff: /manage/announcements (draft, change, publish, delete) and /manage/deliveries (the SMS and
  WeCom sends with their state; failed ones can be retried);
- every staff account: /staff/notices (its own notices of work that reached it), mark read.
"""

import datetime
import uuid
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from nuanxin.core.api import AUTH
from nuanxin.couriers.permissions import require_courier

from . import selectors, services
from .models import Channel, Delivery
from .permissions import require_area_manager, require_staff_account

MAX_PAGE = 100

router = Router()
inbox_router = Router(tags=["inbox (courier)"], auth=AUTH)
manage_router = Router(tags=["announcements and deliveries (staff)"], auth=AUTH)
staff_router = Router(tags=["staff notices"], auth=AUTH)

ChannelValue = Literal["sms", "wecom"]


class Page(Schema):
    limit: int = 20
    offset: int = 0


def _page(queryset, page):
    limit = min(max(page.limit, 1), MAX_PAGE)
    offset = max(page.offset, 0)
    return queryset.count(), list(queryset[offset : offset + limit])


# --- schemas -----------------------------------------------------------------------------------


class InboxMessageOut(Schema):
    id: uuid.UUID
    title: str
    body: str
    link: str
    is_read: bool
    read_at: datetime.datetime | None
    created_at: datetime.datetime


class InboxListOut(Schema):
    count: int
    unread: int
    items: list[InboxMessageOut]


class UnreadOut(Schema):
    unread: int


class StaffNoticeOut(Schema):
    id: uuid.UUID
    kind: str
    kind_label: str
    title: str
    body: str
    url: str
    is_read: bool
    read_at: datetime.datetime | None
    created_at: datetime.datetime


class StaffNoticeListOut(Schema):
    count: int
    unread: int
    items: list[StaffNoticeOut]


class AnnouncementIn(Schema):
    area_code: str = Field(..., pattern=r"^\d{12}$")
    title: str = Field(..., max_length=100)
    body: str = Field(..., max_length=5000)
    company_code: str | None = Field(None, max_length=40)
    worker_group: str = Field("", max_length=32)
    channels: list[ChannelValue] = Field(default_factory=list, max_length=2)


class AnnouncementCreateIn(AnnouncementIn):
    publish: bool = False


class AnnouncementOut(Schema):
    id: uuid.UUID
    area_code: str
    area_name: str
    title: str
    body: str
    company_code: str | None
    worker_group: str
    channels: list[str]
    status: str
    published_at: datetime.datetime | None
    recipient_count: int
    created_at: datetime.datetime


class AnnouncementListItemOut(AnnouncementOut):
    read_count: int
    sent_count: int
    failed_count: int
    pending_count: int


class AnnouncementListOut(Schema):
    count: int
    items: list[AnnouncementListItemOut]


class DeliveryOut(Schema):
    id: int
    announcement_id: uuid.UUID
    announcement_title: str
    channel: str
    channel_label: str
    recipient: str
    status: str
    status_label: str
    attempts: int
    last_error: str
    sent_at: datetime.datetime | None
    next_attempt_at: datetime.datetime | None


class DeliveryListOut(Schema):
    count: int
    items: list[DeliveryOut]


def inbox_message_out(message):
    return {
        "id": message.public_id,
        "title": message.title,
        "body": message.body,
        "link": message.link,
        "is_read": message.read_at is not None,
        "read_at": message.read_at,
        "created_at": message.created_at,
    }


def staff_notice_out(notice):
    return {
        "id": notice.public_id,
        "kind": notice.kind,
        "kind_label": notice.get_kind_display(),
        "title": notice.title,
        "body": notice.body,
        "url": notice.url,
        "is_read": notice.read_at is not None,
        "read_at": notice.read_at,
        "created_at": notice.created_at,
    }


def announcement_out(announcement):
    data = {
        "id": announcement.public_id,
        "area_code": announcement.area.code,
        "area_name": announcement.area.full_name or announcement.area.name,
        "title": announcement.title,
        "body": announcement.body,
        "company_code": announcement.company.code if announcement.company_id else None,
        "worker_group": announcement.worker_group,
        "channels": list(announcement.channels),
        "status": announcement.status,
        "published_at": announcement.published_at,
        "recipient_count": announcement.recipient_count,
        "created_at": announcement.created_at,
    }
    for name in ("read_count", "sent_count", "failed_count", "pending_count"):
        if hasattr(announcement, name):
            data[name] = getattr(announcement, name)
    return data


def delivery_out(delivery):
    if delivery.robot_id:
        recipient = delivery.robot.name
    elif delivery.recipient_id:
        recipient = f"{delivery.recipient.name} {delivery.recipient.phone_masked}".strip()
    else:
        recipient = ""
    return {
        "id": delivery.pk,
        "announcement_id": delivery.announcement.public_id,
        "announcement_title": delivery.announcement.title,
        "channel": delivery.channel,
        "channel_label": delivery.get_channel_display(),
        "recipient": recipient,
        "status": delivery.status,
        "status_label": delivery.get_status_display(),
        "attempts": delivery.attempts,
        "last_error": delivery.last_error,
        "sent_at": delivery.sent_at,
        "next_attempt_at": delivery.next_attempt_at,
    }


# --- courier: the inbox ------------------------------------------------------------------------


class InboxQuery(Page):
    unread: bool = False


@inbox_router.get("/inbox", response=InboxListOut)
def inbox_list(request, query: Query[InboxQuery]):
    """The courier's messages, newest first (`unread=true`: only the unread ones)."""
    courier = require_courier(request)
    count, items = _page(selectors.inbox_list(courier=courier, unread_only=query.unread), query)
    return {
        "count": count,
        "unread": selectors.inbox_unread_count(courier=courier),
        "items": [inbox_message_out(message) for message in items],
    }


@inbox_router.get("/inbox/unread-count", response=UnreadOut)
def inbox_unread(request):
    courier = require_courier(request)
    return {"unread": selectors.inbox_unread_count(courier=courier)}


@inbox_router.get("/inbox/{uuid:message_id}", response=InboxMessageOut)
def inbox_get(request, message_id: uuid.UUID):
    courier = require_courier(request)
    return inbox_message_out(selectors.inbox_get(courier=courier, public_id=message_id))


@inbox_router.post("/inbox/{uuid:message_id}/read", response=InboxMessageOut)
def inbox_mark_read(request, message_id: uuid.UUID):
    """Mark a message read (again is harmless: the first reading time stays)."""
    courier = require_courier(request)
    return inbox_message_out(services.inbox_message_mark_read(courier=courier, public_id=message_id))


@inbox_router.post("/inbox/read-all", response=UnreadOut)
def inbox_mark_all_read(request):
    courier = require_courier(request)
    services.inbox_mark_all_read(courier=courier)
    return {"unread": selectors.inbox_unread_count(courier=courier)}


# --- staff: announcements ----------------------------------------------------------------------


class AnnouncementFilter(Page):
    area: str | None = None
    status: Literal["draft", "published"] | None = None


def _announcement_arguments(payload):
    return {
        "area_code": payload.area_code,
        "title": payload.title,
        "body": payload.body,
        "company_code": payload.company_code,
        "worker_group": payload.worker_group,
        "channels": payload.channels,
    }


@manage_router.get("/announcements", response=AnnouncementListOut)
def manage_announcement_list(request, filters: Query[AnnouncementFilter]):
    """Announcements of the caller's area, with how many couriers read them and how the sends went."""
    actor = require_area_manager(request.auth)
    queryset = selectors.announcement_list(actor=actor, area_code=filters.area, status=filters.status)
    count, items = _page(queryset, filters)
    return {"count": count, "items": [announcement_out(item) for item in items]}


@manage_router.post("/announcements", response={201: AnnouncementOut})
def manage_announcement_create(request, payload: AnnouncementCreateIn):
    """A draft announcement to the couriers of an area subtree (optionally one company and/or
    worker group), published at once with `publish: true`."""
    actor = require_area_manager(request.auth)
    announcement = services.announcement_create(
        actor=actor, publish=payload.publish, **_announcement_arguments(payload)
    )
    return Status(
        201, announcement_out(selectors.announcement_get(actor=actor, public_id=announcement.public_id))
    )


@manage_router.get("/announcements/{uuid:announcement_id}", response=AnnouncementOut)
def manage_announcement_get(request, announcement_id: uuid.UUID):
    actor = require_area_manager(request.auth)
    return announcement_out(selectors.announcement_get(actor=actor, public_id=announcement_id))


@manage_router.put("/announcements/{uuid:announcement_id}", response=AnnouncementOut)
def manage_announcement_update(request, announcement_id: uuid.UUID, payload: AnnouncementIn):
    """Change a draft (a published announcement answers 409)."""
    actor = require_area_manager(request.auth)
    announcement = selectors.announcement_get(actor=actor, public_id=announcement_id)
    services.announcement_update(actor=actor, announcement=announcement, **_announcement_arguments(payload))
    return announcement_out(selectors.announcement_get(actor=actor, public_id=announcement_id))


@manage_router.post("/announcements/{uuid:announcement_id}/publish", response=AnnouncementOut)
def manage_announcement_publish(request, announcement_id: uuid.UUID):
    """Publish a draft: inbox messages to the matching couriers, SMS/WeCom sends queued."""
    actor = require_area_manager(request.auth)
    announcement = selectors.announcement_get(actor=actor, public_id=announcement_id)
    services.announcement_publish(actor=actor, announcement=announcement)
    return announcement_out(selectors.announcement_get(actor=actor, public_id=announcement_id))


@manage_router.delete("/announcements/{uuid:announcement_id}", response={204: None})
def manage_announcement_delete(request, announcement_id: uuid.UUID):
    actor = require_area_manager(request.auth)
    announcement = selectors.announcement_get(actor=actor, public_id=announcement_id)
    services.announcement_delete(actor=actor, announcement=announcement)
    return Status(204, None)


# --- staff: deliveries -------------------------------------------------------------------------


class DeliveryFilter(Page):
    status: Literal[tuple(Delivery.Status.values)] | None = None  # type: ignore[valid-type]
    channel: Literal[Channel.SMS.value, Channel.WECOM.value] | None = None
    announcement: uuid.UUID | None = None


@manage_router.get("/deliveries", response=DeliveryListOut)
def manage_delivery_list(request, filters: Query[DeliveryFilter]):
    """SMS and WeCom sends of the caller's area; `status=failed` lists what did not go out."""
    actor = require_area_manager(request.auth)
    queryset = selectors.delivery_list(
        actor=actor, status=filters.status, channel=filters.channel, announcement_id=filters.announcement
    )
    count, items = _page(queryset, filters)
    return {"count": count, "items": [delivery_out(item) for item in items]}


@manage_router.post("/deliveries/{int:delivery_id}/retry", response=DeliveryOut)
def manage_delivery_retry(request, delivery_id: int):
    """Try a failed delivery again (a fresh set of attempts). Not failed: 409."""
    actor = require_area_manager(request.auth)
    delivery = selectors.delivery_get(actor=actor, delivery_id=delivery_id)
    services.delivery_retry(actor=actor, delivery=delivery)
    delivery = selectors.delivery_list(actor=actor).get(pk=delivery_id)
    return delivery_out(delivery)


# --- every staff account: its own notices ------------------------------------------------------


@staff_router.get("/notices", response=StaffNoticeListOut)
def staff_notice_list(request, query: Query[InboxQuery]):
    """The caller's own notices: unread first, then newest (`unread=true`: only the unread ones)."""
    actor = require_staff_account(request.auth)
    count, items = _page(selectors.staff_notice_list(actor=actor, unread_only=query.unread), query)
    return {
        "count": count,
        "unread": selectors.staff_notice_unread_count(actor=actor),
        "items": [staff_notice_out(notice) for notice in items],
    }


@staff_router.get("/notices/unread-count", response=UnreadOut)
def staff_notice_unread(request):
    actor = require_staff_account(request.auth)
    return {"unread": selectors.staff_notice_unread_count(actor=actor)}


@staff_router.post("/notices/read-all", response=UnreadOut)
def staff_notice_mark_all_read(request):
    actor = require_staff_account(request.auth)
    services.staff_notices_mark_all_read(actor=actor)
    return {"unread": selectors.staff_notice_unread_count(actor=actor)}


@staff_router.post("/notices/{uuid:notice_id}/read", response=StaffNoticeOut)
def staff_notice_mark_read(request, notice_id: uuid.UUID):
    """Mark one of the caller's notices read (again is harmless: the first time stays). Another
    account's notice: 404, nothing changes."""
    actor = require_staff_account(request.auth)
    return staff_notice_out(services.staff_notice_mark_read(actor=actor, public_id=notice_id))


router.add_router("/", inbox_router)
router.add_router("/manage/", manage_router)
router.add_router("/staff/", staff_router)
