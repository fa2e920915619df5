"""Coupons, loyalty points, gift cards, store credit, cart meta and addresses through the cart
services on the local provider: what the shopper's cart and the store's books hold after each."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.sessions.backends.cache import SessionStore
from django.utils import timezone

from carts import selectors, services
from carts.session import CartSession
from storefront.exceptions import GiftCardRejected, NotFound, ProviderRejected
from storefront.providers import get_shop_provider
from storefront.providers.local import models as m
from storefront.providers.local.cart_view import MSG_ADDRESS_UNSERVICEABLE
from storefront.providers.local.pricing import (
    MSG_COUPON_ADD_MORE,
    MSG_COUPON_NOT_FOR_ITEMS,
    MSG_GST_INTER_STATE,
    MSG_GST_INTRA_STATE,
)
from storefront.providers.local.redemptions import (
    MSG_COUPON_ALREADY_USED,
    MSG_COUPON_EXPIRED,
    MSG_COUPON_NOT_YET,
    MSG_COUPON_UNKNOWN,
    MSG_COUPON_USED_UP,
    MSG_GIFT_CARD_BAD,
    MSG_GIFT_CARD_EMPTY,
    MSG_GIFT_CARD_EXPIRED,
    MSG_GIFT_CARD_NOT_ON_CART,
    MSG_GIFT_CARD_TWICE,
    MSG_NOTHING_TO_PAY,
    MSG_SIGN_IN_CREDIT,
    MSG_TOO_MANY_POINTS,
    MSG_UNKNOWN_STORE,
)
from storefront.providers.messages import (
    MSG_EMPTY_CART,
    MSG_NO_POINTS,
    MSG_SIGN_IN_POINTS,
    MSG_UNKNOWN_ADDRESS,
)
from storefront.providers.types import CartMeta, OrderType
from storefront.throttle import Throttled
from tests.checkout_kit import (
    DELHI,
    DEMO_CARD,
    DEMO_PIN,
    SECOND_CARD,
    SECOND_PIN,
    address,
    card_balance,
    coupon,
    credit,
    gift_card,
    place,
    points,
    with_address,
)
from tests.factories import add, amounts

D = Decimal
REDEMPTION_KEYS = ("coupon", "loyalty_points", "gift_card", "credit_balance")


def dal(cs, demo, quantity=3):
    """Unpolished toor dal at ₹179 a bag: three bags make ₹537 (groceries, free delivery)."""
    return add(cs, demo, "toor-dal-1kg", quantity=quantity)


def breakup(cart) -> list[tuple[str, Decimal]]:
    return [(row.key, row.amount) for row in cart.breakup]


def unchanged(cs, before) -> bool:
    return breakup(selectors.cart_get(cs=cs)) == breakup(before)


# ---------------------------------------------------------------------------- coupons


def test_percent_coupon_takes_ten_percent_off(cs, demo):
    dal(cs, demo)

    cart = services.cart_apply_coupon(cs=cs, code="welcome10")

    assert cart.coupon_code == "WELCOME10"
    assert amounts(cart)["coupon"] == D("-53.70")
    assert cart.total == D("483.30")


def test_percent_coupon_stops_at_its_cap(cs, demo):
    add(cs, demo, "pressure-cooker-5l")  # ₹2,699: 10 % would be ₹269.90

    cart = services.cart_apply_coupon(cs=cs, code="WELCOME10")

    assert amounts(cart)["coupon"] == D("-200.00")


def test_flat_coupon_takes_its_amount(cs, demo):
    add(cs, demo, "wireless-earbuds")  # ₹2,799

    cart = services.cart_apply_coupon(cs=cs, code="FLAT100")

    assert amounts(cart)["coupon"] == D("-100.00")
    assert cart.total == D("2699.00")


@pytest.mark.parametrize(("price", "applies"), [("500.00", True), ("499.99", False)])
def test_minimum_cart_value_exactly_met_or_a_paisa_short(cs, demo, price, applies):
    # given a copper bottle repriced so the cart is exactly at, or ₹0.01 under, WELCOME10's ₹500
    bottle = demo.variant("copper-bottle")
    demo.set_price(bottle, price)
    before = add(cs, demo, "copper-bottle")

    if applies:
        cart = services.cart_apply_coupon(cs=cs, code="WELCOME10")
        assert amounts(cart)["coupon"] == D("-50.00")
    else:
        with pytest.raises(ProviderRejected) as refused:
            services.cart_apply_coupon(cs=cs, code="WELCOME10")
        assert refused.value.user_message == MSG_COUPON_ADD_MORE.format(short=D("0.01"), code="WELCOME10")
        assert "Add ₹0.01 more" in refused.value.user_message
        assert selectors.cart_get(cs=cs).coupon_code == ""
        assert unchanged(cs, before)


def test_a_coupon_below_its_minimum_leaves_the_previous_coupon_in_place(cs, demo):
    dal(cs, demo)
    services.cart_apply_coupon(cs=cs, code="WELCOME10")

    with pytest.raises(ProviderRejected) as refused:
        services.cart_apply_coupon(cs=cs, code="FLAT100")

    assert refused.value.user_message == MSG_COUPON_ADD_MORE.format(short=D("462.00"), code="FLAT100")
    assert selectors.cart_get(cs=cs).coupon_code == "WELCOME10"


def test_unknown_coupon_is_refused_by_name(cs, demo):
    before = dal(cs, demo)

    with pytest.raises(ProviderRejected) as refused:
        services.cart_apply_coupon(cs=cs, code="nope99")

    assert refused.value.user_message == MSG_COUPON_UNKNOWN.format(code="NOPE99")
    assert unchanged(cs, before)


def test_coupon_on_an_empty_cart_is_refused(cs, demo):
    with pytest.raises(ProviderRejected) as refused:
        services.cart_apply_coupon(cs=cs, code="WELCOME10")

    assert refused.value.user_message == MSG_EMPTY_CART


@pytest.fixture
def frozen_now(monkeypatch):
    """The clock stands still at a whole second."""
    now = timezone.now().replace(microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: now)
    return now


@pytest.mark.parametrize(
    ("until", "problem"),
    [
        (timedelta(seconds=-1), MSG_COUPON_EXPIRED),
        (timedelta(0), MSG_COUPON_EXPIRED),
        (timedelta(seconds=1), ""),
    ],
    ids=["a-second-ago", "this-very-second", "a-second-from-now"],
)
def test_coupon_expires_at_its_valid_until_second(cs, demo, frozen_now, until, problem):
    coupon("LASTCALL", valid_until=frozen_now + until)
    dal(cs, demo)

    if problem:
        with pytest.raises(ProviderRejected) as refused:
            services.cart_apply_coupon(cs=cs, code="LASTCALL")
        assert refused.value.user_message == problem
    else:
        cart = services.cart_apply_coupon(cs=cs, code="LASTCALL")
        assert amounts(cart)["coupon"] == D("-53.70")


@pytest.mark.parametrize(
    ("start", "problem"),
    [(timedelta(seconds=1), MSG_COUPON_NOT_YET), (timedelta(0), "")],
    ids=["starts-in-a-second", "starts-this-second"],
)
def test_coupon_is_not_valid_before_its_start(cs, demo, frozen_now, start, problem):
    coupon("SOON", valid_from=frozen_now + start)
    dal(cs, demo)

    if problem:
        with pytest.raises(ProviderRejected) as refused:
            services.cart_apply_coupon(cs=cs, code="SOON")
        assert refused.value.user_message == problem
    else:
        assert services.cart_apply_coupon(cs=cs, code="SOON").coupon_code == "SOON"


def test_coupon_that_expires_while_in_the_cart_stops_giving_and_says_why(cs, demo):
    offer = coupon("BRIEF")
    dal(cs, demo)
    services.cart_apply_coupon(cs=cs, code="BRIEF")

    m.Coupon.objects.filter(pk=offer.pk).update(valid_until=timezone.now())
    cart = selectors.cart_get(cs=cs)

    row = cart.row("coupon")
    assert row.amount == D("0.00")
    assert row.messages == (MSG_COUPON_EXPIRED,)
    assert cart.total == D("537.00")


def test_welcome_coupon_is_once_per_customer(shopper_cs, demo):
    # given the shopper ordered with WELCOME10 once
    dal(shopper_cs, demo)
    services.cart_apply_coupon(cs=shopper_cs, code="WELCOME10")
    with_address(shopper_cs)
    place(shopper_cs)

    # when they try it on their next cart
    dal(shopper_cs, demo)
    with pytest.raises(ProviderRejected) as refused:
        services.cart_apply_coupon(cs=shopper_cs, code="WELCOME10")

    # then it is refused, and the coupon list says so too
    assert refused.value.user_message == MSG_COUPON_ALREADY_USED
    offer = next(o for o in selectors.cart_coupons(cs=shopper_cs) if o.code == "WELCOME10")
    assert (offer.applicable, offer.reason) == (False, MSG_COUPON_ALREADY_USED)


def test_coupon_used_up_in_total_is_refused(cs, demo):
    coupon("FIRST50", total_limit=50, used_count=50)
    dal(cs, demo)

    with pytest.raises(ProviderRejected) as refused:
        services.cart_apply_coupon(cs=cs, code="FIRST50")

    assert refused.value.user_message == MSG_COUPON_USED_UP


def test_the_last_use_of_a_coupon_goes_to_the_first_order(cs, demo):
    # given a coupon with one use left, on two shoppers' carts
    coupon("LASTONE", total_limit=1)
    other = CartSession(session=SessionStore())
    for shopper in (cs, other):
        dal(shopper, demo)
        services.cart_apply_coupon(cs=shopper, code="LASTONE")
        with_address(shopper)

    # when the first one orders
    place(cs)

    # then the second cart's coupon now gives nothing, with the reason
    row = selectors.cart_get(cs=other).row("coupon")
    assert (row.amount, row.messages) == (D("0.00"), (MSG_COUPON_USED_UP,))


def test_fashion_coupon_gives_nothing_on_groceries(cs, demo):
    before = dal(cs, demo)

    with pytest.raises(ProviderRejected) as refused:
        services.cart_apply_coupon(cs=cs, code="STYLE20")

    assert refused.value.user_message == MSG_COUPON_NOT_FOR_ITEMS.format(code="STYLE20")
    assert selectors.cart_get(cs=cs).coupon_code == ""
    assert unchanged(cs, before)


def test_a_coupon_that_does_not_qualify_keeps_the_one_already_applied(cs, demo):
    dal(cs, demo)  # ₹537 of groceries
    services.cart_apply_coupon(cs=cs, code="WELCOME10")
    before = amounts(selectors.cart_get(cs=cs))

    with pytest.raises(ProviderRejected) as refused:
        services.cart_apply_coupon(cs=cs, code="STYLE20")

    assert refused.value.user_message == MSG_COUPON_NOT_FOR_ITEMS.format(code="STYLE20")
    cart = selectors.cart_get(cs=cs)
    assert cart.coupon_code == "WELCOME10"
    assert amounts(cart) == before


def test_fashion_coupon_counts_only_the_fashion_in_a_mixed_cart(cs, demo):
    add(cs, demo, "cotton-kurta", label="M")  # ₹999, fashion
    dal(cs, demo, quantity=2)  # ₹358, groceries

    cart = services.cart_apply_coupon(cs=cs, code="STYLE20")

    assert amounts(cart)["coupon"] == D("-199.80")


def test_coupon_list_marks_each_coupon_with_its_reason(cs, demo):
    dal(cs, demo)  # ₹537 of groceries

    offers = {o.code: o for o in selectors.cart_coupons(cs=cs)}

    assert offers["WELCOME10"].applicable and offers["WELCOME10"].reason == ""
    assert (offers["FLAT100"].applicable, offers["FLAT100"].reason) == (
        False,
        MSG_COUPON_ADD_MORE.format(short=D("462.00"), code="FLAT100"),
    )
    assert (offers["STYLE20"].applicable, offers["STYLE20"].reason) == (
        False,
        MSG_COUPON_NOT_FOR_ITEMS.format(code="STYLE20"),
    )
    assert (offers["DIWALI50"].applicable, offers["DIWALI50"].reason) == (False, MSG_COUPON_EXPIRED)


def test_removing_the_coupon_restores_the_price(cs, demo):
    dal(cs, demo)
    services.cart_apply_coupon(cs=cs, code="WELCOME10")

    cart = services.cart_remove_coupon(cs=cs)

    assert cart.coupon_code == ""
    assert cart.row("coupon") is None
    assert cart.total == D("537.00")


# ---------------------------------------------------------------------------- loyalty points


def test_shopper_sees_balance_and_applicable_points(shopper_cs, demo):
    cart = dal(shopper_cs, demo)

    assert cart.loyalty.balance == 800
    assert cart.loyalty.applicable == 429  # 20 % of ₹537 is ₹107.40, 429 points at ₹0.25
    assert cart.loyalty.applied == 0


def test_applicable_points_follow_the_coupon(shopper_cs, demo):
    dal(shopper_cs, demo)

    cart = services.cart_apply_coupon(cs=shopper_cs, code="WELCOME10")

    assert cart.loyalty.applicable == 386  # 20 % of ₹483.30


def test_applicable_points_are_the_balance_on_a_big_cart(shopper_cs, demo):
    cart = add(shopper_cs, demo, "pressure-cooker-5l")  # the cap would be 2,159 points

    assert cart.loyalty.applicable == 800


def test_apply_all_points(shopper_cs, demo):
    dal(shopper_cs, demo)

    cart = services.cart_apply_loyalty(cs=shopper_cs, points=None)

    assert cart.loyalty.applied == 429
    assert amounts(cart)["loyalty_points"] == D("-107.25")
    assert cart.total == D("429.75")


def test_apply_a_chosen_number_of_points(shopper_cs, demo):
    dal(shopper_cs, demo)

    cart = services.cart_apply_loyalty(cs=shopper_cs, points=100)

    assert cart.loyalty.applied == 100
    assert amounts(cart)["loyalty_points"] == D("-25.00")


def test_too_many_points_are_refused(shopper_cs, demo):
    before = dal(shopper_cs, demo)

    with pytest.raises(ProviderRejected) as refused:
        services.cart_apply_loyalty(cs=shopper_cs, points=430)

    assert refused.value.user_message == MSG_TOO_MANY_POINTS.format(n=429)
    assert unchanged(shopper_cs, before)


def test_exactly_the_applicable_points_are_accepted(shopper_cs, demo):
    dal(shopper_cs, demo)

    cart = services.cart_apply_loyalty(cs=shopper_cs, points=429)

    assert cart.loyalty.applied == 429


def test_points_are_debited_only_when_the_order_is_placed_and_given_back_on_cancel(shopper, shopper_cs, demo):
    dal(shopper_cs, demo)
    services.cart_apply_loyalty(cs=shopper_cs, points=None)
    with_address(shopper_cs)
    assert points(shopper) == 800  # applied, not yet spent

    order = place(shopper_cs)
    assert points(shopper) == 800 - 429

    get_shop_provider().cancel_order(order_id=order.id)
    assert points(shopper) == 800


def test_guest_cannot_use_points(cs, demo):
    dal(cs, demo)

    with pytest.raises(ProviderRejected) as refused:
        services.cart_apply_loyalty(cs=cs, points=None)

    assert refused.value.user_message == MSG_SIGN_IN_POINTS


def test_no_points_to_use_is_said_plainly(shopper, shopper_cs, demo):
    m.LoyaltyAccount.objects.filter(user=shopper).update(points=0)
    dal(shopper_cs, demo)

    with pytest.raises(ProviderRejected) as refused:
        services.cart_apply_loyalty(cs=shopper_cs, points=None)

    assert refused.value.user_message == MSG_NO_POINTS


def test_stop_using_points(shopper_cs, demo):
    dal(shopper_cs, demo)
    services.cart_apply_loyalty(cs=shopper_cs, points=200)

    cart = services.cart_remove_loyalty(cs=shopper_cs)

    assert cart.loyalty.applied == 0
    assert cart.row("loyalty_points") is None
    assert cart.total == D("537.00")


# ---------------------------------------------------------------------------- gift cards


def test_gift_card_pays_part_of_the_cart(cs, demo):
    add(cs, demo, "pressure-cooker-5l")

    cart = services.cart_apply_gift_card(cs=cs, code="gift-demo-0001", pin=DEMO_PIN)

    assert [(r.code, r.amount) for r in cart.gift_cards] == [(DEMO_CARD, D("500.00"))]
    assert amounts(cart)["gift_card"] == D("-500.00")
    assert cart.total == D("2199.00")


def test_two_gift_cards_on_one_cart(cs, demo):
    gift_card(balance="300.00")
    add(cs, demo, "pressure-cooker-5l")

    services.cart_apply_gift_card(cs=cs, code=DEMO_CARD, pin=DEMO_PIN)
    cart = services.cart_apply_gift_card(cs=cs, code=SECOND_CARD, pin=SECOND_PIN)

    assert [(r.code, r.amount) for r in cart.gift_cards] == [
        (DEMO_CARD, D("500.00")),
        (SECOND_CARD, D("300.00")),
    ]
    assert [row.amount for row in cart.breakup if row.key == "gift_card"] == [D("-500.00"), D("-300.00")]
    assert cart.total == D("1899.00")


def test_partly_used_card_keeps_the_rest_of_its_balance_after_the_order(cs, demo):
    dal(cs, demo, quantity=2)  # ₹358 + ₹49 delivery
    services.cart_apply_gift_card(cs=cs, code=DEMO_CARD, pin=DEMO_PIN)
    with_address(cs)
    assert card_balance() == D("500.00")  # nothing taken before the order

    place(cs)

    assert card_balance() == D("93.00")


def test_wrong_pin_changes_nothing(cs, demo):
    before = dal(cs, demo)

    with pytest.raises(GiftCardRejected) as refused:
        services.cart_apply_gift_card(cs=cs, code=DEMO_CARD, pin="0000")

    assert refused.value.user_message == MSG_GIFT_CARD_BAD
    assert unchanged(cs, before)
    assert card_balance() == D("500.00")


def test_unknown_card_gets_the_same_answer_as_a_wrong_pin(cs, demo):
    dal(cs, demo)

    with pytest.raises(GiftCardRejected) as refused:
        services.cart_apply_gift_card(cs=cs, code="GIFT-NOPE-9999", pin=DEMO_PIN)

    assert refused.value.user_message == MSG_GIFT_CARD_BAD


def test_the_same_card_twice_is_refused(cs, demo):
    add(cs, demo, "pressure-cooker-5l")
    services.cart_apply_gift_card(cs=cs, code=DEMO_CARD, pin=DEMO_PIN)

    with pytest.raises(ProviderRejected) as refused:
        services.cart_apply_gift_card(cs=cs, code=DEMO_CARD, pin=DEMO_PIN)

    assert refused.value.user_message == MSG_GIFT_CARD_TWICE
    assert len(selectors.cart_get(cs=cs).gift_cards) == 1


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"balance": "0.00"}, MSG_GIFT_CARD_EMPTY),
        ({"expires_at": timezone.now() - timedelta(minutes=1)}, MSG_GIFT_CARD_EXPIRED),
    ],
    ids=["empty", "expired"],
)
def test_empty_or_expired_card_is_refused(cs, demo, fields, problem):
    gift_card(**fields)
    before = dal(cs, demo)

    with pytest.raises(ProviderRejected) as refused:
        services.cart_apply_gift_card(cs=cs, code=SECOND_CARD, pin=SECOND_PIN)

    assert refused.value.user_message == problem
    assert unchanged(cs, before)


def test_no_more_cards_once_the_cart_is_fully_paid(cs, demo):
    gift_card()
    dal(cs, demo, quantity=2)
    services.cart_apply_gift_card(cs=cs, code=DEMO_CARD, pin=DEMO_PIN)

    with pytest.raises(ProviderRejected) as refused:
        services.cart_apply_gift_card(cs=cs, code=SECOND_CARD, pin=SECOND_PIN)

    assert refused.value.user_message == MSG_NOTHING_TO_PAY


def test_remove_a_gift_card(cs, demo):
    add(cs, demo, "pressure-cooker-5l")
    services.cart_apply_gift_card(cs=cs, code=DEMO_CARD, pin=DEMO_PIN)

    cart = services.cart_remove_gift_card(cs=cs, code=DEMO_CARD)

    assert cart.gift_cards == ()
    assert cart.row("gift_card") is None
    assert cart.total == D("2699.00")


def test_removing_a_card_that_is_not_on_the_cart_says_so(cs, demo):
    dal(cs, demo)

    with pytest.raises(NotFound) as refused:
        services.cart_remove_gift_card(cs=cs, code=DEMO_CARD)

    assert refused.value.user_message == MSG_GIFT_CARD_NOT_ON_CART


GIFT_CARD_TRIES = int(settings.RATE_LIMITS["gift-card"]["client"].split("/")[0])


def test_five_tries_lock_the_session_even_with_the_right_pin(cs, demo):
    # a service call without a request: the browser session stands in for the client
    dal(cs, demo)
    for _ in range(GIFT_CARD_TRIES):
        with pytest.raises(GiftCardRejected):
            services.cart_apply_gift_card(cs=cs, code=DEMO_CARD, pin="0000")

    with pytest.raises(Throttled) as refused:
        services.cart_apply_gift_card(cs=cs, code=DEMO_CARD, pin=DEMO_PIN)

    assert refused.value.status == 429 and refused.value.retry_after > 0
    assert selectors.cart_get(cs=cs).gift_cards == ()


def test_four_wrong_pins_still_allow_the_right_one(cs, demo):
    dal(cs, demo)
    for _ in range(GIFT_CARD_TRIES - 1):
        with pytest.raises(GiftCardRejected):
            services.cart_apply_gift_card(cs=cs, code=DEMO_CARD, pin="0000")

    cart = services.cart_apply_gift_card(cs=cs, code=DEMO_CARD, pin=DEMO_PIN)

    assert [r.code for r in cart.gift_cards] == [DEMO_CARD]


def test_one_clients_wrong_pins_do_not_lock_the_card_elsewhere(cs, demo):
    # given five wrong pins for the demo card in one browser
    for _ in range(GIFT_CARD_TRIES):
        with pytest.raises(GiftCardRejected):
            services.cart_apply_gift_card(cs=cs, code=DEMO_CARD, pin="0000")
    elsewhere = CartSession(session=SessionStore())
    dal(elsewhere, demo)

    # when the holder tries the card with the right pin from their own browser
    cart = services.cart_apply_gift_card(cs=elsewhere, code=DEMO_CARD, pin=DEMO_PIN)

    # then it works: the per-card limit is far above one client's
    assert [r.code for r in cart.gift_cards] == [DEMO_CARD]


def test_the_throttle_covers_every_card_in_the_throttled_session(cs, demo):
    gift_card()
    dal(cs, demo)
    for _ in range(GIFT_CARD_TRIES):
        with pytest.raises(GiftCardRejected):
            services.cart_apply_gift_card(cs=cs, code=DEMO_CARD, pin="0000")

    with pytest.raises(Throttled):
        services.cart_apply_gift_card(cs=cs, code=SECOND_CARD, pin=SECOND_PIN)


# ---------------------------------------------------------------------------- store credit


def test_use_store_credit(shopper_cs, demo):
    dal(shopper_cs, demo)

    cart = services.cart_apply_credit(cs=shopper_cs)

    assert cart.credit.in_use and cart.credit.applied == D("250.00")
    assert amounts(cart)["credit_balance"] == D("-250.00")
    assert cart.total == D("287.00")


def test_stop_using_store_credit(shopper_cs, demo):
    dal(shopper_cs, demo)
    services.cart_apply_credit(cs=shopper_cs)

    cart = services.cart_remove_credit(cs=shopper_cs)

    assert not cart.credit.in_use
    assert cart.row("credit_balance") is None
    assert cart.total == D("537.00")


def test_guest_has_no_store_credit(cs, demo):
    dal(cs, demo)

    with pytest.raises(ProviderRejected) as refused:
        services.cart_apply_credit(cs=cs)

    assert refused.value.user_message == MSG_SIGN_IN_CREDIT


def test_credit_is_taken_at_the_order_only(shopper, shopper_cs, demo):
    dal(shopper_cs, demo)
    services.cart_apply_credit(cs=shopper_cs)
    with_address(shopper_cs)
    assert credit(shopper) == D("250.00")

    place(shopper_cs)

    assert credit(shopper) == D("0.00")


# ---------------------------------------------------------------------------- stacking


def everything(cs, order: list[str]) -> None:
    steps = {
        "coupon": lambda: services.cart_apply_coupon(cs=cs, code="WELCOME10"),
        "points": lambda: services.cart_apply_loyalty(cs=cs, points=None),
        "card": lambda: services.cart_apply_gift_card(cs=cs, code=DEMO_CARD, pin=DEMO_PIN),
        "credit": lambda: services.cart_apply_credit(cs=cs),
    }
    for name in order:
        steps[name]()


def remove_everything(cs) -> None:
    services.cart_remove_coupon(cs=cs)
    services.cart_remove_loyalty(cs=cs)
    services.cart_remove_gift_card(cs=cs, code=DEMO_CARD)
    services.cart_remove_credit(cs=cs)


def test_the_stacking_order_is_the_same_whatever_order_things_are_applied_in(shopper_cs, demo):
    # given a kurta and two bags of dal (₹1,357)
    add(shopper_cs, demo, "cotton-kurta", label="M")
    dal(shopper_cs, demo, quantity=2)

    # when the shopper applies everything in one order, and then (after removing it all) in reverse
    everything(shopper_cs, ["coupon", "points", "card", "credit"])
    forwards = selectors.cart_get(cs=shopper_cs)
    remove_everything(shopper_cs)
    everything(shopper_cs, ["credit", "card", "points", "coupon"])
    backwards = selectors.cart_get(cs=shopper_cs)

    # then the breakup is the same, coupon → points → gift card → credit
    assert breakup(backwards) == breakup(forwards)
    assert [key for key, _ in breakup(forwards)] == [
        "mrp_total",
        "discount",
        "subtotal",
        "coupon",
        "loyalty_points",
        "delivery_charge",
        "gift_card",
        "credit_balance",
        "total",
        "gst_charges",
        "you_saved",
    ]
    a = amounts(forwards)
    assert (a["coupon"], a["loyalty_points"], a["gift_card"], a["credit_balance"]) == (
        D("-135.70"),
        D("-200.00"),
        D("-500.00"),
        D("-250.00"),
    )
    assert a["total"] == D("271.30")


def test_rows_add_up_to_the_total_and_savings_exclude_payments(shopper_cs, demo):
    add(shopper_cs, demo, "cotton-kurta", label="M")
    dal(shopper_cs, demo, quantity=2)

    everything(shopper_cs, ["coupon", "points", "card", "credit"])
    a = amounts(selectors.cart_get(cs=shopper_cs))

    assert a["total"] == a["subtotal"] + a["delivery_charge"] + sum(a[k] for k in REDEMPTION_KEYS)
    assert a["you_saved"] == -(a["discount"] + a["coupon"] + a["loyalty_points"])
    assert all(a[k] < 0 for k in REDEMPTION_KEYS)


def test_a_cart_paid_in_full_by_redemptions_totals_zero_and_offers_only_that(cs, demo):
    dal(cs, demo, quantity=2)  # ₹358 + ₹49 delivery, under the ₹500 card

    cart = services.cart_apply_gift_card(cs=cs, code=DEMO_CARD, pin=DEMO_PIN)

    assert cart.total == D("0.00")
    assert amounts(cart)["gift_card"] == D("-407.00")
    assert [mode for mode, _ in selectors.payment_modes(cs=cs, cart=cart)] == ["redemptions"]


def test_a_cart_with_something_to_pay_offers_cash_on_delivery(cs, demo):
    cart = dal(cs, demo)

    assert [mode for mode, _ in selectors.payment_modes(cs=cs, cart=cart)] == ["cod"]


def test_gst_is_cgst_and_sgst_when_shipping_within_karnataka(cs, demo):
    dal(cs, demo)  # ₹537 at 5 % GST: ₹25.57 of tax inside

    cart = with_address(cs)

    row = cart.row("gst_charges")
    assert row.amount == D("25.57")
    assert row.messages == (MSG_GST_INTRA_STATE.format(cgst=D("12.79"), sgst=D("12.78")),)


def test_gst_is_igst_when_shipping_to_another_state(cs, demo):
    dal(cs, demo)

    cart = with_address(cs, **DELHI)

    assert cart.row("gst_charges").messages == (MSG_GST_INTER_STATE.format(igst=D("25.57")),)


@pytest.mark.parametrize("typed", ["Karnataka", "karnataka", "KA", "Delhi"])
def test_gst_place_of_supply_comes_from_the_pincode_not_the_typed_state(cs, demo, typed):
    """An address saved with the state typed any way (older forms, scripts, another channel):
    560001 is in Karnataka, so it is CGST + SGST however the state reads."""
    dal(cs, demo)

    cart = with_address(cs, state=typed)

    assert cart.row("gst_charges").messages == (MSG_GST_INTRA_STATE.format(cgst=D("12.79"), sgst=D("12.78")),)


def test_gst_is_igst_for_a_delhi_pincode_even_if_karnataka_was_typed(cs, demo):
    dal(cs, demo)

    cart = with_address(cs, pincode="110001", city="New Delhi", state="Karnataka")

    assert cart.row("gst_charges").messages == (MSG_GST_INTER_STATE.format(igst=D("25.57")),)


def test_gst_follows_the_pickup_store_state(cs, demo):
    dal(cs, demo)
    delhi_store = m.Store.objects.get(city="New Delhi")

    cart = services.cart_update_meta(
        cs=cs,
        meta=CartMeta(order_type=OrderType.PICK_AT_STORE, pickup_name="Ravi", pickup_phone="9845012345"),
        pickup_store_id=str(delhi_store.pk),
    )

    assert cart.row("gst_charges").messages == (
        MSG_GST_INTER_STATE.format(igst=cart.row("gst_charges").amount),
    )
    assert amounts(cart)["delivery_charge"] == D("0.00")


# ---------------------------------------------------------------------------- cart meta


def test_meta_is_kept_on_the_cart(cs, demo):
    dal(cs, demo)
    meta = CartMeta(
        gift_message="Happy Diwali!",
        gstin="29AAGCB7383J1Z4",
        business_name="Bharat Traders",
        comment="Ring twice",
    )

    cart = services.cart_update_meta(cs=cs, meta=meta, pickup_store_id=None)

    assert cart.meta == meta
    assert selectors.cart_get(cs=cs).meta.business_name == "Bharat Traders"


def test_pickup_needs_one_of_our_stores(cs, demo):
    dal(cs, demo)

    with pytest.raises(ProviderRejected) as refused:
        services.cart_update_meta(
            cs=cs,
            meta=CartMeta(order_type=OrderType.PICK_AT_STORE, pickup_name="Ravi"),
            pickup_store_id="99999",
        )

    assert refused.value.user_message == MSG_UNKNOWN_STORE
    assert selectors.cart_get(cs=cs).meta.order_type == OrderType.HOME_DELIVERY


def test_pickup_at_a_store_has_no_delivery_charge(cs, demo):
    dal(cs, demo, quantity=1)  # ₹179: delivery would be ₹49
    store = m.Store.objects.get(city="Bengaluru")

    cart = services.cart_update_meta(
        cs=cs,
        meta=CartMeta(order_type=OrderType.PICK_AT_STORE, pickup_name="Ravi", pickup_phone="9845012345"),
        pickup_store_id=str(store.pk),
    )

    assert cart.meta.pickup_store.name == store.name
    assert amounts(cart)["delivery_charge"] == D("0.00")
    assert cart.total == D("179.00")


# ---------------------------------------------------------------------------- addresses


def test_signed_in_customer_has_their_address_book(shopper_cs, demo):
    book = selectors.cart_addresses(cs=shopper_cs)

    assert [(a.name, a.city, a.pincode) for a in book] == [("Asha Rao", "Bengaluru", "560001")]


def test_a_new_address_goes_into_the_book_and_is_shipped_to(shopper_cs, demo):
    dal(shopper_cs, demo)

    cart = with_address(shopper_cs, **DELHI)

    assert (cart.shipping_address.city, cart.billing_address.city) == ("New Delhi", "New Delhi")
    book = selectors.cart_addresses(cs=shopper_cs)
    assert [a.city for a in book] == ["New Delhi", "Bengaluru"]
    assert cart.delivery_promise.pincode == "110001"


def test_choose_saved_addresses_for_shipping_and_billing(shopper_cs, demo):
    dal(shopper_cs, demo)
    with_address(shopper_cs, **DELHI)
    bengaluru = next(a for a in selectors.cart_addresses(cs=shopper_cs) if a.city == "Bengaluru")

    cart = services.cart_select_address(cs=shopper_cs, address_id=bengaluru.id, role="billing")

    assert (cart.shipping_address.city, cart.billing_address.city) == ("New Delhi", "Bengaluru")
    cart = services.cart_select_address(cs=shopper_cs, address_id=bengaluru.id, role="shipping")
    assert cart.shipping_address.city == "Bengaluru"


def test_someone_elses_address_cannot_be_chosen(shopper_cs, cs, demo):
    dal(cs, demo)
    guest_address = with_address(cs).shipping_address
    dal(shopper_cs, demo)

    with pytest.raises(NotFound) as refused:
        services.cart_select_address(cs=shopper_cs, address_id=guest_address.id, role="shipping")

    assert refused.value.user_message == MSG_UNKNOWN_ADDRESS


def test_guest_address_is_kept_on_the_cart_but_no_book(cs, demo):
    dal(cs, demo)

    cart = with_address(cs)

    assert cart.shipping_address.name == "Meera Iyer"
    assert selectors.cart_addresses(cs=cs) == ()


def test_unserviceable_pincode_blocks_checkout_and_says_so(cs, demo):
    dal(cs, demo)

    cart = services.cart_set_address(cs=cs, address=address(pincode="999999"))

    assert cart.checkout_blocked == MSG_ADDRESS_UNSERVICEABLE.format(pincode="999999")
    assert cart.delivery_promise is None
