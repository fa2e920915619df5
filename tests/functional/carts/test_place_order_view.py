"""POST /checkout/place/ (data-action place-order): the page's idempotency key places one order
however often it is sent; a tampered key or a cart that changed since the page was shown orders
nothing and says why, with and without htmx."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from carts.checkout_views import MSG_PLACED
from carts.services import (
    MSG_CHANGED_COUPON_INVALID,
    MSG_CHANGED_PRICE_DOWN,
    MSG_CHANGED_PRICE_UP,
    MSG_CHANGED_UNAVAILABLE,
    MSG_CHECKOUT_EXPIRED,
)
from storefront.exceptions import CheckoutChanged
from storefront.money import format_inr
from storefront.providers.local import models as m
from storefront.providers.local.cart_view import MSG_ADDRESS_UNSERVICEABLE, MSG_SHORT_STOCK_LINE
from storefront.providers.local.checkout import PAYMENT_COD, PAYMENT_REDEMPTIONS
from storefront.providers.local.redemptions import MSG_COUPON_EXPIRED
from tests.checkout_kit import (
    DEMO_CARD,
    DEMO_PIN,
    HTMX_ON_CHECKOUT,
    address_form,
    card_balance,
    checkout_fragment,
    checkout_key,
    credit,
    fill_groceries,
    orders,
    points,
    stock,
    used,
)
from tests.functional.pages import Page, cart_page

DAL = "Unpolished Toor Dal, 1 kg"


@pytest.fixture
def at_checkout(client, demo):
    """A guest with dal ×3 and a Bengaluru address, on the checkout page: (client, key)."""
    fill_groceries(client, demo)
    client.post("/cart/address/", address_form())
    return client


def open_checkout(client) -> tuple[Page, str]:
    response = client.get("/checkout/")
    assert response.status_code == 200
    return Page(response.content), checkout_key(response.content)


def place(client, key, *, mode=PAYMENT_COD, headers=None):
    return client.post("/checkout/place/", {"idempotency_key": key, "payment_mode": mode}, headers=headers)


def test_place_without_htmx_goes_to_the_order_page(at_checkout):
    _, key = open_checkout(at_checkout)

    response = place(at_checkout, key)

    assert response.status_code == 303
    order = m.Order.objects.get()
    assert response["Location"] == f"/orders/{order.number}/?t={order.guest_token}"
    page = Page(at_checkout.get(response["Location"]).content)
    assert [e.attrs["data-order-id"] for e in page.having("data-order-id")] == [order.number]
    assert ("success", MSG_PLACED.format(number=order.number)) in page.alerts
    assert page.amount("total") == Decimal("537.00")


def test_place_with_htmx_redirects_the_browser_to_the_order(at_checkout):
    _, key = open_checkout(at_checkout)

    response = place(at_checkout, key, headers=HTMX_ON_CHECKOUT)

    assert response.status_code == 204
    order = m.Order.objects.get()
    assert response["HX-Redirect"] == f"/orders/{order.number}/?t={order.guest_token}"


def test_after_the_order_the_cart_is_empty_and_the_badge_shows_zero(at_checkout, demo):
    _, key = open_checkout(at_checkout)
    place(at_checkout, key)

    page = cart_page(at_checkout)

    assert page.line_ids == []
    assert page.cart_count == 0
    assert Page(at_checkout.get("/cart/count/").content).cart_count == 0
    # and a new item starts a new cart without the old lines
    fill_groceries(at_checkout, demo, quantity=1)
    assert list(cart_page(at_checkout).line_quantities.values()) == [1]


def test_double_submit_reload_and_retry_all_land_on_the_one_order(at_checkout, demo):
    dal = demo.variant("toor-dal-1kg")
    before = stock(dal)
    _, key = open_checkout(at_checkout)

    first = place(at_checkout, key)
    double = place(at_checkout, key, headers=HTMX_ON_CHECKOUT)
    at_checkout.get(first["Location"])  # the confirmation is shown, then the form is sent again
    retry = place(at_checkout, key)

    assert orders() == 1
    assert double["HX-Redirect"] == first["Location"] == retry["Location"]
    assert stock(dal) == before - 3


def test_everything_is_taken_once_however_often_the_key_is_sent(signed_in_client, shopper, demo):
    cooker = demo.variant("pressure-cooker-5l")
    before = stock(cooker)
    signed_in_client.post("/cart/add/", {"product": str(cooker.product_id), "quantity": "1"})
    signed_in_client.post("/cart/coupon/apply/", {"code": "WELCOME10"})
    signed_in_client.post("/cart/loyalty/apply/", {"points": ""})
    signed_in_client.post("/cart/gift-card/apply/", {"code": DEMO_CARD, "pin": DEMO_PIN})
    signed_in_client.post("/cart/credit/apply/")
    page, key = open_checkout(signed_in_client)  # preselects the saved Bengaluru address
    assert page.amount("total") == Decimal("1549.00")

    answers = [place(signed_in_client, key) for _ in range(3)]

    assert {a["Location"] for a in answers} == {f"/orders/{m.Order.objects.get().number}/"}
    assert stock(cooker) == before - 1
    assert used("WELCOME10") == 1
    assert points(shopper) == 0
    assert card_balance() == Decimal("0.00")
    assert credit(shopper) == Decimal("0.00")


@pytest.mark.parametrize(
    "key",
    ["", "not-a-key", "TAMPERED"],
    ids=["missing", "garbage", "tampered"],
)
def test_a_bad_key_orders_nothing_and_says_the_page_was_out_of_date(at_checkout, key):
    _, real = open_checkout(at_checkout)
    if key == "TAMPERED":
        key = real[:-3] + ("xyz" if not real.endswith("xyz") else "abc")

    response = place(at_checkout, key, headers=HTMX_ON_CHECKOUT)

    page = checkout_fragment(response, status=422)
    assert ("error", MSG_CHECKOUT_EXPIRED) in page.alerts
    without_js = place(at_checkout, key)
    assert without_js.status_code == 303 and without_js["Location"] == "/checkout/"
    assert ("error", MSG_CHECKOUT_EXPIRED) in Page(at_checkout.get("/checkout/").content).alerts
    assert orders() == 0
    assert len(cart_page(at_checkout).line_ids) == 1


def _changes(page: Page) -> list[tuple[str, str]]:
    """[(changed line id or '', text)] of the 'what changed' list."""
    return [
        (e.attrs.get("data-changed-line", ""), e.content)
        for e in page.elements
        if e.tag == "li" and any("changes" in p.attrs.get("class", "").split() for p in e.parents)
    ]


@pytest.mark.parametrize(
    ("new_price", "message"),
    [("199.00", MSG_CHANGED_PRICE_UP), ("159.00", MSG_CHANGED_PRICE_DOWN)],
    ids=["price-up", "price-down"],
)
def test_a_price_change_between_page_and_submit_is_listed_with_htmx(at_checkout, demo, new_price, message):
    page, key = open_checkout(at_checkout)
    (line_id,) = page.line_ids

    demo.set_price(demo.variant("toor-dal-1kg"), new_price)
    response = place(at_checkout, key, headers=HTMX_ON_CHECKOUT)

    page = checkout_fragment(response, status=409)
    assert _changes(page) == [
        (line_id, message.format(name=DAL, old="₹179", new=format_inr(Decimal(new_price))))
    ]
    assert page.amount("subtotal") == Decimal(new_price) * 3  # the summary shows the new price
    assert orders() == 0


def test_a_price_change_without_htmx_redirects_with_warnings(at_checkout, demo):
    _, key = open_checkout(at_checkout)
    demo.set_price(demo.variant("toor-dal-1kg"), "199.00")

    response = place(at_checkout, key)

    assert response.status_code == 303 and response["Location"] == "/checkout/"
    page = Page(at_checkout.get("/checkout/").content)
    assert ("warning", CheckoutChanged.user_message) in page.alerts
    assert ("warning", MSG_CHANGED_PRICE_UP.format(name=DAL, old="₹179", new="₹199")) in page.alerts
    assert orders() == 0
    # a fresh page with a fresh key orders at the new price
    new_key = checkout_key(at_checkout.get("/checkout/").content)
    assert place(at_checkout, new_key).status_code == 303
    assert m.Order.objects.get().total == Decimal("597.00")


def test_stock_running_short_is_listed_on_its_line(at_checkout, demo):
    page, key = open_checkout(at_checkout)
    (line_id,) = page.line_ids
    demo.set_stock(demo.variant("toor-dal-1kg"), 1)

    page = checkout_fragment(place(at_checkout, key, headers=HTMX_ON_CHECKOUT), status=409)

    reason = MSG_SHORT_STOCK_LINE.format(stock=1)
    assert _changes(page) == [(line_id, MSG_CHANGED_UNAVAILABLE.format(name=DAL, reason=reason))]
    assert orders() == 0
    assert stock(demo.variant("toor-dal-1kg")) == 1


def test_a_coupon_that_expired_meanwhile_is_named(at_checkout):
    at_checkout.post("/cart/coupon/apply/", {"code": "WELCOME10"})
    _, key = open_checkout(at_checkout)
    m.Coupon.objects.filter(code="WELCOME10").update(valid_until=timezone.now())

    page = checkout_fragment(place(at_checkout, key, headers=HTMX_ON_CHECKOUT), status=409)

    assert _changes(page) == [
        ("", MSG_CHANGED_COUPON_INVALID.format(code="WELCOME10", reason=MSG_COUPON_EXPIRED))
    ]
    assert orders() == 0


def test_an_address_changed_to_one_we_cannot_deliver_to_stops_the_order(at_checkout):
    _, key = open_checkout(at_checkout)
    # the address form refuses a pincode we do not deliver to, so the operator stops delivering
    # to the address's pincode while the checkout page is open
    m.Pincode.objects.filter(code="560001").update(serviceable=False)
    cache.clear()

    page = checkout_fragment(place(at_checkout, key, headers=HTMX_ON_CHECKOUT), status=409)

    assert ("", MSG_ADDRESS_UNSERVICEABLE.format(pincode="560001")) in _changes(page)
    assert orders() == 0


def test_a_cart_paid_in_full_is_ordered_as_paid_by_redemptions(client, demo):
    fill_groceries(client, demo, quantity=2)  # ₹358 + ₹49 delivery
    client.post("/cart/gift-card/apply/", {"code": DEMO_CARD, "pin": DEMO_PIN})
    client.post("/cart/address/", address_form())
    page, key = open_checkout(client)
    assert [e.attrs["value"] for e in page.elements if e.attrs.get("name") == "payment_mode"] == [
        PAYMENT_REDEMPTIONS
    ]

    refused = place(client, key, mode=PAYMENT_COD, headers=HTMX_ON_CHECKOUT)
    placed = place(client, key, mode=PAYMENT_REDEMPTIONS)

    assert refused.status_code == 409
    assert placed.status_code == 303
    order = m.Order.objects.get()
    assert (order.total, order.payment_mode) == (Decimal("0.00"), PAYMENT_REDEMPTIONS)
    assert card_balance() == Decimal("93.00")
