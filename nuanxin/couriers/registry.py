"""The staff side of couriers (P2 registry, P3 outreach): policies, reads and writes.

Who sees what (one rule for the API, the staff pages, the export and the admin):
- a courier belongs to the area of their work street (`CourierProfile.work_area`);
- city, district and street staff see the couriers whose work street lies in their subtree, and
  only there may they read phone and ID numbers in full — every such read writes an AuditEntry
  (action "view"); lists and default exports are always masked (138****8000);
- everyone else (stewards, couriers, other roles, anonymous) sees nothing here: another street's
  courier answers 404, exactly like a missing one.
- Outreach visits follow their `area` the same way.

Deleted accounts (`deleted_at`) and couriers with no work street yet are in nobody's registry
(a superuser sees those too).
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from nuanxin.accounts.models import AREA_MANAGER_ROLES, User
from nuanxin.areas.models import Area
from nuanxin.core.audit import audit_record, diff, snapshot
from nuanxin.core.crypto import lookup_hash
from nuanxin.core.errors import NotFound, PermissionDenied, ValidationFailed
from nuanxin.core.models import AuditEntry
from nuanxin.core.permissions import area_scope, get_visible_or_404, is_superuser, object_in_actor_area
from nuanxin.core.validators import normalize_phone
from nuanxin.needs.models import Need, NeedCategory
from nuanxin.needs.services import need_create

from .models import Company, CourierProfile, OutreachVisit, WorkerGroup

VIEW = "view"
ADD = "add"
CHANGE = "change"
DELETE = "delete"
VIEW_PERSONAL_DATA = "view_personal_data"
IMPORT = "import"
EXPORT = "export"

UNKNOWN_AREA = _("Unknown area code.")
AREA_OUTSIDE = _("This area is outside the area you manage.")
UNKNOWN_COMPANY = _("Unknown company.")
UNKNOWN_COURIER = _("Unknown courier: %(id)s.")
UNKNOWN_NEED = _("Unknown need: %(id)s.")
UNKNOWN_STAFF = _("Unknown staff member: %(id)s.")
COUNT_TOO_SMALL = _("The number of couriers met cannot be smaller than the couriers listed.")
REQUIRED = _("This field is required.")
NAME_TOO_LONG = _("Enter at most %(max)s characters.")
INVALID_WORKER_GROUP = _("Choose a valid worker group.")
INVALID_CATEGORY = _("Choose a valid need category.")

# Fields staff may change on a courier (personal numbers are the courier's own to change).
REGISTRY_EDITABLE_FIELDS = (
    "name",
    "worker_group",
    "company",
    "company_other",
    "site_name",
    "work_area",
    "is_union_member",
    "is_party_member",
)
# What the audit log keeps of a courier change: never the phone or ID number, not even masked.
AUDITED_FIELDS = list(REGISTRY_EDITABLE_FIELDS)


# --- policies -------------------------------------------------------------------------------------


def _is_area_manager(actor):
    return bool(
        getattr(actor, "is_authenticated", False)
        and actor.is_active
        and actor.role in AREA_MANAGER_ROLES
        and actor.area_id is not None
    )


class CourierRegistryPolicy:
    """Couriers for staff: area managers of the courier's work street (see the module docstring)."""

    actions = {VIEW, CHANGE, VIEW_PERSONAL_DATA, IMPORT, EXPORT}

    def scope(self, actor, queryset):
        queryset = queryset.filter(deleted_at__isnull=True)
        if is_superuser(actor):
            return queryset
        if not _is_area_manager(actor):
            return queryset.none()
        return area_scope(actor, queryset, area_field="work_area")

    def can(self, actor, action, obj):
        if action not in self.actions:
            return False  # couriers are added by sign-in or import, deleted by themselves
        if is_superuser(actor):
            return True
        if not _is_area_manager(actor):
            return False
        return obj is None or (obj.deleted_at is None and object_in_actor_area(actor, obj.work_area))


class OutreachVisitPolicy:
    def scope(self, actor, queryset):
        if is_superuser(actor):
            return queryset
        if not _is_area_manager(actor):
            return queryset.none()
        return area_scope(actor, queryset)

    def can(self, actor, action, obj):
        if action not in {VIEW, ADD, CHANGE, DELETE}:
            return False
        if is_superuser(actor):
            return True
        if not _is_area_manager(actor):
            return False
        return obj is None or object_in_actor_area(actor, obj.area)


