"""The attack suite's own rows (the whole table is in tests/security/__init__.py): CSRF on every
URL the shop routes, IDOR between two customers and a guest, a customer reaching staff and admin
pages, XSS payloads through every form field and the provider's text fields, open redirects,
tampered share tokens, and a log capture over the main journeys that finds no secret, pin or
token in what the log handlers write."""

from __future__ import annotations

import io
import logging
import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from carts.models import ShareLink
from storefront.http import RedactingFilter
from storefront.providers.local import models as m
from tests.checkout_kit import (
    SECOND_CARD,
    SECOND_PIN,
    address_form,
    checkout_key,
    fill_groceries,
    gift_card,
)
from tests.conftest import DEMO_PASSWORD, HTMX, SHOPPER_EMAIL
from tests.functional.pages import cart_page
from tests.security.test_csp import inline_problems

pytestmark = pytest.mark.django_db

# ---------------------------------------------------------------------------- CSRF


def _routes(patterns=None, prefix=""):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            if str(p.pattern).startswith("admin/"):
                continue  # Django's own, below
            yield from _routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.callback


def _url(route: str) -> str:
    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", lambda m_: "1" if m_.group(1) == "int" else "X1", route)


ROUTES = sorted({_url(route) for route, _ in _routes()})
EXEMPT = {"/csp-report/"}  # browsers post reports without a token (storefront.csp_report)
ADMIN_POSTS = ["/admin/login/", "/admin/logout/", "/admin/storefront/provideraccount/"]


def test_the_only_csrf_exempt_url_is_the_report_endpoint():
    exempt = {_url(route) for route, view in _routes() if getattr(view, "csrf_exempt", False)}
    assert exempt == EXEMPT


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_every_url_refuses_a_post_without_a_csrf_token(demo, shopper, htmx):
    attacker = Client(enforce_csrf_checks=True)
    attacker.force_login(shopper, backend="storefront.accounts.EmailBackend")
    headers = HTMX if htmx else {}
    counts = _state()

    refused = []
    for url in [*ROUTES, *ADMIN_POSTS]:
        if url in EXEMPT:
            continue
        response = attacker.post(url, {"quantity": "1", "code": "WELCOME10"}, headers=headers)
        assert response.status_code == 403, url
        assert "This page has expired" in response.content.decode(), url
        refused.append(url)

    assert len(refused) >= 50
    assert _state() == counts


def _state() -> dict[str, int]:
    return {
        "carts": m.LocalCart.objects.count(),
        "lines": m.LocalCartLine.objects.count(),
        "orders": m.Order.objects.count(),
        "users": get_user_model().objects.count(),
        "addresses": m.Address.objects.count(),
        "share links": ShareLink.objects.count(),
    }


# ---------------------------------------------------------------------------- IDOR


@pytest.fixture
def alice(demo, shopper):
    """A customer with a cart line, a saved address, an order and a share link."""
    client = Client()
    client.force_login(shopper, backend="storefront.accounts.EmailBackend")
    fill_groceries(client, demo)
    client.post("/cart/address/", address_form(name="Alice Secret", line1="11 Hidden Lane"))
    response = client.post(
        "/checkout/place/",
        {"idempotency_key": checkout_key(client.get("/checkout/").content), "payment_mode": "cod"},
    )
    assert response.status_code == 303
    order = m.Order.objects.get(user=shopper)
    fill_groceries(client, demo, quantity=2)
    (line,) = cart_page(client).line_ids
    assert client.post("/cart/share/").status_code == 303
    link = ShareLink.objects.get(owner=shopper)
    address = m.Address.objects.filter(user=shopper).first()
    return {"client": client, "order": order.number, "line": line, "link": link, "address": address}


@pytest.fixture
def bob(demo):
    user = get_user_model().objects.create_user(
        username="bob@example.in", email="bob@example.in", password="bob-pass-12345"
    )
    client = Client()
    client.force_login(user, backend="storefront.accounts.EmailBackend")
    fill_groceries(client, demo, quantity=1)
    return client


@pytest.fixture
def guest(demo):
    client = Client()
    fill_groceries(client, demo, quantity=1)
    return client


