"""Admin plumbing: every back-office model admin is scoped to the signed-in user's area subtree.

Subclasses name a `policy` (an object with `scope(actor, queryset)` and `can(actor, action, obj)`)
and save through services; this mixin makes the changelist, the change form, deletes and foreign-key
choices all answer the same policy as the API.
"""

from django.contrib import admin, messages
from django.http import Http404, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from .errors import DomainError, ValidationFailed
from .models import AuditEntry
from .permissions import area_scope, is_superuser

SAVE_FAILED = _("Nothing was saved: %(message)s")


class AreaScopedAdminMixin:
    """Scope querysets by `policy.scope` and object permissions by `policy.can`."""

    policy = None  # set by subclasses

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return self.policy.scope(request.user, queryset)

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return super().has_view_permission(request) or self.policy.can(request.user, "view", None)
        return self.policy.can(request.user, "view", obj)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request) or self.policy.can(request.user, "change", None)
        return self.policy.can(request.user, "change", obj)

    def has_add_permission(self, request, *args):
        return super().has_add_permission(request, *args) or self.policy.can(request.user, "add", None)

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return super().has_delete_permission(request) or self.policy.can(request.user, "delete", None)
        return self.policy.can(request.user, "delete", obj)

    def has_module_permission(self, request):
        return super().has_module_permission(request) or self.policy.can(request.user, "view", None)


def add_service_errors(form, error, keys=None):
    """Show a service's refusal on a form: each field error beside its field (others on top).

    `keys` maps the names the services report errors under to the form's field names.
    """
    keys = keys or {}
    if isinstance(error, ValidationFailed):
        for field, field_messages in error.errors.items():
            name = keys.get(field, field)
            target = name if name in form.fields else None
            for message in field_messages:
                text = str(message) if target or field == "__all__" else f"{field}: {message}"
                form.add_error(target, text)
    else:
        name = keys.get(error.field, error.field)
        form.add_error(name if name in form.fields else None, error.text())


def areas_within(actor):
    """The areas an actor may pick in a form: its subtree (every area for a superuser)."""
    from nuanxin.areas.models import Area

    areas = Area.objects.all()
    if not is_superuser(actor):
        areas = (
            areas.filter(path__startswith=actor.area.path) if getattr(actor, "area", None) else areas.none()
        )
    return areas.order_by("path")


class ServiceSavedAdmin(AreaScopedAdminMixin, admin.ModelAdmin):
    """A model admin whose forms save through services.

    The actor reaches the forms (`form.actor`); missing and out-of-area rows answer 404 alike, as in
    the API; a refusal the forms could not foresee (a concurrent change) becomes a message and nothing
    is saved (the admin's transaction was rolled back when the error left it); an `area` foreign key
    offers only the actor's subtree.
    """

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            self.message_user(request, SAVE_FAILED % {"message": error.text()}, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "area" and "queryset" not in kwargs:
            kwargs["queryset"] = areas_within(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only. Staff see the entries of their area subtree."""

    list_display = ("occurred_at", "actor_label", "action", "object_type", "object_label", "message")
    list_filter = ("action", "object_type")
    search_fields = ("actor_label", "object_label", "object_id")
    date_hierarchy = "occurred_at"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if is_superuser(request.user):
            return queryset
        path = request.user.area.path if getattr(request.user, "area", None) else None
        if path is None or not request.user.is_staff:
            return queryset.none()
        return queryset.filter(area_path__startswith=path)

    def has_module_permission(self, request):
        return (
            request.user.is_active
            and request.user.is_staff
            and (is_superuser(request.user) or getattr(request.user, "is_area_manager", False))
        )

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


__all__ = ["AreaScopedAdminMixin", "area_scope"]
