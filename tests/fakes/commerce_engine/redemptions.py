"""Redemption routes of the fake Commerce Engine server (commerce_engine.md §2.2-2.3, §4, §5.1):
coupons (list, evaluate with eligibility, apply, remove), promotions, loyalty points, credit balance
and gift cards (SIM)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.fakes.base import Request, Response
from tests.fakes.commerce_engine import data
from tests.fakes.commerce_engine.cart import CartServer
from tests.fakes.commerce_engine.core import D, ce_route, iso, money, num


class RedemptionServer(CartServer):
    def coupon_json(self, coupon: dict[str, Any]) -> dict[str, Any]:
        details: dict[str, Any] | None = None
        if coupon["coupon_type"] == "discount":
            scope = [data.CAT[coupon["category"]]] if coupon.get("category") else []
            if coupon["discount_type"] == "percentage":
                details = {
                    "discount_type": "percentage",
                    "discount_percent": num(D(coupon["percent"])),
                    "maximum_discount_amount": num(D(coupon["maximum_discount_amount"]))
                    if coupon.get("maximum_discount_amount")
                    else None,
                    "products": [],
                    "category_id": scope,
                }
            else:
                details = {
                    "discount_type": "fixed-amount",
                    "fixed_discount_amount": num(D(coupon["amount"])),
                    "products": [],
                    "category_id": scope,
                }
        return {
            "id": coupon["id"],
            "name": coupon["name"],
            "description": coupon["description"],
            "tags": coupon.get("tags", []),
            "redemption_limits": coupon.get("redemption_limits"),
            "redemption_count": coupon.get("redemption_count", 0),
            "minimum_order_total": num(D(coupon.get("minimum_order_total") or 0)),
            "starts_at": iso(coupon["_starts"]) if coupon.get("_starts") else None,
            "expires_at": iso(coupon["_ends"]) if coupon.get("_ends") else None,
            "coupon_type": coupon["coupon_type"],
            "coupon_code": list(coupon["coupon_code"]),
            "application_rules": None,
            "can_be_used_with_promotion": True,
            "applies_to_product": coupon.get("applies_to_product", "all"),
            "details": details,
        }

    def promotion_list_json(self, promo: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": promo["id"],
            "name": promo["name"],
            "description": promo["description"],
            "tags": [],
            "redemption_limits": None,
            "redemption_count": 0,
            "minimum_order_total": 0,
            "starts_at": iso(promo["_starts"]) if promo.get("_starts") else None,
            "expires_at": iso(promo["_ends"]) if promo.get("_ends") else None,
            "promotion_type": promo["promotion_type"],
            "can_be_used_with_other_promotion": True,
        }

    # ------------------------------------------------------------------ routes (fixed paths first)
    @ce_route("GET", "/carts/available-coupons")
    @ce_route("GET", "/offer/coupons")  # the older docs' path (§0.1), same answer
    def _available_coupons(self, req: Request) -> dict:
        self.auth_user(req)
        now = self.now()
        rows = [self.coupon_json(c) for c in self.coupons if self.window_open(c, now)]
        return self.ok("coupons", coupons=rows)

    @ce_route("GET", "/carts/available-promotions")
    def _available_promotions(self, req: Request) -> dict:
        self.auth_user(req)
        now = self.now()
        return self.ok(
            "promotions",
            promotions=[self.promotion_list_json(p) for p in self.promotions if self.window_open(p, now)],
        )

    @ce_route("GET", "/carts/{id}/evaluate-coupons")
    def _evaluate_coupons(self, req: Request) -> dict:
        cart = self.load_cart(req)
        user = self.auth_user(req)
        applicable, inapplicable = [], []
        now = self.now()
        for coupon in self.coupons:
            if not self.window_open(coupon, now) and coupon.get("_ends") and now >= coupon["_ends"]:
                continue  # expired coupons are not offered
            head = {
                "id": coupon["id"],
                "name": coupon["name"],
                "coupon_type": coupon["coupon_type"],
                "coupon_code": list(coupon["coupon_code"]),
            }
            problem = self.coupon_problem(coupon, cart, user)
            if problem is None:
                t = self.compute(cart, coupon=coupon)
                saving = t["coupon_total"] + (
                    t["shipping_discount"] if coupon["coupon_type"] == "free-shipping" else 0
                )
                applicable.append(
                    {**head, "estimated_discount": num(saving), "savings_message": f"You save ₹{num(saving)}"}
                )
            else:
                suggestion = "Sign in and try again." if "Sign in" in problem else None
                if problem.startswith("Add items"):
                    suggestion = problem
                inapplicable.append({**head, "reason": problem, "suggestion": suggestion})
        return self.ok("coupons evaluated", applicable_coupons=applicable, inapplicable_coupons=inapplicable)

    @ce_route("GET", "/carts/{id}/evaluate-promotions")
    def _evaluate_promotions(self, req: Request) -> dict:
        cart = self.load_cart(req)
        t = self.compute(cart, coupon=None)
        applied = {r["promotion"]["id"] for r in t["rows"] if r["promotion"]}
        now = self.now()
        good, bad = [], []
        for promo in self.promotions:
            if not self.window_open(promo, now):
                continue
            head = {"id": promo["id"], "name": promo["name"], "promotion_type": promo["promotion_type"]}
            if promo["id"] in applied:
                saving = sum(
                    (r["promo"] for r in t["rows"] if r["promotion"] and r["promotion"]["id"] == promo["id"]),
                    Decimal(0),
                )
                good.append(
                    {**head, "estimated_discount": num(saving), "savings_message": f"You save ₹{num(saving)}"}
                )
            else:
                bad.append(
                    {
                        **head,
                        "reason": f"Add {promo['category']} items to get this offer.",
                        "suggestion": None,
                    }
                )
        return self.ok("promotions evaluated", applicable_promotions=good, inapplicable_promotions=bad)

    @ce_route("POST", "/carts/{id}/coupon")
    def _apply_coupon(self, req: Request) -> dict:
        cart = self.load_cart(req)
        user = self.auth_user(req)
        code = self.body(req).get("coupon_code")
        if not isinstance(code, str) or not code.strip():
            raise self.fail(400, "coupon_code is required", "validation_error", {"coupon_code": ["required"]})
        coupon = self.coupon_by_code(code)
        if coupon is None:
            raise self.fail(400, "This coupon code is not valid.", "coupon_invalid")
        problem = self.coupon_problem(coupon, cart, user)
        if problem is not None:
            raise self.fail(400, problem, "coupon_not_applicable")
        cart["coupon"] = code.strip().upper()
        return self.touched(cart, "Coupon applied successfully")

    @ce_route("DELETE", "/carts/{id}/coupon")
    def _remove_coupon(self, req: Request) -> Any:
        cart = self.load_cart(req)
        if not cart.get("coupon"):
            return Response(404, None)  # §1.5: 404 without a body
        cart["coupon"] = None
        return self.touched(cart, "Coupon removed successfully")

    @ce_route("POST", "/carts/{id}/loyalty-points")
    def _redeem_points(self, req: Request) -> dict:
        cart = self.load_cart(req)
        user, token = self.bearer(req)
        points = self.number(
            self.body(req).get("loyalty_point_redeemed"), "loyalty_point_redeemed", self.fail
        )
        if points != points.to_integral_value():
            raise self.fail(400, "loyalty_point_redeemed must be whole points", "validation_error")
        if not token["logged_in"]:
            raise self.fail(400, "Sign in to redeem loyalty points.", "login_required")
        if points > user["points"]:
            raise self.fail(400, f"You have {user['points']} points.", "insufficient_points")
        cart["points"] = int(points)  # capped at the payable by the recalculation (§5.3 step 7)
        return self.touched(cart, "Loyalty points redeemed successfully")

    @ce_route("DELETE", "/carts/{id}/loyalty-points")
    def _remove_points(self, req: Request) -> Any:
        cart = self.load_cart(req)
        if not cart.get("points"):
            return Response(404, None)
        cart["points"] = 0
        return self.touched(cart, "Loyalty points removed successfully")

    @ce_route("POST", "/carts/{id}/credit-balance")
    def _use_credit(self, req: Request) -> dict:
        cart = self.load_cart(req)
        user, token = self.bearer(req)
        amount = self.number(self.body(req).get("credit_balance_used"), "credit_balance_used", self.fail)
        if not token["logged_in"]:
            raise self.fail(400, "Sign in to use your credit balance.", "login_required")
        if amount > user["credit"]:
            if not self.credit_cap or user["credit"] <= 0:
                raise self.fail(400, f"Your credit balance is ₹{num(user['credit'])}.", "insufficient_credit")
            amount = user["credit"]  # credit_cap: the other reading of §5.1, capped like the payable
        cart["credit"] = money(amount)
        return self.touched(cart, "Credit balance applied successfully")

    @ce_route("DELETE", "/carts/{id}/credit-balance")
    def _remove_credit(self, req: Request) -> Any:
        cart = self.load_cart(req)
        if not cart.get("credit"):
            return Response(404, None)
        cart["credit"] = Decimal(0)
        return self.touched(cart, "Credit balance removed successfully")

    @ce_route("POST", "/carts/{id}/gift-card")
    def _redeem_gift_card(self, req: Request) -> dict:
        """SIM (older docs only, §5.1): body `gift_card_code` and optional `pin`; balance-backed."""
        cart = self.load_cart(req)
        body = self.body(req)
        code = str(body.get("gift_card_code") or "").strip().upper()
        if not code:
            raise self.fail(
                400, "gift_card_code is required", "validation_error", {"gift_card_code": ["required"]}
            )
        card = self.gift_cards.get(code)
        if card is None or (body.get("pin") not in (None, "") and str(body["pin"]) != card["pin"]):
            raise self.fail(400, "This gift card code or pin is not valid.", "gift_card_invalid")
        if D(card["balance"]) <= 0:
            raise self.fail(400, "This gift card has no balance left.", "gift_card_empty")
        cart["gift_card"] = code
        return self.touched(cart, "Gift card redeemed successfully")

    @ce_route("DELETE", "/carts/{id}/gift-card")
    def _remove_gift_card(self, req: Request) -> Any:
        """The OLD example answers the cart's fields directly under `content` (no `cart` key, §1.4)."""
        cart = self.load_cart(req)
        if not cart.get("gift_card"):
            return Response(404, None)
        cart["gift_card"] = None
        answer = self.touched(cart, "Gift card removed successfully")
        answer["content"] = answer["content"]["cart"]
        return answer
