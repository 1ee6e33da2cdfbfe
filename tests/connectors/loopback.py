"""The loopback HTTP server the connector tests talk to: a real ThreadingHTTPServer on 127.0.0.1, port 0, in a
thread, serving recorded response files (tests/connectors/recorded/) and scripted errors."""

import gzip
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

RECORDED = Path(__file__).parent / "recorded"


@dataclass
class Reply:
    """One answer: status, body, headers; `delay` seconds before answering; `gzip` sends Content-Encoding: gzip."""

    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    gzip: bool = False


@dataclass
class Seen:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


class Loopback:
    """Routes (method, path) to a list of replies served in turn (the last one repeats) or to a function."""

    def __init__(self):
        self.routes: dict[tuple[str, str], object] = {}
        self.requests: list[Seen] = []
        self.lock = threading.Lock()
        loopback = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output quiet
                pass

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urllib.parse.urlsplit(self.path)
                seen = Seen(
                    self.command,
                    parts.path,
                    dict(urllib.parse.parse_qsl(parts.query)),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                reply = loopback.answer(seen)
                if reply.delay:
                    time.sleep(reply.delay)
                payload = gzip.compress(reply.body) if reply.gzip else reply.body
                try:
                    self.send_response(reply.status)
                    headers = {"Content-Type": "application/json; charset=UTF-8", **reply.headers}
                    if reply.gzip:
                        headers["Content-Encoding"] = "gzip"
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            do_GET = do_POST = do_DELETE = do_PUT = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def route(self, method: str, path: str, *replies):
        """Serve `replies` in turn for method + path; a single callable receives the request instead."""
        self.routes[(method, path)] = replies[0] if len(replies) == 1 and callable(replies[0]) else list(replies)

    def answer(self, seen: Seen) -> Reply:
        with self.lock:
            self.requests.append(seen)
            target = self.routes.get((seen.method, seen.path))
            if target is None:
                return Reply(404, b'{"error": "no such route in the test server"}')
            if callable(target):
                return target(seen)
            return target.pop(0) if len(target) > 1 else target[0]

    def seen(self, method: str | None = None, path: str | None = None) -> list[Seen]:
        return [r for r in self.requests if (method is None or r.method == method) and (path is None or r.path == path)]

    def recorded(self, name: str, **reply) -> Reply:
        """A recorded response file, with {base} replaced by this server's address."""
        body = (RECORDED / name).read_bytes().replace(b"{base}", self.base.encode())
        return Reply(body=body, **reply)

    def close(self):
        self.server.shutdown()
        self.server.server_close()
