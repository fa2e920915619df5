"""Findings 1, 5 and 8 of issue 14: sign-in (django-axes), sign-up, coupon, gift-card pin and
share-link tries are limited per client, per account and per card (storefront.throttle,
storefront.sign_in_limits, settings SIGN_IN_LIMITS and RATE_LIMITS). A refused try gets 429 with
Retry-After and says so where the form is; parallel guesses cannot get past a limit (the counter is
incremented before it is read: locmem here, Redis in CI's PostgreSQL run); a stranger throttled
on their own address cannot lock a card's or an account's owner out."""

from __future__ import annotations

import threading
import time
from html import unescape

import pytest
from django.conf import settings
from django.contrib.sessions.backends.cache import SessionStore
from django.db import connections
from django.test import Client, RequestFactory

from carts import services
from carts.session import CartSession
from storefront import throttle
from storefront.exceptions import GiftCardRejected
from tests.checkout_kit import DEMO_CARD, DEMO_PIN, coupon, fill_groceries
from tests.conftest import DEMO_PASSWORD, HTMX, SHOPPER_EMAIL, STAFF_EMAIL
from tests.functional.pages import cart_fragment, cart_page

pytestmark = pytest.mark.django_db


def tries(action: str, dimension: str) -> int:
    return int(settings.RATE_LIMITS[action][dimension].split("/")[0])


def sign_in_limit(*params: str) -> int:
    return dict((tuple(p), n) for p, n in settings.SIGN_IN_LIMITS)[params]


def text(response) -> str:
    return unescape(response.content.decode())


def sign_in(client, email, password, *, path="/accounts/login/"):
    if path.startswith("/admin/"):
        return client.post(path, {"username": email, "password": password, "next": "/admin/"})
    return client.post(path, {"email": email, "password": password})


LOCKED = throttle.Throttled("sign-in", 900).user_message


# ---------------------------------------------------------------------------- sign-in


def test_sign_in_locks_one_client_out_of_one_account_after_five_failures(client, demo):
    per_pair = sign_in_limit("username", "ip_address")
    for _ in range(per_pair - 1):
        assert sign_in(client, SHOPPER_EMAIL, "wrong-password-1").status_code == 400
    # the failure that reaches the limit already answers 429
    assert sign_in(client, SHOPPER_EMAIL, "wrong-password-1").status_code == 429

    # even the right password is refused now, on the sign-in form, with how long to wait
    response = sign_in(client, SHOPPER_EMAIL, DEMO_PASSWORD)

    assert response.status_code == 429
    assert int(response["Retry-After"]) == 15 * 60
    assert LOCKED in text(response)
    assert 'name="email"' in text(response)  # the form is still there to try later
    assert "_auth_user_id" not in client.session


def test_the_owner_signs_in_from_elsewhere_while_a_stranger_is_locked_out(client, demo):
    for _ in range(sign_in_limit("username", "ip_address")):
        sign_in(client, SHOPPER_EMAIL, "wrong-password-1")
    owner = Client(REMOTE_ADDR="198.51.100.20")

    response = sign_in(owner, SHOPPER_EMAIL, DEMO_PASSWORD)

    assert response.status_code == 303
    assert "_auth_user_id" in owner.session


def test_one_client_guessing_across_accounts_is_stopped(client, demo):
    per_client = sign_in_limit("ip_address")
    for n in range(per_client - 1):
        assert sign_in(client, f"someone{n}@example.com", "wrong-password-1").status_code == 400
    assert sign_in(client, "last-one@example.com", "wrong-password-1").status_code == 429

    response = sign_in(client, SHOPPER_EMAIL, DEMO_PASSWORD)

    assert response.status_code == 429
    assert LOCKED in text(response)


