"""Placing orders through the checkout services on the local provider: exactly once per key, never
when something changed since the checkout page was shown, and everything taken exactly once."""

import time
from decimal import Decimal

import pytest
from django.contrib.sessions.backends.cache import SessionStore
from django.utils import timezone

from carts import selectors, services
from carts.session import CartSession
from storefront.exceptions import AddressNeeded, CheckoutChanged, NotFound, ProviderRejected, StorefrontError
from storefront.money import format_inr
from storefront.providers import get_shop_provider
from storefront.providers.local import models as m
from storefront.providers.local.cart_view import MSG_ADDRESS_UNSERVICEABLE, MSG_SHORT_STOCK_LINE
from storefront.providers.local.checkout import PAYMENT_COD
from storefront.providers.local.redemptions import MSG_COUPON_EXPIRED
from storefront.providers.messages import MSG_BAD_PAYMENT, MSG_CART_GONE, MSG_NEED_ADDRESS
from tests.checkout_kit import (
    DEMO_CARD,
    DEMO_PIN,
    UNSERVICEABLE,
    card_balance,
    credit,
    orders,
    payment_mode,
    place,
    points,
    stock,
    used,
    with_address,
)
from tests.factories import add, amounts, line_for

D = Decimal


def ready(cs, demo, slug="toor-dal-1kg", quantity=3, **address):
    """A cart with something in it and a delivery address: ready for checkout."""
    add(cs, demo, slug, quantity=quantity)
    return with_address(cs, **address)


def shown(cs) -> tuple[str, object]:
    """The checkout page as the shopper sees it: its key and the cart it showed."""
    cart = selectors.cart_get(cs=cs)
    return services.checkout_issue_key(cart=cart, cs=cs), cart


def order_now(cs, token, cart):
    return services.checkout_place_order(cs=cs, token=token, payment_mode=payment_mode(cart))


def texts(refusal) -> list[str]:
    return [change.text for change in refusal.value.changes]


# ---------------------------------------------------------------------------- exactly once


def test_placing_an_order_closes_the_cart(cs, demo):
    ready(cs, demo)
    token, cart = shown(cs)

    order = order_now(cs, token, cart)

    assert order.total == cart.total == D("537.00")
    assert [(ln.product_name, ln.quantity) for ln in order.lines] == [("Unpolished Toor Dal, 1 kg", 3)]
    assert orders() == 1
    assert selectors.cart_get(cs=cs).is_empty
    assert cs.count == 0


def test_double_submit_returns_the_same_order_and_takes_stock_once(cs, demo):
    dal = demo.variant("toor-dal-1kg")
    before = stock(dal)
    ready(cs, demo)
    token, cart = shown(cs)

    first = order_now(cs, token, cart)
    again = order_now(cs, token, cart)

    assert again.id == first.id
    assert orders() == 1
    assert stock(dal) == before - 3


def test_a_retry_from_another_request_of_the_same_browser_returns_the_same_order(cs, demo):
    # given the order went in, but the answer never reached the browser (the session kept the cart)
    ready(cs, demo)
    token, cart = shown(cs)
    cart_id = cs.cart_id
    first = order_now(cs, token, cart)
    retry = CartSession(session=SessionStore())
    retry.session["cart:id"] = cart_id
    retry.session[services.CHECKOUT_KEYS] = cs.session[services.CHECKOUT_KEYS]  # same browser

    # when the browser sends the same form again
    again = order_now(retry, token, cart)

    # then it gets the same order, and nothing is ordered twice
    assert again.id == first.id
    assert orders() == 1


