"""A real HTTP server on 127.0.0.1 in a thread, standing in for WeCom and SMS providers in tests.

    with LocalServer([(200, {"errcode": 0, "errmsg": "ok"})]) as server:
        ... POST to server.url("/cgi-bin/webhook/send?key=abc") ...
        server.requests  # [{"method", "path", "headers", "body"}]

Answers are taken from the list in order; the last one repeats.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LocalServer:
    def __init__(self, answers):
        self.answers = list(answers)
        self.requests = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with server._lock:
                    server.requests.append(
                        {
                            "method": self.command,
                            "path": self.path,
                            "headers": dict(self.headers),
                            "body": body,
                        }
                    )
                    status, payload = server.answers[0] if len(server.answers) == 1 else server.answers.pop(0)
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = _answer
            do_POST = _answer

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path="/"):
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}{path}"

    def json_bodies(self):
        return [json.loads(request["body"].decode()) for request in self.requests]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