def test_one_account_guessed_from_many_addresses_is_locked_after_far_more(demo):
    per_account = sign_in_limit("username")
    per_pair = sign_in_limit("username", "ip_address")
    for n in range(per_account // per_pair):
        guesser = Client(REMOTE_ADDR=f"192.0.2.{n + 1}")
        for _ in range(per_pair):
            assert sign_in(guesser, SHOPPER_EMAIL, "wrong-password-1").status_code in (400, 429)

    response = sign_in(Client(REMOTE_ADDR="198.51.100.99"), SHOPPER_EMAIL, DEMO_PASSWORD)

    assert response.status_code == 429
    assert per_account >= 5 * per_pair  # it takes many addresses, not one


def test_admin_sign_in_shares_the_counter(client, demo):
    for _ in range(sign_in_limit("username", "ip_address") - 1):
        assert sign_in(client, STAFF_EMAIL, "wrong-password-1").status_code == 400
    # the fifth failure on the admin's own sign-in page
    assert sign_in(client, STAFF_EMAIL, "wrong-password-1", path="/admin/login/").status_code == 429

    response = sign_in(client, STAFF_EMAIL, DEMO_PASSWORD, path="/admin/login/")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert LOCKED in text(response)
    assert "_auth_user_id" not in client.session


def test_a_spoofed_forwarded_for_does_not_reset_the_client(client, demo):
    # no proxy is trusted by default: X-Forwarded-For is the client's own words
    for n in range(sign_in_limit("username", "ip_address")):
        client.post(
            "/accounts/login/",
            {"email": SHOPPER_EMAIL, "password": "wrong"},
            headers={"X-Forwarded-For": f"10.0.0.{n}"},
        )

    response = client.post(
        "/accounts/login/",
        {"email": SHOPPER_EMAIL, "password": DEMO_PASSWORD},
        headers={"X-Forwarded-For": "10.9.9.9"},
    )

    assert response.status_code == 429


def test_behind_a_trusted_proxy_the_client_is_the_address_it_appended(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    assert throttle.client_ip(request) == "203.0.113.5"
    settings.TRUSTED_PROXY_COUNT = 0
    assert throttle.client_ip(request) == "10.0.0.2"
    ipv6 = RequestFactory().get("/", REMOTE_ADDR="2001:db8:1:2:3:4:5:6")
    assert throttle.client_ip(ipv6) == "2001:db8:1:2::"


# ---------------------------------------------------------------------------- sign-up


def test_sign_up_floods_are_stopped(client, demo):
    limit = tries("sign-up", "client")
    for n in range(limit):
        response = client.post(
            "/accounts/signup/",
            {"name": f"Flood {n}", "email": f"flood{n}@example.com", "password": "a-long-pass-phrase-9"},
        )
        assert response.status_code == 303
        client.post("/accounts/logout/")

    response = client.post(
        "/accounts/signup/",
        {"name": "One more", "email": "one-more@example.com", "password": "a-long-pass-phrase-9"},
    )

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    page = text(response)
    assert throttle.Throttled("sign-up", int(response["Retry-After"])).user_message in page
    assert 'value="one-more@example.com"' in page  # what was typed is kept
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(email="one-more@example.com").exists()


# ---------------------------------------------------------------------------- coupons


@pytest.fixture
def groceries(client, demo):
    fill_groceries(client, demo)
    return client


def test_coupon_guessing_is_stopped_with_and_without_javascript(groceries):
    coupon("REAL10")
    for n in range(tries("coupon", "client")):
        response = groceries.post("/cart/coupon/apply/", {"code": f"GUESS{n}"}, headers=HTMX)
        assert response.status_code == 422

    # even a real code is refused now, in place, with how long to wait
    response = groceries.post("/cart/coupon/apply/", {"code": "REAL10"}, headers=HTMX)
    page = cart_fragment(response, status=429)
    wait = int(response["Retry-After"])
    assert 0 < wait <= 10 * 60
    assert ("error", throttle.Throttled("coupon", wait).user_message) in page.alerts
    assert "coupon" not in dict(page.breakup)
    # without JavaScript: a page of its own
    response = groceries.post("/cart/coupon/apply/", {"code": "REAL10"})
    assert response.status_code == 429 and "Too many coupon codes tried" in text(response)
    assert "coupon" not in dict(cart_page(groceries).breakup)


def test_coupons_are_limited_per_account_across_addresses(client, shopper, demo):
    client.force_login(shopper, backend="storefront.accounts.EmailBackend")
    fill_groceries(client, demo)
    limit = tries("coupon", "account")
    for n in range(limit):
        moving = Client(REMOTE_ADDR=f"192.0.2.{n + 1}")
        moving.force_login(shopper, backend="storefront.accounts.EmailBackend")
        assert moving.post("/cart/coupon/apply/", {"code": f"GUESS{n}"}, headers=HTMX).status_code == 422

    response = client.post("/cart/coupon/apply/", {"code": "ANOTHER"}, headers=HTMX)

    assert response.status_code == 429


# ---------------------------------------------------------------------------- gift cards


def _guess_concurrently(monkeypatch, addresses: list[str]) -> tuple[int, int]:
    """Each thread a fresh browser session guessing the demo card's pin at the same moment; the
    provider (stubbed, slow) counts what reaches it. Returns (reached, throttled)."""
    reached = []
    throttled = []
    lock = threading.Lock()

    def provider_call(cs, capability, action, fn, details=None):
        with lock:
            reached.append(1)
        time.sleep(0.05)
        raise GiftCardRejected("That gift card number or pin is not right.")

    monkeypatch.setattr(services, "_write", provider_call)
    barrier = threading.Barrier(len(addresses))

    def worker(address: str) -> None:
        try:
            request = RequestFactory().post("/cart/gift-card/apply/", REMOTE_ADDR=address)
            request.user = None
            cs = CartSession(session=SessionStore(), request=request)
            barrier.wait(timeout=10)
            services.cart_apply_gift_card(cs=cs, code=DEMO_CARD, pin="000000")
        except throttle.Throttled:
            with lock:
                throttled.append(1)
        except GiftCardRejected:
            pass
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(a,)) for a in addresses]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    return len(reached), len(throttled)


