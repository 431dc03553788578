"""Staff accounts in the back office: area-scoped, every write through the account services.

City, district and street staff see the accounts of their subtree whose role is at or below their
own (`permissions.user_policy`); the role choices and the area autocomplete offer only what they
may assign; the forms check their input with `services.staff_user_validate` and save with
`staff_user_create` / `staff_user_update`, so the admin refuses exactly what the services refuse.
Accounts are never deleted here: the "deactivate" action switches them off (`staff_user_deactivate`).
An account outside the user's scope answers 404, like the API.
"""

from django import forms
from django.contrib import admin, messages
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from nuanxin.areas.models import Area
from nuanxin.areas.permissions import area_tree_scope
from nuanxin.core.admin import AreaScopedAdminMixin
from nuanxin.core.errors import DomainError, ValidationFailed
from nuanxin.core.permissions import is_superuser

from .models import STAFF_ROLES, Role, User
from .permissions import manageable_roles, user_policy
from .services import (
    staff_user_create,
    staff_user_deactivate,
    staff_user_update,
    staff_user_validate,
)

PASSWORDS_DIFFER = _("The two passwords differ.")

ADD_FIELDS = ("username", "display_name", "work_phone", "role", "area", "is_superuser")
CHANGE_FIELDS = ("display_name", "work_phone", "role", "area", "is_active", "is_superuser")
READONLY_ON_CHANGE = ("username", "last_login", "date_joined")


class _ServiceForm(forms.ModelForm):
    """A ModelForm whose validation and saving belong to the account services.

    `actor` is set per request by `StaffUserAdmin.get_form`. The model's own validation is skipped
    (`_post_clean`): the service checks everything, including uniqueness, and reports field errors.
    """

    actor = None
    # Service field names that this form shows under another name.
    field_aliases = {}

    def _post_clean(self):
        pass

    def _service_errors(self, error):
        if isinstance(error, ValidationFailed):
            for field, field_messages in error.errors.items():
                field = self.field_aliases.get(field, field)
                target = field if field in self.fields else None
                for message in field_messages:
                    self.add_error(target, str(message))
        else:
            self.add_error(error.field if error.field in self.fields else None, error.text())

    def service_data(self):
        raise NotImplementedError


class StaffUserAddForm(_ServiceForm):
    password1 = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Password (again)"), strip=False, widget=forms.PasswordInput)
    field_aliases = {"password": "password1"}

    class Meta:
        model = User
        fields = ADD_FIELDS

    def service_data(self):
        data = {key: self.cleaned_data.get(key) for key in ADD_FIELDS if key in self.fields}
        data["password"] = self.cleaned_data.get("password1") or ""
        data["display_name"] = data.get("display_name") or ""
        data["work_phone"] = data.get("work_phone") or ""
        data["is_superuser"] = bool(data.get("is_superuser"))
        return data

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", PASSWORDS_DIFFER)
            return cleaned
        if not self.errors:
            try:
                staff_user_validate(actor=self.actor, data=self.service_data())
            except DomainError as error:
                self._service_errors(error)
        return cleaned


class StaffUserChangeForm(_ServiceForm):
    new_password = forms.CharField(
        label=_("New password"),
        strip=False,
        required=False,
        widget=forms.PasswordInput,
        help_text=_("Leave empty to keep the current password."),
    )
    field_aliases = {"password": "new_password"}

    class Meta:
        model = User
        fields = CHANGE_FIELDS

    def service_data(self):
        data = {key: self.cleaned_data.get(key) for key in CHANGE_FIELDS if key in self.fields}
        for key in ("display_name", "work_phone"):
            if key in data:
                data[key] = data[key] or ""
        for key in ("is_active", "is_superuser"):
            if key in data:
                data[key] = bool(data[key])
        if self.cleaned_data.get("new_password"):
            data["password"] = self.cleaned_data["new_password"]
        return data

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                staff_user_validate(actor=self.actor, user=self.instance, data=self.service_data())
            except DomainError as error:
                self._service_errors(error)
        return cleaned


@admin.register(User)
class StaffUserAdmin(AreaScopedAdminMixin, admin.ModelAdmin):
    policy = user_policy
    form = StaffUserChangeForm
    add_form = StaffUserAddForm
    list_display = ("username", "display_name", "role", "area", "work_phone", "is_active", "last_login")
    list_filter = ("role", "is_active", "area__level")
    search_fields = ("username", "display_name", "work_phone", "area__name", "area__code")
    list_select_related = ("area",)
    autocomplete_fields = ("area",)
    ordering = ("area__code", "username")
    actions = ("deactivate_selected",)

    # --- forms: the fields and choices the signed-in user may use --------------------------------

    def get_fields(self, request, obj=None):
        if obj is None:
            fields = [*ADD_FIELDS, "password1", "password2"]
        else:
            fields = [*READONLY_ON_CHANGE, *CHANGE_FIELDS, "new_password"]
        if not is_superuser(request.user):
            fields.remove("is_superuser")
        return fields

    def get_readonly_fields(self, request, obj=None):
        return READONLY_ON_CHANGE if obj is not None else ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = self.add_form if obj is None else self.form
        kwargs["fields"] = [
            field
            for field in self.get_fields(request, obj)
            if field
            not in ("password1", "password2", "new_password", *self.get_readonly_fields(request, obj))
        ]
        form_class = super().get_form(request, obj, change=change, **kwargs)
        form_class.actor = request.user
        return form_class

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role":
            allowed = manageable_roles(request.user)
            kwargs["choices"] = [("", "---------")] + [
                (value, label) for value, label in Role.choices if value in allowed and value in STAFF_ROLES
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "area":
            kwargs["queryset"] = area_tree_scope(request.user, Area.objects.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # --- writes: the services ----------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        if change:
            user = staff_user_update(actor=request.user, user=obj, data=form.service_data())
        else:
            user = staff_user_create(actor=request.user, **form.service_data())
        obj.pk = user.pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        """Groups and model permissions are not used: role and area decide."""

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=_("Deactivate the selected accounts"))
    def deactivate_selected(self, request, queryset):
        count = 0
        for user in queryset:
            try:
                staff_user_deactivate(actor=request.user, user=user)
            except DomainError as error:
                self.message_user(request, f"{user}: {error.text()}", messages.ERROR)
            else:
                count += 1
        if count:
            self.message_user(
                request,
                ngettext("%(count)d account deactivated.", "%(count)d accounts deactivated.", count)
                % {"count": count},
                messages.SUCCESS,
            )

    # --- an account outside the user's scope is "not found", as in the API -------------------------

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404
