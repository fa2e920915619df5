"""A stateful fake of the Fynd Platform *application* APIs (cart + catalogue) on a real HTTP server.

It follows ``/work/shared/providers/fynd.md`` ("the contract", sections quoted as §n) field by field;
where the contract and the seed page ``seeds/003_b49716a8bed01825.txt`` ("SDK › Application › Cart")
disagree, the seed's field names win (they agreed on every field used here). The storefront's Fynd
adapter is tested against it; nothing here imports the adapter.

Usage::

    from tests.fakes.fynd_server import fake_fynd  # noqa  (function-scoped pytest fixture)

    def test_something(fake_fynd):
        base = fake_fynd.base_url                  # http://127.0.0.1:PORT, append /service/application/...
        headers = {"Authorization": fake_fynd.auth_header}
        ...
        assert fake_fynd.count("POST", "/service/application/cart/v1.0/detail") == 1

``start_fake_fynd(app_id="app123", app_token="tok-secret-123", today=..., seed=...) -> FakeFynd`` starts one
outside pytest. The FakeFynd API for tests:

- ``base_url``, ``port``, ``auth_header`` (the exact ``Authorization`` value), ``stop()``.
- ``calls``: list of ``Call`` — unpacks as ``(method, path, query, body)`` (query: dict of str, or list when a
  key repeats; body: parsed JSON, raw text, or None) and has ``.headers`` (lower-case names). Every request
  is recorded, refused and scripted ones included. ``count(method, path)``, ``calls_to(path, method=None)``,
  ``reset_counts()``. Paths are matched exactly, query string ignored.
- ``fail_next(path, status=500, body=None, delay=0.0, *, method=None, headers=None, times=1)``: script the
  next call(s) to a path — 5xx, 401, malformed JSON (``body="{not json"``), slow answers (``delay``); with
  ``status=None`` it only delays, then serves normally.
- ``fault(path, kind, *, method=None, times=1, after_commit=False, status=None, body=None, seconds=None)``:
  ``delay``, ``hang``, ``status``, ``malformed``, ``drop``; ``after_commit=True`` runs the real handler
  first (commit-then-fail). The HTTP plumbing, the call log and the faults come from
  ``tests/fakes/base.py`` (``FakeServer``), which documents them.
- ``business_error_status`` (200; set 4xx to answer business failures with that status),
  ``force_restrict_checkout``, ``default_points``, ``today``; ``set_stock(slug, size, qty)``,
  ``set_price(slug, size, marked=, effective=)``, ``set_points(balance, user="")``, ``product(slug)``,
  ``cart(cart_id)`` (the CartState), ``render_cart(cart_id)`` (GET detail JSON), ``orders`` (order id →
  order dict), ``add_application(app_id, token)``, ``apps``, ``errors`` (tracebacks of bugs in the fake,
  which are answered as 500).

Fixture (fresh per server; user-facing texts are the ``MSG_*`` constants, import them in assertions)
--------------------------------------------------------------------------------------------------
One seller (uid 5021) and one store (uid 11021, ``AND-FC-01``, Mumbai 400059); article ids are
``"5021_11021_<item_code>_<size>"``. Departments ``fashion`` and ``home-living``; leaf categories
``t-shirts``, ``jeans``, ``sneakers``, ``mugs``, ``coffee``. Products (uid = cart ``item_id``):

- 7501 ``classic-cotton-tshirt``: sizes S (12), M (8), L (3), XL (0, out of stock); ₹799.00 → ₹499.50
- 7502 ``slim-fit-denim-jeans``: sizes 30 (5), 32 (6) at ₹1,999.00 → ₹1,499.25; 34 (2) ₹2,199.00 → ₹1,649.25
- 7503 ``ceramic-coffee-mug``: one size ``OS`` (40); ₹349.90 → ₹299.90
- 7504 ``retro-canvas-sneakers``: sizes 8, 9, 10, all out of stock; ₹2,499.00 → ₹1,999.00
- 7505 ``arabica-coffee-beans-250g``: one size ``250g`` (60), moq minimum 2, maximum 12, increment 2;
  ₹450.00 → ₹399.99
- 7506 ``striped-polo-tshirt``: sizes M, L (10 each); ₹999.00, no discount

Coupons: ``WELCOME10`` (10%, max ₹200, min cart ₹499), ``FLAT150`` (₹150 off, min ₹1,499),
``BIGSPENDER`` (20%, max ₹2,000, min ₹9,999 — inapplicable to small carts). Delivery ₹79 below ₹999;
COD charge ₹25; GST 18% (inclusive); 250 loyalty points per user.

Endpoints and the contract sections they follow
------------------------------------------------
Auth on every call (§1, §6 "Auth"): ``Authorization: Bearer base64("<app_id>:<app_token>")``; anything
else → 401 ``{"success": false, "message": MSG_UNAUTHORIZED}`` (HEAD: 401, no body). ``x-fp-*``,
``x-currency-code``, ``x-ordering-source*`` are accepted and ignored; ``x-location-detail`` (a JSON
string) supplies a pincode. Query booleans accept ``true``/``True``/``1`` and ``false``/``False``/``0``
(§1 "Query encoding"); anything else is a 400 field error.

Cart, ``/service/application/cart/v1.0`` (§2.1 table rows, §3 shapes, §4, §5, §6 numbered steps):

- ``GET  /detail`` ?id&i&b&c&area_code&buy_now&order_type&assign_card_id — CartDetailResponse (§3, §6.1)
- ``HEAD /detail`` ?id — 200, ``Last-Modified`` HTTP-date, no body (§2.1 #2, §6.2)
- ``POST /detail`` ?i&b&area_code&buy_now&id&order_type — AddCartRequest (§2.3) →
  ``{message, success, partial, cart, items[]}`` (§4 AddCartDetailResponse, §6.3)
- ``PUT  /detail`` ?id&i&b&area_code&buy_now&cart_type&order_type — UpdateCartRequest with top-level
  ``operation`` ``update_item``/``remove_item`` and items' ``identifiers`` (§2.3, §6.4, §7.1) →
  ``{message, success, cart, items[]}``
- ``PATCH /detail`` ``{store_credit}`` — PH stub (§2.1 #5, §6 "stubbed")
- ``PUT  /cart_archive`` ?id — ``{"success": true, "message": "cart archived"}`` (§4, §6.5)
- ``GET  /basic`` ?id&buy_now — ``{"user_cart_items_count": N}``, N = number of lines (§6.6, §7.8)
- ``GET|POST|DELETE /coupon`` — GetCouponResponse / ApplyCouponRequest → CartDetailResponse (§4, §6.7-9)
- ``POST /redeem/points/`` ``{points: bool}`` (≤3.4) and ``POST /redeem`` ``{redeem_points: bool, meta}``
  (≥3.9) — CartDetailResponse with ``breakup_values.loyalty_points`` (§2.3, §6.10, §7.3)
- ``GET|POST /address``, ``GET|PUT|DELETE /address/{id}``, ``POST /select-address`` (§2.3, §4, §6.13)
- ``PUT /payment``, ``GET /payment/validate/`` (stubs), ``GET /shipment`` (§4, §6.14)
- ``PUT  /meta`` ?id&buy_now — CartMetaRequest → ``{"message": "cart meta updated", "is_valid": true}``;
  400 ``{"errors": [...]}`` (CartMetaMissingResponse) on invalid input (§2.3, §4, §6.11)
- ``POST /checkout`` (v1) and ``POST /service/application/cart/v2.0/checkout`` (v2, also requires
  ``payment_methods[{mode, payment_meta}]``) — CartCheckoutResponse with an order id (§2.3, §4, §6.15)
- ``POST /share-cart``, ``GET /share-cart/{token}``, ``POST /share-cart/{token}/{merge|replace}`` (§4, §6.12)
- stubs with empty, well-typed bodies: ``/bulk-price``, ``/available-promotions``,
  ``/available-ladder-prices`` (``slug`` required), ``/available-payment-offers`` (§6 "stubbed")

Catalogue (§8): ``GET /service/application/catalog/v1.0/products/`` (q, f, filters, sort_on, page_type
cursor|number, page_id, page_no, page_size; §8.2-8.3), ``.../products/{slug}/`` (§8.4),
``.../products/{slug}/sizes/`` (§8.5),
``/service/application/catalog/v3.0/products/{slug}/sizes/{size}/price/`` (also served at ``v4.0``;
§8.6, §8.8), ``/service/application/catalog/v1.0/categories/`` (§8.7). Catalogue errors use
ErrorResponse ``{"error": "..."}`` (§8.4).

Choices made where the contract is silent (each one is a decision of this fake, not a Fynd fact)
-----------------------------------------------------------------------------------------------
- State is per application (decoded from the bearer token). Inside it, carts are keyed by cart id; the
  "active" cart used when no ``id`` is sent is keyed by (user, buy_now). The user is the request's
  ``Cookie`` header (normalised); no cookie = one anonymous user. Carts are not owner-checked by id.
- An unknown ``id`` (or ``cart_id``) → 404 ``{"success": false, "message": MSG_CART_NOT_FOUND}``.
- Cart ids are 24 hex chars, ``uid``/``cart_id`` a counter from 1001, line identifiers 20 random letters
  and digits, order ids ``FY`` + 18 upper-case hex, share tokens 8 chars; all from a seeded RNG, so a
  run is reproducible.
- ``i``/``b`` absent → items/breakup are included (§6.1 recommendation); ``false`` omits them.
- ``last_modified`` (``"%Y-%m-%dT%H:%M:%S.000Z"``, UTC) and the HEAD ``Last-Modified`` HTTP-date move on
  every state change and are strictly increasing at one-second resolution: a change in the same second
  as the previous one is stamped one second later. Reads, failed mutations and ``area_code`` do not move
  it. This is the only real-time dependence.
- Delivery promise (§3.4) counts from a fixed ``today`` (``FIXED_TODAY`` = Monday 2030-06-03;
  ``today=`` per server) in IST: min = today + lo days 19:00, max = today + hi days 21:00. Pincodes
  starting with ``4`` (the store is in Mumbai) take 1-2 days, other ``[1-8]\\d{5}`` pincodes 3-5 days,
  no pincode 3-5 days, ``order_type=PickAtStore`` 0-1 days. Pincodes starting with ``9`` or not six
  digits are unserviceable: line ``availability.deliverable`` false, ``message`` MSG_NOT_DELIVERABLE,
  no promise. ``formatted`` is ``"04 Jun, Tuesday"`` (English names, no locale), ``iso`` carries
  ``+05:30``, ``timestamp`` integer epoch seconds. The catalogue price promise is ``{min, max}`` local
  ISO strings without a zone (§8.6 DOC example).
- The pincode used is: this request's ``area_code`` (remembered on the cart), else the cart's
  remembered one (also set by select-address from the address's ``area_code``), else the
  ``x-location-detail`` header's ``pincode``, else none. ``pincode=`` is accepted on the price endpoint.
  ``GET shipment?address_id=`` and checkout also remember the address's ``area_code`` on the cart.
- Money: computed in Decimal, rounded to paise (ROUND_HALF_UP) and emitted as JSON floats (``499.0``,
  ``399.99``). ``discount``, ``coupon`` and ``fynd_cash`` are negative in ``raw`` and ``display``;
  ``CouponBreakup.value`` and ``CartDetailCoupon.discount`` are the positive coupon amount.
- Breakup (§3.3, §6 checklist): only valid lines count (in stock, enough stock, deliverable).
  ``subtotal = mrp_total + discount``; coupon on the subtotal; delivery charge ``DELIVERY_CHARGE`` when
  0 < subtotal + coupon < ``FREE_DELIVERY_THRESHOLD`` and not PickAtStore (also ``common_config``);
  loyalty ``fynd_cash = -min(points, payable so far)``; ``cod_charge`` = ``COD_CHARGE`` only when ``c=true``;
  ``total = subtotal + coupon + delivery_charge + fynd_cash + cod_charge``; ``gst_charges`` = flat 18% GST
  included in the total; ``vog = total - gst_charges``; ``you_saved = -(discount + coupon)``;
  ``total_charge = delivery_charge + cod_charge``; ``mop_total = total``. ``display[]`` keys equal the raw
  keys, in order mrp_total, discount, subtotal, coupon, delivery_charge, fynd_cash, cod_charge, total;
  zero discount/coupon/delivery/points/cod rows are omitted. Every display row carries
  ``currency_code``, ``currency_symbol`` and ``message[]``.
- 1 loyalty point = ₹1. Every user starts with ``default_points`` (250); ``set_points`` overrides;
  checkout deducts redeemed points.
- Business failures answer 200 with flags, as §5 says (add/update ``success: false`` + ``message``;
  bad coupon: ``success: false``, cart ``message`` and ``breakup_values.coupon.message``). Set
  ``server.business_error_status = 400`` (or any 4xx) to have the same failures answered with that status
  and ``{"success": false, "message": ...}`` instead, for adapters that must handle both.
- Malformed requests are 4xx: missing required fields → 400 ``{field: ["Missing data for required
  field."]}`` (§5 format); bad quantity (not an int, < 1 on add, < 0 on update), bad JSON, bad
  ``operation``/``order_type``/share action → 400 ``{"success": false, "message": ...}``; unknown address,
  cart or share token → 404 with the same body; an address unknown at checkout → 400 with the §5 text.
- Add merges into the line with the same item and size. ``article_id``/``store_id``/``seller_id`` must match
  the fixture's (one seller and one store); an item may be given by ``article_id`` alone. A missing
  ``item_size`` picks the only size, else fails with MSG_SIZE_REQUIRED. ``buy_now=true`` on add first
  empties the buy-now cart ("initialise"). ``new_cart=true`` starts a new active cart for the user.
- Quantity rules: out of stock (stock 0) → MSG_OUT_OF_STOCK; ``moq`` {minimum, maximum, increment_unit}
  (quantity must be a multiple of increment_unit) → MSG_MOQ_*; more than stock → MSG_NOT_ENOUGH_STOCK.
- Update: line found by ``identifiers.identifier``, else ``item_index``, else item_id + item_size.
  ``quantity: 0`` removes. A size change re-prices, re-checks stock and merges into an existing line of
  that size. ``article_id`` on update is ignored (the size decides the article). An unknown line →
  ``success: false, message: "Nothing updated"``; a no-op → ``success: true, message: "Nothing updated"``.
- Archive and checkout reset the cart in place (same id, "resets it to its initial state" — seed):
  lines, coupon, points, meta, address and payment selection cleared; the remembered pincode stays.
- A coupon that stops qualifying (subtotal below ``minimum_cart_value``) stays on the cart unapplied
  (``is_applied: false`` + MSG_COUPON_MIN_CART) and applies again once the cart qualifies. Coupon list
  ``message``/``coupon_applicable_message``: the description when applicable, else the reason.
  ``coupon_amount`` = what it would take off this cart now. Codes are matched case-insensitively.
- Meta: ``gstin`` must match the 15-character GSTIN pattern, ``checkout_mode`` ``self``/``other``,
  ``gift_details``/``pick_up_customer_details``/``delivery_slots``/``custom_cart_meta`` objects.
  ``gift_details`` keyed by an article uid marks that line's ``article.gift_card``
  ``{is_gift_applied, gift_message}``; the literal key ``article_id`` applies to every line.
- ``staff_user_id`` is set when a shared cart whose ``meta`` has ``staff_user_id`` or ``staff.user`` /
  ``staff._id`` is merged or replaced into a cart ("staff built it for the customer").
- Share tokens snapshot the lines at creation; reading renders them at current prices. Merge/replace
  apply to ``?id`` when given, else the caller's active cart; lines that fail stock rules are skipped
  and named in ``error``.
- Checkout needs ``payment_mode``; HomeDelivery needs an address (body ``address_id`` or the selected
  one); an empty cart or invalid lines → 400. The order (``server.orders``) keeps lines, raw breakup,
  payment, addresses, meta, staff and customer details; stock is decremented. ``COD`` payment adds the COD
  charge. No idempotency key is honoured (the contract has none); headers are recorded on each call.
- Shipment: one shipment with every valid line; none valid → ``shipments: []``, ``error: true`` and the
  DOC failure message.
- Catalogue: ``f`` keys ``category``/``l3_categories`` (leaf slug), ``brand`` (slug), ``department``,
  ``sizes``; unknown keys are ignored. ``q`` matches every word against name, brand, category, tags,
  item code. Default order is the fixture's; cursor ``next_id`` is an opaque token. Listing
  ``discount`` is the largest across sizes. Price of an out-of-stock size → 200 with ``quantity: 0`` and
  no ``delivery_promise``; unserviceable pincode → ``is_serviceable: false``, no promise. Unknown
  product, size or store → 404 ``{"error": ...}``.
- Unknown paths → 404 ``{"success": false, "message": "Not found: ..."}``; known path, wrong method → 405.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import json
import random
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from datetime import time as dtime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from email.utils import format_datetime
from http.cookies import CookieError, SimpleCookie
from typing import Any

import pytest

from tests.fakes.base import Call, FakeServer, HttpError, Response, json_default, route

# --------------------------------------------------------------------------- constants

CART = "/service/application/cart/v1.0"
CART_V2 = "/service/application/cart/v2.0"
CATALOG = "/service/application/catalog/v1.0"

FIXED_TODAY = date(2030, 6, 3)  # a Monday (in the future); delivery promises count from here
IST = timezone(timedelta(hours=5, minutes=30), "IST")
CURRENCY_CODE = "INR"
CURRENCY_SYMBOL = "₹"
GST_RATE = Decimal("18")
DELIVERY_CHARGE = Decimal("79.00")
FREE_DELIVERY_THRESHOLD = Decimal("999.00")
COD_CHARGE = Decimal("25.00")
DEFAULT_POINTS = Decimal("250")
SELLER = {"uid": 5021, "name": "Fake Fynd Retail Pvt Ltd"}
STORE = {"uid": 11021, "name": "Andheri Fulfilment Centre", "store_code": "AND-FC-01"}
STORE_PINCODE = 400059
STORE_LONG_LAT = [72.8697, 19.1136]
CDN = "https://cdn.fake-fynd.test"

MSG_UNAUTHORIZED = "Unauthorized: invalid application credentials"
MSG_ADDED = "Product has been added to your cart"
MSG_OUT_OF_STOCK = "Sorry, item is out of stock"
MSG_NOT_ENOUGH_STOCK = "Sorry, only {available} left in stock"
MSG_ITEM_NOT_FOUND = "Sorry, this product is not available"
MSG_SIZE_REQUIRED = "Please select a size"
MSG_MOQ_MIN = "Minimum order quantity is {minimum}"
MSG_MOQ_MAX = "Maximum order quantity is {maximum}"
MSG_MOQ_STEP = "Quantity must be a multiple of {increment}"
MSG_NOT_DELIVERABLE = "Not deliverable at pincode {pincode}"
MSG_UPDATED = "Quantity of item updated"
MSG_SIZE_UPDATED = "Size of item updated"
MSG_REMOVED = "Item removed from cart"
MSG_NOTHING_UPDATED = "Nothing updated"
MSG_ARCHIVED = "cart archived"
MSG_META_UPDATED = "cart meta updated"
MSG_COUPON_APPLIED = "Coupon applied"
MSG_COUPON_REMOVED = "Coupon successfully removed"
MSG_COUPON_INVALID = "Sorry! Invalid Coupon"
MSG_COUPON_MIN_CART = "Add {currency}{short} more to apply this coupon"
MSG_POINTS_APPLIED = "Loyalty points applied"
MSG_POINTS_REMOVED = "Loyalty points removed"
MSG_NO_POINTS = "No loyalty points available to redeem"
MSG_MISSING_FIELD = "Missing data for required field."
MSG_NOT_BOOLEAN = "Not a valid boolean."
MSG_NOT_INTEGER = "Not a valid integer."
MSG_INVALID_QUANTITY = "Quantity must be a whole number of at least {minimum}"
MSG_INVALID_JSON = "Request body must be a JSON object"
MSG_INVALID_OPERATION = "operation must be one of: update_item, remove_item"
MSG_INVALID_ORDER_TYPE = "order_type must be one of: HomeDelivery, PickAtStore, Digital"
MSG_INVALID_GSTIN = "Invalid GSTIN"
MSG_INVALID_CHECKOUT_MODE = "checkout_mode must be one of: self, other"
MSG_INVALID_META = "{field} must be an object"
MSG_ADDRESS_NOT_FOUND = "No address found with address id {address_id}"
MSG_CART_NOT_FOUND = "Cart not found"
MSG_EMPTY_CART = "Cart is empty"
MSG_CART_INVALID = "Some items in your cart are not available"
MSG_SHARE_NOT_FOUND = "Invalid share cart token"
MSG_SHARE_ACTION = "action must be one of: merge, replace"
MSG_NO_SHIPMENTS = "Shipments could not be generated. Please Try again after some time."
MSG_SERVER_ERROR = "Internal server error"
MSG_SCRIPTED = "Scripted failure"
MSG_PRODUCT_NOT_FOUND = "Product not found"
MSG_SIZE_NOT_FOUND = "Size not found"
MSG_STORE_NOT_FOUND = "Store not found"
MSG_BAD_PAGE_ID = "Invalid page_id"
MSG_BAD_SORT = "Invalid sort_on"

TRUE_VALUES = {"true", "True", "1"}
FALSE_VALUES = {"false", "False", "0", ""}
ORDER_TYPES = ("HomeDelivery", "PickAtStore", "Digital")
SORTS = ("latest", "popular", "price_asc", "price_dsc", "discount_asc", "discount_dsc")
GSTIN_RE = re.compile(r"\d{2}[A-Z]{5}\d{4}[A-Z][1-9A-Z]Z[0-9A-Z]")
SERVICEABLE_RE = re.compile(r"[1-8]\d{5}")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
PAISE = Decimal("0.01")
ZERO = Decimal("0")

# --------------------------------------------------------------------------- the catalogue fixture

DEPARTMENTS = [
    {"uid": 1, "slug": "fashion", "name": "Fashion"},
    {"uid": 2, "slug": "home-living", "name": "Home & Living"},
]

# department → l1 → l2 → l3 (leaf slugs are what products and `f=category:` use)
CATEGORY_TREE = [
    {
        "department": "fashion",
        "uid": 10,
        "name": "Men",
        "slug": "men",
        "childs": [
            {
                "uid": 100,
                "name": "Clothing",
                "slug": "men-clothing",
                "childs": [
                    {"uid": 1000, "name": "T-Shirts", "slug": "t-shirts", "childs": []},
                    {"uid": 1001, "name": "Jeans", "slug": "jeans", "childs": []},
                ],
            },
            {
                "uid": 101,
                "name": "Footwear",
                "slug": "men-footwear",
                "childs": [{"uid": 1002, "name": "Sneakers", "slug": "sneakers", "childs": []}],
            },
        ],
    },
    {
        "department": "home-living",
        "uid": 20,
        "name": "Kitchen",
        "slug": "kitchen",
        "childs": [
            {
                "uid": 200,
                "name": "Drinkware",
                "slug": "drinkware",
                "childs": [{"uid": 2000, "name": "Mugs", "slug": "mugs", "childs": []}],
            },
            {
                "uid": 201,
                "name": "Pantry",
                "slug": "pantry",
                "childs": [{"uid": 2001, "name": "Coffee", "slug": "coffee", "childs": []}],
            },
        ],
    },
]

BRANDS = {
    "loom-and-co": {"uid": 31, "name": "Loom & Co"},
    "indigo-mills": {"uid": 32, "name": "Indigo Mills"},
    "stride": {"uid": 33, "name": "Stride"},
    "clayworks": {"uid": 34, "name": "Clayworks"},
    "hill-roast": {"uid": 35, "name": "Hill Roast"},
}


def _size(value: str, quantity: int, marked: str, effective: str, display: str | None = None) -> dict:
    return {
        "value": value,
        "display": display or value,
        "quantity": quantity,
        "marked": marked,
        "effective": effective,
    }


# Prices are strings here and Decimal in the server; they go on the wire as JSON floats.
PRODUCTS: list[dict] = [
    {
        "uid": 7501,
        "slug": "classic-cotton-tshirt",
        "name": "Classic Cotton T-Shirt",
        "item_code": "LC-TEE-001",
        "brand": "loom-and-co",
        "category": "t-shirts",
        "description": "A soft, breathable crew-neck tee in combed cotton.",
        "tags": ["cotton", "bestseller"],
        "attributes": {"gender": ["Men"], "primary_color": "Navy", "material": "Cotton"},
        "online_date": "2025-01-10T10:00:00",
        "popularity": 90,
        "moq": None,
        "sizes": [
            _size("S", 12, "799.00", "499.50"),
            _size("M", 8, "799.00", "499.50"),
            _size("L", 3, "799.00", "499.50"),
            _size("XL", 0, "799.00", "499.50"),
        ],
    },
    {
        "uid": 7502,
        "slug": "slim-fit-denim-jeans",
        "name": "Slim Fit Denim Jeans",
        "item_code": "IM-JNS-204",
        "brand": "indigo-mills",
        "category": "jeans",
        "description": "Mid-rise stretch denim with a slim leg.",
        "tags": ["denim"],
        "attributes": {"gender": ["Men"], "primary_color": "Indigo", "material": "Denim"},
        "online_date": "2025-03-02T10:00:00",
        "popularity": 70,
        "moq": None,
        "sizes": [
            _size("30", 5, "1999.00", "1499.25"),
            _size("32", 6, "1999.00", "1499.25"),
            _size("34", 2, "2199.00", "1649.25"),
        ],
    },
    {
        "uid": 7503,
        "slug": "ceramic-coffee-mug",
        "name": "Ceramic Coffee Mug",
        "item_code": "CW-MUG-350",
        "brand": "clayworks",
        "category": "mugs",
        "description": "A 350 ml stoneware mug, microwave and dishwasher safe.",
        "tags": ["kitchen", "gift"],
        "attributes": {"primary_color": "White", "material": "Stoneware"},
        "online_date": "2024-11-20T10:00:00",
        "popularity": 60,
        "moq": None,
        "sizes": [_size("OS", 40, "349.90", "299.90", display="One Size")],
    },
    {
        "uid": 7504,
        "slug": "retro-canvas-sneakers",
        "name": "Retro Canvas Sneakers",
        "item_code": "ST-SNK-088",
        "brand": "stride",
        "category": "sneakers",
        "description": "Low-top canvas sneakers with a vulcanised sole.",
        "tags": ["canvas"],
        "attributes": {"gender": ["Men"], "primary_color": "Off White", "material": "Canvas"},
        "online_date": "2025-02-14T10:00:00",
        "popularity": 80,
        "moq": None,
        "sizes": [
            _size("8", 0, "2499.00", "1999.00", display="UK 8"),
            _size("9", 0, "2499.00", "1999.00", display="UK 9"),
            _size("10", 0, "2499.00", "1999.00", display="UK 10"),
        ],
    },
    {
        "uid": 7505,
        "slug": "arabica-coffee-beans-250g",
        "name": "Arabica Coffee Beans 250 g",
        "item_code": "HR-COF-250",
        "brand": "hill-roast",
        "category": "coffee",
        "description": "Medium-roast single-estate arabica from Chikmagalur. Sold in packs of two.",
        "tags": ["coffee", "gourmet"],
        "attributes": {"net_weight": "250 g"},
        "online_date": "2025-04-01T10:00:00",
        "popularity": 50,
        "moq": {"minimum": 2, "maximum": 12, "increment_unit": 2},
        "sizes": [_size("250g", 60, "450.00", "399.99", display="250 g")],
    },
    {
        "uid": 7506,
        "slug": "striped-polo-tshirt",
        "name": "Striped Polo T-Shirt",
        "item_code": "LC-POL-010",
        "brand": "loom-and-co",
        "category": "t-shirts",
        "description": "A pique polo with contrast stripes.",
        "tags": ["cotton"],
        "attributes": {"gender": ["Men"], "primary_color": "Green", "material": "Cotton"},
        "online_date": "2024-12-05T10:00:00",
        "popularity": 40,
        "moq": None,
        "sizes": [_size("M", 10, "999.00", "999.00"), _size("L", 10, "999.00", "999.00")],
    },
]

COUPONS: list[dict] = [
    {
        "uid": 901,
        "code": "WELCOME10",
        "title": "10% off your order",
        "sub_title": "Up to ₹200 off",
        "description": "Get 10% off on orders above ₹499.",
        "coupon_type": "percentage",
        "coupon_value": "10",
        "max_discount_value": "200.00",
        "minimum_cart_value": "499.00",
        "expires_on": "31 Dec, 30",
    },
    {
        "uid": 902,
        "code": "FLAT150",
        "title": "Flat ₹150 off",
        "sub_title": "On orders above ₹1,499",
        "description": "Flat ₹150 off on orders above ₹1,499.",
        "coupon_type": "absolute",
        "coupon_value": "150.00",
        "max_discount_value": "150.00",
        "minimum_cart_value": "1499.00",
        "expires_on": "31 Dec, 30",
    },
    {
        "uid": 903,
        "code": "BIGSPENDER",
        "title": "20% off big carts",
        "sub_title": "Up to ₹2,000 off",
        "description": "20% off on orders above ₹9,999.",
        "coupon_type": "percentage",
        "coupon_value": "20",
        "max_discount_value": "2000.00",
        "minimum_cart_value": "9999.00",
        "expires_on": "31 Dec, 30",
    },
]

# --------------------------------------------------------------------------- small helpers


def money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(PAISE, rounding=ROUND_HALF_UP)


def dumps(data: Any) -> bytes:
    return json.dumps(data, default=json_default, ensure_ascii=False).encode()


def basic_bearer(app_id: str, app_token: str) -> str:
    """The contract's header value: ``Bearer base64("<application_id>:<application_token>")``."""
    return "Bearer " + base64.b64encode(f"{app_id}:{app_token}".encode()).decode()


