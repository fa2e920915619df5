"""What the checkout page and its fragments render (shared by the page view and every mutation
made from it)."""

from __future__ import annotations

from storefront.providers.types import Cart

from . import selectors, services
from .session import CartSession

CHECKOUT_TEMPLATE = "carts/checkout.html"
CHECKOUT_PARTIALS = ("checkout-summary", "checkout-delivery", "checkout-extras", "place-order")


def checkout_context(request, cart: Cart, *, errors=None, changes=()) -> dict:
    cs = CartSession.of(request)
    return {
        "cart": cart,
        "errors": errors or {},
        "changes": changes,
        "addresses": selectors.cart_addresses(cs=cs),
        "stores": selectors.pickup_stores(cs=cs),
        "payment_modes": selectors.payment_modes(cs=cs, cart=cart) if cart.lines else (),
        "idempotency_key": services.checkout_issue_key(cart=cart, cs=cs) if cart.lines else "",
        "buy_now": cart.buy_now,
    }
