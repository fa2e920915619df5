"""Finding 7 of issue 14: in production (DEBUG=False) the 400, 403, 404 and 500 pages are the
shop's own. An attacker probing URLs learns nothing from them: not the URL patterns Django tried
(every route, `admin/` included), not a server file path, not the exception's text."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.security.error_urls import SECRET_TEXT

pytestmark = pytest.mark.django_db

LEAKS = [
    "admin/",
    "tried",
    "Using the URLconf",
    "URLconf",
    "Traceback",
    "Page not found at",
    "hunter2",
    "/srv/",
    "settings.py",
    "RuntimeError",
    "PermissionDenied",
    "SuspiciousOperation",
    "Django",
]


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    return settings


@pytest.fixture
def attacker(production, demo):
    return Client(raise_request_exception=False)


def _assert_nothing_leaks(body: str) -> None:
    assert str(django_settings.BASE_DIR) not in body
    assert SECRET_TEXT not in body
    for leak in LEAKS:
        assert leak not in body, leak


@pytest.mark.parametrize("path", ["/no-such-page/", "/admin-backup.zip", "/products/x/y/z/", "/.env"])
def test_an_unknown_url_is_the_shops_404_without_the_url_patterns(attacker, path):
    response = attacker.get(path)
    assert response.status_code == 404
    body = response.content.decode()
    assert "We couldn't find that page" in body
    assert "Browse products" in body
    _assert_nothing_leaks(body)


def test_a_404_the_shop_raised_still_tells_the_shopper_why(attacker):
    response = attacker.get("/products/no-such-product/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "We couldn't find that page" in body
    _assert_nothing_leaks(body)


@pytest.mark.urls("tests.security.error_urls")
def test_a_server_error_is_the_shops_500_without_the_exception(attacker):
    response = attacker.get("/test-errors/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong on our side" in body
    _assert_nothing_leaks(body)


@pytest.mark.urls("tests.security.error_urls")
def test_permission_denied_is_the_shops_403_without_the_reason(attacker):
    response = attacker.get("/test-errors/denied/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "You can't open this page" in body
    _assert_nothing_leaks(body)


@pytest.mark.urls("tests.security.error_urls")
def test_a_suspicious_request_is_the_shops_400_without_the_reason(attacker):
    response = attacker.get("/test-errors/bad/")
    assert response.status_code == 400
    body = response.content.decode()
    assert "We couldn't read that request" in body
    _assert_nothing_leaks(body)


def test_a_bad_host_header_is_the_shops_400(attacker):
    response = attacker.get("/", headers={"host": "evil.example.com"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "We couldn't read that request" in body
    assert "evil.example.com" not in body
    _assert_nothing_leaks(body)


def test_a_form_without_its_csrf_token_is_the_shops_403(production, demo):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    response = client.post("/cart/add/", {"product": "x", "quantity": "1"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "This page has expired" in body
    assert "CSRF verification failed" not in body
    _assert_nothing_leaks(body)
