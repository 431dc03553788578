"""Back office of volunteering: area-scoped, and every decision goes through the services.

The volunteer record is read-only here (append-only: corrections go through correction requests);
applications, hours and certificates are decided with admin actions that call the same services
as the API.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from nuanxin.core.errors import DomainError

from . import services
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
from .selectors import (
    activity_scope,
    certificate_scope,
    correction_scope,
    membership_scope,
    record_entry_scope,
    sign_up_scope,
    team_scope,
)


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


class ShiftInline(admin.TabularInline):
    model = Shift
    extra = 0
    can_delete = False
    fields = ["starts_at", "ends_at", "place_name", "latitude", "longitude", "radius_meters", "capacity"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Activity)
class ActivityAdmin(ScopedAdmin):
    scope = staticmethod(activity_scope)
    list_display = ["title", "kind", "team", "status", "created_at"]
    list_filter = ["kind", "status"]
    inlines = [ShiftInline]


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
