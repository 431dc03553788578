"""Back office of the deliberation hall: area-scoped lists of items with their answers, supports and
milestones. Items come from couriers, so the admin neither adds nor deletes them; routing, answers
and milestones go through the services (the staff API, or the admin action below)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from nuanxin.core.admin import AreaScopedAdminMixin
from nuanxin.core.errors import DomainError

from . import services
from .models import HallAnswer, HallItem, HallMilestone
from .permissions import hall_policy

PUBLISHED_COUNT = _("%(count)s draft answers published.")


class HallAnswerInline(admin.TabularInline):
    model = HallAnswer
    extra = 0
    can_delete = False
    fields = ("state", "body", "reason", "department_name", "published_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class HallMilestoneInline(admin.TabularInline):
    model = HallMilestone
    extra = 0
    can_delete = False
    fields = ("title", "note", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(HallItem)
class HallItemAdmin(AreaScopedAdminMixin, admin.ModelAdmin):
    policy = hall_policy
    list_display = ("title", "category", "status", "support_count", "department_name", "area", "created_at")
    list_filter = ("status", "category", "source")
    search_fields = ("title", "department_name")
    list_select_related = ("area",)
    inlines = [HallAnswerInline, HallMilestoneInline]
    actions = ["publish_drafts"]
    readonly_fields = (
        "title",
        "category",
        "description",
        "location_text",
        "latitude",
        "longitude",
        "area",
        "source",
        "menu_item",
        "status",
        "department_name",
        "department_area",
        "routed_at",
        "support_count",
        "closed_at",
    )
    exclude = ("author",)

    def has_add_permission(self, request, *args):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Publish the draft answers of the selected items"))
    def publish_drafts(self, request, queryset):
        published = 0
        for item in queryset.filter(answers__published_at__isnull=True).distinct():
            try:
                services.hall_answer_publish(actor=request.user, item=item)
            except DomainError as error:
                self.message_user(request, f"{item}: {error.text()}", messages.ERROR)
            else:
                published += 1
        self.message_user(request, PUBLISHED_COUNT % {"count": published})
