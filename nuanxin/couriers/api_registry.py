"""The staff registry API (P2, P3), mounted at /api/v1/registry/ (docs/couriers.md).

Only city, district and street staff get in (others: 403; anonymous: 401); every read is scoped to
the asker's area through `registry` (another area's courier or visit answers 404 like a missing one).
Lists are masked; the courier detail shows phone and ID in full and is audited.
"""

from uuid import UUID

from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile

from nuanxin.core.api import AUTH
from nuanxin.core.errors import PermissionDenied

from . import excel, registry
from .schemas_registry import (
    CountsOut,
    CourierDetailOut,
    CourierListOut,
    ExportIn,
    ImportBatchOut,
    ImportPreviewOut,
    OutreachFilterIn,
    OutreachVisitIn,
    OutreachVisitListOut,
    OutreachVisitOut,
    RegistryFilterIn,
    RegistryListIn,
)

AREA_STAFF_ONLY = _("Only city, district and street staff may use the courier registry.")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

router = Router(tags=["courier registry"], auth=AUTH)


def _registry_staff(request):
    user = request.auth
    if not registry.courier_registry_policy.can(user, registry.VIEW, None):
        raise PermissionDenied(AREA_STAFF_ONLY)
    return user


def _filters(data):
    values = data.dict(exclude={"page", "page_size", "full_numbers"})
    return registry.RegistryFilters(**{key: value for key, value in values.items() if value is not None})


# --- presenters -----------------------------------------------------------------------------------


def courier_item(courier):
    return {
        "id": courier.public_id,
        "name": courier.name,
        "phone_masked": courier.phone_masked,
        "company": {"code": courier.company.code, "name": courier.company.name}
        if courier.company_id
        else None,
        "company_other": courier.company_other,
        "worker_group": courier.worker_group,
        "worker_group_label": str(courier.get_worker_group_display()) if courier.worker_group else "",
        "site_name": courier.site_name,
        "work_street": {"code": courier.work_area.code, "name": courier.work_area.name}
        if courier.work_area_id
        else None,
        "is_union_member": courier.is_union_member,
        "is_party_member": courier.is_party_member,
        "source": courier.source,
        "is_registered": courier.is_registered,
        "registered_at": courier.registered_at,
    }


def visit_out(visit):
    return {
        "id": visit.public_id,
        "area": {"code": visit.area.code, "name": visit.area.name},
        "visited_on": visit.visited_on,
        "company": {"code": visit.company.code, "name": visit.company.name} if visit.company_id else None,
        "site_name": visit.site_name,
        "site_address": visit.site_address,
        "staff": [{"id": user.pk, "name": str(user)} for user in visit.staff.all()],
        "couriers_met": [
            {"id": courier.public_id, "name": courier.name, "phone_masked": courier.phone_masked}
            for courier in visit.couriers_met.all()
        ],
        "couriers_met_count": visit.couriers_met_count,
        "findings": visit.findings,
        "needs": [
            {"id": need.public_id, "title": need.title, "category": need.category, "status": need.status}
            for need in visit.needs.all()
        ],
        "created_at": visit.created_at,
    }


def preview_out(preview):
    batch = preview.batch
    return {
        "token": batch.public_id if batch else None,
        "can_commit": preview.can_commit and batch.status == batch.Status.PREVIEWED,
        "file_name": preview.file_name,
        "row_count": preview.row_count,
        "new_count": preview.new_count,
        "update_count": preview.update_count,
        "error_count": preview.error_count,
        "errors": [error.as_dict() for error in preview.errors],
        "updates": preview.updates,
        "blank_rows": preview.blank_rows,
        "blank_row_count": preview.blank_row_count,
        "status": batch.status if batch else "invalid",
        "expires_at": batch.expires_at if batch else None,
    }


def batch_out(batch):
    return {
        "token": batch.public_id,
        "status": batch.status,
        "file_name": batch.file_name,
        "row_count": batch.row_count,
        "new_count": batch.new_count,
        "update_count": batch.update_count,
        "committed_at": batch.committed_at,
    }


# --- the registry ---------------------------------------------------------------------------------


@router.get("/couriers", response=CourierListOut, summary="List and search the couriers of your area")
def list_couriers(request, filters: Query[RegistryListIn]):
    actor = _registry_staff(request)
    queryset = registry.courier_registry_queryset(actor=actor, filters=_filters(filters)).order_by(
        "-created_at", "-id"
    )
    start = (filters.page - 1) * filters.page_size
    return {
        "items": [courier_item(courier) for courier in queryset[start : start + filters.page_size]],
        "count": queryset.count(),
        "page": filters.page,
        "page_size": filters.page_size,
    }


@router.get("/couriers/counts", response=CountsOut, summary="Count couriers by company, group, street, …")
def count_couriers(request, filters: Query[RegistryFilterIn]):
    actor = _registry_staff(request)
    return registry.courier_registry_counts(actor=actor, filters=_filters(filters))


@router.get("/couriers/export.xlsx", summary="Export the (filtered) registry to Excel")
def export_couriers(request, filters: Query[ExportIn]):
    actor = _registry_staff(request)
    queryset = registry.courier_registry_queryset(actor=actor, filters=_filters(filters)).order_by(
        "work_area", "name"
    )
    output, _count = excel.registry_export(
        actor=actor,
        queryset=queryset,
        full_numbers=filters.full_numbers,
        ip_address=registry.client_ip(request),
        description=request.META.get("QUERY_STRING", ""),
    )
    return FileResponse(output, as_attachment=True, filename="couriers.xlsx", content_type=XLSX)


