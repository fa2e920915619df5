"""Production settings for `make loadtest`: storefront.settings with DEBUG off, a throwaway PostgreSQL
database and Redis cache (made by loadtest/run.py), plain http on 127.0.0.1.

Only loadtest/run.py should point DJANGO_SETTINGS_MODULE here: it sets LOADTEST_DATABASE_URL,
LOADTEST_CACHE_URL and LOADTEST_STATIC_ROOT first."""

import os

if not all(
    os.environ.get(k) for k in ("LOADTEST_DATABASE_URL", "LOADTEST_CACHE_URL", "LOADTEST_STATIC_ROOT")
):
    raise RuntimeError("loadtest.settings is driven by loadtest/run.py; run `make loadtest`")

# Forced, not defaulted: a developer's .env (DEBUG=True, SQLite) must not leak in.
os.environ["DEBUG"] = "False"
os.environ["SECURE_SSL_REDIRECT"] = "False"
os.environ["ALLOWED_HOSTS"] = "127.0.0.1"
os.environ["DATABASE_URL"] = os.environ["LOADTEST_DATABASE_URL"]
os.environ["CACHE_URL"] = os.environ["LOADTEST_CACHE_URL"]
os.environ["LOG_LEVEL"] = os.environ.get("LOADTEST_LOG_LEVEL", "WARNING")
os.environ.setdefault("SECRET_KEY", "loadtest-only-secret-key-" + "l" * 50)

from storefront.settings import *  # noqa: E402,F403

STATIC_ROOT = os.environ["LOADTEST_STATIC_ROOT"]
# Plain http on 127.0.0.1: the load generator's HTTP client (requests) does not send Secure cookies
# over http, so the session and CSRF cookies lose the flag here, and only here.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# The journeys fetch no static files, so they are collected with their manifest (templates need it with
# DEBUG off) but not compressed: whitenoise's gzip and brotli pass took 15 s of every run.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
