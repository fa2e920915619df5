"""The storefront's pages with Commerce Engine as the shop's provider (the fake server): OTP sign-in
on the sign-in page, checkout straight to the hosted payment page and back, and no token ever in a
page or in the session in clear."""

from __future__ import annotations

import html
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from storefront.models import ProviderAccount, ShopperLink
from storefront.providers import registry
from tests.fakes.commerce_engine_server import CUSTOMER_EMAIL, CUSTOMER_PHONE, start_fake_commerce_engine

RICE = "01JCEPRD000000000000000002"
TEA = "01JCEPRD000000000000000003"
KEY_FIELD = re.compile(r'name="idempotency_key" value="([^"]*)"')
ADDRESS = {
    "name": "Meera Iyer",
    "phone": "98450 12345",
    "line1": "7 Residency Road",
    "line2": "Ashok Nagar",
    "city": "Bengaluru",
    "state": "Karnataka",
    "pincode": "560001",
    "country": "India",
}


@pytest.fixture
def fake():
    server = start_fake_commerce_engine()
    server.fixed_otp = "246810"
    yield server
    server.stop()
    assert server.errors == [], "\n".join(server.errors)


@pytest.fixture
def ce(fake, db):
    registry.reset()
    account = ProviderAccount(
        kind="commerce_engine", name="ce", base_url=fake.api_url, connect_timeout=0.5, read_timeout=2.0
    )
    account.set_credentials({"store_id": fake.store_id, "api_key": fake.api_key})
    account.save()
    account.activate()
    return account


def add(client, product=RICE, quantity=1):
    response = client.post(reverse("carts:add-to-cart"), {"product": product, "quantity": quantity})
    assert response.status_code == 303
    return response


def checkout(client, fake) -> str:
    """Address, then place the order as the checkout page offers it; the Location answered."""
    assert client.post(reverse("carts:set-address"), ADDRESS).status_code == 303
    page = client.get(reverse("checkout")).content.decode()
    key = KEY_FIELD.search(page).group(1)
    mode = re.search(r'name="payment_mode" value="([^"]*)"', page).group(1)
    response = client.post(reverse("place-order"), {"idempotency_key": key, "payment_mode": mode})
    assert response.status_code == 303
    return response["Location"]


# ============================================================================ OTP sign-in


def test_the_sign_in_page_offers_a_code_with_commerce_engine(client, ce):
    page = client.get(reverse("accounts:login")).content.decode()

    assert 'data-action="otp-start"' in page and 'name="channel"' in page


def test_other_shops_offer_no_code(client, demo):
    assert 'data-action="otp-start"' not in client.get(reverse("accounts:login")).content.decode()
    assert (
        client.post(reverse("accounts:otp-start"), {"channel": "phone", "value": "9876543210"}).status_code
        == 404
    )


def test_signing_in_with_a_code_links_the_customer_and_keeps_the_cart(client, ce, fake):
    add(client, TEA, 2)

    started = client.post(reverse("accounts:otp-start"), {"channel": "phone", "value": "98765 43210"})
    assert started.status_code == 303 and started["Location"] == reverse("accounts:otp-verify")
    verify_page = client.get(started["Location"]).content.decode()
    assert "43210" in verify_page and 'data-action="otp-verify"' in verify_page
    done = client.post(reverse("accounts:otp-verify"), {"otp": "246810"})

    assert done.status_code == 303
    user = get_user_model().objects.get(pk=client.session["_auth_user_id"])
    assert ShopperLink.objects.get(user=user).external_id == fake.customer(CUSTOMER_PHONE)["id"]
    assert not user.has_usable_password()
    cart = client.get(reverse("carts:cart")).content.decode()
    assert 'data-line-quantity="2"' in cart
    # her Commerce Engine points and store credit are offered now
    assert 'data-action="apply-loyalty"' in cart and 'data-action="apply-credit"' in cart
    assert "You have <strong>500</strong> points" in cart


def test_an_email_code_signs_in_the_account_with_that_email(client, ce, fake):
    existing = get_user_model().objects.create_user(
        username=CUSTOMER_EMAIL, email=CUSTOMER_EMAIL, password="x-12345678"
    )

    client.post(reverse("accounts:otp-start"), {"channel": "email", "value": CUSTOMER_EMAIL})
    client.post(reverse("accounts:otp-verify"), {"otp": "246810"})

    assert client.session["_auth_user_id"] == str(existing.pk)


def test_a_wrong_code_is_said_in_place(client, ce, fake):
    client.post(reverse("accounts:otp-start"), {"channel": "phone", "value": CUSTOMER_PHONE})

    response = client.post(reverse("accounts:otp-verify"), {"otp": "111111"})

    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_bad_phone_number_is_refused_before_anything_is_sent(client, ce, fake):
    response = client.post(reverse("accounts:otp-start"), {"channel": "phone", "value": "12345"})

    assert response.status_code == 400
    assert "Enter a 10-digit mobile number." in response.content.decode()
    assert fake.count("POST", "/auth/login/phone") == 0


def test_asking_for_codes_is_throttled(client, ce, fake, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "otp": {"client": "10/h", "phone": "2/h"}}
    for _ in range(2):
        client.post(reverse("accounts:otp-start"), {"channel": "phone", "value": CUSTOMER_PHONE})

    response = client.post(reverse("accounts:otp-start"), {"channel": "phone", "value": CUSTOMER_PHONE})

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600  # the hour's window, in seconds
    assert fake.count("POST", "/auth/login/phone") == 2


