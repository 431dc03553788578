"""The one NinjaAPI. Each app contributes a Router from its `api.py`."""

from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI

from nuanxin.core.api import install_error_handlers

api = NinjaAPI(
    title="Nuanxin API",
    version="1",
    description=str(
        _(
            "The JSON API of the Nuanxin courier care platform. Errors come back as "
            '{"code", "message", "errors": [{"field", "code", "message"}]} in the language of '
            "the request's Accept-Language header (Simplified Chinese by default)."
        )
    ),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(api)

from nuanxin.stations.api import router as stations_router  # noqa: E402
from nuanxin.stations.api_manage import manage_router  # noqa: E402

api.add_router("/", stations_router)
api.add_router("/manage/", manage_router)
api.add_router("/areas/", "nuanxin.areas.api.router")
api.add_router("/accounts/", "nuanxin.accounts.api.router")
api.add_router("/", "nuanxin.couriers.api_me.router")
api.add_router("/registry/", "nuanxin.couriers.api_registry.router")
api.add_router("/", "nuanxin.needs.api.router")
api.add_router("/", "nuanxin.events.api.router")
api.add_router("/", "nuanxin.housing.api.router")
api.add_router("/", "nuanxin.care.api.router")
api.add_router("/", "nuanxin.supplies.api.router")
api.add_router("/", "nuanxin.merchants.api.router")
api.add_router("/", "nuanxin.policies.api.router")
api.add_router("/", "nuanxin.hall.api.router")
api.add_router("/", "nuanxin.volunteers.api.router")
api.add_router("/", "nuanxin.reports.api.router")
api.add_router("/", "nuanxin.points.api.router")
