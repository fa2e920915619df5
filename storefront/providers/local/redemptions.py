"""Coupons, loyalty points, gift cards, store credit, cart meta and addresses on the local store."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.hashers import check_password
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from storefront.exceptions import GiftCardRejected, NotFound, ProviderRejected
from storefront.money import ZERO
from storefront.providers.base import CartContext
from storefront.providers.messages import (
    MSG_EMPTY_CART,
    MSG_NO_POINTS,
    MSG_SIGN_IN_ADDRESSES,
    MSG_SIGN_IN_POINTS,
    MSG_UNKNOWN_ADDRESS,
)
from storefront.providers.types import (
    Address,
    Cart,
    CartMeta,
    CouponOffer,
    OrderType,
    Store,
)

from . import models as m
from .pricing import CouponTerms, coupon_discount

MSG_COUPON_UNKNOWN = "We don't recognise the coupon code {code}."
MSG_COUPON_EXPIRED = "This coupon has expired."
MSG_COUPON_NOT_YET = "This coupon is not valid yet."
MSG_COUPON_USED_UP = "This coupon has been fully redeemed."
MSG_COUPON_ALREADY_USED = "You have already used this coupon."
MSG_TOO_MANY_POINTS = "You can use at most {n} points on this cart."
MSG_SIGN_IN_CREDIT = "Sign in to use your store credit."
MSG_NO_CREDIT = "You have no store credit."
MSG_GIFT_CARD_BAD = "That gift card number and pin don't match."
MSG_GIFT_CARD_EMPTY = "This gift card has no balance left."
MSG_GIFT_CARD_EXPIRED = "This gift card has expired."
MSG_GIFT_CARD_TWICE = "This gift card is already on your cart."
MSG_GIFT_CARD_NOT_ON_CART = "That gift card is not on your cart."
MSG_NOTHING_TO_PAY = "Your cart is already fully paid; remove a redemption to add another."
MSG_UNKNOWN_STORE = "Choose one of our stores for pick-up."

_SCOPE_CACHE_SECONDS = 60


_NOT_READ = object()
CouponScope = tuple[frozenset[int], frozenset[int]]


def coupon_scope_key(coupon_id: int) -> str:
    return f"localshop:coupon-scope:{coupon_id}"


def coupon_scope(coupon: m.Coupon, *, found=_NOT_READ) -> CouponScope:
    """(category ids, product ids) the coupon is limited to; empty sets mean no limit. Cached:
    scopes change rarely and the cart page must not pay two queries for them. `found`: what a
    cache read of `coupon_scope_key` already answered (a cart read asks for it with the
    catalogue version)."""
    key = coupon_scope_key(coupon.pk)
    scope = cache.get(key) if found is _NOT_READ else found
    if scope is None:
        scope = (
            frozenset(coupon.categories.values_list("id", flat=True)),
            frozenset(coupon.products.values_list("id", flat=True)),
        )
        cache.set(key, scope, _SCOPE_CACHE_SECONDS)
    return scope


def coupon_eligible(coupon: m.Coupon | None, product: m.Product) -> bool:
    if coupon is None:
        return True
    return in_scope(coupon_scope(coupon), category_id=product.category_id, product_id=product.pk)


def in_scope(scope: CouponScope | None, *, category_id: int, product_id: int) -> bool:
    """Whether a coupon with this scope (None: no coupon) counts a product's price."""
    if scope is None:
        return True
    categories, products = scope
    if not categories and not products:
        return True
    return category_id in categories or product_id in products


def coupon_static_problem(
    coupon: m.Coupon,
    *,
    user_id: int | None,
    now: datetime | None = None,
    customer_uses: int | None = None,
) -> str:
    """Why a coupon cannot be used whatever the cart holds, or ''. `customer_uses`: the owner's
    placed orders with it, when already counted (None: counted here)."""
    now = now or timezone.now()
    if not coupon.active or (coupon.valid_until and now >= coupon.valid_until):
        return MSG_COUPON_EXPIRED
    if coupon.valid_from and now < coupon.valid_from:
        return MSG_COUPON_NOT_YET
    if coupon.total_limit is not None and coupon.used_count >= coupon.total_limit:
        return MSG_COUPON_USED_UP
    if coupon.per_customer_limit is not None and user_id is not None:
        used = customer_uses
        if used is None:
            placed = m.Order.objects.filter(coupon=coupon, user_id=user_id, status=m.Order.Status.PLACED)
            used = placed.count()
        if used >= coupon.per_customer_limit:
            return MSG_COUPON_ALREADY_USED
    return ""


