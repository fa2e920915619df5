"""Orders and payment of the fake Commerce Engine server (commerce_engine.md §2.7, §4 "Addresses and
checkout", §5.1): create from a ready cart, list, detail, payment status, retry, cancel, and a hosted
payment page served by the fake itself (SIM, in place of Juspay's)."""

from __future__ import annotations

import copy
import html
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from tests.fakes.base import Call, Request, Response, route
from tests.fakes.commerce_engine.core import D, ce_route, iso, num
from tests.fakes.commerce_engine.otp import OtpServer

RETRY_AFTER = 15 * 60  # §4: retry 15 minutes after the last request, or at once once it failed
PAY_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pay for order {order} — Test payment gateway</title></head>
<body><main>
<h1>Test payment gateway</h1>
<p>Order <strong data-order-number>{order}</strong></p>
<p>Amount due: <strong data-amount>₹{amount}</strong></p>
<p data-payment-status>{status_line}</p>
<form method="post" action="{action}"><input type="hidden" name="outcome" value="success">
<button type="submit" data-action="gateway-pay">Pay ₹{amount}</button></form>
<form method="post" action="{action}"><input type="hidden" name="outcome" value="failed">
<button type="submit" data-action="gateway-fail">Fail payment</button></form>
</main></body></html>
"""
DONE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Payment {status}</title></head>
<body><main><h1>Payment {status}</h1><p>Order {order}. You can close this window.</p></main></body></html>
"""


