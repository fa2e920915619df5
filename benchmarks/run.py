"""`make bench`: requests per second of the cart page (10 lines) and the update-line fragment next to a
bare Django view, all served by one gunicorn with production settings, plus the cart page's SQL queries.

Speed is measured and reported, never asserted: the run fails (exit 1) only when a request fails.
Everything is local (127.0.0.1), bounded in time, and cleaned up at the end (also on Ctrl-C).

Knobs (flags or environment): --duration/BENCH_DURATION seconds measured per target (default 10, split
over --rounds/BENCH_ROUNDS interleaved rounds), --warmup/BENCH_WARMUP seconds before each round,
--connections/BENCH_CONNECTIONS concurrent keep-alive connections (one load process each),
--workers/BENCH_WORKERS, --threads/BENCH_THREADS, --worker-class/BENCH_WORKER_CLASS for gunicorn,
BENCH_DATABASE_URL to run against PostgreSQL instead of a throwaway SQLite file."""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import multiprocessing as mp
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.loadgen import Balance, Result, Spec, run_connection  # noqa: E402

OUTPUT = REPO / "bench-output" / "results.json"
CART_LINES = 10
TARGETS = {"cart": 0.15, "fragment": 0.25}  # share of the bare view's requests per second
MAX_QUERIES = 6