@router.get("/couriers/{courier_id}", response=CourierDetailOut, summary="One courier, phone and ID in full")
def get_courier(request, courier_id: UUID):
    actor = _registry_staff(request)
    courier = registry.courier_registry_get(actor=actor, public_id=courier_id)
    numbers = registry.courier_personal_data_read(
        actor=actor, courier=courier, ip_address=registry.client_ip(request), purpose="api"
    )
    return {
        **courier_item(courier),
        "phone": numbers["phone"],
        "id_number": numbers["id_number"] or "",
        "id_number_masked": courier.id_number_masked,
        "children": [
            {"nickname": child.nickname, "birth_year": child.birth_year, "gender": child.gender}
            for child in courier.children.all()
        ],
        "created_at": courier.created_at,
    }


# --- import ---------------------------------------------------------------------------------------


@router.get("/import-template.xlsx", summary="The Excel template for importing a company's courier list")
def import_template(request):
    actor = _registry_staff(request)
    response = HttpResponse(excel.import_template(actor=actor), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="courier-import-template.xlsx"'
    return response


@router.post("/imports", response=ImportPreviewOut, summary="Upload a list: validate every row, preview")
def upload_import(request, file: UploadedFile | None = File(None)):  # noqa: B008 - ninja's way to declare a file
    actor = _registry_staff(request)
    preview = excel.import_preview(actor=actor, upload=file, ip_address=registry.client_ip(request))
    return preview_out(preview)


@router.get("/imports/{token}", response=ImportPreviewOut, summary="The preview of an uploaded list")
def get_import(request, token: UUID):
    actor = _registry_staff(request)
    return preview_out(excel.preview_of_batch(excel.import_batch_get(actor=actor, token=token)))


@router.post(
    "/imports/{token}/commit", response=ImportBatchOut, summary="Import a previewed list (all or nothing)"
)
def commit_import(request, token: UUID):
    actor = _registry_staff(request)
    batch = excel.import_batch_get(actor=actor, token=token)
    return batch_out(excel.import_commit(actor=actor, batch=batch, ip_address=registry.client_ip(request)))


@router.delete("/imports/{token}", response={204: None}, summary="Discard a previewed list")
def discard_import(request, token: UUID):
    actor = _registry_staff(request)
    excel.import_discard(actor=actor, batch=excel.import_batch_get(actor=actor, token=token))
    return Status(204, None)


# --- outreach visits (P3) -------------------------------------------------------------------------


def _visit_data(payload):
    return registry.OutreachVisitData(
        area_code=payload.area,
        visited_on=payload.visited_on,
        site_name=payload.site_name,
        company_code=payload.company or "",
        site_address=payload.site_address,
        staff_ids=payload.staff_ids,
        courier_ids=payload.courier_ids,
        couriers_met_count=payload.couriers_met_count,
        findings=payload.findings,
        need_ids=payload.need_ids,
        new_needs=[registry.NewNeed(**need.dict()) for need in payload.new_needs],
    )


@router.get("/outreach-visits", response=OutreachVisitListOut, summary="Outreach visits in your area")
def list_visits(request, filters: Query[OutreachFilterIn]):
    actor = _registry_staff(request)
    queryset = registry.outreach_visit_queryset(actor=actor)
    if filters.area:
        area = registry.area_by_code_or_error(filters.area, field="area")
        queryset = queryset.filter(area__path__startswith=area.path)
    if filters.company:
        queryset = queryset.filter(company__code=filters.company)
    if filters.visited_from:
        queryset = queryset.filter(visited_on__gte=filters.visited_from)
    if filters.visited_to:
        queryset = queryset.filter(visited_on__lte=filters.visited_to)
    start = (filters.page - 1) * filters.page_size
    return {
        "items": [visit_out(visit) for visit in queryset[start : start + filters.page_size]],
        "count": queryset.count(),
        "page": filters.page,
        "page_size": filters.page_size,
    }


@router.post("/outreach-visits", response={201: OutreachVisitOut}, summary="Record an outreach visit")
def create_visit(request, payload: OutreachVisitIn):
    actor = _registry_staff(request)
    visit = registry.outreach_visit_create(
        actor=actor, data=_visit_data(payload), ip_address=registry.client_ip(request)
    )
    return Status(201, visit_out(registry.outreach_visit_get(actor=actor, public_id=visit.public_id)))


@router.get("/outreach-visits/{visit_id}", response=OutreachVisitOut, summary="One outreach visit")
def get_visit(request, visit_id: UUID):
    actor = _registry_staff(request)
    return visit_out(registry.outreach_visit_get(actor=actor, public_id=visit_id))


@router.put("/outreach-visits/{visit_id}", response=OutreachVisitOut, summary="Change an outreach visit")
def update_visit(request, visit_id: UUID, payload: OutreachVisitIn):
    actor = _registry_staff(request)
    visit = registry.outreach_visit_get(actor=actor, public_id=visit_id)
    registry.outreach_visit_update(
        actor=actor, visit=visit, data=_visit_data(payload), ip_address=registry.client_ip(request)
    )
    return visit_out(registry.outreach_visit_get(actor=actor, public_id=visit_id))


@router.delete("/outreach-visits/{visit_id}", response={204: None}, summary="Delete an outreach visit")
def delete_visit(request, visit_id: UUID):
    actor = _registry_staff(request)
    visit = registry.outreach_visit_get(actor=actor, public_id=visit_id)
    registry.outreach_visit_delete(actor=actor, visit=visit, ip_address=registry.client_ip(request))
    return Status(204, None)
