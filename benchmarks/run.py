"""`make bench`: requests per second of the cart page (10 lines) and the update-line fragment next to a
bare Django view, anonymous and signed in, all served by one gunicorn with production settings and
loaded by `wrk`, plus each page's SQL queries; on SQLite, and on PostgreSQL too with BENCH_DATABASE_URL.

Speed is measured and reported, never asserted: the run fails (exit 1) only when a request fails.
Everything is local (127.0.0.1), bounded in time, and cleaned up at the end (also on Ctrl-C).

Knobs (flags or environment): --duration/BENCH_DURATION seconds measured per target and database
(default 16, split over --rounds/BENCH_ROUNDS interleaved rounds), --warmup/BENCH_WARMUP seconds of
load before each measured round, --connections/BENCH_CONNECTIONS concurrent keep-alive connections
(one wrk thread and one shopper each), --workers/BENCH_WORKERS, --threads/BENCH_THREADS,
--worker-class/BENCH_WORKER_CLASS for gunicorn, BENCH_DATABASE_URL to measure PostgreSQL as well as a
throwaway SQLite file (each database is measured by its own run of this script, `--database`)."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

OUTPUT = REPO / "bench-output" / "results.json"
WRK = shutil.which("wrk") or "/usr/bin/wrk"
WRK_SCRIPT = Path(__file__).resolve().parent / "wrk.lua"
CART_LINES = 10
TARGETS = {"cart": 0.15, "fragment": 0.25}  # share of the bare view's requests per second
MAX_QUERIES = 6
SHOPPERS = ("anonymous", "signed_in")
WRK_TIMEOUT_S = 10  # a slower answer counts as an error
DATABASE_RUN_TIMEOUT_S = 20 * 60  # hard bound for one database, whatever the knobs say


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


def wrk_version() -> str:
    out = subprocess.run([WRK, "--version"], capture_output=True, text=True, timeout=10)
    return (out.stdout or out.stderr).split("[", 1)[0].strip() or "wrk"


# ------------------------------------------------------------------------------------------ config
def parse_args() -> argparse.Namespace:
    def env(name, default, cast):
        return cast(os.environ.get(name, default))

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--duration", type=float, default=env("BENCH_DURATION", 16, float))
    p.add_argument("--rounds", type=int, default=env("BENCH_ROUNDS", 4, int))
    p.add_argument("--warmup", type=float, default=env("BENCH_WARMUP", 1, float))
    p.add_argument("--connections", type=int, default=env("BENCH_CONNECTIONS", 4, int))
    p.add_argument("--workers", type=int, default=env("BENCH_WORKERS", 2, int))
    p.add_argument("--threads", type=int, default=env("BENCH_THREADS", 2, int))
    p.add_argument("--worker-class", default=env("BENCH_WORKER_CLASS", "gthread", str))
    # internal: measure one database and write its results to --output (the parent run does this)
    p.add_argument("--database", choices=("sqlite", "postgresql"), help=argparse.SUPPRESS)
    p.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args()
    args.rounds = min(max(args.rounds, 1), 10)
    # wrk takes whole seconds
    args.round_seconds = min(max(round(args.duration / args.rounds), 1), 60)
    args.warmup = min(max(round(args.warmup), 0), 30)
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


def _cart_line(cart_id: str, variant: int):
    from storefront.providers.local import models as m

    return m.LocalCartLine.objects.select_related("variant__product").get(cart_id=cart_id, variant_id=variant)


def count_queries(products: list[tuple[int, int, int]], update_index: int) -> dict:
    """SQL queries in process (Django test client, same settings and database), anonymous and
    signed in: GET /cart/ with 1 and with 10 lines (the first view after adding, a steady-state view,
    and one with a cold cache: sessions and the active account then come from the database), the
    update-line fragment, and the bare view."""
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from carts.session import CART_ID

    def measured(client, method, path, data=None, **headers) -> tuple[int, int, list[str]]:
        with CaptureQueriesContext(connection) as ctx:
            response = getattr(client, method)(path, data, headers=headers)
        return response.status_code, len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries]

    status, n, _ = measured(Client(SERVER_NAME="127.0.0.1"), "get", "/bench/bare")
    assert status == 200, f"bare view answered {status}"
    out: dict = {"bare": {"queries": n}}
    for shopper in SHOPPERS:
        client = Client(SERVER_NAME="127.0.0.1")
        if shopper == "signed_in":
            user = get_user_model().objects.create_user(
                username=f"queries-{secrets.token_hex(4)}@bench.local",
                email=f"queries-{secrets.token_hex(4)}@bench.local",
                first_name="Bench",
            )  # no password: force_login needs none, and hashing one would only cost time
            client.force_login(user, backend="storefront.accounts.EmailBackend")
        mine: dict = {}
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
            mine[lines] = {
                "queries": steady,
                "queries_first_view": first,
                "queries_cold_cache": cold,
                "page_bytes": len(page),
                "sql": sql,
            }
        _product, variant, quantity = products[update_index]
        line = _cart_line(client.session[CART_ID], variant)
        step = line.variant.product.increment
        fragment = []
        for q in (quantity + step, quantity):  # both ways, as the load alternates them
            status, n, sql = measured(
                client, "post", "/cart/update/", {"line": line.pk, "quantity": q}, hx_request="true"
            )
            assert status == 200, f"update-line answered {status}"
            fragment.append((n, sql))
        mine["fragment"] = {"queries": max(n for n, _ in fragment), "sql": fragment[0][1]}
        out[shopper] = mine
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


def build_session(port: int, products: list[tuple[int, int, int]], update_index: int, shopper: str) -> dict:
    """One shopper, through the real pages: signed in by the sign-up form (a new account) or
    anonymous with a product page visit (csrftoken cookie), ten real add-to-cart form posts, the
    cart page (which shows and clears the "added" messages). Returns the cookies, the CSRF token
    and the line to update with its two quantities."""
    from django.contrib.sessions.backends.cached_db import SessionStore

    from carts.session import CART_ID
    from storefront.providers.local import models as m

    b = Browser(port)
    if shopper == "signed_in":
        status, _ = b.request("GET", "/accounts/signup/")
        if status != 200 or "csrftoken" not in b.cookies:
            raise SystemExit(f"sign-up page answered {status} without a csrftoken cookie")
        fields = {
            "csrfmiddlewaretoken": b.cookies["csrftoken"],
            "name": "Bench Shopper",
            "email": f"bench-{secrets.token_hex(6)}@bench.local",
            "password": secrets.token_urlsafe(16),
        }
        status, body = b.request("POST", "/accounts/signup/", fields)
        if status != 303:
            raise SystemExit(f"sign-up answered {status}: {body[:300]!r}")
    else:
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
    _product, variant, quantity = products[update_index]
    line = _cart_line(cart_id, variant)
    return {
        "cookies": b.cookie_header(),
        "csrf": b.cookies["csrftoken"],
        "line": line.pk,
        "qty": (quantity + line.variant.product.increment, quantity),
    }


# ------------------------------------------------------------------------------------------ wrk
PHASES = {  # measured in this order in every round
    "bare": ("bare", None),
    "cart/anonymous": ("cart", "anonymous"),
    "fragment/anonymous": ("fragment", "anonymous"),
    "cart/signed_in": ("cart", "signed_in"),
    "fragment/signed_in": ("fragment", "signed_in"),
}
TARGET_NAMES = {
    "bare": "bare view        GET /bench/bare",
    "cart": f"cart page        GET /cart/ ({CART_LINES} lines)",
    "fragment": "update fragment  POST /cart/update/ (htmx)",
}


def wrk_spec(target: str, sessions: list[dict]) -> dict:
    """What each wrk connection sends (see benchmarks/wrk.lua): one shopper per connection."""
    if target == "bare":
        return {"method": "GET", "path": "/bench/bare", "expect": 200, "shoppers": [{"headers": {}}]}
    if target == "cart":
        shoppers = [{"headers": {"Cookie": s["cookies"]}} for s in sessions]
        return {"method": "GET", "path": "/cart/", "expect": 200, "shoppers": shoppers}
    shoppers = [
        {
            "headers": {
                "Cookie": s["cookies"],
                "HX-Request": "true",
                "HX-Target": "cart-lines",
                "HX-Current-URL": "http://127.0.0.1/cart/",
                "X-CSRFToken": s["csrf"],
                "Content-Type": "application/x-www-form-urlencoded",
            },
            "bodies": [urlencode({"line": s["line"], "quantity": q}) for q in s["qty"]],
        }
        for s in sessions
    ]
    return {"method": "POST", "path": "/cart/update/", "expect": 200, "shoppers": shoppers}


_LUA_SAFE = re.compile(r"[ -~]*")  # printable ASCII


def to_lua(value) -> str:
    """A Lua literal of str/int/list/dict values (cookies, tokens, form bodies: printable ASCII)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        if not _LUA_SAFE.fullmatch(value):
            raise ValueError(f"not printable ASCII: {value!r}")
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "{" + ", ".join(to_lua(v) for v in value) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{to_lua(k)}] = {to_lua(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def run_wrk(port: int, spec: dict, seconds: int, connections: int, workers: int, tmp: Path) -> dict:
    """One wrk run: `connections` threads with one keep-alive connection each, spread evenly over
    gunicorn's workers; the summary that benchmarks/wrk.lua prints, and how the connections sat."""
    run = secrets.token_hex(8)
    spec = {**spec, "placement": {"run": run, "share": -(-connections // workers)}}
    spec_file = tmp / "wrk_spec.lua"
    spec_file.write_text("return " + to_lua(spec) + "\n")
    cmd = [
        WRK,
        "--threads",
        str(connections),
        "--connections",
        str(connections),
        "--duration",
        f"{seconds}s",
        "--timeout",
        f"{WRK_TIMEOUT_S}s",
        "--script",
        str(WRK_SCRIPT),
        f"http://127.0.0.1:{port}{spec['path']}",
    ]
    env = {**os.environ, "BENCH_WRK_SPEC": str(spec_file)}
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 60)
    line = next((x for x in out.stdout.splitlines() if x.startswith("BENCH_RESULT ")), None)
    if out.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({out.returncode}):\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    result = json.loads(line.split(" ", 1)[1])
    placed_file = Path(os.environ["BENCH_PLACEMENT_DIR"]) / f"{run}.json"
    placed = json.loads(placed_file.read_text()).values() if placed_file.exists() else []
    result["connections_per_worker"] = sorted((list(placed).count(pid) for pid in set(placed)), reverse=True)
    result["errors"] = sum(
        result[k] for k in ("unexpected_status", "connect_errors", "read_errors", "write_errors", "timeouts")
    )
    return result


def summarise(rounds: list[dict]) -> dict:
    """Totals over the measured rounds; latency percentiles are the median of the rounds' own."""
    requests = sum(r["requests"] for r in rounds)
    seconds = sum(r["duration_us"] for r in rounds) / 1e6
    errors = sum(r["errors"] for r in rounds)
    return {
        "requests": requests,
        "errors": errors,
        "error_samples": [r["sample"] for r in rounds if r["sample"]][:5],
        "seconds": round(seconds, 2),
        "rps": round(requests / seconds, 1) if seconds else 0.0,
        "rps_per_round": [round(r["requests"] / (r["duration_us"] / 1e6), 1) for r in rounds],
        "p50_ms": round(statistics.median(r["p50_us"] for r in rounds) / 1000, 2),
        "p95_ms": round(statistics.median(r["p95_us"] for r in rounds) / 1000, 2),
        "p99_ms": round(statistics.median(r["p99_us"] for r in rounds) / 1000, 2),
        "bytes_per_response": round(sum(r["body_bytes"] for r in rounds) / requests) if requests else 0,
        "connections_per_worker": ["/".join(map(str, r["connections_per_worker"])) for r in rounds],
    }


# ------------------------------------------------------------------------------------------ one database
def measure_database(args: argparse.Namespace) -> dict:
    """Everything for the database this process was started for; returns the results."""
    tmp = Path(tempfile.mkdtemp(prefix="storefront-bench-"))
    gunicorn: subprocess.Popen | None = None
    try:
        prepare_django(tmp)
        import django
        import gunicorn as gunicorn_pkg
        from django.conf import settings
        from django.db import connections

        vendor = connections["default"].vendor
        where = "BENCH_DATABASE_URL" if args.database == "postgresql" else "fresh temp file"
        db_label = f"{vendor} ({where})"
        products, update_index = pick_products(CART_LINES)
        queries = count_queries(products, update_index)
        connections.close_all()

        # ---- gunicorn
        os.environ["BENCH_PLACEMENT_DIR"] = str(tmp / "placement")  # see bench_urls.place
        (tmp / "placement").mkdir()
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
        config = {
            "server": f"gunicorn {gunicorn_pkg.__version__}",
            "load": wrk_version(),
            "workers": args.workers,
            "worker_class": args.worker_class,
            "threads": args.threads,
            "keep_alive": 30,
            "connections": args.connections,
            "settings": "benchmarks.bench_settings (storefront.settings, DEBUG=False, no SSL redirect)",
            "database": db_label,
            "conn_max_age": settings.DATABASES["default"]["CONN_MAX_AGE"],
            "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
            "session_engine": settings.SESSION_ENGINE,
            "rounds": args.rounds,
            "round_seconds": args.round_seconds,
            "warmup_s": args.warmup,
            "django": django.get_version(),
        }
        print(f"[{args.database}] migrated and seeded; serving on 127.0.0.1:{port}", flush=True)
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

        sessions = {
            shopper: [build_session(port, products, update_index, shopper) for _ in range(args.connections)]
            for shopper in SHOPPERS
        }
        connections.close_all()
        print(
            f"[{args.database}] {args.connections} anonymous and {args.connections} signed-in shoppers "
            f"with {CART_LINES}-line carts; measuring",
            flush=True,
        )

        # ---- measure, rounds interleaved so drift hits every target alike
        collected: dict[str, list[dict]] = {phase: [] for phase in PHASES}
        for _ in range(args.rounds):
            for phase, (target, shopper) in PHASES.items():
                spec = wrk_spec(target, sessions.get(shopper, []))
                if args.warmup:
                    run_wrk(port, spec, args.warmup, args.connections, args.workers, tmp)
                collected[phase].append(
                    run_wrk(port, spec, args.round_seconds, args.connections, args.workers, tmp)
                )
        summary = {phase: summarise(rounds) for phase, rounds in collected.items()}
        bare = summary["bare"]
        for phase, (target, shopper) in PHASES.items():
            s = summary[phase]
            s["target"], s["shopper"] = target, shopper
            s["vs_bare"] = round(s["rps"] / (bare["rps"] or 1.0), 3)
            s["vs_bare_per_round"] = [
                round(r / b, 3) for r, b in zip(s["rps_per_round"], bare["rps_per_round"], strict=True) if b
            ]
            s["goal"] = TARGETS.get(target)
            s["meets_goal"] = None if s["goal"] is None else s["vs_bare"] >= s["goal"]
            s["queries"] = (
                queries["bare"]["queries"]
                if target == "bare"
                else queries[shopper][CART_LINES]["queries"]
                if target == "cart"
                else queries[shopper]["fragment"]["queries"]
            )
        return {"config": config, "results": summary, "queries": queries}
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # let the clean-up finish
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if gunicorn is not None:
            stop(gunicorn)
            server_log = (tmp / "gunicorn.log").read_text() if (tmp / "gunicorn.log").exists() else ""
            if server_log.strip():
                print("gunicorn log (tail):\n" + server_log[-3000:], file=sys.stderr)
        shutil.rmtree(tmp, ignore_errors=True)


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


# ------------------------------------------------------------------------------------------ main
def databases() -> dict[str, dict[str, str]]:
    """Each database measured, with the environment of its run: always a throwaway SQLite file,
    and PostgreSQL when BENCH_DATABASE_URL names one."""
    base = {k: v for k, v in os.environ.items() if k != "BENCH_DATABASE_URL"}
    out = {"sqlite": base}
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if url:
        if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
            raise SystemExit("BENCH_DATABASE_URL must be a PostgreSQL URL (SQLite is always measured)")
        out["postgresql"] = {**base, "BENCH_DATABASE_URL": url}
    return out


def run_database(name: str, env: dict[str, str], out_file: Path) -> dict:
    """This script again, for one database (its own Django setup and gunicorn)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--database", name, "--output", str(out_file)]
    cmd += sys.argv[1:]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env)
    try:
        proc.wait(timeout=DATABASE_RUN_TIMEOUT_S)
    except (KeyboardInterrupt, subprocess.TimeoutExpired):
        if proc.poll() is None:
            proc.terminate()  # it stops its gunicorn and removes its files
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        raise
    if proc.returncode != 0 or not out_file.exists():
        raise SystemExit(f"the {name} run failed (exit {proc.returncode})")
    return json.loads(out_file.read_text())


def print_report(name: str, run: dict) -> None:
    c = run["config"]
    print()
    print(
        f"{c['database']}: {c['server']}, {c['workers']} workers x {c['threads']} threads "
        f"({c['worker_class']}), Django {c['django']}, DEBUG=False, CONN_MAX_AGE={c['conn_max_age']}, "
        f"cache {c['cache']}, sessions {c['session_engine']}"
    )
    print(
        f"load: {c['load']}, {c['connections']} keep-alive connections (one shopper each), "
        f"{c['rounds']} interleaved round(s) x ({c['warmup_s']}s warm-up + {c['round_seconds']}s measured)"
    )
    columns = (("shopper", 10), ("req/s", 8), ("p50 ms", 7), ("p95 ms", 7), ("bytes", 7), ("queries", 7))
    header = (
        f"{'target':46}" + " ".join(f"{t:>{w}}" for t, w in columns) + f" {'vs bare':>8} {'rounds':>13}  goal"
    )
    print(header)
    print("-" * len(header))
    for s in run["results"].values():
        per_round = s["vs_bare_per_round"]
        spread = "" if s["target"] == "bare" else f"{min(per_round):.1%}-{max(per_round):.1%}"
        goal = "" if s["goal"] is None else f">= {s['goal']:.0%} {'ok' if s['meets_goal'] else 'BELOW'}"
        shopper = {"anonymous": "anonymous", "signed_in": "signed in"}.get(s["shopper"], "-")
        print(
            f"{TARGET_NAMES[s['target']]:46}{shopper:>10} {s['rps']:>8.1f} {s['p50_ms']:>7.2f} "
            f"{s['p95_ms']:>7.2f} {s['bytes_per_response']:>7} {s['queries']:>7} {s['vs_bare']:>8.1%} "
            f"{spread:>13}  {goal}"
        )
    for shopper in SHOPPERS:
        q = run["queries"][shopper]
        q1, q10 = q["1"], q[str(CART_LINES)]
        worst = max(q1["queries"], q10["queries"])
        print(
            f"{shopper.replace('_', ' ')}: cart page queries 1 line {q1['queries']}, {CART_LINES} lines "
            f"{q10['queries']} (limit {MAX_QUERIES}: {'ok' if worst <= MAX_QUERIES else 'OVER'}; first view "
            f"after adding {q1['queries_first_view']}/{q10['queries_first_view']}, cold cache "
            f"{q1['queries_cold_cache']}/{q10['queries_cold_cache']}); page {q1['page_bytes'] / 1024:.1f} KB "
            f"/ {q10['page_bytes'] / 1024:.1f} KB; update fragment {q['fragment']['queries']} queries"
        )
    layouts = [x for s in run["results"].values() for x in s["connections_per_worker"]]
    print(
        "keep-alive connections per gunicorn worker: "
        + ", ".join(f"{x} ({layouts.count(x)} runs)" for x in sorted(set(layouts), reverse=True))
    )
    errors = sum(s["errors"] for s in run["results"].values())
    if errors:
        print(f"{errors} FAILED requests on {name}; its numbers are not valid", file=sys.stderr)
        for phase, s in run["results"].items():
            for sample in s["error_samples"]:
                print(f"  {phase}: {sample}", file=sys.stderr)


def main() -> int:
    args = parse_args()

    def on_sigterm(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)
    if args.database:  # one database, for the parent run below
        try:
            result = measure_database(args)
        except KeyboardInterrupt:
            return 130
        args.output.write_text(json.dumps(result))
        return 0

    if not os.access(WRK, os.X_OK):
        raise SystemExit("wrk is not installed: `make bench` installs it (Debian package wrk)")
    info = machine()
    t_start = time.monotonic()
    load_before = os.getloadavg()
    print(
        f"machine: {info['nproc']} CPU ({info['cpu']}), {info['memory_gb']} GB, "
        f"Python {info['python']}, {info['platform']}",
        flush=True,
    )
    runs: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="storefront-bench-results-") as results_dir:
        try:
            for name, env in databases().items():
                runs[name] = run_database(name, env, Path(results_dir) / f"{name}.json")
        except KeyboardInterrupt:
            print("interrupted; stopped", file=sys.stderr)
            return 130

    for name, run in runs.items():
        print_report(name, run)
    print()
    load_after = os.getloadavg()
    busy = max(load_before[0], load_after[0]) > 0.5 * info["nproc"]
    print(
        f"load average before/after: {load_before[0]:.2f}/{load_after[0]:.2f} on {info['nproc']} CPUs"
        + ("  (busy machine: other work shares these CPUs; compare ratios, not req/s)" if busy else "")
    )
    errors = sum(s["errors"] for run in runs.values() for s in run["results"].values())
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_text(
        json.dumps(
            {
                "machine": info,
                "databases": runs,
                "errors": errors,
                "load_average_before_after": [load_before[0], load_after[0]],
                "wall_seconds": round(time.monotonic() - t_start, 1),
            },
            indent=2,
        )
    )
    print(f"written {OUTPUT.relative_to(REPO)} ({time.monotonic() - t_start:.0f}s)")
    if errors:
        print(f"\nERRORS: {errors} failed requests; the numbers above are not valid", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
