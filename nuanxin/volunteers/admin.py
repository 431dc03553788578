"""Back office of volunteering: area-scoped, and every decision goes through the services.

The volunteer record is read-only here (append-only: corrections go through correction requests);
applications, hours and certificates are decided with admin actions that call the same services
as the API. Each shift links to its printable check-in poster (the API's poster.pdf, the same
area scoping), and the "Print check-in posters" action of activities and shifts makes one PDF with
a page per shift.
"""

from django.contrib import admin, messages
from django.http import HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from nuanxin.core.errors import DomainError

from . import services
from .checkin import shift_check_in_path
from .models import (
    Activity,
    Certificate,
    CorrectionRequest,
    Membership,
    RecordEntry,
    Shift,
    SignUp,
    Team,
    Volunteer,
)
from .permissions import is_volunteer_manager
from .posters import shift_posters_pdf
from .selectors import (
    activity_scope,
    certificate_scope,
    correction_scope,
    membership_scope,
    record_entry_scope,
    shift_scope,
    sign_up_scope,
    team_scope,
)

POSTER_LINK = _("Print the check-in poster (PDF)")
NO_SHIFTS = _("The selection has no shifts to print.")


class ScopedAdmin(admin.ModelAdmin):
    scope = None

    def get_queryset(self, request):
        return type(self).scope(request.user)

    def has_module_permission(self, request):
        return is_volunteer_manager(request.user)

    def has_view_permission(self, request, obj=None):
        return is_volunteer_manager(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _run(modeladmin, request, queryset, function):
    done = 0
    for obj in queryset:
        try:
            function(obj)
            done += 1
        except DomainError as error:
            modeladmin.message_user(request, f"{obj}: {error.text()}", messages.ERROR)
    if done:
        modeladmin.message_user(request, _("%(count)d done.") % {"count": done}, messages.SUCCESS)


@admin.register(Team)
class TeamAdmin(ScopedAdmin):
    scope = staticmethod(team_scope)
    list_display = ["name", "area", "handler_name", "contact_phone", "is_active"]
    search_fields = ["name"]


@admin.register(Membership)
class MembershipAdmin(ScopedAdmin):
    scope = staticmethod(membership_scope)
    list_display = ["volunteer", "team", "role", "status", "decided_at"]
    list_filter = ["status", "role"]
    actions = ["approve", "reject"]

    @admin.action(description=_("Approve the selected applications"))
    def approve(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda m: services.membership_decide(actor=request.user, membership=m, approve=True),
        )

    @admin.action(description=_("Reject the selected applications"))
    def reject(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda m: services.membership_decide(actor=request.user, membership=m, approve=False),
        )


@admin.display(description=_("check-in poster"))
def poster_link(shift):
    if shift is None or shift.pk is None:
        return "—"
    return format_html(
        '<a href="{}" target="_blank" data-poster-link>{}</a>',
        reverse("api:volunteers_shift_poster_pdf", args=[shift.public_id]),
        POSTER_LINK,
    )


def posters_response(modeladmin, request, shifts):
    """One PDF with a poster page per shift; each QR code carries the absolute check-in address."""
    pages = [(shift, request.build_absolute_uri(shift_check_in_path(shift))) for shift in shifts]
    if not pages:
        modeladmin.message_user(request, NO_SHIFTS, messages.WARNING)
        return None
    response = HttpResponse(shift_posters_pdf(pages), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="check-in-posters.pdf"'
    return response


class ShiftInline(admin.TabularInline):
    model = Shift
    extra = 0
    can_delete = False
    fields = [
        "starts_at",
        "ends_at",
        "place_name",
        "latitude",
        "longitude",
        "radius_meters",
        "capacity",
        "poster",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # The activity is already scoped; without this the inline asks for Django model
        # permissions, which area managers do not hold, and the shifts would not show at all.
        return is_volunteer_manager(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("check-in poster"))
    def poster(self, obj):
        return poster_link(obj)


@admin.register(Activity)
class ActivityAdmin(ScopedAdmin):
    scope = staticmethod(activity_scope)
    list_display = ["title", "kind", "team", "status", "created_at"]
    list_filter = ["kind", "status"]
    inlines = [ShiftInline]
    actions = ["print_posters"]

    @admin.action(description=_("Print check-in posters of the selected activities"))
    def print_posters(self, request, queryset):
        shifts = shift_scope(request.user).filter(activity__in=queryset).order_by("activity", "starts_at")
        return posters_response(self, request, shifts)


@admin.register(Shift)
class ShiftAdmin(ScopedAdmin):
    scope = staticmethod(shift_scope)
    list_display = ["activity", "starts_at", "ends_at", "place_name", "capacity", "poster"]
    list_filter = ["activity__kind"]
    search_fields = ["activity__title", "place_name"]
    date_hierarchy = "starts_at"
    actions = ["print_posters"]

    @admin.display(description=_("check-in poster"))
    def poster(self, obj):
        return poster_link(obj)

    @admin.action(description=_("Print check-in posters of the selected shifts"))
    def print_posters(self, request, queryset):
        return posters_response(self, request, queryset.order_by("starts_at"))


@admin.register(SignUp)
class SignUpAdmin(ScopedAdmin):
    scope = staticmethod(sign_up_scope)
    list_display = [
        "volunteer",
        "shift",
        "status",
        "checked_in_at",
        "checked_out_at",
        "served_minutes",
        "approved_at",
    ]
    list_filter = ["status"]
    actions = ["approve_hours"]

    @admin.action(description=_("Approve the served hours"))
    def approve_hours(self, request, queryset):
        _run(self, request, queryset, lambda s: services.hours_approve(actor=request.user, sign_up=s))


@admin.register(CorrectionRequest)
class CorrectionRequestAdmin(ScopedAdmin):
    scope = staticmethod(correction_scope)
    list_display = ["sign_up", "requested_minutes", "reason", "status", "resolved_at"]
    list_filter = ["status"]
    actions = ["accept", "reject"]

    @admin.action(description=_("Accept the selected corrections"))
    def accept(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda c: services.correction_resolve(actor=request.user, correction=c, accept=True),
        )

    @admin.action(description=_("Reject the selected corrections"))
    def reject(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda c: services.correction_resolve(actor=request.user, correction=c, accept=False),
        )


@admin.register(RecordEntry)
class RecordEntryAdmin(ScopedAdmin):
    scope = staticmethod(record_entry_scope)
    list_display = ["volunteer", "kind", "title", "occurred_on", "minutes", "team", "supersedes"]
    list_filter = ["kind"]


@admin.register(Certificate)
class CertificateAdmin(ScopedAdmin):
    scope = staticmethod(certificate_scope)
    list_display = ["number", "volunteer", "team", "period_start", "period_end", "status", "issued_at"]
    list_filter = ["status"]
    exclude = ["facts"]
    actions = ["issue"]

    @admin.action(description=_("Issue the selected certificates"))
    def issue(self, request, queryset):
        _run(self, request, queryset, lambda c: services.certificate_issue(actor=request.user, certificate=c))


@admin.register(Volunteer)
class VolunteerAdmin(ScopedAdmin):
    list_display = ["volunteer_number", "courier"]
    search_fields = ["volunteer_number"]

    def get_queryset(self, request):
        # A volunteer is visible to staff of an area where they belong to a team.
        teams = team_scope(request.user)
        return Volunteer.objects.filter(memberships__team__in=teams).distinct().select_related("courier")
