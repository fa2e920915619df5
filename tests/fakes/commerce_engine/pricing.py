"""The cart arithmetic of commerce_engine.md §5.3, computed from the fake's own state, and the Cart
shape of §3 / §5.2 (the union of the seed's keys and the current spec's)."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal
from typing import Any

from tests.fakes.commerce_engine import data
from tests.fakes.commerce_engine.catalog import CatalogServer
from tests.fakes.commerce_engine.core import D, iso, money, num

ZERO = Decimal(0)


class PricingServer(CatalogServer):
    """Settings of the SIM parts of §5.3 (all changeable by tests):

    - ``shipping_rate`` ₹50 before tax per delivery cart, ``shipping_tax_rate`` 18 %;
      ``free_shipping_threshold`` ₹499 (goods after promotion, including tax; before the coupon).
    - ``handling_charge`` ₹0 (with ``handling_tax_rate`` 18 %).
    - ``point_value`` ₹1 per loyalty point; ``earn_rate`` 0.01 point per rupee to be paid (rounded down).
    - Free goods: buying the Silk Saree adds one Red Cushion Cover as a free line (`is_free_item`),
      its value booked as promotion discount (§5.3 step 2).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.shipping_rate = Decimal(50)
        self.shipping_tax_rate = Decimal(18)
        self.free_shipping_threshold = Decimal(499)
        self.handling_charge = Decimal(0)
        self.handling_tax_rate = Decimal(18)
        self.point_value = Decimal(1)
        self.earn_rate = Decimal("0.01")
        self.free_goods = {
            "promotion_id": "01JCEPROMO0000000000000002",
            "trigger": "01JCEPRD000000000000000006",
            "product": "01JCEPRD000000000000000008",
            "variant": "01JCEVAR000000000000000081",
        }

    # ------------------------------------------------------------------ the arithmetic
    def compute(self, cart: dict[str, Any], *, coupon: Any = "cart") -> dict[str, Any]:
        """Price `cart` (§5.3). `coupon`: "cart" uses the cart's code; a coupon record or None overrides it
        (evaluate-coupons). Returns the numbers; `cart_json` shapes them. Caps the cart's redemptions
        in place when the payable shrank (§5.3 "re-cap")."""
        real = coupon == "cart"
        if real:
            coupon = self.coupon_by_code(cart["coupon"]) if cart.get("coupon") else None
        rows = []
        for line in cart["lines"]:
            product = self.products[line["product_id"]]
            variant = self.find_variant(product, line["variant_id"]) if line["variant_id"] else None
            rows.append(self._row(product, variant, line["quantity"], free=False))
        trigger = self.free_goods and any(r["product"]["id"] == self.free_goods["trigger"] for r in rows)
        if trigger:
            product = self.products[self.free_goods["product"]]
            rows.append(
                self._row(product, self.find_variant(product, self.free_goods["variant"]), 1, free=True)
            )

        # step 2-3: subtotal before discounts; promotions, then the coupon, allocated to lines
        for row in rows:
            row["promo"] = row["net_line"] if row["free"] else ZERO
            promo = None if row["free"] else self.promotion_for(row["product"])
            if promo is not None:
                row["promo"] = money(row["net_line"] * D(promo["percent"]) / 100)
                row["promotion"] = promo
            row["coupon"] = ZERO
        subtotal = sum((r["net_line"] for r in rows), ZERO)
        promotion_total = sum((r["promo"] for r in rows), ZERO)
        free_shipping_coupon = coupon is not None and coupon["coupon_type"] == "free-shipping"
        if coupon is not None and coupon["coupon_type"] == "discount":
            self._allocate_coupon(coupon, rows)
        coupon_total = sum((r["coupon"] for r in rows), ZERO)

        # step 4: tax after discounts
        for row in rows:
            row["tax"] = money(
                (row["net_line"] - row["promo"] - row["coupon"]) * row["pricing"]["tax_rate"] / 100
            )
        items_tax = sum((r["tax"] for r in rows), ZERO)
        subtotal_incl = subtotal + items_tax
        goods_value = self.goods_value(rows)

        # step 5: shipping
        delivery = (cart.get("fulfillment") or {}).get("fulfillment_type", "delivery") != "collect-in-store"
        estimated = self.shipping_rate if rows and delivery else ZERO
        shipping_discount = ZERO
        if estimated and (free_shipping_coupon or goods_value >= self.free_shipping_threshold):
            shipping_discount = estimated
        shipping = estimated - shipping_discount
        shipping_tax = money(shipping * self.shipping_tax_rate / 100)
        handling = self.handling_charge if rows else ZERO
        handling_tax = money(handling * self.handling_tax_rate / 100)

        # step 6
        total_tax = items_tax + shipping_tax + handling_tax
        grand_total = (
            subtotal_incl - promotion_total - coupon_total + shipping + shipping_tax + handling + handling_tax
        )
        grand_total = max(grand_total, ZERO)

        # step 7: loyalty, gift card, credit — each capped so nothing goes below zero
        remaining = grand_total
        points = int(cart.get("points") or 0)
        if points and points * self.point_value > remaining:
            points = int((remaining / self.point_value).to_integral_value(ROUND_FLOOR))
        loyalty_value = money(points * self.point_value)
        remaining -= loyalty_value
        gift_used = ZERO
        if cart.get("gift_card"):
            gift_used = min(D(self.gift_cards[cart["gift_card"]]["balance"]), remaining)
            remaining -= gift_used
        credit = min(D(cart.get("credit") or 0), remaining)
        remaining -= credit
        if real:
            cart["points"], cart["credit"] = points, credit  # re-cap (only when pricing the real cart)

        promotion_savings = promotion_total
        coupon_savings = coupon_total + (shipping_discount if free_shipping_coupon else ZERO)
        other_savings = loyalty_value + credit + gift_used
        return {
            "rows": rows,
            "coupon": coupon,
            "subtotal": subtotal,
            "promotion": promotion_total,
            "coupon_total": coupon_total,
            "items_tax": items_tax,
            "subtotal_incl": subtotal_incl,
            "goods_value": goods_value,
            "estimated": estimated,
            "shipping_discount": shipping_discount,
            "shipping": shipping,
            "shipping_tax": shipping_tax,
            "handling": handling,
            "handling_tax": handling_tax,
            "total_tax": total_tax,
            "grand_total": grand_total,
            "points": points,
            "loyalty_value": loyalty_value,
            "gift_used": gift_used,
            "credit": credit,
            "to_be_paid": money(remaining),
            "promotion_savings": promotion_savings,
            "coupon_savings": coupon_savings,
            "other_savings": other_savings,
            "earned": int((remaining * self.earn_rate).to_integral_value(ROUND_FLOOR)),
        }

    def _row(self, product: dict, variant: dict | None, quantity: int, *, free: bool) -> dict[str, Any]:
        pricing = self.pricing_of(product, variant)
        net_unit = self.net_unit(pricing)
        return {
            "product": product,
            "variant": variant,
            "quantity": quantity,
            "free": free,
            "pricing": pricing,
            "net_unit": net_unit,
            "net_line": net_unit * quantity,
            "promotion": None,
        }

    @staticmethod
    def goods_value(rows: list[dict[str, Any]]) -> Decimal:
        """What the minimum order total and the free-shipping threshold compare with: the goods after
        promotions, including their tax, before the coupon (SIM)."""
        total = ZERO
        for row in rows:
            base = row["net_line"] - row["promo"]
            total += base + money(base * row["pricing"]["tax_rate"] / 100)
        return total

    def coupon_lines(self, coupon: dict[str, Any], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        eligible = [r for r in rows if not r["free"]]
        if coupon.get("applies_to_product") == "category":
            eligible = [r for r in eligible if coupon["category"] in r["product"]["categories"]]
        return eligible

    def _allocate_coupon(self, coupon: dict[str, Any], rows: list[dict[str, Any]]) -> None:
        eligible = self.coupon_lines(coupon, rows)
        base = sum((r["net_line"] - r["promo"] for r in eligible), ZERO)
        if base <= 0:
            return
        if coupon["discount_type"] == "percentage":
            amount = money(base * D(coupon["percent"]) / 100)
            if coupon.get("maximum_discount_amount") is not None:
                amount = min(amount, D(coupon["maximum_discount_amount"]))
        else:
            amount = min(D(coupon["amount"]), base)
        left = amount
        for i, row in enumerate(eligible):
            share = (
                left if i == len(eligible) - 1 else money(amount * (row["net_line"] - row["promo"]) / base)
            )
            share = min(share, row["net_line"] - row["promo"])
            row["coupon"] = share
            left -= share

    # ------------------------------------------------------------------ the Cart shape
    def cart_json(self, cart: dict[str, Any]) -> dict[str, Any]:
        t = self.compute(cart)
        user = self.users[cart["user_id"]]
        coupon = t["coupon"]
        applied_promotions = []
        for seq, row in enumerate((r for r in t["rows"] if r["promo"] > 0), start=1):
            promo_id = self.free_goods["promotion_id"] if row["free"] else row["promotion"]["id"]
            applied_promotions.append(
                {
                    "promotion_id": promo_id,
                    "promotion_type": "free-goods" if row["free"] else row["promotion"]["promotion_type"],
                    "savings": num(row["promo"]),
                    "product_id": row["product"]["id"],
                    "variant_id": row["variant"]["id"] if row["variant"] else None,
                    "product_name": row["product"]["name"],
                    "variant_name": row["variant"]["name"] if row["variant"] else None,
                    "applied_sequence": seq,
                    "scope": "item",
                }
            )
        applied_coupons = [
            {
                "coupon_id": coupon["id"],
                "coupon_type": coupon["coupon_type"],
                "savings": num(row["coupon"]),
                "product_id": row["product"]["id"],
                "variant_id": row["variant"]["id"] if row["variant"] else None,
                "product_name": row["product"]["name"],
                "variant_name": row["variant"]["name"] if row["variant"] else None,
            }
            for row in t["rows"]
            if coupon is not None and row["coupon"] > 0
        ]
        if coupon is not None and coupon["coupon_type"] == "free-shipping" and t["shipping_discount"] > 0:
            applied_coupons.append(
                {
                    "coupon_id": coupon["id"],
                    "coupon_type": "free-shipping",
                    "savings": num(t["shipping_discount"]),
                    "product_id": None,
                    "variant_id": None,
                    "product_name": None,
                    "variant_name": None,
                }
            )
        shipping_address = cart.get("shipping_address")
        status, status_error = self.cart_status(cart, t)
        items = [self.item_line(row) for row in t["rows"]]
        out = {
            "id": cart["id"],
            "active": cart["active"],
            "customer_email": cart.get("customer_email") or user["email"],
            "customer_phone": cart.get("customer_phone")
            or (f"+91{user['phone']}" if user["phone"] else None),
            "customer_note": cart.get("customer_note"),
            "is_promotion_applied": t["promotion"] > 0,
            "promotion_discount_amount": num(t["promotion"]),
            "promotion_discount_percent": num(t["promotion"] * 100 / t["subtotal"]) if t["subtotal"] else 0,
            "is_coupon_applied": coupon is not None,
            "coupon_code": cart.get("coupon"),
            "coupon_discount_amount": num(t["coupon_total"]),
            "coupon_discount_percent": num(D(coupon["percent"])) if coupon and coupon.get("percent") else 0,
            "subtotal": num(t["subtotal"]),
            "items_tax_amount": num(t["items_tax"]),
            "subtotal_including_tax": num(t["subtotal_incl"]),
            "shipping_estimated_cost": num(t["estimated"]),
            "shipping_discount_amount": num(t["shipping_discount"]),
            "shipping_amount": num(t["shipping"]),
            "shipping_tax_rate": num(self.shipping_tax_rate),
            "shipping_tax_amount": num(t["shipping_tax"]),
            "shipping_amount_including_tax": num(t["shipping"] + t["shipping_tax"]),
            "handling_charge_excluding_tax": num(t["handling"]),
            "handling_charge_tax_amount": num(t["handling_tax"]),
            "handling_charge_including_tax": num(t["handling"] + t["handling_tax"]),
            "total_tax": num(t["total_tax"]),
            "grand_total": num(t["grand_total"]),
            "loyalty_points_redeemed": t["points"],
            "loyalty_points_earned": t["earned"],
            "credit_balance_used": num(t["credit"]),
            # SIM (gift cards are in the older docs only; no cart field is documented): the code on the
            # cart and the money it covers
            "gift_card_code": cart.get("gift_card"),
            "gift_card_amount": num(t["gift_used"]),
            "to_be_paid": num(t["to_be_paid"]),
            "promotion_savings": num(t["promotion_savings"]),
            "coupon_savings": num(t["coupon_savings"]),
            "other_savings": num(t["other_savings"]),
            "total_savings": num(t["promotion_savings"] + t["coupon_savings"] + t["other_savings"]),
            "free_shipping_threshold": num(self.free_shipping_threshold),
            "applied_promotions": applied_promotions,
            "applied_coupons": applied_coupons,
            "cart_items_count": len(items),
            "cart_items": items,
            "billing_address": cart.get("billing_address"),
            "shipping_address": shipping_address,
            "currency": dict(data.CURRENCY),
            "metadata": cart.get("metadata") or {},
            "expires_at": iso(cart["expires_at"]),
            "status": status,
            "status_error_message": status_error,
            "fulfillment_preference": cart.get("fulfillment"),
            "estimated_delivery_days": 4 if items and status == "ready-for-payment" else None,
            "shipments": self.shipments(cart, t),
        }
        return out

    def item_line(self, row: dict[str, Any]) -> dict[str, Any]:
        product, variant, pricing = row["product"], row["variant"], row["pricing"]
        stock = self.stock_of(product, variant)
        return {
            "product_id": product["id"],
            "variant_id": variant["id"] if variant else None,
            "sku": variant["sku"] if variant else product["sku"],
            "slug": product["slug"],
            "product_name": product["name"],
            "variant_name": variant["name"] if variant else None,
            "product_type": product["product_type"],
            "product_image_url": self.image_json(product)[0]["url_standard"],
            "stock_available": stock >= row["quantity"] and stock > 0,
            "backorder": False,
            "on_offer": row["promotion"] is not None or row["free"],
            "on_subscription": False,
            "on_promotion": row["promotion"] is not None or row["free"],
            "quantity": row["quantity"],
            "is_free_item": row["free"],
            "free_quantity": row["quantity"] if row["free"] else 0,
            "promotion_discount_amount": num(row["promo"]),
            "coupon_discount_amount": num(row["coupon"]),
            "price_including_tax": pricing["price_including_tax"],
            "listing_price": num(pricing["listing_price"]),
            "selling_price": num(pricing["selling_price"]),
            "selling_price_excluding_tax": num(row["net_unit"]),
            "min_order_quantity": pricing["min_order_quantity"],
            "max_order_quantity": pricing["max_order_quantity"],
            "incremental_quantity": pricing["incremental_quantity"],
            "shipping_additional_cost": 0,
            "handling_charge_excluding_tax": 0,
            "handling_charge_tax_rate": 0,
            "handling_charge_including_tax": 0,
            "tax_type": "GST",
            "tax_rate": num(pricing["tax_rate"]),
            "tax_amount": num(row["tax"]),
            "associated_options": self.associated_options(product, variant),
            "attributes": [],
            "subscriptions": None,
            "seller_id": None,
            "seller_detail": None,
        }

    def shipments(self, cart: dict[str, Any], t: dict[str, Any]) -> list[dict[str, Any]]:
        fulfillment = cart.get("fulfillment") or {}
        if not t["rows"] or fulfillment.get("fulfillment_type") != "delivery":
            return []
        return [
            {
                "id": cart["id"][:-2] + "S1",
                "shipping_provider_id": data.SHIPPING_PROVIDER["id"],
                "shipping_provider_name": data.SHIPPING_PROVIDER["name"],
                "courier_company_id": data.COURIER["id"],
                "courier_company_name": data.COURIER["name"],
                "shipping_amount": num(t["shipping"]),
                "shipping_tax_amount": num(t["shipping_tax"]),
                "shipping_amount_including_tax": num(t["shipping"] + t["shipping_tax"]),
                "shipment_items_count": len(t["rows"]),
                "shipment_items": [
                    {
                        "product_id": r["product"]["id"],
                        "variant_id": r["variant"]["id"] if r["variant"] else None,
                        "quantity": r["quantity"],
                    }
                    for r in t["rows"]
                ],
            }
        ]

    def cart_status(self, cart: dict[str, Any], t: dict[str, Any]) -> tuple[str, str | None]:
        """`ready-for-payment` needs items, addresses and a fulfillment preference (§3.1); otherwise the
        first missing thing, in the shopper's words."""
        problem = None
        fulfillment = cart.get("fulfillment") or {}
        delivery = fulfillment.get("fulfillment_type") != "collect-in-store"
        shipping = cart.get("shipping_address")
        if not t["rows"]:
            problem = "Your cart is empty."
        elif any(self.stock_of(r["product"], r["variant"]) < r["quantity"] for r in t["rows"]):
            problem = "Some items in your cart are out of stock."
        elif delivery and not shipping:
            problem = "Please add a shipping address."
        elif not cart.get("billing_address"):
            problem = "Please add a billing address."
        elif not fulfillment:
            problem = "Please choose delivery or collect in store."
        elif delivery and shipping and shipping.get("pincode") in self.unserviceable_pincodes:
            problem = f"We do not deliver to pincode {shipping['pincode']} yet."
        return ("not-ready-for-payment", problem) if problem else ("ready-for-payment", None)
