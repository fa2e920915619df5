"""Persistent database connections with the production settings: a request reuses the connection
its thread opened for an earlier one, and SQLite's setup (PRAGMAs, busy timeout, IMMEDIATE
transactions) still holds on the reused connection.

The Django test client never closes connections between requests, and the test database is in
memory (Django ignores closing it), so these run real WSGI request cycles in a fresh process on a
SQLite file, where Django's request_started/request_finished handlers close obsolete connections."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

# Three GET /healthz (a real query) through the WSGI handler and the whole middleware stack, as
# a server thread serves them; then what the connection looks like after the last one.
SCRIPT = """
import json, sqlite3, sys, wsgiref.util
import django
django.setup()
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, transaction
from django.db.backends.signals import connection_created

opened = []
connection_created.connect(lambda sender, connection, **kw: opened.append(connection.alias), weak=False)
handler = WSGIHandler()
raw_ids, statuses = [], []
for _ in range(3):
    environ = {"PATH_INFO": "/healthz", "REQUEST_METHOD": "GET", "HTTP_HOST": "127.0.0.1"}
    wsgiref.util.setup_testing_defaults(environ)
    response = handler(environ, lambda status, headers: statuses.append(status))
    b"".join(response)
    response.close()  # request_finished: Django closes the connection here unless it persists
    raw_ids.append(id(connection.connection))
opened_by_requests = len(opened)

with connection.cursor() as cursor:
    pragmas = {
        name: cursor.execute(f"PRAGMA {name}").fetchone()[0]
        for name in ("journal_mode", "synchronous", "busy_timeout")
    }
with transaction.atomic():  # no write inside: only IMMEDIATE takes the write lock at BEGIN
    other = sqlite3.connect(connection.settings_dict["NAME"], timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        write_lock_taken_at_begin = False
    except sqlite3.OperationalError:
        write_lock_taken_at_begin = True
    finally:
        other.close()
json.dump(
    {
        "statuses": statuses,
        "opened": opened_by_requests,
        "distinct_connections": len(set(raw_ids)),
        "pragmas": pragmas,
        "write_lock_taken_at_begin": write_lock_taken_at_begin,
    },
    sys.stdout,
)
"""


def _serve_three_requests(tmp_path: Path, **env_overrides: str) -> dict:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "DJANGO_SETTINGS_MODULE": "storefront.settings",
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "False",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **env_overrides,
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_requests_reuse_one_sqlite_connection_with_its_setup_intact(tmp_path):
    # given the production settings on a SQLite file
    # when one thread serves three requests
    seen = _serve_three_requests(tmp_path)

    # then it opened one connection (the setup PRAGMAs ran once) and kept it
    assert seen["statuses"] == ["200 OK"] * 3
    assert seen["opened"] == 1
    assert seen["distinct_connections"] == 1
    # and the reused connection still has WAL, synchronous=NORMAL, the 20 s busy timeout and
    # IMMEDIATE transactions
    assert seen["pragmas"] == {"journal_mode": "wal", "synchronous": 1, "busy_timeout": 20000}
    assert seen["write_lock_taken_at_begin"] is True


def test_without_persistent_connections_every_request_opens_one(tmp_path):
    # the same requests with CONN_MAX_AGE=0 (what the settings did before for SQLite): the
    # measurement above can tell the difference
    seen = _serve_three_requests(tmp_path, CONN_MAX_AGE="0")

    assert seen["statuses"] == ["200 OK"] * 3
    assert seen["opened"] == 3
