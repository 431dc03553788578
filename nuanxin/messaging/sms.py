"""Sending SMS through a pluggable backend.

    send_sms(*, phone, template, params) -> str      # the provider's message id

`template` is a logical name ("login_code", "announcement"); settings.NUANXIN_SMS_TEMPLATES maps it
to the provider's template code (Aliyun's "SMS_123456789"). The backend is the dotted path in
settings.NUANXIN_SMS_BACKEND:

- `nuanxin.messaging.sms.ConsoleSmsBackend` (the default): writes the message to the log
  (logger "nuanxin.sms") — for development and the demo; nothing leaves the machine.
- `nuanxin.messaging.sms.LocmemSmsBackend`: keeps sent messages in `sms.outbox` (like Django's
  locmem e-mail backend), for tests.
- `nuanxin.messaging.sms.AliyunSmsBackend`: Aliyun SMS (dysmsapi) `SendSms` through its RPC API,
  signed with HMAC-SHA1 as Aliyun documents (see `aliyun_signature`). Settings in
  NUANXIN_SMS_ALIYUN: access_key_id, access_key_secret, sign_name, endpoint, region_id, timeout.

Every failure is raised as `SmsDeliveryError`; its `retryable` flag says whether trying again later
can help (network errors, provider throttling, 5xx) or not (bad number, bad template, bad key).
"""

import base64
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.utils.module_loading import import_string

from nuanxin.core.crypto import mask_phone

logger = logging.getLogger("nuanxin.sms")

DEFAULT_BACKEND = "nuanxin.messaging.sms.ConsoleSmsBackend"
DEFAULT_ALIYUN_ENDPOINT = "https://dysmsapi.aliyuncs.com/"

# Aliyun answer codes after which a later retry may succeed.
ALIYUN_RETRYABLE_CODES = {
    "isv.BUSINESS_LIMIT_CONTROL",
    "isp.SYSTEM_ERROR",
    "isp.GATEWAY_ERROR",
    "Throttling",
    "Throttling.User",
    "Throttling.Api",
    "ServiceUnavailable",
    "InternalError",
    "SignatureNonceUsed",
}


class SmsDeliveryError(Exception):
    """The message was not accepted by the provider. `retryable` says whether a retry may help."""

    def __init__(self, message, *, retryable=False, provider_code=""):
        super().__init__(message)
        self.retryable = retryable
        self.provider_code = provider_code


def template_code(template):
    """The provider's template code for a logical template name (the name itself if unmapped)."""
    return getattr(settings, "NUANXIN_SMS_TEMPLATES", {}).get(template, template)


def get_backend():
    path = getattr(settings, "NUANXIN_SMS_BACKEND", "") or DEFAULT_BACKEND
    return import_string(path)()


def send_sms(*, phone, template, params):
    """Send one templated SMS to a normalized mainland number. Returns the provider's message id.

    Raises SmsDeliveryError when the provider refuses or cannot be reached.
    """
    params = {key: str(value) for key, value in (params or {}).items()}
    return get_backend().send(
        phone=phone, template=template, template_code=template_code(template), params=params
    )


class ConsoleSmsBackend:
    """Logs the message instead of sending it. The log line carries the parameters (a sign-in code
    must be readable by a developer), so it is never the backend of a production site."""

    def send(self, *, phone, template, template_code, params):
        message_id = f"console-{uuid.uuid4().hex[:16]}"
        logger.info("SMS %s to %s template=%s params=%s", message_id, mask_phone(phone), template, params)
        return message_id


# Messages "sent" by LocmemSmsBackend, oldest first: dicts with phone, template, template_code, params, id.
outbox = []


class LocmemSmsBackend:
    def send(self, *, phone, template, template_code, params):
        message_id = f"locmem-{len(outbox) + 1}"
        outbox.append(
            {
                "id": message_id,
                "phone": phone,
                "template": template,
                "template_code": template_code,
                "params": params,
            }
        )
        return message_id


