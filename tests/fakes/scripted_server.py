"""A real HTTP/1.1 server on 127.0.0.1 whose answers are scripted per route, for the HTTP client tests.

Routes are keyed by path, or by (METHOD, path) when scripted with a method; each holds a queue of
answers of which the last one repeats. Every request is recorded as a `Call`, and the server counts
the connections it accepts (keep-alive, so connection reuse is observable).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Answer:
    status: int = 200
    body: bytes | str | dict | list = b"{}"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    def payload(self) -> bytes:
        body = self.body
        if isinstance(body, dict | list):
            body = json.dumps(body)
        return body.encode() if isinstance(body, str) else body


@dataclass
class Call:
    method: str
    target: str  # the path with its query string, as sent
    path: str  # without the query string
    query: dict[str, list[str]]
    headers: dict[str, str]  # names lower-cased
    body: bytes
    client_port: int

    def json(self):
        return json.loads(self.body) if self.body else None

    def q(self) -> dict[str, str]:
        """The query with the last value of each name."""
        return {k: v[-1] for k, v in self.query.items()}


class ScriptedServer:
    """Answers queued per path or (METHOD, path); unscripted routes answer `unscripted_status`."""

    def __init__(self, unscripted_status: int = 404) -> None:
        self.routes: dict[tuple[str | None, str], list[Answer]] = {}
        self.calls: list[Call] = []
        self.connections = 0
        self.unscripted_status = unscripted_status
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # noqa: A002 - keep test output quiet
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                call = Call(
                    method=self.command,
                    target=self.path,
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                    client_port=self.client_address[1],
                )
                answer = server._answer(call)
                if answer.delay:
                    time.sleep(answer.delay)
                payload = answer.payload()
                try:
                    self.send_response(answer.status)
                    for name, value in {"Content-Type": "application/json", **answer.headers}.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def get_request(self):
                request = super().get_request()
                with server._lock:
                    server.connections += 1
                return request

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def _answer(self, call: Call) -> Answer:
        with self._lock:
            self.calls.append(call)
            key = (call.method, call.path) if (call.method, call.path) in self.routes else (None, call.path)
            queue = self.routes.get(key)
            if queue is None:
                return Answer(self.unscripted_status, {"message": f"unscripted {call.method} {call.path}"})
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def script(self, path: str, *answers: Answer, method: str | None = None) -> None:
        """Queue answers for `path` (any method), or for `method` and `path` only."""
        self.routes[(method, path)] = list(answers)

    def calls_to(self, path: str, method: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.path == path and method in (None, c.method)]

    def one(self, path: str, method: str | None = None) -> Call:
        calls = self.calls_to(path, method)
        assert len(calls) == 1, f"{method or 'any method'} {path}: {len(calls)} calls"
        return calls[0]

    def start(self) -> ScriptedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
