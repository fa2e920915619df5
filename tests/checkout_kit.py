"""Helpers for redemption and checkout tests: coupons and gift cards the way an operator creates
them, addresses, the checkout page's hidden key, and placing an order through the services."""

from __future__ import annotations

import re
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.cache import SessionStore

from carts import selectors, services
from carts.session import CartSession
from storefront.providers.local import models as m
from storefront.providers.local.provider import LocalProvider
from storefront.providers.types import Address, Cart, Order
from tests.functional.pages import Page, add_via_form, cart_page

DEMO_CARD, DEMO_PIN = "GIFT-DEMO-0001", "1234"
SECOND_CARD, SECOND_PIN = "GIFT-TEST-0002", "864213"
CHECKOUT_URL = "http://testserver/checkout/"
# an htmx request made from the checkout page (htmx sends the page's URL along)
HTMX_ON_CHECKOUT = {"HX-Request": "true", "HX-Current-URL": CHECKOUT_URL}
CHECKOUT_PARTS = {"checkout-delivery", "checkout-extras", "place-order", "messages"}
KEY_FIELD = re.compile(r'name="idempotency_key" value="([^"]*)"')


def coupon(code: str, *, kind: str = "percent", value: str = "10", **fields) -> m.Coupon:
    """A coupon as an operator adds it in admin (no scope, no limits unless given)."""
    return m.Coupon.objects.create(
        code=code, title=f"{code} test offer", kind=kind, value=Decimal(value), **fields
    )


def gift_card(
    code: str = SECOND_CARD, pin: str = SECOND_PIN, balance: str = "300.00", **fields
) -> m.GiftCard:
    return m.GiftCard.objects.create(
        code=code, pin_hash=make_password(pin), balance=Decimal(balance), **fields
    )


def address(*, pincode: str = "560001", state: str = "Karnataka", city: str = "Bengaluru", **over) -> Address:
    values = dict(
        id="",
        name="Meera Iyer",
        phone="9845012345",
        line1="7 Residency Road",
        line2="",
        city=city,
        state=state,
        pincode=pincode,
        country="India",
    )
    values.update(over)
    return Address(**values)


DELHI = dict(pincode="110001", state="Delhi", city="New Delhi")
UNSERVICEABLE = dict(pincode="999999", state="Karnataka", city="Nowhere")


def address_form(**over) -> dict[str, str]:
    """The set-address form as a shopper fills it."""
    data = {
        "name": "Meera Iyer",
        "phone": "+91 98450 12345",
        "line1": "7 Residency Road",
        "line2": "Ashok Nagar",
        "city": "Bengaluru",
        "state": "Karnataka",
        "pincode": "560001",
        "country": "India",
    }
    data.update(over)
    return data


def payment_mode(cart: Cart, cs: CartSession | None = None) -> str:
    return selectors.payment_modes(cs=cs or CartSession(session=SessionStore()), cart=cart)[0][0]


def place(cs: CartSession, *, token: str | None = None, mode: str | None = None) -> Order:
    """Place the cart's order the way the checkout page does: a key issued for the cart as shown."""
    cart = selectors.cart_get(cs=cs)
    token = token or services.checkout_issue_key(cart=cart, cs=cs)
    return services.checkout_place_order(cs=cs, token=token, payment_mode=mode or payment_mode(cart, cs))


def with_address(cs: CartSession, **over) -> Cart:
    return services.cart_set_address(cs=cs, address=address(**over))


def checkout_key(html: str | bytes) -> str:
    html = html.decode() if isinstance(html, bytes) else html
    found = KEY_FIELD.findall(html)
    assert len(found) == 1, "the checkout page has one place-order form with its key"
    assert found[0], "the key is issued with the page"
    return found[0]


def checkout_fragment(response, *, status: int = 200) -> Page:
    """An htmx answer to a form on the checkout page: the summary first, the other checkout
    regions and the messages out of band, never a whole page."""
    assert response.status_code == status, response.content[:300]
    page = Page(response.content)
    assert page.is_fragment, "an htmx request must get fragments, not a page"
    first = next(e for e in page.elements if "id" in e.attrs)
    assert first.attrs["id"] == "checkout-summary"
    assert set(page.oob_ids) >= CHECKOUT_PARTS
    return page


def orders() -> int:
    return m.Order.objects.count()


def stock(variant: m.Variant) -> int:
    return m.Variant.objects.get(pk=variant.pk).stock


def points(user) -> int:
    return m.LoyaltyAccount.objects.get(user=user).points


def credit(user) -> Decimal:
    return m.StoreCredit.objects.get(user=user).balance


def card_balance(code: str = DEMO_CARD) -> Decimal:
    return m.GiftCard.objects.get(code=code).balance


def used(code: str) -> int:
    return m.Coupon.objects.get(code=code).used_count


def fill_groceries(client, shop, quantity: int = 3) -> None:
    """Toor dal at ₹179 a bag, added through the product form: 3 bags make ₹537."""
    add_via_form(client, shop, "toor-dal-1kg", quantity=quantity)


def breakup_of(client) -> list[tuple[str, str]]:
    return cart_page(client).breakup


def drop_capabilities(monkeypatch, *missing) -> None:
    """The active provider no longer offers these capabilities."""
    monkeypatch.setattr(LocalProvider, "capabilities", LocalProvider.capabilities - set(missing))
