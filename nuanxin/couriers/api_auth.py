"""Courier sign-in for API clients (the mini-program), answering a Bearer token.

    POST /api/v1/auth/sms-code      {"phone"}          text a 6-digit code (429 when rate-limited)
    POST /api/v1/auth/sms-login     {"phone","code"}   → {"token", "expires_at", "is_registered",
                                                         "needs_consent"}
    POST /api/v1/auth/wechat-login  {"code"}           wx.login() code → token, or 404 "wechat_not_bound"
    POST /api/v1/auth/logout                           revokes the Bearer token of the request

The mobile site signs in through /m/login/ with the same services and a session cookie.
"""

from django.http import JsonResponse
from ninja import Router, Status

from nuanxin.accounts.models import AccessToken, hash_token
from nuanxin.accounts.services import access_token_issue
from nuanxin.core.api import AUTH, error_body

from . import signin, wechat
from .permissions import courier_has_current_consent
from .schemas_me import SmsCodeIn, SmsCodeOut, SmsLoginIn, TokenOut, WeChatCodeIn
from .services import courier_find_by_openid, courier_sign_in_record

auth_router = Router(tags=["courier sign-in"])


def rate_limited_response(error: signin.RateLimited):
    """429 in the usual error shape, with Retry-After."""
    errors = [{"field": error.field, "code": error.code, "message": error.text()}]
    response = JsonResponse(error_body(error.code, error.text(), errors), status=429)
    response["Retry-After"] = str(error.retry_after)
    return response


def token_for(profile, *, method, request):
    raw, token = access_token_issue(user=profile.user, name=f"courier {method}")
    courier_sign_in_record(profile=profile, method=method, ip_address=signin.client_ip(request))
    return {
        "token": raw,
        "expires_at": token.expires_at,
        "is_registered": profile.is_registered,
        "needs_consent": not courier_has_current_consent(profile),
    }


@auth_router.post("/sms-code", response={200: SmsCodeOut}, summary="Text a sign-in code")
def sms_code(request, payload: SmsCodeIn):
    """Send a 6-digit code, valid 5 minutes, to a mainland mobile number.

    422 for a malformed number; 429 with Retry-After when the number (1 a minute, 10 a day) or the
    client address (20 an hour) asked too often; 503 when the SMS provider failed.
    """
    try:
        result = signin.sms_code_request(phone=payload.phone, client_ip=signin.client_ip(request))
    except signin.RateLimited as error:
        return rate_limited_response(error)
    return {
        "phone_masked": result.phone_masked,
        "expires_in": result.expires_in,
        "resend_after": result.resend_after,
        "demo": result.is_demo,
    }


@auth_router.post("/sms-login", response={200: TokenOut}, summary="Sign in with the texted code")
def sms_login(request, payload: SmsLoginIn):
    """Exchange the code for a Bearer token; the first sign-in creates the courier's account.

    400 with code code_invalid / code_expired / code_locked (5 wrong tries) and field "code".
    """
    profile, _created = signin.sms_code_verify(phone=payload.phone, code=payload.code)
    method = "demo" if signin.is_demo_login(profile.phone) else "sms"
    return token_for(profile, method=method, request=request)


@auth_router.post("/wechat-login", response={200: TokenOut}, summary="Sign in with WeChat")
def wechat_login(request, payload: WeChatCodeIn):
    """Exchange a wx.login() code at WeChat (code2session); a courier linked to that openid gets a
    token. An openid not linked yet answers 404 with code "wechat_not_bound": sign in by phone, then
    POST the next wx.login() code to /api/v1/me/wechat."""
    openid = wechat.code_to_openid(payload.code)
    profile = courier_find_by_openid(openid)
    if profile is None:
        raise wechat.WeChatNotBound(wechat.WECHAT_NOT_BOUND)
    return token_for(profile, method="wechat", request=request)


@auth_router.post("/logout", response={204: None}, auth=AUTH, summary="Revoke this token")
def logout(request):
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        AccessToken.objects.filter(token_hash=hash_token(header[7:].strip()), user=request.auth).delete()
    return Status(204, None)
