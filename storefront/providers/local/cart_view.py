"""The local cart as the shopper sees it: the cart's rows turned into the one `types.Cart`, priced
by pricing.py.

`build_cart` is the way in. It reads the cart with a few raw queries (cart_read.py), takes what
the products are from the process's catalogue cache (catalogue_cache.py, checked against the
catalogue version) and everything else it needs from the shared cache in one round trip.
`priced_cart` and the small functions below it turn those rows into the Cart, one part each;
cart_view_orm.py builds the same Cart through the ORM, as the reference the tests compare with.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache

from storefront.money import ZERO, format_inr
from storefront.places import canonical_state, place_of_supply
from storefront.providers.base import CartContext
from storefront.providers.messages import MSG_CHECKOUT_BLOCKED, MSG_LINE_OUT_OF_STOCK
from storefront.providers.types import (
    Address,
    Capability,
    Cart,
    CartLine,
    CartMeta,
    CreditSummary,
    DeliveryPromise,
    LoyaltySummary,
    Message,
    MessageLevel,
    OrderType,
    Product,
    Redemption,
    Variant,
)

from . import models as m
from .cart_read import CartHead, LineRow, read_gift_cards, read_lines
from .catalog import pincode_key, serviceable_promise
from .catalogue_cache import CatalogueEntry, catalogue_for
from .catalogue_version import VERSION_KEY, current_version
from .pricing import (
    DELIVERY_CHARGE,
    POINT_VALUE,
    CouponTerms,
    GiftCardBalance,
    PricedLine,
    PriceResult,
    RedemptionInputs,
    compute_breakup,
    price_cart,
)
from .redemptions import (
    CouponScope,
    coupon_scope,
    coupon_scope_key,
    coupon_static_problem,
    coupon_terms,
    in_scope,
    map_address,
    map_meta,
)

MSG_SHORT_STOCK_LINE = "Only {stock} left. Reduce the quantity to check out."
MSG_PRICE_DOWN = "Price dropped from {old} to {new} since you added it."
MSG_PRICE_UP = "Price went up from {old} to {new} since you added it."
MSG_PINCODE_BLOCKS = "We don't deliver to {pincode} yet. Enter another pincode to continue."
MSG_ADDRESS_UNSERVICEABLE = "We don't deliver to {pincode} yet: choose another address or pick up in store."
MSG_CARD_LEFT = "{amount} left on the card after this order"


@dataclass(frozen=True, slots=True)
class Wallet:
    """What the cart's owner pays with besides money, as read with the cart."""

    loyalty: m.LoyaltyAccount | None
    credit: m.StoreCredit | None
    cards: tuple[m.GiftCard, ...]


@dataclass(frozen=True, slots=True)
class SharedReads:
    """What a cart read takes from the shared cache, asked in one round trip."""

    version: str  # the catalogue version
    pincode: object  # the pincode's cached row (a Pincode, False: unknown, None: not cached)
    scope: CouponScope | None  # the coupon's scope (None: no coupon)


def build_cart(
    head: CartHead | None,
    ctx: CartContext,
    capabilities: frozenset[Capability],
    *,
    fresh_catalogue: bool = False,
) -> Cart:
    """The cart of `head` (cart_read.read_head), priced. `fresh_catalogue`: prices and products
    from the database rather than the process's cache (the checkout charges what it reads)."""
    if head is None:
        return empty_cart(ctx, capabilities)
    red = head.redemptions
    shipping = map_address(red.shipping_address) if red else None
    pincode = shipping.pincode if shipping else ctx.pincode
    shared = shared_reads(pincode, head.coupon)
    pin, promise = serviceable_promise(pincode, found=shared.pincode)
    rows, stock, sizes = read_lines(head.id)
    catalogue = catalogue_for(shared.version, sizes, fresh=fresh_catalogue)
    lines, priced = map_lines(rows, stock, catalogue, shared.scope, promise)
    cards = read_gift_cards(head.id) if red and red.has_gift_cards else ()
    return priced_cart(
        head, ctx, capabilities, lines=lines, priced=priced, cards=cards, pin=pin, promise=promise
    )


def shared_reads(pincode: str, coupon: m.Coupon | None) -> SharedReads:
    """The catalogue version, the pincode's row and the coupon's scope: one cache round trip."""
    pin_key = pincode_key(pincode) if pincode else None
    scope_key = coupon_scope_key(coupon.pk) if coupon is not None else None
    found = cache.get_many([key for key in (VERSION_KEY, pin_key, scope_key) if key])
    return SharedReads(
        version=current_version(found.get(VERSION_KEY)),
        pincode=found.get(pin_key) if pin_key else None,
        scope=coupon_scope(coupon, found=found.get(scope_key)) if coupon is not None else None,
    )


