"""Events in the back office, area-scoped like the API (city/district/street staff and stewards).

The form only collects input; `save_model` calls `services.event_create` / `event_update`, which
check the policy again, validate and audit. Actions publish and cancel through the services too.
Sign-ups, feedback and photos are shown read-only: they change through the courier's pages, the
check-in scan and the API.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from nuanxin.areas.models import Area
from nuanxin.core.admin import AreaScopedAdminMixin
from nuanxin.core.errors import DomainError, ValidationFailed
from nuanxin.core.permissions import is_superuser
from nuanxin.stations.models import Station

from . import services
from .models import Event, EventPhoto, Signup
from .permissions import event_policy

DONE = _("%(count)s events: done.")
NOT_DONE = _("%(title)s: %(message)s")


class SignupInline(admin.TabularInline):
    model = Signup
    extra = 0
    can_delete = False
    fields = (
        "courier",
        "status",
        "signed_up_at",
        "promoted_at",
        "cancelled_at",
        "attended_at",
        "wants_reminders",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return event_policy.can(request.user, "view", obj)


class PhotoInline(admin.TabularInline):
    model = EventPhoto
    extra = 0
    can_delete = False
    fields = ("image", "caption")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return event_policy.can(request.user, "view", obj)


@admin.register(Event)
class EventAdmin(AreaScopedAdminMixin, admin.ModelAdmin):
    policy = event_policy
    list_display = ("title", "kind", "area", "starts_at", "capacity", "status")
    list_filter = ("status", "kind")
    search_fields = ("title",)
    date_hierarchy = "starts_at"
    inlines = (SignupInline, PhotoInline)
    actions = ("publish", "cancel")
    readonly_fields = (
        "status",
        "published_at",
        "cancelled_at",
        "cancel_reason",
        "closed_at",
        "report_summary",
        "report_attendee_count",
    )
    fields = (
        "title",
        "kind",
        "description",
        "area",
        "station",
        "address",
        "starts_at",
        "ends_at",
        "capacity",
        "audience",
        "audience_note",
        *readonly_fields,
    )

    def get_readonly_fields(self, request, obj=None):
        # The area of an existing event is fixed: moving it would move who manages it.
        return (*self.readonly_fields, "area") if obj is not None else self.readonly_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        user = request.user
        if db_field.name == "area":
            areas = Area.objects.order_by("path")
            if not is_superuser(user):
                areas = areas.filter(path__startswith=user.area.path) if user.area_id else areas.none()
            kwargs["queryset"] = areas
        if db_field.name == "station":
            stations = Station.objects.order_by("name")
            if not is_superuser(user):
                stations = (
                    stations.filter(area__path__startswith=user.area.path)
                    if user.area_id
                    else stations.none()
                )
            kwargs["queryset"] = stations
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _fields_of(self, form):
        return {
            name: form.cleaned_data.get(name)
            for name in services.EDITABLE_FIELDS
            if name in form.cleaned_data
        }

    def save_model(self, request, obj, form, change):
        data = self._fields_of(form)
        try:
            if change:
                saved = services.event_update(actor=request.user, event=obj, **data)
            else:
                saved = services.event_create(actor=request.user, area=form.cleaned_data.get("area"), **data)
        except DomainError as error:  # a race the form's clean could not foresee
            self.message_user(
                request, NOT_DONE % {"title": obj.title, "message": error.text()}, messages.ERROR
            )
            return
        obj.pk, obj.public_id = saved.pk, saved.public_id

    def get_form(self, request, obj=None, **kwargs):
        form_class = super().get_form(request, obj, **kwargs)

        class ServiceCheckedForm(form_class):
            """Runs the service's checks in `clean`, so refusals show beside their fields, nothing saved."""

            def clean(self):
                cleaned = super().clean()
                if self.errors:
                    return cleaned
                data = {name: cleaned.get(name) for name in services.EDITABLE_FIELDS if name in cleaned}
                area = obj.area if obj is not None else cleaned.get("area")
                try:
                    services._clean_event(
                        request.user,
                        data,
                        area=area,
                        creating=obj is None or data.get("starts_at") != obj.starts_at,
                    )
                except ValidationFailed as error:
                    for field, field_messages in error.errors.items():
                        for message in field_messages:
                            self.add_error(field if field in self.fields else None, str(message))
                if obj is not None and isinstance(data.get("capacity"), int):
                    confirmed = obj.signups.filter(status=Signup.Status.CONFIRMED).count()
                    if data["capacity"] < confirmed:
                        self.add_error(
                            "capacity", str(services.CAPACITY_BELOW_CONFIRMED) % {"count": confirmed}
                        )
                return cleaned

        return ServiceCheckedForm

    def _run(self, request, queryset, call):
        done = 0
        for event in queryset:
            try:
                call(event)
                done += 1
            except DomainError as error:
                self.message_user(
                    request, NOT_DONE % {"title": event.title, "message": error.text()}, messages.ERROR
                )
        if done:
            self.message_user(request, DONE % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Publish (open sign-up)"))
    def publish(self, request, queryset):
        self._run(request, queryset, lambda event: services.event_publish(actor=request.user, event=event))

    @admin.action(description=_("Cancel (tell every signed-up courier)"))
    def cancel(self, request, queryset):
        self._run(request, queryset, lambda event: services.event_cancel(actor=request.user, event=event))
