"""Points and recognition in the back office: read-only views scoped to the staff member's area.

Writes go through the services (the API's /manage/points/… endpoints), which validate, lock and
audit; the ledger is append-only, so it is never editable here. Stories can be published and
taken down, and confirmed redemptions refunded (with a reason asked on an intermediate page), with
admin actions that call the same services.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from nuanxin.core.admin import AreaScopedAdminMixin
from nuanxin.core.errors import DomainError
from nuanxin.couriers.models import CourierProfile

from . import services
from .models import Balance, EarnRule, LedgerEntry, Lot, RedeemCode, Reward, Story, StoryPhoto
from .permissions import courier_scope, is_manager, reward_scope, rule_scope, story_scope


class _Policy:
    def __init__(self, scope):
        self._scope = scope

    def scope(self, actor, queryset):
        return self._scope(actor, queryset)

    def can(self, actor, action, obj):
        if action != "view" or not is_manager(actor):
            return False
        return obj is None or self._scope(actor, type(obj).objects.filter(pk=obj.pk)).exists()


def _by_courier(actor, queryset):
    return queryset.filter(courier__in=courier_scope(actor, CourierProfile.objects.all()))


def _by_reward(actor, queryset):
    return queryset.filter(reward__in=reward_scope(actor, Reward.objects.all()))


class _ReadOnlyAdmin(AreaScopedAdminMixin, admin.ModelAdmin):
    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EarnRule)
class EarnRuleAdmin(_ReadOnlyAdmin):
    policy = _Policy(rule_scope)
    list_display = ("code", "name", "kind", "points_per_unit", "daily_cap", "area", "is_active")
    list_filter = ("kind", "is_active")
    list_select_related = ("area",)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(_ReadOnlyAdmin):
    policy = _Policy(_by_courier)
    list_display = ("occurred_at", "courier", "kind", "points", "balance_after", "rule", "note")
    list_filter = ("kind",)
    list_select_related = ("courier", "rule")
    date_hierarchy = "occurred_at"


@admin.register(Lot)
class LotAdmin(_ReadOnlyAdmin):
    policy = _Policy(_by_courier)
    list_display = ("courier", "points", "remaining", "earned_at", "expires_at")
    list_select_related = ("courier",)


@admin.register(Balance)
class BalanceAdmin(_ReadOnlyAdmin):
    policy = _Policy(_by_courier)
    list_display = ("courier", "points", "updated_at")
    list_select_related = ("courier",)


@admin.register(Reward)
class RewardAdmin(_ReadOnlyAdmin):
    policy = _Policy(reward_scope)
    list_display = ("title", "merchant", "points_price", "stock", "is_active")
    list_select_related = ("merchant",)


REFUND_REASON_LABEL = _("Reason (the courier sees it)")


@admin.register(RedeemCode)
class RedeemCodeAdmin(_ReadOnlyAdmin):
    policy = _Policy(_by_reward)
    list_display = ("reward", "courier", "created_at", "expires_at", "redeemed_at", "refunded_at")
    list_filter = (("redeemed_at", admin.EmptyFieldListFilter), ("refunded_at", admin.EmptyFieldListFilter))
    list_select_related = ("reward__merchant", "courier")
    exclude = ("nonce",)
    actions = ["refund"]

    @admin.action(description=_("Refund the selected redemptions"))
    def refund(self, request, queryset):
        """Ask for the reason first (an intermediate page), then refund each code through the
        service; the queryset is already scoped to the staff member's area."""
        codes = list(queryset.select_related("reward__merchant__area", "courier"))
        reason = (request.POST.get("reason") or "").strip()
        if request.POST.get("confirm") == "yes" and reason:
            refunded = 0
            for code in codes:
                try:
                    services.redeem_code_refund(actor=request.user, code=code, reason=reason)
                    refunded += 1
                except DomainError as error:
                    self.message_user(request, f"{code}: {error.text()}", messages.WARNING)
            if refunded:
                self.message_user(
                    request,
                    ngettext("%(count)d redemption refunded.", "%(count)d redemptions refunded.", refunded)
                    % {"count": refunded},
                    messages.SUCCESS,
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Refund redemptions"),
            "opts": self.model._meta,
            "codes": codes,
            "reason_label": REFUND_REASON_LABEL,
            "reason_missing": request.POST.get("confirm") == "yes" and not reason,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action_name": "refund",
        }
        return TemplateResponse(request, "admin/points/redeemcode/refund.html", context)

    def get_actions(self, request):
        # The read-only base hides actions for users without change permission; this one calls a
        # service that checks the area itself.
        actions = super().get_actions(request)
        if is_manager(request.user):
            actions.setdefault("refund", self.get_action("refund"))
        return actions


class StoryPhotoInline(admin.TabularInline):
    model = StoryPhoto
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Story)
class StoryAdmin(_ReadOnlyAdmin):
    policy = _Policy(story_scope)
    list_display = ("title", "area", "courier", "status", "published_at")
    list_filter = ("status",)
    list_select_related = ("area", "courier")
    inlines = [StoryPhotoInline]
    actions = ["publish", "unpublish"]

    def _run(self, request, queryset, service):
        for story in queryset:
            try:
                service(actor=request.user, story=story)
            except DomainError as error:
                self.message_user(request, f"{story}: {error.text()}", messages.WARNING)

    @admin.action(description=_("Publish on the mobile site"))
    def publish(self, request, queryset):
        self._run(request, queryset, services.story_publish)

    @admin.action(description=_("Take off the mobile site"))
    def unpublish(self, request, queryset):
        self._run(request, queryset, services.story_unpublish)

    def get_actions(self, request):
        # The read-only base hides actions for users without change permission; these call services.
        actions = super().get_actions(request)
        if is_manager(request.user):
            for name in ("publish", "unpublish"):
                actions.setdefault(name, self.get_action(name))
        return actions
