"""The area tree in the back office: read-only, scoped to the signed-in user's subtree.

The tree changes only through the division import (`manage.py import_divisions`, docs/areas.md);
the admin lists and searches it (by name or code, filtered by level) and serves the area
autocomplete of the other back-office forms, which therefore offer only areas in the user's subtree.
"""

from django.contrib import admin
from django.http import Http404

from nuanxin.core.admin import AreaScopedAdminMixin

from .models import Area
from .permissions import area_policy


@admin.register(Area)
class AreaAdmin(AreaScopedAdminMixin, admin.ModelAdmin):
    policy = area_policy
    list_display = ("code", "name", "level", "full_name")
    list_filter = ("level",)
    search_fields = ("code", "name", "full_name")
    ordering = ("code",)
    list_per_page = 100
    show_full_result_count = False
    fields = ("code", "name", "level", "parent", "full_name", "path")
    readonly_fields = fields

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if term.isdigit():
            # A code or its leading digits: an indexed prefix match instead of a scan.
            return queryset.filter(code__startswith=term), False
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # An area outside the user's subtree is "not found" (404), as in the API, not a redirect.
        raise Http404