def test_everything_is_taken_exactly_once(shopper, shopper_cs, demo):
    # given a signed-in shopper's cart with every redemption, checked out twice with one key
    cooker = demo.variant("pressure-cooker-5l")
    cooker_stock = stock(cooker)
    add(shopper_cs, demo, "pressure-cooker-5l")
    services.cart_apply_coupon(cs=shopper_cs, code="WELCOME10")
    services.cart_apply_loyalty(cs=shopper_cs, points=None)
    services.cart_apply_gift_card(cs=shopper_cs, code=DEMO_CARD, pin=DEMO_PIN)
    services.cart_apply_credit(cs=shopper_cs)
    with_address(shopper_cs)
    token, cart = shown(shopper_cs)

    order = order_now(shopper_cs, token, cart)
    assert order_now(shopper_cs, token, cart).id == order.id

    # then stock, coupon use, points, gift card and credit moved once, by what the order shows
    a = amounts(cart)
    assert (a["coupon"], a["loyalty_points"], a["gift_card"], a["credit_balance"]) == (
        D("-200.00"),
        D("-200.00"),
        D("-500.00"),
        D("-250.00"),
    )
    assert stock(cooker) == cooker_stock - 1
    assert used("WELCOME10") == 1
    assert points(shopper) == 0
    assert card_balance() == D("0.00")
    assert credit(shopper) == D("0.00")
    assert order.total == D("1549.00")


def test_the_order_keeps_its_lines_and_breakup_when_prices_change_later(cs, demo):
    ready(cs, demo)
    token, cart = shown(cs)
    order = order_now(cs, token, cart)

    demo.set_price(demo.variant("toor-dal-1kg"), "199.00")
    again = get_shop_provider().get_order(
        cs.context(), order_id=order.id, guest_token=cs.session["orders:guest"][order.id]
    )

    assert [(ln.unit_price, ln.line_total) for ln in again.lines] == [(D("179.00"), D("537.00"))]
    assert [(r.key, r.amount) for r in again.breakup] == [(r.key, r.amount) for r in cart.breakup]


def test_a_fresh_cart_starts_after_the_order_and_the_old_lines_never_come_back(shopper_cs, demo):
    ready(shopper_cs, demo)
    token, cart = shown(shopper_cs)
    order_now(shopper_cs, token, cart)

    fresh = add(shopper_cs, demo, "masala-chai-250g")

    assert [ln.product.slug for ln in fresh.lines] == ["masala-chai-250g"]
    assert fresh.id != cart.id
    assert shopper_cs.count == 1


# ---------------------------------------------------------------------------- bad keys


def test_a_tampered_key_orders_nothing(cs, demo):
    dal = demo.variant("toor-dal-1kg")
    ready(cs, demo)
    token, cart = shown(cs)
    before = stock(dal)

    with pytest.raises(StorefrontError) as refused:
        order_now(cs, token[:-2] + ("AA" if not token.endswith("AA") else "BB"), cart)

    assert refused.value.user_message == services.MSG_CHECKOUT_EXPIRED
    assert orders() == 0
    assert stock(dal) == before
    assert not selectors.cart_get(cs=cs).is_empty


def test_a_key_from_hours_ago_orders_nothing(cs, demo, monkeypatch):
    ready(cs, demo)
    token, cart = shown(cs)
    later = time.time() + services.CHECKOUT_MAX_AGE + 1
    monkeypatch.setattr(services.time, "time", lambda: later)

    with pytest.raises(StorefrontError) as refused:
        order_now(cs, token, cart)

    assert refused.value.user_message == services.MSG_CHECKOUT_EXPIRED
    assert orders() == 0


# ---------------------------------------------------------------------------- what changed


def refused_with(cs, token, cart) -> list[str]:
    with pytest.raises(CheckoutChanged) as refused:
        order_now(cs, token, cart)
    assert orders() == 0, "nothing is ordered when something changed"
    assert not selectors.cart_get(cs=cs).is_empty, "the cart stays open to review"
    return texts(refused)


@pytest.mark.parametrize(
    ("new_price", "message"),
    [("199.00", services.MSG_CHANGED_PRICE_UP), ("159.00", services.MSG_CHANGED_PRICE_DOWN)],
    ids=["up", "down"],
)
def test_a_price_change_since_the_page_was_shown_is_listed(cs, demo, new_price, message):
    ready(cs, demo)
    token, cart = shown(cs)

    demo.set_price(demo.variant("toor-dal-1kg"), new_price)

    assert refused_with(cs, token, cart) == [
        message.format(name="Unpolished Toor Dal, 1 kg", old="₹179", new=format_inr(Decimal(new_price)))
    ]


