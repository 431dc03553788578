"""The station network in the back office (Django admin), area-scoped and in Chinese.

Every model admin answers the station app's permission policies (`permissions.py`) through
`core.admin.AreaScopedAdminMixin`: the changelist shows the user's subtree, another street's row
answers 404, foreign-key choices offer only the user's areas and stewards.

One code path: the forms check their input with the services' validators
(`station_validate`, `station_children_validate`, `core.images.process_image`…) so errors show
beside the field, and `save_model` / `save_related` / `delete_model` call the services
(`station_create`, `station_update`, `station_add_photo`, `standard_check_set`,
`service_contact_save`…), which check the policy again, save and write the audit row. The station
form and its inlines are saved by ONE `station_create` / `station_update` call, so hours, contacts
and special days are audited with the station and nothing is saved half-way.
"""

from django import forms
from django.contrib import admin
from django.db.models import Count, Q
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from nuanxin.core.admin import ServiceSavedAdmin, add_service_errors
from nuanxin.core.errors import DomainError, ValidationFailed
from nuanxin.core.images import process_image

from . import selectors, services
from .models import (
    Amenity,
    DemonstrationBatch,
    OpeningPeriod,
    PublicHoliday,
    ResourceItem,
    ServiceContact,
    SpecialDay,
    StandardCheck,
    Station,
    StationContact,
    StationPhoto,
)
from .permissions import (
    ADD,
    CHANGE,
    INSPECT,
    MANAGER_ONLY_FIELDS,
    SET_STATUS,
    amenity_policy,
    area_row_policy,
    city_list_policy,
    standard_check_policy,
    station_policy,
)

AMENITY_CODE_FIXED = _("The code cannot change: clients and stations refer to it.")

# Form field → the key the services report errors under, and back.
_SERVICE_KEYS = {"amenities": "amenity_codes"}
_FORM_KEYS = {value: key for key, value in _SERVICE_KEYS.items()}


class _ServiceSavedAdmin(ServiceSavedAdmin):
    """Deletes from the changelist go one by one through the services (audited, policy checked)."""

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


# --- stations -----------------------------------------------------------------------------------


class StationAdminForm(forms.ModelForm):
    actor = None

    amenities = forms.ModelMultipleChoiceField(
        label=_("amenities"),
        queryset=Amenity.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Station
        fields = (*services.STATION_FIELDS, "amenities")

    def _post_clean(self):
        # The services validate the whole station (including the model's constraints).
        pass

    def service_data(self):
        data = {key: self.cleaned_data.get(key) for key in services.STATION_FIELDS if key in self.fields}
        for key in ("description", "phone"):
            if key in data and data[key] is None:
                data[key] = ""
        if "amenities" in self.fields:
            data["amenity_codes"] = [amenity.code for amenity in self.cleaned_data.get("amenities") or []]
        return data

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            station = self.instance if self.instance.pk else None
            try:
                services.station_validate(actor=self.actor, data=self.service_data(), station=station)
            except DomainError as error:
                add_service_errors(self, error, _FORM_KEYS)
        return cleaned


class _ChildFormSet(forms.BaseInlineFormSet):
    """An inline list validated as a whole by `services.station_children_validate`."""

    list_key = None
    fields = ()

    def rows(self):
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            rows.append({key: data.get(key) for key in self.fields})
        return rows

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        try:
            services.station_children_validate(**{self.list_key: self.rows()})
        except ValidationFailed as error:
            for key, key_messages in error.errors.items():
                parts = key.split(".")
                if len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) < len(kept):
                    form = kept[int(parts[1])]
                    field = parts[2] if len(parts) > 2 and parts[2] in form.fields else None
                    for message in key_messages:
                        form.add_error(field, message)
                else:
                    raise forms.ValidationError([str(message) for message in key_messages]) from None


class OpeningPeriodFormSet(_ChildFormSet):
    list_key = "opening_periods"
    fields = ("weekday", "opens_at", "closes_at")


class SpecialDayFormSet(_ChildFormSet):
    list_key = "special_days"
    fields = ("date", "is_closed", "opens_at", "closes_at", "note")


