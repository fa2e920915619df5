"""A small closed-loop HTTP load generator: one process per connection, http.client keep-alive, fixed
warm-up and measuring windows, every status checked. No Django here (the processes are spawned)."""

from __future__ import annotations

import http.client
import time
from dataclasses import dataclass, field

# Hard bound per connection and window, whatever the speed of the machine.
MAX_REQUESTS = 500_000
CONNECT_TIMEOUT = 30.0  # also the read timeout: a slower answer counts as an error


@dataclass
class Spec:
    """What one connection sends, over and over: `bodies` are used in turn (None: no body)."""

    method: str
    path: str
    headers: dict[str, str]
    bodies: list[bytes] | None = None
    expect_status: int = 200


@dataclass
class Result:
    requests: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds, measured window only
    body_bytes: int = 0
    reconnects: int = 0
    worker_pid: str = ""


def _connect(port: int) -> http.client.HTTPConnection:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=CONNECT_TIMEOUT)
    conn.connect()
    return conn


class Balance:
    """Spreads keep-alive connections evenly over gunicorn's workers: a keep-alive connection stays
    with the worker that accepted it, and which idle worker wins accept() is up to the kernel. One
    process at a time connects, asks /bench/pid who answered, and reconnects (bounded) while that
    worker already has its share. `slots` is a shared array of (pid, count) pairs."""

    ATTEMPTS = 40

    def __init__(self, lock, slots, share: int):
        self.lock = lock
        self.slots = slots
        self.share = share
        self.pid_of_last = ""

    def _count(self, pid: int) -> tuple[int, int]:
        for i in range(0, len(self.slots), 2):
            if self.slots[i] in (pid, 0):
                return i, self.slots[i + 1]
        return -1, 0

    def claim(self, pid: int, force: bool) -> bool:
        i, count = self._count(pid)
        if i < 0:  # more worker pids than slots (a worker restarted): take it
            return True
        if count >= self.share and not force:
            return False
        self.slots[i] = pid
        self.slots[i + 1] = count + 1
        return True


def _ask_pid(conn: http.client.HTTPConnection) -> tuple[int, bool]:
    conn.request("GET", "/bench/pid")
    resp = conn.getresponse()
    return int(resp.read().decode()), resp.will_close


def _balanced_connection(port: int, balance: Balance) -> http.client.HTTPConnection:
    with balance.lock:
        for attempt in range(balance.ATTEMPTS):
            conn = _connect(port)
            pid, will_close = _ask_pid(conn)
            if will_close:  # no keep-alive (sync workers): every request is balanced by accept()
                conn.close()
                balance.pid_of_last = "per-request"
                return _connect(port)
            if balance.claim(pid, force=attempt == balance.ATTEMPTS - 1):
                balance.pid_of_last = str(pid)
                return conn
            conn.close()
            time.sleep(0.005 * (attempt + 1))
    raise RuntimeError("could not place a connection")  # unreachable: the last attempt is forced


def run_connection(
    port: int, spec: Spec, warmup: float, duration: float, barrier, out, balance: Balance
) -> None:
    """Entry point of one load process: warm up, then measure for `duration` seconds."""
    result = Result()
    conn = None
    try:
        conn = _balanced_connection(port, balance)
        result.worker_pid = balance.pid_of_last
        barrier.wait(timeout=60)
        start = time.perf_counter()
        measure_from = start + warmup
        stop_at = measure_from + duration
        n = 0
        measuring = False
        first = 0.0
        while n < 2 * MAX_REQUESTS:
            now = time.perf_counter()
            if now >= stop_at:
                break
            if not measuring and now >= measure_from:
                measuring = True
                first = now
            body = spec.bodies[n % len(spec.bodies)] if spec.bodies else None
            n += 1
            t0 = time.perf_counter()
            try:
                conn.request(spec.method, spec.path, body=body, headers=spec.headers)
                resp = conn.getresponse()
                data = resp.read()
                ok = resp.status == spec.expect_status
                problem = f"HTTP {resp.status}: {data[:200]!r}" if not ok else ""
                will_close = resp.will_close
            except (OSError, http.client.HTTPException) as exc:
                ok, problem, will_close, data = False, f"{type(exc).__name__}: {exc}", True, b""
            t1 = time.perf_counter()
            if measuring:
                result.requests += 1
                result.latencies.append(t1 - t0)
                result.body_bytes += len(data)
                if not ok:
                    result.errors += 1
                    if len(result.error_samples) < 5:
                        result.error_samples.append(problem)
                if result.requests >= MAX_REQUESTS:
                    break
            if will_close:
                conn.close()
                result.reconnects += 1
                conn = _connect(port)
        result.elapsed = time.perf_counter() - first if measuring else 0.0
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which fails the run
        barrier.abort()
        result.errors += 1
        result.error_samples.append(f"load process failed: {type(exc).__name__}: {exc}")
    finally:
        if conn is not None:
            conn.close()
        out.put(result)