# --- Aliyun SMS (dysmsapi 2017-05-25, RPC style, signature version 1.0) ---------------------------


def aliyun_percent_encode(value):
    """RFC 3986 encoding as Aliyun's RPC signature wants it: only A-Z a-z 0-9 - _ . ~ stay as they are,
    so a space is %20 and * is %2A (urllib's `quote` with nothing extra marked safe does exactly that)."""
    return urllib.parse.quote(str(value), safe="")


def aliyun_canonical_query(params):
    """The sorted, percent-encoded `key=value&...` string the signature is computed over."""
    return "&".join(
        f"{aliyun_percent_encode(key)}={aliyun_percent_encode(value)}"
        for key, value in sorted(params.items())
        if key != "Signature"
    )


def aliyun_signature(params, access_key_secret, method="GET"):
    """Base64 HMAC-SHA1, keyed with `secret + "&"`, of METHOD&%2F&percent_encode(canonical query)."""
    string_to_sign = "&".join(
        [method, aliyun_percent_encode("/"), aliyun_percent_encode(aliyun_canonical_query(params))]
    )
    digest = hmac.new(f"{access_key_secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsBackend:
    """Aliyun SMS `SendSms`. The provider's BizId is returned as the message id."""

    def __init__(self, config=None):
        config = dict(config or getattr(settings, "NUANXIN_SMS_ALIYUN", {}) or {})
        self.access_key_id = config.get("access_key_id", "")
        self.access_key_secret = config.get("access_key_secret", "")
        self.sign_name = config.get("sign_name", "")
        self.endpoint = config.get("endpoint") or DEFAULT_ALIYUN_ENDPOINT
        self.region_id = config.get("region_id") or "cn-hangzhou"
        self.timeout = float(config.get("timeout") or 10)

    def request_params(self, *, phone, template_code, params, nonce=None, timestamp=None):
        """The signed query parameters of one SendSms request."""
        query = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": phone,
            "RegionId": self.region_id,
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce or uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": template_code,
            "TemplateParam": json.dumps(params, ensure_ascii=False, separators=(",", ":")),
            "Timestamp": timestamp or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        query["Signature"] = aliyun_signature(query, self.access_key_secret)
        return query

    def send(self, *, phone, template, template_code, params):
        if not (self.access_key_id and self.access_key_secret and self.sign_name):
            raise SmsDeliveryError(
                "Aliyun SMS is not configured (NUANXIN_SMS_ALIYUN).", provider_code="config"
            )
        query = self.request_params(phone=phone, template_code=template_code, params=params)
        url = f"{self.endpoint}?{urllib.parse.urlencode(query, quote_via=urllib.parse.quote)}"
        request = urllib.request.Request(url, method="GET", headers={"Accept": "application/json"})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = response.read()
        except urllib.error.HTTPError as error:
            body = error.read()
            if error.code >= 500 or error.code == 429:
                raise SmsDeliveryError(
                    f"Aliyun SMS answered HTTP {error.code}.", retryable=True, provider_code=str(error.code)
                ) from error
            # 4xx answers carry a JSON error body with a Code; fall through to read it.
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise SmsDeliveryError(f"Aliyun SMS cannot be reached: {error}", retryable=True) from error
        try:
            answer = json.loads(body)
        except (ValueError, TypeError) as error:
            raise SmsDeliveryError(
                "Aliyun SMS answered something that is not JSON.", retryable=True
            ) from error
        code = str(answer.get("Code", ""))
        if code == "OK":
            return str(answer.get("BizId") or answer.get("RequestId") or "")
        logger.warning(
            "Aliyun SMS refused a message to %s: %s %s", mask_phone(phone), code, answer.get("Message")
        )
        raise SmsDeliveryError(
            f"Aliyun SMS refused the message: {code} {answer.get('Message', '')}".strip(),
            retryable=code in ALIYUN_RETRYABLE_CODES,
            provider_code=code,
        )
