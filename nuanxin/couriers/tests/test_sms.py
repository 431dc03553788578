"""SMS backends: Aliyun SendSms against a local HTTP server that checks the signature, the console
backend, and the error mapping to SmsDeliveryError."""

import base64
import hashlib
import hmac
import json
import logging
import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from nuanxin.messaging import sms
from nuanxin.messaging.sms import AliyunSmsBackend, SmsDeliveryError, aliyun_signature, send_sms

ACCESS_KEY_ID = "LTAI-test-key"
ACCESS_KEY_SECRET = "test-secret/with+odd=chars"
SIGN_NAME = "暖心驿站"


def expected_signature(params, secret):
    """Aliyun's RPC signature written out a second time, step by step from its documentation."""

    def encode(text):
        return urllib.parse.quote(text, safe="~")

    canonical = "&".join(f"{encode(k)}={encode(v)}" for k, v in sorted(params.items()))
    string_to_sign = f"GET&{encode('/')}&{encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class FakeAliyun(BaseHTTPRequestHandler):
    """Answers like dysmsapi: checks the signature and required parameters, then `server.mode`."""

    def do_GET(self):
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query, keep_blank_values=True))
        self.server.requests.append(query)
        signature = query.pop("Signature", "")
        required = {
            "AccessKeyId",
            "Action",
            "PhoneNumbers",
            "SignName",
            "TemplateCode",
            "TemplateParam",
            "SignatureMethod",
            "SignatureNonce",
            "SignatureVersion",
            "Timestamp",
            "Version",
        }
        if signature != expected_signature(query, ACCESS_KEY_SECRET) or not required <= set(query):
            return self.answer(
                400, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched"}
            )
        mode = self.server.mode
        if mode == "http500":
            return self.answer(500, {"Code": "InternalError"})
        if mode == "throttled":
            return self.answer(200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控"})
        if mode == "bad_number":
            return self.answer(200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"})
        return self.answer(
            200, {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "r-1"}
        )

    def answer(self, status, body):
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def aliyun(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeAliyun)
    server.requests = []
    server.mode = "ok"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.NUANXIN_SMS_BACKEND = "nuanxin.messaging.sms.AliyunSmsBackend"
    settings.NUANXIN_SMS_TEMPLATES = {"login_code": "SMS_465930123", "announcement": "SMS_465930456"}
    settings.NUANXIN_SMS_ALIYUN = {
        "access_key_id": ACCESS_KEY_ID,
        "access_key_secret": ACCESS_KEY_SECRET,
        "sign_name": SIGN_NAME,
        "endpoint": f"http://127.0.0.1:{server.server_port}/",
        "region_id": "cn-hangzhou",
    }
    yield server
    server.shutdown()
    server.server_close()


def test_signature_matches_the_example_in_aliyuns_documentation():
    # given the parameters and key of the worked example in Aliyun's SMS signature documentation
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    # when signed / then the documented signature comes out
    assert aliyun_signature(params, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_send_sms_through_aliyun_is_signed_and_carries_the_template(aliyun):
    # when a sign-in code is texted through the Aliyun backend
    message_id = send_sms(phone="13912345678", template="login_code", params={"code": "042117"})

    # then the server accepted the signature and the provider's BizId comes back
    assert message_id == "900619746936498440^0"
    [request] = aliyun.requests
    assert request["Action"] == "SendSms"
    assert request["Version"] == "2017-05-25"
    assert request["AccessKeyId"] == ACCESS_KEY_ID
    assert request["PhoneNumbers"] == "13912345678"
    assert request["SignName"] == SIGN_NAME
    assert request["TemplateCode"] == "SMS_465930123"
    assert json.loads(request["TemplateParam"]) == {"code": "042117"}
    assert request["SignatureMethod"] == "HMAC-SHA1"
    assert request["SignatureVersion"] == "1.0"
    assert request["Timestamp"].endswith("Z") and "T" in request["Timestamp"]


def test_each_request_has_a_fresh_nonce(aliyun):
    send_sms(phone="13912345678", template="announcement", params={"title": "通知"})
    send_sms(phone="13912345678", template="announcement", params={"title": "通知"})
    assert aliyun.requests[0]["SignatureNonce"] != aliyun.requests[1]["SignatureNonce"]
    assert aliyun.requests[0]["TemplateCode"] == "SMS_465930456"


def test_a_wrong_secret_is_refused_by_the_server_and_not_retryable(aliyun, settings):
    # given a deployment with a wrong access key secret
    settings.NUANXIN_SMS_ALIYUN = {**settings.NUANXIN_SMS_ALIYUN, "access_key_secret": "wrong"}
    # when / then
    with pytest.raises(SmsDeliveryError) as caught:
        send_sms(phone="13912345678", template="login_code", params={"code": "111111"})
    assert caught.value.provider_code == "SignatureDoesNotMatch"
    assert caught.value.retryable is False


@pytest.mark.parametrize(
    ("mode", "retryable", "provider_code"),
    [
        ("throttled", True, "isv.BUSINESS_LIMIT_CONTROL"),
        ("bad_number", False, "isv.MOBILE_NUMBER_ILLEGAL"),
        ("http500", True, "500"),
    ],
)
def test_provider_refusals_become_sms_delivery_errors(aliyun, mode, retryable, provider_code):
    aliyun.mode = mode
    with pytest.raises(SmsDeliveryError) as caught:
        send_sms(phone="13912345678", template="login_code", params={"code": "111111"})
    assert caught.value.retryable is retryable
    assert caught.value.provider_code == provider_code


def test_an_unreachable_provider_is_a_retryable_error(settings):
    # given an endpoint where nothing listens
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    backend = AliyunSmsBackend(
        {
            "access_key_id": "id",
            "access_key_secret": "s",
            "sign_name": "n",
            "endpoint": f"http://127.0.0.1:{port}/",
        }
    )
    with pytest.raises(SmsDeliveryError) as caught:
        backend.send(phone="13912345678", template="login_code", template_code="SMS_1", params={"code": "1"})
    assert caught.value.retryable is True


def test_an_unconfigured_aliyun_backend_refuses_without_sending(settings):
    settings.NUANXIN_SMS_BACKEND = "nuanxin.messaging.sms.AliyunSmsBackend"
    settings.NUANXIN_SMS_ALIYUN = {}
    with pytest.raises(SmsDeliveryError) as caught:
        send_sms(phone="13912345678", template="login_code", params={"code": "1"})
    assert caught.value.retryable is False


def test_the_console_backend_logs_with_a_masked_number(settings, caplog):
    settings.NUANXIN_SMS_BACKEND = "nuanxin.messaging.sms.ConsoleSmsBackend"
    with caplog.at_level(logging.INFO, logger="nuanxin.sms"):
        message_id = send_sms(phone="13912345678", template="login_code", params={"code": "246810"})
    assert message_id.startswith("console-")
    assert "139****5678" in caplog.text
    assert "13912345678" not in caplog.text
    assert "246810" in caplog.text


def test_the_locmem_backend_keeps_the_message(settings):
    settings.NUANXIN_SMS_BACKEND = "nuanxin.messaging.sms.LocmemSmsBackend"
    sms.outbox.clear()
    send_sms(phone="13912345678", template="login_code", params={"code": 13579})
    assert sms.outbox[-1]["params"] == {"code": "13579"}
    assert sms.outbox[-1]["phone"] == "13912345678"


def test_signing_in_through_aliyun_end_to_end(aliyun, client, db):
    # given the Aliyun backend
    # when a courier asks for a code
    response = client.post(
        "/api/v1/auth/sms-code", {"phone": "139 1234 5678"}, content_type="application/json"
    )
    assert response.status_code == 200
    code = json.loads(aliyun.requests[-1]["TemplateParam"])["code"]
    # then the texted code signs them in
    response = client.post(
        "/api/v1/auth/sms-login", {"phone": "13912345678", "code": code}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["token"]


def test_a_failed_text_leaves_no_code_and_answers_503(aliyun, client, db):
    aliyun.mode = "bad_number"
    response = client.post("/api/v1/auth/sms-code", {"phone": "13912345678"}, content_type="application/json")
    assert response.status_code == 503
    assert response.json()["code"] == "sms_unavailable"
    # and the courier may ask again at once (the withdrawn code does not count against the minute)
    aliyun.mode = "ok"
    response = client.post("/api/v1/auth/sms-code", {"phone": "13912345678"}, content_type="application/json")
    assert response.status_code == 200
