"""The WeCom (企业微信) group robot webhook: one HTTP POST of a JSON message.

WeCom's documented format (developer.work.weixin.qq.com, 群机器人配置说明):

    POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY
    {"msgtype": "markdown", "markdown": {"content": "..."}}                       (≤ 4096 bytes)
    {"msgtype": "text", "text": {"content": "...", "mentioned_mobile_list": ["138…", "@all"]}}
                                                                                   (≤ 2048 bytes)
    → {"errcode": 0, "errmsg": "ok"}

A non-zero `errcode` is a failure even with HTTP 200. Rate limiting (45009: 20 messages a minute per
robot) and server trouble are worth retrying; a bad or deleted webhook key (93000) or a malformed
message is not.
"""

import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy as _

MARKDOWN_MAX_BYTES = 4096
TEXT_MAX_BYTES = 2048
TIMEOUT_SECONDS = 10
# errcodes after which the same request will never succeed.
PERMANENT_ERRCODES = {
    93000,  # invalid webhook URL (key deleted or wrong)
    40008,  # invalid message type
    44004,  # empty text content
    40058,  # invalid parameter
}
WEBHOOK_URL_INVALID = _(
    "Enter the robot's webhook URL (https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…)."
)


class WeComError(Exception):
    """The robot refused or could not be reached. `retryable` says whether trying again may help."""

    def __init__(self, message, *, retryable=True, errcode=None):
        super().__init__(message)
        self.retryable = retryable
        self.errcode = errcode


def is_valid_webhook_url(url):
    """An http(s) URL with a host. (Tests and on-premises relays use plain http.)"""
    try:
        parts = urlsplit(url or "")
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def truncate_utf8(text, max_bytes):
    """`text` cut to at most `max_bytes` of UTF-8, never inside a character, with … when cut."""
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    ellipsis = "…".encode()
    return encoded[: max_bytes - len(ellipsis)].decode("utf-8", errors="ignore") + "…"


def markdown_message(content):
    return {"msgtype": "markdown", "markdown": {"content": truncate_utf8(content, MARKDOWN_MAX_BYTES)}}


def text_message(content, *, mentioned_mobile_list=None):
    text = {"content": truncate_utf8(content, TEXT_MAX_BYTES)}
    if mentioned_mobile_list:
        text["mentioned_mobile_list"] = list(mentioned_mobile_list)
    return {"msgtype": "text", "text": text}


def wecom_robot_send(*, webhook_url, message, timeout=TIMEOUT_SECONDS):
    """POST `message` (see `markdown_message` / `text_message`) to the robot. Returns WeCom's reply.

    Raises WeComError on a network failure, a non-2xx answer, an answer that is not JSON, or a
    non-zero errcode.
    """
    if not is_valid_webhook_url(webhook_url):
        raise WeComError("invalid webhook URL", retryable=False)
    data = json.dumps(message, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 - only http(s), checked above
        webhook_url, data=data, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) checked above
            raw = response.read()
    except urllib.error.HTTPError as exc:
        # 4xx other than 429 will not get better by itself; 5xx and 429 may.
        retryable = exc.code >= 500 or exc.code == 429
        raise WeComError(f"HTTP {exc.code}", retryable=retryable) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise WeComError(f"network error: {getattr(exc, 'reason', exc)}") from exc
    try:
        answer = json.loads(raw.decode("utf-8"))
        errcode = int(answer.get("errcode", -1))
    except (ValueError, AttributeError, TypeError) as exc:
        raise WeComError("answer is not WeCom JSON") from exc
    if errcode != 0:
        raise WeComError(
            f"errcode {errcode}: {answer.get('errmsg', '')}"[:500],
            retryable=errcode not in PERMANENT_ERRCODES,
            errcode=errcode,
        )
    return answer