def test_stock_that_ran_short_is_listed_on_its_line(cs, demo):
    ready(cs, demo)
    token, cart = shown(cs)
    demo.set_stock(demo.variant("toor-dal-1kg"), 2)

    with pytest.raises(CheckoutChanged) as refused:
        order_now(cs, token, cart)

    (change,) = refused.value.changes
    assert change.line_id == cart.lines[0].id
    assert change.text == services.MSG_CHANGED_UNAVAILABLE.format(
        name="Unpolished Toor Dal, 1 kg", reason=MSG_SHORT_STOCK_LINE.format(stock=2)
    )
    assert orders() == 0


def test_a_coupon_that_expired_since_the_page_was_shown_is_named(cs, demo):
    ready(cs, demo)
    services.cart_apply_coupon(cs=cs, code="WELCOME10")
    token, cart = shown(cs)

    m.Coupon.objects.filter(code="WELCOME10").update(valid_until=timezone.now())

    assert refused_with(cs, token, cart) == [
        services.MSG_CHANGED_COUPON_INVALID.format(code="WELCOME10", reason=MSG_COUPON_EXPIRED)
    ]
    assert used("WELCOME10") == 0


def test_an_address_changed_to_one_we_cannot_deliver_to_stops_the_order(cs, demo):
    ready(cs, demo)
    token, cart = shown(cs)

    # another tab changes the delivery address
    with_address(cs, **UNSERVICEABLE)

    assert refused_with(cs, token, cart) == [MSG_ADDRESS_UNSERVICEABLE.format(pincode="999999")]


def test_lines_added_removed_or_changed_in_another_tab_are_listed_line_by_line(cs, demo):
    ready(cs, demo)
    add(cs, demo, "masala-chai-250g")
    token, cart = shown(cs)
    dal = line_for(cart, demo.variant("toor-dal-1kg"))
    chai = line_for(cart, demo.variant("masala-chai-250g"))

    services.cart_update_line(cs=cs, line_id=dal.id, quantity=4)
    services.cart_remove_line(cs=cs, line_id=chai.id)
    added = add(cs, demo, "almonds-500g")

    assert sorted(refused_with(cs, token, cart)) == sorted(
        [
            services.MSG_CHANGED_QUANTITY.format(name="Unpolished Toor Dal, 1 kg", old=3, new=4),
            services.MSG_CHANGED_REMOVED,
            services.MSG_CHANGED_ADDED.format(
                name=line_for(added, demo.variant("almonds-500g")).product.name
            ),
        ]
    )


def test_an_old_checkout_page_does_not_order_the_next_cart(shopper_cs, demo):
    # given two tabs on the checkout page; the second one places the order
    ready(shopper_cs, demo)
    old_token, old_cart = shown(shopper_cs)
    token, cart = shown(shopper_cs)
    order_now(shopper_cs, token, cart)
    # and the shopper starts a new cart, delivered to the same address
    ready(shopper_cs, demo, slug="pressure-cooker-5l", quantity=1)

    # when the first tab's place-order button is pressed
    with pytest.raises(StorefrontError) as refused:
        order_now(shopper_cs, old_token, old_cart)

    # then the new cart, never shown on that page, is not ordered
    assert refused.value.user_message == MSG_CART_GONE
    assert orders() == 1
    assert [ln.product.slug for ln in selectors.cart_get(cs=shopper_cs).lines] == ["pressure-cooker-5l"]


def test_a_retry_after_a_new_cart_started_still_returns_the_order_and_keeps_the_new_cart(cs, demo):
    ready(cs, demo)
    token, cart = shown(cs)
    first = order_now(cs, token, cart)
    add(cs, demo, "masala-chai-250g")

    again = order_now(cs, token, cart)

    assert again.id == first.id
    assert orders() == 1
    assert [ln.product.slug for ln in selectors.cart_get(cs=cs).lines] == ["masala-chai-250g"]


