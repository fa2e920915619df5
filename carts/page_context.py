"""What the checkout page and its fragments render (shared by the page view and every mutation
made from it)."""

from __future__ import annotations

from storefront import places
from storefront.providers.types import Cart

from . import selectors, services
from .session import CartSession

CHECKOUT_TEMPLATE = "carts/checkout.html"
CHECKOUT_PARTIALS = ("checkout-summary", "checkout-delivery", "checkout-extras", "place-order")


# a guest's address form that failed without JavaScript: what they typed and what was wrong, kept
# in the session for the one checkout page the redirect shows (never a secret: an address)
ADDRESS_FORM_KEY = "checkout:address-form"
STATE_CHOICES = (("States", places.STATES), ("Union territories", places.UNION_TERRITORIES))


def address_form_state(cs: CartSession, *, values=None, errors=None) -> dict:
    """The new-address form's values, field errors and the field that gets the focus. A fresh
    form starts from the pincode the shopper last checked (and its state when the pincode has
    only one), so checkout delivers where they checked unless they change it."""
    if values is None:
        values = {}
        if cs.pincode:
            values["pincode"] = cs.pincode
            states = places.states_for_pincode(cs.pincode)
            if len(states) == 1:
                values["state"] = states[0]
    errors = dict(errors or {})
    fields = {k: v for k, v in errors.items() if k != "form"}
    return {
        "typed": values,
        "errors": fields,
        "form_error": errors.get("form", ""),
        "first_error": next(iter(fields), ""),
        # the field that gets the focus: the first bad one, else the first of a form that must
        # be filled before anything else (an order placed without an address)
        "focus": next(iter(fields), "name" if errors.get("form") else ""),
    }


def checkout_context(request, cart: Cart, *, errors=None, changes=(), address_form=None) -> dict:
    cs = CartSession.of(request)
    return {
        "address_form": address_form or address_form_state(cs),
        "state_choices": STATE_CHOICES,
        "pincode_note": "",
        "cart": cart,
        "errors": errors or {},
        "changes": changes,
        "addresses": selectors.cart_addresses(cs=cs),
        "stores": selectors.pickup_stores(cs=cs),
        "payment_modes": selectors.payment_modes(cs=cs, cart=cart) if cart.lines else (),
        "idempotency_key": services.checkout_issue_key(cart=cart, cs=cs) if cart.lines else "",
        "buy_now": cart.buy_now,
    }