def test_thirty_parallel_guesses_from_one_address_get_five_checks(monkeypatch):
    reached, throttled = _guess_concurrently(monkeypatch, ["203.0.113.50"] * 30)

    assert reached == tries("gift-card", "client")
    assert throttled == 30 - reached


def test_parallel_guesses_from_many_addresses_stop_at_the_card_limit(monkeypatch):
    per_card = tries("gift-card", "card")
    addresses = [f"198.51.{n // 200}.{n % 200 + 1}" for n in range(per_card + 20)]

    reached, throttled = _guess_concurrently(monkeypatch, addresses)

    assert reached == per_card
    assert throttled == 20


def test_a_throttled_stranger_adds_nothing_to_the_cards_count(client, demo):
    fill_groceries(client, demo)
    # a stranger keeps hammering the card from one address long past their own limit
    for _ in range(tries("gift-card", "client") * 4):
        client.post("/cart/gift-card/apply/", {"code": DEMO_CARD, "pin": "000000"}, headers=HTMX)
    holder = Client(REMOTE_ADDR="198.51.100.7")
    fill_groceries(holder, demo)

    response = holder.post("/cart/gift-card/apply/", {"code": DEMO_CARD, "pin": DEMO_PIN}, headers=HTMX)

    assert cart_fragment(response).amount("gift_card") < 0


# ---------------------------------------------------------------------------- share links


def test_share_link_creation_is_limited_per_account(client, shopper, demo):
    client.force_login(shopper, backend="storefront.accounts.EmailBackend")
    fill_groceries(client, demo)
    for n in range(tries("share-link", "account")):
        moving = Client(REMOTE_ADDR=f"192.0.2.{n + 1}")
        moving.force_login(shopper, backend="storefront.accounts.EmailBackend")
        assert moving.post("/cart/share/", headers=HTMX).status_code == 200

    response = client.post("/cart/share/", headers=HTMX)

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "share links" in text(response)
    # without JavaScript
    response = client.post("/cart/share/")
    assert response.status_code == 429 and "share links" in text(response)


# ---------------------------------------------------------------------------- OTP (the helper)


@pytest.mark.urls("tests.security.otp_urls")
def test_the_limit_decorator_answers_429_per_phone_and_per_client(demo):
    def ask(mobile: str, address: str):
        return Client(REMOTE_ADDR=address).post("/test-otp/send/", {"mobile": mobile})

    per_phone = tries("otp", "phone")
    for n in range(per_phone):
        assert ask("9876543210", f"192.0.2.{n + 1}").status_code == 200
    # the same number from yet another address: the phone's own limit
    response = ask("9876543210", "192.0.2.200")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Too many codes asked for" in text(response)
    # another number is unaffected; one address asking for many numbers meets the client's limit
    assert ask("9123456780", "192.0.2.201").status_code == 200
    statuses = [ask(f"90000000{n:02d}", "192.0.2.202").status_code for n in range(tries("otp", "client") + 1)]
    assert statuses[-1] == 429 and set(statuses[:-1]) == {200}


def test_a_failed_sign_in_is_recorded_without_the_password_or_csrf_token(demo):
    from axes.models import AccessAttempt

    browser = Client(enforce_csrf_checks=True)
    browser.get("/accounts/login/")
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        "/accounts/login/",
        {"email": SHOPPER_EMAIL, "password": "Hunter-2-secret-77", "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 400
    (attempt,) = AccessAttempt.objects.all()
    assert attempt.username == SHOPPER_EMAIL and attempt.failures_since_start == 1
    stored = attempt.post_data + attempt.get_data
    assert "Hunter-2-secret-77" not in stored and token not in stored
