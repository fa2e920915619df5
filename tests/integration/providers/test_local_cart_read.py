"""The local provider's cart read (a few raw queries plus the process's catalogue cache) answers
exactly what the ORM answers, for any cart: lines short of stock or repriced, every redemption,
addresses, pick-up, guests, customers and buy-now carts; in a number of queries that does not
grow with the lines; and never from a catalogue a transaction has changed and not committed."""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.db import connection, transaction
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from storefront.providers.base import CartContext
from storefront.providers.local import catalogue_cache
from storefront.providers.local import models as m
from storefront.providers.local.cart_view_orm import build_cart_orm, orm_cart
from storefront.providers.local.catalogue_version import VERSION_KEY, bump
from storefront.providers.local.provider import LocalProvider
from storefront.providers.types import Cart

D = Decimal
SHOPPER_EMAIL = "shopper@demo.local"

OWNERS = ("guest", "guest-by-session", "shopper", "member", "buy-now-guest", "buy-now-shopper")
COUPONS = (None, "WELCOME10", "FLAT100", "STYLE20", "DIWALI50", "ONCEEACH", "USEDUP")
PINCODES = ("", "560001", "110001", "794001", "999999", "123456")  # the last: not in the table
STATES = ("Karnataka", "Delhi", "Kerala")


