"""One base for the fake provider servers in tests/fakes/: a real, threaded HTTP/1.1 server on 127.0.0.1
with routes, a call log, error capture and scripted faults.

A fake subclasses `FakeServer`, registers handlers with `@route(method, pattern)` (a regular expression
matched against the whole path; named groups arrive in `request.args`) or `add_route()`, and keeps its
state on the instance. A handler returns a dict/list (answered 200 as JSON) or a `Response`, or raises
`HttpError`; anything else it raises is a bug in the fake, answered 500 and kept in `errors`. Handlers
run one at a time under the server's lock, so a fake needs no locking of its own.

Usage::

    class FakeShop(FakeServer):
        @route("POST", r"/orders")
        def _create(self, req: Request) -> dict:
            ...

    shop = FakeShop().start()                      # shop.base_url = http://127.0.0.1:PORT
    shop.fault("/orders", "drop", after_commit=True)   # the order is created, the answer is lost
    ...
    assert shop.count("POST", "/orders") == 1
    shop.stop()

The call log: every request is a `Call` (method, path, query, body, headers; also raw, target,
client_port and the `fault` applied to it), kept in `calls` whatever its answer, faulted calls included.
`count(method, path)`, `calls_to(path, method=None)`, `one(path, method=None)`, `reset_counts()`.
`connections` counts accepted TCP connections (keep-alive reuse is observable).

Faults, `fault(path, kind, *, method=None, times=1, after_commit=False, status=None, body=None,
headers=None, seconds=None)`: the next `times` calls to `path` (exact path, query ignored; any method
unless `method`) are answered with the fault instead of the handler's answer. Kinds:

- ``delay``: wait `seconds` (default 1), then serve normally (the handler runs after the wait, so the
  state changes after a client with a shorter read timeout has given up).
- ``hang``: hold the connection without answering for `seconds` (default `HANG_SECONDS`, far past any
  client's read timeout), then close it. `stop()` releases hanging calls at once.
- ``status``: answer `status` (default 500) with `body` (default: the fake's `fault_body(status)`) and
  `headers`, after `seconds` (default 0): 5xx, 401, 429, ...
- ``malformed``: answer `status` (default 200) with a body that is not JSON (default `MALFORMED_BODY`).
- ``drop``: close the connection without an answer (the client sees the remote end disconnect).

Without `after_commit` a faulted call touches no state (``delay`` excepted: it serves late). With
``after_commit=True`` the real handler runs first, so its state changes (an order is created), and then
the answer is replaced by the fault: commit-then-fail with ``status`` (a 5xx), ``drop`` or ``hang``
(``malformed`` and ``delay`` work too). Faults are matched in the order they were scripted.
`fail_next(path, status=500, body=None, delay=0.0, *, method=None, headers=None, times=1)` is the older
spelling: a ``status`` fault, or a ``delay`` one when `status` is None.

`latency` (seconds, default 0) delays every answer, faulted or not, outside the server's lock: a remote
provider's round trip, for load tests (`make loadtest` runs the fake Fynd server at 80 ms).
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qs, unquote, urlsplit

DELAY = "delay"
HANG = "hang"
STATUS = "status"
MALFORMED = "malformed"
DROP = "drop"
FAULT_KINDS = (DELAY, HANG, STATUS, MALFORMED, DROP)

DELAY_SECONDS = 1.0
HANG_SECONDS = 30.0  # past any read timeout the storefront uses; stop() ends it early
MALFORMED_BODY = "{not json"


class HttpError(Exception):
    """Raised by a handler; answered with `status` and `body`."""

    def __init__(self, status: int, body: Any):
        super().__init__(status)
        self.status = status
        self.body = body


@dataclass
class Response:
    status: int = 200
    body: Any = None  # dict/list → JSON; str/bytes → sent verbatim; None → empty
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (outside the server's lock)


@dataclass(eq=False)
class Call:
    """One request the server received. Unpacks as ``(method, path, query, body)``.

    `query` holds a str per name, or a list when the name repeats; `body` is what the fake's
    `decode_body` made of the raw bytes (by default the parsed JSON, the text when it is not JSON, None
    when empty); `headers` have lower-case names; `fault` names the fault applied to this call ("" for
    none)."""

    method: str
    path: str
    query: dict[str, Any]
    body: Any
    headers: dict[str, str]
    raw: bytes = b""
    target: str = ""  # the path with its query string, as sent
    client_port: int = 0
    json_error: bool = False  # a body was sent and it was not JSON
    fault: str = ""

    def __iter__(self):
        return iter((self.method, self.path, self.query, self.body))

    def json(self) -> Any:
        return json.loads(self.raw) if self.raw else None

    def q(self) -> dict[str, str]:
        """The query with the last value of each name."""
        return {k: v[-1] if isinstance(v, list) else v for k, v in self.query.items()}


@dataclass
class Fault:
    path: str
    kind: str
    method: str | None
    remaining: int
    after_commit: bool = False
    status: int | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def matches(self, call: Call) -> bool:
        return self.path == call.path and self.method in (None, call.method)


@dataclass(frozen=True)
class Request:
    """What a route handler of the base gets: the call and the named groups of its route."""

    call: Call
    args: dict[str, str]

    @property
    def method(self) -> str:
        return self.call.method

    @property
    def path(self) -> str:
        return self.call.path

    @property
    def query(self) -> dict[str, Any]:
        return self.call.query

    @property
    def headers(self) -> dict[str, str]:
        return self.call.headers

    @property
    def body(self) -> Any:
        return self.call.body

    def q(self, name: str, default: str | None = None) -> str | None:
        return self.call.q().get(name, default)


Handler = Callable[[Any], Any]


class Match(NamedTuple):
    handler: Handler | None
    args: dict[str, str]
    path_known: bool  # some route has this path (with another method when handler is None)


def route(method: str, pattern: str):
    """Mark a method of a FakeServer subclass as the handler of `method` + `pattern` (whole path)."""

    def register(fn):
        fn.__dict__.setdefault("_fake_routes", []).append((method.upper(), pattern))
        return fn

    return register


def json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive like real APIs
    # answer headers and body without waiting for the client's delayed ACK (Nagle on a kept-alive
    # connection costs ~40 ms per POST answer)
    disable_nagle_algorithm = True
    timeout = 60
    wbufsize = -1  # headers and body leave in one write (no delayed-ACK stall per call)

    def log_message(self, format, *args):  # noqa: A002 - keep test output quiet
        pass

    def _serve(self) -> None:
        self.server.fake._serve(self)  # type: ignore[attr-defined]

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _serve


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeServer) -> None:
        self.fake = fake
        super().__init__(("127.0.0.1", 0), _RequestHandler)

    def get_request(self):
        request = super().get_request()
        self.fake._opened(request[0])
        return request

    def shutdown_request(self, request):
        self.fake._closed(request)
        super().shutdown_request(request)


class FakeServer:
    """A threaded HTTP server on 127.0.0.1: routes, a call log, error capture and faults (module doc)."""

    content_type = "application/json; charset=utf-8"
    _class_routes: tuple[tuple[str, str, str], ...] = ()  # (method, pattern, attribute name)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = tuple(
            (method, pattern, name)
            for name, value in cls.__dict__.items()
            for method, pattern in getattr(value, "_fake_routes", ())
        )
        cls._class_routes = cls._class_routes + own

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.errors: list[str] = []  # tracebacks of bugs in the fake itself (answered as 500)
        self.connections = 0
        self.latency = 0.0  # seconds every answer waits first (module doc)
        self._faults: list[Fault] = []
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = [
            (method, re.compile(pattern), getattr(self, name)) for method, pattern, name in self._class_routes
        ]
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._sockets: set[socket.socket] = set()
        self.httpd = _HTTPServer(self)
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return self.base_url

    # ------------------------------------------------------------------ lifecycle

    def start(self):
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop at once: hanging and delayed calls are released, open connections closed."""
        self._stopping.set()
        if self._thread.is_alive():
            self.httpd.shutdown()
        self.httpd.server_close()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self):
        return self if self._thread.is_alive() else self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _opened(self, sock: socket.socket) -> None:
        with self._lock:
            self.connections += 1
            self._sockets.add(sock)

    def _closed(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)

    # ------------------------------------------------------------------ routes

    def add_route(self, method: str, pattern: str, handler: Handler) -> None:
        """Serve `method` + `pattern` (a regular expression for the whole path) with `handler`."""
        with self._lock:
            self._routes.append((method.upper(), re.compile(pattern), handler))

    def resolve(self, method: str, path: str) -> Match:
        path_known = False
        for route_method, pattern, handler in self._routes:
            found = pattern.fullmatch(path)
            if found is None:
                continue
            path_known = True
            if route_method == method:
                return Match(handler, {k: unquote(v) for k, v in found.groupdict().items()}, True)
        return Match(None, {}, path_known)

    # ------------------------------------------------------------------ the call log

    def count(self, method: str, path: str) -> int:
        """How many calls arrived with this method and path (query string ignored)."""
        return len(self.calls_to(path, method))

    def calls_to(self, path: str, method: str | None = None) -> list[Call]:
        path = path.split("?", 1)[0]
        method = method.upper() if method else None
        with self._lock:
            return [c for c in self.calls if c.path == path and method in (None, c.method)]

    def one(self, path: str, method: str | None = None) -> Call:
        calls = self.calls_to(path, method)
        assert len(calls) == 1, f"{method or 'any method'} {path}: {len(calls)} calls"
        return calls[0]

    def reset_counts(self) -> None:
        with self._lock:
            self.calls.clear()

    # ------------------------------------------------------------------ faults

    def fault(
        self,
        path: str,
        kind: str,
        *,
        method: str | None = None,
        times: int = 1,
        after_commit: bool = False,
        status: int | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        seconds: float | None = None,
    ) -> Fault:
        """Answer the next `times` calls to `path` (and `method`) with a fault (see the module doc)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of {', '.join(FAULT_KINDS)}")
        if times < 1:
            raise ValueError("times must be at least 1")
        if kind == STATUS:
            status = 500 if status is None else status
            body = self.fault_body(status) if body is None else body
        elif kind == MALFORMED:
            status = 200 if status is None else status
            body = MALFORMED_BODY if body is None else body
        if seconds is None:
            seconds = {DELAY: DELAY_SECONDS, HANG: HANG_SECONDS}.get(kind, 0.0)
        fault = Fault(
            path=path.split("?", 1)[0],
            kind=kind,
            method=method.upper() if method else None,
            remaining=times,
            after_commit=after_commit,
            status=status,
            body=body,
            headers=dict(headers or {}),
            seconds=seconds,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def fail_next(
        self,
        path: str,
        status: int | None = 500,
        body: Any = None,
        delay: float = 0.0,
        *,
        method: str | None = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> Fault:
        """Script the next `times` calls to `path` (and `method`, if given) to fail.

        ``status=None`` with a ``delay`` sleeps and then serves the call normally (a slow but
        successful server: the state still changes after the client may have timed out). Otherwise the
        call sleeps ``delay`` seconds and answers ``status`` with ``body``: a dict/list is sent as JSON,
        a str/bytes verbatim (malformed JSON), None gives ``fault_body(status)``. Scripted calls touch
        no state."""
        if status is None:
            return self.fault(path, DELAY, method=method, times=times, seconds=delay)
        return self.fault(
            path, STATUS, method=method, times=times, status=status, body=body, headers=headers, seconds=delay
        )

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def pending_faults(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def _take_fault(self, call: Call) -> Fault | None:
        for fault in self._faults:
            if fault.matches(call):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    # ------------------------------------------------------------------ hooks for a fake

    def fault_body(self, status: int) -> Any:
        """The body of a `status` fault scripted without one."""
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Scripted failure"
        return {"message": phrase}

    def error_response(self) -> Response:
        """The answer to a call whose handler raised (a bug in the fake)."""
        return Response(500, {"message": "Internal server error"})

    def not_found(self, call: Call) -> Response:
        return Response(404, {"message": f"Not found: {call.path}"})

    def method_not_allowed(self, call: Call) -> Response:
        return Response(405, {"message": f"Method {call.method} not allowed"})

    def decode_body(self, raw: bytes) -> tuple[Any, bool]:
        """(body, json_error): the parsed JSON, else the text; None when empty."""
        if not raw:
            return None, False
        try:
            return json.loads(raw), False
        except ValueError:
            return raw.decode("utf-8", "replace"), True

    def encode_json(self, data: Any) -> bytes:
        return json.dumps(data, default=json_default, ensure_ascii=False).encode()

    def dispatch(self, call: Call) -> Response | dict | list:
        """Answer one call (under the server's lock): route it and run its handler."""
        found = self.resolve(call.method, call.path)
        if found.handler is None:
            return self.method_not_allowed(call) if found.path_known else self.not_found(call)
        return found.handler(Request(call, found.args))

    # ------------------------------------------------------------------ serving

    def _record(self, method: str, target: str, headers: dict[str, str], raw: bytes, port: int) -> Call:
        split = urlsplit(target)
        query: dict[str, Any] = {}
        for key, values in parse_qs(split.query, keep_blank_values=True).items():
            query[key] = values[0] if len(values) == 1 else values
        body, json_error = self.decode_body(raw)
        return Call(method, split.path, query, body, headers, raw, target, port, json_error)

    def _answer(self, call: Call) -> Response:
        with self._lock:
            try:
                result = self.dispatch(call)
            except HttpError as exc:
                return Response(exc.status, exc.body)
            except Exception:  # a bug in the fake: answer 500 and keep the traceback for the test
                self.errors.append(traceback.format_exc())
                return self.error_response()
        return result if isinstance(result, Response) else Response(200, result)

    def _serve(self, handler: _RequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in handler.headers.items()}
        call = self._record(handler.command, handler.path, headers, raw, handler.client_address[1])
        self._wait(self.latency)
        with self._lock:
            self.calls.append(call)
            fault = self._take_fault(call)
            if fault is not None:
                call.fault = fault.kind
        if fault is None:
            self._send(handler, call, self._answer(call))
            return
        committed = self._answer(call) if fault.after_commit else None
        if fault.kind in (HANG, DROP):
            if fault.kind == HANG:
                self._wait(fault.seconds)
            self._drop(handler)
            return
        self._wait(fault.seconds)
        if fault.kind == DELAY:
            self._send(handler, call, committed if committed is not None else self._answer(call))
        else:
            self._send(handler, call, Response(fault.status or 500, fault.body, fault.headers))

    def _drop(self, handler: _RequestHandler) -> None:
        handler.close_connection = True
        with contextlib.suppress(OSError):
            handler.connection.shutdown(socket.SHUT_RDWR)

    def _send(self, handler: _RequestHandler, call: Call, response: Response) -> None:
        self._wait(response.delay)
        body = response.body
        if isinstance(body, dict | list):
            body = self.encode_json(body)
        elif isinstance(body, str):
            body = body.encode()
        elif body is None:
            body = b""
        if call.method == "HEAD":
            body = b""
        try:
            handler.send_response(response.status)
            for name, value in {"Content-Type": self.content_type, **response.headers}.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
            handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout tests)