class CompanyPolicy:
    """The managed company list: every area manager reads it, city staff maintain it."""

    def scope(self, actor, queryset):
        if is_superuser(actor) or _is_area_manager(actor):
            return queryset
        return queryset.none()

    def can(self, actor, action, obj):
        if action not in {VIEW, ADD, CHANGE}:
            return False  # companies are deactivated, never deleted (couriers point at them)
        if is_superuser(actor):
            return True
        if not _is_area_manager(actor):
            return False
        return action == VIEW or actor.role == "city_staff"


courier_registry_policy = CourierRegistryPolicy()
outreach_visit_policy = OutreachVisitPolicy()
company_policy = CompanyPolicy()


def require_registry_staff(actor):
    """Raise PermissionDenied unless `actor` may use the registry at all."""
    if not courier_registry_policy.can(actor, VIEW, None):
        raise PermissionDenied()


# --- selectors ------------------------------------------------------------------------------------


@dataclass
class RegistryFilters:
    q: str = ""
    company: str = ""  # Company.code
    worker_group: str = ""
    street: str = ""  # an area code: the courier's work street lies in it
    is_union_member: bool | None = None
    is_party_member: bool | None = None
    source: str = ""  # self | import | staff
    is_registered: bool | None = None


def area_by_code_or_error(code, *, field="street"):
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise ValidationFailed({field: [UNKNOWN_AREA]})
    return area


def courier_registry_queryset(*, actor, filters=None):
    """The couriers `actor` may see, filtered; select_related for list rows. Raises ValidationFailed."""
    filters = filters or RegistryFilters()
    queryset = courier_registry_policy.scope(
        actor, CourierProfile.objects.select_related("company", "work_area")
    )
    q = (filters.q or "").strip()
    if q:
        phone = normalize_phone(q)
        if phone:
            queryset = queryset.filter(phone_hash=lookup_hash(phone))
        else:
            queryset = queryset.filter(Q(name__icontains=q) | Q(site_name__icontains=q))
    if filters.company:
        queryset = queryset.filter(company__code=filters.company)
    if filters.worker_group:
        queryset = queryset.filter(worker_group=filters.worker_group)
    if filters.street:
        area = area_by_code_or_error(filters.street)
        queryset = queryset.filter(work_area__path__startswith=area.path)
    if filters.is_union_member is not None:
        queryset = queryset.filter(is_union_member=filters.is_union_member)
    if filters.is_party_member is not None:
        queryset = queryset.filter(is_party_member=filters.is_party_member)
    if filters.source:
        queryset = queryset.filter(source=filters.source)
    if filters.is_registered is not None:
        queryset = queryset.filter(registered_at__isnull=not filters.is_registered)
    return queryset


def courier_registry_counts(*, actor, filters=None):
    """Totals of the (filtered) registry grouped by company, worker group, street, union and party."""
    queryset = courier_registry_queryset(actor=actor, filters=filters).order_by()
    group_labels = dict(WorkerGroup.choices)
    by_company = [
        {
            "key": row["company__code"] or "",
            "label": row["company__name"] or str(_("Not given")),
            "count": row["count"],
        }
        for row in queryset.values("company__code", "company__name")
        .annotate(count=Count("id"))
        .order_by("-count", "company__code")
    ]
    by_group = [
        {
            "key": row["worker_group"],
            "label": str(group_labels.get(row["worker_group"], _("Not given"))),
            "count": row["count"],
        }
        for row in queryset.values("worker_group")
        .annotate(count=Count("id"))
        .order_by("-count", "worker_group")
    ]
    by_street = [
        {"key": row["work_area__code"] or "", "label": row["work_area__name"] or "", "count": row["count"]}
        for row in queryset.values("work_area__code", "work_area__name")
        .annotate(count=Count("id"))
        .order_by("-count", "work_area__code")
    ]
    totals = queryset.aggregate(
        total=Count("id"),
        union=Count("id", filter=Q(is_union_member=True)),
        party=Count("id", filter=Q(is_party_member=True)),
        registered=Count("id", filter=Q(registered_at__isnull=False)),
        imported=Count("id", filter=Q(source="import")),
    )
    return {
        "total": totals["total"],
        "by_company": by_company,
        "by_worker_group": by_group,
        "by_street": by_street,
        "union_members": totals["union"],
        "party_members": totals["party"],
        "registered": totals["registered"],
        "imported": totals["imported"],
    }


def courier_registry_get(*, actor, public_id):
    """One courier of `actor`'s area; NotFound alike for missing, deleted and another area's."""
    return get_visible_or_404(
        courier_registry_queryset(actor=actor).prefetch_related("children"), public_id=public_id
    )


