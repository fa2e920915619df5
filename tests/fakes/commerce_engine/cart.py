"""Cart routes of the fake Commerce Engine server (commerce_engine.md §2.2, §2.3, §2.5, §2.6, §2.8,
§4, §5.1): carts and lines with quantity rules, addresses, fulfilment, coupons, promotions, loyalty
points, credit balance, gift cards, saved addresses and the loyalty balance."""

from __future__ import annotations

import copy
import re
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from tests.fakes.base import Request
from tests.fakes.commerce_engine import data
from tests.fakes.commerce_engine.core import D, ce_route, num
from tests.fakes.commerce_engine.pricing import PricingServer

MSG_CART_NOT_FOUND = "Cart not found"
MSG_CART_EXPIRED = "Cart has expired. Please create a new cart."
ADDRESS_REQUIRED = ("first_name", "phone", "address_line1", "pincode", "city", "state")
ADDRESS_KEYS = (
    "first_name",
    "last_name",
    "country_code",
    "phone",
    "email",
    "address_line1",
    "address_line2",
    "landmark",
    "pincode",
    "city",
    "state",
    "country",
    "tax_identification_number",
    "business_name",
    "is_default_billing",
    "is_default_shipping",
    "nickname",
)


class CartServer(PricingServer):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.carts: dict[str, dict[str, Any]] = {}
        self.coupons = self.anchor(copy.deepcopy(data.COUPONS))
        self.gift_cards = copy.deepcopy(data.GIFT_CARDS)
        self.unserviceable_pincodes = set(data.UNSERVICEABLE_PINCODES)
        self.pickup_locations = copy.deepcopy(data.PICKUP_LOCATIONS)
        # §5.1 "credit_balance_used ≤ user's credit": refused with 400 insufficient_credit (default),
        # or with credit_cap=True capped at the customer's credit as the payable caps it
        self.credit_cap = False

    # ------------------------------------------------------------------ test hooks
    def cart(self, cart_id: str) -> dict[str, Any]:
        return self.carts[cart_id]

    def active_cart_of(self, user_id: str) -> dict[str, Any] | None:
        now = self.now()
        return next(
            (
                c
                for c in self.carts.values()
                if c["user_id"] == user_id and c["active"] and c["expires_at"] > now
            ),
            None,
        )

    def expire_cart(self, cart_id: str) -> None:
        """Make a cart's `expires_at` lie in the past (the shopper comes back too late)."""
        with self._lock:
            self.carts[cart_id]["expires_at"] = self.now() - timedelta(seconds=1)

    def customer(self, key: str) -> dict[str, Any]:
        """A user record by id, customer id, phone or email (mutable: `points`, `credit`)."""
        return next(
            u for u in self.users.values() if key in (u["id"], u["customer_id"], u["phone"], u["email"])
        )

    def coupon_by_code(self, code: str | None) -> dict[str, Any] | None:
        code = (code or "").strip().upper()
        return next((c for c in self.coupons if code in c["coupon_code"]), None)

    # ------------------------------------------------------------------ helpers
    def load_cart(self, req: Request, cart_id: str | None = None) -> dict[str, Any]:
        """The caller's cart by id: 404 when unknown, another user's, inactive or expired."""
        user = self.auth_user(req)
        cart = self.carts.get(cart_id or req.args["id"])
        if cart is None or cart["user_id"] != user["id"] or not cart["active"]:
            raise self.fail(404, MSG_CART_NOT_FOUND, "not_found")
        if cart["expires_at"] <= self.now():
            raise self.fail(404, MSG_CART_EXPIRED, "cart_expired")
        return cart

    def touched(self, cart: dict[str, Any], message: str = "cart details") -> dict:
        """After a change: extend the expiry, re-validate the coupon, answer `content.cart` (§5.2-5.3)."""
        cart["expires_at"] = self.now() + timedelta(seconds=self.cart_ttl)
        self.revalidate(cart)
        return self.ok(message, cart=self.cart_json(cart))

    def revalidate(self, cart: dict[str, Any]) -> None:
        if cart.get("coupon"):
            coupon = self.coupon_by_code(cart["coupon"])
            user = self.users[cart["user_id"]]
            if coupon is None or self.coupon_problem(coupon, cart, user) is not None:
                cart["coupon"] = None
        if cart.get("gift_card") and not cart["lines"]:
            cart["gift_card"] = None

    def new_cart(self, user: dict[str, Any], metadata: Any) -> dict[str, Any]:
        now = self.now()
        cart = {
            "id": self.new_id(),
            "user_id": user["id"],
            "lines": [],
            "coupon": None,
            "points": 0,
            "credit": Decimal(0),
            "gift_card": None,
            "billing_address": None,
            "shipping_address": None,
            "fulfillment": None,
            "metadata": metadata or {},
            "customer_note": None,
            "active": True,
            "created_at": now,
            "expires_at": now + timedelta(seconds=self.cart_ttl),
        }
        self.carts[cart["id"]] = cart
        return cart

    def set_line(self, cart: dict[str, Any], item: Any) -> None:
        """Apply one UpdateCartItem (§2.2): the absolute quantity; 0 removes the line. 400 on rules."""
        if not isinstance(item, dict):
            raise self.fail(400, "Each item must be an object", "validation_error")
        missing = [k for k in ("product_id", "variant_id", "quantity") if k not in item]
        if missing:
            raise self.fail(
                400, f"{', '.join(missing)} required", "validation_error", {k: ["required"] for k in missing}
            )
        product = self.find_product(str(item["product_id"]))
        if product is None:
            raise self.fail(400, "Product not found", "product_not_found")
        qty = item["quantity"]
        if isinstance(qty, bool) or not isinstance(qty, int) or qty < 0:
            raise self.fail(400, "Quantity must be a whole number, 0 or more", "invalid_quantity")
        variant = None
        if product.get("variants"):
            if not item["variant_id"]:
                raise self.fail(400, f"Please choose a variant of {product['name']}", "variant_required")
            variant = self.find_variant(product, str(item["variant_id"]))
            if variant is None:
                raise self.fail(400, "Variant not found", "variant_not_found")
        elif item["variant_id"]:
            raise self.fail(400, f"{product['name']} has no variants", "variant_not_found")
        key = (product["id"], variant["id"] if variant else None)
        lines = [ln for ln in cart["lines"] if (ln["product_id"], ln["variant_id"]) != key]
        if qty == 0:
            cart["lines"] = lines
            return
        self.check_quantity(product, variant, qty)
        existing = next((ln for ln in cart["lines"] if (ln["product_id"], ln["variant_id"]) == key), None)
        if existing:
            existing["quantity"] = qty
        else:
            cart["lines"].append({"product_id": key[0], "variant_id": key[1], "quantity": qty})

    def check_quantity(self, product: dict[str, Any], variant: dict[str, Any] | None, qty: int) -> None:
        pricing = self.pricing_of(product, variant)
        name = variant["name"] if variant else product["name"]
        low, high, step = (
            pricing["min_order_quantity"],
            pricing["max_order_quantity"],
            pricing["incremental_quantity"],
        )
        stock = self.stock_of(product, variant)
        if stock <= 0:
            raise self.fail(400, f"{name} is out of stock", "out_of_stock")
        if qty < low:
            raise self.fail(400, f"Minimum order quantity for {name} is {low}", "invalid_quantity")
        if high is not None and qty > high:
            raise self.fail(400, f"Maximum order quantity for {name} is {high}", "invalid_quantity")
        if (qty - low) % step:
            raise self.fail(400, f"{name} can be ordered in steps of {step}", "invalid_quantity")
        if qty > stock:
            raise self.fail(400, f"Only {stock} of {name} left in stock", "insufficient_stock")

    @staticmethod
    def number(value: Any, name: str, fail) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise fail(400, f"{name} is required", "validation_error", {name: ["required"]})
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            raise fail(400, f"{name} must be a number", "validation_error") from None
        if not amount.is_finite() or amount <= 0:
            raise fail(400, f"{name} must be more than 0", "validation_error")
        return amount

    # ------------------------------------------------------------------ coupons and promotions
    def coupon_problem(
        self, coupon: dict[str, Any], cart: dict[str, Any], user: dict[str, Any]
    ) -> str | None:
        """Why `coupon` cannot apply to `cart` now, or None (§4 "Coupons and promotions")."""
        now = self.now()
        if coupon.get("_starts") and now < coupon["_starts"]:
            return "This coupon is not active yet."
        if coupon.get("_ends") and now >= coupon["_ends"]:
            return "This coupon has expired."
        limits = coupon.get("redemption_limits") or {}
        if (
            limits.get("total_redemptions") is not None
            and coupon.get("redemption_count", 0) >= limits["total_redemptions"]
        ):
            return "This coupon has been fully redeemed."
        if coupon.get("login_required") and user["anonymous"]:
            return "Sign in to use this coupon."
        per_customer = limits.get("per_customer_redemptions")
        if per_customer is not None and self.redemptions_by(user["id"], coupon) >= per_customer:
            return "You have already used this coupon."
        t = self.compute(cart, coupon=None)
        minimum = D(coupon.get("minimum_order_total") or 0)
        if t["goods_value"] < minimum:
            return f"Add items worth ₹{num(minimum - t['goods_value'])} more to use this coupon."
        if coupon["coupon_type"] == "discount" and not self.coupon_lines(coupon, t["rows"]):
            return "No item in your cart qualifies for this coupon."
        return None

    def redemptions_by(self, user_id: str, coupon: dict[str, Any]) -> int:
        return 0  # orders.py counts the user's orders with this coupon

    @ce_route("POST", "/carts/fulfillment-options")
    @ce_route("POST", "/shipping/fulfillment-options")  # the older docs' path (§0.1), same answer
    def _fulfillment_options(self, req: Request) -> dict:
        body = self.body(req)
        cart = self.load_cart(req, str(body.get("cart_id") or "-"))
        t = self.compute(cart)
        pincode = (cart.get("shipping_address") or {}).get("pincode")
        serviceable = pincode not in self.unserviceable_pincodes
        return self.ok(
            "fulfillment options",
            summary={
                "collect_available": True,
                "deliver_available": serviceable,
                "recommended_fulfillment_type": "delivery" if serviceable else "collect-in-store",
                "recommended_store": None,
            },
            collect=[
                {**copy.deepcopy(p), "is_recommended": i == 0} for i, p in enumerate(self.pickup_locations)
            ],
            deliver={
                "is_serviceable": serviceable,
                "free_shipping_threshold": num(self.free_shipping_threshold),
                "shipments": [
                    {
                        "id": cart["id"][:-2] + "S1",
                        "items": [
                            {
                                "product_id": r["product"]["id"],
                                "variant_id": r["variant"]["id"] if r["variant"] else None,
                                "quantity": r["quantity"],
                            }
                            for r in t["rows"]
                        ],
                        "shipping_methods": [
                            {
                                "id": data.SHIPPING_PROVIDER["id"],
                                "name": "Standard delivery",
                                "shipping_type": "auto",
                                "shipping_amount": str(num(self.shipping_rate)),
                                "estimated_delivery_days": "3-5",
                                "courier_companies": [
                                    {
                                        **data.COURIER,
                                        "shipping_amount": num(self.shipping_rate),
                                        "estimated_delivery_days": "3-5",
                                        "is_recommended": True,
                                        "is_hyperlocal": False,
                                        "mode": "surface",
                                        "rating": 4.2,
                                    }
                                ],
                            }
                        ],
                    }
                ]
                if serviceable
                else [],
            },
        )

    @ce_route("POST", "/carts")
    def _create_cart(self, req: Request) -> dict:
        user = self.auth_user(req)
        body = self.body(req)
        items = body.get("items")
        if not isinstance(items, list) or not items:
            raise self.fail(
                400,
                "At least one item is required to create a cart",
                "validation_error",
                {"items": ["required"]},
            )
        metadata = body.get("metadata")
        if metadata is not None and (
            not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values())
        ):
            raise self.fail(400, "metadata must map strings to strings", "validation_error")
        # SIM: one active cart per user; creating again sets these lines on the active cart
        cart = self.active_cart_of(user["id"])
        trial = copy.deepcopy(cart) if cart else {"lines": []}
        for item in items:
            self.set_line(trial, item)  # all or nothing
        if not trial["lines"]:
            raise self.fail(400, "At least one item is required to create a cart", "validation_error")
        if cart is None:
            cart = self.new_cart(user, metadata)
        elif metadata:
            cart["metadata"] = {**(cart.get("metadata") or {}), **metadata}
        cart["lines"] = trial["lines"]
        return self.touched(cart, "Cart created successfully")

    @ce_route("GET", "/carts/users/{user_id}")
    def _user_cart(self, req: Request) -> dict:
        user = self.auth_user(req)
        if req.args["user_id"] != user["id"]:
            raise self.fail(404, MSG_CART_NOT_FOUND, "not_found")
        cart = self.active_cart_of(user["id"])
        if cart is None:
            raise self.fail(404, MSG_CART_NOT_FOUND, "not_found")
        self.revalidate(cart)
        return self.ok("cart details", cart=self.cart_json(cart))

    @ce_route("DELETE", "/carts/users/{user_id}")
    def _delete_user_cart(self, req: Request) -> dict:
        user = self.auth_user(req)
        cart = self.active_cart_of(user["id"]) if req.args["user_id"] == user["id"] else None
        if cart is None:
            raise self.fail(404, MSG_CART_NOT_FOUND, "not_found")
        self.empty(cart)
        return {"message": "All cart items are removed.", "success": True}

    @staticmethod
    def empty(cart: dict[str, Any]) -> None:
        """SIM: DELETE empties the cart in place (same id, still active; redemptions dropped)."""
        cart.update(lines=[], coupon=None, points=0, credit=Decimal(0), gift_card=None)

    @ce_route("GET", "/carts/{id}")
    def _get_cart(self, req: Request) -> dict:
        cart = self.load_cart(req)
        self.revalidate(cart)
        return self.ok("cart details", cart=self.cart_json(cart))

    @ce_route("DELETE", "/carts/{id}")
    def _delete_cart(self, req: Request) -> dict:
        self.empty(self.load_cart(req))
        return {"message": "All cart items are removed.", "success": True}

    @ce_route("POST", "/carts/{id}/items")
    def _items(self, req: Request) -> dict:
        cart = self.load_cart(req)
        self.set_line(cart, self.body(req))
        return self.touched(cart, "Cart updated successfully")

    @ce_route("POST", "/carts/{id}/address")
    def _address(self, req: Request) -> dict:
        cart = self.load_cart(req)
        user, token = self.bearer(req)
        body = self.body(req)
        if "billing_address_id" in body or "shipping_address_id" in body:
            if not token["logged_in"]:
                raise self.fail(400, "Saved addresses need a signed-in customer", "login_required")
            saved = {a["id"]: a for a in user["addresses"]}
            picked = []
            for key in ("billing_address_id", "shipping_address_id"):
                if body.get(key) not in saved:
                    raise self.fail(
                        400, f"{key} is not one of your addresses", "validation_error", {key: ["invalid"]}
                    )
                picked.append(self.address_json(saved[body[key]], keep_id=True))
            cart["billing_address"], cart["shipping_address"] = picked
        else:
            picked = []
            for key in ("billing_address", "shipping_address"):
                picked.append(self.address_json(self.valid_address(body.get(key), key)))
            cart["billing_address"], cart["shipping_address"] = picked
        cart["customer_email"] = cart["shipping_address"].get("email") or user["email"]
        cart["customer_phone"] = "+91" + cart["shipping_address"]["phone"]
        return self.touched(cart, "Address updated successfully")

    def valid_address(self, value: Any, name: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(400, f"{name} is required", "validation_error", {name: ["required"]})
        errors = {k: ["required"] for k in ADDRESS_REQUIRED if not str(value.get(k) or "").strip()}
        if not errors.get("phone") and not re.fullmatch(r"\d{10}", str(value["phone"])):
            errors["phone"] = ["10 digits, without the country code"]
        if not errors.get("pincode") and not re.fullmatch(r"[1-9]\d{5}", str(value["pincode"])):
            errors["pincode"] = ["6 digits"]
        if value.get("country") not in (None, "India"):
            errors["country"] = ["must be India"]
        if errors:
            fields = ", ".join(sorted(errors))
            raise self.fail(
                400,
                f"Please check the {name.replace('_', ' ')}: {fields}",
                "validation_error",
                {name: errors},
            )
        return value

    def address_json(self, value: dict[str, Any], *, keep_id: bool = False) -> dict[str, Any]:
        out = {"id": value["id"] if keep_id else self.new_id()}
        for key in ADDRESS_KEYS:
            out[key] = value.get(key)
        out["country_code"] = out["country_code"] or "+91"
        out["country"] = "India"
        out["is_default_billing"] = bool(out["is_default_billing"])
        out["is_default_shipping"] = bool(out["is_default_shipping"])
        out["is_phone_verified"] = False
        out["is_email_verified"] = False
        return out

    @ce_route("POST", "/carts/{id}/fulfillment-preference")
    def _fulfillment_preference(self, req: Request) -> dict:
        cart = self.load_cart(req)
        body = self.body(req)
        kind = body.get("fulfillment_type")
        if kind == "delivery":
            shipments = []
            for shipment in body.get("shipments") or []:
                shipments.append(
                    {
                        "id": shipment.get("id"),
                        "shipping_provider_id": shipment.get("shipping_provider_id"),
                        "shipping_provider_name": data.SHIPPING_PROVIDER["name"],
                        "courier_company_id": shipment.get("courier_company_id"),
                        "courier_company_name": data.COURIER["name"]
                        if shipment.get("courier_company_id")
                        else None,
                    }
                )
            cart["fulfillment"] = {
                "fulfillment_type": "delivery",
                "shipments": shipments,
                "preference_type": "user" if shipments else "auto",
            }
        elif kind == "collect-in-store":
            store = next(
                (p for p in self.pickup_locations if p["id"] == body.get("pickup_location_id")), None
            )
            if store is None:
                raise self.fail(
                    400,
                    "pickup_location_id is not a pickup location",
                    "validation_error",
                    {"pickup_location_id": ["invalid"]},
                )
            cart["fulfillment"] = {
                "fulfillment_type": "collect-in-store",
                "pickup_location_id": store["id"],
                "pickup_location_name": store["name"],
            }
        elif kind == "partial-collect-and-delivery":
            raise self.fail(
                400,
                "Partial collect and delivery is not available for this store",
                "unsupported_fulfillment_type",
            )
        else:
            raise self.fail(
                400,
                "fulfillment_type must be delivery or collect-in-store",
                "validation_error",
                {"fulfillment_type": ["invalid"]},
            )
        return self.touched(cart, "Fulfillment preference updated")

    @ce_route("POST", "/fulfillment/serviceability")
    def _serviceability(self, req: Request) -> dict:
        self.auth_user(req)
        body = self.body(req)
        if "delivery_pincode" not in body:
            raise self.fail(
                400, "delivery_pincode is required", "validation_error", {"delivery_pincode": ["required"]}
            )
        pincode = body["delivery_pincode"]
        if body.get("cart_id"):
            cart = self.load_cart(req, str(body["cart_id"]))
            wanted = [(ln["product_id"], ln["variant_id"], ln["quantity"]) for ln in cart["lines"]]
        elif isinstance(body.get("items"), list):
            wanted = [
                (str(i.get("product_id")), i.get("variant_id"), 1)
                for i in body["items"]
                if isinstance(i, dict)
            ]
        else:
            raise self.fail(400, "cart_id or items is required", "validation_error")
        unserviceable = []
        for product_id, variant_id, qty in wanted:
            product = self.find_product(product_id)
            if product is None:
                continue
            variant = self.find_variant(product, variant_id) if variant_id else None
            stock = self.stock_of(product, variant)
            blocked = pincode is not None and pincode in self.unserviceable_pincodes
            if blocked or stock < qty:
                unserviceable.append(
                    {
                        "product_id": product["id"],
                        "product_name": product["name"],
                        "product_image_url": self.image_json(product)[0]["url_standard"],
                        "variant_id": variant["id"] if variant else None,
                        "variant_name": variant["name"] if variant else None,
                        "unserviceable_quantity": qty if blocked else qty - max(stock, 0),
                        "max_available_quantity": 0 if blocked else max(stock, 0),
                    }
                )
        return self.ok("serviceability", is_serviceable=not unserviceable, unserviceable_items=unserviceable)

    # ------------------------------------------------------------------ customers (logged in)
    def customer_of(self, req: Request) -> dict[str, Any]:
        user, token = self.bearer(req)
        if not token["logged_in"] or user["customer_id"] != req.args["customer_id"]:
            raise self.fail(401, "Not authorized for given operation on the Resource.", "unauthorized")
        return user

    @ce_route("GET", "/customers/{customer_id}/addresses")
    def _addresses(self, req: Request) -> dict:
        user = self.customer_of(req)
        rows = [self.address_json(a, keep_id=True) for a in user["addresses"]]
        return self.ok("addresses", addresses=rows, pagination=self.paginate(rows, 1, max(len(rows), 1))[1])

    @ce_route("POST", "/customers/{customer_id}/addresses")
    def _add_address(self, req: Request) -> dict:
        user = self.customer_of(req)
        address = self.address_json(self.valid_address(self.body(req), "address"))
        user["addresses"].append(address)
        return self.ok("Address created successfully", address=address)

    @ce_route("GET", "/customers/{customer_id}/loyalty")
    def _loyalty(self, req: Request) -> dict:
        user = self.customer_of(req)
        return self.ok(
            "loyalty",
            loyalty={
                "points_balance": user["points"],
                "points_earned": user.get("points_earned", user["points"]),
                "points_redeemed": user.get("points_redeemed", 0),
                "current_tier": "Silver",
                "membership_number": "M" + user["customer_id"][-8:],
                "total_spent": num(user.get("total_spent", Decimal(0))),
            },
        )
