"""The local cart as the shopper sees it: a LocalCart row, its lines and its redemptions turned
into the one `types.Cart`, priced by pricing.py.

`build_cart` is the only way in; each function below it reads one part of the rows (a line, the
wallet, the redemptions, what blocks the checkout) and returns one part of the Cart.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch

from storefront.money import ZERO, format_inr
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
    Redemption,
)

from . import models as m
from .catalog import map_product, map_variant, serviceable_promise
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
    coupon_eligible,
    coupon_static_problem,
    coupon_terms,
    map_address,
    map_meta,
    redemptions_of,
)

MSG_SHORT_STOCK_LINE = "Only {stock} left. Reduce the quantity to check out."
MSG_PRICE_DOWN = "Price dropped from {old} to {new} since you added it."
MSG_PRICE_UP = "Price went up from {old} to {new} since you added it."
MSG_ADDRESS_UNSERVICEABLE = "We don't deliver to {pincode} yet: choose another address or pick up in store."
MSG_CARD_LEFT = "{amount} left on the card after this order"


@dataclass(frozen=True, slots=True)
class Wallet:
    """What the cart's owner pays with besides money, as read with the cart."""

    loyalty: m.LoyaltyAccount | None
    credit: m.StoreCredit | None
    cards: tuple[m.GiftCard, ...]


def build_cart(cart: m.LocalCart | None, ctx: CartContext, capabilities: frozenset[Capability]) -> Cart:
    if cart is None:
        return empty_cart(ctx, capabilities)
    red = redemptions_of(cart)
    coupon = red.coupon if red else None
    meta = map_meta(red)
    shipping = map_address(red.shipping_address) if red else None
    pincode = shipping.pincode if shipping else ctx.pincode
    pin, promise = serviceable_promise(pincode)
    lines, priced = map_lines(cart, coupon, promise)
    wallet = wallet_of(cart, red)
    inputs = redemption_inputs(
        red, coupon_terms_of(coupon, cart.user_id), wallet, is_intra_state(meta, shipping)
    )
    result = price_cart(priced, inputs, delivery_charge=delivery_charge(meta))
    home_delivery = meta.order_type == OrderType.HOME_DELIVERY
    return Cart(
        id=str(cart.pk),
        lines=lines,
        breakup=result.rows,
        count=sum(ln.quantity for ln in lines),
        capabilities=capabilities,
        redemptions=redemption_rows(coupon, result, wallet.cards),
        delivery_promise=promise if priced and home_delivery else None,
        pincode=pincode,
        checkout_blocked=checkout_blocked(lines, meta, shipping, pin),
        staff_user=cart.staff_user,
        coupon_code=coupon.code if coupon else "",
        loyalty=loyalty_summary(wallet.loyalty, result),
        credit=credit_summary(wallet.credit, red, result),
        meta=meta,
        shipping_address=shipping,
        billing_address=map_address(red.billing_address) if red else None,
        buy_now=cart.buy_now,
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
def cart_lines(cart: m.LocalCart):
    return (
        m.LocalCartLine.objects.filter(cart=cart)
        .select_related("variant__product__brand", "variant__product__category")
        .prefetch_related(Prefetch("variant__product__variants"))
    )


def map_lines(
    cart: m.LocalCart, coupon: m.Coupon | None, promise: DeliveryPromise | None
) -> tuple[tuple[CartLine, ...], tuple[PricedLine, ...]]:
    """Every line as shown, and the available ones as priced (a line short of stock is shown
    with its message but costs nothing until it is fixed)."""
    lines: list[CartLine] = []
    priced: list[PricedLine] = []
    for row in cart_lines(cart):
        line = map_line(row, promise)
        lines.append(line)
        if line.available:
            priced.append(
                PricedLine(
                    line.unit_mrp,
                    line.unit_price,
                    line.quantity,
                    Decimal(line.product.gst_rate or 0),
                    coupon_eligible=coupon_eligible(coupon, row.variant.product),
                )
            )
    return tuple(lines), tuple(priced)


def map_line(row: m.LocalCartLine, promise: DeliveryPromise | None) -> CartLine:
    variant = row.variant
    available = variant.stock >= row.quantity
    return CartLine(
        id=str(row.pk),
        product=map_product(variant.product),
        variant=map_variant(variant),
        quantity=row.quantity,
        unit_mrp=variant.mrp,
        unit_price=variant.price,
        line_mrp=variant.mrp * row.quantity,
        line_total=variant.price * row.quantity,
        available=available,
        messages=line_messages(row, variant),
        delivery_promise=promise if available else None,
        price_at_add=row.price_at_add,
    )


def line_messages(row: m.LocalCartLine, variant: m.Variant) -> tuple[Message, ...]:
    """Short of stock (an error: it stops the checkout), and the price since it was added."""
    messages: list[Message] = []
    if variant.stock < row.quantity:
        text = (
            MSG_LINE_OUT_OF_STOCK if variant.stock <= 0 else MSG_SHORT_STOCK_LINE.format(stock=variant.stock)
        )
        messages.append(Message(text, MessageLevel.ERROR))
    if row.price_at_add != variant.price:
        dropped = variant.price < row.price_at_add
        template = MSG_PRICE_DOWN if dropped else MSG_PRICE_UP
        text = template.format(old=format_inr(row.price_at_add), new=format_inr(variant.price))
        messages.append(Message(text, MessageLevel.INFO if dropped else MessageLevel.WARNING))
    return tuple(messages)


# ------------------------------------------------------------------------------------ pricing inputs
def wallet_of(cart: m.LocalCart, red: m.CartRedemptions | None) -> Wallet:
    """Points and credit come with the cart's owner (joined); gift cards cost a query, and only
    when the cart has some."""
    cards = (
        tuple(use.gift_card for use in m.CartGiftCard.objects.filter(cart=cart).select_related("gift_card"))
        if red and red.has_gift_cards
        else ()
    )
    return Wallet(
        loyalty=getattr(cart.user, "loyalty", None) if cart.user_id else None,
        credit=getattr(cart.user, "store_credit", None) if cart.user_id else None,
        cards=cards,
    )


def coupon_terms_of(coupon: m.Coupon | None, user_id: int | None) -> CouponTerms | None:
    """The coupon's terms, or terms that give nothing and say why (expired, used up, ...)."""
    if coupon is None:
        return None
    problem = coupon_static_problem(coupon, user_id=user_id)
    return coupon_terms(coupon) if not problem else CouponTerms(code=coupon.code, blocked=problem)


def is_intra_state(meta: CartMeta, shipping: Address | None) -> bool | None:
    """Whether GST splits into CGST + SGST: the goods stay in our state (None: not known yet)."""
    if meta.order_type == OrderType.PICK_AT_STORE and meta.pickup_store:
        return meta.pickup_store.state == settings.STORE_STATE
    return (shipping.state == settings.STORE_STATE) if shipping else None


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
    lines: tuple[CartLine, ...], meta: CartMeta, shipping: Address | None, pin: m.Pincode | None
) -> str:
    """Why the checkout cannot go ahead, or empty: lines short of stock, a delivery address we do
    not deliver to."""
    blocked: list[str] = []
    if any(not ln.available for ln in lines):
        blocked.append(MSG_CHECKOUT_BLOCKED)
    if meta.order_type == OrderType.HOME_DELIVERY and shipping and (pin is None or not pin.serviceable):
        blocked.append(MSG_ADDRESS_UNSERVICEABLE.format(pincode=shipping.pincode))
    return " ".join(blocked)
