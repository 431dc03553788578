"""A local stand-in for AMap's geocoding Web Service (GET /v3/geocode/geo), answering with bodies
shaped like the real ones (status/info/infocode/count/geocodes[] with location "lng,lat" in GCJ-02,
level, adcode …). `server.mode` picks the answer; `server.requests` records each query."""

import contextlib
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from nuanxin.stations.geo import wgs84_to_gcj02

KEY = "amap-test-key"
# Where the fake places "滨江道100号": a WGS-84 point inside 劝业场's L (tests/boundaries.py), sent in GCJ-02.
PLACED_WGS84 = (39.125, 117.195)


def geocode_entry(*, level="门牌号", adcode="120101", point=PLACED_WGS84):
    gcj_lat, gcj_lng = wgs84_to_gcj02(*point)
    return {
        "formatted_address": "天津市和平区滨江道100号",
        "country": "中国",
        "province": "天津市",
        "citycode": "022",
        "city": "天津市",
        "district": "和平区",
        "township": [],
        "neighborhood": {"name": [], "type": []},
        "building": {"name": [], "type": []},
        "adcode": adcode,
        "street": "滨江道",
        "number": "100号",
        "location": f"{gcj_lng:.6f},{gcj_lat:.6f}",
        "level": level,
    }


ANSWERS = {
    "ok": (
        200,
        {"status": "1", "info": "OK", "infocode": "10000", "count": "1", "geocodes": [geocode_entry()]},
    ),
    "coarse": (
        200,
        {
            "status": "1",
            "info": "OK",
            "infocode": "10000",
            "count": "1",
            "geocodes": [geocode_entry(level="区县")],
        },
    ),
    "other_city": (
        200,
        {
            "status": "1",
            "info": "OK",
            "infocode": "10000",
            "count": "1",
            "geocodes": [geocode_entry(adcode="310101")],
        },
    ),
    "nothing": (200, {"status": "1", "info": "OK", "infocode": "10000", "count": "0", "geocodes": []}),
    "bad_key": (200, {"status": "0", "info": "INVALID_USER_KEY", "infocode": "10001"}),
    "http500": (500, {"status": "0", "info": "SERVICE_NOT_AVAILABLE"}),
}


class FakeAmap(BaseHTTPRequestHandler):
    def do_GET(self):
        parts = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        self.server.requests.append({"path": parts.path, **query})
        mode = self.server.mode
        if mode == "slow":
            time.sleep(1.0)
            mode = "ok"
        if mode == "not_json":
            return self.answer(200, b"<html>busy</html>")
        if query.get("key") != KEY:
            mode = "bad_key"
        status, body = ANSWERS[mode]
        return self.answer(status, json.dumps(body, ensure_ascii=False).encode())

    def answer(self, status, payload):
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
            self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture(name="amap")
def amap_fixture(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeAmap)
    server.requests = []
    server.mode = "ok"
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.NUANXIN_GEOCODER = "amap"
    settings.NUANXIN_GEOCODER_AMAP = {
        "key": KEY,
        "base_url": f"http://127.0.0.1:{server.server_port}/v3/geocode/geo",
        "timeout": 0.3,
    }
    yield server
    server.shutdown()
    server.server_close()
