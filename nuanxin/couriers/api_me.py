"""The courier's own data (P1, X). There is no courier id in these URLs: "me" is whoever signed in.

Public:
    GET    /api/v1/companies          the managed company/brand list
    GET    /api/v1/worker-groups      the worker groups
    GET    /api/v1/privacy-notice     the current privacy notice
Signed in as a courier (Bearer token or the mobile site's session):
    POST   /api/v1/me/consent         {"version"}: accept the current notice
    GET    /api/v1/me                 the profile (phone and ID masked)
    PUT    /api/v1/me                 register / change the profile
    POST   /api/v1/me/wechat          {"code"}: link the WeChat account;  DELETE unlinks it
    GET    /api/v1/me/export          everything held about me, as JSON (audited)
    DELETE /api/v1/me                 {"confirmation": "DELETE"}: erase me (also POST /me/delete)

Every /me endpoint answers 403 "consent_required" until the newest notice is accepted — except
consent itself, export and delete: a courier who will not accept a new notice may still take their
data and leave.

`router` also carries the sign-in routes of `api_auth` under /auth/.
"""

from django.http import JsonResponse
from ninja import Router, Status

from nuanxin.core.api import AUTH
from nuanxin.core.errors import NotFound

from . import services, wechat
from .api_auth import auth_router
from .models import Company, CourierProfile, WorkerGroup
from .permissions import current_privacy_notice, require_courier
from .schemas_me import (
    ChoiceOut,
    CompanyOut,
    ConsentIn,
    ConsentOut,
    DeleteIn,
    MeIn,
    MeOut,
    PrivacyNoticeOut,
    WeChatCodeIn,
    me_out,
)
from .signin import client_ip

router = Router(tags=["courier profile"])
router.add_router("/auth/", auth_router)


def _me(request, *, consent_optional=False):
    """The signed-in courier, re-read with what the profile page shows."""
    profile = require_courier(request, consent_optional=consent_optional)
    return (
        CourierProfile.objects.select_related("company", "work_area", "user")
        .prefetch_related("children")
        .get(pk=profile.pk)
    )


@router.get("/companies", response=list[CompanyOut], summary="Companies and brands")
def companies(request):
    return list(Company.objects.filter(is_active=True).values("code", "name", "worker_group"))


@router.get("/worker-groups", response=list[ChoiceOut], summary="Worker groups")
def worker_groups(request):
    return [{"code": value, "label": str(label)} for value, label in WorkerGroup.choices]


@router.get("/privacy-notice", response=PrivacyNoticeOut, summary="The current privacy notice")
def privacy_notice(request):
    notice = current_privacy_notice()
    if notice is None:
        raise NotFound()
    return notice


@router.post("/me/consent", response=ConsentOut, auth=AUTH, summary="Accept the privacy notice")
def consent(request, payload: ConsentIn):
    """422 on "version" when it is not the current notice's version."""
    profile = require_courier(request, consent_optional=True)
    row = services.consent_give(
        profile=profile,
        version=payload.version,
        ip_address=client_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
    )
    return {"version": row.notice.version, "given_at": row.given_at}


@router.get("/me", response=MeOut, auth=AUTH, summary="My profile")
def me(request):
    return me_out(_me(request))


@router.put("/me", response=MeOut, auth=AUTH, summary="Register or change my profile")
def me_update(request, payload: MeIn):
    """422 with every field's message (company not in the list, a work area that is not a street,
    an ID number failing the GB 11643 check, a child's birth year out of range…); nothing is saved."""
    profile = _me(request)
    data = payload.model_dump()
    children = data.pop("children")
    services.courier_profile_update(
        actor=request.user,
        profile=profile,
        children=children,
        ip_address=client_ip(request),
        **data,
    )
    return me_out(_me(request))


@router.post("/me/wechat", response=MeOut, auth=AUTH, summary="Link my WeChat account")
def wechat_bind(request, payload: WeChatCodeIn):
    """409 when that WeChat account is linked to another courier."""
    profile = _me(request)
    openid = wechat.code_to_openid(payload.code)
    services.courier_wechat_bind(profile=profile, openid=openid, ip_address=client_ip(request))
    return me_out(_me(request))


@router.delete("/me/wechat", response=MeOut, auth=AUTH, summary="Unlink my WeChat account")
def wechat_unbind(request):
    services.courier_wechat_unbind(profile=_me(request), ip_address=client_ip(request))
    return me_out(_me(request))


@router.get("/me/export", auth=AUTH, summary="Download all my data")
def export(request):
    """Everything held about me as a JSON attachment. Each download is written to the audit log."""
    profile = _me(request, consent_optional=True)
    data = services.courier_data_export(profile=profile, ip_address=client_ip(request))
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = 'attachment; filename="nuanxin-my-data.json"'
    return response


def _delete(request, payload):
    profile = _me(request, consent_optional=True)
    services.courier_account_delete(
        profile=profile, confirmation=payload.confirmation, ip_address=client_ip(request)
    )
    return Status(204, None)


@router.delete("/me", response={204: None}, auth=AUTH, summary="Delete my account")
def delete(request, payload: DeleteIn):
    """Erases my personal data and closes the account (every token stops working); my needs and
    suggestions stay, anonymous, for statistics. 422 unless confirmation is "DELETE"."""
    return _delete(request, payload)


@router.post("/me/delete", response={204: None}, auth=AUTH, summary="Delete my account (POST form)")
def delete_post(request, payload: DeleteIn):
    return _delete(request, payload)
