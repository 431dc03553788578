"""WeChat mini-program sign-in: code2session against a local HTTP server, and openid binding."""

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from nuanxin.accounts.tests.factories import bearer
from nuanxin.couriers.models import CourierProfile
from nuanxin.couriers.tests.factories import make_courier

APP_ID = "wx1234567890abcdef"
APP_SECRET = "mini-program-secret"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}

# js_code → answer of jscode2session
ANSWERS = {
    "code-for-alice": {"openid": "oAlice000000000000000000000", "session_key": "c2Vzc2lvbg=="},
    "code-for-alice-again": {"openid": "oAlice000000000000000000000", "session_key": "c2Vzc2lvbg=="},
    "code-for-bob": {"openid": "oBob00000000000000000000000", "session_key": "c2Vzc2lvbg=="},
    "used-code": {"errcode": 40163, "errmsg": "code been used"},
    "throttled": {"errcode": 45011, "errmsg": "api minute-quota reach limit"},
    "busy": {"errcode": -1, "errmsg": "system error"},
}


class FakeWeChat(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        self.server.requests.append((url.path, query))
        if url.path != "/sns/jscode2session":
            return self.answer({"errcode": 404, "errmsg": "not found"})
        if query.get("appid") != APP_ID or query.get("secret") != APP_SECRET:
            return self.answer({"errcode": 40125, "errmsg": "invalid appsecret"})
        if query.get("grant_type") != "authorization_code":
            return self.answer({"errcode": 40002, "errmsg": "invalid grant_type"})
        return self.answer(ANSWERS.get(query.get("js_code"), {"errcode": 40029, "errmsg": "invalid code"}))

    def answer(self, body):
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")  # WeChat really answers JSON as text/plain
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def wechat(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeWeChat)
    server.requests = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.NUANXIN_WECHAT_API_BASE = f"http://127.0.0.1:{server.server_port}/"
    settings.NUANXIN_WECHAT_APP_ID = APP_ID
    settings.NUANXIN_WECHAT_APP_SECRET = APP_SECRET
    yield server
    server.shutdown()
    server.server_close()


def wechat_login(client, code, **headers):
    return client.post(
        "/api/v1/auth/wechat-login", {"code": code}, content_type="application/json", **headers
    )


def bind(client, courier, code):
    return client.post(
        "/api/v1/me/wechat", {"code": code}, content_type="application/json", **bearer(courier.user)
    )


def test_an_unknown_wechat_account_is_asked_to_sign_in_by_phone_first(client, wechat, db):
    response = wechat_login(client, "code-for-alice", **EN)

    assert response.status_code == 404
    assert response.json()["code"] == "wechat_not_bound"
    assert "phone number first" in response.json()["message"]
    path, query = wechat.requests[0]
    assert path == "/sns/jscode2session"
    assert query == {
        "appid": APP_ID,
        "secret": APP_SECRET,
        "js_code": "code-for-alice",
        "grant_type": "authorization_code",
    }


def test_a_courier_binds_wechat_and_then_signs_in_with_it(client, wechat, db):
    # given a courier signed in by phone who links their WeChat account
    alice = make_courier()
    response = bind(client, alice, "code-for-alice")
    assert response.status_code == 200
    assert response.json()["wechat_linked"] is True

    # when the mini-program signs in with a later wx.login() code
    response = wechat_login(client, "code-for-alice-again")

    # then it gets a token of that courier
    assert response.status_code == 200
    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {response.json()['token']}")
    assert me.json()["public_id"] == str(alice.public_id)


def test_a_wechat_account_linked_to_another_courier_cannot_be_taken(client, wechat, db):
    alice, bob = make_courier(), make_courier()
    bind(client, alice, "code-for-alice")

    response = bind(client, bob, "code-for-alice-again")

    assert response.status_code == 409
    bob.refresh_from_db()
    assert bob.wechat_openid == ""
    assert CourierProfile.objects.get(pk=alice.pk).wechat_openid == "oAlice000000000000000000000"


def test_binding_again_with_the_same_account_is_harmless(client, wechat, db):
    alice = make_courier()
    bind(client, alice, "code-for-alice")
    assert bind(client, alice, "code-for-alice-again").status_code == 200


def test_unlinking_stops_wechat_sign_in(client, wechat, db):
    alice = make_courier()
    bind(client, alice, "code-for-alice")

    response = client.delete("/api/v1/me/wechat", **bearer(alice.user))

    assert response.json()["wechat_linked"] is False
    assert wechat_login(client, "code-for-alice-again").status_code == 404


@pytest.mark.parametrize(
    ("code", "status", "error_code"),
    [
        ("made-up-code", 400, "wechat_code_invalid"),
        ("used-code", 400, "wechat_code_invalid"),
        ("throttled", 429, "wechat_rate_limited"),
        ("busy", 502, "wechat_unavailable"),
    ],
)
def test_wechat_errors_are_clear(client, wechat, db, code, status, error_code):
    response = wechat_login(client, code, **EN)
    assert response.status_code == status
    assert response.json()["code"] == error_code


def test_a_wrong_app_secret_is_not_a_500(client, wechat, settings, db):
    settings.NUANXIN_WECHAT_APP_SECRET = "wrong"
    response = wechat_login(client, "code-for-alice")
    assert response.status_code == 502


def test_wechat_sign_in_is_unavailable_without_an_app_id(client, settings, db):
    settings.NUANXIN_WECHAT_APP_ID = ""
    response = wechat_login(client, "code-for-alice")
    assert response.status_code == 503
    assert response.json()["code"] == "wechat_not_configured"


def test_an_empty_code_is_refused(client, wechat, db):
    response = wechat_login(client, "")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "code"
    assert wechat.requests == []


def test_binding_needs_a_signed_in_courier(client, wechat, users):
    response = client.post("/api/v1/me/wechat", {"code": "code-for-alice"}, content_type="application/json")
    assert response.status_code == 401
    response = client.post(
        "/api/v1/me/wechat",
        {"code": "code-for-alice"},
        content_type="application/json",
        **bearer(users["street_staff"]),
    )
    assert response.status_code == 403
    assert wechat.requests == []
