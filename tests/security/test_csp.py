"""Finding 6 and part of 9 of issue 14: every page carries a Content-Security-Policy that allows
only the shop's own scripts and styles (no 'unsafe-inline', no 'unsafe-eval') and a
Permissions-Policy, and no page needs more: a crawl of the main pages (shopper, customer, staff,
error pages) finds no inline <script> (the JSON-LD data block aside), no <style>, no style=
attribute and no on*= handler. Violations are reported to /csp-report/, which logs them without
a CSRF token, bounded in size. gunicorn sends no Server header (gunicorn.conf.py)."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from storefront.providers.local import models as m
from tests.checkout_kit import address_form, fill_groceries
from tests.conftest import DEMO_PASSWORD, SHOPPER_EMAIL

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


class InlineFinder(HTMLParser):
    """Everything a strict policy would block on a page."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self._script_type: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in attrs:
            if name == "style":
                self.problems.append(f"style= on <{tag}>")
            if name.startswith("on"):
                self.problems.append(f"{name}= on <{tag}>")
        if tag == "style":
            self.problems.append("<style> block")
        if tag == "script":
            self._script_type = None if "src" in attrs else (attrs.get("type") or "text/javascript")
        if tag in ("a", "form", "iframe") and any(
            (attrs.get(a) or "").strip().lower().startswith("javascript:") for a in ("href", "action", "src")
        ):
            self.problems.append(f"javascript: URL on <{tag}>")

    def handle_data(self, data):
        if self._script_type and self._script_type != "application/ld+json" and data.strip():
            self.problems.append(f"inline <script type={self._script_type}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script_type = None


def inline_problems(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.problems


def assert_strict(response, url: str) -> None:
    policy = response.get("Content-Security-Policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}
    assert directives.get("script-src") == ["'self'"], (url, policy)
    assert directives.get("style-src") == ["'self'"], (url, policy)
    assert directives.get("default-src") == ["'self'"], (url, policy)
    assert directives.get("object-src") == ["'none'"] and directives.get("frame-ancestors") == ["'none'"]
    assert "unsafe" not in policy
    assert directives.get("report-uri") == ["/csp-report/"]
    assert "camera=()" in response.get("Permissions-Policy", ""), url
    assert "geolocation=()" in response["Permissions-Policy"]
    if "text/html" in response.get("Content-Type", ""):
        assert inline_problems(response.content.decode()) == [], url


def crawl(client: Client, urls: list[str], *, headers=None) -> int:
    seen = 0
    for url in urls:
        response = client.get(url, headers=headers or {})
        assert response.status_code in (200, 404, 403), (url, response.status_code)
        assert_strict(response, url)
        seen += 1
    return seen


@pytest.fixture
def guest_with_cart(client, demo):
    fill_groceries(client, demo)
    client.post("/cart/address/", address_form())
    return client


def test_a_guests_pages_are_strict(guest_with_cart, demo):
    product = m.Product.objects.order_by("pk").first()
    urls = [
        "/",
        "/products/",
        "/products/?q=dal",
        f"/products/{product.slug}/",
        "/cart/",
        "/cart/coupons/",
        "/checkout/",
        "/cart/share/links/",
        "/accounts/login/",
        "/accounts/signup/",
        "/vouchers/",
        "/no-such-page/",
    ]
    assert crawl(guest_with_cart, urls) == len(urls)


def test_a_customers_pages_are_strict(client, shopper, demo):
    client.force_login(shopper, backend="storefront.accounts.EmailBackend")
    fill_groceries(client, demo)
    client.post("/cart/address/", address_form())
    checkout = client.get("/checkout/").content.decode()
    key = checkout.split('name="idempotency_key" value="')[1].split('"')[0]
    placed = client.post("/checkout/place/", {"idempotency_key": key, "payment_mode": "cod"})
    assert placed.status_code == 303
    urls = ["/orders/", placed["Location"], "/vouchers/", "/cart/"]
    assert crawl(client, urls) == len(urls)


def test_htmx_fragments_are_strict(guest_with_cart):
    response = guest_with_cart.post(
        "/cart/coupon/apply/", {"code": "NOPE"}, headers={"HX-Request": "true", "HX-Current-URL": "/cart/"}
    )
    assert response.status_code == 422
    assert inline_problems(response.content.decode()) == []
    assert crawl(guest_with_cart, ["/cart/"], headers={"HX-Request": "true"}) == 1


def test_staff_and_admin_pages_are_strict(client, demo):
    staff = get_user_model().objects.get(email="lead@demo.local")
    client.force_login(staff, backend="storefront.accounts.EmailBackend")
    urls = ["/staff/", f"/staff/?q={SHOPPER_EMAIL}"]
    assert crawl(client, urls) == len(urls)
    admin = Client()
    assert crawl(admin, ["/admin/login/"]) == 1
    root = get_user_model().objects.create_superuser(
        username="csp-root@example.in", email="csp-root@example.in", password="admin-pass-123"
    )
    admin.force_login(root, backend="storefront.accounts.EmailBackend")
    pages = [
        "/admin/",
        "/admin/storefront/provideraccount/",
        "/admin/storefront/provideraccount/add/",
        "/admin/storefront/orderattempt/",
        f"/admin/auth/user/{root.pk}/change/",
        "/admin/axes/accessattempt/",
    ]
    assert crawl(admin, pages) == len(pages)


def test_the_429_page_is_strict(client, demo):
    for _ in range(5):
        response = client.post("/accounts/login/", {"email": SHOPPER_EMAIL, "password": "wrong"})
    assert response.status_code == 429
    assert_strict(response, "/accounts/login/ (locked)")
    assert DEMO_PASSWORD not in response.content.decode()


@pytest.mark.urls("tests.security.error_urls")
def test_error_pages_are_strict(settings, demo):
    settings.DEBUG = False
    attacker = Client(raise_request_exception=False)
    for url, status in (
        ("/test-errors/boom/", 500),
        ("/test-errors/bad/", 400),
        ("/test-errors/denied/", 403),
    ):
        response = attacker.get(url)
        assert response.status_code == status
        assert_strict(response, url)
        assert "css/error.css" in response.content.decode() or status == 403
    csrf = Client(enforce_csrf_checks=True).post("/cart/clear/")
    assert csrf.status_code == 403
    assert_strict(csrf, "CSRF failure")


def test_the_inline_finder_finds_what_a_strict_policy_blocks():
    html = (
        '<div style="color:red"><script>alert(1)</script><style>p{}</style>'
        '<button onclick="x()">b</button><a href="javascript:alert(1)">a</a>'
        '<script type="application/ld+json">{"a":1}</script><script src="/static/x.js"></script></div>'
    )
    assert sorted(inline_problems(html)) == sorted(
        [
            "style= on <div>",
            "inline <script type=text/javascript>",
            "<style> block",
            "onclick= on <button>",
            "javascript: URL on <a>",
        ]
    )


# ---------------------------------------------------------------------------- reports


def test_a_violation_report_is_logged_without_csrf_and_without_query_strings(csrf_client, caplog):
    report = {
        "csp-report": {
            "document-uri": "https://shop.example/cart/?t=secret-token-123",
            "violated-directive": "script-src-elem",
            "effective-directive": "script-src-elem",
            "blocked-uri": "https://evil.example/x.js?session=abc",
            "original-policy": "default-src 'self'",
        }
    }
    with caplog.at_level(logging.WARNING, logger="storefront.csp"):
        response = csrf_client.post("/csp-report/", json.dumps(report), content_type="application/csp-report")

    assert response.status_code == 204
    (line,) = [r.getMessage() for r in caplog.records if r.name == "storefront.csp"]
    assert "script-src-elem" in line and "https://evil.example/x.js" in line
    assert "secret-token-123" not in line and "session=abc" not in line


def test_report_endpoint_refuses_big_bodies_junk_and_gets(csrf_client, caplog):
    big = json.dumps({"csp-report": {"blocked-uri": "x" * 20_000}})
    assert csrf_client.post("/csp-report/", big, content_type="application/csp-report").status_code == 413
    assert csrf_client.post("/csp-report/", "not json", content_type="application/json").status_code == 400
    assert csrf_client.post("/csp-report/", "[]", content_type="application/json").status_code == 400
    assert csrf_client.get("/csp-report/").status_code == 405
    assert not [r for r in caplog.records if r.name == "storefront.csp"]


def test_one_client_cannot_flood_the_log(csrf_client, caplog, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "csp-report": {"client": "3/h"}}
    body = json.dumps({"csp-report": {"violated-directive": "style-src"}})
    with caplog.at_level(logging.WARNING, logger="storefront.csp"):
        statuses = [
            csrf_client.post("/csp-report/", body, content_type="application/csp-report").status_code
            for _ in range(6)
        ]
    assert statuses == [204] * 6
    assert len([r for r in caplog.records if r.name == "storefront.csp"]) == 3


# ---------------------------------------------------------------------------- the server banner


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_sends_no_server_header(tmp_path):
    port = _free_port()
    env = {**os.environ, "DEBUG": "True", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "storefront.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/csp-report/", timeout=2) as r:
                    headers = r.headers
                break
            except urllib.error.HTTPError as exc:  # 405: a GET on the report endpoint
                headers = exc.headers
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        assert "Server" not in headers
        assert headers["Content-Security-Policy"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
