"""Accounts API.

GET /api/v1/accounts/me   the signed-in user: role, area, what they may manage (401 when anonymous)
"""

from ninja import Router

from nuanxin.core.api import AUTH

from .permissions import manageable_roles
from .schemas import MeOut

router = Router(tags=["accounts"])


@router.get("/me", response=MeOut, auth=AUTH, summary="The signed-in account")
def me(request):
    user = request.auth
    return {
        "username": user.get_username(),
        "display_name": str(user),
        "role": user.role,
        "role_label": str(user.get_role_display()) if user.role else "",
        "is_superuser": user.is_superuser,
        "area": user.area if user.area_id else None,
        "manageable_roles": sorted(manageable_roles(user)),
    }