def coupon_terms(coupon: m.Coupon) -> CouponTerms:
    percent = coupon.value if coupon.kind == m.Coupon.Kind.PERCENT else None
    flat = coupon.value if coupon.kind == m.Coupon.Kind.FLAT else None
    return CouponTerms(
        code=coupon.code,
        percent=percent,
        flat=flat,
        max_discount=coupon.max_discount,
        min_cart_value=coupon.min_cart_value,
    )


def map_address(a: m.Address | None) -> Address | None:
    if a is None:
        return None
    return Address(
        id=str(a.pk),
        name=a.name,
        phone=a.phone,
        line1=a.line1,
        line2=a.line2,
        city=a.city,
        state=a.state,
        pincode=a.pincode,
        country=a.country,
    )


def map_store(s: m.Store | None) -> Store | None:
    if s is None:
        return None
    return Store(
        id=str(s.pk),
        name=s.name,
        address=s.address,
        city=s.city,
        state=s.state,
        pincode=s.pincode,
        phone=s.phone,
    )


def map_meta(r: m.CartRedemptions | None) -> CartMeta:
    if r is None:
        return CartMeta()
    return CartMeta(
        gift_message=r.gift_message,
        gstin=r.gstin,
        business_name=r.business_name,
        comment=r.comment,
        order_type=OrderType(r.order_type),
        pickup_store=map_store(r.pickup_store),
        pickup_name=r.pickup_name,
        pickup_phone=r.pickup_phone,
    )


def redemptions_of(cart: m.LocalCart) -> m.CartRedemptions | None:
    try:
        return cart.redemptions
    except m.CartRedemptions.DoesNotExist:
        return None