# ------------------------------------------------------------------------------------------ machine
def machine() -> dict:
    model = ""
    try:
        for row in Path("/proc/cpuinfo").read_text().splitlines():
            if row.startswith("model name"):
                model = row.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = 0.0
    try:
        for row in Path("/proc/meminfo").read_text().splitlines():
            if row.startswith("MemTotal:"):
                mem_gb = round(int(row.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "nproc": nproc,
        "cpu": model or platform.processor() or "unknown",
        "memory_gb": mem_gb,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


# ------------------------------------------------------------------------------------------ config
def parse_args(nproc: int) -> argparse.Namespace:
    def env(name, default, cast):
        return cast(os.environ.get(name, default))

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--duration", type=float, default=env("BENCH_DURATION", 10, float))
    p.add_argument("--rounds", type=int, default=env("BENCH_ROUNDS", 4, int))
    p.add_argument("--warmup", type=float, default=env("BENCH_WARMUP", 1.0, float))
    p.add_argument("--connections", type=int, default=env("BENCH_CONNECTIONS", 2 * nproc, int))
    p.add_argument("--workers", type=int, default=env("BENCH_WORKERS", nproc, int))
    p.add_argument("--threads", type=int, default=env("BENCH_THREADS", 2, int))
    p.add_argument("--worker-class", default=env("BENCH_WORKER_CLASS", "gthread", str))
    args = p.parse_args()
    args.duration = min(max(args.duration, 1.0), 120.0)
    args.rounds = min(max(args.rounds, 1), 10)
    args.warmup = min(max(args.warmup, 0.0), 30.0)
    args.connections = min(max(args.connections, 1), 64)
    return args


# ------------------------------------------------------------------------------------------ django
def prepare_django(tmp: Path) -> None:
    """Point this process (and, through the environment, gunicorn) at the bench settings, then
    migrate, seed and collect static files into the throwaway directory."""
    static_root = tmp / "static"
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.bench_settings"
    os.environ["BENCH_STATIC_ROOT"] = str(static_root)
    if not os.environ.get("BENCH_DATABASE_URL"):
        os.environ["BENCH_SQLITE_PATH"] = str(tmp / "bench.sqlite3")
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(64)

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("seed_demo", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


def pick_products(n: int) -> tuple[list[tuple[int, int, int]], int]:
    """n in-stock (product id, variant id, quantity) to add, and the index of the one whose quantity
    the fragment benchmark alternates between its minimum and minimum + increment."""
    from storefront.providers.local import models as m

    chosen: list[tuple[int, int, int]] = []
    update_index = -1
    for product in m.Product.objects.prefetch_related("variants").order_by("pk"):
        step_up = product.min_quantity + product.increment
        variant = next((v for v in product.variants.all() if v.stock >= step_up), None)
        if variant is None:
            continue
        if update_index < 0 and product.max_quantity >= step_up:
            update_index = len(chosen)
        chosen.append((product.pk, variant.pk, product.min_quantity))
        if len(chosen) == n:
            break
    if len(chosen) < n or update_index < 0:
        raise SystemExit(f"the demo catalogue has fewer than {n} products in stock")
    return chosen, update_index


def count_queries(products: list[tuple[int, int, int]], update_index: int) -> dict:
    """SQL queries of GET /cart/ with 1 and with 10 lines, in process (Django test client, same
    settings and database): the first view after adding, a steady-state view, and one with a cold
    cache (sessions and the active account then come from the database)."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    def measured(client, method, path, data=None, **headers) -> tuple[int, int, list[str]]:
        with CaptureQueriesContext(connection) as ctx:
            response = getattr(client, method)(path, data, headers=headers)
        return response.status_code, len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries]

    client = Client(SERVER_NAME="127.0.0.1")
    out: dict = {}
    added = 0
    for lines in (1, CART_LINES):
        for product, variant, quantity in products[added:lines]:
            r = client.post("/cart/add/", {"product": product, "size": variant, "quantity": quantity})
            assert r.status_code == 303, f"add to cart answered {r.status_code}"
        added = lines
        status_first, first, _ = measured(client, "get", "/cart/")
        status, steady, sql = measured(client, "get", "/cart/")
        cache.clear()
        status_cold, cold, _ = measured(client, "get", "/cart/")
        page = client.get("/cart/").content
        assert {status_first, status, status_cold} == {200}, "cart page did not answer 200"
        assert page.count(b'data-line-id="') == lines, "cart page does not show the lines"
        out[lines] = {
            "queries": steady,
            "queries_first_view": first,
            "queries_cold_cache": cold,
            "page_bytes": len(page),
            "sql": sql,
        }
    # the update-line fragment, for the record
    from carts.session import CART_ID
    from storefront.providers.local import models as m

    _product, variant, quantity = products[update_index]
    line = m.LocalCartLine.objects.get(cart_id=client.session[CART_ID], variant_id=variant)
    step = line.variant.product.increment
    status, n, sql = measured(
        client, "post", "/cart/update/", {"line": line.pk, "quantity": quantity + step}, hx_request="true"
    )
    out["fragment"] = {"status": status, "queries": n, "sql": sql}
    return out


# ------------------------------------------------------------------------------------------ http
class Browser:
    """Cookie-keeping client for setting up sessions over real HTTP (one connection per request)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, fields: dict | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            hdrs = dict(headers or {})
            body = None
            if fields is not None:
                body = urlencode(fields)
                hdrs["Content-Type"] = "application/x-www-form-urlencoded"
            if self.cookies:
                hdrs["Cookie"] = self.cookie_header()
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            for raw in resp.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(raw).items():
                    self.cookies[name] = morsel.value
            return resp.status, data
        finally:
            conn.close()

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())


def free_listening_socket() -> socket.socket:
    """A socket bound by the OS to a free port on 127.0.0.1; gunicorn inherits it (no race for a port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def wait_healthy(proc: subprocess.Popen, port: int, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            status, _ = Browser(port).request("GET", "/healthz")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn not healthy after {timeout:.0f}s:\n{log.read_text()[-3000:]}")


def build_session(port: int, products: list[tuple[int, int, int]], update_index: int) -> dict:
    """One shopper: product page (csrftoken cookie), ten real add-to-cart form posts, the cart page
    (which shows and clears the "added" messages). Returns the cookies and the line to update."""
    from django.contrib.sessions.backends.cached_db import SessionStore

    from carts.session import CART_ID
    from storefront.providers.local import models as m

    b = Browser(port)
    slug = m.Product.objects.values_list("slug", flat=True).get(pk=products[0][0])
    status, _ = b.request("GET", f"/products/{slug}/")
    if status != 200 or "csrftoken" not in b.cookies:
        raise SystemExit(f"product page answered {status} without a csrftoken cookie")
    for product, variant, quantity in products:
        fields = {
            "csrfmiddlewaretoken": b.cookies["csrftoken"],
            "product": product,
            "size": variant,
            "quantity": quantity,
        }
        status, body = b.request("POST", "/cart/add/", fields)
        if status != 303:
            raise SystemExit(f"add to cart answered {status}: {body[:300]!r}")
    status, page = b.request("GET", "/cart/")
    if status != 200 or page.count(b'data-line-id="') != len(products):
        raise SystemExit(f"cart page answered {status} with {page.count(b'data-line-id=')} lines")
    cart_id = SessionStore(session_key=b.cookies["sessionid"]).get(CART_ID)
    product, variant, quantity = products[update_index]
    line = m.LocalCartLine.objects.get(cart_id=cart_id, variant_id=variant)
    step = line.variant.product.increment
    return {
        "cookies": b.cookie_header(),
        "csrf": b.cookies["csrftoken"],
        "line": line.pk,
        "qty": (quantity, quantity + step),
    }


def specs_for(target: str, session: dict) -> Spec:
    common = {"Host": "127.0.0.1"}
    if target == "bare":
        return Spec("GET", "/bench/bare", common)
    if target == "cart":
        return Spec("GET", "/cart/", {**common, "Cookie": session["cookies"]})
    bodies = [
        urlencode({"csrfmiddlewaretoken": session["csrf"], "line": session["line"], "quantity": q}).encode()
        for q in session["qty"]
    ]
    headers = {
        **common,
        "Cookie": session["cookies"],
        "HX-Request": "true",
        "HX-Target": "cart-lines",
        "HX-Current-URL": "http://127.0.0.1/cart/",
        "X-CSRFToken": session["csrf"],
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return Spec("POST", "/cart/update/", headers, bodies)


TARGET_NAMES = {
    "bare": "bare view       GET /bench/bare",
    "cart": f"cart page       GET /cart/ ({CART_LINES} lines)",
    "fragment": "update fragment POST /cart/update/ (htmx)",
}


def run_phase(
    port: int, gunicorn_workers: int, specs: list[Spec], warmup: float, duration: float, procs: list
) -> list[Result]:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    barrier = ctx.Barrier(len(specs) + 1)
    balance = Balance(
        ctx.Lock(), ctx.Array("q", 2 * gunicorn_workers, lock=False), -(-len(specs) // gunicorn_workers)
    )
    workers = [
        ctx.Process(
            target=run_connection, args=(port, spec, warmup, duration, barrier, out, balance), daemon=True
        )
        for spec in specs
    ]
    procs[:] = workers
    for w in workers:
        w.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait(timeout=60)  # broken: a load process failed before starting; its result says why
    results = [out.get(timeout=warmup + duration + 60) for _ in workers]
    for w in workers:
        w.join(timeout=10)
    procs[:] = []
    return results


def summarise(results: list[Result], measured_seconds: float) -> dict:
    latencies = sorted(x for r in results for x in r.latencies)
    requests = sum(r.requests for r in results)
    errors = sum(r.errors for r in results)

    def pct(p: float) -> float:
        if not latencies:
            return 0.0
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {
        "requests": requests,
        "errors": errors,
        "error_samples": [s for r in results for s in r.error_samples][:5],
        "seconds": round(measured_seconds, 2),
        "rps": round(requests / measured_seconds, 1) if measured_seconds else 0.0,
        "p50_ms": round(pct(0.50), 2),
        "p95_ms": round(pct(0.95), 2),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2) if latencies else 0.0,
        "bytes_per_response": round(sum(r.body_bytes for r in results) / requests) if requests else 0,
        "reconnects": sum(r.reconnects for r in results),
    }


# ------------------------------------------------------------------------------------------ main
def main() -> int:
    info = machine()
    args = parse_args(info["nproc"])
    tmp = Path(tempfile.mkdtemp(prefix="storefront-bench-"))
    gunicorn: subprocess.Popen | None = None
    load_procs: list = []

    def on_sigterm(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)
    load_before = os.getloadavg()
    try:
        t_start = time.monotonic()
        print(
            f"machine: {info['nproc']} CPU ({info['cpu']}), {info['memory_gb']} GB, "
            f"Python {info['python']}, {info['platform']}"
        )
        prepare_django(tmp)
        import django
        from django.conf import settings
        from django.db import connections

        vendor = connections["default"].vendor
        db_label = (
            f"{vendor} (BENCH_DATABASE_URL)"
            if os.environ.get("BENCH_DATABASE_URL")
            else f"{vendor}, fresh temp file"
        )
        products, update_index = pick_products(CART_LINES)
        queries = count_queries(products, update_index)
        connections.close_all()

        # ---- gunicorn
        sock = free_listening_socket()
        port = sock.getsockname()[1]
        log = tmp / "gunicorn.log"
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "storefront.wsgi:application",
            "--bind",
            f"fd://{sock.fileno()}",
            "--workers",
            str(args.workers),
            "--worker-class",
            args.worker_class,
            "--threads",
            str(args.threads),
            "--keep-alive",
            "30",
            "--chdir",
            str(REPO),
            "--error-logfile",
            str(log),
            "--log-level",
            "warning",
            "--graceful-timeout",
            "5",
        ]
        import gunicorn as gunicorn_pkg

        config = {
            "server": f"gunicorn {gunicorn_pkg.__version__}",
            "workers": args.workers,
            "worker_class": args.worker_class,
            "threads": args.threads,
            "keep_alive": 30,
            "connections": args.connections,
            "settings": "benchmarks.bench_settings (storefront.settings, DEBUG=False, no SSL redirect)",
            "database": db_label,
            "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
            "session_engine": settings.SESSION_ENGINE,
            "duration_s": args.duration,
            "rounds": args.rounds,
            "warmup_s": args.warmup,
            "django": django.get_version(),
        }
        print(
            f"server: {config['server']}, {args.workers} workers x {args.threads} threads "
            f"({args.worker_class}), keep-alive, 127.0.0.1:{port}; Django {config['django']}, "
            f"DEBUG=False, {db_label}, cache {config['cache']}, sessions {settings.SESSION_ENGINE}"
        )
        print(
            f"load: {args.connections} keep-alive connections (one process each), per target "
            f"{args.rounds} round(s) x ({args.warmup:g}s warm-up + {args.duration / args.rounds:g}s "
            "measured), targets interleaved"
        )
        gunicorn = subprocess.Popen(
            cmd,
            cwd=REPO,
            env=os.environ.copy(),
            pass_fds=(sock.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        sock.close()
        wait_healthy(gunicorn, port, log)

        sessions = [build_session(port, products, update_index) for _ in range(args.connections)]
        connections.close_all()

        # ---- measure, rounds interleaved so drift hits every target alike
        per_round = args.duration / args.rounds
        collected: dict[str, list[Result]] = {t: [] for t in TARGET_NAMES}
        seconds: dict[str, float] = {t: 0.0 for t in TARGET_NAMES}
        spreads: list[str] = []
        for _ in range(args.rounds):
            for target in TARGET_NAMES:
                specs = [specs_for(target, s) for s in sessions]
                results = run_phase(port, args.workers, specs, args.warmup, per_round, load_procs)
                collected[target].extend(results)
                seconds[target] += statistics.fmean(r.elapsed for r in results) if results else 0.0
                per_worker: dict[str, int] = {}
                for r in results:
                    per_worker[r.worker_pid] = per_worker.get(r.worker_pid, 0) + 1
                spreads.append(f"{target} " + "/".join(str(n) for n in sorted(per_worker.values())))
        summary = {t: summarise(collected[t], seconds[t]) for t in TARGET_NAMES}
        bare_rps = summary["bare"]["rps"] or 1.0
        for target, s in summary.items():
            s["vs_bare"] = round(s["rps"] / bare_rps, 3)
            s["target"] = TARGETS.get(target)
            s["meets_target"] = None if target == "bare" else s["vs_bare"] >= TARGETS[target]
    except KeyboardInterrupt:
        print("interrupted; stopping", file=sys.stderr)
        return 130
    finally:
        for p in load_procs:
            if p.is_alive():
                p.terminate()
        if gunicorn is not None:
            stop(gunicorn)
            server_log = (tmp / "gunicorn.log").read_text() if (tmp / "gunicorn.log").exists() else ""
            if server_log.strip():
                print("gunicorn log (tail):\n" + server_log[-3000:], file=sys.stderr)
        shutil.rmtree(tmp, ignore_errors=True)

    # ---- report
    print()
    columns = ("requests", "errors", "req/s", "p50 ms", "p95 ms", "bytes", "vs bare")
    header = (
        f"{'target':44} "
        + " ".join(f"{c:>{w}}" for c, w in zip(columns, (9, 6, 8, 7, 7, 7, 8), strict=True))
        + "  goal"
    )
    print(header)
    print("-" * len(header))
    for target, s in summary.items():
        goal = "" if s["target"] is None else f">= {s['target']:.0%} {'ok' if s['meets_target'] else 'BELOW'}"
        print(
            f"{TARGET_NAMES[target]:44} {s['requests']:>9} {s['errors']:>6} {s['rps']:>8.1f} "
            f"{s['p50_ms']:>7.2f} {s['p95_ms']:>7.2f} {s['bytes_per_response']:>7} "
            f"{s['vs_bare']:>8.1%}  {goal}"
        )
    print()
    q1, q10 = queries[1], queries[CART_LINES]
    print(
        f"cart page SQL queries (steady state): 1 line: {q1['queries']}, "
        f"{CART_LINES} lines: {q10['queries']} "
        f"(limit {MAX_QUERIES}: {'ok' if max(q1['queries'], q10['queries']) <= MAX_QUERIES else 'OVER'}); "
        f"first view after adding: {q1['queries_first_view']} / {q10['queries_first_view']}; "
        f"cold cache: {q1['queries_cold_cache']} / {q10['queries_cold_cache']}"
    )
    print(
        f"cart page size: 1 line {q1['page_bytes'] / 1024:.1f} KB, {CART_LINES} lines "
        f"{q10['page_bytes'] / 1024:.1f} KB; update fragment ({CART_LINES} lines): "
        f"{queries['fragment']['queries']} SQL statements, "
        f"{summary['fragment']['bytes_per_response'] / 1024:.1f} KB"
        + (
            ""
            if queries["fragment"]["status"] == 200
            else f" (in-process status {queries['fragment']['status']})"
        )
    )
    distinct = sorted(set(s.split(" ", 1)[1] for s in spreads))
    print(f"keep-alive connections per gunicorn worker: {', '.join(distinct)} (over {len(spreads)} phases)")
    load_after = os.getloadavg()
    busy = max(load_before[0], load_after[0]) > 0.5 * info["nproc"]
    print(
        f"load average before/after: {load_before[0]:.2f}/{load_after[0]:.2f} on {info['nproc']} CPUs"
        + ("  (busy machine: other work shares these CPUs; compare ratios, not req/s)" if busy else "")
    )
    errors = sum(s["errors"] for s in summary.values())
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_text(
        json.dumps(
            {
                "machine": info,
                "config": config,
                "results": summary,
                "queries": {str(k): v for k, v in queries.items()},
                "errors": errors,
                "connections_per_worker": spreads,
                "load_average_before_after": [load_before[0], os.getloadavg()[0]],
                "wall_seconds": round(time.monotonic() - t_start, 1),
            },
            indent=2,
        )
    )
    print(f"written {OUTPUT.relative_to(REPO)} ({time.monotonic() - t_start:.0f}s)")
    if errors:
        print(f"\nERRORS: {errors} failed requests; the numbers above are not valid", file=sys.stderr)
        for target, s in summary.items():
            for sample in s["error_samples"]:
                print(f"  {target}: {sample}", file=sys.stderr)
        return 1
    return 0


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM to the gunicorn arbiter we started (it stops its workers); SIGKILL its process group
    (its own session, made by us) if it does not go in time."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


if __name__ == "__main__":
    sys.exit(main())
