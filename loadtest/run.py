"""`make loadtest`: the storefront under gunicorn on PostgreSQL and Redis, driven by Locust.

For each provider in --providers (default: `local`, then `fynd`), on a throwaway PostgreSQL database
and a flushed Redis database:

1. migrate and seed the demo store once (a template database each run is cloned from; stock raised
   so nobody runs out), collect static files;
   for `fynd`: start the fake Fynd server (tests/fakes/fynd_server.py) in this process, answering
   every call after --latency-ms (80 ms), and make it the active provider (`manage.py provider add`);
2. serve storefront.wsgi with gunicorn (--workers × --threads gthread, production settings:
   loadtest/settings.py);
3. run Locust headless (loadtest/locustfile.py) with --users shoppers for --duration seconds;
4. print throughput, p50/p95/p99 per step and the error count, and compare the orders the journeys
   were told were placed with the orders in the database (and, for Fynd, upstream): none may be lost
   or doubled;
5. stop everything and drop the database.

It exits 1 on any 5xx, on an order lost or doubled, or when no journey placed an order. Results go
to loadtest-output/results.json (and Locust's CSV files beside it).

    python loadtest/run.py --users 100 --duration 60 [--providers local,fynd] [--latency-ms 80]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "loadtest-output"
STEPS = (
    "home",
    "search",
    "product",
    "add",
    "cart",
    "update",
    "coupon",
    "address",
    "checkout",
    "place order",
    "confirmation",
)
LOCAL_ADDRESS = {
    "name": "Meera Iyer",
    "phone": "9845012345",
    "line1": "7 Residency Road",
    "line2": "Ashok Nagar",
    "city": "Bengaluru",
    "state": "Karnataka",
    "pincode": "560001",
    "country": "India",
}
FYND_ADDRESS = {
    "name": "Asha Rao",
    "phone": "9876543210",
    "line1": "12 Link Road",
    "line2": "Andheri West",
    "city": "Mumbai",
    "state": "Maharashtra",
    "pincode": "400059",
    "country": "India",
}
# the fake Fynd server's catalogue (tests/fakes/fynd_server.py): (slug, item id, size)
FYND_ITEMS = (
    ("classic-cotton-tshirt", "7501", "M"),
    ("slim-fit-denim-jeans", "7502", "32"),
    ("ceramic-coffee-mug", "7503", "OS"),
    ("striped-polo-tshirt", "7506", "L"),
)

# What the local plan buys: in stock, one at a time, at least ₹250 (two of them reach WELCOME10's ₹500)
LOCAL_PLAN = """
import json
from decimal import Decimal
from storefront.providers.local.models import Variant
Variant.objects.update(stock=1_000_000)
rows = (
    Variant.objects.filter(product__min_quantity=1, product__increment=1, product__max_quantity__gte=2,
                           price__gte=Decimal("250"))
    .select_related("product").order_by("product__slug", "position")
)
items, seen = [], set()
for v in rows:
    if v.product_id in seen:
        continue
    seen.add(v.product_id)
    items.append({"slug": v.product.slug, "product": str(v.product_id),
                  "size": str(v.pk) if v.product.has_sizes else "", "quantity": 1, "update_to": 2,
                  "name": v.product.name})