@pytest.mark.parametrize("who", ["bob", "guest"])
def test_another_customer_or_a_guest_reaches_none_of_alices_objects(alice, bob, guest, who):
    other = bob if who == "bob" else guest
    order = alice["order"]
    own_lines = cart_page(other).line_ids

    # her order, its payment pages and a reorder of it
    for url in (f"/orders/{order}/", f"/orders/{order}/payment/"):
        response = other.get(url)
        assert response.status_code == 404, url
        assert "Alice Secret" not in response.content.decode()
    assert other.post(f"/orders/{order}/payment/retry/").status_code == 404
    assert other.post("/cart/reorder/", {"order": order}).status_code == 404
    # her cart line
    other.post("/cart/update/", {"line": alice["line"], "quantity": "9"}, headers=HTMX)
    other.post("/cart/remove/", {"line": alice["line"]}, headers=HTMX)
    assert cart_page(alice["client"]).line_quantities == {alice["line"]: 2}
    assert cart_page(other).line_ids == own_lines
    # her saved address
    other.post("/cart/address/select/", {"address": str(alice["address"].pk), "role": "shipping"})
    assert "Hidden Lane" not in other.get("/checkout/").content.decode()
    # her share link: not listed, not withdrawable
    assert f"/cart/share/{alice['link'].pk}/revoke/" not in other.get("/cart/share/links/").content.decode()
    assert other.post(f"/cart/share/{alice['link'].pk}/revoke/").status_code == 404
    alice["link"].refresh_from_db()
    assert alice["link"].revoked_at is None


# ---------------------------------------------------------------------------- staff escalation


def test_a_customer_reaches_no_staff_or_admin_page(signed_in_client, demo):
    for url in ("/staff/", "/staff/?q=lead@demo.local"):
        assert signed_in_client.get(url).status_code == 404, url
    for url in ("/staff/assist/", "/staff/customers/", "/staff/confirm/send/", "/staff/confirm/"):
        assert signed_in_client.post(url, {"customer": "1", "email": "x@example.in"}).status_code == 404, url
    for url in ("/admin/", "/admin/storefront/provideraccount/", "/admin/auth/user/"):
        response = signed_in_client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), url


# ---------------------------------------------------------------------------- XSS

PAYLOAD = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)><svg onload=alert(3)>"
SHORT = "<script>alert(1)</script>'><img src=x onerror=alert(2)>"  # fits 80-character names


def _assert_inert(html: str, where: str) -> None:
    assert "<script>alert(1)" not in html, where
    assert "<img src=x onerror" not in html, where
    assert inline_problems(html) == [], where


def test_xss_in_every_provider_text_field_is_inert(client, demo):
    product = m.Product.objects.get(slug="toor-dal-1kg")
    product.name = "Dal " + SHORT
    product.description = PAYLOAD
    product.save()
    m.Brand.objects.filter(pk=product.brand_id).update(name="Brand " + SHORT)
    m.Category.objects.filter(pk=product.category_id).update(name="Cat " + SHORT)
    fill_groceries(client, demo)
    client.post("/cart/address/", address_form())

    for url in ("/", "/products/", "/products/?q=dal", f"/products/{product.slug}/", "/cart/", "/checkout/"):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_inert(response.content.decode(), url)


def test_xss_in_every_form_field_is_inert(client, demo):
    fill_groceries(client, demo)
    posts = [
        ("/cart/address/", address_form(name=PAYLOAD, line1=PAYLOAD, line2=PAYLOAD, city=PAYLOAD)),
        ("/cart/coupon/apply/", {"code": PAYLOAD}),
        ("/cart/gift-card/apply/", {"code": PAYLOAD, "pin": PAYLOAD}),
        ("/cart/meta/", {"gstin": PAYLOAD, "company": PAYLOAD, "note": PAYLOAD, "gift_message": PAYLOAD}),
        ("/cart/check-delivery/", {"pincode": PAYLOAD}),
        ("/cart/update/", {"line": PAYLOAD, "quantity": PAYLOAD}),
        ("/accounts/signup/", {"name": PAYLOAD, "email": "x@example.in", "password": "a-long-pass-phrase-9"}),
    ]
    for url, data in posts:
        for headers in ({}, HTMX):
            response = client.post(url, data, headers=headers)
            body = response.content.decode()
            _assert_inert(body, f"{url} {headers}")
    for url in ("/cart/", "/checkout/", f"/products/?q={PAYLOAD}", f"/vouchers/?q={PAYLOAD}", "/"):
        _assert_inert(client.get(url).content.decode(), url)


# ---------------------------------------------------------------------------- open redirects

REDIRECTS = [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example/",
    "///evil.example/",
    "////evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "\\/evil.example",
    "https:evil.example",
    "https:/evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " //evil.example/",
    "\t//evil.example",
    "https://testserver@evil.example/",
    "https://evil.example\\@testserver/",
    "/%2F%2Fevil.example",
    "%2F%2Fevil.example",
]


