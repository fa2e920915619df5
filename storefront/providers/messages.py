"""What a shopper reads, where more than one shop provider says it, and the pincode check that goes
with those words.

A message only one provider raises stays in the module that raises it (STYLE habit 8). Where two
providers say the same thing in slightly different words, both texts are here, each under its own
name, so that moving a provider onto this module changes nothing a shopper sees.
"""

from __future__ import annotations

from storefront.exceptions import ProviderRejected
from storefront.providers.validators import PINCODE_RE

# ------------------------------------------------------------------------ catalogue and delivery
MSG_UNKNOWN_PRODUCT = "We couldn't find that product or size. It may have been removed."
MSG_CHOOSE_SIZE = "Choose a size first."
MSG_PRODUCT_OUT_OF_STOCK = "This product is out of stock."
# a size that is not one of the line's product's sizes: local's words, Fynd's words
MSG_SIZE_OTHER_PRODUCT = "That size belongs to a different product."
MSG_SIZE_NOT_FOR_PRODUCT = "That size isn't available for this product."

MSG_PINCODE_FORMAT = "Enter a valid 6-digit pincode."
MSG_PINCODE_UNSERVICEABLE = "Sorry, we don't deliver to {pincode} yet."
# the promise for a pincode: Fynd's names no city, the local store knows the pincode's city
MSG_PINCODE_OK = "Delivery to {pincode} by {date}."
MSG_PINCODE_OK_CITY = "Delivery to {pincode} ({city}) by {date}."

# ------------------------------------------------------------------------ cart
MSG_UNKNOWN_LINE = "That item is no longer in your cart."
MSG_EMPTY_CART = "Your cart is empty."
MSG_LINE_OUT_OF_STOCK = "Out of stock. Remove it to check out."
# lines stop the checkout: the local store's words (stock), Fynd's (whatever Fynd refuses)
MSG_CHECKOUT_BLOCKED = "Some items in your cart are unavailable. Update or remove them to check out."
MSG_CART_INVALID = "Some items in your cart can't be ordered. Update or remove them to check out."

# ------------------------------------------------------------------------ loyalty and addresses
MSG_SIGN_IN_POINTS = "Sign in to use your loyalty points."
MSG_NO_POINTS = "You have no loyalty points to use on this cart yet."
MSG_SIGN_IN_ADDRESSES = "Sign in to use your address book."
MSG_UNKNOWN_ADDRESS = "That address is not in your address book."

# ------------------------------------------------------------------------ checkout and orders
MSG_CART_GONE = "This cart has already been ordered or is empty."
MSG_NEED_ADDRESS = "Add a delivery address to place the order."
MSG_NEED_PICKUP_CONTACT = "Add the name and phone number of the person picking up."
MSG_BAD_PAYMENT = "Choose a payment method we accept for this order."
MSG_ORDER_NOT_FOUND = "We couldn't find that order."
LABEL_CASH_ON_DELIVERY = "Cash on delivery"

# ------------------------------------------------------------------------ shared carts
SHARE_MODES = ("merge", "replace")
# a mode other than SHARE_MODES: the local store's words, Fynd's words
MSG_SHARE_MODE = "Choose whether to add these items to your cart or replace your cart with them."
MSG_SHARE_MODE_SHORT = f"Choose {' or '.join(SHARE_MODES)}."
# nothing of a shared cart could be added: the local store's words (stock), Fynd's (no lines)
MSG_SHARE_NOTHING = "None of the shared items can be added right now: they are out of stock."
MSG_SHARED_CART_EMPTY = "This shared cart has no items left."


def clean_pincode(pincode: str | None) -> str:
    """The pincode without surrounding spaces; ProviderRejected (on the pincode field) unless it
    is six digits not starting with 0."""
    pincode = (pincode or "").strip()
    if not PINCODE_RE.match(pincode):
        raise ProviderRejected(MSG_PINCODE_FORMAT, field="pincode")
    return pincode


# ------------------------------------------------------------------------ sign-in cart merge
MSG_MERGE_COUPON_KEPT = "Coupon {code} is still applied."
MSG_MERGE_COUPON_DROPPED = "Coupon {code} was not carried over: {reason}"
MSG_MERGE_GIFT_CARD_KEPT = "Gift card …{tail} is still applied."
