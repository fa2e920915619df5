"""A stateful fake of EnKash's Rewards redemption API on a real HTTP server (tests/fakes/base.py).

It follows ``/work/shared/providers/enkash.md`` ("§n") field by field; where that and the seeds
(``seeds/000_0c8a73a4f1876607.txt`` "Get Cart for User", ``seeds/004_fd3c46d9661b491c.txt`` "Fetch
Order Info") differ, the seeds' field names win. Nothing here imports the storefront's adapter.

Usage::

    from tests.fakes.enkash_server import fake_enkash  # noqa  (function-scoped pytest fixture)

    def test_something(fake_enkash):
        fake_enkash.base_url                           # http://127.0.0.1:PORT, append /api/v0/...
        fake_enkash.count("POST", "/api/v0/partner/create-order")

``start_fake_enkash(**kwargs) -> FakeEnKash`` starts one outside pytest (``stop()`` when done).

Fixture data: client ``CEK1001`` / secret ``s3cr3t-40hex``, partner user ``9876543210`` / password
``pass-1234`` (ekUserId ``EK8IHN4B``). Products (productCatalogId → configs):

- ``PC7513531244A681`` "Myntra Test" (E-Commerce): 100 (2 % → 98), 250, 500 (2 % → 490), 1000;
  maxQuantity 30
- ``PC235129857G58ZX`` "Café Coffee Test" (Food): 100, 500, maxQuantity 5; and a custom-amount
  config (``customAmountEnabled`` true, mrp 200, 5 %, maxQuantity 3)
- ``PC999000111NOPE0`` "Retired Brand": ``active`` false (never sold)

Endpoints (auth on every row but /oauth/token: ``Authorization: Bearer``; unknown or expired →
401 with ``response_code`` 1):

- ``POST /oauth/token`` (§2): Basic ``client:secret``, form ``username``, ``password``,
  ``grant_type=password``, ``clientId``; answers plain JSON ``access_token``, ``token_type``,
  ``refresh_token``, ``expires_in`` (``token_lifetime``, default 300), ``scope``. Bad credentials →
  401; three consecutive failures for a username lock it (then always 401 "locked").
- ``GET|POST|PATCH /api/v0/cart?product=VOUCHER`` (§5 #2-4, S0): per token user, one cart per
  productCatalogId, integer ``id``; totals per §6.
- ``POST /api/v0/partner/search-catalog?limit=&offset=`` (INFERRED #10): ``{data[], totalElements}``;
  ``POST /api/v0/bolt/searchProducts?product=VOUCHER`` (#9): ``{data[]}``.
- ``GET /api/v0/partner/search-config/{id}`` (#5) and ``GET /api/v0/partner/product/{id}`` (#11):
  the product with ``configResponses``; unknown id → 200 with ``response_code`` 1.
- ``POST /api/v0/partner/create-order`` (#6): ``denomination`` (int), ``orderReferenceId``,
  ``productCatalogId``, ``quantity``; answers (#12, INFERRED) ``orderId`` (``OR…``),
  ``orderReferenceId``, ``orderStatus`` PROCESSING, ``paymentStatus`` SUCCESS, totals. Idempotent
  on the reference per user (``duplicate_mode`` "same" returns the existing order, "refuse"
  answers code 1). The denomination must be a config's mrp, or within bounds for a custom config;
  quantity 1..maxQuantity; refusals are HTTP 200 with code 1.
- ``POST /api/v0/order/orderDetails`` (#8, S4): ``orderId`` is the partner reference or the EnKash
  ``orderId``; the answer is under ``paylod`` with ``response_code`` "0" (a string), as the seed
  shows (``payload_key``/``string_code`` switch it); ``voucherDetailsList`` with ``cardNumber``,
  ``pin``, ``expiryDate`` once the order completed. Unknown → code 1 "Order not found".
- ``POST /api/v0/partner/search-order?limit=&offset=`` (#7): ``data[]`` of the user's orders
  (no pins), filtered by ``brand[]``.

Orders complete ``complete_after`` seconds after they were created (default 0; set None to hold
them, ``complete(ref)`` to finish one), as SUCCESS with one voucher per unit; ``fail_orders`` makes
new orders end FAILED; ``refuse_create`` makes create-order answer code 1. Every call is in the
call log (base.py), and the faults of base.py apply (``fault(path, "hang", after_commit=True)``:
the order is created and the answer lost).
"""

