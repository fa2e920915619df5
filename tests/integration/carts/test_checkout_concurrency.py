"""Placing orders at the same moment: one order per idempotency key, and the last unit of stock, the
last use of a coupon and a gift card's balance each go to one order only.

Every race starts its threads together on a barrier. Where the outcome must not depend on timing,
a second barrier ("the gate") holds every thread just before the provider's place_order: each
thread has then passed the checkout page's own re-check, so the provider's row locks alone decide
who wins. The "late" tests replay the other order of events one step at a time.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from http.cookies import SimpleCookie
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.cache import SessionStore
from django.core.management import call_command
from django.db import connection
from django.test import Client

from carts import selectors, services
from carts.session import CartSession
from storefront.exceptions import CheckoutChanged
from storefront.providers import get_shop_provider
from storefront.providers.local import models as m
from storefront.providers.local.provider import LocalProvider
from storefront.providers.types import Address, Cart, Order
from tests import factories
from tests.conftest import HTMX

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite's in-memory test database is shared between threads through "
        "shared-cache mode, which answers concurrent writers with 'database table is locked' at once "
        "instead of waiting; row locking is what these tests are about",
    ),
]

THREADS = 20
COOKER = "pressure-cooker-5l"  # ₹2,699, 9 in stock: one is above WELCOME10's ₹500 minimum
GIFT_CARD, GIFT_PIN = "GIFT-DEMO-0001", "1234"
KEY_FIELD = re.compile(r'name="idempotency_key" value="([^"]+)"')
TIMEOUT = 30
# a refusal over the gift card names the card or the total it changed (not just the payment method)
CARD_OR_TOTAL = re.compile(r"…0001|gift card|total changed", re.I)


# ---------------------------------------------------------------------------- helpers


@dataclass
class Outcome:
    order: Order | None = None
    error: BaseException | None = None


def _race(calls: list[Callable[[], object]], *, monkeypatch=None) -> list[Outcome]:
    """Run the calls in threads that start together; with monkeypatch, also hold every thread at
    the provider's place_order until all have reached it. Each thread closes its own connection."""
    start = threading.Barrier(len(calls))
    if monkeypatch is not None:
        gate = threading.Barrier(len(calls))
        real = LocalProvider.place_order

        def gated(self, *args, **kwargs):
            gate.wait(timeout=TIMEOUT)
            return real(self, *args, **kwargs)

        monkeypatch.setattr(LocalProvider, "place_order", gated)
    outcomes = [Outcome() for _ in calls]

    def worker(index: int) -> None:
        try:
            start.wait(timeout=TIMEOUT)
            outcomes[index].order = calls[index]()
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            outcomes[index].error = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT * 2)
    assert not any(t.is_alive() for t in threads), "a worker hung (deadlock?)"
    if monkeypatch is not None:
        monkeypatch.undo()
    return outcomes


@pytest.fixture
def shop(transactional_db) -> factories.Shop:
    call_command("seed_demo", stdout=StringIO())
    return factories.Shop()


def _customer(email: str):
    return get_user_model().objects.create_user(username=email, email=email, password="not-used-here")


def _address(name: str) -> Address:
    return Address(
        id="",
        name=name,
        phone="9876500000",
        line1="1 Test Street",
        line2="",
        city="Bengaluru",
        state="Karnataka",
        pincode="560001",
    )


def _ready_cart(
    cs: CartSession,
    shop: factories.Shop,
    slug: str,
    *,
    label: str | None = None,
    quantity: int = 1,
    coupon: str = "",
    gift_card: bool = False,
) -> Cart:
    factories.add(cs, shop, slug, label=label, quantity=quantity)
    services.cart_set_address(cs=cs, address=_address("Racer"))
    if coupon:
        services.cart_apply_coupon(cs=cs, code=coupon)
    if gift_card:
        services.cart_apply_gift_card(cs=cs, code=GIFT_CARD, pin=GIFT_PIN)
    cart = selectors.cart_get(cs=cs)
    assert not cart.checkout_blocked, cart.checkout_blocked
    return cart


@dataclass
class Checkout:
    """One shopper with their checkout page open: the form's key and payment choice."""

    cs: CartSession
    cart: Cart
    token: str
    payment_mode: str

    def place(self) -> Order:
        return services.checkout_place_order(cs=self.cs, token=self.token, payment_mode=self.payment_mode)