@contextmanager
def committed():
    """The on-commit callbacks run, as when a transaction commits (the tests' never does)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        yield


@contextmanager
def rolled_back():
    """One example's rows, undone afterwards; the shared and the process's caches forgotten."""
    try:
        with transaction.atomic():
            yield
            transaction.set_rollback(True)
    finally:
        cache.clear()
        catalogue_cache.forget()


def same(fast: Cart, reference: Cart) -> None:
    assert fast == reference
    # Decimal('179') == Decimal('179.00'): the reprs also compare exponents, which markers show
    assert repr(fast) == repr(reference)


# ---------------------------------------------------------------------------- random carts

line_plans = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=10_000),  # which size (modulo the catalogue)
        st.one_of(st.integers(min_value=1, max_value=3), st.integers(min_value=1, max_value=12)),  # quantity
        st.sampled_from(["same", "cheaper", "dearer"]),  # price when added vs now
        st.sampled_from([50, 50, 50, None, 0, 1, 2]),  # stock now (None: as seeded, often 0 for sizes)
    ),
    max_size=8,
    unique_by=lambda t: t[0],
)

address_plans = st.one_of(
    st.none(), st.tuples(st.sampled_from(PINCODES[1:]), st.sampled_from(STATES), st.booleans())
)

redemption_plans = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {
            "coupon": st.sampled_from(COUPONS),
            "points": st.sampled_from([None, "all", 0, 40, 100, 5000]),
            "credit": st.booleans(),
            "cards": st.lists(
                st.sampled_from(["GIFT-DEMO-0001", "GIFT-PROP-0002", "GIFT-PROP-ZERO"]), unique=True
            ),
            "pickup": st.one_of(st.none(), st.integers(min_value=0, max_value=2)),
            "pickup_contact": st.booleans(),
            "shipping": address_plans,
            "billing_other": st.booleans(),
            "gift_message": st.sampled_from(["", "Happy Diwali!"]),
            "gstin": st.sampled_from(["", "29ABCDE1234F1Z5"]),
        }
    ),
)

cart_plans = st.fixed_dictionaries(
    {
        "owner": st.sampled_from(OWNERS),
        "lines": line_plans,
        "redemptions": redemption_plans,
        "pincode": st.sampled_from(PINCODES),
        "staff_user": st.sampled_from(["", "Ravi (staff)"]),
        "coupon_orders": st.integers(min_value=0, max_value=2),
        "renamed": st.booleans(),
        # after the first reads: one size of the cart gets another price or stock, its product a
        # new name
        "later": st.one_of(
            st.none(),
            st.tuples(
                st.integers(min_value=0, max_value=100),
                st.sampled_from(["price", "stock", "name"]),
            ),
        ),
    }
)


def _user(owner: str):
    User = get_user_model()
    if owner.endswith("shopper"):
        return User.objects.get(email=SHOPPER_EMAIL)
    if owner == "member":  # signed in, without points or credit
        return User.objects.get_or_create(
            username="member@prop.local", defaults={"email": "member@prop.local"}
        )[0]
    return None


def _extras() -> None:
    """Coupons and cards the demo lacks: a per-customer limit, one used up, a second and an empty card."""
    m.Coupon.objects.create(
        code="ONCEEACH", title="Once each", kind="flat", value=D("75"), per_customer_limit=1
    )
    m.Coupon.objects.create(
        code="USEDUP", title="Used up", kind="percent", value=D("5"), total_limit=1, used_count=1
    )
    for code, balance in (("GIFT-PROP-0002", "120.50"), ("GIFT-PROP-ZERO", "0.00")):
        m.GiftCard.objects.create(code=code, pin_hash=make_password("0000"), balance=D(balance))


def _address(user, plan, name: str) -> m.Address:
    pincode, state, _ = plan
    return m.Address.objects.create(
        user=user,
        name=name,
        phone="9845012345",
        line1="7 Residency Road",
        line2="" if state == "Delhi" else "Ashok Nagar",
        city="Somewhere",
        state=state,
        pincode=pincode,
    )


def make_cart(plan: dict) -> tuple[m.LocalCart, CartContext]:
    """The cart the plan describes, written straight to the tables (any state, even one the
    services would refuse), and the context that finds it."""
    _extras()
    owner = plan["owner"]
    user = _user(owner)
    buy_now = owner.startswith("buy-now")
    session_key = uuid.uuid4().hex
    cart = m.LocalCart.objects.create(
        user=user,
        buy_now=buy_now,
        staff_user=plan["staff_user"],
        session_key=session_key if owner == "guest-by-session" else "",
    )
    sizes = list(m.Variant.objects.order_by("pk"))
    seen: set[int] = set()
    with committed():  # price changes are catalogue writes: committed, so the cache is in play
        for pick, quantity, price_then, stock in plan["lines"]:
            variant = sizes[pick % len(sizes)]
            if variant.pk in seen:
                continue
            seen.add(variant.pk)
            delta = {"same": D("0"), "cheaper": D("-10.50"), "dearer": D("25.00")}[price_then]
            m.LocalCartLine.objects.create(
                cart=cart, variant=variant, quantity=quantity, price_at_add=variant.price - delta
            )
            if stock is not None:
                m.Variant.objects.filter(pk=variant.pk).update(stock=stock)
            if price_then == "dearer":  # the price dropped since: a catalogue write
                m.Variant.objects.filter(pk=variant.pk).update(price=variant.price - D("0.50"))
        if plan["renamed"] and seen:
            first = m.Variant.objects.get(pk=min(seen)).product
            m.Product.objects.filter(pk=first.pk).update(name=first.name + " (new pack)")
    red_plan = plan["redemptions"]
    if red_plan is not None:
        _redemptions(cart, user, red_plan, plan["coupon_orders"])
    ctx = CartContext(
        cart_id=None if owner in ("shopper", "member", "guest-by-session") else str(cart.pk),
        customer=_person(user),
        pincode=plan["pincode"],
        buy_now=buy_now,
        session_key=session_key,
    )
    return cart, ctx


def _person(user):
    from carts.session import person_for

    return person_for(user)


def _redemptions(cart: m.LocalCart, user, plan: dict, coupon_orders: int) -> None:
    coupon = m.Coupon.objects.get(code=plan["coupon"]) if plan["coupon"] else None
    stores = list(m.Store.objects.order_by("pk"))
    store = stores[plan["pickup"]] if plan["pickup"] is not None else None
    shipping = _address(user, plan["shipping"], "Meera Iyer") if plan["shipping"] else None
    billing = shipping
    if shipping and plan["billing_other"]:
        billing = _address(user, ("110001", "Delhi", True), "Accounts")
    points = plan["points"]
    m.CartRedemptions.objects.create(
        cart=cart,
        coupon=coupon,
        points_all=points == "all",
        points_requested=points if isinstance(points, int) else None,
        use_credit=plan["credit"],
        has_gift_cards=bool(plan["cards"]),
        gift_message=plan["gift_message"],
        gstin=plan["gstin"],
        order_type="PickAtStore" if store else "HomeDelivery",
        pickup_store=store,
        pickup_name="Meera" if plan["pickup_contact"] else "",
        pickup_phone="9845012345" if plan["pickup_contact"] else "",
        shipping_address=shipping,
        billing_address=billing,
    )
    for code in plan["cards"]:
        m.CartGiftCard.objects.create(cart=cart, gift_card=m.GiftCard.objects.get(code=code))
    for i in range(coupon_orders if coupon and user else 0):
        old = m.LocalCart.objects.create(user=user, status=m.LocalCart.Status.ORDERED)
        m.Order.objects.create(
            number=f"KCPROP{i}",
            idempotency_key=uuid.uuid4().hex,
            cart=old,
            user=user,
            status=m.Order.Status.PLACED if i == 0 else m.Order.Status.CANCELLED,
            payment_mode="cod",
            total=D("100.00"),
            breakup=[],
            coupon=coupon,
        )


# ---------------------------------------------------------------------------- the property


def _plan(owner: str = "shopper", lines=((7, 1, "same", 50), (30, 2, "dearer", 50)), **redemptions) -> dict:
    """A plan the property always tries, besides the random ones."""
    red = {
        "coupon": None,
        "points": None,
        "credit": False,
        "cards": [],
        "pickup": None,
        "pickup_contact": False,
        "shipping": None,
        "billing_other": False,
        "gift_message": "",
        "gstin": "",
    }
    red.update(redemptions)
    return {
        "owner": owner,
        "lines": list(lines),
        "redemptions": red,
        "pincode": "560001",
        "staff_user": "",
        "coupon_orders": 1,
        "renamed": False,
        "later": (1, "price"),
    }


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=cart_plans)
# a coupon the owner has already used as often as allowed
@example(plan=_plan(coupon="ONCEEACH"))
# everything at once, delivered out of state
@example(
    plan=_plan(
        coupon="FLAT100",
        points="all",
        credit=True,
        cards=["GIFT-DEMO-0001", "GIFT-PROP-0002"],
        shipping=("110001", "Delhi", True),
        billing_other=True,
        gstin="29ABCDE1234F1Z5",
    )
)
# picked up in store by a guest, with a scoped coupon; an address we do not deliver to
@example(plan=_plan("guest", coupon="STYLE20", pickup=1, pickup_contact=True))
@example(plan=_plan("buy-now-shopper", shipping=("999999", "Karnataka", False), cards=["GIFT-PROP-ZERO"]))
def test_the_fast_cart_equals_the_cart_built_through_the_orm(demo, plan):
    provider = LocalProvider()
    with rolled_back():
        cart, ctx = make_cart(plan)
        reference = build_cart_orm(orm_cart(cart.pk), ctx, provider.capabilities)

        # read as the cart page reads it (found from the context), twice: cold, then warm
        same(provider.get_cart(ctx), reference)
        same(provider.get_cart(ctx), reference)
        # read as a write reads it back (by id), and as the checkout does (from the database)
        same(provider._build_cart(cart, ctx), reference)
        same(provider._build_cart(cart, ctx, fresh_catalogue=True), reference)
        assert provider.cart_count(ctx) == reference.count

        # a catalogue write commits after the process read the cart: it reads the new rows
        if plan["later"] is not None and reference.lines:
            pick, change = plan["later"]
            variant = m.Variant.objects.get(pk=int(reference.lines[pick % len(reference.lines)].variant.id))
            with committed():
                if change == "price":
                    m.Variant.objects.filter(pk=variant.pk).update(price=variant.price + D("3.25"))
                elif change == "stock":  # no new version: stock is read with every cart
                    m.Variant.objects.filter(pk=variant.pk).update(stock=variant.stock + 7)
                else:
                    product = variant.product
                    product.name = "Renamed " + product.name
                    product.save()
            changed = build_cart_orm(orm_cart(cart.pk), ctx, provider.capabilities)
            assert changed != reference
            same(provider.get_cart(ctx), changed)


def test_the_reference_and_the_fast_read_agree_on_an_empty_context(demo):
    provider = LocalProvider()
    ctx = CartContext(pincode="560001")

    same(provider.get_cart(ctx), build_cart_orm(None, ctx, provider.capabilities))
    assert provider.cart_count(ctx) == 0


# ---------------------------------------------------------------------------- queries


def _cart_with(demo, lines: int, *, card: bool = False) -> tuple[m.LocalCart, CartContext]:
    cart = m.LocalCart.objects.create(session_key="q")
    for variant in m.Variant.objects.filter(stock__gt=5).order_by("pk")[:lines]:
        m.LocalCartLine.objects.create(cart=cart, variant=variant, quantity=1, price_at_add=variant.price)
    if card:
        m.CartRedemptions.objects.create(cart=cart, has_gift_cards=True)
        m.CartGiftCard.objects.create(cart=cart, gift_card=m.GiftCard.objects.get(code="GIFT-DEMO-0001"))
    return cart, CartContext(cart_id=str(cart.pk), pincode="560001")


def _queries(ctx: CartContext) -> int:
    with CaptureQueriesContext(connection) as captured:
        LocalProvider().get_cart(ctx)
    return len(captured)


@pytest.mark.parametrize("lines", [1, 10])
def test_a_warm_read_costs_the_cart_row_and_the_lines_with_their_stock(demo, lines):
    _cart, ctx = _cart_with(demo, lines)
    LocalProvider().get_cart(ctx)  # the process now holds the products

    assert _queries(ctx) == 2


@pytest.mark.parametrize("lines", [1, 10])
def test_gift_cards_cost_one_query_and_a_cold_catalogue_one_more(demo, lines):
    _cart, ctx = _cart_with(demo, lines, card=True)
    LocalProvider().get_cart(ctx)
    assert _queries(ctx) == 3

    catalogue_cache.forget()

    assert _queries(ctx) == 4  # every product of the cart in one query


def test_a_new_version_reloads_the_catalogue_once(demo):
    _cart, ctx = _cart_with(demo, 10)
    LocalProvider().get_cart(ctx)

    bump()  # another process committed a catalogue write

    assert _queries(ctx) == 3
    assert _queries(ctx) == 2


def test_no_cart_costs_no_query(demo):
    assert _queries(CartContext(pincode="560001")) == 0


def test_the_badge_count_is_one_query(demo):
    _cart, ctx = _cart_with(demo, 10)

    with CaptureQueriesContext(connection) as captured:
        count = LocalProvider().cart_count(ctx)

    assert count == 10
    assert len(captured) == 1


# ---------------------------------------------------------------------------- the cache and transactions


def test_the_process_serves_prices_from_its_cache_until_the_version_changes(demo):
    # given a cart read once, and a price changed behind the model layer's back (no new version)
    cart, ctx = _cart_with(demo, 1)
    line = cart.lines.get()
    before = LocalProvider().get_cart(ctx).lines[0].unit_price
    table = connection.ops.quote_name(m.Variant._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET price = %s WHERE id = %s", [str(before + 1), line.variant_id])  # noqa: S608

    # then the process keeps its copy: the version is what tells it
    assert LocalProvider().get_cart(ctx).lines[0].unit_price == before
    bump()
    assert LocalProvider().get_cart(ctx).lines[0].unit_price == before + 1


def test_a_cache_flush_makes_the_process_read_the_catalogue_again(demo):
    _cart, ctx = _cart_with(demo, 3)
    LocalProvider().get_cart(ctx)

    cache.delete(VERSION_KEY)

    assert _queries(ctx) == 3
    assert cache.get(VERSION_KEY) is not None


def test_a_transaction_sees_its_own_catalogue_writes_and_a_rollback_leaves_no_trace(demo):
    cart, ctx = _cart_with(demo, 1)
    variant = cart.lines.get().variant
    provider = LocalProvider()
    provider.get_cart(ctx)

    with transaction.atomic():
        m.Variant.objects.filter(pk=variant.pk).update(price=D("1.00"))
        assert provider.get_cart(ctx).lines[0].unit_price == D("1.00")
        assert _queries(ctx) == 3, "read from the database while the write is not committed"
        transaction.set_rollback(True)

    assert provider.get_cart(ctx).lines[0].unit_price == variant.price
    assert _queries(ctx) == 2, "held again once the transaction is over"


# ---------------------------------------------------------------------------- whose cart


def test_the_raw_read_and_the_write_path_find_the_same_cart_for_every_context(demo, shopper):
    # given a guest's cart, the customer's cart and buy-now carts of each
    provider = LocalProvider()
    me = _person(shopper)
    guest = m.LocalCart.objects.create(session_key="browser-1")
    mine = m.LocalCart.objects.create(user=shopper)
    guest_now = m.LocalCart.objects.create(buy_now=True)
    my_now = m.LocalCart.objects.create(user=shopper, buy_now=True)
    closed = m.LocalCart.objects.create(status=m.LocalCart.Status.ORDERED)
    expected = [
        (CartContext(cart_id=str(guest.pk)), guest),
        (CartContext(session_key="browser-1"), guest),
        (CartContext(session_key="browser-2"), None),
        (CartContext(cart_id="not-a-uuid"), None),
        (CartContext(cart_id=str(mine.pk)), None),  # a guest never reaches a customer's cart
        (CartContext(cart_id=str(closed.pk)), None),
        (CartContext(customer=me, cart_id=str(guest.pk)), mine),  # signed in: their cart
        (CartContext(cart_id=str(guest_now.pk), buy_now=True), guest_now),
        (CartContext(cart_id=str(my_now.pk), buy_now=True), None),
        (CartContext(customer=me, cart_id=str(my_now.pk), buy_now=True), my_now),
        (CartContext(customer=me, cart_id=str(guest_now.pk), buy_now=True), guest_now),
        (CartContext(customer=me, cart_id=str(guest.pk), buy_now=True), None),
        (CartContext(customer=me, buy_now=True), None),
    ]
    for ctx, cart in expected:
        # when each reads it / then the read and the write path agree with what is expected
        assert provider.get_cart(ctx).id == (str(cart.pk) if cart else ""), ctx
        assert provider._find_cart(ctx) == cart, ctx
