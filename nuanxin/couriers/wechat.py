"""WeChat mini-program sign-in: the `code2session` exchange and openid binding (P1).

The mini-program calls `wx.login()` and sends the one-time `code` to us; we exchange it at
    GET {NUANXIN_WECHAT_API_BASE}/sns/jscode2session?appid=…&secret=…&js_code=…&grant_type=authorization_code
for the user's `openid` (and a session key we do not keep). A courier whose openid is linked signs
in directly; an unknown openid is told to sign in with the phone first, after which the
mini-program posts a fresh code to POST /api/v1/me/wechat to link it.
"""

import json
import logging
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from nuanxin.core.errors import DomainError

logger = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.weixin.qq.com"
TIMEOUT_SECONDS = 10

WECHAT_NOT_CONFIGURED = _("WeChat sign-in is not available on this site.")
WECHAT_CODE_INVALID = _("The WeChat sign-in code is not valid or was already used. Try again.")
WECHAT_RATE_LIMITED = _("WeChat is refusing too many sign-ins right now. Try again in a minute.")
WECHAT_UNAVAILABLE = _("WeChat cannot be reached right now. Try again in a moment.")
WECHAT_NOT_BOUND = _(
    "This WeChat account is not linked to a courier yet. Sign in with your phone number first; "
    "the mini-program then links your WeChat account."
)

# WeChat errcodes of jscode2session.
ERRCODE_CODE_INVALID = 40029
ERRCODE_CODE_USED = 40163
ERRCODE_RATE_LIMITED = 45011
ERRCODE_BUSY = -1


class WeChatError(DomainError):
    """The exchange failed: 400 for a bad code, 429 when WeChat throttles, 502/503 otherwise."""

    status_code = 502
    code = "wechat_error"

    def with_status(self, status_code):
        self.status_code = status_code
        return self


class WeChatNotBound(DomainError):
    """The openid is not linked to any courier: sign in by phone, then link it."""

    status_code = 404
    code = "wechat_not_bound"


def code_to_openid(code):
    """Exchange a `wx.login()` code for the openid. Raises WeChatError with a status that says why."""
    app_id = getattr(settings, "NUANXIN_WECHAT_APP_ID", "")
    secret = getattr(settings, "NUANXIN_WECHAT_APP_SECRET", "")
    if not (app_id and secret):
        raise WeChatError(WECHAT_NOT_CONFIGURED, code="wechat_not_configured").with_status(503)
    base = (getattr(settings, "NUANXIN_WECHAT_API_BASE", "") or DEFAULT_API_BASE).rstrip("/")
    query = urllib.parse.urlencode(
        {"appid": app_id, "secret": secret, "js_code": code, "grant_type": "authorization_code"}
    )
    url = f"{base}/sns/jscode2session?{query}"
    if not url.startswith(("https://", "http://")):
        raise WeChatError(WECHAT_NOT_CONFIGURED, code="wechat_not_configured").with_status(503)
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - scheme checked
            answer = json.loads(response.read())
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
        logger.warning("jscode2session failed: %s", error)
        raise WeChatError(WECHAT_UNAVAILABLE, code="wechat_unavailable") from error
    if not isinstance(answer, dict):
        raise WeChatError(WECHAT_UNAVAILABLE, code="wechat_unavailable")
    errcode = int(answer.get("errcode") or 0)
    if errcode in (ERRCODE_CODE_INVALID, ERRCODE_CODE_USED):
        raise WeChatError(WECHAT_CODE_INVALID, field="code", code="wechat_code_invalid").with_status(400)
    if errcode == ERRCODE_RATE_LIMITED:
        raise WeChatError(WECHAT_RATE_LIMITED, code="wechat_rate_limited").with_status(429)
    if errcode or not answer.get("openid"):
        logger.warning("jscode2session answered errcode=%s errmsg=%s", errcode, answer.get("errmsg"))
        raise WeChatError(WECHAT_UNAVAILABLE, code="wechat_unavailable")
    return answer["openid"]
