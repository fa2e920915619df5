"""A real HTTP/1.1 server on 127.0.0.1 whose answers are scripted per route, for the HTTP client tests.

Routes are keyed by path, or by (METHOD, path) when scripted with a method; each holds a queue of
answers of which the last one repeats. Every request is recorded as a `Call` whose `body` is the raw
bytes (`call.json()` parses them, `call.q()` gives the query), and the server counts the connections it
accepts (keep-alive, so connection reuse is observable). The plumbing, the call log and the faults
(`fault()`, `fail_next()`) come from `tests.fakes.base.FakeServer`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.base import Call, FakeServer, Response

__all__ = ["Answer", "Call", "ScriptedServer"]


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


class ScriptedServer(FakeServer):
    """Answers queued per path or (METHOD, path); unscripted routes answer `unscripted_status`."""

    content_type = "application/json"

    def __init__(self, unscripted_status: int = 404) -> None:
        super().__init__()
        self.routes: dict[tuple[str | None, str], list[Answer]] = {}
        self.unscripted_status = unscripted_status

    def script(self, path: str, *answers: Answer, method: str | None = None) -> None:
        """Queue answers for `path` (any method), or for `method` and `path` only."""
        with self._lock:
            self.routes[(method, path)] = list(answers)

    def decode_body(self, raw: bytes) -> tuple[Any, bool]:
        return raw, False  # the client tests compare the bytes sent

    def encode_json(self, data: Any) -> bytes:
        return json.dumps(data).encode()

    def dispatch(self, call: Call) -> Response:
        key = (call.method, call.path) if (call.method, call.path) in self.routes else (None, call.path)
        queue = self.routes.get(key)
        if queue is None:
            return Response(self.unscripted_status, {"message": f"unscripted {call.method} {call.path}"})
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        return Response(answer.status, answer.payload(), answer.headers, answer.delay)
