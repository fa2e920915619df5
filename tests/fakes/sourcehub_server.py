"""A fake SourceHub B2B API (../shared/providers/sourcehub.md, seed seeds/001) on tests/fakes/base.py.

Stateful: products with pricing sets (`productpricings`), customers with approval states and a
per-customer discount (the fake's own rule: `discount_percent` of the cart total, kept off the
wire), one cart per customer (`GET /api/carts?customer_id=`), sales orders made from the cart.
Every total is computed from that state the way the contract reads the seed (§6):

    line amount         = quantity × productpricing.price     (quantity counts pricing sets)
    cart_item_count     = number of lines
    total_cart_quantity = Σ quantity
    cart_total          = Σ line amounts
    discount            = cart_total × the customer's discount_percent / 100 (paise, half up)
    billable_amount     = cart_total − discount

Product 4 and customer 9 reproduce the seed's cart exactly (`SEED_CART`): 3 × pricing set 1058 of
"3 Roses Mrp 10 (408pc)" at 200 → 600. Whole amounts go out as JSON integers (600, 0), as the
seed shows; amounts with paise as numbers with a fraction.

Paths (under /api): confirmed GET carts (alias cart), POST cart/update-item, GET products,
GET products/{id}, POST orders/create, GET orders/{id}, GET orders, GET customers,
POST customers/show, POST customers/create; INFERRED POST cart/add-item (customer_id, product_id,
productpricing_id, quantity; an existing line of the same product and set grows).

Failures are SourceHub's envelope `{error: {code, description, source, status_code}}`: a missing
or wrong bearer token is the seed's 401 body exactly (`SEED_401`); validation and not-found are
both 400 BAD_REQUEST_ERROR (there is no 404); `rate_limit` (calls per second) answers 429
TOO_MANY_REQUESTS; the base's faults (delay, hang, status, malformed, drop, after_commit) all
work, and a scripted status fault carries SourceHub's error body for that status.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from copy import deepcopy
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from tests.fakes.base import FakeServer, HttpError, Request, Response, route

API = "/api"
TOKEN = "sh-test-token-123"
IST = timezone(timedelta(hours=5, minutes=30), "IST")
PAISE = Decimal("0.01")
LIVE = "https://webservices.sourcehub.in/api"

MSG_CART_FETCHED = "Cart items fetch successfully"  # the seed's words
MSG_CART_UPDATED = "Cart item updated successfully"
MSG_CART_ADDED = "Item added to cart successfully"
MSG_ORDER_CREATED = "Sales order created successfully"
MSG_INVALID_TOKEN = "Invalid credential or token."  # the seed's words
MSG_RATE_LIMITED = "Too many requests. Please try again later."
MSG_SERVER = "Something went wrong. Please try again."

SEED_401 = {  # seeds/001 "Sample 401 Faliure Response", verbatim
    "error": {
        "code": "AUTHENTICATION_ERROR",
        "description": MSG_INVALID_TOKEN,
        "source": "https://webservices.sourcehub.in/api/items.product",
        "status_code": 401,
    }
}

SEED_CART = {  # seeds/001 "Sample Success Response", verbatim
    "data": {
        "cart_item_count": 1,
        "total_cart_quantity": 3,
        "cart_total": 600,
        "discount": 0,
        "billable_amount": 600,
        "items": [
            {
                "id": 79532,
                "quantity": 3,
                "product": {
                    "id": 4,
                    "name": "3 Roses Mrp 10 (408pc)",
                    "image": "https://sourcehub.in/public/images/product/1605342130.jpg",
                    "sku": "CP 2425 0046",
                    "hsn_code": "0902",
                    "description": "",
                    "price_per_unit": 10,
                    "maximum_retail_price": 4080,
                    "weight": 3000,
                    "vol": 0,
                    "gst_percent": 5,
                    "measurementtype": {"id": 5, "name": "bags"},
                    "productcategory": {
                        "id": 3,
                        "name": "Tea ,Coffee and Beverages",
                        "image": "https://sourcehub.in/public/images/productcategory/1617180572.jpg",
                    },
                    "productpricing": {"id": 1058, "product_id": 4, "buying_qty": 1, "price": 200},
                },
            }
        ],
    },
    "message": MSG_CART_FETCHED,
}

TEA = {
    "id": 3,
    "name": "Tea ,Coffee and Beverages",
    "image": "https://sourcehub.in/public/images/productcategory/1617180572.jpg",
}
SNACKS = {
    "id": 4,
    "name": "Biscuits and Snacks",
    "image": "https://sourcehub.in/public/images/productcategory/4.jpg",
}
OILS = {"id": 6, "name": "Edible Oils", "image": "https://sourcehub.in/public/images/productcategory/6.jpg"}


def _product(pid, name, sku, hsn, ppu, mrp, gst, mtype, category, sets, weight=0, vol=0, description=""):
    return {
        "id": pid,
        "name": name,
        "image": f"https://sourcehub.in/public/images/product/{pid}.jpg",
        "sku": sku,
        "hsn_code": hsn,
        "description": description,
        "price_per_unit": Decimal(str(ppu)),
        "maximum_retail_price": Decimal(str(mrp)),
        "weight": weight,
        "vol": vol,
        "gst_percent": Decimal(str(gst)),
        "measurementtype": mtype,
        "productcategory": category,
        "productpricings": [
            {"id": sid, "product_id": pid, "buying_qty": qty, "price": Decimal(str(price))}
            for sid, qty, price in sets
        ],
    }


def default_products() -> dict[int, dict[str, Any]]:
    seed_product = deepcopy(SEED_CART["data"]["items"][0]["product"])
    seed_product["productpricings"] = [seed_product.pop("productpricing")]
    packets, pieces, bottles = (
        {"id": 2, "name": "packets"},
        {"id": 1, "name": "pcs"},
        {"id": 7, "name": "bottles"},
    )
    rows = [
        seed_product,
        _product(
            11,
            "Tata Tea Gold 250 g",
            "CP 2425 0101",
            "0902",
            35,
            35,
            5,
            packets,
            TEA,
            [(1101, 6, 190), (1102, 12, 372), (1103, 24, 720)],
            weight=250,
            description="Assam CTC blend with 15% long leaves.",
        ),
        _product(
            12,
            "Parle-G Biscuits 800 g",
            "CP 2425 0202",
            "1905",
            95,
            100,
            18,
            packets,
            SNACKS,
            [(1201, 1, 95), (1202, 10, "899.50")],
            weight=800,
        ),
        _product(
            13,
            "Fortune Sunflower Oil 1 L",
            "CP 2425 0303",
            "1512",
            165,
            175,
            5,
            bottles,
            OILS,
            [(1301, 12, 1850)],
            vol=1000,
        ),
        _product(
            14,
            "Good Day Cashew Cookies 200 g",
            "CP 2425 0204",
            "1905",
            40,
            40,
            18,
            pieces,
            SNACKS,
            [(1401, 24, 888)],
            weight=200,
        ),
    ]
    return {p["id"]: p for p in rows}


def _customer(cid, name, company, email, phone, approval, gstin="", discount="0", area="Andheri East"):
    return {
        "id": cid,
        "contact_person_name": name,
        "company_name": company,
        "display_name": company,
        "email": email,
        "contactperson_number": phone,
        "company_phone": phone,
        "gst_treatment": "Registered" if gstin else "Unregistered",
        "gstin": gstin,
        "customer_code": f"CUS-{cid:05d}",
        "status": "Active",
        "approval": approval,
        "address": {
            "addressline1": "Shop 4, Laxmi Market",
            "addressline2": "Near Station Road",
            "area": {"id": 31, "name": area, "area_code": "AE"},
            "city": "Mumbai",
            "state": "Maharashtra",
            "postalcode": "400069",
        },
        "_discount_percent": Decimal(discount),  # the fake's own rule; never sent
    }


def default_customers() -> dict[int, dict[str, Any]]:
    rows = [
        _customer(
            9,
            "Ramesh Sharma",
            "Sharma Kirana Stores",
            "ramesh@sharmakirana.example",
            "9820012345",
            "accepted",
            gstin="27AAPFS1234C1ZD",
        ),
        _customer(
            12,
            "Nita Patel",
            "Patel Wholesale Traders",
            "nita@patelwholesale.example",
            "9820067890",
            "accepted",
            gstin="24AABCP5678D1ZG",
            discount="5",
        ),
        _customer(15, "Arjun Rao", "Rao Provisions", "arjun@raoprovisions.example", "9845098450", "pending"),
        _customer(16, "Kiran Das", "Das Traders", "kiran@dastraders.example", "9830011111", "rejected"),
    ]
    return {c["id"]: c for c in rows}


def num(value: Decimal | int) -> Decimal | int:
    """Whole amounts as JSON integers (the seed's 600, 0), others with their paise."""
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else value.quantize(PAISE)


def sh_error(code: str, description: str, status: int, source: str = "") -> dict[str, Any]:
    return {"error": {"code": code, "description": description, "source": source, "status_code": status}}


CODES = {
    400: "BAD_REQUEST_ERROR",
    401: "AUTHENTICATION_ERROR",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_SERVER_ERROR",
}


class FakeSourceHub(FakeServer):
    """The SourceHub API for one organisation (module doc). State is public for tests: `products`,
    `customers`, `carts` (customer id → list of lines), `orders`."""

    def __init__(self, token: str = TOKEN, *, today: date | None = None) -> None:
        super().__init__()
        self.token = token
        self.products = default_products()
        self.customers = default_customers()
        self.carts: dict[int, list[dict[str, Any]]] = {
            9: [{"id": 79532, "product_id": 4, "pricing_id": 1058, "quantity": 3}]
        }
        self.orders: list[dict[str, Any]] = []
        self.next_item_id = 79533
        self.next_order_id = 5001
        self.next_customer_id = 40
        self.today = today
        self.rate_limit: int | None = None  # calls per second before 429
        self._window: list[float] = []

    # ------------------------------------------------------------------ helpers for tests
    def customer_by_email(self, email: str) -> dict[str, Any]:
        return next(c for c in self.customers.values() if c["email"] == email)

    def cart_of(self, customer_id: int) -> list[dict[str, Any]]:
        return self.carts.setdefault(customer_id, [])

    def set_approval(self, customer_id: int, approval: str) -> None:
        self.customers[customer_id]["approval"] = approval

    def api_calls(self) -> list[tuple[str, str]]:
        return [(c.method, c.path) for c in self.calls]

    def fault_body(self, status: int) -> Any:
        code = CODES.get(status, "INTERNAL_SERVER_ERROR" if status >= 500 else "BAD_REQUEST_ERROR")
        text = {401: MSG_INVALID_TOKEN, 429: MSG_RATE_LIMITED}.get(status, MSG_SERVER)
        return sh_error(code, text, status, LIVE)

    def not_found(self, call) -> Response:  # SourceHub has no 404: an unknown route is a bad request
        return Response(
            400, sh_error("BAD_REQUEST_ERROR", "Invalid request.", 400, LIVE + call.path[len(API) :])
        )

    def error_response(self) -> Response:
        return Response(500, sh_error("INTERNAL_SERVER_ERROR", MSG_SERVER, 500, LIVE))

    def local_today(self) -> date:
        return self.today or datetime.now(IST).date()

    # ------------------------------------------------------------------ dispatch: auth, rate limit
    def dispatch(self, call):
        if call.headers.get("authorization", "") != f"Bearer {self.token}":
            return Response(401, deepcopy(SEED_401))
        if self.rate_limit is not None:
            now = time.monotonic()
            self._window = [t for t in self._window if now - t < 1.0]
            if len(self._window) >= self.rate_limit:
                return Response(429, sh_error("TOO_MANY_REQUESTS", MSG_RATE_LIMITED, 429, LIVE))
            self._window.append(now)
        return super().dispatch(call)

    @staticmethod
    def _bad(text: str) -> HttpError:
        return HttpError(400, sh_error("BAD_REQUEST_ERROR", text, 400, LIVE))

    @classmethod
    def _int(cls, req: Request, name: str, *, required: bool = True, default: int = 0) -> int:
        raw = req.q(name)
        if raw is None and isinstance(req.body, dict):
            raw = req.body.get(name)
        if raw in (None, ""):
            if required:
                raise cls._bad(f"The {name.replace('_', ' ')} field is required.")
            return default
        try:
            return int(str(raw))
        except ValueError:
            raise cls._bad(f"The {name.replace('_', ' ')} must be an integer.") from None

    def _customer(self, req: Request) -> dict[str, Any]:
        cid = self._int(req, "customer_id")
        customer = self.customers.get(cid)
        if customer is None:
            raise self._bad("The selected customer id is invalid.")
        return customer

    @staticmethod
    def public(customer: dict[str, Any]) -> dict[str, Any]:
        return {k: deepcopy(v) for k, v in customer.items() if not k.startswith("_")}

    # ------------------------------------------------------------------ products
    def product_json(self, product: dict[str, Any], pricing_id: int | None = None) -> dict[str, Any]:
        body = deepcopy(product)
        for key in ("price_per_unit", "maximum_retail_price", "gst_percent"):
            body[key] = num(body[key])
        sets = [{**s, "price": num(s["price"])} for s in body.pop("productpricings")]
        if pricing_id is None:
            body["productpricings"] = sets
        else:
            body["productpricing"] = next(s for s in sets if s["id"] == pricing_id)
        return body

    @route("GET", r"/api/products")
    def _products(self, req: Request) -> dict:
        name = (req.q("product_name") or "").lower()
        count = min(max(self._int(req, "count", required=False, default=10), 1), 100)
        skip = max(self._int(req, "skip", required=False, default=0), 0)
        rows = [p for p in sorted(self.products.values(), key=lambda p: p["id"]) if name in p["name"].lower()]
        return {
            "data": [self.product_json(p) for p in rows[skip : skip + count]],
            "message": "Products fetch successfully",
        }

    @route("GET", r"/api/products/(?P<pid>[^/]+)")
    def _product(self, req: Request) -> dict:
        product = self.products.get(int(req.args["pid"])) if req.args["pid"].isdigit() else None
        if product is None:
            raise self._bad("Product not found.")
        return {"data": self.product_json(product), "message": "Product fetch successfully"}

    # ------------------------------------------------------------------ carts
    def cart_json(self, customer_id: int) -> dict[str, Any]:
        lines = self.cart_of(customer_id)
        items, total, quantity = [], Decimal(0), 0
        for line in lines:
            product = self.products[line["product_id"]]
            price = next(s["price"] for s in product["productpricings"] if s["id"] == line["pricing_id"])
            total += price * line["quantity"]
            quantity += line["quantity"]
            items.append(
                {
                    "id": line["id"],
                    "quantity": line["quantity"],
                    "product": self.product_json(product, line["pricing_id"]),
                }
            )
        percent = self.customers[customer_id]["_discount_percent"]
        discount = (total * percent / 100).quantize(PAISE, rounding=ROUND_HALF_UP)
        return {
            "cart_item_count": len(items),
            "total_cart_quantity": quantity,
            "cart_total": num(total),
            "discount": num(discount),
            "billable_amount": num(total - discount),
            "items": items,
        }

    @route("GET", r"/api/carts")
    @route("GET", r"/api/cart")
    def _cart(self, req: Request) -> dict:
        customer = self._customer(req)
        return {"data": self.cart_json(customer["id"]), "message": MSG_CART_FETCHED}

    @route("POST", r"/api/cart/add-item")
    def _add(self, req: Request) -> dict:
        customer = self._customer(req)
        if customer["approval"] == "rejected" or customer["status"] != "Active":
            raise self._bad("This customer cannot place orders.")
        product = self.products.get(self._int(req, "product_id"))
        if product is None:
            raise self._bad("The selected product id is invalid.")
        pricing_id = self._int(req, "productpricing_id")
        if pricing_id not in {s["id"] for s in product["productpricings"]}:
            raise self._bad("The selected productpricing id is invalid.")
        quantity = self._int(req, "quantity")
        if quantity < 1:
            raise self._bad("The quantity must be at least 1.")
        lines = self.cart_of(customer["id"])
        line = next(
            (ln for ln in lines if ln["product_id"] == product["id"] and ln["pricing_id"] == pricing_id), None
        )
        if line is None:
            lines.append(
                {
                    "id": self.next_item_id,
                    "product_id": product["id"],
                    "pricing_id": pricing_id,
                    "quantity": quantity,
                }
            )
            self.next_item_id += 1
        else:
            line["quantity"] += quantity
        return {"data": self.cart_json(customer["id"]), "message": MSG_CART_ADDED}

    @route("POST", r"/api/cart/update-item")
    def _update(self, req: Request) -> dict:
        customer = self._customer(req)
        item_id = self._int(req, "cart_id")
        quantity = self._int(req, "quantity")
        if quantity < 0:
            raise self._bad("The quantity must be at least 0.")
        lines = self.cart_of(customer["id"])
        line = next((ln for ln in lines if ln["id"] == item_id), None)
        if line is None:
            raise self._bad("Cart item not found.")
        if quantity == 0:
            lines.remove(line)
        else:
            line["quantity"] = quantity
        return {"data": self.cart_json(customer["id"]), "message": MSG_CART_UPDATED}

    # ------------------------------------------------------------------ orders
    @route("POST", r"/api/orders/create")
    def _create_order(self, req: Request) -> dict:
        customer = self._customer(req)
        if customer["approval"] != "accepted":
            raise self._bad("Customer is not approved to place orders.")
        cart = self.cart_json(customer["id"])
        if not cart["items"]:
            raise self._bad("Cart is empty.")
        order = {
            "id": self.next_order_id,
            "order_no": f"SO-{self.next_order_id:06d}",
            "item_total_amount": cart["cart_total"],
            "discount_amount": cart["discount"],
            "return_total_amount": 0,
            "billable_amount": cart["billable_amount"],
            "date": self.local_today().isoformat(),
            "products": [
                {
                    "id": it["product"]["id"],
                    "sku": it["product"]["sku"],
                    "name": it["product"]["name"],
                    "quantity": it["quantity"],
                    "price": it["product"]["productpricing"]["price"],
                }
                for it in cart["items"]
            ],
            "customer": self.public(customer),
        }
        self.next_order_id += 1
        self.orders.append(order)
        self.carts[customer["id"]] = []
        return {"data": deepcopy(order), "message": MSG_ORDER_CREATED}

    @route("GET", r"/api/orders/(?P<oid>[^/]+)")
    def _order(self, req: Request) -> dict:
        order = next((o for o in self.orders if str(o["id"]) == req.args["oid"]), None)
        if order is None:
            raise self._bad("Sales order not found.")
        return {"data": deepcopy(order), "message": "Sales order fetch successfully"}

    @staticmethod
    def _day(text: str | None) -> date | None:
        if not text:
            return None
        try:
            return datetime.strptime(text, "%d-%m-%Y").date()
        except ValueError:
            raise FakeSourceHub._bad("Dates must be dd-mm-yyyy.") from None

    @route("GET", r"/api/orders")
    def _orders(self, req: Request) -> dict:
        phone = req.q("phone_number")
        if not phone:
            raise self._bad("The phone number field is required.")
        start, end = self._day(req.q("from_date")), self._day(req.q("to_date"))
        count = min(max(self._int(req, "count", required=False, default=10), 1), 100)
        skip = max(self._int(req, "skip", required=False, default=0), 0)
        rows = [
            o
            for o in self.orders
            if o["customer"]["contactperson_number"] == phone
            and (start is None or date.fromisoformat(o["date"]) >= start)
            and (end is None or date.fromisoformat(o["date"]) <= end)
        ]
        return {
            "data": {"orders": deepcopy(rows[skip : skip + count])},
            "message": "Sales orders fetch successfully",
        }

    # ------------------------------------------------------------------ customers
    @route("GET", r"/api/customers")
    def _customers(self, req: Request) -> dict:
        count = min(max(self._int(req, "count", required=False, default=10), 1), 100)
        skip = max(self._int(req, "skip", required=False, default=0), 0)
        rows = sorted(self.customers.values(), key=lambda c: c["id"])[skip : skip + count]
        return {"data": [self.public(c) for c in rows], "message": "Customers fetch successfully"}

    @route("POST", r"/api/customers/show")
    def _show(self, req: Request) -> dict:
        given = {**req.call.q(), **(req.body if isinstance(req.body, dict) else {})}
        keys = {
            "email": "email",
            "customer_code": "customer_code",
            "contact_person_phone": "contactperson_number",
            "company_phone": "company_phone",
        }
        asked = [k for k in keys if given.get(k)]
        if len(asked) != 1:
            raise self._bad("Send exactly one of email, customer_code, contact_person_phone, company_phone.")
        key = asked[0]
        value = str(given[key]).strip()
        match = next((c for c in self.customers.values() if str(c[keys[key]]).lower() == value.lower()), None)
        if match is None:
            raise self._bad("Customer not found.")
        return {"data": self.public(match), "message": "Customer fetch successfully"}

    @route("POST", r"/api/customers/create")
    def _create_customer(self, req: Request) -> dict:
        given = {**req.call.q(), **(req.body if isinstance(req.body, dict) else {})}
        for name in (
            "company_name",
            "mobile_number",
            "contactpersons_name",
            "address",
            "area_id",
            "postalcode_id",
            "gst_treatment",
        ):
            if not given.get(name):
                raise self._bad(f"The {name.replace('_', ' ')} field is required.")
        if given["gst_treatment"] not in ("Registered", "Unregistered"):
            raise self._bad("The selected gst treatment is invalid.")
        if given["gst_treatment"] == "Registered" and not given.get("gstin"):
            raise self._bad("The gstin field is required when gst treatment is Registered.")
        cid = self.next_customer_id
        self.next_customer_id += 1
        customer = _customer(
            cid,
            given["contactpersons_name"],
            given["company_name"],
            given.get("email", ""),
            given["mobile_number"],
            "pending",
            gstin=given.get("gstin", ""),
        )
        self.customers[cid] = customer
        return {"data": self.public(customer), "message": "Customer created successfully"}


def new_customer(fake: FakeSourceHub, *, email: str, approval: str = "accepted", company: str = "") -> dict:
    """Register a business buyer with the fake (a conformance or browser test's new user)."""
    cid = fake.next_customer_id
    fake.next_customer_id += 1
    customer = _customer(cid, "Meera Iyer", company or f"Iyer Stores {cid}", email, f"98{cid:08d}", approval)
    fake.customers[cid] = customer
    return customer


def start_fake_sourcehub(token: str = TOKEN, **kwargs: Any) -> FakeSourceHub:
    return FakeSourceHub(token, **kwargs).start()


@pytest.fixture
def fake_sourcehub() -> Iterator[FakeSourceHub]:
    server = start_fake_sourcehub()
    try:
        yield server
    finally:
        server.stop()
