from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog, set_language

from config.api import api

admin.site.site_header = _("Nuanxin station network · back office")
admin.site.site_title = _("Nuanxin back office")
admin.site.index_title = _("Back office")

urlpatterns = [
    path("", RedirectView.as_view(url="/m/", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("open311/v2/", include("nuanxin.open311.urls")),
    path("m/", include("nuanxin.stations.urls_mobile")),
    path("m/", include("nuanxin.couriers.urls_mobile")),
    path("m/", include("nuanxin.needs.urls_mobile")),
    path("m/", include("nuanxin.merchants.urls_mobile")),
    path("m/", include("nuanxin.merchants.urls_scan")),
    path("m/", include("nuanxin.care.urls_mobile")),
    path("m/", include("nuanxin.policies.urls_mobile")),
    path("m/", include("nuanxin.events.urls_mobile")),
    path("m/", include("nuanxin.events.urls_scan")),
    path("m/", include("nuanxin.housing.urls_mobile")),
    path("m/", include("nuanxin.reports.urls_public")),
    path("m/", include("nuanxin.reports.urls_mobile")),
    path("m/", include("nuanxin.points.urls_mobile")),
    path("m/", include("nuanxin.hall.urls_mobile")),
    path("", include("nuanxin.volunteers.urls")),
    path("staff/cards/", include("nuanxin.cards.urls_staff")),
    path("staff/", include("nuanxin.stations.urls_staff")),
    path("staff/couriers/", include("nuanxin.couriers.urls_staff")),
    path("staff/reports/", include("nuanxin.reports.urls_staff")),
    path("staff/leaderboards/", include("nuanxin.points.urls_staff")),
    path("staff/notices/", include("nuanxin.messaging.urls_staff")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