class ContactFormSet(_ChildFormSet):
    list_key = "contacts"
    fields = ("title", "name", "phone")


class _StationChildInline(admin.TabularInline):
    """Rows that belong to the station: editable by whoever may change the station."""

    extra = 0
    station_action = CHANGE

    def _may(self, request, obj):
        if obj is None:
            return station_policy.can(request.user, ADD, None)
        return station_policy.can(request.user, self.station_action, obj)

    def has_view_permission(self, request, obj=None):
        return obj is None or station_policy.can(request.user, "view", obj)

    def has_add_permission(self, request, obj=None):
        return self._may(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may(request, obj)


class OpeningPeriodInline(_StationChildInline):
    model = OpeningPeriod
    formset = OpeningPeriodFormSet
    fields = ("weekday", "opens_at", "closes_at")


class SpecialDayInline(_StationChildInline):
    model = SpecialDay
    formset = SpecialDayFormSet
    fields = ("date", "is_closed", "opens_at", "closes_at", "note")


class StationContactInline(_StationChildInline):
    model = StationContact
    formset = ContactFormSet
    fields = ("title", "name", "phone")


class StationPhotoForm(forms.ModelForm):
    class Meta:
        model = StationPhoto
        fields = ("image", "caption", "sort_order")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A stored photo is replaced by removing it and uploading another.
            self.fields["image"].disabled = True
            self.fields["image"].required = False

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image and not self.instance.pk:
            try:
                process_image(image, field="image")
            except ValidationFailed as error:
                raise forms.ValidationError([str(message) for message in error.errors["image"]]) from None
        return image


class StationPhotoInline(_StationChildInline):
    model = StationPhoto
    form = StationPhotoForm
    fields = ("preview", "image", "caption", "sort_order")
    readonly_fields = ("preview",)

    @admin.display(description=_("preview"))
    def preview(self, photo):
        if not photo.pk or not photo.image:
            return "—"
        return format_html('<img src="{}" alt="" style="max-height:80px">', photo.image.url)


class StandardCheckForm(forms.ModelForm):
    class Meta:
        model = StandardCheck
        fields = ("item", "is_met", "evidence", "evidence_file", "inspected_on", "next_inspection_on")

    def clean_evidence_file(self):
        upload = self.cleaned_data.get("evidence_file")
        if upload and "evidence_file" in self.changed_data:
            try:
                services.standard_evidence_clean(upload)
            except ValidationFailed as error:
                raise forms.ValidationError([str(m) for m in error.errors["evidence_file"]]) from None
        return upload

    def clean(self):
        cleaned = super().clean()
        has_evidence = cleaned.get("evidence") or cleaned.get("evidence_file")
        if cleaned.get("is_met") and not has_evidence:
            self.add_error("evidence", services.STANDARD_MET_NEEDS_EVIDENCE)
        inspected_on, next_on = cleaned.get("inspected_on"), cleaned.get("next_inspection_on")
        if inspected_on and next_on and next_on <= inspected_on:
            self.add_error("next_inspection_on", services.NEXT_INSPECTION_BEFORE)
        return cleaned


class StandardCheckInline(_StationChildInline):
    model = StandardCheck
    form = StandardCheckForm
    fields = (
        "item",
        "is_met",
        "evidence",
        "evidence_file",
        "inspected_on",
        "next_inspection_on",
        "inspected_by",
    )
    readonly_fields = ("inspected_by",)
    station_action = INSPECT
    max_num = 6

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Station)
class StationAdmin(_ServiceSavedAdmin):
    policy = station_policy
    form = StationAdminForm
    inlines = (
        OpeningPeriodInline,
        SpecialDayInline,
        StationContactInline,
        StationPhotoInline,
        StandardCheckInline,
    )
    list_display = (
        "name",
        "area",
        "host_type",
        "status",
        "demonstration_batch",
        "is_public",
        "has_unified_sign",
        "steward",
        "standard_met",
    )
    list_filter = ("status", "host_type", "has_unified_sign", "is_24_hours", "demonstration_batch")
    search_fields = ("name", "address", "host_organization")
    list_select_related = ("area", "steward", "demonstration_batch")
    fieldsets = (
        (None, {"fields": ("name", "host_type", "host_organization", "description")}),
        (_("Place"), {"fields": ("area", "address", "latitude", "longitude")}),
        (_("Opening hours"), {"fields": ("is_24_hours", "closes_on_public_holidays")}),
        (_("People"), {"fields": ("steward", "phone")}),
        (_("Amenities"), {"fields": ("amenities",)}),
        (
            _("Rollout"),
            {"fields": ("status", "demonstration_batch", "has_unified_sign", "sign_installed_on")},
        ),
    )

    @admin.display(description=_("六有 met"))
    def standard_met(self, station):
        return f"{station.standard_met_count}/6"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(standard_met_count=Count("standard_checks", filter=Q(standard_checks__is_met=True)))
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not station_policy.can(request.user, SET_STATUS, obj):
            return MANAGER_ONLY_FIELDS  # a steward edits the rest of their station
        return ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "area":
            kwargs["queryset"] = selectors.station_areas_for(request.user).order_by("code")
        elif db_field.name == "steward":
            kwargs["queryset"] = selectors.steward_choices_for(request.user).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # --- saving: one service call for the station and its lists ---------------------------------

    def save_model(self, request, obj, form, change):
        # Saved in save_related, together with the inline lists (one audited service call).
        pass

    def save_related(self, request, form, formsets, change):
        actor = request.user
        data = form.service_data()
        by_model = {formset.model: formset for formset in formsets}
        for model, key in ((OpeningPeriod, "opening_periods"), (SpecialDay, "special_days")):
            formset = by_model.get(model)
            if formset is not None and (formset.has_changed() or not change):
                data[key] = formset.rows()
        contacts = by_model.get(StationContact)
        if contacts is not None and (contacts.has_changed() or not change):
            data["contacts"] = [{**row, "name": row.get("name") or ""} for row in contacts.rows()]
        if change:
            station = services.station_update(actor=actor, station=form.instance, data=data)
        else:
            station = services.station_create(actor=actor, data=data)
        # The admin goes on with `form.instance` (messages, redirect, permission checks): make it
        # the saved station.
        for field in Station._meta.concrete_fields:
            setattr(form.instance, field.attname, getattr(station, field.attname))
        form.instance._state.adding = False
        form.instance._state.fields_cache = {}
        self._save_photos(actor, station, by_model.get(StationPhoto))
        self._save_checks(actor, station, by_model.get(StandardCheck))
        for formset in formsets:
            # The admin's change message reads these; the services did the saving.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def _save_photos(self, actor, station, formset):
        if formset is None:
            return
        for form in formset.forms:
            data = getattr(form, "cleaned_data", None)
            if not data:
                continue
            photo = form.instance
            if photo.pk and data.get("DELETE"):
                services.station_remove_photo(actor=actor, station=station, photo=photo)
            elif not photo.pk and data.get("image"):
                services.station_add_photo(
                    actor=actor,
                    station=station,
                    upload=data["image"],
                    caption=data.get("caption") or "",
                    sort_order=data.get("sort_order"),
                )
            elif photo.pk and form.has_changed():
                services.station_update_photo(
                    actor=actor,
                    photo=photo,
                    caption=data.get("caption") or "",
                    sort_order=data.get("sort_order"),
                )

    def _save_checks(self, actor, station, formset):
        if formset is None:
            return
        for form in formset.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or not form.has_changed():
                continue
            upload = data.get("evidence_file") if "evidence_file" in form.changed_data else None
            services.standard_check_set(
                actor=actor,
                station=station,
                item=data["item"],
                is_met=bool(data.get("is_met")),
                evidence=data.get("evidence") or "",
                evidence_file=upload or None,
                inspected_on=data.get("inspected_on"),
                next_inspection_on=data.get("next_inspection_on"),
            )

    def delete_model(self, request, obj):
        services.station_delete(actor=request.user, station=obj)