def courier_personal_data_read(*, actor, courier, ip_address=None, purpose="detail"):
    """The courier's phone and ID number in full, for staff of the courier's area, audited.

    Raises NotFound when `actor` may not read them (so nothing tells another street the courier
    exists). Side effect: one AuditEntry (action "view") in the same transaction.
    """
    if not courier_registry_policy.can(actor, VIEW_PERSONAL_DATA, courier):
        raise NotFound()
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditEntry.Action.VIEW,
            obj=courier,
            message=f"phone, id_number ({purpose})",
            area_path=courier.work_area.path if courier.work_area_id else "",
            ip_address=ip_address,
        )
    return {"phone": courier.phone, "id_number": courier.id_number}


# --- writes on couriers ---------------------------------------------------------------------------


@transaction.atomic
def courier_registry_update(*, actor, courier, ip_address=None, **fields):
    """Staff change a courier's registry fields (not the phone or ID number). Audited.

    Raises NotFound (not allowed), ValidationFailed (unknown field, area outside the actor's).
    """
    if not courier_registry_policy.can(actor, CHANGE, courier):
        raise NotFound()
    unknown = set(fields) - set(REGISTRY_EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed({name: [_("This field cannot be changed here.")] for name in sorted(unknown)})
    new_area = fields.get("work_area", courier.work_area)
    if new_area is not None and not object_in_actor_area(actor, new_area):
        raise ValidationFailed({"work_area": [AREA_OUTSIDE]})
    before = snapshot(courier, fields=AUDITED_FIELDS)
    for name, value in fields.items():
        setattr(courier, name, value)
    courier.save(update_fields=[*fields, "updated_at"])
    changes = diff(before, snapshot(courier, fields=AUDITED_FIELDS))
    if changes:
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=courier,
            changes=changes,
            area_path=courier.work_area.path if courier.work_area_id else "",
            ip_address=ip_address,
        )
    return courier


# --- outreach visits (P3) -------------------------------------------------------------------------


def outreach_visit_queryset(*, actor):
    return outreach_visit_policy.scope(
        actor,
        OutreachVisit.objects.select_related("area", "company").prefetch_related(
            "staff", "couriers_met", "needs"
        ),
    )


def outreach_visit_get(*, actor, public_id):
    return get_visible_or_404(outreach_visit_queryset(actor=actor), public_id=public_id)


@dataclass
class NewNeed:
    category: str
    title: str
    description: str = ""


@dataclass
class OutreachVisitData:
    """Everything a visit form or API body gives; ids are public ids (couriers, needs) and user ids."""

    area_code: str
    visited_on: date
    site_name: str
    company_code: str = ""
    site_address: str = ""
    staff_ids: list | None = None  # default: the actor
    courier_ids: list | None = None
    couriers_met_count: int | None = None  # default: the number of couriers listed
    findings: str = ""
    need_ids: list | None = None  # existing needs of the area learned on this visit
    new_needs: list | None = None  # NewNeed rows created with source "outreach"


def outreach_visit_validate(*, actor, data):
    """Check a visit's input without writing (forms show the errors beside the fields)."""
    return _resolve_visit(actor, data)


def _resolve_visit(actor, data):
    """Turn OutreachVisitData into model values, checking every reference against the actor's area."""
    errors = {}
    area = Area.objects.filter(code=data.area_code).first()
    if area is None:
        errors["area"] = [UNKNOWN_AREA]
    elif not object_in_actor_area(actor, area):
        errors["area"] = [AREA_OUTSIDE]
    company = None
    if data.company_code:
        company = Company.objects.filter(code=data.company_code).first()
        if company is None:
            errors["company"] = [UNKNOWN_COMPANY]
    if not (data.site_name or "").strip():
        errors["site_name"] = [REQUIRED]
    elif len(data.site_name) > 100:
        errors["site_name"] = [NAME_TOO_LONG % {"max": 100}]
    staff = [actor]
    if data.staff_ids is not None:
        staff = list(area_scope(actor, User.objects.filter(pk__in=data.staff_ids, is_staff=True)))
        missing = set(data.staff_ids) - {user.pk for user in staff}
        if missing:
            errors["staff_ids"] = [UNKNOWN_STAFF % {"id": sorted(missing)[0]}]
    couriers = []
    if data.courier_ids:
        wanted = {str(value) for value in data.courier_ids}
        couriers = list(
            courier_registry_policy.scope(actor, CourierProfile.objects.all()).filter(public_id__in=wanted)
        )
        missing = wanted - {str(courier.public_id) for courier in couriers}
        if missing:
            errors["courier_ids"] = [UNKNOWN_COURIER % {"id": sorted(missing)[0]}]
    count = data.couriers_met_count if data.couriers_met_count is not None else len(couriers)
    if count < len(couriers):
        errors["couriers_met_count"] = [COUNT_TOO_SMALL]
    needs = []
    if data.need_ids:
        wanted = {str(value) for value in data.need_ids}
        needs = list(area_scope(actor, Need.objects.all()).filter(public_id__in=wanted))
        missing = wanted - {str(need.public_id) for need in needs}
        if missing:
            errors["need_ids"] = [UNKNOWN_NEED % {"id": sorted(missing)[0]}]
    for index, new_need in enumerate(data.new_needs or []):
        if new_need.category not in NeedCategory.values:
            errors[f"new_needs.{index}.category"] = [INVALID_CATEGORY]
        if not (new_need.title or "").strip():
            errors[f"new_needs.{index}.title"] = [REQUIRED]
    if errors:
        raise ValidationFailed(errors)
    return {
        "area": area,
        "company": company,
        "staff": staff,
        "couriers": couriers,
        "count": count,
        "needs": needs,
    }