def priced_cart(
    head: CartHead,
    ctx: CartContext,
    capabilities: frozenset[Capability],
    *,
    lines: tuple[CartLine, ...],
    priced: tuple[PricedLine, ...],
    cards: tuple[m.GiftCard, ...],
    pin: m.Pincode | None,
    promise: DeliveryPromise | None,
) -> Cart:
    """The Cart from the cart's rows, however they were read."""
    red = head.redemptions
    coupon = head.coupon
    meta = map_meta(red)
    shipping = map_address(red.shipping_address) if red else None
    wallet = Wallet(loyalty=head.loyalty, credit=head.credit, cards=cards)
    inputs = redemption_inputs(
        red,
        coupon_terms_of(coupon, head.user_id, head.coupon_uses),
        wallet,
        is_intra_state(meta, shipping, pin),
    )
    result = price_cart(priced, inputs, delivery_charge=delivery_charge(meta))
    home_delivery = meta.order_type == OrderType.HOME_DELIVERY
    return Cart(
        id=str(head.id),
        lines=lines,
        breakup=result.rows,
        count=sum(ln.quantity for ln in lines),
        capabilities=capabilities,
        redemptions=redemption_rows(coupon, result, wallet.cards),
        delivery_promise=promise if priced and home_delivery else None,
        pincode=shipping.pincode if shipping else ctx.pincode,
        checkout_blocked=checkout_blocked(lines, meta, shipping, pin, ctx.pincode),
        staff_user=head.staff_user,
        coupon_code=coupon.code if coupon else "",
        loyalty=loyalty_summary(wallet.loyalty, result),
        credit=credit_summary(wallet.credit, red, result),
        meta=meta,
        shipping_address=shipping,
        billing_address=map_address(red.billing_address) if red else None,
        buy_now=head.buy_now,
    )


def empty_cart(ctx: CartContext, capabilities: frozenset[Capability]) -> Cart:
    """No cart row yet: nothing in it, priced as nothing."""
    return Cart(
        id="",
        lines=(),
        breakup=compute_breakup(()),
        count=0,
        capabilities=capabilities,
        pincode=ctx.pincode,
        buy_now=ctx.buy_now,
    )


# ------------------------------------------------------------------------------------ lines
def map_lines(
    rows: Sequence[LineRow],
    stock: Mapping[int, int],
    catalogue: Mapping[int, CatalogueEntry],
    scope: CouponScope | None,
    promise: DeliveryPromise | None,
) -> tuple[tuple[CartLine, ...], tuple[PricedLine, ...]]:
    """Every line as shown, and the available ones as priced (a line short of stock is shown
    with its message but costs nothing until it is fixed)."""
    lines: list[CartLine] = []
    priced: list[PricedLine] = []
    for row in rows:
        entry = catalogue.get(row.product_id)
        product = entry.with_stock(stock) if entry else None
        variant = entry.variant(product, row.variant_id) if entry else None
        if variant is None:  # the product was deleted (with its lines) since the lines were read
            continue
        line = cart_line(row.id, product, variant, row.quantity, row.price_at_add, promise)
        lines.append(line)
        if line.available:
            eligible = in_scope(scope, category_id=entry.category_id, product_id=row.product_id)
            priced.append(priced_line(line, coupon_eligible=eligible))
    return tuple(lines), tuple(priced)


def cart_line(
    line_id: int,
    product: Product,
    variant: Variant,
    quantity: int,
    price_at_add: Decimal,
    promise: DeliveryPromise | None,
) -> CartLine:
    available = variant.stock >= quantity
    return CartLine(
        id=str(line_id),
        product=product,
        variant=variant,
        quantity=quantity,
        unit_mrp=variant.mrp,
        unit_price=variant.price,
        line_mrp=variant.mrp * quantity,
        line_total=variant.price * quantity,
        available=available,
        messages=line_messages(variant, quantity, price_at_add),
        delivery_promise=promise if available else None,
        price_at_add=price_at_add,
    )


def priced_line(line: CartLine, *, coupon_eligible: bool) -> PricedLine:
    return PricedLine(
        line.unit_mrp,
        line.unit_price,
        line.quantity,
        Decimal(line.product.gst_rate or 0),
        coupon_eligible=coupon_eligible,
    )


def line_messages(variant: Variant, quantity: int, price_at_add: Decimal) -> tuple[Message, ...]:
    """Short of stock (an error: it stops the checkout), and the price since it was added."""
    messages: list[Message] = []
    if variant.stock < quantity:
        text = (
            MSG_LINE_OUT_OF_STOCK if variant.stock <= 0 else MSG_SHORT_STOCK_LINE.format(stock=variant.stock)
        )
        messages.append(Message(text, MessageLevel.ERROR))
    if price_at_add != variant.price:
        dropped = variant.price < price_at_add
        template = MSG_PRICE_DOWN if dropped else MSG_PRICE_UP
        text = template.format(old=format_inr(price_at_add), new=format_inr(variant.price))
        messages.append(Message(text, MessageLevel.INFO if dropped else MessageLevel.WARNING))
    return tuple(messages)