# --- the 六有 checklist across stations --------------------------------------------------------


@admin.register(StandardCheck)
class StandardCheckAdmin(_ServiceSavedAdmin):
    """Every station's 六有 items in one list (filter by item or by "not met"); edited on the
    station's page, where the inspection is recorded through `standard_check_set`."""

    policy = standard_check_policy
    list_display = ("station", "item", "is_met", "inspected_on", "inspected_by", "next_inspection_on")
    list_filter = ("item", "is_met")
    search_fields = ("station__name",)
    list_select_related = ("station", "inspected_by")
    readonly_fields = (
        "station",
        "item",
        "is_met",
        "evidence",
        "evidence_file",
        "inspected_on",
        "inspected_by",
        "next_inspection_on",
    )

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- the managed lists --------------------------------------------------------------------------


class AmenityAdminForm(forms.ModelForm):
    actor = None

    class Meta:
        model = Amenity
        fields = ("code", "name", "name_en", "icon", "sort_order", "is_active")

    def clean_code(self):
        code = (self.cleaned_data.get("code") or "").strip()
        if self.instance.pk:
            if code != self.instance.code:
                raise forms.ValidationError(AMENITY_CODE_FIXED)
        elif not services.AMENITY_CODE_PATTERN.match(code):
            raise forms.ValidationError(services.AMENITY_CODE_INVALID)
        return code