def _open_checkout(cs: CartSession) -> Checkout:
    cart = selectors.cart_get(cs=cs)
    mode = get_shop_provider().payment_modes(cart)[0][0]
    return Checkout(cs=cs, cart=cart, token=services.checkout_issue_key(cart=cart, cs=cs), payment_mode=mode)


def _two_shoppers() -> tuple[CartSession, CartSession]:
    return (
        CartSession(session=SessionStore(), user=_customer("racer-a@example.test")),
        CartSession(session=SessionStore(), user=_customer("racer-b@example.test")),
    )


def _split(outcomes: list[Outcome]) -> tuple[Outcome, Outcome]:
    """(winner, loser) of a two-way race, after checking there is exactly one of each."""
    errors = [o.error for o in outcomes if o.error is not None and not isinstance(o.error, CheckoutChanged)]
    assert errors == [], f"unexpected errors: {errors!r}"
    placed = [o for o in outcomes if o.order is not None]
    refused = [o for o in outcomes if isinstance(o.error, CheckoutChanged)]
    assert len(placed) == 1 and len(refused) == 1, (
        f"expected one order and one refusal, got {len(placed)} order(s): "
        f"{[(o.order.id, str(o.order.total)) for o in placed]} and refusals {_texts(refused)}"
    )
    return placed[0], refused[0]


def _texts(outcomes: list[Outcome] | Outcome) -> list[str]:
    if isinstance(outcomes, Outcome):
        outcomes = [outcomes]
    return [c.text for o in outcomes if isinstance(o.error, CheckoutChanged) for c in o.error.changes]


def _cookie_copy(client: Client) -> Client:
    other = Client()
    other.cookies = SimpleCookie()
    for name, morsel in client.cookies.items():
        other.cookies[name] = morsel.value
    return other


# ---------------------------------------------------------------------------- one key, many submits


@pytest.mark.parametrize("who", ["customer", "guest"])
def test_twenty_submits_of_one_checkout_page_place_one_order(shop, who):
    # given a shopper (signed in or not) with the checkout page open, in one browser session
    client = Client()
    if who == "customer":
        client.force_login(_customer("double@example.test"), backend="storefront.accounts.EmailBackend")
    cooker = shop.variant(COOKER)
    stock = cooker.stock
    assert client.post("/cart/add/", {"product": cooker.product_id, "quantity": 2}).status_code == 303
    address = {"name": "Asha", "phone": "9876543210", "line1": "42 MG Road", "line2": ""}
    address |= {"city": "Bengaluru", "state": "Karnataka", "pincode": "560001", "country": "India"}
    assert client.post("/cart/address/", address).status_code == 303
    page = client.get("/checkout/")
    assert page.status_code == 200
    key = KEY_FIELD.search(page.content.decode()).group(1)

    # when the place-order form is sent 20 times at once with that key (half of them through htmx)
    def submit(index: int) -> Callable[[], str]:
        def post() -> str:
            headers = HTMX if index % 2 else {}
            response = _cookie_copy(client).post(
                "/checkout/place/", {"idempotency_key": key, "payment_mode": "cod"}, headers=headers
            )
            if index % 2:
                assert response.status_code == 204, response.status_code
                return response["HX-Redirect"]
            assert response.status_code == 303, response.status_code
            return response["Location"]

        return post

    outcomes = _race([submit(i) for i in range(THREADS)])

    # then every submit lands on the same, single order, and the stock was taken once
    assert [o.error for o in outcomes if o.error] == []
    urls = {o.order for o in outcomes}
    assert len(urls) == 1, f"different answers: {urls}"
    (order,) = m.Order.objects.all()
    assert urls == {f"/orders/{order.number}/" + (f"?t={order.guest_token}" if who == "guest" else "")}
    assert order.lines.get().quantity == 2
    assert m.Variant.objects.get(pk=cooker.pk).stock == stock - 2
    assert m.LocalCart.objects.get().status == m.LocalCart.Status.ORDERED
    confirmation = client.get(urls.pop())
    assert confirmation.status_code == 200
    assert f'data-order-id="{order.number}"' in confirmation.content.decode()


