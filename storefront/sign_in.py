"""Signing a customer in, whichever way they proved who they are (password: storefront.accounts;
one-time code: storefront.otp): Django's login, the cart merge, and the assisted-selling hand-over."""

from __future__ import annotations

import contextlib

from django.contrib import messages
from django.contrib.auth import login

from carts import assist as cart_assist
from carts import selectors as cart_selectors
from carts import services as cart_services
from carts.session import CartSession
from storefront.exceptions import StorefrontError

from .htmx import add_error


def sign_in(request, user) -> None:
    """Log in and merge the cart built before signing in; say so when staff prepared the cart
    since the customer last signed in (assisted selling's hand-over)."""
    cs = CartSession.of(request)
    anonymous_cart_id = cs.cart_id
    previous_login = user.last_login
    login(request, user, backend="storefront.accounts.EmailBackend")
    cs = CartSession.of(request)
    handover = cart_assist.handover_message(customer=user, since=previous_login)
    if handover:
        messages.info(request, handover)
    try:
        result = cart_services.cart_merge_at_login(cs=cs, anonymous_cart_id=anonymous_cart_id)
    except StorefrontError as exc:
        add_error(request, exc)
        return
    if result and result.merged_lines:
        messages.info(request, cart_services.merge_message(result))
    for text in result.dropped if result else ():
        # a coupon applied before signing in that does not apply to the customer: which and why
        messages.warning(request, text)
    if handover and result is None:
        # nothing merged, so nothing read the prepared cart yet: the header badge shows its count
        with contextlib.suppress(StorefrontError):
            cart_selectors.cart_count(cs=cs)
