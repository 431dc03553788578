"""Partner merchants in the back office, scoped to the staff member's area subtree.

Area managers create and edit merchants (with their merchant accounts) and offers (with up to
WINDOW_ROWS time windows). Every write goes through the services — `merchant_create`,
`merchant_update`, `offer_create`, `offer_update` — called from the form's validation
(`nuanxin.supplies.admin_forms.ServiceModelForm`), so a refusal shows beside its field and nothing
is saved; the services check the policy again and audit. Meal codes are read-only.
"""

from django import forms
from django.contrib import admin
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from nuanxin.accounts.models import Role, User
from nuanxin.areas.models import Area
from nuanxin.core.admin import AreaScopedAdminMixin
from nuanxin.core.permissions import is_superuser
from nuanxin.stations.hours import WEEKDAY_LABELS
from nuanxin.supplies.admin_forms import ServiceAdminMixin, ServiceModelForm

from . import services
from .models import MealCode, MealOffer, Merchant, OfferWindow
from .permissions import merchant_policy, offer_policy

WINDOW_ROWS = 4


class _NoDeleteMixin:
    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: codes and service records point at merchants and offers


# --- merchants -----------------------------------------------------------------------------------


class MerchantForm(ServiceModelForm):
    service_fields = {"area_code": "area", "account_usernames": "accounts"}

    class Meta:
        model = Merchant
        fields = (
            "name",
            "kind",
            "area",
            "address",
            "latitude",
            "longitude",
            "phone",
            "description",
            "accounts",
            "is_active",
        )

    def perform(self, actor, data):
        usernames = [account.username for account in data.get("accounts") or ()]
        fields = {
            name: data.get(name)
            for name in ("name", "kind", "address", "latitude", "longitude", "phone", "description")
        }
        if self.instance.pk is None:
            return services.merchant_create(
                actor=actor, area=data.get("area"), account_usernames=usernames, **fields
            )
        return services.merchant_update(
            actor=actor,
            merchant=self.instance,
            account_usernames=usernames,
            is_active=data.get("is_active", self.instance.is_active),
            **fields,
        )


@admin.register(Merchant)
class MerchantAdmin(ServiceAdminMixin, _NoDeleteMixin, AreaScopedAdminMixin, admin.ModelAdmin):
    policy = merchant_policy
    form = MerchantForm
    list_display = ("name", "kind", "area", "address", "phone", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "address")
    list_select_related = ("area",)
    filter_horizontal = ("accounts",)

    def get_fields(self, request, obj=None):
        fields = MerchantForm.Meta.fields
        return tuple(name for name in fields if name != "is_active") if obj is None else fields

    def get_readonly_fields(self, request, obj=None):
        # The area of an existing merchant is fixed: moving it would move who manages it.
        return ("area",) if obj is not None else ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "area":
            user = request.user
            areas = Area.objects.order_by("path")
            if not is_superuser(user):
                areas = areas.filter(path__startswith=user.area.path) if user.area_id else areas.none()
            kwargs["queryset"] = areas
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "accounts":
            kwargs["queryset"] = User.objects.filter(role=Role.MERCHANT, is_active=True).order_by("username")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


# --- offers --------------------------------------------------------------------------------------

WEEKDAY_CHOICES = [("", _("every day"))] + [(str(day), label) for day, label in enumerate(WEEKDAY_LABELS)]
WINDOW_FIELDS = {}
for _row in range(1, WINDOW_ROWS + 1):
    WINDOW_FIELDS[f"window_weekday_{_row}"] = forms.ChoiceField(
        label=format_lazy("{} {}", _("weekday"), _row), choices=WEEKDAY_CHOICES, required=False
    )
    WINDOW_FIELDS[f"window_from_{_row}"] = forms.TimeField(
        label=format_lazy("{} {}", _("from"), _row), required=False
    )
    WINDOW_FIELDS[f"window_until_{_row}"] = forms.TimeField(
        label=format_lazy("{} {}", _("until"), _row), required=False
    )


class _OfferFormBase(ServiceModelForm):
    """An offer and its time windows: a row counts when it has a start or an end time."""

    service_fields = {"windows": "window_from_1"}

    class Meta:
        model = MealOffer
        fields = ("merchant", "title", "description", "price_fen", "original_price_fen", "is_active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and not self.is_bound:
            for row, window in enumerate(self.instance.windows.all()[:WINDOW_ROWS], start=1):
                self.initial[f"window_weekday_{row}"] = "" if window.weekday is None else str(window.weekday)
                self.initial[f"window_from_{row}"] = window.starts_at
                self.initial[f"window_until_{row}"] = window.ends_at

    def windows(self, data):
        windows = []
        for row in range(1, WINDOW_ROWS + 1):
            starts_at, ends_at = data.get(f"window_from_{row}"), data.get(f"window_until_{row}")
            if starts_at is None and ends_at is None:
                continue
            weekday = data.get(f"window_weekday_{row}")
            windows.append((int(weekday) if weekday not in (None, "") else None, starts_at, ends_at))
        return windows

    def perform(self, actor, data):
        fields = {
            "title": data.get("title"),
            "description": data.get("description") or "",
            "price_fen": data.get("price_fen"),
            "original_price_fen": data.get("original_price_fen"),
            "windows": self.windows(data),
        }
        if self.instance.pk is None:
            return services.offer_create(actor=actor, merchant=data["merchant"], **fields)
        return services.offer_update(
            actor=actor,
            offer=self.instance,
            is_active=data.get("is_active", self.instance.is_active),
            **fields,
        )


OfferForm = type("OfferForm", (_OfferFormBase,), {"__module__": __name__, **WINDOW_FIELDS})


class WindowInline(admin.TabularInline):
    model = OfferWindow
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return offer_policy.can(request.user, "view", obj)


@admin.register(MealOffer)
class MealOfferAdmin(ServiceAdminMixin, _NoDeleteMixin, AreaScopedAdminMixin, admin.ModelAdmin):
    policy = offer_policy
    form = OfferForm
    list_display = ("title", "merchant", "price_fen", "is_active")
    list_select_related = ("merchant",)

    def get_fields(self, request, obj=None):
        fields = [name for name in OfferForm.Meta.fields if obj is not None or name != "is_active"]
        return (*fields, *WINDOW_FIELDS)

    def get_readonly_fields(self, request, obj=None):
        return ("merchant",) if obj is not None else ()

    def get_inlines(self, request, obj):
        # Shown only where the form cannot edit them (a view-only page); the form edits windows.
        if obj is not None and not self.has_change_permission(request, obj):
            return [WindowInline]
        return []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "merchant":
            kwargs["queryset"] = merchant_policy.scope(request.user, Merchant.objects.filter(is_active=True))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class _CodePolicy:
    def scope(self, actor, queryset):
        return queryset.filter(offer__in=offer_policy.scope(actor, MealOffer.objects.all()))

    def can(self, actor, action, obj):
        return action == "view" and offer_policy.can(actor, "view", getattr(obj, "offer", None))


@admin.register(MealCode)
class MealCodeAdmin(AreaScopedAdminMixin, admin.ModelAdmin):
    policy = _CodePolicy()
    list_display = ("created_at", "offer", "expires_at", "redeemed_at")
    list_select_related = ("offer",)
    exclude = ("nonce",)

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
