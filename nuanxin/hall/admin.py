"""Back office of the deliberation hall: scoped lists of items with their answers and milestones.

Area managers see the items of their area subtree; department handlers the items routed to their
departments (the same `hall_policy` as the API). Items come from couriers, so the admin neither adds
nor deletes them, and their text is read-only. The change form collects the staff's work and hands
it to the services, in this order, in one transaction (a refusal rolls everything back and is shown
as a message): route to a department (area managers; only departments serving the item's street are
offered; re-routing needs a note), record a milestone, save the draft answer, publish it. The list
has one action, "publish the draft answers of the selected items".
"""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from nuanxin.core.admin import ServiceSavedAdmin
from nuanxin.core.errors import DomainError

from . import services
from .models import AnswerState, HallAnswer, HallItem, HallMilestone
from .permissions import ROUTE, VIEW, hall_policy

PUBLISHED_COUNT = _("%(count)s draft answers published.")

ITEM_FIELDS = (
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
    "routed_at",
    "support_count",
    "closed_at",
)
ROUTING_FIELDS = ("department", "route_note")
ANSWER_FIELDS = ("answer_state", "answer_body", "answer_reason", "publish_answer")
MILESTONE_FIELDS = ("milestone_title", "milestone_note")


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return hall_policy.can(request.user, VIEW, obj)


class HallAnswerInline(_ReadOnlyInline):
    model = HallAnswer
    fields = ("state", "body", "reason", "department_name", "published_at")
    readonly_fields = fields


class HallMilestoneInline(_ReadOnlyInline):
    model = HallMilestone
    fields = ("title", "note", "created_at")
    readonly_fields = fields


class HallItemAdminForm(forms.ModelForm):
    route_note = forms.CharField(
        label=_("Note on routing"),
        required=False,
        max_length=services.ROUTE_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the item moves to another department; the author and supporters read it."),
    )
    answer_state = forms.ChoiceField(
        label=_("Answer"), required=False, choices=[("", "—"), *AnswerState.choices]
    )
    answer_body = forms.CharField(
        label=_("Answer text"),
        required=False,
        max_length=services.ANSWER_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Saved as the draft answer: only staff see it until it is published."),
    )
    answer_reason = forms.CharField(
        label=_("Why it is not feasible"),
        required=False,
        max_length=services.ANSWER_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    publish_answer = forms.BooleanField(
        label=_("Publish the draft answer"),
        required=False,
        help_text=_("The item takes the answer's state; the author and supporters are told."),
    )
    milestone_title = forms.CharField(
        label=_("New milestone"), required=False, max_length=services.MILESTONE_TITLE_MAX
    )
    milestone_note = forms.CharField(
        label=_("Milestone note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    class Meta:
        model = HallItem
        fields = ("department",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        draft = None
        if self.instance.pk:
            draft = self.instance.answers.filter(published_at__isnull=True).first()
        if draft is not None:
            self.fields["answer_state"].initial = draft.state
            self.fields["answer_body"].initial = draft.body
            self.fields["answer_reason"].initial = draft.reason

    def clean(self):
        cleaned = super().clean()
        state, body = cleaned.get("answer_state"), (cleaned.get("answer_body") or "").strip()
        if bool(state) != bool(body) and {"answer_state", "answer_body"} & set(self.changed_data):
            missing = "answer_body" if state else "answer_state"
            self.add_error(missing, str(services.FIELD_REQUIRED))
        return cleaned


@admin.register(HallItem)
class HallItemAdmin(ServiceSavedAdmin):
    policy = hall_policy
    form = HallItemAdminForm
    list_display = ("title", "category", "status", "support_count", "department", "area", "created_at")
    list_filter = ("status", "category", "source", ("department", admin.RelatedOnlyFieldListFilter))
    search_fields = ("title", "department__name")
    list_select_related = ("area", "department")
    inlines = [HallAnswerInline, HallMilestoneInline]
    actions = ["publish_drafts"]
    readonly_fields = (*ITEM_FIELDS, "department_label")

    @admin.display(description=_("responsible department"))
    def department_label(self, item):
        return item.department.name if item.department_id else "—"

    def get_fieldsets(self, request, obj=None):
        may_route = obj is not None and hall_policy.can(request.user, ROUTE, obj)
        return (
            (None, {"fields": ITEM_FIELDS}),
            (_("Routing"), {"fields": ROUTING_FIELDS if may_route else ("department_label",)}),
            (_("Progress milestone"), {"fields": MILESTONE_FIELDS}),
            (_("Official answer"), {"fields": ANSWER_FIELDS}),
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The fields come from `get_fieldsets`: a handler's form has no department field.
        form = super().get_form(request, obj, change=change, **kwargs)
        department = form.base_fields.get("department")
        if department is not None and obj is not None:
            # Only the departments that serve this item's street (the service checks it again).
            department.queryset = services.routable_departments(obj)
            # Once with a department an item keeps one: it can be re-routed, not un-routed.
            department.required = obj.department_id is not None
            department.label_from_instance = lambda choice: f"{choice.name} · {choice.area.name}"
        return form

    def has_add_permission(self, request, *args):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        actor = request.user
        data = form.cleaned_data
        item = HallItem.objects.get(pk=obj.pk)  # the stored row; the services lock it again
        department = data.get("department")
        if "department" in form.changed_data and department is not None:
            services.hall_item_route(
                actor=actor, item=item, department=department, note=data.get("route_note") or ""
            )
        if data.get("milestone_title"):
            services.hall_milestone_add(
                actor=actor, item=item, title=data["milestone_title"], note=data.get("milestone_note") or ""
            )
        if data.get("answer_state") and {"answer_state", "answer_body", "answer_reason"} & set(
            form.changed_data
        ):
            services.hall_answer_save_draft(
                actor=actor,
                item=item,
                state=data["answer_state"],
                body=data.get("answer_body") or "",
                reason=data.get("answer_reason") or "",
            )
        if data.get("publish_answer"):
            services.hall_answer_publish(actor=actor, item=item)

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