from __future__ import annotations

import base64
import copy
import secrets
import string
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

import pytest

from tests.fakes.base import FakeServer, HttpError, Request, Response, route

CLIENT_ID = "CEK1001"
CLIENT_SECRET = "s3cr3t-40hex"
USERNAME = "9876543210"
PASSWORD = "pass-1234"
EK_USER = "EK8IHN4B"
API = "/api/v0"
MSG_NOT_FOUND = "Order not found"
MSG_BAD_CREDENTIALS = "Bad credentials"
MSG_LOCKED = "User account is locked"
MSG_UNAUTHORIZED = "Full authentication is required to access this resource"


def D(value: str) -> Decimal:
    return Decimal(value)


def _config(
    config_id: str, mrp: str, discount: str = "0", max_quantity: int = 30, custom: bool = False
) -> dict:
    mrp_d, disc = D(mrp), D(discount)
    sell = (mrp_d * (100 - disc) / 100).quantize(D("0.01"))
    return {
        "productConfigId": config_id,
        "mrp": int(mrp_d),
        "sellRate": sell if sell != sell.to_integral_value() else int(sell),
        "enkashDiscount": int(disc) if disc == disc.to_integral_value() else disc,
        "maxQuantity": max_quantity,
        "customAmountEnabled": custom,
    }


PRODUCTS: list[dict[str, Any]] = [
    {
        "productCatalogId": "PC7513531244A681",
        "brand": "Myntra Test",
        "aggregator": "REWARD_STORE",
        "category": "E-Commerce",
        "images": {},  # LOGO_IMAGE: a URL on this server (set in __init__; tests reach no other host)
        "description": "<p>Fashion from 5,000 brands.</p><script>alert('x')</script>",
        "configResponses": [
            _config("PCN724771408NCGasd", "100", "2"),
            _config("PCN155416196E3971", "250"),
            _config("PCN5915678VIB1A121", "500", "2"),
            _config("PCN907270990HasdK26M", "1000"),
        ],
        "enabled": True,
        "rank": 1,
        "termsAndCondition": "This is Sample Test Product",
        "howToRedeem": "<ol><li>Shop</li><li>Pay with the voucher</li></ol>",
        "expiryPeriod": 365,
        "active": True,
        "enkashImages": {},
        "discount": "2",
    },
    {
        "productCatalogId": "PC235129857G58ZX",
        "brand": "Café Coffee Test",
        "aggregator": "REWARD_STORE",
        "category": "Food",
        "images": {},
        "description": "Coffee and snacks.",
        "configResponses": [
            _config("PCN11100CCD100", "100", max_quantity=5),
            _config("PCN11100CCD500", "500", max_quantity=5),
            _config("PCN11100CCDCUST", "200", "5", max_quantity=3, custom=True),
        ],
        "enabled": True,
        "rank": 2,
        "termsAndCondition": "Valid at participating cafés.",
        "howToRedeem": "Show the code at the counter.",
        "expiryPeriod": 180,
        "active": True,
        "enkashImages": {},
        "discount": 5,
    },
    {
        "productCatalogId": "PC999000111NOPE0",
        "brand": "Retired Brand",
        "aggregator": "REWARD_STORE",
        "category": "E-Commerce",
        "images": {},
        "description": "",
        "configResponses": [_config("PCN999RETIRED", "500")],
        "enabled": True,
        "rank": 3,
        "termsAndCondition": "",
        "howToRedeem": "",
        "expiryPeriod": 365,
        "active": False,
        "enkashImages": {},
        "discount": 0,
    },
]

CUSTOM_MAX = 10_000


def envelope(payload: Any, code: Any = 0, message: str = "Success") -> dict:
    return {"payload": payload, "response_code": code, "response_message": message}