@admin.register(Amenity)
class AmenityAdmin(_ServiceSavedAdmin):
    policy = amenity_policy
    form = AmenityAdminForm
    list_display = ("icon", "name", "name_en", "code", "sort_order", "is_active", "bit")
    list_display_links = ("name",)
    list_filter = ("is_active",)
    search_fields = ("code", "name", "name_en")

    def get_readonly_fields(self, request, obj=None):
        return ("code", "bit") if obj is not None else ("bit",)

    def save_model(self, request, obj, form, change):
        if change:
            data = {field: form.cleaned_data[field] for field in form.changed_data if field != "code"}
            stored = Amenity.objects.get(pk=obj.pk)
            services.amenity_update(actor=request.user, amenity=stored, data=data)
        else:
            values = {
                key: form.cleaned_data[key] for key in ("name", "name_en", "icon", "sort_order", "is_active")
            }
            amenity = services.amenity_create(actor=request.user, code=form.cleaned_data["code"], **values)
            obj.pk, obj.bit = amenity.pk, amenity.bit


class _RowAdmin(_ServiceSavedAdmin):
    """A simple row saved by `save_service(actor=..., <row_argument>=row)`."""

    save_service = None
    delete_service = None
    row_argument = None

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "area":
            kwargs["queryset"] = selectors.station_areas_for(request.user).order_by("code")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        type(self).save_service(actor=request.user, **{self.row_argument: obj})

    def delete_model(self, request, obj):
        type(self).delete_service(actor=request.user, **{self.row_argument: obj})


@admin.register(DemonstrationBatch)
class DemonstrationBatchAdmin(_RowAdmin):
    policy = city_list_policy
    save_service = services.demonstration_batch_save
    delete_service = services.demonstration_batch_delete
    row_argument = "batch"
    list_display = ("name", "announced_on", "station_count")
    search_fields = ("name",)

    @admin.display(description=_("stations"))
    def station_count(self, batch):
        return batch.stations.count()


@admin.register(PublicHoliday)
class PublicHolidayAdmin(_RowAdmin):
    policy = city_list_policy
    save_service = services.public_holiday_save
    delete_service = services.public_holiday_delete
    row_argument = "holiday"
    list_display = ("date", "name")
    date_hierarchy = "date"


@admin.register(ServiceContact)
class ServiceContactAdmin(_RowAdmin):
    policy = area_row_policy
    save_service = services.service_contact_save
    delete_service = services.service_contact_delete
    row_argument = "contact"
    list_display = ("area", "kind", "name", "phone", "address", "sort_order")
    list_filter = ("kind",)
    search_fields = ("name", "phone", "area__name")
    list_select_related = ("area",)


@admin.register(ResourceItem)
class ResourceItemAdmin(_RowAdmin):
    policy = area_row_policy
    save_service = services.resource_item_save
    delete_service = services.resource_item_delete
    row_argument = "item"
    list_display = ("area", "name", "category", "provider", "contact", "sort_order")
    list_filter = ("category",)
    search_fields = ("name", "provider", "area__name")
    list_select_related = ("area",)