class RedemptionsMixin:
    """Mixed into LocalProvider; uses its _find_cart / _open_cart_for_write / _build_cart."""

    def _redemptions_for_write(self, ctx: CartContext) -> m.CartRedemptions:
        cart = self._find_cart(ctx, lock=True)
        if cart is None:
            raise ProviderRejected(MSG_EMPTY_CART)
        red, _ = m.CartRedemptions.objects.get_or_create(cart=cart)
        red.cart = cart
        return red

    def _done(self, red: m.CartRedemptions, ctx: CartContext) -> Cart:
        red.cart.save(update_fields=["updated_at"])
        return self._build_cart(red.cart, ctx)

    # ------------------------------------------------------------------------ coupons
    def list_coupons(self, ctx: CartContext) -> tuple[CouponOffer, ...]:
        cart = self.get_cart(ctx)
        user_id = int(ctx.customer.id) if ctx.customer else None
        subtotal_row = cart.row("subtotal")
        subtotal = subtotal_row.amount if subtotal_row else ZERO
        variants = {ln.variant.id for ln in cart.lines if ln.available}
        products = {
            v.pk: v.product
            for v in m.Variant.objects.filter(pk__in=[int(v) for v in variants]).select_related("product")
        }
        offers = []
        now = timezone.now()
        for coupon in m.Coupon.objects.filter(active=True).order_by("min_cart_value", "code"):
            problem = coupon_static_problem(coupon, user_id=user_id, now=now)
            if not problem:
                eligible = sum(
                    (
                        ln.line_total
                        for ln in cart.lines
                        if ln.available and coupon_eligible(coupon, products[int(ln.variant.id)])
                    ),
                    ZERO,
                )
                _, problem = coupon_discount(coupon_terms(coupon), eligible, subtotal)
                if not cart.lines:
                    problem = MSG_EMPTY_CART
            offers.append(
                CouponOffer(
                    code=coupon.code,
                    title=coupon.title,
                    description=coupon.description,
                    applicable=not problem,
                    reason=problem,
                    expires_at=coupon.valid_until,
                )
            )
        return tuple(offers)

    def apply_coupon(self, ctx: CartContext, *, code: str) -> Cart:
        code = code.strip().upper()
        with transaction.atomic():
            coupon = m.Coupon.objects.filter(code__iexact=code).first()
            if coupon is None:
                raise ProviderRejected(MSG_COUPON_UNKNOWN.format(code=code), field="code")
            user_id = int(ctx.customer.id) if ctx.customer else None
            problem = coupon_static_problem(coupon, user_id=user_id)
            if problem:
                raise ProviderRejected(problem, field="code")
            red = self._redemptions_for_write(ctx)
            red.coupon = coupon
            red.save(update_fields=["coupon"])
            cart = self._done(red, ctx)
            row = cart.row("coupon")
            if row is None or row.amount == 0:
                # the cart does not qualify: say why; raising rolls the change back, so the
                # coupon that was there before stays
                raise ProviderRejected(
                    row.messages[0] if row and row.messages else MSG_EMPTY_CART, field="code"
                )
            return cart

    def remove_coupon(self, ctx: CartContext) -> Cart:
        with transaction.atomic():
            red = self._redemptions_for_write(ctx)
            red.coupon = None
            red.save(update_fields=["coupon"])
            return self._done(red, ctx)

    # ------------------------------------------------------------------------ loyalty points
    def apply_loyalty(self, ctx: CartContext, *, points: int | None = None) -> Cart:
        if not ctx.customer:
            raise ProviderRejected(MSG_SIGN_IN_POINTS)
        with transaction.atomic():
            red = self._redemptions_for_write(ctx)
            cart = self._build_cart(red.cart, ctx)
            applicable = cart.loyalty.applicable if cart.loyalty else 0
            if applicable <= 0:
                raise ProviderRejected(MSG_NO_POINTS, field="points")
            if points is not None and points > applicable:
                raise ProviderRejected(MSG_TOO_MANY_POINTS.format(n=applicable), field="points")
            red.points_all = points is None
            red.points_requested = points
            red.save(update_fields=["points_all", "points_requested"])
            return self._done(red, ctx)

    def remove_loyalty(self, ctx: CartContext) -> Cart:
        with transaction.atomic():
            red = self._redemptions_for_write(ctx)
            red.points_all, red.points_requested = False, None
            red.save(update_fields=["points_all", "points_requested"])
            return self._done(red, ctx)

    # ------------------------------------------------------------------------ gift cards
    def apply_gift_card(self, ctx: CartContext, *, code: str, pin: str) -> Cart:
        code = code.strip().upper()
        with transaction.atomic():
            card = m.GiftCard.objects.filter(code__iexact=code, active=True).first()
            # check a hash either way, so a wrong code costs the same time as a wrong pin
            if not check_password(pin, card.pin_hash if card else "!") or card is None:
                raise GiftCardRejected(MSG_GIFT_CARD_BAD, field="pin")
            if card.expires_at and timezone.now() >= card.expires_at:
                raise ProviderRejected(MSG_GIFT_CARD_EXPIRED, field="code")
            if card.balance <= 0:
                raise ProviderRejected(MSG_GIFT_CARD_EMPTY, field="code")
            red = self._redemptions_for_write(ctx)
            cart = self._build_cart(red.cart, ctx)
            if cart.total <= 0:
                raise ProviderRejected(MSG_NOTHING_TO_PAY, field="code")
            try:
                with transaction.atomic():
                    m.CartGiftCard.objects.create(cart=red.cart, gift_card=card)
            except IntegrityError as exc:
                raise ProviderRejected(MSG_GIFT_CARD_TWICE, field="code") from exc
            red.has_gift_cards = True
            red.save(update_fields=["has_gift_cards"])
            return self._done(red, ctx)

    def remove_gift_card(self, ctx: CartContext, *, code: str) -> Cart:
        with transaction.atomic():
            red = self._redemptions_for_write(ctx)
            deleted, _ = m.CartGiftCard.objects.filter(
                cart=red.cart, gift_card__code__iexact=code.strip()
            ).delete()
            if not deleted:
                raise NotFound(MSG_GIFT_CARD_NOT_ON_CART, field="code")
            red.has_gift_cards = m.CartGiftCard.objects.filter(cart=red.cart).exists()
            red.save(update_fields=["has_gift_cards"])
            return self._done(red, ctx)

    # ------------------------------------------------------------------------ store credit
    def apply_credit(self, ctx: CartContext) -> Cart:
        if not ctx.customer:
            raise ProviderRejected(MSG_SIGN_IN_CREDIT)
        with transaction.atomic():
            credit = m.StoreCredit.objects.filter(user_id=ctx.customer.id).first()
            if credit is None or credit.balance <= 0:
                raise ProviderRejected(MSG_NO_CREDIT)
            red = self._redemptions_for_write(ctx)
            red.use_credit = True
            red.save(update_fields=["use_credit"])
            return self._done(red, ctx)

    def remove_credit(self, ctx: CartContext) -> Cart:
        with transaction.atomic():
            red = self._redemptions_for_write(ctx)
            red.use_credit = False
            red.save(update_fields=["use_credit"])
            return self._done(red, ctx)

    # ------------------------------------------------------------------------ meta
    def list_stores(self) -> tuple[Store, ...]:
        return tuple(map_store(s) for s in m.Store.objects.order_by("city", "name"))

    def update_meta(self, ctx: CartContext, *, meta: CartMeta, pickup_store_id: str | None = None) -> Cart:
        with transaction.atomic():
            red = self._redemptions_for_write(ctx)
            store = None
            if meta.order_type == OrderType.PICK_AT_STORE:
                try:
                    store = m.Store.objects.get(pk=int(pickup_store_id or 0))
                except (ValueError, m.Store.DoesNotExist) as exc:
                    raise ProviderRejected(MSG_UNKNOWN_STORE, field="pickup_store") from exc
            red.gift_message = meta.gift_message
            red.gstin = meta.gstin
            red.business_name = meta.business_name
            red.comment = meta.comment
            red.order_type = meta.order_type.value
            red.pickup_store = store
            red.pickup_name = meta.pickup_name
            red.pickup_phone = meta.pickup_phone
            red.save()
            return self._done(red, ctx)

    # ------------------------------------------------------------------------ addresses
    def list_addresses(self, ctx: CartContext) -> tuple[Address, ...]:
        if not ctx.customer:
            return ()
        return tuple(map_address(a) for a in m.Address.objects.filter(user_id=ctx.customer.id))

    def set_address(self, ctx: CartContext, *, address: Address, billing_same: bool = True) -> Cart:
        """Save an address (to the customer's book when signed in) and ship to it."""
        with transaction.atomic():
            red = self._redemptions_for_write(ctx)
            row = m.Address.objects.create(
                user_id=int(ctx.customer.id) if ctx.customer else None,
                name=address.name,
                phone=address.phone,
                line1=address.line1,
                line2=address.line2,
                city=address.city,
                state=address.state,
                pincode=address.pincode,
                country=address.country or "India",
            )
            red.shipping_address = row
            if billing_same or red.billing_address_id is None:
                red.billing_address = row
            red.save(update_fields=["shipping_address", "billing_address"])
            return self._done(red, ctx)

    def select_address(self, ctx: CartContext, *, address_id: str, role: str = "shipping") -> Cart:
        if not ctx.customer:
            raise ProviderRejected(MSG_SIGN_IN_ADDRESSES)
        with transaction.atomic():
            try:
                row = m.Address.objects.get(pk=int(address_id), user_id=ctx.customer.id)
            except (ValueError, m.Address.DoesNotExist) as exc:
                raise NotFound(MSG_UNKNOWN_ADDRESS, field="address") from exc
            red = self._redemptions_for_write(ctx)
            if role == "billing":
                red.billing_address = row
            else:
                red.shipping_address = row
                if red.billing_address_id is None:
                    red.billing_address = row
            red.save(update_fields=["shipping_address", "billing_address"])
            return self._done(red, ctx)