def test_twenty_submits_held_at_the_provider_place_one_order(shop, monkeypatch):
    # given one checkout page, and 20 threads that all pass the page's re-check before any places
    cs = CartSession(session=SessionStore(), user=_customer("stampede@example.test"))
    _ready_cart(cs, shop, COOKER, quantity=3)
    checkout = _open_checkout(cs)
    stock = shop.variant(COOKER).stock

    def place() -> Order:
        # each request has its own copy of the browser's session
        own = CartSession(session=SessionStore(session_key=cs.session.session_key), user=cs.user)
        return services.checkout_place_order(cs=own, token=checkout.token, payment_mode="cod")

    cs.session.save()
    outcomes = _race([place] * THREADS, monkeypatch=monkeypatch)

    assert [o.error for o in outcomes if o.error] == []
    assert {o.order.id for o in outcomes} == {m.Order.objects.get().number}
    assert m.Variant.objects.get(pk=shop.variant(COOKER).pk).stock == stock - 3


# ---------------------------------------------------------------------------- the last unit of stock


@pytest.mark.parametrize("gated", [True, False], ids=["held-at-provider", "free-running"])
def test_two_carts_racing_for_the_last_unit_one_wins(shop, monkeypatch, gated):
    kurta_l = shop.variant("cotton-kurta", "L")
    a, b = _two_shoppers()
    for cs in (a, b):
        _ready_cart(cs, shop, "cotton-kurta", label="L", quantity=1)
    shop.set_stock(kurta_l, 1)
    checkouts = [_open_checkout(a), _open_checkout(b)]

    winner, loser = _split(_race([c.place for c in checkouts], monkeypatch=monkeypatch if gated else None))

    assert m.Order.objects.count() == 1
    assert m.Variant.objects.get(pk=kurta_l.pk).stock == 0
    # the refusal names the item and the stock problem (whichever re-check caught it)
    texts = _texts(loser)
    stock_problem = re.compile(r"only 0 left|out of stock", re.I)
    assert any("Handloom Cotton Kurta" in t and stock_problem.search(t) for t in texts), texts
    assert m.Order.objects.get().number == winner.order.id
    # the loser's cart is still open and now says why it cannot check out
    open_carts = [cart for cart in (selectors.cart_get(cs=a), selectors.cart_get(cs=b)) if cart.lines]
    assert len(open_carts) == 1 and open_carts[0].checkout_blocked


def test_stock_never_goes_negative_when_many_carts_race(shop, monkeypatch):
    # given 6 shoppers each wanting 1 of the 2 kurtas left in size L
    kurta_l = shop.variant("cotton-kurta", "L")
    users = [_customer(f"crowd-{i}@example.test") for i in range(6)]
    shoppers = [CartSession(session=SessionStore(), user=user) for user in users]
    for cs in shoppers:
        _ready_cart(cs, shop, "cotton-kurta", label="L", quantity=1)
    shop.set_stock(kurta_l, 2)
    checkouts = [_open_checkout(cs) for cs in shoppers]

    outcomes = _race([c.place for c in checkouts], monkeypatch=monkeypatch)

    assert [o.error for o in outcomes if o.error and not isinstance(o.error, CheckoutChanged)] == []
    assert sum(o.order is not None for o in outcomes) == 2
    assert sum(isinstance(o.error, CheckoutChanged) for o in outcomes) == 4
    assert m.Order.objects.count() == 2
    assert m.Variant.objects.get(pk=kurta_l.pk).stock == 0


# ---------------------------------------------------------------------------- the last use of a coupon


def _last_coupon_use() -> m.Coupon:
    m.Coupon.objects.filter(code="WELCOME10").update(total_limit=1, used_count=0)
    return m.Coupon.objects.get(code="WELCOME10")


def test_two_customers_racing_for_the_last_coupon_use_one_gets_it(shop, monkeypatch):
    coupon = _last_coupon_use()
    a, b = _two_shoppers()
    for cs in (a, b):
        cart = _ready_cart(cs, shop, COOKER, coupon="WELCOME10")
        assert cart.coupon_code == "WELCOME10" and cart.row("coupon").amount < 0
    checkouts = [_open_checkout(a), _open_checkout(b)]

    winner, loser = _split(_race([c.place for c in checkouts], monkeypatch=monkeypatch))

    order = m.Order.objects.get()
    assert order.number == winner.order.id
    assert order.coupon_id == coupon.pk
    assert m.Coupon.objects.get(pk=coupon.pk).used_count == 1
    assert any("WELCOME10" in t and "fully redeemed" in t for t in _texts(loser)), _texts(loser)


