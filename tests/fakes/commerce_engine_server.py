"""A stateful fake of the Commerce Engine storefront API on a real HTTP server (tests/fakes/base.py).

It follows ``/work/shared/providers/commerce_engine.md`` ("§n") field by field; where the contract and
the seed (``seeds/002_094ccd76b5e7a8a0.txt``, "Retrieve cart using user id") differ, the seed's field
names win, and the Cart carries the union of both generations' keys (§5.2). Nothing here imports the
storefront's adapter. Parts where the real API is unknown are simulator choices ("SIM"), named below.

Usage::

    from tests.fakes.commerce_engine_server import fake_commerce_engine  # noqa  (pytest fixture)

    def test_something(fake_commerce_engine):
        ce = fake_commerce_engine
        ce.api_url            # http://127.0.0.1:PORT/api/v1 — the merchant's base URL setting
        ce.store_id, ce.api_key
        ce.storefront_url     # api_url + /{store_id}/storefront
        ce.count("POST", "/carts")                   # short paths get the storefront prefix
        ce.count_endpoint("POST", "/carts/{id}/items")
        ce.fault("/carts", "drop", after_commit=True)   # every fault of base.py

``start_fake_commerce_engine(**kwargs)`` starts one outside pytest (``stop()`` when done). Keyword
arguments: ``access_ttl`` (seconds, default 3600), ``refresh_ttl``, ``cart_ttl`` (default 7 days).

Layout (each a class in a chain, so every route registers): ``commerce_engine/core.py`` (envelope,
errors, tokens, users, auth), ``catalog.py``, ``pricing.py`` (§5.3 arithmetic and the Cart shape),
``cart.py`` (cart routes, redemptions, addresses, fulfilment, customers), ``data.py`` (seed data).

Envelope and errors (§1.4-1.5): ``{message, success: true, content: {<named key>: ...}}``; failures
``{message, success: false, code[, errors]}``. Missing, unknown, expired or revoked Bearer → 401 code
``unauthorized`` with "Not authorized for given operation on the Resource.". Removing a coupon, points
or credit that is not there → 404 with an empty body. Unknown store id in the path → 404. A body that
is not JSON → 400 ``invalid_json``.

Tokens (§1.3): ``POST /auth/anonymous`` needs ``X-Api-Key``; access tokens are JWT-shaped (HS256 over
the claims the SDK reads, ``exp``/``iat`` included) and live ``access_ttl`` seconds;
``POST /auth/refresh-token`` rotates both tokens — the spent refresh token is refused afterwards (400
``invalid_refresh_token``; unknown → 404). ``expire_access_tokens(user_id=None)`` expires live access
tokens server-side (the JWT ``exp`` claim stays as issued, so a client learns it from the 401);
``advance(seconds)`` moves the fake's clock. ``POST /auth/logout`` revokes the user's tokens and answers
a new anonymous pair and user. Catalogue reads accept ``X-Api-Key`` alone or a Bearer token.

Catalogue (§2.4): eight products (two with variants and options, one out of stock, one sold in steps
of two from two to ten, prices with and without GST included), four categories; list with ``page``,
``limit`` (default 25), ``category_id[]``/``category_slug[]`` (also without ``[]``), ``product_type``,
``sort_by`` JSON; detail by id or slug; variants; SKU rows; ``POST /catalog/products/search`` with
words, equality ``filter``, ``facets``, ``sort``. Images are SVGs served by the fake (``/images/…``).

Carts (§2.2, §4, §5.1-5.3): see ``commerce_engine/pricing.py`` for the arithmetic and its SIM rates
(₹50 shipping + 18 % GST, free from ₹499; ₹1 per loyalty point; Silk Saree brings a free Red Cushion
Cover; Home products 5 % off automatically). SIM: creating a cart while the user has an active one sets
the lines on that cart; DELETE empties a cart in place (same id). Quantity rules answer 400 with codes
``invalid_quantity``, ``out_of_stock``, ``insufficient_stock``, ``variant_required``. Expired carts
(``expire_cart(id)``, or ``cart_ttl``) answer 404 code ``cart_expired``. Coupons (``FLAT100OFF`` min
₹500, ``SAVE10`` 10 % up to ₹200, ``FREESHIP``, ``MEMBER20`` signed-in only, ``KURTA15`` clothing,
``SUMMER50`` expired, ``EARLY75`` used up, ``FULLCOVER`` ₹100,000 off) answer 400 ``coupon_invalid`` /
``coupon_not_applicable`` with the reason; a coupon that stops qualifying is dropped. Loyalty and credit
need a signed-in customer (400 ``login_required``); Asha (``9876543210``, ``asha@example.in``) has 500
points and ₹300 credit; points over the balance → 400 ``insufficient_points``, credit over it → 400
``insufficient_credit`` (``credit_cap = True`` caps it instead), both capped at the payable.
Gift cards (SIM, older docs): ``POST /carts/{id}/gift-card`` with
``gift_card_code`` and optional ``pin`` (``GIFT-1000-AAAA``/4321 holds ₹1,000, ``GIFT-0250-BBBB``/1111
₹250, ``GIFT-EMPTY-CCC`` nothing); the cart shows SIM keys ``gift_card_code`` and
``gift_card_amount``; DELETE answers the cart's fields directly under ``content`` as the OLD example.
Pincodes ``999999`` and ``110099`` are not serviceable.

OTP sign-in (§1.3, §2.1; ``commerce_engine/otp.py``): ``POST /auth/login/phone|email|whatsapp`` (Bearer
of the current anonymous user) → ``otp_token``, ``otp_action``; ``fake.otp_for("9876543210")`` reads
the code (``fixed_otp`` pins one; ``x-debug-mode: true`` echoes it as ``content.otp``, SIM key);
``POST /auth/verify-otp`` → logged-in ``user`` (with ``customer_id``) and a new token pair; the caller's
anonymous cart moves to the customer (merged into the customer's active cart if there is one; SIM,
``carry_cart = "none"`` turns it off). Unknown phone/email → 404 unless ``register_if_not_exists``.

Orders and payment (§2.7; ``commerce_engine/orders.py``): ``POST /orders`` {``cart_id``,
``payment_method``: {…, ``return_url``}} needs a ``ready-for-payment`` cart (else 400 ``cart_not_ready``
with the cart's ``status_error_message``), closes the cart (a second order for it → 400
``cart_already_ordered``), takes stock, points, credit and gift-card balance; ``payment_required`` when
``to_be_paid`` > 0, with ``payment_info.payment_links.web`` on this fake: ``/pay/{order}/{payment}``,
a plain HTML page (no script) with Pay / Fail buttons (``data-action="gateway-pay"`` /
``"gateway-fail"``) that settle the payment and 303 to the return URL plus ``order_number`` and
``status``. ``fake.pay(order_number, "success"|"failed")`` does the same without a browser.
``GET /orders?user_id=`` (required), ``GET /orders/{n}`` (with ``payments[]``), ``GET
/orders/{n}/payment-status`` (``status``, ``amount_paid``, ``amount_unpaid``, ``is_retry_available``:
after a failure, or 15 minutes after the last request), ``POST /orders/{n}/retry-payment``,
``/cancel-payment-request``, ``/cancel``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes.commerce_engine import data
from tests.fakes.commerce_engine.orders import OrdersServer

STORE_ID = data.STORE_ID
API_KEY = data.API_KEY
CUSTOMER_PHONE = "9876543210"
CUSTOMER_EMAIL = "asha@example.in"


class FakeCommerceEngine(OrdersServer):
    """The whole fake (see the module doc)."""


def start_fake_commerce_engine(**kwargs: Any) -> FakeCommerceEngine:
    return FakeCommerceEngine(**kwargs).start()


@pytest.fixture
def fake_commerce_engine() -> Iterator[FakeCommerceEngine]:
    server = start_fake_commerce_engine()
    try:
        yield server
    finally:
        server.stop()