_VISIT_AUDIT_FIELDS = [
    "area",
    "visited_on",
    "company",
    "site_name",
    "site_address",
    "couriers_met_count",
    "findings",
]


def _save_visit(actor, visit, data, resolved):
    visit.area = resolved["area"]
    visit.visited_on = data.visited_on
    visit.company = resolved["company"]
    visit.site_name = data.site_name.strip()
    visit.site_address = (data.site_address or "").strip()
    visit.couriers_met_count = resolved["count"]
    visit.findings = data.findings or ""
    visit.save()
    visit.staff.set(resolved["staff"])
    visit.couriers_met.set(resolved["couriers"])
    if data.need_ids is not None:
        Need.objects.filter(outreach_visit=visit).exclude(pk__in=[n.pk for n in resolved["needs"]]).update(
            outreach_visit=None
        )
        Need.objects.filter(pk__in=[n.pk for n in resolved["needs"]]).update(outreach_visit=visit)
    for new_need in data.new_needs or []:
        need_create(
            actor=actor,
            area=visit.area,
            category=new_need.category,
            title=new_need.title,
            description=new_need.description or "",
            source=Need.Source.OUTREACH,
            outreach_visit=visit,
        )
    return visit


@transaction.atomic
def outreach_visit_create(*, actor, data, ip_address=None):
    """Record a visit. Raises PermissionDenied (not staff), ValidationFailed. Audited ("create")."""
    if not outreach_visit_policy.can(actor, ADD, None):
        raise PermissionDenied()
    resolved = _resolve_visit(actor, data)
    visit = _save_visit(actor, OutreachVisit(created_by=actor), data, resolved)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=visit,
        changes=snapshot(visit, fields=_VISIT_AUDIT_FIELDS),
        ip_address=ip_address,
    )
    return visit


@transaction.atomic
def outreach_visit_update(*, actor, visit, data, ip_address=None):
    """Change a visit (all fields). Raises NotFound (another area), ValidationFailed. Audited."""
    if not outreach_visit_policy.can(actor, CHANGE, visit):
        raise NotFound()
    visit = OutreachVisit.objects.select_for_update().get(pk=visit.pk)
    before = snapshot(visit, fields=_VISIT_AUDIT_FIELDS)
    resolved = _resolve_visit(actor, data)
    _save_visit(actor, visit, data, resolved)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=visit,
        changes=diff(before, snapshot(visit, fields=_VISIT_AUDIT_FIELDS)),
        ip_address=ip_address,
    )
    return visit


@transaction.atomic
def outreach_visit_delete(*, actor, visit, ip_address=None):
    """Delete a visit; its needs stay on the needs list (unlinked). Raises NotFound. Audited."""
    if not outreach_visit_policy.can(actor, DELETE, visit):
        raise NotFound()
    audit_record(
        actor=actor,
        action=AuditEntry.Action.DELETE,
        obj=visit,
        changes=snapshot(visit, fields=_VISIT_AUDIT_FIELDS),
        ip_address=ip_address,
    )
    visit.delete()


# --- the company list -----------------------------------------------------------------------------

_COMPANY_FIELDS = ["code", "name", "worker_group", "sort_order", "is_active"]


@transaction.atomic
def company_save(*, actor, company):
    """Create or change a company of the managed list (city staff). Raises PermissionDenied. Audited."""
    action = CHANGE if company.pk else ADD
    if not company_policy.can(actor, action, company):
        raise PermissionDenied()
    before = {}
    if company.pk:
        before = snapshot(Company.objects.get(pk=company.pk), fields=_COMPANY_FIELDS)
    company.save()
    after = snapshot(company, fields=_COMPANY_FIELDS)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE if before else AuditEntry.Action.CREATE,
        obj=company,
        changes=diff(before, after) if before else after,
    )
    return company


def client_ip(request):
    return request.META.get("REMOTE_ADDR") or None