class OrdersServer(OtpServer):
    """SIM choices: order numbers ``CE`` + eight digits; with ``payment_required`` the order is
    ``pending`` with a Juspay-like ``payment_info`` (``payment_links.web`` = this fake's page
    ``/pay/{order_number}/{payment_id}``); otherwise ``confirmed`` and paid at once. The page's Pay/Fail
    buttons mark the payment and 303 to the ``payment_method.return_url`` the order (or the retry) was
    created with, adding ``order_number`` and ``status`` to its query. Points, credit and gift-card
    balance are taken when the order is created; points are earned when it is paid. A second
    ``POST /orders`` for an ordered cart → 400 ``cart_already_ordered``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.orders: dict[str, dict[str, Any]] = {}
        self._order_seq = 10000000

    # ------------------------------------------------------------------ test hooks
    def order(self, order_number: str) -> dict[str, Any]:
        return self.orders[order_number]

    def pay(self, order_number: str, outcome: str = "success") -> None:
        """Finish the order's open payment as the gateway page's button would."""
        with self._lock:
            order = self.orders[order_number]
            self._settle(order, order["payments"][-1], outcome)

    def payment_url(self, order_number: str) -> str:
        order = self.orders[order_number]
        return f"{self.base_url}/pay/{order_number}/{order['payments'][-1]['id']}"

    # ------------------------------------------------------------------ plumbing
    def dispatch(self, call: Call) -> Response | dict | list:
        if call.path.startswith("/pay/"):  # the gateway page takes form posts, not JSON
            call.json_error = False
        return super().dispatch(call)

    def redemptions_by(self, user_id: str, coupon: dict[str, Any]) -> int:
        return sum(
            1
            for o in self.orders.values()
            if o["user_id"] == user_id
            and o["coupon_code"] in coupon["coupon_code"]
            and o["status"] != "cancelled"
        )

    def _new_payment(self, order: dict[str, Any], return_url: str | None) -> dict[str, Any]:
        payment = {
            "id": self.new_id(),
            "status": "pending",
            "amount": order["to_be_paid"],
            "return_url": return_url,
            "created": self.epoch(),
            "created_at": iso(self.now()),
        }
        order["payments"].append(payment)
        return payment

    def _payment_info(self, order: dict[str, Any], payment: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": payment["id"],
            "order_id": order["order_number"],
            "status": "NEW",
            "payment_provider_slug": "juspay",
            "integration_type": "hyper-checkout",
            "payment_links": {"web": f"{self.base_url}/pay/{order['order_number']}/{payment['id']}"},
            "sdk_payload": {"requestId": payment["id"], "service": "in.juspay.hyperpay", "payload": {}},
            "order_expiry": iso(self.now() + timedelta(minutes=15)),
        }

    def _return_url(self, req: Request, body: dict[str, Any]) -> str | None:
        method = body.get("payment_method")
        if method is None:
            return None
        if not isinstance(method, dict):
            raise self.fail(400, "payment_method must be an object", "validation_error")
        url = method.get("return_url")
        if url is not None and (not isinstance(url, str) or not url.startswith(("http://", "https://"))):
            raise self.fail(
                400, "return_url must be an http(s) URL", "validation_error", {"return_url": ["invalid"]}
            )
        return url

    def _settle(self, order: dict[str, Any], payment: dict[str, Any], outcome: str) -> None:
        if payment["status"] != "pending":
            return
        payment["status"] = "success" if outcome == "success" else "failed"
        if payment["status"] == "success":
            order["payment_status"] = "success"
            order["status"] = "confirmed"
            order["payment_success_date"] = iso(self.now())
            self._earn(order)
        else:
            order["payment_status"] = "failed"
        order["modified_at"] = iso(self.now())

    def _earn(self, order: dict[str, Any]) -> None:
        user = self.users[order["user_id"]]
        if not user["anonymous"]:
            user["points"] += order["loyalty_points_earned"]
            user["total_spent"] = D(user.get("total_spent", 0)) + D(order["grand_total"])

    def retry_available(self, order: dict[str, Any]) -> bool:
        if order["payment_status"] == "failed":
            return True
        last = order["payments"][-1] if order["payments"] else None
        return bool(
            order["payment_status"] == "pending" and last and self.epoch() - last["created"] >= RETRY_AFTER
        )

    def own_order(self, req: Request) -> dict[str, Any]:
        user = self.auth_user(req)
        order = self.orders.get(req.args["order_number"])
        if order is None or order["user_id"] != user["id"]:
            raise self.fail(404, "Order not found", "not_found")
        return order

    # ------------------------------------------------------------------ shapes
    def order_json(self, order: dict[str, Any]) -> dict[str, Any]:
        out = {
            k: v
            for k, v in order.items()
            if not k.startswith("_") and k not in ("payments", "user_id", "cart_id")
        }
        out["is_cancellation_allowed"] = order["status"] in ("pending", "confirmed")
        return copy.deepcopy(out)

    def order_detail_json(self, order: dict[str, Any]) -> dict[str, Any]:
        out = self.order_json(order)
        out["payments"] = [
            {
                "id": p["id"],
                "payment_provider_slug": "juspay",
                "payment_method": None,
                "amount": p["amount"],
                "status": p["status"],
                "created_at": p["created_at"],
            }
            for p in order["payments"]
        ]
        out["shipments"] = []
        return out

    def order_list_json(self, order: dict[str, Any]) -> dict[str, Any]:
        return copy.deepcopy(
            {
                "order_number": order["order_number"],
                "order_date": order["order_date"],
                "status": order["status"],
                "payment_status": order["payment_status"],
                "loyalty_point_redeemed": order["loyalty_points_redeemed"],
                "loyalty_point_earned": order["loyalty_points_earned"],
                "has_refund": False,
                "order_items_count": order["order_items_count"],
                "order_items": order["order_items"],
                "grand_total": order["grand_total"],
                "to_be_paid": order["to_be_paid"],
                "currency": order["currency"],
                "created_at": order["order_date"],
                "modified_at": order["modified_at"],
            }
        )

    # ------------------------------------------------------------------ routes
    @ce_route("POST", "/orders")
    def _create_order(self, req: Request) -> dict:
        user = self.auth_user(req)
        body = self.body(req)
        cart_id = body.get("cart_id")
        if not isinstance(cart_id, str) or not cart_id:
            raise self.fail(400, "cart_id is required", "validation_error", {"cart_id": ["required"]})
        return_url = self._return_url(req, body)
        existing = self.carts.get(cart_id)
        if (
            existing
            and existing["user_id"] == user["id"]
            and not existing["active"]
            and existing.get("_ordered")
        ):
            raise self.fail(400, "An order has already been placed for this cart.", "cart_already_ordered")
        cart = self.load_cart(req, cart_id)
        self.revalidate(cart)
        snapshot = self.cart_json(cart)
        if snapshot["status"] != "ready-for-payment":
            raise self.fail(
                400, snapshot["status_error_message"] or "Cart is not ready for payment", "cart_not_ready"
            )
        self._order_seq += 1
        number = f"CE{self._order_seq}"
        now = iso(self.now())
        payment_required = D(snapshot["to_be_paid"]) > 0
        order = {
            "order_number": number,
            "order_date": now,
            "status": "pending" if payment_required else "confirmed",
            "payment_status": "pending" if payment_required else "success",
            "payment_success_date": None if payment_required else now,
            "customer_note": snapshot["customer_note"],
            "customer_email": snapshot["customer_email"],
            "customer_phone": snapshot["customer_phone"],
        }
        for key, value in snapshot.items():
            if key in (
                "id",
                "active",
                "expires_at",
                "status",
                "status_error_message",
                "cart_items",
                "cart_items_count",
            ):
                continue
            order.setdefault("item_total_tax" if key == "items_tax_amount" else key, value)
        items = []
        for line in snapshot["cart_items"]:
            item = dict(line)
            item.update(subscription_plan=None, subscription_interval=None, subscription_frequency=None)
            items.append(item)
        order.update(
            order_items=items,
            order_items_count=len(items),
            cancellation_refund_details=None,
            feedback=None,
            modified_at=now,
            user_id=user["id"],
            cart_id=cart["id"],
            payments=[],
        )
        # stock and balances move now
        for line in cart["lines"]:
            product = self.products[line["product_id"]]
            record = self.find_variant(product, line["variant_id"]) if line["variant_id"] else product
            record["stock"] = int(record["stock"]) - line["quantity"]
        owner = self.users[user["id"]]
        owner["points"] -= snapshot["loyalty_points_redeemed"]
        owner["points_redeemed"] = owner.get("points_redeemed", 0) + snapshot["loyalty_points_redeemed"]
        owner["credit"] = D(owner["credit"]) - D(snapshot["credit_balance_used"])
        if cart.get("gift_card"):
            card = self.gift_cards[cart["gift_card"]]
            card["balance"] = str(D(card["balance"]) - D(snapshot["gift_card_amount"]))
        if cart.get("coupon"):
            coupon = self.coupon_by_code(cart["coupon"])
            coupon["redemption_count"] = coupon.get("redemption_count", 0) + 1
        cart["active"], cart["_ordered"] = False, number
        self.orders[number] = order
        payment_info = None
        if payment_required:
            payment_info = self._payment_info(order, self._new_payment(order, return_url))
        else:
            self._earn(order)
        return self.ok(
            "Order created successfully",
            order=self.order_json(order),
            payment_required=payment_required,
            payment_info=payment_info,
        )

    @ce_route("GET", "/orders")
    def _orders(self, req: Request) -> dict:
        user = self.auth_user(req)
        wanted = req.q("user_id")
        if not wanted:
            raise self.fail(400, "user_id is required", "validation_error", {"user_id": ["required"]})
        if wanted != user["id"]:
            raise self.fail(401, "Not authorized for given operation on the Resource.", "unauthorized")
        page, limit = self.page_args(req.q("page"), req.q("limit"), default_limit=10)
        rows = [o for o in self.orders.values() if o["user_id"] == user["id"]]
        statuses = self.multi(req, "status")
        if statuses:
            rows = [o for o in rows if o["status"] in statuses]
        rows.sort(key=lambda o: o["order_number"], reverse=True)
        chunk, pagination = self.paginate(rows, page, limit)
        return self.ok("orders", orders=[self.order_list_json(o) for o in chunk], pagination=pagination)

    @ce_route("GET", "/orders/{order_number}")
    def _order(self, req: Request) -> dict:
        return self.ok("order details", order=self.order_detail_json(self.own_order(req)))

    @ce_route("GET", "/orders/{order_number}/payment-status")
    def _payment_status(self, req: Request) -> dict:
        order = self.own_order(req)
        paid = D(order["to_be_paid"]) if order["payment_status"] == "success" else Decimal(0)
        return self.ok(
            "payment status",
            status=order["payment_status"],
            amount_paid=num(paid),
            amount_unpaid=num(D(order["to_be_paid"]) - paid),
            is_retry_available=self.retry_available(order),
        )

    @ce_route("POST", "/orders/{order_number}/retry-payment")
    def _retry_payment(self, req: Request) -> dict:
        order = self.own_order(req)
        if order["payment_status"] == "success":
            raise self.fail(400, "This order is already paid.", "already_paid")
        if not self.retry_available(order):
            raise self.fail(400, "Please wait before retrying the payment.", "retry_not_allowed")
        body = self.body(req)
        return_url = self._return_url(req, body) or (
            order["payments"][-1]["return_url"] if order["payments"] else None
        )
        for payment in order["payments"]:
            if payment["status"] == "pending":
                payment["status"] = "failed"
        order["payment_status"] = "pending"
        payment = self._new_payment(order, return_url)
        return self.ok("Payment retry created", payment_info=self._payment_info(order, payment))

    @ce_route("POST", "/orders/{order_number}/cancel-payment-request")
    def _cancel_payment_request(self, req: Request) -> dict:
        order = self.own_order(req)
        open_payments = [p for p in order["payments"] if p["status"] == "pending"]
        if not open_payments:
            raise self.fail(400, "There is no pending payment request.", "no_pending_payment")
        for payment in open_payments:
            self._settle(order, payment, "failed")
        return {"message": "Payment request cancelled", "success": True}

    @ce_route("POST", "/orders/{order_number}/cancel")
    def _cancel(self, req: Request) -> dict:
        order = self.own_order(req)
        body = self.body(req)
        if not body.get("cancellation_reason") or body.get("refund_mode") not in (
            "original-payment-mode",
            "bank-transfer",
        ):
            raise self.fail(400, "cancellation_reason and refund_mode are required", "validation_error")
        if order["status"] not in ("pending", "confirmed"):
            raise self.fail(400, "This order can no longer be cancelled.", "cancellation_not_allowed")
        user = self.users[order["user_id"]]
        user["points"] += order["loyalty_points_redeemed"]
        refundable = D(order["to_be_paid"]) if order["payment_status"] == "success" else Decimal(0)
        order["status"] = "cancelled"
        order["cancellation_refund_details"] = {
            "loyalty_point": order["loyalty_points_redeemed"],
            "refundable_amount": num(refundable),
            "cancellation_charges": 0,
            "cancellation_charges_reason": None,
            "payment_mode": body["refund_mode"],
        }
        order["modified_at"] = iso(self.now())
        return self.ok("Order cancelled", order=self.order_json(order))

    @ce_route("GET", "/payments/payment-methods")
    def _payment_methods(self, req: Request) -> dict:
        self.auth_user(req)
        method = {
            "id": "01JCEPAYM00000000000000001",
            "name": "Cards, UPI and netbanking",
            "payment_instructions": None,
            "type": "online",
            "payment_provider_slug": "juspay",
            "details": [],
            "order_params": {"integration_type": "hyper-checkout", "action": "paymentPage"},
        }
        return self.ok("payment methods", payment_methods=[method])

    # ------------------------------------------------------------------ the hosted payment page (SIM)
    def _page_payment(self, req: Request) -> tuple[dict[str, Any], dict[str, Any]]:
        order = self.orders.get(req.args["order_number"])
        payment = next(
            (p for p in (order or {}).get("payments", []) if p["id"] == req.args["payment_id"]), None
        )
        if payment is None:
            raise self.fail(404, "Payment not found", "not_found")
        return order, payment

    @route("GET", r"/pay/(?P<order_number>[\w-]+)/(?P<payment_id>[\w-]+)")
    def _pay_page(self, req: Request) -> Response:
        order, payment = self._page_payment(req)
        status_line = {
            "pending": "Choose how this test payment ends.",
            "success": "This payment is complete.",
            "failed": "This payment failed.",
        }[payment["status"]]
        page = PAY_PAGE.format(
            order=html.escape(order["order_number"]),
            amount=html.escape(f"{D(payment['amount']):,.2f}".removesuffix(".00")),
            status_line=status_line,
            action=html.escape(req.path),
        )
        return Response(200, page, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"})

    @route("POST", r"/pay/(?P<order_number>[\w-]+)/(?P<payment_id>[\w-]+)")
    def _pay_submit(self, req: Request) -> Response:
        order, payment = self._page_payment(req)
        form = {k: v[-1] for k, v in parse_qs(req.call.raw.decode("utf-8", "replace")).items()}
        outcome = form.get("outcome")
        if outcome not in ("success", "failed"):
            return Response(400, "outcome must be success or failed", {"Content-Type": "text/plain"})
        self._settle(order, payment, outcome)
        if not payment["return_url"]:
            page = DONE_PAGE.format(
                status=html.escape(payment["status"]), order=html.escape(order["order_number"])
            )
            return Response(200, page, {"Content-Type": "text/html; charset=utf-8"})
        parts = urlsplit(payment["return_url"])
        extra = urlencode({"order_number": order["order_number"], "status": payment["status"]})
        query = f"{parts.query}&{extra}" if parts.query else extra
        location = urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
        return Response(303, b"", {"Location": location, "Content-Type": "text/plain"})