def _local(location: str) -> bool:
    """Where a browser stays on our host: a path (absolute or relative), never scheme-relative
    or with a scheme or host (a browser reads a backslash as a slash and ignores leading blanks;
    percent-encoded slashes stay in the path)."""
    seen = location.replace("\\", "/").strip()
    parts = urlsplit(seen)
    return not seen.startswith("//") and not parts.scheme and not parts.netloc


@pytest.mark.parametrize("target", REDIRECTS)
def test_no_open_redirect_from_sign_in_sign_up_or_a_cart_form(demo, target):
    browser = Client()
    signed_in = browser.post(
        "/accounts/login/", {"email": SHOPPER_EMAIL, "password": DEMO_PASSWORD, "next": target}
    )
    assert signed_in.status_code == 303 and _local(signed_in["Location"]), signed_in["Location"]
    added = browser.post(
        "/cart/add/", {"product": str(demo.product("toor-dal-1kg").pk), "quantity": "1", "next": target}
    )
    assert added.status_code == 303 and _local(added["Location"]), added["Location"]
    newcomer = Client().post(
        "/accounts/signup/",
        {
            "name": "New",
            "email": "new-redirect@example.in",
            "password": "a-long-pass-phrase-9",
            "next": target,
        },
    )
    assert newcomer.status_code == 303 and _local(newcomer["Location"]), newcomer["Location"]


# ---------------------------------------------------------------------------- share tokens


def test_tampered_share_tokens_get_the_404_page_and_nothing(alice):
    client = Client()
    link = alice["link"]
    for token in ("X" * 43, "", "A" * 200, "../../admin/", "%00"):
        response = client.get(f"/cart/shared/{token}/")
        assert response.status_code == 404, token
        assert "Alice Secret" not in response.content.decode()
        assert client.post(f"/cart/shared/{token}/accept/", {"mode": "merge"}).status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


# ---------------------------------------------------------------------------- the log


@pytest.fixture
def written_log():
    """What the log handlers write: every record through the project's RedactingFilter, at DEBUG."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def test_the_main_journeys_log_no_secret_pin_or_token(demo, written_log):
    gift_card()
    secrets: list[str] = [SECOND_PIN]
    browser = Client()
    # sign up, sign out, a wrong password, then the right one
    password = "Zq-very-secret-9371"
    browser.post("/accounts/signup/", {"name": "Log", "email": "log@example.in", "password": password})
    browser.post("/accounts/logout/")
    browser.post("/accounts/login/", {"email": "log@example.in", "password": "Wrong-guess-5512"})
    browser.post("/accounts/login/", {"email": "log@example.in", "password": password})
    secrets += [password, "Wrong-guess-5512", browser.cookies["sessionid"].value]
    # shop: a coupon, a wrong pin, the right pin, the address, checkout
    fill_groceries(browser, demo)
    browser.post("/cart/coupon/apply/", {"code": "NOSUCHCODE"}, headers=HTMX)
    browser.post("/cart/gift-card/apply/", {"code": SECOND_CARD, "pin": "000111"}, headers=HTMX)
    browser.post("/cart/gift-card/apply/", {"code": SECOND_CARD, "pin": SECOND_PIN}, headers=HTMX)
    browser.post("/cart/address/", address_form())
    key = checkout_key(browser.get("/checkout/").content)
    placed = browser.post("/checkout/place/", {"idempotency_key": key, "payment_mode": "cod"})
    secrets.append(key)
    browser.get(placed["Location"])
    # a guest's order with its token, a share link opened, withdrawn and opened again
    guest = Client()
    fill_groceries(guest, demo)
    guest.post("/cart/address/", address_form())
    placed = guest.post(
        "/checkout/place/",
        {"idempotency_key": checkout_key(guest.get("/checkout/").content), "payment_mode": "cod"},
    )
    guest_token = placed["Location"].split("t=")[1]
    Client().get(placed["Location"].split("?")[0] + "?t=" + guest_token[:-2] + "xx")
    fill_groceries(guest, demo)
    shared = guest.post("/cart/share/", headers=HTMX).content.decode()
    share_token = re.search(r"/cart/shared/([\w-]+)/", shared).group(1)
    Client().get(f"/cart/shared/{share_token}/")
    link = ShareLink.objects.latest("pk")
    guest.post(f"/cart/share/{link.pk}/revoke/")
    Client().get(f"/cart/shared/{share_token}/")  # a 404 now: Django logs the path
    secrets += [guest_token, share_token, guest.cookies["csrftoken"].value]

    written = written_log.getvalue()
    assert "Not Found" in written  # the capture saw Django's request log
    for secret in secrets:
        assert secret not in written, f"{secret[:4]}… is in the log"
