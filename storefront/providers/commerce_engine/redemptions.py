"""Coupons (with their eligibility), loyalty points, store credit, gift cards, delivery addresses
and the fulfilment preference on a Commerce Engine cart. Each change is one call whose answer is
the whole cart; a refusal (`success: false` or a 4xx) is shown in Commerce Engine's words."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from storefront.exceptions import GiftCardRejected, NotFound, ProviderRejected
from storefront.providers import readers
from storefront.providers.base import CartContext
from storefront.providers.messages import (
    MSG_EMPTY_CART,
    MSG_NO_POINTS,
    MSG_SIGN_IN_ADDRESSES,
    MSG_SIGN_IN_POINTS,
    MSG_UNKNOWN_ADDRESS,
)
from storefront.providers.types import Address, Cart, CouponOffer

from . import mapping as cm
from .carts import CommerceEngineCarts
from .common import Shopper

MSG_SIGN_IN_CREDIT = "Sign in with your phone or email to use your store credit."
MSG_NOTHING_TO_PAY = "There is nothing left to pay on this cart."
MSG_GIFT_CARD_REFUSED = "That gift card number or pin isn't right, or the card has no balance."
MSG_POINTS_TOO_MANY = "You can use at most {n} points."


class CommerceEngineRedemptions(CommerceEngineCarts):
    def _on_cart(self, ctx: CartContext, change) -> Cart:
        """`change(shopper, cart_id, body)` → the answer carrying the cart; needs a cart."""

        def run(shopper: Shopper) -> Cart:
            body = self._body(ctx, shopper)
            if not body or not readers.as_list(body.get("cart_items")):
                raise ProviderRejected(MSG_EMPTY_CART)
            answer = change(shopper, readers.as_str(body.get("id")), body)
            fresh = self._cart_of(answer) if answer else None
            if not fresh:  # an answer without the cart: read it
                fresh = self._live(ctx, shopper)[0]
            return self._to_cart(self._keep(fresh) if fresh else None, ctx, shopper)

        cart = self._as(ctx, run, create=False)
        if cart is None:
            raise ProviderRejected(MSG_EMPTY_CART)
        return cart

    # ------------------------------------------------------------------ coupons
    def list_coupons(self, ctx: CartContext) -> tuple[CouponOffer, ...]:
        """GET /carts/available-coupons + GET /carts/{id}/evaluate-coupons (which apply, and why
        the others do not)."""

        def offers(shopper: Shopper) -> tuple[CouponOffer, ...]:
            available = self.client.available_coupons(shopper.auth)
            body = self._body(ctx, shopper)
            evaluated: dict[str, Any] = {}
            if body and body.get("id"):
                try:
                    evaluated = self.client.evaluate_coupons(shopper.auth, readers.as_str(body["id"]))
                except (NotFound, ProviderRejected):
                    evaluated = {}
            return self._map(cm.map_coupons, available, evaluated)

        return self._as(ctx, offers) or ()

    def apply_coupon(self, ctx: CartContext, *, code: str) -> Cart:
        code = (code or "").strip()
        if not code:
            raise ProviderRejected("Enter a coupon code.", field="code")

        def apply(shopper, cart_id, body):
            try:
                return self.client.apply_coupon(shopper.auth, cart_id, code)
            except NotFound as exc:  # an unknown code, in Commerce Engine's words when it gives any
                raise ProviderRejected(
                    exc.user_message if exc.upstream_status else None, field="code"
                ) from exc

        try:
            return self._on_cart(ctx, apply)
        except ProviderRejected as exc:
            exc.field = exc.field or "code"
            raise

    def remove_coupon(self, ctx: CartContext) -> Cart:
        def remove(shopper, cart_id, body):
            try:
                return self.client.remove_coupon(shopper.auth, cart_id)
            except NotFound:
                return None  # no coupon on the cart (404 without a body): read it

        return self._on_cart(ctx, remove)

    # ------------------------------------------------------------------ loyalty points
    def apply_loyalty(self, ctx: CartContext, *, points: int | None = None) -> Cart:
        """POST …/loyalty-points {loyalty_point_redeemed}; needs a Commerce Engine customer
        (signed in by OTP). No number: all the points they hold (Commerce Engine caps them)."""
        if ctx.customer is None:
            raise ProviderRejected(MSG_SIGN_IN_POINTS, field="points")

        def apply(shopper, cart_id, body):
            loyalty = self._loyalty(shopper)
            if loyalty is None:
                raise ProviderRejected(MSG_SIGN_IN_POINTS, field="points")
            if loyalty.balance <= 0:
                raise ProviderRejected(MSG_NO_POINTS, field="points")
            if points is not None and points > loyalty.balance:
                raise ProviderRejected(MSG_POINTS_TOO_MANY.format(n=loyalty.balance), field="points")
            return self.client.redeem_points(shopper.auth, cart_id, points or loyalty.balance)

        return self._on_cart(ctx, apply)

    def remove_loyalty(self, ctx: CartContext) -> Cart:
        return self._on_cart(
            ctx, lambda shopper, cart_id, body: self.client.remove_points(shopper.auth, cart_id)
        )

    # ------------------------------------------------------------------ store credit
    def apply_credit(self, ctx: CartContext) -> Cart:
        """POST …/credit-balance {credit_balance_used}: what is left to pay (Commerce Engine
        publishes no balance endpoint; it caps or refuses the amount against the customer's)."""
        if ctx.customer is None:
            raise ProviderRejected(MSG_SIGN_IN_CREDIT)

        def apply(shopper, cart_id, body):
            if not shopper.customer_id:
                raise ProviderRejected(MSG_SIGN_IN_CREDIT)
            due = cm.money_or_zero(body.get("to_be_paid")) + cm.money_or_zero(body.get("credit_balance_used"))
            if due <= Decimal(0):
                raise ProviderRejected(MSG_NOTHING_TO_PAY)
            return self.client.use_credit(shopper.auth, cart_id, due)

        return self._on_cart(ctx, apply)

    def remove_credit(self, ctx: CartContext) -> Cart:
        return self._on_cart(
            ctx, lambda shopper, cart_id, body: self.client.remove_credit(shopper.auth, cart_id)
        )

    # ------------------------------------------------------------------ gift cards
    def apply_gift_card(self, ctx: CartContext, *, code: str, pin: str) -> Cart:
        code = (code or "").strip()

        def apply(shopper, cart_id, body):
            try:
                return self.client.redeem_gift_card(shopper.auth, cart_id, code, (pin or "").strip())
            except (ProviderRejected, NotFound) as exc:
                message = (
                    exc.user_message
                    if exc.upstream_status and not isinstance(exc, NotFound)
                    else MSG_GIFT_CARD_REFUSED
                )
                raise GiftCardRejected(message, field="code") from exc

        return self._on_cart(ctx, apply)

    def remove_gift_card(self, ctx: CartContext, *, code: str) -> Cart:
        return self._on_cart(
            ctx,
            lambda shopper, cart_id, body: self.client.remove_gift_card(
                shopper.auth, cart_id, (code or "").strip()
            ),
        )

    # ------------------------------------------------------------------ addresses
    def list_addresses(self, ctx: CartContext) -> tuple[Address, ...]:
        """A Commerce Engine customer's saved addresses (GET /customers/{customer_id}/addresses)."""
        if ctx.customer is None:
            return ()

        def saved(shopper: Shopper) -> tuple[Address, ...]:
            if not shopper.customer_id:
                return ()
            body = self.client.addresses(shopper.auth, shopper.customer_id)
            found = [self._map(cm.map_address, a) for a in readers.as_list(body.get("addresses"))]
            return tuple(a for a in found if a is not None and a.id)

        return self._as(ctx, saved, create=False) or ()

    def _deliver(self, shopper: Shopper, cart_id: str, answer: dict) -> dict:
        """After an address: delivery as the fulfilment preference when none is chosen yet (the
        cart is ready for payment only with one)."""
        cart = self._cart_of(answer)
        if cart and not readers.as_dict(cart.get("fulfillment_preference")):
            return self.client.fulfillment_preference(shopper.auth, cart_id, {"fulfillment_type": "delivery"})
        return answer

    def set_address(self, ctx: CartContext, *, address: Address, billing_same: bool = True) -> Cart:
        """POST …/address with the address as both billing and shipping (CustomerAddress
        objects), then delivery as the fulfilment preference when none is set."""
        email = ctx.customer.email if ctx.customer else ""

        def change(shopper, cart_id, body):
            shipping = cm.address_body(address, email=email)
            billing = shipping
            if not billing_same:
                billing = readers.as_dict(body.get("billing_address")) or shipping
            answer = self.client.set_address(
                shopper.auth, cart_id, {"billing_address": billing, "shipping_address": shipping}
            )
            return self._deliver(shopper, cart_id, answer)

        return self._on_cart(ctx, change)

    def select_address(self, ctx: CartContext, *, address_id: str, role: str = "shipping") -> Cart:
        """A saved address by id (`billing_address_id` + `shipping_address_id`)."""
        if ctx.customer is None:
            raise ProviderRejected(MSG_SIGN_IN_ADDRESSES)
        if address_id not in {a.id for a in self.list_addresses(ctx)}:
            raise NotFound(MSG_UNKNOWN_ADDRESS, field="address")

        def change(shopper, cart_id, body):
            shipping_id = (
                readers.as_str(readers.as_dict(body.get("shipping_address")).get("id")) or address_id
            )
            billing_id = readers.as_str(readers.as_dict(body.get("billing_address")).get("id")) or address_id
            if role == "billing":
                billing_id = address_id
            else:
                shipping_id = address_id
            ids = {"billing_address_id": billing_id, "shipping_address_id": shipping_id}
            return self._deliver(shopper, cart_id, self.client.set_address(shopper.auth, cart_id, ids))

        return self._on_cart(ctx, change)