def refusal(message: str) -> dict:
    """A business failure: HTTP 200, response_code 1, the message repeated as the payload (§3)."""
    return {"payload": message, "response_code": 1, "response_message": message}


@dataclass
class Order:
    order_id: str
    reference: str
    user: str
    product_id: str
    brand: str
    denomination: int
    quantity: int
    unit_price: Decimal
    created: float
    status: str = "PROCESSING"
    vouchers: list[dict[str, str]] = field(default_factory=list)
    fail: bool = False


class FakeEnKash(FakeServer):
    def __init__(self, *, token_lifetime: int = 300, complete_after: float | None = 0.0) -> None:
        super().__init__()
        self.token_lifetime = token_lifetime
        self.complete_after = complete_after
        self.clients = {CLIENT_ID: CLIENT_SECRET}
        self.users = {USERNAME: (PASSWORD, EK_USER)}
        self.tokens: dict[str, tuple[str, float]] = {}  # token → (username, expires at)
        self.failures: dict[str, int] = {}
        self.locked: set[str] = set()
        self.products = {p["productCatalogId"]: copy.deepcopy(p) for p in PRODUCTS}
        self.products["PC7513531244A681"]["images"] = {
            "LOGO_IMAGE": f"{self.base_url}/images/PC7513531244A681.svg",
            "LOGO_IMAGE_SMALL": f"{self.base_url}/images/PC7513531244A681-small.svg",
        }
        self.carts: dict[tuple[str, str], dict] = {}
        self.orders: dict[str, Order] = {}  # EnKash orderId → order
        self.duplicate_mode = "same"
        self.fail_orders = False
        self.refuse_create = ""
        self.payload_key = "paylod"  # orderDetails, as the seed shows it
        self.string_code = True
        self._cart_ids = 2133
        self._order_seq = 0

    # ------------------------------------------------------------------ test hooks
    def expire_tokens(self) -> None:
        self.tokens = {t: (u, 0.0) for t, (u, _exp) in self.tokens.items()}

    def order_by_reference(self, reference: str) -> Order | None:
        return next((o for o in self.orders.values() if o.reference == reference), None)

    def complete(self, reference: str, *, fail: bool = False) -> None:
        with self._lock:
            order = self.order_by_reference(reference)
            assert order is not None, reference
            self._finish(order, fail=fail)

    def upstream_orders(self) -> int:
        return len(self.orders)

    # ------------------------------------------------------------------ plumbing
    def fault_body(self, status: int) -> Any:
        return {"response_code": 1, "response_message": f"Scripted failure {status}", "payload": None}

    def decode_body(self, raw: bytes) -> tuple[Any, bool]:
        body, json_error = super().decode_body(raw)
        if json_error and isinstance(body, str) and "=" in body:  # the token call's form body
            return {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}, False
        return body, json_error

    def _user(self, req: Request) -> tuple[str, str]:
        header = req.headers.get("authorization", "")
        token = header[7:] if header.lower().startswith("bearer ") else ""
        found = self.tokens.get(token)
        if not found or found[1] <= time.time():
            raise HttpError(401, {"response_code": 1, "response_message": MSG_UNAUTHORIZED, "payload": None})
        username = found[0]
        return username, self.users[username][1]

    def _voucher_param(self, req: Request) -> None:
        if req.q("product") != "VOUCHER":
            raise HttpError(
                400, {"response_code": 1, "response_message": "product is required", "payload": None}
            )

    # ------------------------------------------------------------------ auth (§2)
    @route("POST", r"/oauth/token")
    def _token(self, req: Request) -> Response:
        form = req.body if isinstance(req.body, dict) else {}
        username = form.get("username", "")
        if username in self.locked:
            return Response(401, {"error": "unauthorized", "error_description": MSG_LOCKED})
        header = req.headers.get("authorization", "")
        try:
            client, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            client, secret = "", ""
        password, _ek = self.users.get(username, ("", ""))
        ok = (
            header.lower().startswith("basic ")
            and self.clients.get(client) == secret
            and form.get("grant_type") == "password"
            and form.get("clientId") == client
            and password
            and form.get("password") == password
        )
        if not ok:
            self.failures[username] = self.failures.get(username, 0) + 1
            if self.failures[username] >= 3:
                self.locked.add(username)
            return Response(401, {"error": "invalid_grant", "error_description": MSG_BAD_CREDENTIALS})
        self.failures[username] = 0
        token = secrets.token_urlsafe(24)
        self.tokens[token] = (username, time.time() + self.token_lifetime)
        return Response(
            200,
            {
                "access_token": token,
                "token_type": "bearer",
                "refresh_token": secrets.token_urlsafe(24),
                "expires_in": self.token_lifetime,
                "scope": "read write trust",
            },
        )

    @route("GET", r"/images/(?P<name>[\w-]+)\.svg")
    def _image(self, req: Request) -> Response:
        svg = (
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 320 200"><rect width="320" height="200" '
            'rx="24" fill="#e11d74"/><text x="28" y="120" font-family="Arial" font-size="48" fill="#fff">'
            "Brand</text></svg>"
        )
        return Response(200, svg, {"Content-Type": "image/svg+xml"})

    # ------------------------------------------------------------------ catalogue (§5 #5, #9, #10, #11)
    def _product(self, product_id: str) -> dict:
        product = self.products.get(product_id)
        if product is None:
            raise HttpError(200, refusal("Product catalog not found"))
        return product

    @route("POST", API + r"/partner/search-catalog")
    def _search_catalog(self, req: Request) -> dict:
        self._user(req)
        limit, offset = int(req.q("limit") or 10), int(req.q("offset") or 0)
        filters = req.body if isinstance(req.body, dict) else {}
        rows = sorted(self.products.values(), key=lambda p: p["rank"])
        if filters.get("brand"):
            rows = [p for p in rows if p["brand"] in filters["brand"]]
        if filters.get("category"):
            rows = [p for p in rows if p["category"] in filters["category"]]
        page = [{k: v for k, v in p.items() if k != "configResponses"} for p in rows[offset : offset + limit]]
        return envelope({"data": page, "totalElements": len(rows)})

    @route("POST", API + r"/bolt/searchProducts")
    def _bolt_search(self, req: Request) -> dict:
        self._voucher_param(req)
        rows = [
            {k: p[k] for k in ("productCatalogId", "brand", "discount", "active", "enabled", "category")}
            for p in self.products.values()
        ]
        return envelope({"data": rows})

    @route("GET", API + r"/partner/search-config/(?P<product_id>[^/]+)")
    def _configs(self, req: Request) -> dict:
        self._user(req)
        return envelope(self._product(req.args["product_id"]))

    @route("GET", API + r"/partner/product/(?P<product_id>[^/]+)")
    def _product_details(self, req: Request) -> dict:
        self._user(req)
        return envelope(self._product(req.args["product_id"]))

    # ------------------------------------------------------------------ cart (§5 #2-4, S0)
    def _cart_json(self, cart: dict) -> dict:
        product = self.products[cart["productCatalogId"]]
        configs = {c["productConfigId"]: c for c in product["configResponses"]}
        items, quantity, amount, savings = {}, 0, D("0"), D("0")
        for config_id, line in cart["items"].items():
            c = configs[config_id]
            total = D(str(c["sellRate"])) * line["quantity"]
            saved = (D(str(c["mrp"])) - D(str(c["sellRate"]))) * line["quantity"]
            items[config_id] = {
                "productConfigId": config_id,
                "mrp": c["mrp"],
                "sellRate": c["sellRate"],
                "enkashDiscount": c["enkashDiscount"],
                "savings": saved,
                "quantity": line["quantity"],
                "total": total,
            }
            quantity, amount, savings = quantity + line["quantity"], amount + total, savings + saved
        return {
            "id": cart["id"],
            "ekUserId": cart["ekUserId"],
            "productCatalogId": cart["productCatalogId"],
            "name": product["brand"],
            "logoUrl": product["images"].get("LOGO_IMAGE", ""),
            "items": items,
            "totalQuantity": quantity,
            "totalAmount": amount,
            "totalSavings": savings,
            "termsAndCondition": product["termsAndCondition"],
            "productConfigs": product["configResponses"],
            "howToRedeem": product["howToRedeem"],
        }

    def _carts_of(self, ek_user: str) -> list[dict]:
        return [self._cart_json(c) for (u, _p), c in self.carts.items() if u == ek_user and c["items"]]

    @route("GET", API + r"/cart")
    def _get_cart(self, req: Request) -> dict:
        _username, ek_user = self._user(req)
        self._voucher_param(req)
        return envelope(self._carts_of(ek_user))

    def _set_items(self, cart: dict, items: dict, *, add: bool) -> None:
        product = self.products[cart["productCatalogId"]]
        configs = {c["productConfigId"]: c for c in product["configResponses"]}
        for config_id, line in (items or {}).items():
            if config_id not in configs:
                raise HttpError(200, refusal(f"Invalid productConfigId {config_id}"))
            quantity = int(line.get("quantity", 0)) + (
                cart["items"].get(config_id, {}).get("quantity", 0) if add else 0
            )
            if quantity > configs[config_id]["maxQuantity"] or quantity < 0:
                raise HttpError(200, refusal("Quantity exceeds the maximum allowed"))
            if quantity == 0:
                cart["items"].pop(config_id, None)
            else:
                cart["items"][config_id] = {"quantity": quantity}

    @route("POST", API + r"/cart")
    def _add_to_cart(self, req: Request) -> dict:
        _username, ek_user = self._user(req)
        self._voucher_param(req)
        body = req.body if isinstance(req.body, dict) else {}
        product_id = body.get("productCatalogId", "")
        self._product(product_id)
        cart = self.carts.get((ek_user, product_id))
        if cart is None:
            self._cart_ids += 1
            cart = {"id": self._cart_ids, "ekUserId": ek_user, "productCatalogId": product_id, "items": {}}
            self.carts[(ek_user, product_id)] = cart
        self._set_items(cart, body.get("items") or {}, add=True)
        return envelope(self._carts_of(ek_user))

    @route("PATCH", API + r"/cart")
    def _update_cart(self, req: Request) -> dict:
        _username, ek_user = self._user(req)
        self._voucher_param(req)
        body = req.body if isinstance(req.body, dict) else {}
        cart = next(
            (c for (u, _p), c in self.carts.items() if u == ek_user and c["id"] == body.get("cartId")), None
        )
        if cart is None:
            raise HttpError(200, refusal("Cart not found"))
        self._set_items(cart, body.get("items") or {}, add=False)
        return envelope(self._carts_of(ek_user))

    # ------------------------------------------------------------------ orders (§5 #6-8, S4)
    def _new_id(self) -> str:
        self._order_seq += 1
        tail = "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(4))
        return f"OR{631764 + self._order_seq}{tail}"

    def _order_json(self, order: Order, *, with_pins: bool) -> dict:
        self._maybe_finish(order)
        amount = D(order.denomination) * order.quantity
        paid = order.unit_price * order.quantity
        data = {
            "orderId": order.order_id,
            "paymentStatus": "SUCCESS",
            "orderStatus": order.status,
            "totalQuantity": order.quantity,
            "totalAmount": amount,
            "orderAmount": paid,
            "paidAmount": paid,
            "partnerOrderReferenceId": order.reference,
            "brand": order.brand,
            "ekUserId": order.user,
        }
        if with_pins:
            data["voucherDetailsList"] = list(order.vouchers)
        return data

    def _maybe_finish(self, order: Order) -> None:
        if order.status != "PROCESSING" or self.complete_after is None:
            return
        if time.time() - order.created >= self.complete_after:
            self._finish(order, fail=order.fail)

    def _finish(self, order: Order, *, fail: bool) -> None:
        if fail:
            order.status = "FAILED"
            return
        order.status = "SUCCESS"
        expiry = time.strftime("%Y-%m-%dT23:59:59", time.localtime(time.time() + 365 * 86400))
        order.vouchers = [
            {
                "cardNumber": "".join(secrets.choice(string.digits) for _ in range(16)),
                "pin": "".join(secrets.choice(string.digits) for _ in range(6)),
                "expiryDate": expiry,
            }
            for _ in range(order.quantity)
        ]

    @route("POST", API + r"/partner/create-order")
    def _create_order(self, req: Request) -> dict:
        _username, ek_user = self._user(req)
        body = req.body if isinstance(req.body, dict) else {}
        missing = [
            k for k in ("denomination", "orderReferenceId", "productCatalogId", "quantity") if k not in body
        ]
        if missing:
            raise HttpError(
                400, {"response_code": 1, "response_message": f"{missing[0]} is required", "payload": None}
            )
        reference = str(body["orderReferenceId"])
        existing = next(
            (o for o in self.orders.values() if o.reference == reference and o.user == ek_user), None
        )
        if existing is not None:
            if self.duplicate_mode == "refuse":
                return refusal("Duplicate orderReferenceId")
            return envelope(self._order_json(existing, with_pins=False))
        if self.refuse_create:
            return refusal(self.refuse_create)
        product = self._product(str(body["productCatalogId"]))
        if not (product["active"] and product["enabled"]):
            return refusal("Product is not active")
        denomination, quantity = body["denomination"], body["quantity"]
        if not isinstance(denomination, int) or not isinstance(quantity, int):
            return refusal("denomination and quantity must be integers")
        config = next(
            (
                c
                for c in product["configResponses"]
                if c["mrp"] == denomination and not c["customAmountEnabled"]
            ),
            None,
        )
        if config is None:
            config = next((c for c in product["configResponses"] if c["customAmountEnabled"]), None)
            if config is None or not config["mrp"] <= denomination <= CUSTOM_MAX:
                return refusal("Invalid denomination")
            unit = (D(denomination) * (100 - D(str(config["enkashDiscount"]))) / 100).quantize(D("0.01"))
        else:
            unit = D(str(config["sellRate"]))
        if not 1 <= quantity <= config["maxQuantity"]:
            return refusal("Quantity exceeds the maximum allowed")
        order = Order(
            order_id=self._new_id(),
            reference=reference,
            user=ek_user,
            product_id=product["productCatalogId"],
            brand=product["brand"],
            denomination=denomination,
            quantity=quantity,
            unit_price=unit,
            created=time.time(),
            fail=self.fail_orders,
        )
        self.orders[order.order_id] = order
        data = self._order_json(order, with_pins=False)
        data["orderReferenceId"] = reference
        return envelope(data)

    @route("POST", API + r"/order/orderDetails")
    def _order_details(self, req: Request) -> dict:
        _username, ek_user = self._user(req)
        body = req.body if isinstance(req.body, dict) else {}
        wanted = str(body.get("orderId", ""))
        order = self.orders.get(wanted) or next(
            (o for o in self.orders.values() if o.reference == wanted and o.user == ek_user), None
        )
        if order is None or order.user != ek_user:
            return refusal(MSG_NOT_FOUND)
        code: Any = "0" if self.string_code else 0
        return {
            self.payload_key: self._order_json(order, with_pins=True),
            "response_message": "Success",
            "response_code": code,
        }

    @route("POST", API + r"/partner/search-order")
    def _search_orders(self, req: Request) -> dict:
        _username, ek_user = self._user(req)
        limit, offset = int(req.q("limit") or 10), int(req.q("offset") or 0)
        filters = req.body if isinstance(req.body, dict) else {}
        rows = [o for o in self.orders.values() if o.user == ek_user]
        if filters.get("brand"):
            rows = [o for o in rows if o.brand in filters["brand"]]
        page = [self._order_json(o, with_pins=False) for o in rows[offset : offset + limit]]
        return envelope({"data": page, "totalElements": len(rows)})


def start_fake_enkash(**kwargs: Any) -> FakeEnKash:
    return FakeEnKash(**kwargs).start()


@pytest.fixture
def fake_enkash() -> Iterator[FakeEnKash]:
    server = start_fake_enkash()
    try:
        yield server
    finally:
        server.stop()