def test_trying_codes_is_throttled(client, ce, fake, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "otp-verify": {"client": "3/15m"}}
    client.post(reverse("accounts:otp-start"), {"channel": "phone", "value": CUSTOMER_PHONE})
    for _ in range(3):
        client.post(reverse("accounts:otp-verify"), {"otp": "111111"})

    response = client.post(reverse("accounts:otp-verify"), {"otp": "246810"})

    assert response.status_code == 429 and "_auth_user_id" not in client.session
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    assert fake.count("POST", "/auth/verify-otp") == 3


def test_signing_out_logs_out_of_commerce_engine(client, ce, fake):
    client.post(reverse("accounts:otp-start"), {"channel": "phone", "value": CUSTOMER_PHONE})
    client.post(reverse("accounts:otp-verify"), {"otp": "246810"})

    client.post(reverse("accounts:logout"))

    assert fake.count("POST", "/auth/logout") == 1


# ============================================================================ checkout and payment


def test_checkout_goes_to_the_payment_page_and_comes_back_paid(client, ce, fake):
    add(client, RICE, 1)

    location = checkout(client, fake)

    assert location.startswith(fake.base_url + "/pay/")
    order_number = location.split("/pay/")[1].split("/")[0]
    return_url = fake.order(order_number)["payments"][-1]["return_url"]
    assert return_url.startswith("http://testserver/orders/SF") and "?t=" in return_url  # a guest
    fake.pay(order_number, "success")
    back = client.get(return_url.removeprefix("http://testserver"))
    page = back.content.decode()
    assert back.status_code == 200
    assert f'data-order-id="{order_number}"' in page and 'data-payment-state="paid"' in page


def test_a_failed_payment_offers_a_retry(client, ce, fake):
    add(client, RICE, 1)
    location = checkout(client, fake)
    order_number = location.split("/pay/")[1].split("/")[0]
    fake.pay(order_number, "failed")

    page = client.get(reverse("order-payment", args=[order_number])).content.decode()
    assert 'data-payment-state="failed"' in page and 'data-action="retry-payment"' in page
    retried = client.post(reverse("order-payment-retry", args=[order_number]))

    assert retried.status_code == 303 and retried["Location"].startswith(fake.base_url + "/pay/")
    assert retried["Location"] != location


def test_no_token_is_ever_in_a_page_or_in_the_session_in_clear(client, ce, fake):
    add(client, RICE, 1)
    pages = [client.get(url).content.decode() for url in ("/", reverse("carts:cart"), reverse("checkout"))]

    tokens = {c.headers.get("authorization", "")[7:] for c in fake.calls if c.headers.get("authorization")}
    session_data = repr(dict(client.session))
    assert tokens
    for token in tokens:
        assert all(token not in page for page in pages)
        assert token not in session_data
    assert fake.api_key not in session_data and all(fake.api_key not in p for p in pages)


def test_a_token_expiring_mid_journey_is_invisible(client, ce, fake):
    add(client, RICE, 1)
    fake.expire_access_tokens()

    add(client, RICE, 1)  # one refresh, the add done once

    page = client.get(reverse("carts:cart")).content.decode()
    assert 'data-line-quantity="2"' in page and 'data-message-level="error"' not in page
    assert fake.count("POST", "/auth/refresh-token") == 1


def test_a_customers_double_submit_lands_on_the_same_order(client, ce, fake):
    client.post(reverse("accounts:otp-start"), {"channel": "phone", "value": CUSTOMER_PHONE})
    client.post(reverse("accounts:otp-verify"), {"otp": "246810"})
    add(client, RICE, 1)
    client.post(reverse("carts:set-address"), ADDRESS)
    page = client.get(reverse("checkout")).content.decode()
    form = {
        "idempotency_key": KEY_FIELD.search(page).group(1),
        "payment_mode": re.search(r'name="payment_mode" value="([^"]*)"', page).group(1),
    }

    first = client.post(reverse("place-order"), form)
    again = client.post(reverse("place-order"), form)

    assert first.status_code == again.status_code == 303
    assert again["Location"] == first["Location"]  # the same payment page, not a second order
    assert fake.count("POST", "/orders") == 1


def test_a_free_item_has_no_stepper_and_no_remove(client, ce):
    add(client, "01JCEPRD000000000000000006", 1)  # the silk saree brings a free cushion cover

    page = client.get(reverse("carts:cart")).content.decode()

    free = page[page.index('data-line-id="01JCEPRD000000000000000008') :]
    free = free[: free.index("</li>")]
    assert "Free with an offer" in free and 'data-action="update-line"' not in free
    assert 'data-action="remove-line"' not in free and 'data-line-quantity="1"' in free
    assert "Your cart shows the GST on every price." in page


def test_a_product_page_seen_before_is_served_while_commerce_engine_is_down(client, ce, fake, settings):
    settings.CATALOGUE_CACHE_SECONDS = 0  # nothing fresh is kept: only the long-lived stale copy
    assert client.get("/products/silk-saree/").status_code == 200
    fake.fault("/catalog/products/silk-saree", "status", status=503, times=5)

    response = client.get("/products/silk-saree/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Silk Saree" in page and "Prices and stock may have changed." in page


def test_the_order_page_names_a_product_without_variants_plainly(client, ce, fake):
    add(client, RICE, 1)
    order_number = checkout(client, fake).split("/pay/")[1].split("/")[0]
    fake.pay(order_number, "success")
    payment_page = client.get(reverse("order-payment", args=[order_number])).content.decode()
    order_url = html.unescape(re.search(r'<a href="([^"]+)">See your order</a>', payment_page).group(1))

    page = client.get(order_url).content.decode()

    assert "Basmati Rice 5 kg × 1" in page and "()" not in page