def test_cash_on_delivery_is_refused_for_a_cart_paid_in_full(cs, demo):
    ready(cs, demo, quantity=2)
    services.cart_apply_gift_card(cs=cs, code=DEMO_CARD, pin=DEMO_PIN)
    token, cart = shown(cs)

    with pytest.raises(CheckoutChanged) as refused:
        services.checkout_place_order(cs=cs, token=token, payment_mode=PAYMENT_COD)

    assert texts(refused) == [MSG_BAD_PAYMENT]
    assert orders() == 0


def test_a_cart_paid_in_full_is_ordered_with_a_zero_total(cs, demo):
    ready(cs, demo, quantity=2)
    services.cart_apply_gift_card(cs=cs, code=DEMO_CARD, pin=DEMO_PIN)

    order = place(cs)

    assert order.total == D("0.00")
    assert order.payment_mode == "Fully paid by redemptions"
    assert card_balance() == D("93.00")


def test_home_delivery_needs_an_address(cs, demo):
    add(cs, demo, "toor-dal-1kg", quantity=3)
    token, cart = shown(cs)

    with pytest.raises(AddressNeeded) as refused:
        order_now(cs, token, cart)

    # one message, not a list of changes: nothing changed, the address was never given
    assert refused.value.user_message == MSG_NEED_ADDRESS


# ---------------------------------------------------------------------------- cancel


def test_cancelling_gives_back_stock_points_credit_card_balance_and_the_coupon_use(shopper, shopper_cs, demo):
    cooker = demo.variant("pressure-cooker-5l")
    cooker_stock = stock(cooker)
    add(shopper_cs, demo, "pressure-cooker-5l")
    services.cart_apply_coupon(cs=shopper_cs, code="WELCOME10")
    services.cart_apply_loyalty(cs=shopper_cs, points=300)
    services.cart_apply_gift_card(cs=shopper_cs, code=DEMO_CARD, pin=DEMO_PIN)
    services.cart_apply_credit(cs=shopper_cs)
    with_address(shopper_cs)
    order = place(shopper_cs)

    get_shop_provider().cancel_order(order_id=order.id)
    get_shop_provider().cancel_order(order_id=order.id)  # twice gives back once

    assert stock(cooker) == cooker_stock
    assert points(shopper) == 800
    assert credit(shopper) == D("250.00")
    assert card_balance() == D("500.00")
    assert used("WELCOME10") == 0
    assert m.Order.objects.get(number=order.id).status == m.Order.Status.CANCELLED
    # and WELCOME10 (once per customer) can be used again
    add(shopper_cs, demo, "pressure-cooker-5l")
    assert services.cart_apply_coupon(cs=shopper_cs, code="WELCOME10").coupon_code == "WELCOME10"


# ---------------------------------------------------------------------------- buy now


def buy_now(cs, demo, slug, label=None) -> CartSession:
    variant = demo.variant(slug, label)
    services.cart_buy_now(
        cs=cs,
        product_id=str(variant.product_id),
        variant_id=str(variant.pk) if variant.product.has_sizes else None,
        quantity=variant.product.min_quantity,
    )
    return CartSession(session=cs.session, user=cs.user, buy_now=True)


def test_buy_now_uses_its_own_cart_and_leaves_the_main_cart_alone(cs, demo):
    ready(cs, demo)
    main_before = selectors.cart_get(cs=cs)

    quick = buy_now(cs, demo, "cotton-kurta", "M")

    assert [(ln.product.slug, ln.quantity) for ln in selectors.cart_get(cs=quick).lines] == [
        ("cotton-kurta", 1)
    ]
    main = selectors.cart_get(cs=cs)
    assert main.id == main_before.id
    assert [(ln.id, ln.quantity) for ln in main.lines] == [(ln.id, ln.quantity) for ln in main_before.lines]
    assert cs.count == 3