def test_coupon_used_up_after_the_page_was_shown_is_named_in_the_refusal(shop):
    # given both customers' checkout pages show WELCOME10, and A places first
    coupon = _last_coupon_use()
    a, b = _two_shoppers()
    for cs in (a, b):
        _ready_cart(cs, shop, COOKER, coupon="WELCOME10")
    first, second = _open_checkout(a), _open_checkout(b)
    first.place()

    # when B places from the page that still shows the coupon
    with pytest.raises(CheckoutChanged) as refused:
        second.place()

    # then B is told it is the coupon that is gone, not just that a total changed
    texts = [c.text for c in refused.value.changes]
    assert m.Coupon.objects.get(pk=coupon.pk).used_count == 1
    assert m.Order.objects.count() == 1
    assert any("WELCOME10" in t or "coupon" in t.lower() for t in texts), texts


# ---------------------------------------------------------------------------- one gift card, two carts


def _card_covering(shop: factories.Shop, a: CartSession, b: CartSession, *, pays_all: bool) -> Decimal:
    """Fill both carts so that each would take more than half of the card; returns what one takes.
    pays_all: the card covers each cart's whole total (payment 'redemptions'); otherwise each cart
    is bigger than the card and pays the rest cash on delivery."""
    for cs in (a, b):
        if pays_all:
            _ready_cart(cs, shop, "chikankari-dupatta")  # ₹899, free delivery
        else:
            _ready_cart(cs, shop, COOKER)  # ₹2,699
    total = selectors.cart_get(cs=a).total
    balance = (total * 3 / 2).quantize(Decimal("0.01")) if pays_all else Decimal("500.00")
    m.GiftCard.objects.filter(code=GIFT_CARD).update(balance=balance)
    for cs in (a, b):
        cart = services.cart_apply_gift_card(cs=cs, code=GIFT_CARD, pin=GIFT_PIN)
        (use,) = cart.gift_cards
        assert use.amount * 2 > balance
    return min(total, balance)


@pytest.mark.parametrize("pays_all", [True, False], ids=["card-pays-all", "card-pays-part"])
def test_gift_card_balance_is_taken_by_one_order_only(shop, monkeypatch, pays_all):
    a, b = _two_shoppers()
    taken = _card_covering(shop, a, b, pays_all=pays_all)
    original = m.GiftCard.objects.get(code=GIFT_CARD).balance
    checkouts = [_open_checkout(a), _open_checkout(b)]
    shown = {c.cart.id: c.cart.total for c in checkouts}

    outcomes = _race([c.place for c in checkouts], monkeypatch=monkeypatch)

    # the balance never goes below zero and is what the orders took
    balance = m.GiftCard.objects.get(code=GIFT_CARD).balance
    uses = [Decimal(amount) for o in m.Order.objects.all() for _, amount in o.gift_card_uses]
    assert balance >= 0
    assert balance == original - sum(uses)
    # no order was placed for more than its checkout page showed
    for order in m.Order.objects.all():
        assert order.total == shown[str(order.cart_id)], (
            f"order {order.number} was placed for {order.total}, its checkout page showed "
            f"{shown[str(order.cart_id)]} (gift card uses {order.gift_card_uses})"
        )
    # and exactly one order got the card; the other was refused, naming the card
    winner, loser = _split(outcomes)
    assert uses == [taken]
    assert balance == original - taken
    assert any(CARD_OR_TOTAL.search(t) for t in _texts(loser)), _texts(loser)


def test_gift_card_spent_between_the_recheck_and_the_order_is_not_silently_dropped(shop, monkeypatch):
    """The narrow window: B's checkout passes the page re-check, then A's order takes the card, then
    B's order is written. B must be refused, not charged ₹500 more cash on delivery."""
    a, b = _two_shoppers()
    _card_covering(shop, a, b, pays_all=False)
    first, second = _open_checkout(a), _open_checkout(b)
    real = LocalProvider.place_order
    interleaved = []

    def a_slips_in(self, ctx, **kwargs):
        if ctx.customer.id == str(b.user.pk) and not interleaved:
            interleaved.append(first.place())
        return real(self, ctx, **kwargs)

    monkeypatch.setattr(LocalProvider, "place_order", a_slips_in)
    try:
        placed = second.place()
    except CheckoutChanged as exc:
        placed = None
        texts = [c.text for c in exc.changes]
        assert any(CARD_OR_TOTAL.search(t) for t in texts), texts
    assert interleaved, "A's order should have gone in first"
    assert placed is None, (
        f"B's order {placed.id} was placed for {placed.total}; its checkout page showed "
        f"{second.cart.total} with the gift card paying {second.cart.gift_cards[0].amount}"
    )
    assert m.GiftCard.objects.get(code=GIFT_CARD).balance == 0