print(json.dumps(items[:12]))
"""
ORDERS = """
import json
from storefront.models import OrderAttempt
from storefront.providers.local.models import Order
print(json.dumps({
    "local": list(Order.objects.values_list("number", flat=True)),
    "ledger": [[a.upstream_id or a.reference, a.state] for a in OrderAttempt.objects.all()],
}))
"""


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=int(os.environ.get("USERS", 100)))
    parser.add_argument("--duration", type=int, default=int(os.environ.get("DURATION", 60)), help="seconds")
    parser.add_argument(
        "--spawn-rate", type=float, default=0, help="users started per second (default: all in 5 s)"
    )
    parser.add_argument("--providers", default=os.environ.get("LOADTEST_PROVIDERS", "local,fynd"))
    parser.add_argument("--latency-ms", type=float, default=80, help="the fake Fynd server's answer time")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("LOADTEST_WORKERS", 4)))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("LOADTEST_THREADS", 8)))
    parser.add_argument(
        "--postgres", default=os.environ.get("LOADTEST_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument("--redis", default=os.environ.get("LOADTEST_REDIS", "redis://127.0.0.1:6379/12"))
    return parser.parse_args(argv)


# ----------------------------------------------------------------------------- services


def admin_sql(postgres: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{postgres}/postgres", autocommit=True) as conn:
        conn.execute(statement)


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    if result.returncode != 0:
        raise SystemExit(
            f"manage.py {' '.join(args[:2])} failed:\n{result.stdout[-2000:]}{result.stderr[-3000:]}"
        )
    return result.stdout


def wait_healthy(port: int, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer,
        ):
            if answer.status == 200:
                return
        time.sleep(0.3)
    raise SystemExit(f"gunicorn not healthy after {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def stop(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# ----------------------------------------------------------------------------- one provider


def django_env(args: argparse.Namespace, db: str, static_root: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "loadtest.settings",
        "LOADTEST_DATABASE_URL": f"{args.postgres}/{db}",
        "LOADTEST_CACHE_URL": args.redis.replace("redis://", "rediscache://", 1),
        "LOADTEST_STATIC_ROOT": static_root,
        "PYTHONPATH": str(ROOT),
    }


def prepare_template(args: argparse.Namespace, template: str, static_root: str) -> None:
    """The migrated, seeded demo store every provider's run starts from (cloned per run), and the
    static files."""
    env = django_env(args, template, static_root)
    admin_sql(args.postgres, f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
    admin_sql(args.postgres, f'CREATE DATABASE "{template}"')
    print(f"migrating and seeding {template}, collecting static files …", flush=True)
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo")
    manage(env, "collectstatic", "--noinput")


def scenario(name: str, args: argparse.Namespace, template: str, static_root: str) -> dict:
    db = f"storefront_load_{os.getpid()}_{name}"
    env = django_env(args, db, static_root)
    work = OUT / name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    fake = gunicorn = None
    admin_sql(args.postgres, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    admin_sql(args.postgres, f'CREATE DATABASE "{db}" TEMPLATE "{template}"')
    try:
        flush_redis(args.redis)
        if name == "local":
            items = json.loads(manage(env, "shell", "-c", LOCAL_PLAN).strip().splitlines()[-1])
            searches = sorted({item["name"].split()[0].lower() for item in items})[:6]
            plan = {"items": items, "searches": searches, "coupon": "WELCOME10", "address": LOCAL_ADDRESS}
        elif name == "fynd":
            from tests.fakes.fynd_server import start_fake_fynd

            fake = start_fake_fynd()
            fake.latency = args.latency_ms / 1000
            for slug, _, size in FYND_ITEMS:
                fake.set_stock(slug, size, 1_000_000)
            manage(
                env, "provider", "add", "--kind", "fynd", "--name", "fynd-load", "--base-url", fake.base_url,
                "--set", f"application_id={fake.app_id}", "--set", f"application_token={fake.app_token}",
                "--activate",
            )  # fmt: skip
            items = [
                {"slug": slug, "product": pid, "size": size, "quantity": 1, "update_to": 2}
                for slug, pid, size in FYND_ITEMS
            ]
            plan = {"items": items, "searches": ["shirt", "coffee", "jeans"], "coupon": "WELCOME10"}
            plan["address"] = FYND_ADDRESS
        else:
            raise SystemExit(f"unknown provider {name!r}: local or fynd")
        (work / "plan.json").write_text(json.dumps(plan, indent=1))

        port = free_port()
        log = work / "gunicorn.log"
        gunicorn = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "storefront.wsgi",
                "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers), "--threads", str(args.threads),
                "--worker-class", "gthread", "--timeout", "60", "--graceful-timeout", "10",
                # idle keep-alive connections outlive a shopper's pause between journeys (1.5 s at most):
                # at gunicorn's default 2 s, a journey's first GET sometimes met a connection the server
                # was closing, which a browser retries and requests does not
                "--keep-alive", "10",
                "--log-level", "warning",
            ],
            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_healthy(port, gunicorn, log)

        spawn = args.spawn_rate or max(1.0, args.users / 5)
        print(
            f"[{name}] {args.users} shoppers for {args.duration} s against gunicorn on :{port} …", flush=True
        )
        started = time.monotonic()
        locust = subprocess.run(
            [
                sys.executable, "-m", "locust", "-f", str(ROOT / "loadtest" / "locustfile.py"), "--headless",
                "--users", str(args.users), "--spawn-rate", str(spawn), "--run-time", f"{args.duration}s",
                "--host", f"http://127.0.0.1:{port}", "--csv", str(work / "locust"), "--only-summary",
                "--stop-timeout", "30", "--exit-code-on-error", "0", "--loglevel", "WARNING",
            ],
            cwd=ROOT,
            env={**env, "LOADTEST_PLAN": str(work / "plan.json"),
                 "LOADTEST_RESULTS": str(work / "journeys.json")},
            capture_output=True, text=True, timeout=args.duration + 180,
        )  # fmt: skip
        (work / "locust.log").write_text(locust.stdout + locust.stderr)
        wall = time.monotonic() - started
        if locust.returncode != 0 or not (work / "journeys.json").exists():
            raise SystemExit(f"locust failed ({locust.returncode}):\n{locust.stderr[-3000:]}")
        stop(gunicorn)
        gunicorn = None
        orders = json.loads(manage(env, "shell", "-c", ORDERS).strip().splitlines()[-1])
        upstream = len(fake.orders) if fake is not None else None
        return summarise(name, args, work, orders, upstream, wall)
    finally:
        stop(gunicorn)
        if fake is not None:
            fake.stop()
        with contextlib.suppress(Exception):
            admin_sql(args.postgres, f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        with contextlib.suppress(Exception):
            flush_redis(args.redis)


def summarise(name, args, work: Path, orders: dict, upstream: int | None, wall: float) -> dict:
    journeys = json.loads((work / "journeys.json").read_text())
    with (work / "locust_stats.csv").open() as f:
        rows = {row["Name"]: row for row in csv.DictReader(f)}

    def step(row):
        return {
            "requests": int(row["Request Count"]),
            "errors": int(row["Failure Count"]),
            "rps": round(float(row["Requests/s"]), 1),
            "p50_ms": float(row["50%"] or 0),
            "p95_ms": float(row["95%"] or 0),
            "p99_ms": float(row["99%"] or 0),
        }

    steps = {s: step(rows[s]) for s in STEPS if s in rows}
    with (work / "locust_failures.csv").open() as f:
        failures = [
            f"{row['Occurrences']}× {row['Method']} {row['Name']}: {row['Error']}"
            for row in csv.DictReader(f)
        ]
    total = step(rows["Aggregated"])
    server_errors = sum(
        n
        for counts in journeys["statuses"].values()
        for status, n in counts.items()
        if status.startswith("5")
    )
    no_answer = sum(counts.get("0", 0) for counts in journeys["statuses"].values())
    confirmed = journeys["placed"]
    unclear = journeys["unclear"]
    if name == "local":
        in_db = orders["local"]
    else:
        in_db = [ref for ref, state in orders["ledger"] if state == "placed"]
    unknown = [ref for ref, state in orders["ledger"] if state in ("unknown", "pending")]
    lost = sorted(set(confirmed) - set(in_db))
    doubled = len(confirmed) != len(set(confirmed)) or len(in_db) > len(set(confirmed)) + unclear
    problems = []
    if server_errors:
        problems.append(f"{server_errors} answers were 5xx")
    if lost:
        problems.append(f"{len(lost)} confirmed orders are not in the database: {lost[:5]}")
    if doubled:
        problems.append(f"orders doubled: {len(in_db)} in the database for {len(set(confirmed))} confirmed")
    if upstream is not None and upstream != len(in_db) + len(unknown):
        problems.append(
            f"{upstream} orders upstream for {len(in_db)} placed + {len(unknown)} unknown in the ledger"
        )
    if not confirmed:
        problems.append("no journey placed an order")
    return {
        "provider": name,
        "users": args.users,
        "duration_s": args.duration,
        "wall_s": round(wall, 1),
        "gunicorn": f"{args.workers} workers × {args.threads} threads (gthread)",
        "latency_ms": args.latency_ms if name == "fynd" else None,
        "throughput_rps": total["rps"],
        "total": total,
        "steps": steps,
        "journeys": journeys["journeys"],
        "server_errors": server_errors,
        "no_answer": no_answer,
        "orders": {
            "confirmed": len(confirmed),
            "unclear": unclear,
            "in_database": len(in_db),
            "unknown_in_ledger": len(unknown),
            "upstream": upstream,
        },
        "failures": failures,
        "problems": problems,
    }


def report(result: dict) -> None:
    title = result["provider"] + (
        f" (fake Fynd at {result['latency_ms']:.0f} ms)" if result["latency_ms"] else ""
    )
    print(
        f"\n== {title}: {result['users']} users, {result['duration_s']} s, gunicorn {result['gunicorn']} =="
    )
    print(f"{'step':<14}{'requests':>9}{'errors':>8}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for name, s in [*result["steps"].items(), ("all", result["total"])]:
        print(
            f"{name:<14}{s['requests']:>9}{s['errors']:>8}{s['rps']:>8.1f}"
            f"{s['p50_ms']:>9.0f}{s['p95_ms']:>9.0f}{s['p99_ms']:>9.0f}"
        )
    j, o = result["journeys"], result["orders"]
    print(
        f"journeys: {j.get('started', 0)} started, {j.get('completed', 0)} completed, "
        f"{j.get('abandoned', 0)} abandoned; 5xx: {result['server_errors']}, no answer: {result['no_answer']}"
    )
    for failure in result["failures"][:10]:
        print(f"  error: {failure}")
    upstream = f", upstream {o['upstream']}" if o["upstream"] is not None else ""
    print(
        f"orders: {o['confirmed']} confirmed to shoppers, {o['in_database']} in the database"
        f"{upstream}, {o['unclear']} unclear, {o['unknown_in_ledger']} unknown in the ledger"
    )
    print("result: " + ("FAIL: " + "; ".join(result["problems"]) if result["problems"] else "OK"))


def main(argv=None) -> int:
    args = parse_args(argv)
    OUT.mkdir(exist_ok=True)
    static_root = tempfile.mkdtemp(prefix="loadtest-static-")
    template = f"storefront_load_{os.getpid()}_template"
    results = []
    try:
        prepare_template(args, template, static_root)
        for name in [p.strip() for p in args.providers.split(",") if p.strip()]:
            result = scenario(name, args, template, static_root)
            report(result)
            results.append(result)
    finally:
        shutil.rmtree(static_root, ignore_errors=True)
        with contextlib.suppress(Exception):
            admin_sql(args.postgres, f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
    machine = {
        "date": date.today().isoformat(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    (OUT / "results.json").write_text(json.dumps({"machine": machine, "runs": results}, indent=1))
    print(f"\nresults: {OUT / 'results.json'}")
    return 1 if any(r["problems"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