def test_placing_the_buy_now_order_leaves_the_main_cart_as_it_was(cs, demo):
    ready(cs, demo)
    main_before = selectors.cart_get(cs=cs)
    quick = buy_now(cs, demo, "cotton-kurta", "M")
    with_address(quick)

    order = place(quick)

    assert [ln.product_name for ln in order.lines] == ["Handloom Cotton Kurta"]
    main = selectors.cart_get(cs=cs)
    assert main.id == main_before.id
    assert [(ln.id, ln.quantity) for ln in main.lines] == [(ln.id, ln.quantity) for ln in main_before.lines]
    assert cs.count == 3
    assert selectors.cart_get(cs=quick).is_empty


def test_a_second_buy_now_starts_over(cs, demo):
    buy_now(cs, demo, "cotton-kurta", "M")

    quick = buy_now(cs, demo, "masala-chai-250g")

    assert [ln.product.slug for ln in selectors.cart_get(cs=quick).lines] == ["masala-chai-250g"]


def test_a_signed_in_customers_buy_now_order_is_theirs(shopper, shopper_cs, demo):
    # given the shopper buys a cooker straight away, with their points
    quick = buy_now(shopper_cs, demo, "pressure-cooker-5l")
    cart = services.cart_apply_loyalty(cs=quick, points=None)
    assert cart.loyalty.applied == 800
    with_address(quick)

    order = place(quick)

    # then the order is in their orders, and the points are theirs to spend
    assert [o.id for o in selectors.order_list(cs=shopper_cs)] == [order.id]
    assert order.guest_token == ""
    assert points(shopper) == 0


def test_a_guest_cannot_reach_a_customers_buy_now_cart(shopper_cs, demo):
    quick = buy_now(shopper_cs, demo, "pressure-cooker-5l")
    stranger = CartSession(session=SessionStore(), buy_now=True)
    stranger.session["cart:buy-now-id"] = selectors.cart_get(cs=quick).id

    assert selectors.cart_get(cs=stranger).is_empty


# ---------------------------------------------------------------------------- reading orders


def test_customer_lists_and_reads_their_orders(shopper_cs, demo):
    ready(shopper_cs, demo)
    first = place(shopper_cs)
    ready(shopper_cs, demo, slug="masala-chai-250g", quantity=2)
    second = place(shopper_cs)

    listed = selectors.order_list(cs=shopper_cs)

    assert [o.id for o in listed] == [second.id, first.id]
    assert selectors.order_get(cs=shopper_cs, order_id=first.id).total == first.total


def test_another_customer_cannot_read_the_order(shopper_cs, demo, django_user_model):
    ready(shopper_cs, demo)
    order = place(shopper_cs)
    other = django_user_model.objects.create_user("other@demo.local", "other@demo.local", "pw-123456")
    stranger = CartSession(session=SessionStore(), user=other)

    with pytest.raises(NotFound):
        selectors.order_get(cs=stranger, order_id=order.id)
    assert selectors.order_list(cs=stranger) == ()


def test_guest_reads_their_order_with_its_token_or_in_the_same_session(cs, demo):
    ready(cs, demo)
    order = place(cs)
    elsewhere = CartSession(session=SessionStore())

    assert selectors.order_get(cs=cs, order_id=order.id).id == order.id
    assert selectors.order_get(cs=elsewhere, order_id=order.id, guest_token=order.guest_token).id == order.id
    with pytest.raises(NotFound):
        selectors.order_get(cs=elsewhere, order_id=order.id)
    with pytest.raises(NotFound):
        # one character changed (never the same one: the token is random and may end in any letter)
        last = "y" if order.guest_token.endswith("x") else "x"
        selectors.order_get(cs=elsewhere, order_id=order.id, guest_token=order.guest_token[:-1] + last)


def test_an_empty_cart_cannot_be_ordered(cs, demo):
    ready(cs, demo)
    token, cart = shown(cs)
    services.cart_clear(cs=cs)

    with pytest.raises((CheckoutChanged, ProviderRejected)):
        order_now(cs, token, cart)

    assert orders() == 0
