"""Back office of housing: apartments, rooms, rental offers (saved through the service), stay
applications (read-only; approve/refuse actions call the services) and lease intents (read-only).
Every list is scoped to the signed-in staff member's area subtree by the same policies as the API."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils.translation import gettext_lazy as _

from nuanxin.core.admin import AreaScopedAdminMixin
from nuanxin.core.errors import DomainError

from . import permissions, services
from .models import Apartment, LeaseIntent, RentalOffer, Room, StayApplication

REFUSED_FROM_ADMIN = _("Refused from the back office.")


class ServiceSavedAdmin(AreaScopedAdminMixin, admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        try:
            services.housing_object_save(actor=request.user, obj=obj, policy=self.policy, is_new=not change)
        except DomainError as error:
            raise DjangoPermissionDenied(error.text()) from error


@admin.register(Apartment)
class ApartmentAdmin(ServiceSavedAdmin):
    policy = permissions.apartment_policy
    list_display = ("name", "area", "address", "max_nights", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "address")
    autocomplete_fields = ("area",)
    raw_id_fields = ("station",)


@admin.register(Room)
class RoomAdmin(ServiceSavedAdmin):
    policy = permissions.room_policy
    list_display = ("name", "apartment", "capacity", "is_active")
    list_filter = ("is_active",)
    raw_id_fields = ("apartment",)


@admin.register(RentalOffer)
class RentalOfferAdmin(ServiceSavedAdmin):
    policy = permissions.offer_policy
    list_display = ("title", "kind", "area", "monthly_rent_fen", "units_available", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("title", "address")
    autocomplete_fields = ("area",)


@admin.register(StayApplication)
class StayApplicationAdmin(AreaScopedAdminMixin, admin.ModelAdmin):
    policy = permissions.stay_policy
    list_display = ("room", "check_in", "check_out", "guests", "courier", "status", "decided_by")
    list_filter = ("status",)
    date_hierarchy = "check_in"
    list_select_related = ("room__apartment", "courier", "decided_by")
    actions = ["approve_selected", "refuse_selected"]
    readonly_fields = [field.name for field in StayApplication._meta.fields]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _decide(self, request, queryset, decide, done_message):
        done = 0
        for stay in queryset:
            try:
                decide(stay)
                done += 1
            except DomainError as error:
                self.message_user(request, f"{stay}: {error.text()}", messages.ERROR)
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Approve the selected applications"))
    def approve_selected(self, request, queryset):
        self._decide(
            request,
            queryset,
            lambda stay: services.stay_approve(actor=request.user, stay=stay),
            _("%(count)s applications approved."),
        )

    @admin.action(description=_("Refuse the selected applications"))
    def refuse_selected(self, request, queryset):
        self._decide(
            request,
            queryset,
            lambda stay: services.stay_refuse(actor=request.user, stay=stay, note=str(REFUSED_FROM_ADMIN)),
            _("%(count)s applications refused."),
        )


@admin.register(LeaseIntent)
class LeaseIntentAdmin(AreaScopedAdminMixin, admin.ModelAdmin):
    policy = permissions.intent_policy
    list_display = ("offer", "courier", "move_in_on", "occupants", "created_at")
    list_select_related = ("offer", "courier")
    readonly_fields = ("offer", "courier", "move_in_on", "occupants", "note")

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