# ------------------------------------------------------------------------------------ pricing inputs
def coupon_terms_of(
    coupon: m.Coupon | None, user_id: int | None, customer_uses: int | None = None
) -> CouponTerms | None:
    """The coupon's terms, or terms that give nothing and say why (expired, used up, ...)."""
    if coupon is None:
        return None
    problem = coupon_static_problem(coupon, user_id=user_id, customer_uses=customer_uses)
    return coupon_terms(coupon) if not problem else CouponTerms(code=coupon.code, blocked=problem)


def is_intra_state(meta: CartMeta, shipping: Address | None, pin: m.Pincode | None = None) -> bool | None:
    """Whether GST splits into CGST + SGST: the goods stay in our state (None: not known yet).
    The place of supply comes from the delivery pincode (storefront.places: the pincode table's
    row `pin`, else the pincode's first digits), never from how the state was typed."""
    store_state = canonical_state(settings.STORE_STATE) or settings.STORE_STATE
    if meta.order_type == OrderType.PICK_AT_STORE and meta.pickup_store:
        store = meta.pickup_store
        return place_of_supply(store.pincode, store.state) == store_state
    if shipping is None:
        return None
    known = pin.state if pin is not None and pin.code == shipping.pincode else None
    return place_of_supply(shipping.pincode, shipping.state, known_state=known) == store_state


def redemption_inputs(
    red: m.CartRedemptions | None, terms: CouponTerms | None, wallet: Wallet, intra_state: bool | None
) -> RedemptionInputs:
    return RedemptionInputs(
        coupon=terms,
        points_balance=wallet.loyalty.points if wallet.loyalty else 0,
        points_requested=red.points_requested if red else None,
        points_all=bool(red and red.points_all),
        gift_cards=[GiftCardBalance(c.code, c.balance) for c in wallet.cards],
        credit_balance=wallet.credit.balance if wallet.credit else ZERO,
        use_credit=bool(red and red.use_credit),
        intra_state=intra_state,
    )


def delivery_charge(meta: CartMeta) -> Decimal:
    return ZERO if meta.order_type == OrderType.PICK_AT_STORE else DELIVERY_CHARGE


# ------------------------------------------------------------------------------------ what pricing took
def redemption_rows(
    coupon: m.Coupon | None, result: PriceResult, cards: tuple[m.GiftCard, ...]
) -> tuple[Redemption, ...]:
    """One row per redemption on the cart, in the order they apply; every gift card is listed,
    with what it pays and what it keeps."""
    rows: list[Redemption] = []
    if coupon is not None:
        rows.append(Redemption("coupon", coupon.code, result.coupon_amount, coupon.title))
    if result.points_used:
        rows.append(Redemption("loyalty_points", str(result.points_used), result.points_used * POINT_VALUE))
    used = dict(result.gift_card_uses)
    for card in cards:
        paid = used.get(card.code, ZERO)
        left = MSG_CARD_LEFT.format(amount=format_inr(card.balance - paid))
        rows.append(Redemption("gift_card", card.code, paid, left))
    if result.credit_used:
        rows.append(Redemption("credit_balance", "", result.credit_used))
    return tuple(rows)


def loyalty_summary(loyalty: m.LoyaltyAccount | None, result: PriceResult) -> LoyaltySummary | None:
    if loyalty is None:
        return None
    return LoyaltySummary(
        balance=loyalty.points,
        applicable=result.points_applicable,
        applied=result.points_used,
        point_value=POINT_VALUE,
    )


def credit_summary(
    credit: m.StoreCredit | None, red: m.CartRedemptions | None, result: PriceResult
) -> CreditSummary | None:
    if credit is None:
        return None
    return CreditSummary(
        balance=credit.balance, applied=result.credit_used, in_use=bool(red and red.use_credit)
    )


def checkout_blocked(
    lines: tuple[CartLine, ...],
    meta: CartMeta,
    shipping: Address | None,
    pin: m.Pincode | None,
    pincode: str = "",
) -> str:
    """Why the checkout cannot go ahead, or empty: lines short of stock, a delivery address we do
    not deliver to."""
    blocked: list[str] = []
    if any(not ln.available for ln in lines):
        blocked.append(MSG_CHECKOUT_BLOCKED)
    if meta.order_type == OrderType.HOME_DELIVERY and shipping and (pin is None or not pin.serviceable):
        blocked.append(MSG_ADDRESS_UNSERVICEABLE.format(pincode=shipping.pincode))
    elif (
        meta.order_type == OrderType.HOME_DELIVERY
        and not shipping
        and pincode
        and (pin is None or not pin.serviceable)
    ):
        # no address yet, but the pincode the shopper checked is one we do not deliver to
        blocked.append(MSG_PINCODE_BLOCKS.format(pincode=pincode))
    return " ".join(blocked)
