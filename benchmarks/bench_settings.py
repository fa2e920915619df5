"""Production settings for the benchmark: storefront.settings with DEBUG off, plain http on 127.0.0.1,
a throwaway database and STATIC_ROOT (both made by benchmarks/run.py), and the bare view's URLconf.

Only benchmarks/run.py (and benchmarks/profile_cart.py) should point DJANGO_SETTINGS_MODULE here: they
set BENCH_SQLITE_PATH (or BENCH_DATABASE_URL), BENCH_STATIC_ROOT and SECRET_KEY first."""

import os

if not os.environ.get("BENCH_STATIC_ROOT") or not (
    os.environ.get("BENCH_DATABASE_URL") or os.environ.get("BENCH_SQLITE_PATH")
):
    raise RuntimeError("benchmarks.bench_settings is driven by benchmarks/run.py; run `make bench`")

# Forced, not defaulted: a developer's .env (DEBUG=True, another database) must not leak in.
os.environ["DEBUG"] = "False"
os.environ["SECURE_SSL_REDIRECT"] = "False"  # plain http on 127.0.0.1; everything else stays production
os.environ["ALLOWED_HOSTS"] = "127.0.0.1"
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or (
    "sqlite:///" + os.environ["BENCH_SQLITE_PATH"]
)
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "k" * 50)

from storefront.settings import *  # noqa: E402,F403

ROOT_URLCONF = "benchmarks.bench_urls"
STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
