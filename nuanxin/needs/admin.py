"""Needs, the suggestion box and forums in the back office, area-scoped like the API.

Forms only collect input; `save_model` / `save_related` call the services (`need_create`,
`need_transition`, `need_reply`, `need_set_links`, `suggestion_reply`, `forum_create`…), which
check the policy again, validate, save and audit. A service refusal is shown beside its field when
the form can foresee it, otherwise as a message, with nothing saved.

The needs list links to the ranking page (`ranking/`): needs by category per area with their trend.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Q
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from nuanxin.accounts.models import STAFF_ROLES, User
from nuanxin.areas.models import Area
from nuanxin.core.admin import ServiceSavedAdmin, add_service_errors, areas_within
from nuanxin.core.errors import DomainError, NotFound, ValidationFailed
from nuanxin.core.permissions import area_scope, is_superuser
from nuanxin.couriers.models import CourierProfile
from nuanxin.stations.models import ResourceItem, ServiceContact, Station

from . import selectors, services, transitions
from .models import Forum, Need, Suggestion
from .permissions import forum_policy, is_area_manager, need_policy, suggestion_policy

MOVED = _("%(count)s needs moved to “%(status)s”.")
NOT_MOVED = _("%(title)s: %(message)s")
RANKING_TITLE = _("Needs ranking")

_FORUM_KEYS = {"area_code": "area", "courier_ids": "couriers", "staff_usernames": "staff"}


# --- needs -------------------------------------------------------------------------------------


class NeedAdminForm(forms.ModelForm):
    move_to = forms.ChoiceField(label=_("Move to"), required=False)
    note = forms.CharField(
        label=_("Note for the history"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    class Meta:
        model = Need
        fields = (
            "area",
            "category",
            "title",
            "description",
            "source",
            "forum",
            "reply",
            "linked_station",
            "linked_service_contact",
            "linked_resource",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        status = self.instance.status if self.instance.pk else None
        choices = [("", "—")] + [
            (value, Need.Status(value).label) for value in transitions.next_statuses(status)
        ]
        self.fields["move_to"].choices = choices

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None or self.errors:
            return cleaned
        # Foresee the services' refusals so they show beside their field.
        reply_changed = "reply" in self.changed_data and (cleaned.get("reply") or "").strip()
        move_to = cleaned.get("move_to")
        if move_to and transitions.permission_for(self.instance.status, move_to) is None:
            self.add_error(
                "move_to",
                str(
                    services.TRANSITION_NOT_ALLOWED
                    % {
                        "from_status": self.instance.get_status_display(),
                        "to_status": Need.Status(move_to).label,
                    }
                ),
            )
        if reply_changed and self.instance.status not in transitions.REPLYABLE:
            self.add_error("reply", str(services.NEED_CLOSED))
        for field in ("linked_station", "linked_service_contact", "linked_resource"):
            row = cleaned.get(field)
            if row is not None and not services.related_area(self.instance.area, row.area):
                self.add_error(field, str(services.LINK_OUTSIDE_AREA))
        return cleaned


@admin.register(Need)
class NeedAdmin(ServiceSavedAdmin):
    policy = need_policy
    form = NeedAdminForm
    change_list_template = "needs/admin/need_change_list.html"
    list_display = (
        "title",
        "category",
        "status",
        "area",
        "source",
        "courier_label",
        "created_at",
        "has_reply",
    )
    list_filter = ("status", "category", "source")
    search_fields = ("title", "description")
    list_select_related = ("area", "courier")
    date_hierarchy = "created_at"
    actions = ("move_to_in_progress", "move_to_closed")

    @admin.display(description=_("courier"))
    def courier_label(self, need):
        return f"{need.courier.name} {need.courier.phone_masked}".strip() if need.courier_id else "—"

    @admin.display(description=_("replied"), boolean=True)
    def has_reply(self, need):
        return bool(need.reply)

    @admin.display(description=_("history"))
    def history(self, need):
        return "\n".join(
            f"{event.occurred_at:%Y-%m-%d %H:%M} {event.from_status or '·'} → {event.to_status}"
            f"{' · ' + str(event.actor) if event.actor_id else ''}{': ' + event.note if event.note else ''}"
            for event in need.events.select_related("actor")
        )

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return ((None, {"fields": ("area", "category", "title", "description", "source", "forum")}),)
        return (
            (
                None,
                {"fields": ("courier_label", "area", "category", "title", "description", "source", "status")},
            ),
            (_("Triage"), {"fields": ("move_to", "note")}),
            (
                _("Answer"),
                {
                    "fields": (
                        "reply",
                        "linked_station",
                        "linked_service_contact",
                        "linked_resource",
                        "replied_by",
                        "replied_at",
                    )
                },
            ),
            (_("History"), {"fields": ("history",)}),
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return (
            "courier_label",
            "area",
            "category",
            "title",
            "description",
            "source",
            "status",
            "replied_by",
            "replied_at",
            "history",
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        actor = request.user
        if db_field.name == "linked_station":
            kwargs["queryset"] = Station.objects.select_related("area").order_by("name")
        elif db_field.name == "linked_service_contact":
            kwargs["queryset"] = ServiceContact.objects.select_related("area")
        elif db_field.name == "linked_resource":
            kwargs["queryset"] = ResourceItem.objects.select_related("area")
        elif db_field.name == "forum":
            kwargs["queryset"] = forum_policy.scope(actor, Forum.objects.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            # Offer only the stations, contacts and resources that serve this need's street.
            serving = Q(area__path__in=_ancestor_paths(obj.area.path)) | Q(
                area__path__startswith=obj.area.path
            )
            for name, model in (
                ("linked_station", Station),
                ("linked_service_contact", ServiceContact),
                ("linked_resource", ResourceItem),
            ):
                field = form.base_fields.get(name)
                if field is not None:
                    field.queryset = model.objects.select_related("area").filter(serving)
        return form

    def save_model(self, request, obj, form, change):
        actor = request.user
        data = form.cleaned_data
        if not change:
            need = services.need_create(
                actor=actor,
                area=data["area"],
                category=data["category"],
                title=data["title"],
                description=data.get("description") or "",
                source=data.get("source") or Need.Source.STAFF,
                forum=data.get("forum"),
            )
            obj.pk, obj.public_id = need.pk, need.public_id
            return
        need = Need.objects.get(pk=obj.pk)  # the stored row; services lock it again
        links = {
            "station_id": data["linked_station"].public_id if data.get("linked_station") else None,
            "service_contact_id": data["linked_service_contact"].pk
            if data.get("linked_service_contact")
            else None,
            "resource_item_id": data["linked_resource"].pk if data.get("linked_resource") else None,
        }
        reply = (data.get("reply") or "").strip()
        if "reply" in form.changed_data and reply:
            need = services.need_reply(actor=actor, need=need, reply=reply, **links)
        elif {"linked_station", "linked_service_contact", "linked_resource"} & set(form.changed_data):
            need = services.need_set_links(actor=actor, need=need, **links)
        if data.get("move_to") and data["move_to"] != need.status:
            services.need_transition(
                actor=actor, need=need, to_status=data["move_to"], note=data.get("note") or ""
            )

    def delete_model(self, request, obj):
        raise DjangoPermissionDenied

    def has_delete_permission(self, request, obj=None):
        return False  # a need's history is kept; close it instead

    def _move(self, request, queryset, to_status):
        moved = 0
        for need in queryset:
            try:
                services.need_transition(actor=request.user, need=need, to_status=to_status)
                moved += 1
            except DomainError as error:
                self.message_user(
                    request, NOT_MOVED % {"title": need.title, "message": error.text()}, messages.WARNING
                )
        self.message_user(request, MOVED % {"count": moved, "status": Need.Status(to_status).label})

    @admin.action(description=_("Move to in progress"))
    def move_to_in_progress(self, request, queryset):
        self._move(request, queryset, Need.Status.IN_PROGRESS)

    @admin.action(description=_("Close"))
    def move_to_closed(self, request, queryset):
        self._move(request, queryset, Need.Status.CLOSED)

    # --- the ranking page ----------------------------------------------------------------------

    def get_urls(self):
        return [
            path("ranking/", self.admin_site.admin_view(self.ranking_view), name="needs_need_ranking"),
            *super().get_urls(),
        ]

    def ranking_view(self, request):
        actor = request.user
        if not (is_superuser(actor) or is_area_manager(actor)):
            raise DjangoPermissionDenied
        period = request.GET.get("period") or selectors.WEEK
        if period not in selectors.PERIODS:
            period = selectors.WEEK
        area_code = request.GET.get("area") or None
        try:
            ranking = selectors.need_ranking(actor=actor, area_code=area_code, period=period)
        except NotFound:
            raise Http404 from None
        except ValidationFailed:  # pragma: no cover - period is checked above
            raise Http404 from None
        area_choices = areas_within(actor).filter(level__lte=Area.Level.STREET)[:500]
        chart = {
            "periods": ranking["periods"],
            "series": [
                {"name": item["label"], "data": item["trend"]}
                for item in ranking["categories"]
                if item["all_time"]
            ],
        }
        context = {
            **self.admin_site.each_context(request),
            "title": RANKING_TITLE,
            "opts": self.model._meta,
            "ranking": ranking,
            "period": period,
            "area_choices": area_choices,
            "chart_data": chart,
            "changelist_url": reverse("admin:needs_need_changelist"),
        }
        return TemplateResponse(request, "needs/admin/ranking.html", context)


def _ancestor_paths(path):
    """ "/a/b/c/" → ["/a/", "/a/b/", "/a/b/c/"]."""
    codes = [code for code in path.split("/") if code]
    return ["/" + "/".join(codes[: index + 1]) + "/" for index in range(len(codes))]


# --- suggestions -------------------------------------------------------------------------------


class SuggestionAdminForm(forms.ModelForm):
    class Meta:
        model = Suggestion
        fields = ("reply",)

    def clean_reply(self):
        reply = (self.cleaned_data.get("reply") or "").strip()
        if not reply:
            raise forms.ValidationError(str(services.FIELD_REQUIRED))
        return reply


@admin.register(Suggestion)
class SuggestionAdmin(ServiceSavedAdmin):
    policy = suggestion_policy
    form = SuggestionAdminForm
    list_display = ("subject", "area", "status", "courier_label", "created_at", "replied_at")
    list_filter = ("status",)
    search_fields = ("subject", "body")
    list_select_related = ("area", "courier")
    readonly_fields = ("courier_label", "area", "subject", "body", "status", "replied_by", "replied_at")
    fields = ("courier_label", "area", "subject", "body", "status", "reply", "replied_by", "replied_at")

    @admin.display(description=_("courier"))
    def courier_label(self, suggestion):
        return (
            f"{suggestion.courier.name} {suggestion.courier.phone_masked}".strip()
            if suggestion.courier_id
            else "—"
        )

    def has_add_permission(self, request, *args):
        return False  # couriers write letters; staff answer them

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return self.policy.can(request.user, "reply", obj)

    def save_model(self, request, obj, form, change):
        services.suggestion_reply(actor=request.user, suggestion=obj, reply=form.cleaned_data["reply"])


# --- forums ------------------------------------------------------------------------------------


class ForumAdminForm(forms.ModelForm):
    class Meta:
        model = Forum
        fields = (
            "area",
            "held_on",
            "title",
            "location",
            "couriers",
            "staff",
            "courier_count",
            "attendees",
            "outcomes",
        )

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                services.forum_validate(self.actor, **forum_arguments(cleaned))
            except ValidationFailed as error:
                add_service_errors(self, error, _FORUM_KEYS)
        return cleaned


def forum_arguments(data):
    return {
        "area_code": data["area"].code if data.get("area") else "",
        "held_on": data.get("held_on"),
        "title": data.get("title") or "",
        "location": data.get("location") or "",
        "attendees": data.get("attendees") or "",
        "courier_count": data.get("courier_count"),
        "outcomes": data.get("outcomes") or "",
        "courier_ids": [courier.public_id for courier in data.get("couriers") or []],
        "staff_usernames": [user.username for user in data.get("staff") or []],
    }


@admin.register(Forum)
class ForumAdmin(ServiceSavedAdmin):
    policy = forum_policy
    form = ForumAdminForm
    list_display = ("held_on", "title", "area", "courier_count")
    list_filter = ("held_on",)
    search_fields = ("title", "outcomes")
    list_select_related = ("area",)
    raw_id_fields = ("couriers",)
    filter_horizontal = ("staff",)
    date_hierarchy = "held_on"

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "couriers":
            kwargs["queryset"] = area_scope(
                request.user, CourierProfile.objects.filter(deleted_at__isnull=True), area_field="work_area"
            )
        elif db_field.name == "staff":
            kwargs["queryset"] = User.objects.filter(role__in=STAFF_ROLES, is_active=True).order_by(
                "username"
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        pass  # saved with its attendees in save_related: one audited service call

    def save_related(self, request, form, formsets, change):
        if change:
            forum = services.forum_update(
                actor=request.user, forum=form.instance, **forum_arguments(form.cleaned_data)
            )
        else:
            forum = services.forum_create(actor=request.user, **forum_arguments(form.cleaned_data))
        form.instance.pk, form.instance.public_id = forum.pk, forum.public_id

    def delete_model(self, request, obj):
        services.forum_delete(actor=request.user, forum=obj)

    def delete_queryset(self, request, queryset):
        for forum in queryset:
            services.forum_delete(actor=request.user, forum=forum)