def _percent_off(marked: Decimal, effective: Decimal) -> int:
    if marked <= 0 or effective >= marked:
        return 0
    return int(((marked - effective) * 100 / marked).to_integral_value(rounding=ROUND_DOWN))


def _discount_text(marked: Decimal, effective: Decimal) -> str:
    pct = _percent_off(marked, effective)
    return f"{pct}% OFF" if pct else ""


def _iso_z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _formatted(moment: datetime) -> str:
    return f"{moment.day:02d} {MONTHS[moment.month - 1]}, {WEEKDAYS[moment.weekday()]}"


def _media(url: str, alt: str = "") -> dict:
    return {"url": url, "type": "image", "alt": alt, "meta": {"source": ""}}


def _op_error(status: int, message: str) -> HttpError:
    return HttpError(status, {"success": False, "message": message})


def _field_error(name: str, message: str = MSG_MISSING_FIELD) -> HttpError:
    return HttpError(400, {name: [message]})


class _BusinessFailure(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --------------------------------------------------------------------------- state


@dataclass
class Line:
    identifier: str
    item_id: int
    size: str
    quantity: int
    extra_meta: dict = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    custom_json: dict = field(default_factory=dict)
    parent_item_identifiers: dict = field(default_factory=dict)
    product_group_tags: list = field(default_factory=list)


@dataclass
class CartState:
    id: str
    uid: int
    user: str
    buy_now: bool
    last_modified: datetime
    lines: list[Line] = field(default_factory=list)
    coupon_code: str = ""
    points_applied: bool = False
    store_credit: bool = False
    address_id: str = ""
    billing_address_id: str = ""
    area_code: str = ""
    order_type: str = "HomeDelivery"
    payment_mode: str = ""
    payment_identifier: str = ""
    comment: str = ""
    gstin: str = ""
    checkout_mode: str = "self"
    pick_up_customer_details: dict = field(default_factory=dict)
    gift_details: dict = field(default_factory=dict)
    delivery_slots: dict = field(default_factory=dict)
    custom_cart_meta: dict = field(default_factory=dict)
    staff_user_id: str = ""

    def reset(self) -> None:
        """Back to the initial state (seed: "resets it to its initial state"); id and pincode stay."""
        keep = (self.id, self.uid, self.user, self.buy_now, self.last_modified, self.area_code)
        fresh = CartState(id=keep[0], uid=keep[1], user=keep[2], buy_now=keep[3], last_modified=keep[4])
        fresh.area_code = keep[5]
        self.__dict__.update(fresh.__dict__)


@dataclass
class Share:
    token: str
    cart_id: str
    user: str
    created_on: datetime
    meta: dict
    lines: list[dict]


@dataclass
class AppState:
    app_id: str
    token: str
    carts: dict[str, CartState] = field(default_factory=dict)
    active: dict[tuple[str, bool], str] = field(default_factory=dict)
    addresses: dict[str, list[dict]] = field(default_factory=dict)
    orders: dict[str, dict] = field(default_factory=dict)
    shares: dict[str, Share] = field(default_factory=dict)
    points: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class Req:
    method: str
    path: str
    query: dict[str, Any]
    headers: dict[str, str]
    body: Any
    body_error: bool
    app: AppState
    user: str
    args: dict[str, str]

    def q(self, name: str) -> str | None:
        value = self.query.get(name)
        if isinstance(value, list):
            value = value[-1]
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.q(name)
        if value is None:
            return default
        value = value.strip()
        if value in TRUE_VALUES:
            return True
        if value in FALSE_VALUES:
            return False
        raise _field_error(name, MSG_NOT_BOOLEAN)

    def int_param(self, name: str, default: int | None = None) -> int | None:
        value = self.q(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError:
            raise _field_error(name, MSG_NOT_INTEGER) from None

    def obj(self) -> dict:
        if self.body_error or (self.body is not None and not isinstance(self.body, dict)):
            raise _op_error(400, MSG_INVALID_JSON)
        return self.body or {}

    @property
    def header_pincode(self) -> str:
        raw = self.headers.get("x-location-detail")
        if not raw:
            return ""
        try:
            detail = json.loads(raw)
        except ValueError:
            return ""
        pincode = detail.get("pincode") if isinstance(detail, dict) else None
        return str(pincode) if pincode else ""


@dataclass
class _LineCalc:
    line: Line
    product: dict
    size: dict
    article_id: str
    unit_marked: Decimal
    unit_effective: Decimal
    problem: str
    out_of_stock: bool
    deliverable: bool
    promise: tuple[datetime, datetime] | None
    coupon_share: Decimal = ZERO

    @property
    def valid(self) -> bool:
        return not self.problem


@dataclass
class _Totals:
    lines: list[_LineCalc]
    mrp_total: Decimal
    discount: Decimal
    subtotal: Decimal
    coupon: Decimal
    delivery_charge: Decimal
    fynd_cash: Decimal
    cod_charge: Decimal
    total: Decimal
    gst_charges: Decimal
    coupon_def: dict | None
    coupon_applied: bool
    coupon_message: str
    points_total: Decimal
    points_applicable: Decimal
    promise: tuple[datetime, datetime] | None
    pincode: str

    @property
    def is_valid(self) -> bool:
        return all(lc.valid for lc in self.lines)


# --------------------------------------------------------------------------- the server


class FakeFynd(FakeServer):
    """A real HTTP server on 127.0.0.1 speaking the Fynd application cart and catalogue APIs.

    The plumbing, the call log (`calls`, `count`, `calls_to`, `reset_counts`), `errors` and the faults
    (`fault()`, `fail_next()`) come from `tests.fakes.base.FakeServer`."""

    def __init__(
        self,
        app_id: str = "app123",
        app_token: str = "tok-secret-123",
        *,
        today: date = FIXED_TODAY,
        seed: int = 0,
    ) -> None:
        super().__init__()
        self.app_id = app_id
        self.app_token = app_token
        self.today = today
        self.business_error_status = 200
        self.default_points = DEFAULT_POINTS
        self.force_restrict_checkout = False
        self.apps: dict[str, AppState] = {}
        self._rng = random.Random(seed)
        self._next_uid = 1001
        self.products = [self._load_product(p) for p in copy.deepcopy(PRODUCTS)]
        self.coupons = {c["code"]: self._load_coupon(c) for c in copy.deepcopy(COUPONS)}
        self.add_application(app_id, app_token)

    # ------------------------------------------------------------------ test helpers

    @property
    def auth_header(self) -> str:
        """The exact ``Authorization`` value the default application must send."""
        return basic_bearer(self.app_id, self.app_token)

    def add_application(self, app_id: str, app_token: str) -> AppState:
        """Another sales channel with its own carts, addresses and orders."""
        with self._lock:
            self.apps[app_id] = AppState(app_id=app_id, token=app_token)
            return self.apps[app_id]

    def product(self, slug: str) -> dict:
        return self._product_by_slug(slug)

    def set_stock(self, slug: str, size: str, quantity: int) -> None:
        with self._lock:
            self._size_of(self._product_by_slug(slug), size)["quantity"] = quantity

    def set_price(self, slug: str, size: str, *, marked: Any = None, effective: Any = None) -> None:
        with self._lock:
            entry = self._size_of(self._product_by_slug(slug), size)
            if marked is not None:
                entry["marked"] = money(marked)
            if effective is not None:
                entry["effective"] = money(effective)

    def set_points(self, balance: Any, *, user: str = "", app_id: str | None = None) -> None:
        """Loyalty balance (points = rupees) of `user` (the normalised Cookie header; "" = anonymous)."""
        with self._lock:
            self._app(app_id).points[user] = money(balance)

    def cart(self, cart_id: str, app_id: str | None = None) -> CartState:
        with self._lock:
            return self._app(app_id).carts[cart_id]

    def render_cart(self, cart_id: str, app_id: str | None = None, *, cod: bool = False) -> dict:
        """What ``GET detail?id=<cart_id>&i=true&b=true`` (``&c=true`` with `cod`) would answer."""
        with self._lock:
            app = self._app(app_id)
            query = {"c": "true"} if cod else {}
            req = Req("GET", f"{CART}/detail", query, {}, None, False, app, "", {})
            return json.loads(dumps(self._cart_json(req, app.carts[cart_id])))

    @property
    def orders(self) -> dict[str, dict]:
        return self._app(None).orders

    def _app(self, app_id: str | None) -> AppState:
        return self.apps[app_id or self.app_id]

    # ------------------------------------------------------------------ request handling

    def fault_body(self, status: int) -> Any:
        """The documented body for a scripted status: 401 the auth error, else success false."""
        if status == 401:
            return {"success": False, "message": MSG_UNAUTHORIZED}
        return {"success": False, "message": MSG_SERVER_ERROR if status >= 500 else MSG_SCRIPTED}

    def error_response(self) -> Response:
        return Response(500, {"success": False, "message": MSG_SERVER_ERROR})

    def not_found(self, call: Call) -> Response:
        return Response(404, {"success": False, "message": f"Not found: {call.path}"})

    def method_not_allowed(self, call: Call) -> Response:
        return Response(405, {"success": False, "message": f"Method {call.method} not allowed"})

    def _authenticate(self, headers: dict[str, str]) -> AppState | None:
        value = headers.get("authorization", "")
        scheme, _, token = value.partition(" ")
        if scheme != "Bearer" or not token:
            return None
        try:
            decoded = base64.b64decode(token.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        app_id, sep, app_token = decoded.partition(":")
        app = self.apps.get(app_id)
        if not sep or app is None or app.token != app_token:
            return None
        return app

    @staticmethod
    def _user_key(headers: dict[str, str]) -> str:
        raw = headers.get("cookie", "")
        if not raw:
            return ""
        cookie = SimpleCookie()
        try:
            cookie.load(raw)
        except CookieError:
            return raw.strip()
        return "; ".join(f"{k}={cookie[k].value}" for k in sorted(cookie))

    def dispatch(self, call: Call) -> Response | dict:
        found = self.resolve(call.method, call.path)
        app = self._authenticate(call.headers)
        if app is None:
            return Response(401, {"success": False, "message": MSG_UNAUTHORIZED})
        if found.handler is None:
            return self.method_not_allowed(call) if found.path_known else self.not_found(call)
        user = self._user_key(call.headers)
        body, body_error = call.body, call.json_error
        req = Req(call.method, call.path, call.query, call.headers, body, body_error, app, user, found.args)
        return found.handler(req)

    # ------------------------------------------------------------------ catalogue data

    def _load_product(self, raw: dict) -> dict:
        for entry in raw["sizes"]:
            entry["marked"] = money(entry["marked"])
            entry["effective"] = money(entry["effective"])
        leaf, l2, l1, department = self._category_path(raw["category"])
        raw["category_leaf"], raw["category_l2"], raw["category_l1"] = leaf, l2, l1
        raw["department"] = department
        raw["brand_slug"] = raw["brand"]
        raw["brand"] = dict(BRANDS[raw["brand"]])
        return raw

    @staticmethod
    def _load_coupon(raw: dict) -> dict:
        for key in ("coupon_value", "max_discount_value", "minimum_cart_value"):
            raw[key] = money(raw[key])
        return raw

    @staticmethod
    def _category_path(leaf_slug: str) -> tuple[dict, dict, dict, dict]:
        for l1 in CATEGORY_TREE:
            for l2 in l1["childs"]:
                for leaf in l2["childs"]:
                    if leaf["slug"] == leaf_slug:
                        department = next(d for d in DEPARTMENTS if d["slug"] == l1["department"])
                        return leaf, l2, l1, department
        raise KeyError(leaf_slug)

    def _product_by_slug(self, slug: str) -> dict:
        for product in self.products:
            if product["slug"] == slug:
                return product
        raise KeyError(slug)

    def _product_by_uid(self, uid: int) -> dict | None:
        return next((p for p in self.products if p["uid"] == uid), None)

    @staticmethod
    def _size_of(product: dict, value: str) -> dict:
        for entry in product["sizes"]:
            if entry["value"] == value:
                return entry
        raise KeyError(value)

    @staticmethod
    def _article_id(product: dict, size: str) -> str:
        return f"{SELLER['uid']}_{STORE['uid']}_{product['item_code']}_{size}"

    @staticmethod
    def _ean(product: dict, size: dict) -> str:
        index = product["sizes"].index(size)
        return f"890{product['uid']:06d}{index:03d}"

    def _find_article(self, article_id: str) -> tuple[dict, dict] | None:
        for product in self.products:
            for entry in product["sizes"]:
                if self._article_id(product, entry["value"]) == article_id:
                    return product, entry
        return None

    # ------------------------------------------------------------------ delivery promise

    @staticmethod
    def _serviceable(pincode: str) -> bool:
        return bool(SERVICEABLE_RE.fullmatch(pincode))

    def _promise_window(self, pincode: str, order_type: str) -> tuple[datetime, datetime] | None:
        if pincode and not self._serviceable(pincode):
            return None
        if order_type == "PickAtStore":
            low, high = 0, 1
        elif pincode.startswith("4"):
            low, high = 1, 2
        else:
            low, high = 3, 5
        earliest = datetime.combine(self.today + timedelta(days=low), dtime(19, 0), IST)
        latest = datetime.combine(self.today + timedelta(days=high), dtime(21, 0), IST)
        return earliest, latest

    @staticmethod
    def _promise_json(window: tuple[datetime, datetime]) -> dict:
        low, high = window
        return {
            "timestamp": {"min": int(low.timestamp()), "max": int(high.timestamp())},
            "formatted": {"min": _formatted(low), "max": _formatted(high)},
            "iso": {"min": low.isoformat(), "max": high.isoformat()},
        }

    # ------------------------------------------------------------------ carts

    def _new_cart(self, app: AppState, user: str, buy_now: bool) -> CartState:
        cart = CartState(
            id=f"{self._rng.getrandbits(96):024x}",
            uid=self._next_uid,
            user=user,
            buy_now=buy_now,
            last_modified=datetime.now(UTC).replace(microsecond=0),
        )
        self._next_uid += 1
        app.carts[cart.id] = cart
        app.active[(user, buy_now)] = cart.id
        return cart

    def _cart_for(self, req: Req, *, id_param: str = "id", cart_id: str | None = None) -> CartState:
        cart_id = cart_id or req.q(id_param)
        if cart_id:
            cart = req.app.carts.get(cart_id)
            if cart is None:
                raise _op_error(404, MSG_CART_NOT_FOUND)
        else:
            buy_now = req.flag("buy_now")
            active = req.app.active.get((req.user, buy_now))
            cart = req.app.carts[active] if active else self._new_cart(req.app, req.user, buy_now)
        area_code = req.q("area_code")
        if area_code:
            cart.area_code = area_code.strip()
        order_type = req.q("order_type")
        if order_type:
            if order_type not in ORDER_TYPES:
                raise _op_error(400, MSG_INVALID_ORDER_TYPE)
            cart.order_type = order_type
        return cart

    @staticmethod
    def _touch(cart: CartState) -> None:
        now = datetime.now(UTC).replace(microsecond=0)
        if now <= cart.last_modified:
            now = cart.last_modified + timedelta(seconds=1)
        cart.last_modified = now

    def _identifier(self) -> str:
        alphabet = string.ascii_letters + string.digits
        return "".join(self._rng.choice(alphabet) for _ in range(20))

    def _points_balance(self, app: AppState, user: str) -> Decimal:
        return app.points.get(user, self.default_points)

    def _business(self, message: str) -> None:
        """A business failure: raise as a 4xx when the server is told to, else the caller answers 200."""
        if self.business_error_status != 200:
            raise _op_error(self.business_error_status, message)

    @staticmethod
    def _quantity_problem(product: dict, size: dict, quantity: int) -> str:
        stock = size["quantity"]
        if stock <= 0:
            return MSG_OUT_OF_STOCK
        moq = product.get("moq")
        if moq:
            if quantity < moq["minimum"]:
                return MSG_MOQ_MIN.format(minimum=moq["minimum"])
            if moq.get("maximum") and quantity > moq["maximum"]:
                return MSG_MOQ_MAX.format(maximum=moq["maximum"])
            if quantity % moq.get("increment_unit", 1):
                return MSG_MOQ_STEP.format(increment=moq["increment_unit"])
        if quantity > stock:
            return MSG_NOT_ENOUGH_STOCK.format(available=stock)
        return ""

    # ------------------------------------------------------------------ pricing

    def _coupon_amount(self, coupon: dict, subtotal: Decimal) -> Decimal:
        if coupon["coupon_type"] == "percentage":
            amount = money(subtotal * coupon["coupon_value"] / 100)
        else:
            amount = coupon["coupon_value"]
        return min(amount, coupon["max_discount_value"], subtotal)

    def _coupon_shortfall(self, coupon: dict, subtotal: Decimal) -> Decimal:
        if subtotal <= 0:
            return coupon["minimum_cart_value"]
        return max(coupon["minimum_cart_value"] - subtotal, ZERO)

    def _calc(self, req: Req, cart: CartState, *, cod: bool = False) -> _Totals:
        pincode = cart.area_code or req.header_pincode
        lines: list[_LineCalc] = []
        for line in cart.lines:
            product = self._product_by_uid(line.item_id)
            size = self._size_of(product, line.size)
            stock = size["quantity"]
            deliverable = not pincode or self._serviceable(pincode)
            problem = ""
            if stock <= 0:
                problem = MSG_OUT_OF_STOCK
            elif line.quantity > stock:
                problem = MSG_NOT_ENOUGH_STOCK.format(available=stock)
            elif not deliverable:
                problem = MSG_NOT_DELIVERABLE.format(pincode=pincode)
            promise = self._promise_window(pincode, cart.order_type) if not problem else None
            lines.append(
                _LineCalc(
                    line=line,
                    product=product,
                    size=size,
                    article_id=self._article_id(product, line.size),
                    unit_marked=size["marked"],
                    unit_effective=size["effective"],
                    problem=problem,
                    out_of_stock=stock <= 0,
                    deliverable=deliverable,
                    promise=promise,
                )
            )
        valid = [lc for lc in lines if lc.valid]
        mrp_total = sum((lc.unit_marked * lc.line.quantity for lc in valid), ZERO)
        selling = sum((lc.unit_effective * lc.line.quantity for lc in valid), ZERO)
        discount = selling - mrp_total
        subtotal = mrp_total + discount

        coupon_def = self.coupons.get(cart.coupon_code) if cart.coupon_code else None
        coupon_amount = ZERO
        coupon_message = ""
        coupon_applied = False
        if coupon_def is not None:
            shortfall = self._coupon_shortfall(coupon_def, subtotal)
            if shortfall > 0 or subtotal <= 0:
                coupon_message = MSG_COUPON_MIN_CART.format(
                    currency=CURRENCY_SYMBOL, short=f"{shortfall:.2f}"
                )
            else:
                coupon_amount = self._coupon_amount(coupon_def, subtotal)
                coupon_applied = True
                coupon_message = MSG_COUPON_APPLIED
        if coupon_amount and valid:
            remaining = coupon_amount
            for lc in valid[:-1]:
                share = money(coupon_amount * lc.unit_effective * lc.line.quantity / selling)
                lc.coupon_share = share
                remaining -= share
            valid[-1].coupon_share = remaining

        net = subtotal - coupon_amount
        delivery = ZERO
        if cart.order_type != "PickAtStore" and ZERO < net < FREE_DELIVERY_THRESHOLD:
            delivery = DELIVERY_CHARGE
        balance = self._points_balance(req.app, cart.user)
        applicable = max(min(balance, net + delivery), ZERO)
        fynd_cash = -applicable if cart.points_applied else ZERO
        cod_charge = COD_CHARGE if cod and subtotal > 0 else ZERO
        total = net + delivery + fynd_cash + cod_charge
        gst = money(total * GST_RATE / (100 + GST_RATE))

        windows = [lc.promise for lc in valid if lc.promise]
        promise = (min(w[0] for w in windows), max(w[1] for w in windows)) if windows else None
        return _Totals(
            lines=lines,
            mrp_total=mrp_total,
            discount=discount,
            subtotal=subtotal,
            coupon=-coupon_amount,
            delivery_charge=delivery,
            fynd_cash=fynd_cash,
            cod_charge=cod_charge,
            total=total,
            gst_charges=gst,
            coupon_def=coupon_def,
            coupon_applied=coupon_applied,
            coupon_message=coupon_message,
            points_total=balance,
            points_applicable=applicable,
            promise=promise,
            pincode=pincode,
        )

    # ------------------------------------------------------------------ rendering

    @staticmethod
    def _price(marked: Decimal, effective: Decimal, *, per_unit: bool = False) -> dict:
        selling_key = "selling_price" if per_unit else "selling"
        return {
            "effective": effective,
            "marked": marked,
            selling_key: effective,
            "add_on": effective,
            "currency_code": CURRENCY_CODE,
            "currency_symbol": CURRENCY_SYMBOL,
        }

    def _cart_product(self, product: dict) -> dict:
        slug = product["slug"]
        return {
            "uid": product["uid"],
            "name": product["name"],
            "slug": slug,
            "item_code": product["item_code"],
            "type": "product",
            "brand": {"uid": product["brand"]["uid"], "name": product["brand"]["name"]},
            "categories": [
                {"uid": product["category_leaf"]["uid"], "name": product["category_leaf"]["name"]}
            ],
            "images": [
                {
                    "url": f"{CDN}/products/{slug}/1.jpg",
                    "secure_url": f"{CDN}/products/{slug}/1.jpg",
                    "aspect_ratio": "13:20",
                }
            ],
            "action": {
                "type": "product",
                "url": f"{self.base_url}{CATALOG}/products/{slug}/",
                "query": {"product_slug": [slug]},
            },
            "teaser_tag": {"tags": {}},
            "tags": list(product["tags"]),
            "attributes": dict(product["attributes"]),
            "_custom_json": {},
        }

    def _line_json(self, cart: CartState, lc: _LineCalc, totals: _Totals) -> dict:
        line, product, size = lc.line, lc.product, lc.size
        qty = line.quantity
        coupon_code = totals.coupon_def["code"] if totals.coupon_applied else ""
        gift = cart.gift_details.get(lc.article_id) or cart.gift_details.get("article_id")
        base_unit = {
            "effective": lc.unit_effective,
            "marked": lc.unit_marked,
            "currency_code": CURRENCY_CODE,
            "currency_symbol": CURRENCY_SYMBOL,
        }
        item = {
            "key": f"{product['uid']}_{line.size}",
            "identifiers": {"identifier": line.identifier},
            "quantity": qty,
            "message": lc.problem,
            "discount": _discount_text(lc.unit_marked, lc.unit_effective),
            "coupon_message": f"{coupon_code} applied" if lc.coupon_share else "",
            "is_set": False,
            "moq": dict(product["moq"]) if product.get("moq") else {},
            "parent_item_identifiers": dict(line.parent_item_identifiers),
            "product_ean_id": self._ean(product, size),
            "bulk_offer": {},
            "custom_order": {},
            "promo_meta": {"message": ""},
            "charges": [],
            "coupon": {
                "code": coupon_code,
                "discount_single_quantity": money(lc.coupon_share / qty) if qty else ZERO,
                "discount_total_quantity": lc.coupon_share,
            },
            "promotions_applied": [],
            "availability": {
                "out_of_stock": lc.out_of_stock,
                "deliverable": lc.deliverable,
                "is_valid": lc.valid,
                "other_store_quantity": 0,
                "sizes": [s["value"] for s in product["sizes"]],
                "available_sizes": [
                    {"display": s["display"], "value": s["value"], "is_available": s["quantity"] > 0}
                    for s in product["sizes"]
                ],
            },
            "product": self._cart_product(product),
            "article": {
                "uid": lc.article_id,
                "type": "article",
                "size": line.size,
                "quantity": size["quantity"],
                "seller": dict(SELLER),
                "store": dict(STORE),
                "price": {"base": dict(base_unit), "converted": dict(base_unit)},
                "seller_identifier": self._ean(product, size),
                "identifier": {"ean": self._ean(product, size)},
                "parent_item_identifiers": dict(line.parent_item_identifiers),
                "product_group_tags": list(line.product_group_tags),
                "mto_quantity": 0,
                "gift_card": (
                    {
                        "is_gift_applied": bool(gift.get("is_gift_applied")),
                        "gift_message": gift.get("gift_message", ""),
                    }
                    if isinstance(gift, dict)
                    else {}
                ),
                "is_gift_visible": True,
                "cart_item_meta": {},
                "extra_meta": dict(line.extra_meta),
                "meta": dict(line.meta),
                "_custom_json": dict(line.custom_json),
                "tags": [],
            },
            "price": {
                "base": self._price(lc.unit_marked * qty, lc.unit_effective * qty),
                "converted": self._price(lc.unit_marked * qty, lc.unit_effective * qty),
            },
            "price_per_unit": {
                "base": self._price(lc.unit_marked, lc.unit_effective, per_unit=True),
                "converted": self._price(lc.unit_marked, lc.unit_effective, per_unit=True),
            },
        }
        if lc.promise:
            item["delivery_promise"] = self._promise_json(lc.promise)
        return item

    def _breakup_json(self, totals: _Totals, *, coupon_note: str = "", attempted_code: str = "") -> dict:
        def row(key: str, display: str, value: Decimal, messages: list[str] | None = None) -> dict:
            return {
                "key": key,
                "display": display,
                "value": value,
                "currency_code": CURRENCY_CODE,
                "currency_symbol": CURRENCY_SYMBOL,
                "message": messages or [],
            }

        coupon_def = totals.coupon_def
        display = [row("mrp_total", "MRP Total", totals.mrp_total)]
        if totals.discount:
            display.append(row("discount", "Discount", totals.discount))
        display.append(row("subtotal", "Subtotal", totals.subtotal))
        if totals.coupon:
            display.append(row("coupon", "Coupon", totals.coupon, [coupon_def["title"]]))
        if totals.delivery_charge:
            display.append(row("delivery_charge", "Delivery Charge", totals.delivery_charge))
        if totals.fynd_cash:
            display.append(
                row(
                    "fynd_cash",
                    "Loyalty Points",
                    totals.fynd_cash,
                    [f"{-totals.fynd_cash:.2f} points redeemed"],
                )
            )
        if totals.cod_charge:
            display.append(row("cod_charge", "COD Charges", totals.cod_charge))
        display.append(row("total", "Total", totals.total))

        if coupon_def is not None:
            coupon = {
                "code": coupon_def["code"],
                "uid": str(coupon_def["uid"]),
                "type": "cash",
                "coupon_type": coupon_def["coupon_type"],
                "coupon_value": coupon_def["coupon_value"],
                "value": -totals.coupon,
                "is_applied": totals.coupon_applied,
                "message": coupon_note or totals.coupon_message,
                "title": coupon_def["title"],
                "sub_title": coupon_def["sub_title"],
                "description": coupon_def["description"],
                "minimum_cart_value": coupon_def["minimum_cart_value"],
                "max_discount_value": coupon_def["max_discount_value"],
            }
        else:
            coupon = {
                "code": attempted_code,
                "uid": "",
                "type": "",
                "coupon_type": None,
                "coupon_value": ZERO,
                "value": ZERO,
                "is_applied": False,
                "message": coupon_note,
                "title": None,
                "sub_title": None,
                "description": None,
                "minimum_cart_value": ZERO,
                "max_discount_value": ZERO,
            }
        return {
            "display": display,
            "raw": {
                "mrp_total": totals.mrp_total,
                "discount": totals.discount,
                "subtotal": totals.subtotal,
                "coupon": totals.coupon,
                "delivery_charge": totals.delivery_charge,
                "convenience_fee": ZERO,
                "cod_charge": totals.cod_charge,
                "fynd_cash": totals.fynd_cash,
                "gift_card": ZERO,
                "gst_charges": totals.gst_charges,
                "total_charge": totals.delivery_charge + totals.cod_charge,
                "mop_total": totals.total,
                "total": totals.total,
                "vog": totals.total - totals.gst_charges,
                "you_saved": -(totals.discount + totals.coupon),
            },
            "coupon": coupon,
            "loyalty_points": {
                "total": totals.points_total,
                "applicable": totals.points_applicable,
                "is_applied": bool(totals.fynd_cash),
                "description": (
                    f"Redeem up to {totals.points_applicable:.2f} points (1 point = {CURRENCY_SYMBOL}1)"
                ),
            },
        }

    def _cart_json(
        self,
        req: Req,
        cart: CartState,
        *,
        items: bool | None = None,
        breakup: bool | None = None,
        message: str = "",
        success: bool = True,
        coupon_note: str = "",
        attempted_code: str = "",
    ) -> dict:
        with_items = req.flag("i", True) if items is None else items
        with_breakup = req.flag("b", True) if breakup is None else breakup
        totals = self._calc(req, cart, cod=req.flag("c"))
        coupon_def = totals.coupon_def
        is_valid = totals.is_valid
        shortfall = FREE_DELIVERY_THRESHOLD - (totals.subtotal + totals.coupon)
        if totals.delivery_charge:
            delivery_info = f"Add {CURRENCY_SYMBOL}{shortfall:.2f} more for free delivery"
        else:
            delivery_info = ""
        data: dict[str, Any] = {
            "id": cart.id,
            "uid": str(cart.uid),
            "cart_id": cart.uid,
            "is_valid": is_valid,
            "message": message,
            "success": success,
            "restrict_checkout": (not is_valid) or self.force_restrict_checkout,
            "staff_user_id": cart.staff_user_id,
            "last_modified": _iso_z(cart.last_modified),
            "buy_now": cart.buy_now,
            "comment": cart.comment,
            "gstin": cart.gstin,
            "pan_no": "",
            "pan_config": {},
            "checkout_mode": cart.checkout_mode,
            "currency": {"code": CURRENCY_CODE, "symbol": CURRENCY_SYMBOL},
            "coupon_text": "View all offers",
            "delivery_charge_info": delivery_info,
            "applied_promo_details": [],
            "coupon": {
                "cashback_amount": ZERO,
                "cashback_message_primary": "",
                "cashback_message_secondary": "",
                "coupon_code": coupon_def["code"] if coupon_def else attempted_code,
                "coupon_description": coupon_def["description"] if coupon_def else "",
                "coupon_id": str(coupon_def["uid"]) if coupon_def else "",
                "coupon_subtitle": coupon_def["sub_title"] if coupon_def else "",
                "coupon_title": coupon_def["title"] if coupon_def else "",
                "coupon_type": coupon_def["coupon_type"] if coupon_def else "",
                "coupon_value": coupon_def["coupon_value"] if coupon_def else ZERO,
                "discount": -totals.coupon,
                "is_applied": totals.coupon_applied,
                "is_valid": coupon_def is not None or not attempted_code,
                "maximum_discount_value": coupon_def["max_discount_value"] if coupon_def else ZERO,
                "message": coupon_note or totals.coupon_message,
                "minimum_cart_value": coupon_def["minimum_cart_value"] if coupon_def else ZERO,
            },
            "payment_selection_lock": {"enabled": False, "default_options": "", "payment_identifier": ""},
            "common_config": {
                "delivery_charges_config": {
                    "enabled": True,
                    "charges": [{"charges": DELIVERY_CHARGE, "threshold": FREE_DELIVERY_THRESHOLD}],
                }
            },
            "notification": {},
            "custom_cart_meta": dict(cart.custom_cart_meta),
        }
        if totals.promise:
            data["delivery_promise"] = self._promise_json(totals.promise)
        if with_items:
            data["items"] = [self._line_json(cart, lc, totals) for lc in totals.lines]
        if with_breakup:
            data["breakup_values"] = self._breakup_json(
                totals, coupon_note=coupon_note, attempted_code=attempted_code
            )
        return data

    # ------------------------------------------------------------------ cart: detail

    @route("GET", CART + "/detail")
    def _get_cart(self, req: Req) -> dict:
        return self._cart_json(req, self._cart_for(req))

    @route("HEAD", CART + "/detail")
    def _head_cart(self, req: Req) -> Response:
        cart = self._cart_for(req)
        return Response(200, None, {"Last-Modified": format_datetime(cart.last_modified, usegmt=True)})

    def _resolve_add_item(self, item: dict) -> tuple[dict, dict]:
        """The product and size an AddProductCart names, or a business failure."""
        item_id = item.get("item_id")
        article_id = item.get("article_id")
        if item_id is None:
            found = self._find_article(article_id) if article_id else None
            if found is None:
                raise _BusinessFailure(MSG_ITEM_NOT_FOUND)
            return found
        product = self._product_by_uid(item_id)
        if product is None:
            raise _BusinessFailure(MSG_ITEM_NOT_FOUND)
        size_value = item.get("item_size")
        if size_value in (None, ""):
            if len(product["sizes"]) != 1:
                raise _BusinessFailure(MSG_SIZE_REQUIRED)
            size_value = product["sizes"][0]["value"]
        try:
            size = self._size_of(product, str(size_value))
        except KeyError:
            raise _BusinessFailure(MSG_ITEM_NOT_FOUND) from None
        if article_id and article_id != self._article_id(product, size["value"]):
            raise _BusinessFailure(MSG_ITEM_NOT_FOUND)
        return product, size

    @route("POST", CART + "/detail")
    def _add_items(self, req: Req) -> dict:
        body = req.obj()
        items = body.get("items")
        if not items:
            raise _field_error("items")
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise _op_error(400, MSG_INVALID_JSON)
        for item in items:
            if item.get("item_id") is None and not item.get("article_id"):
                raise _field_error("item_id")
            for key in ("item_id", "store_id", "seller_id"):
                value = item.get(key)
                if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                    raise _field_error(key, MSG_NOT_INTEGER)
            quantity = item.get("quantity", 1)
            if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
                raise _op_error(400, MSG_INVALID_QUANTITY.format(minimum=1))
        if body.get("new_cart") is True:
            cart = self._new_cart(req.app, req.user, req.flag("buy_now"))
            self._cart_for(req, cart_id=cart.id)  # applies area_code / order_type
        else:
            cart = self._cart_for(req)
            if req.flag("buy_now") and cart.buy_now and cart.lines:
                cart.lines.clear()  # buy now initialises its cart with just these items
                self._touch(cart)

        results: list[dict] = []
        failures: list[str] = []
        for item in items:
            quantity = item.get("quantity", 1)
            info = {"item_id": item.get("item_id"), "size": item.get("item_size"), "store_id": STORE["uid"]}
            try:
                product, size = self._resolve_add_item(item)
                if item.get("store_id") not in (None, STORE["uid"]) or item.get("seller_id") not in (
                    None,
                    SELLER["uid"],
                ):
                    raise _BusinessFailure(MSG_ITEM_NOT_FOUND)
                existing = next(
                    (ln for ln in cart.lines if ln.item_id == product["uid"] and ln.size == size["value"]),
                    None,
                )
                new_quantity = quantity + (existing.quantity if existing else 0)
                problem = self._quantity_problem(product, size, new_quantity)
                if problem:
                    raise _BusinessFailure(problem)
            except _BusinessFailure as exc:
                failures.append(exc.message)
                results.append({**info, "success": False, "message": exc.message})
                continue
            if existing:
                existing.quantity = new_quantity
            else:
                cart.lines.append(
                    Line(
                        identifier=self._identifier(),
                        item_id=product["uid"],
                        size=size["value"],
                        quantity=quantity,
                        extra_meta=dict(item.get("extra_meta") or {}),
                        meta=dict(item.get("meta") or {}),
                        custom_json=dict(item.get("_custom_json") or {}),
                        product_group_tags=list(item.get("product_group_tags") or []),
                    )
                )
            done = {"item_id": product["uid"], "size": size["value"], "success": True, "message": MSG_ADDED}
            results.append({**info, **done})
        added = len(results) - len(failures)
        if added:
            self._touch(cart)
        else:
            self._business(failures[0])
        message = MSG_ADDED if not failures else failures[0]
        return {
            "message": message,
            "success": not failures,
            "partial": bool(added and failures),
            "cart": self._cart_json(req, cart, message=message, success=not failures),
            "items": results,
        }

    def _find_line(self, cart: CartState, item: dict) -> Line | None:
        identifier = (item.get("identifiers") or {}).get("identifier")
        if identifier:
            return next((ln for ln in cart.lines if ln.identifier == identifier), None)
        index = item.get("item_index")
        if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(cart.lines):
            return cart.lines[index]
        item_id, size = item.get("item_id"), item.get("item_size")
        return next((ln for ln in cart.lines if ln.item_id == item_id and ln.size == size), None)

    def _update_one(self, cart: CartState, item: dict, operation: str) -> tuple[bool, str, bool]:
        """(success, message, changed) for one UpdateProductCart."""
        line = self._find_line(cart, item)
        if line is None:
            return False, MSG_NOTHING_UPDATED, False
        quantity = item.get("quantity", line.quantity)
        if operation == "remove_item" or quantity == 0:
            cart.lines.remove(line)
            return True, MSG_REMOVED, True
        product = self._product_by_uid(line.item_id)
        changed = False
        for key, attr in (("extra_meta", "extra_meta"), ("meta", "meta"), ("_custom_json", "custom_json")):
            if isinstance(item.get(key), dict) and item[key] != getattr(line, attr):
                setattr(line, attr, dict(item[key]))
                changed = True
        if isinstance(item.get("parent_item_identifiers"), dict):
            line.parent_item_identifiers = dict(item["parent_item_identifiers"])
        new_size = str(item.get("item_size") or line.size)
        if new_size != line.size:
            try:
                size = self._size_of(product, new_size)
            except KeyError:
                return False, MSG_ITEM_NOT_FOUND, changed
            other = next(
                (
                    ln
                    for ln in cart.lines
                    if ln is not line and ln.item_id == line.item_id and ln.size == new_size
                ),
                None,
            )
            total = quantity + (other.quantity if other else 0)
            problem = self._quantity_problem(product, size, total)
            if problem:
                return False, problem, changed
            if other:
                other.quantity = total
                cart.lines.remove(line)
            else:
                line.size = new_size
                line.quantity = quantity
            return True, MSG_SIZE_UPDATED, True
        if quantity == line.quantity:
            return True, MSG_NOTHING_UPDATED, changed
        problem = self._quantity_problem(product, self._size_of(product, line.size), quantity)
        if problem:
            return False, problem, changed
        line.quantity = quantity
        return True, MSG_UPDATED, True

    @route("PUT", CART + "/detail")
    def _update_cart(self, req: Req) -> dict:
        body = req.obj()
        operation = body.get("operation")
        if operation is None:
            raise _field_error("operation")
        if operation not in ("update_item", "remove_item"):
            raise _op_error(400, MSG_INVALID_OPERATION)
        items = body.get("items")
        if not items:
            raise _field_error("items")
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise _op_error(400, MSG_INVALID_JSON)
        for item in items:
            if not isinstance(item.get("identifiers"), dict):
                raise _field_error("identifiers")
            if "quantity" in item:
                quantity = item["quantity"]
                if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
                    raise _op_error(400, MSG_INVALID_QUANTITY.format(minimum=0))
        cart = self._cart_for(req)
        outcomes = [self._update_one(cart, item, operation) for item in items]
        any_changed = any(changed for _, _, changed in outcomes)
        if any_changed:
            self._touch(cart)
        failed = [message for ok, message, _ in outcomes if not ok]
        if failed and not any_changed:
            self._business(failed[0])
        message = failed[0] if failed else outcomes[-1][1]
        results = [
            {"item_id": item.get("item_id"), "size": item.get("item_size"), "store_id": STORE["uid"]}
            | {"success": ok, "message": msg}
            for item, (ok, msg, _) in zip(items, outcomes, strict=True)
        ]
        return {
            "message": message,
            "success": not failed,
            "cart": self._cart_json(req, cart, message=message, success=not failed),
            "items": results,
        }

    @route("PATCH", CART + "/detail")
    def _update_breakup(self, req: Req) -> dict:
        body = req.obj()
        store_credit = body.get("store_credit")
        if not isinstance(store_credit, bool):
            raise _field_error(
                "store_credit", MSG_NOT_BOOLEAN if store_credit is not None else MSG_MISSING_FIELD
            )
        cart = self._cart_for(req)
        if cart.store_credit != store_credit:
            cart.store_credit = store_credit
            self._touch(cart)
        return {"message": "", "success": True, "cart": self._cart_json(req, cart)}

    @route("PUT", CART + "/cart_archive")
    def _archive(self, req: Req) -> dict:
        cart = self._cart_for(req)
        cart.reset()
        self._touch(cart)
        return {"success": True, "message": MSG_ARCHIVED}

    @route("GET", CART + "/basic")
    def _count(self, req: Req) -> dict:
        return {"user_cart_items_count": len(self._cart_for(req).lines)}

    # ------------------------------------------------------------------ cart: coupons and points

    @route("GET", CART + "/coupon")
    def _list_coupons(self, req: Req) -> dict:
        cart = self._cart_for(req)
        totals = self._calc(req, cart)
        listing = []
        for coupon in self.coupons.values():
            shortfall = self._coupon_shortfall(coupon, totals.subtotal)
            applicable = shortfall <= 0 and totals.subtotal > 0
            reason = (
                coupon["description"]
                if applicable
                else MSG_COUPON_MIN_CART.format(currency=CURRENCY_SYMBOL, short=f"{shortfall:.2f}")
            )
            listing.append(
                {
                    "uid": coupon["uid"],
                    "coupon_code": coupon["code"],
                    "title": coupon["title"],
                    "sub_title": coupon["sub_title"],
                    "message": reason,
                    "description": coupon["description"],
                    "coupon_type": coupon["coupon_type"],
                    "coupon_value": coupon["coupon_value"],
                    "coupon_amount": self._coupon_amount(coupon, totals.subtotal) if applicable else ZERO,
                    "max_discount_value": coupon["max_discount_value"],
                    "minimum_cart_value": coupon["minimum_cart_value"],
                    "is_applicable": applicable,
                    "is_applied": totals.coupon_applied and totals.coupon_def is coupon,
                    "expires_on": coupon["expires_on"],
                    "start_date": None,
                    "end_date": None,
                    "coupon_applicable_message": reason,
                    "offer_text": coupon["sub_title"],
                    "is_bank_offer": False,
                }
            )
        return {
            "available_coupon_list": listing,
            "page": {
                "current": 1,
                "total": 1,
                "has_previous": False,
                "has_next": False,
                "total_item_count": len(listing),
            },
        }

    @route("POST", CART + "/coupon")
    def _apply_coupon(self, req: Req) -> dict:
        body = req.obj()
        code = body.get("coupon_code")
        if not code or not isinstance(code, str):
            raise _field_error("coupon_code")
        cart = self._cart_for(req)
        coupon = self.coupons.get(code.strip().upper())
        if coupon is None:
            self._business(MSG_COUPON_INVALID)
            return self._cart_json(
                req,
                cart,
                message=MSG_COUPON_INVALID,
                success=False,
                coupon_note=MSG_COUPON_INVALID,
                attempted_code=code,
            )
        subtotal = self._calc(req, cart).subtotal
        shortfall = self._coupon_shortfall(coupon, subtotal)
        if shortfall > 0 or subtotal <= 0:
            reason = MSG_COUPON_MIN_CART.format(currency=CURRENCY_SYMBOL, short=f"{shortfall:.2f}")
            self._business(reason)
            return self._cart_json(
                req, cart, message=reason, success=False, coupon_note=reason, attempted_code=coupon["code"]
            )
        if cart.coupon_code != coupon["code"]:
            cart.coupon_code = coupon["code"]
            self._touch(cart)
        return self._cart_json(req, cart, message=MSG_COUPON_APPLIED)

    @route("DELETE", CART + "/coupon")
    def _remove_coupon(self, req: Req) -> dict:
        cart = self._cart_for(req)
        if cart.coupon_code:
            cart.coupon_code = ""
            self._touch(cart)
        return self._cart_json(req, cart, message=MSG_COUPON_REMOVED, coupon_note=MSG_COUPON_REMOVED)

    def _redeem(self, req: Req, flag_name: str) -> dict:
        body = req.obj()
        value = body.get(flag_name)
        if value is None:
            raise _field_error(flag_name)
        if not isinstance(value, bool):
            raise _field_error(flag_name, MSG_NOT_BOOLEAN)
        cart = self._cart_for(req)
        if value and self._calc(req, cart).points_applicable <= 0:
            self._business(MSG_NO_POINTS)
            return self._cart_json(req, cart, message=MSG_NO_POINTS, success=False)
        if cart.points_applied != value:
            cart.points_applied = value
            self._touch(cart)
        return self._cart_json(req, cart, message=MSG_POINTS_APPLIED if value else MSG_POINTS_REMOVED)

    @route("POST", CART + "/redeem/points/")
    def _redeem_points_v1(self, req: Req) -> dict:
        return self._redeem(req, "points")

    @route("POST", CART + "/redeem")
    def _redeem_points_v2(self, req: Req) -> dict:
        return self._redeem(req, "redeem_points")

    # ------------------------------------------------------------------ cart: addresses

    def _addresses(self, req: Req) -> list[dict]:
        return req.app.addresses.setdefault(req.user, [])

    def _address(self, req: Req, address_id: str) -> dict:
        for address in self._addresses(req):
            if address["id"] == address_id:
                return address
        raise _op_error(404, MSG_ADDRESS_NOT_FOUND.format(address_id=address_id))

    @route("GET", CART + "/address")
    def _list_addresses(self, req: Req) -> dict:
        found = list(self._addresses(req))
        if req.flag("is_default"):
            found = [a for a in found if a.get("is_default_address")]
        if req.q("mobile_no"):
            found = [a for a in found if a.get("phone") == req.q("mobile_no")]
        if req.q("checkout_mode"):
            found = [a for a in found if a.get("checkout_mode", "self") == req.q("checkout_mode")]
        if req.q("tags"):
            wanted = set(req.q("tags").split(","))
            found = [a for a in found if wanted & set(a.get("tags") or [])]
        return {"address": copy.deepcopy(found), "pii_masking": False}

    def _user_id(self, user: str) -> str:
        return hashlib.sha1(user.encode()).hexdigest()[:24] if user else ""  # noqa: S324 - an id, not a secret

    @route("POST", CART + "/address")
    def _add_address(self, req: Req) -> dict:
        body = req.obj()
        addresses = self._addresses(req)
        address = copy.deepcopy(body)
        address["id"] = f"{self._rng.getrandbits(96):024x}"
        address.setdefault("is_active", True)
        address["user_id"] = address["created_by_user_id"] = self._user_id(req.user)
        is_default = bool(body.get("is_default_address")) or not addresses
        if is_default:
            for other in addresses:
                other["is_default_address"] = False
        address["is_default_address"] = is_default
        addresses.append(address)
        return {"id": address["id"], "success": True, "is_default_address": is_default}

    @route("GET", CART + r"/address/(?P<address_id>[^/]+)")
    def _get_address(self, req: Req) -> dict:
        return copy.deepcopy(self._address(req, req.args["address_id"]))

    @route("PUT", CART + r"/address/(?P<address_id>[^/]+)")
    def _update_address(self, req: Req) -> dict:
        body = req.obj()
        address = self._address(req, req.args["address_id"])
        for key, value in body.items():
            if key not in ("id", "user_id", "created_by_user_id"):
                address[key] = copy.deepcopy(value)
        if body.get("is_default_address"):
            for other in self._addresses(req):
                other["is_default_address"] = other is address
        return {
            "id": address["id"],
            "success": True,
            "is_updated": True,
            "is_default_address": bool(address.get("is_default_address")),
        }

    @route("DELETE", CART + r"/address/(?P<address_id>[^/]+)")
    def _delete_address(self, req: Req) -> dict:
        address = self._address(req, req.args["address_id"])
        self._addresses(req).remove(address)
        for cart in req.app.carts.values():
            if cart.address_id == address["id"]:
                cart.address_id = ""
                self._touch(cart)
            if cart.billing_address_id == address["id"]:
                cart.billing_address_id = ""
        return {"id": address["id"], "is_deleted": True}

    @route("POST", CART + "/select-address")
    def _select_address(self, req: Req) -> dict:
        body = req.obj()
        address_id = body.get("id")
        if not address_id:
            raise _field_error("id")
        cart = self._cart_for(req, id_param="cart_id", cart_id=body.get("cart_id") or None)
        address = self._address(req, address_id)
        billing_id = body.get("billing_address_id") or address_id
        self._address(req, billing_id)
        cart.address_id = address_id
        cart.billing_address_id = billing_id
        if address.get("area_code"):
            cart.area_code = str(address["area_code"])
        self._touch(cart)
        return self._cart_json(req, cart)

    # ------------------------------------------------------------------ cart: payment, shipments, meta

    @route("PUT", CART + "/payment")
    def _select_payment(self, req: Req) -> dict:
        body = req.obj()
        cart = self._cart_for(req, cart_id=body.get("id") or None)
        cart.payment_mode = str(body.get("payment_mode") or "")
        cart.payment_identifier = str(body.get("payment_identifier") or "")
        if body.get("address_id"):
            self._address(req, body["address_id"])
            cart.address_id = body["address_id"]
        self._touch(cart)
        return self._cart_json(req, cart)

    @route("GET", CART + "/payment/validate/")
    def _validate_payment(self, req: Req) -> dict:
        cart = self._cart_for(req)
        return {
            "success": True,
            "message": "",
            "coupon_validity": {
                "title": "",
                "discount": ZERO,
                "valid": True,
                "next_validation_required": False,
                "display_message_en": "",
                "code": cart.coupon_code,
            },
        }

    @route("GET", CART + "/shipment")
    def _shipments(self, req: Req) -> dict:
        cart = self._cart_for(req)
        if req.q("address_id"):
            address = self._address(req, req.q("address_id"))
            if address.get("area_code"):
                cart.area_code = str(address["area_code"])
        data = self._cart_json(req, cart, items=True, breakup=True)
        items = data.pop("items")
        valid_items = [i for i in items if i["availability"]["is_valid"]]
        data["error"] = not valid_items
        if valid_items:
            data["shipments"] = [
                {
                    "shipments": 1,
                    "promise": data.get("delivery_promise"),
                    "order_type": cart.order_type,
                    "shipment_type": "single_shipment",
                    "box_type": None,
                    "dp_id": None,
                    "dp_options": {},
                    "fulfillment_id": STORE["uid"],
                    "fulfillment_type": "store",
                    "items": valid_items,
                }
            ]
        else:
            data["shipments"] = []
            data["message"] = MSG_NO_SHIPMENTS
        return data

    @route("PUT", CART + "/meta")
    def _update_meta(self, req: Req) -> Response | dict:
        body = req.obj()
        errors = []
        gstin = body.get("gstin")
        if gstin not in (None, "") and (not isinstance(gstin, str) or not GSTIN_RE.fullmatch(gstin)):
            errors.append(MSG_INVALID_GSTIN)
        if body.get("checkout_mode") not in (None, "self", "other"):
            errors.append(MSG_INVALID_CHECKOUT_MODE)
        for key in ("gift_details", "pick_up_customer_details", "delivery_slots", "custom_cart_meta"):
            if body.get(key) is not None and not isinstance(body[key], dict):
                errors.append(MSG_INVALID_META.format(field=key))
        gifts = body.get("gift_details")
        if isinstance(gifts, dict) and not all(isinstance(v, dict) for v in gifts.values()):
            errors.append(MSG_INVALID_META.format(field="gift_details.<article_id>"))
        if errors:
            return Response(400, {"errors": errors})
        cart = self._cart_for(req)
        for key in ("gstin", "comment", "checkout_mode"):
            if key in body and body[key] is not None:
                setattr(cart, key, str(body[key]))
        for key in ("gift_details", "pick_up_customer_details", "delivery_slots", "custom_cart_meta"):
            if body.get(key) is not None:
                setattr(cart, key, copy.deepcopy(body[key]))
        self._touch(cart)
        return {"message": MSG_META_UPDATED, "is_valid": True}

    # ------------------------------------------------------------------ checkout

    def _checkout(self, req: Req, *, v2: bool) -> Response | dict:
        body = req.obj()
        missing = {}
        if not body.get("payment_mode"):
            missing["payment_mode"] = [MSG_MISSING_FIELD]
        if v2:
            methods = body.get("payment_methods")
            if not methods or not isinstance(methods, list):
                missing["payment_methods"] = [MSG_MISSING_FIELD]
            else:
                for method in methods:
                    if not isinstance(method, dict) or not method.get("mode"):
                        missing["payment_methods.mode"] = [MSG_MISSING_FIELD]
                    if not isinstance(method, dict) or not isinstance(method.get("payment_meta"), dict):
                        missing["payment_methods.payment_meta"] = [MSG_MISSING_FIELD]
        if missing:
            return Response(400, missing)
        cart_id = (body.get("cart_id") if v2 else None) or body.get("id") or None
        cart = self._cart_for(req, cart_id=cart_id)
        order_type = body.get("order_type") or cart.order_type
        if order_type not in ORDER_TYPES:
            raise _op_error(400, MSG_INVALID_ORDER_TYPE)
        address_id = body.get("address_id") or cart.address_id
        if order_type == "HomeDelivery" and not address_id:
            return Response(400, {"address_id": [MSG_MISSING_FIELD]})
        address = billing = None
        if address_id:
            address = next((a for a in self._addresses(req) if a["id"] == address_id), None)
            if address is None:
                raise _op_error(400, MSG_ADDRESS_NOT_FOUND.format(address_id=address_id))
            if address.get("area_code"):
                cart.area_code = str(address["area_code"])
        billing_id = body.get("billing_address_id") or cart.billing_address_id or address_id
        if billing_id:
            billing = next((a for a in self._addresses(req) if a["id"] == billing_id), None)
            if billing is None:
                raise _op_error(400, MSG_ADDRESS_NOT_FOUND.format(address_id=billing_id))
        if not cart.lines:
            raise _op_error(400, MSG_EMPTY_CART)
        cart.order_type = order_type
        payment_mode = str(body["payment_mode"])
        cod = payment_mode.upper() == "COD"
        totals = self._calc(req, cart, cod=cod)
        if not totals.is_valid or self.force_restrict_checkout:
            raise _op_error(400, MSG_CART_INVALID)

        order_id = f"FY{self._rng.getrandbits(72):018X}"
        snapshot = self._cart_json(req, cart, items=True, breakup=True)
        snapshot["breakup_values"] = self._breakup_json(totals)
        order = {
            "order_id": order_id,
            "cart_id": cart.id,
            "checkout_version": 2 if v2 else 1,
            "payment_mode": payment_mode,
            "payment_methods": copy.deepcopy(body.get("payment_methods") or []),
            "order_type": order_type,
            "address_id": address_id,
            "billing_address_id": billing_id,
            "delivery_address": copy.deepcopy(body.get("delivery_address") or address),
            "billing_address": copy.deepcopy(body.get("billing_address") or billing),
            "lines": [
                {
                    "item_id": lc.line.item_id,
                    "size": lc.line.size,
                    "quantity": lc.line.quantity,
                    "article_id": lc.article_id,
                    "price_marked": lc.unit_marked,
                    "price_effective": lc.unit_effective,
                }
                for lc in totals.lines
            ],
            "breakup": json.loads(dumps(snapshot["breakup_values"]["raw"])),
            "coupon_code": cart.coupon_code if totals.coupon_applied else "",
            "points_redeemed": -totals.fynd_cash,
            "meta": {
                "comment": cart.comment,
                "gstin": cart.gstin,
                "checkout_mode": cart.checkout_mode,
                "gift_details": copy.deepcopy(cart.gift_details),
                "pick_up_customer_details": copy.deepcopy(cart.pick_up_customer_details),
                "delivery_slots": copy.deepcopy(cart.delivery_slots),
                "custom_cart_meta": copy.deepcopy(cart.custom_cart_meta),
            },
            "staff": copy.deepcopy(body.get("staff")),
            "staff_user_id": cart.staff_user_id,
            "customer_details": copy.deepcopy(body.get("customer_details")),
            "custom_meta": copy.deepcopy(body.get("custom_meta")),
            "ordering_store": body.get("ordering_store"),
            "callback_url": body.get("callback_url") or "",
        }
        req.app.orders[order_id] = order
        for lc in totals.lines:
            lc.size["quantity"] -= lc.line.quantity
        if totals.fynd_cash:
            req.app.points[cart.user] = totals.points_total + totals.fynd_cash
        check_cart = {
            **snapshot,
            "order_id": order_id,
            "cod_available": True,
            "cod_charges": COD_CHARGE,
            "cod_message": "",
            "delivery_charges": totals.delivery_charge,
            "delivery_charge_order_value": FREE_DELIVERY_THRESHOLD,
            "error_message": "",
            "store_code": STORE["store_code"],
            "store_emps": [],
            "user_type": "Store User" if cart.staff_user_id else "User",
        }
        cart.reset()
        self._touch(cart)
        return {
            "success": True,
            "order_id": order_id,
            "message": "",
            "data": {"order_id": order_id},
            "callback_url": order["callback_url"],
            "app_intercept_url": "",
            "payment_confirm_url": "",
            "cart": check_cart,
        }

    @route("POST", CART + "/checkout")
    def _checkout_v1(self, req: Req) -> Response | dict:
        return self._checkout(req, v2=False)

    @route("POST", CART_V2 + "/checkout")
    def _checkout_v2(self, req: Req) -> Response | dict:
        return self._checkout(req, v2=True)

    # ------------------------------------------------------------------ share cart

    SHARED_KEYS = (
        "id",
        "uid",
        "cart_id",
        "is_valid",
        "message",
        "items",
        "breakup_values",
        "currency",
        "delivery_promise",
        "payment_selection_lock",
        "checkout_mode",
        "comment",
        "gstin",
        "coupon_text",
        "delivery_charge_info",
        "restrict_checkout",
        "last_modified",
        "buy_now",
        "custom_cart_meta",
    )

    def _shared_json(self, req: Req, cart: CartState, share: Share, *, message: str = "") -> dict:
        full = self._cart_json(req, cart, items=True, breakup=True, message=message)
        shared = {key: full[key] for key in self.SHARED_KEYS if key in full}
        shared["shared_cart_details"] = {
            "token": share.token,
            "user": {"user_id": self._user_id(share.user), "is_anonymous": not share.user},
            "created_on": _iso_z(share.created_on),
            "source": {},
            "meta": copy.deepcopy(share.meta),
        }
        return shared

    def _share(self, req: Req) -> Share:
        share = req.app.shares.get(req.args["token"])
        if share is None:
            raise _op_error(404, MSG_SHARE_NOT_FOUND)
        return share

    @route("POST", CART + "/share-cart")
    def _create_share(self, req: Req) -> dict:
        body = req.obj()
        cart = self._cart_for(req, cart_id=body.get("id") or None)
        alphabet = string.ascii_letters + string.digits
        token = "".join(self._rng.choice(alphabet) for _ in range(8))
        meta = body.get("meta") if isinstance(body.get("meta"), dict) else {}
        req.app.shares[token] = Share(
            token=token,
            cart_id=cart.id,
            user=req.user,
            created_on=datetime.now(UTC).replace(microsecond=0),
            meta=copy.deepcopy(meta),
            lines=[
                {"identifier": ln.identifier, "item_id": ln.item_id, "size": ln.size, "quantity": ln.quantity}
                for ln in cart.lines
            ],
        )
        return {"token": token, "share_url": f"{self.base_url}/shared-cart/{token}"}

    @route("GET", CART + r"/share-cart/(?P<token>[^/]+)")
    def _get_share(self, req: Req) -> dict:
        share = self._share(req)
        source = req.app.carts[share.cart_id]
        view = CartState(
            id=source.id, uid=source.uid, user=share.user, buy_now=False, last_modified=share.created_on
        )
        view.area_code = source.area_code
        view.comment, view.gstin, view.checkout_mode = source.comment, source.gstin, source.checkout_mode
        view.custom_cart_meta = dict(source.custom_cart_meta)
        view.lines = [
            Line(identifier=s["identifier"], item_id=s["item_id"], size=s["size"], quantity=s["quantity"])
            for s in share.lines
        ]
        return {"cart": self._shared_json(req, view, share)}

    @route("POST", CART + r"/share-cart/(?P<token>[^/]+)/(?P<action>[^/]+)")
    def _apply_share(self, req: Req) -> dict:
        share = self._share(req)
        action = req.args["action"]
        if action not in ("merge", "replace"):
            raise _op_error(400, MSG_SHARE_ACTION)
        cart = self._cart_for(req)
        if action == "replace":
            cart.lines.clear()
        skipped = []
        for snap in share.lines:
            product = self._product_by_uid(snap["item_id"])
            size = self._size_of(product, snap["size"])
            existing = next(
                (ln for ln in cart.lines if ln.item_id == snap["item_id"] and ln.size == snap["size"]), None
            )
            quantity = snap["quantity"] + (existing.quantity if existing else 0)
            problem = self._quantity_problem(product, size, quantity)
            if problem:
                skipped.append(f"{product['name']} ({snap['size']}): {problem}")
                continue
            if existing:
                existing.quantity = quantity
            else:
                cart.lines.append(
                    Line(
                        identifier=self._identifier(),
                        item_id=snap["item_id"],
                        size=snap["size"],
                        quantity=quantity,
                    )
                )
        staff = share.meta.get("staff") if isinstance(share.meta.get("staff"), dict) else {}
        staff_user = share.meta.get("staff_user_id") or staff.get("user") or staff.get("_id")
        if staff_user:
            cart.staff_user_id = str(staff_user)
        self._touch(cart)
        response: dict[str, Any] = {"cart": self._shared_json(req, cart, share)}
        if skipped:
            response["error"] = "; ".join(skipped)
        return response

    # ------------------------------------------------------------------ stubs (§6 "can be stubbed")

    @route("GET", CART + "/bulk-price")
    def _bulk_price(self, req: Req) -> dict:
        return {"data": []}

    @route("GET", CART + "/available-promotions")
    def _promotions(self, req: Req) -> dict:
        return {"available_promotions": []}

    @route("GET", CART + "/available-ladder-prices")
    def _ladder(self, req: Req) -> dict:
        if not req.q("slug"):
            raise _field_error("slug")
        return {"currency": {"code": CURRENCY_CODE, "symbol": CURRENCY_SYMBOL}, "available_offers": []}

    @route("GET", CART + "/available-payment-offers")
    def _payment_offers(self, req: Req) -> dict:
        return {"success": True, "promotions": []}

    # ------------------------------------------------------------------ catalogue (§8)

    @staticmethod
    def _minmax(values: list[Decimal]) -> dict:
        return {
            "min": min(values),
            "max": max(values),
            "currency_code": CURRENCY_CODE,
            "currency_symbol": CURRENCY_SYMBOL,
        }

    def _category_ref(self, node: dict, kind: str) -> dict:
        return {
            "uid": node["uid"],
            "name": node["name"],
            "slug": node["slug"],
            "logo": _media(f"{CDN}/categories/{node['slug']}.png", node["name"]),
            "action": {"type": "category", "url": "", "query": {kind: [node["slug"]]}},
        }

    def _product_common(self, product: dict) -> dict:
        slug = product["slug"]
        sizes = product["sizes"]
        brand = product["brand"]
        discounts = [_percent_off(s["marked"], s["effective"]) for s in sizes]
        best = max(discounts)
        return {
            "uid": product["uid"],
            "slug": slug,
            "name": product["name"],
            "item_code": product["item_code"],
            "type": "product",
            "item_type": "standard",
            "has_variant": False,
            "brand": {
                "uid": brand["uid"],
                "name": brand["name"],
                "description": "",
                "logo": _media(f"{CDN}/brands/{product['brand_slug']}.png", brand["name"]),
                "action": {"type": "brand", "url": "", "query": {"brand": [product["brand_slug"]]}},
            },
            "medias": [
                _media(f"{CDN}/products/{slug}/1.jpg", product["name"]),
                _media(f"{CDN}/products/{slug}/2.jpg", product["name"]),
            ],
            "price": {
                "marked": self._minmax([s["marked"] for s in sizes]),
                "effective": self._minmax([s["effective"] for s in sizes]),
            },
            "discount": f"{best}% OFF" if best else "",
            "categories": [self._category_ref(product["category_leaf"], "category")],
            "category_map": {
                "l1": self._category_ref(product["category_l1"], "l1_category"),
                "l2": self._category_ref(product["category_l2"], "l2_category"),
                "l3": self._category_ref(product["category_leaf"], "category"),
            },
            "attributes": copy.deepcopy(product["attributes"]),
            "tags": list(product["tags"]),
            "moq": dict(product["moq"]) if product.get("moq") else {},
            "identifiers": [],
            "teaser_tag": {},
            "rating": 4.2,
            "rating_count": 18,
            "action": {"type": "page", "page": {"type": "product", "params": {"slug": [slug]}}},
            "_custom_json": {},
        }

    def _matches(self, product: dict, words: list[str], filters: dict[str, set[str]]) -> bool:
        haystack = " ".join(
            [
                product["name"],
                product["brand"]["name"],
                product["category_leaf"]["name"],
                product["item_code"],
                *product["tags"],
            ]
        ).lower()
        if not all(word in haystack for word in words):
            return False
        for key, values in filters.items():
            if key in ("category", "l3_categories") and product["category_leaf"]["slug"] not in values:
                return False
            if key == "brand" and product["brand_slug"] not in values:
                return False
            if key == "department" and product["department"]["slug"] not in values:
                return False
            if key == "sizes" and not {s["value"] for s in product["sizes"]} & values:
                return False
        return True

    @staticmethod
    def _parse_f(raw: str) -> dict[str, set[str]]:
        filters: dict[str, set[str]] = {}
        for part in raw.split(":::"):
            key, _, values = part.partition(":")
            if key and values:
                filters.setdefault(key, set()).update(v for v in values.split("||") if v)
        return filters

    def _facets(self, matched: list[dict], selected: dict[str, set[str]]) -> list[dict]:
        def facet(name: str, display: str, pairs: list[tuple[str, str]]) -> dict:
            counts: dict[tuple[str, str], int] = {}
            for pair in pairs:
                counts[pair] = counts.get(pair, 0) + 1
            chosen = selected.get(name, set()) | (
                selected.get("l3_categories", set()) if name == "category" else set()
            )
            return {
                "key": {"name": name, "display": display, "kind": "multivalued", "logo": ""},
                "values": [
                    {"value": value, "display": label, "count": n, "is_selected": value in chosen}
                    for (value, label), n in sorted(counts.items())
                ],
            }

        return [
            facet(
                "department",
                "Department",
                [(p["department"]["slug"], p["department"]["name"]) for p in matched],
            ),
            facet(
                "category",
                "Category",
                [(p["category_leaf"]["slug"], p["category_leaf"]["name"]) for p in matched],
            ),
            facet("brand", "Brand", [(p["brand_slug"], p["brand"]["name"]) for p in matched]),
            facet("sizes", "Size", [(s["value"], s["display"]) for p in matched for s in p["sizes"]]),
        ]

    @route("GET", CATALOG + "/products/")
    def _list_products(self, req: Req) -> dict | Response:
        words = (req.q("q") or "").lower().split()
        filters = self._parse_f(req.q("f") or "")
        sort_on = req.q("sort_on") or ""
        if sort_on and sort_on not in SORTS:
            return Response(400, {"error": MSG_BAD_SORT})
        page_size = req.int_param("page_size", 12)
        if page_size < 1:
            return Response(400, {"error": "page_size must be at least 1"})
        matched = [p for p in self.products if self._matches(p, words, filters)]
        keys = {
            "latest": (lambda p: p["online_date"], True),
            "popular": (lambda p: p["popularity"], True),
            "price_asc": (lambda p: min(s["effective"] for s in p["sizes"]), False),
            "price_dsc": (lambda p: min(s["effective"] for s in p["sizes"]), True),
            "discount_asc": (
                lambda p: max(_percent_off(s["marked"], s["effective"]) for s in p["sizes"]),
                False,
            ),
            "discount_dsc": (
                lambda p: max(_percent_off(s["marked"], s["effective"]) for s in p["sizes"]),
                True,
            ),
        }
        if sort_on:
            key, reverse = keys[sort_on]
            matched.sort(key=key, reverse=reverse)
        total = len(matched)
        page_type = req.q("page_type") or "cursor"
        if page_type == "number":
            page_no = req.int_param("page_no", 1)
            if page_no < 1:
                return Response(400, {"error": "page_no must be at least 1"})
            offset = (page_no - 1) * page_size
        else:
            page_id = req.q("page_id")
            offset = 0
            if page_id:
                try:
                    offset = int(base64.urlsafe_b64decode(page_id.encode()).decode().removeprefix("offset:"))
                except (ValueError, binascii.Error):
                    return Response(400, {"error": MSG_BAD_PAGE_ID})
        chunk = matched[offset : offset + page_size]
        has_next = offset + page_size < total
        page: dict[str, Any] = {
            "type": "number" if page_type == "number" else "cursor",
            "current": offset // page_size + 1,
            "size": page_size,
            "has_next": has_next,
            "has_previous": offset > 0,
            "item_total": total,
        }
        if page_type != "number" and has_next:
            page["next_id"] = base64.urlsafe_b64encode(f"offset:{offset + page_size}".encode()).decode()
        items = []
        for product in chunk:
            item = self._product_common(product)
            item["sellable"] = any(s["quantity"] > 0 for s in product["sizes"])
            item["sizes"] = [s["value"] for s in product["sizes"]]
            item["variants"] = []
            items.append(item)
        data: dict[str, Any] = {
            "items": items,
            "page": page,
            "sort_on": [
                {
                    "value": s,
                    "display": s.replace("_", " ").title(),
                    "name": s,
                    "is_selected": s == sort_on,
                    "logo": "",
                }
                for s in SORTS
            ],
        }
        if req.flag("filters", True):
            data["filters"] = self._facets(matched, filters)
        return data

    def _catalogue_product(self, req: Req) -> dict:
        try:
            return self._product_by_slug(req.args["slug"])
        except KeyError:
            raise HttpError(404, {"error": MSG_PRODUCT_NOT_FOUND}) from None

    @route("GET", CATALOG + r"/products/(?P<slug>[^/]+)/")
    def _product_detail(self, req: Req) -> dict:
        product = self._catalogue_product(req)
        data = self._product_common(product)
        department = product["department"]
        data.update(
            {
                "description": product["description"],
                "short_description": product["description"].split(".")[0] + ".",
                "highlights": [product["description"]],
                "grouped_attributes": [
                    {
                        "title": "Details",
                        "details": [
                            {"key": k, "type": "text", "value": v if isinstance(v, str) else ", ".join(v)}
                            for k, v in product["attributes"].items()
                        ],
                    }
                ],
                "department": {
                    "uid": department["uid"],
                    "name": department["name"],
                    "slug": department["slug"],
                    "logo": _media(f"{CDN}/departments/{department['slug']}.png", department["name"]),
                },
                "seo": {"title": product["name"], "description": product["description"]},
                "net_quantity": {},
                "color": product["attributes"].get("primary_color", ""),
                "similars": [],
                "product_online_date": product["online_date"],
                "custom_order": {
                    "manufacturing_time": 0,
                    "manufacturing_time_unit": "days",
                    "is_custom_order": False,
                },
            }
        )
        return data

    @route("GET", CATALOG + r"/products/(?P<slug>[^/]+)/sizes/")
    def _product_sizes(self, req: Req) -> dict | Response:
        product = self._catalogue_product(req)
        store_id = req.int_param("store_id")
        if store_id is not None and store_id != STORE["uid"]:
            return Response(404, {"error": MSG_STORE_NOT_FOUND})
        sizes = product["sizes"]
        price = {
            "marked": self._minmax([s["marked"] for s in sizes]),
            "effective": self._minmax([s["effective"] for s in sizes]),
            "selling": self._minmax([s["effective"] for s in sizes]),
        }
        best = max(_percent_off(s["marked"], s["effective"]) for s in sizes)
        return {
            "sizes": [
                {
                    "value": s["value"],
                    "display": s["display"],
                    "is_available": s["quantity"] > 0,
                    "quantity": s["quantity"],
                    "seller_identifiers": [self._ean(product, s)],
                    "dimension": {
                        "unit": "cm",
                        "height": 5.0,
                        "length": 30.0,
                        "width": 25.0,
                        "is_default": True,
                    },
                    "weight": {"unit": "gram", "shipping": 400.0, "is_default": True},
                }
                for s in sizes
            ],
            "price": price,
            "price_per_piece": copy.deepcopy(price),
            "discount": f"{best}% OFF" if best else "",
            "sellable": any(s["quantity"] > 0 for s in sizes),
            "multi_size": len(sizes) > 1,
            "stores": {"count": 1},
            "discount_meta": {"timer": False, "start_timer_in_minutes": None, "start": None, "end": None},
        }

    @route(
        "GET", r"/service/application/catalog/v[34]\.0/products/(?P<slug>[^/]+)/sizes/(?P<size>[^/]+)/price/"
    )
    def _size_price(self, req: Req) -> dict | Response:
        product = self._catalogue_product(req)
        try:
            size = self._size_of(product, req.args["size"])
        except KeyError:
            return Response(404, {"error": MSG_SIZE_NOT_FOUND})
        store_id = req.int_param("store_id")
        req.int_param("moq")
        if store_id is not None and store_id != STORE["uid"]:
            return Response(404, {"error": MSG_STORE_NOT_FOUND})
        pincode = (req.q("pincode") or req.header_pincode or "").strip()
        serviceable = not pincode or self._serviceable(pincode)
        unit = {
            "marked": size["marked"],
            "effective": size["effective"],
            "selling": size["effective"],
            "currency_code": CURRENCY_CODE,
            "currency_symbol": CURRENCY_SYMBOL,
        }
        data: dict[str, Any] = {
            "price": unit,
            "price_per_piece": dict(unit),
            "seller": {**SELLER, "count": 1},
            "store": {"uid": STORE["uid"], "name": STORE["name"], "count": 1},
            "article_id": self._article_id(product, size["value"]),
            "quantity": size["quantity"],
            "long_lat": list(STORE_LONG_LAT),
            "discount": _discount_text(size["marked"], size["effective"]),
            "discount_meta": {"timer": False, "start_timer_in_minutes": None, "start": None, "end": None},
            "is_cod": True,
            "is_gift": True,
            "item_type": "standard",
            "seller_count": 1,
            "special_badge": "",
            "article_assignment": {"level": "multi-companies", "strategy": "optimal"},
            "strategy_wise_listing": [],
            "return_config": {"returnable": True, "time": 30, "unit": "days"},
            "grouped_attributes": [],
            "marketplace_attributes": [],
            "is_serviceable": serviceable,
        }
        if pincode and pincode.isdigit():
            data["pincode"] = int(pincode)
        window = self._promise_window(pincode, "HomeDelivery") if serviceable else None
        if window and size["quantity"] > 0:
            data["delivery_promise"] = {
                "min": window[0].strftime("%Y-%m-%dT%H:%M:%S"),
                "max": window[1].strftime("%Y-%m-%dT%H:%M:%S"),
            }
            tat_hours = int((window[1] - window[0]).total_seconds() // 3600)
            data["strategy_wise_listing"] = [
                {"distance": 12, "pincode": STORE_PINCODE, "tat": tat_hours, "quantity": size["quantity"]}
            ]
        return data

    @route("GET", CATALOG + "/categories/")
    def _categories(self, req: Req) -> dict:
        wanted = req.q("department")

        def node(item: dict, level_key: str, child_keys: tuple[str, ...]) -> dict:
            return {
                "uid": item["uid"],
                "name": item["name"],
                "slug": item["slug"],
                "banners": {
                    "portrait": _media(f"{CDN}/categories/{item['slug']}-portrait.jpg", item["name"]),
                    "landscape": _media(f"{CDN}/categories/{item['slug']}-landscape.jpg", item["name"]),
                },
                "action": {"type": "category", "url": "", "query": {level_key: [item["slug"]]}},
                "childs": [node(child, child_keys[0], child_keys[1:]) for child in item["childs"]]
                if child_keys
                else [],
                "_custom_json": {},
            }

        data = []
        for department in DEPARTMENTS:
            if wanted and department["slug"] != wanted:
                continue
            roots = [c for c in CATEGORY_TREE if c["department"] == department["slug"]]
            items = []
            for root in roots:
                entry = node(root, "l1_category", ("l2_category", "category"))
                entry["action"]["query"]["department"] = [department["slug"]]
                items.append(entry)
            data.append({"department": department["slug"], "items": items})
        departments = [
            {"uid": d["uid"], "slug": d["slug"]} for d in DEPARTMENTS if not wanted or d["slug"] == wanted
        ]
        return {"departments": departments, "data": data}


# --------------------------------------------------------------------------- entry points


def start_fake_fynd(app_id: str = "app123", app_token: str = "tok-secret-123", **kwargs: Any) -> FakeFynd:
    """Start a fake on a free port in a daemon thread; call ``.stop()`` when done."""
    return FakeFynd(app_id, app_token, **kwargs).start()


@pytest.fixture
def fake_fynd() -> Iterator[FakeFynd]:
    """A fresh fake Fynd server per test (application ``app123`` / token ``tok-secret-123``)."""
    server = start_fake_fynd()
    try:
        yield server
    finally:
        server.stop()
