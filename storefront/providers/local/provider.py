"""The embedded `local` provider: the whole shop on our own database, no HTTP."""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache
from django.core.paginator import EmptyPage, Paginator
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q, Sum
from django.utils import timezone

from storefront.exceptions import NotFound, ProviderRejected
from storefront.money import ZERO, format_inr
from storefront.providers import rules
from storefront.providers.base import CartContext, MergeResult
from storefront.providers.types import (
    Capability,
    Cart,
    CartLine,
    Category,
    CreditSummary,
    DeliveryCheck,
    DeliveryPromise,
    LoyaltySummary,
    Message,
    MessageLevel,
    OrderType,
    Product,
    ProductPage,
    QuantityRule,
    Redemption,
    Variant,
)

from . import models as m
from .checkout import CheckoutMixin
from .pricing import (
    DELIVERY_CHARGE,
    POINT_VALUE,
    CouponTerms,
    GiftCardBalance,
    PricedLine,
    RedemptionInputs,
    compute_breakup,
    price_cart,
)
from .redemptions import (
    RedemptionsMixin,
    coupon_eligible,
    coupon_static_problem,
    coupon_terms,
    map_address,
    map_meta,
    redemptions_of,
)

MSG_UNKNOWN_PRODUCT = "We couldn't find that product or size. It may have been removed."
MSG_UNKNOWN_LINE = "That item is no longer in your cart."
MSG_CHOOSE_SIZE = "Choose a size first."
MSG_SIZE_OTHER_PRODUCT = "That size belongs to a different product."
MSG_PINCODE_FORMAT = "Enter a valid 6-digit pincode."
MSG_PINCODE_UNSERVICEABLE = "Sorry, we don't deliver to {pincode} yet."
MSG_PINCODE_OK = "Delivery to {pincode} ({city}) by {date}."
MSG_OUT_OF_STOCK_LINE = "Out of stock. Remove it to check out."
MSG_SHORT_STOCK_LINE = "Only {stock} left. Reduce the quantity to check out."
MSG_PRICE_DOWN = "Price dropped from {old} to {new} since you added it."
MSG_PRICE_UP = "Price went up from {old} to {new} since you added it."
MSG_CHECKOUT_BLOCKED = "Some items in your cart are unavailable. Update or remove them to check out."
MSG_ADDRESS_UNSERVICEABLE = "We don't deliver to {pincode} yet: choose another address or pick up in store."
MSG_MERGE_CLAMPED = "{name} ({size}): {allowed} instead of {wanted}"
MSG_MERGE_DROPPED = "{name} ({size}) could not be added: not enough stock"
MSG_SHARE_EMPTY = "Add something to your cart before sharing it."
MSG_SHARE_UNKNOWN = "This shared cart link is not valid."
MSG_SHARE_MODE = "Choose whether to add these items to your cart or replace your cart with them."
MSG_SHARE_NOTHING = "None of the shared items can be added right now: they are out of stock."
MSG_CARD_LEFT = "{amount} left on the card after this order"
MSG_PRODUCT_OUT_OF_STOCK = "This product is out of stock."

_CART_JOINS = (
    "redemptions__coupon",
    "redemptions__pickup_store",
    "redemptions__shipping_address",
    "redemptions__billing_address",
    "user__loyalty",
    "user__store_credit",
)

PINCODE_RE = re.compile(r"^[1-9][0-9]{5}$")
_PINCODE_CACHE_SECONDS = 300
DELIVERY_CUTOFF = time(20, 0)


def _cached_pincode(code: str) -> m.Pincode | None:
    key = f"localshop:pincode:{code}"
    found = cache.get(key)
    if found is None:
        found = m.Pincode.objects.filter(code=code).first() or False
        cache.set(key, found, _PINCODE_CACHE_SECONDS)
    return found or None


def _promise(pin: m.Pincode, now: datetime | None = None) -> DeliveryPromise:
    now = timezone.localtime(now)
    today = now.date()

    def day(offset: int) -> datetime:
        return timezone.make_aware(datetime.combine(today + timedelta(days=offset), DELIVERY_CUTOFF))

    return DeliveryPromise(min=day(pin.min_days), max=day(pin.max_days), pincode=pin.code, city=pin.city)


class LocalProvider(RedemptionsMixin, CheckoutMixin):
    kind = "local"
    capabilities = frozenset(
        {
            Capability.CATALOGUE,
            Capability.CART,
            Capability.SIZE_CHANGE,
            Capability.DELIVERY_PROMISE,
            Capability.COUPONS,
            Capability.LOYALTY,
            Capability.GIFT_CARDS,
            Capability.STORE_CREDIT,
            Capability.CART_META,
            Capability.ADDRESSES,
            Capability.CHECKOUT,
            Capability.BUY_NOW,
            Capability.SHARE_CART,
        }
    )

    def __init__(self, account=None):
        self.account = account

    # ----------------------------------------------------------------- catalogue
    def ping(self) -> str:
        return f"{m.Product.objects.count()} products in the local catalogue"

    def list_categories(self) -> tuple[Category, ...]:
        return tuple(Category(slug=c.slug, name=c.name) for c in m.Category.objects.all())

    def _products(self):
        return m.Product.objects.select_related("brand", "category").prefetch_related("variants")

    def list_products(
        self, *, q: str = "", category: str = "", page: int = 1, per_page: int = 12
    ) -> ProductPage:
        qs = self._products()
        if q:
            for word in q.split()[:6]:
                qs = qs.filter(
                    Q(name__icontains=word)
                    | Q(brand__name__icontains=word)
                    | Q(category__name__icontains=word)
                    | Q(description__icontains=word)
                )
        if category:
            qs = qs.filter(category__slug=category)
        paginator = Paginator(qs.order_by("-featured", "name"), per_page)
        try:
            current = paginator.page(page)
        except EmptyPage:
            current = paginator.page(paginator.num_pages or 1)
        return ProductPage(
            products=tuple(self._map_product(p) for p in current.object_list),
            page=current.number,
            total_pages=paginator.num_pages,
            total=paginator.count,
        )

    def featured_products(self, *, limit: int = 8) -> tuple[Product, ...]:
        return tuple(self._map_product(p) for p in self._products().filter(featured=True)[:limit])

    def get_product(self, slug: str) -> Product:
        try:
            return self._map_product(self._products().get(slug=slug))
        except m.Product.DoesNotExist as exc:
            raise NotFound(MSG_UNKNOWN_PRODUCT) from exc

    def check_delivery(self, *, pincode: str, product_slug: str | None = None) -> DeliveryCheck:
        pincode = (pincode or "").strip()
        if not PINCODE_RE.match(pincode):
            raise ProviderRejected(MSG_PINCODE_FORMAT, field="pincode")
        pin = _cached_pincode(pincode)
        if pin is None or not pin.serviceable:
            return DeliveryCheck(pincode, False, None, MSG_PINCODE_UNSERVICEABLE.format(pincode=pincode))
        if product_slug:
            product = self.get_product(product_slug)
            if not product.in_stock:
                return DeliveryCheck(pincode, True, None, MSG_PRODUCT_OUT_OF_STOCK)
        promise = _promise(pin)
        return DeliveryCheck(
            pincode,
            True,
            promise,
            MSG_PINCODE_OK.format(pincode=pincode, city=pin.city, date=f"{promise.max:%a, %d %b}"),
        )

    @staticmethod
    def _map_variant(v: m.Variant) -> Variant:
        return Variant(
            id=str(v.pk), label=v.label, mrp=v.mrp, price=v.price, in_stock=v.stock > 0, stock=v.stock
        )

    def _map_product(self, p: m.Product) -> Product:
        return Product(
            id=str(p.pk),
            slug=p.slug,
            name=p.name,
            brand=p.brand.name,
            category=Category(slug=p.category.slug, name=p.category.name),
            images=(staticfiles_storage.url(p.image),) if p.image else (),
            mrp=p.mrp,
            price=p.price,
            gst_rate=Decimal(p.gst_rate),
            hsn_code=p.hsn_code,
            description=p.description,
            variants=tuple(self._map_variant(v) for v in p.variants.all()),
            has_sizes=p.has_sizes,
            quantity_rule=QuantityRule(p.min_quantity, p.max_quantity, p.increment),
        )

    # ----------------------------------------------------------------- cart reads
    def _find_cart(self, ctx: CartContext, *, lock: bool = False) -> m.LocalCart | None:
        qs = m.LocalCart.objects.filter(status=m.LocalCart.Status.OPEN).select_related(*_CART_JOINS)
        if lock:
            # lock the cart row only (the joined rows are read, not locked; PostgreSQL refuses
            # FOR UPDATE on the nullable side of an outer join)
            qs = qs.select_for_update(of=("self",))
        if ctx.customer and not ctx.buy_now:
            return qs.filter(user_id=ctx.customer.id, buy_now=False).first()
        try:
            cart_id = uuid.UUID(str(ctx.cart_id)) if ctx.cart_id else None
        except ValueError:  # a malformed id from an old session is just "no cart"
            return None
        if cart_id is None:
            if ctx.session_key and not ctx.buy_now and not ctx.customer:
                return qs.filter(session_key=ctx.session_key, user__isnull=True, buy_now=False).first()
            return None
        if ctx.buy_now:
            # a customer's buy-now cart is theirs (points, credit, their orders); a guest's is no one's
            owner = Q(user__isnull=True)
            if ctx.customer:
                owner |= Q(user_id=ctx.customer.id)
            qs = qs.filter(owner, buy_now=True)
        else:
            qs = qs.filter(user__isnull=True, buy_now=False)
        try:
            # .get() on the primary key: .first() would add an ORDER BY over every joined column
            return qs.get(pk=cart_id)
        except m.LocalCart.DoesNotExist:
            return None

    def _open_cart_for_write(self, ctx: CartContext) -> m.LocalCart:
        cart = self._find_cart(ctx, lock=True)
        if cart is not None:
            return cart
        try:
            with transaction.atomic():
                return m.LocalCart.objects.create(
                    user_id=ctx.customer.id if ctx.customer else None,
                    buy_now=ctx.buy_now,
                    staff_user=ctx.staff_user,
                    session_key="" if ctx.customer or ctx.buy_now else ctx.session_key,
                )
        except IntegrityError:
            # another request of this customer or browser session created the cart a moment ago
            cart = self._find_cart(replace(ctx, cart_id=None), lock=True)
            if cart is None:
                raise
            return cart

    def _lines(self, cart: m.LocalCart):
        return (
            m.LocalCartLine.objects.filter(cart=cart)
            .select_related("variant__product__brand", "variant__product__category")
            .prefetch_related(Prefetch("variant__product__variants"))
        )

    def get_cart(self, ctx: CartContext) -> Cart:
        return self._build_cart(self._find_cart(ctx), ctx)

    def cart_count(self, ctx: CartContext) -> int:
        cart = self._find_cart(ctx)
        if cart is None:
            return 0
        return cart.lines.aggregate(n=Sum("quantity"))["n"] or 0

    def _build_cart(self, cart: m.LocalCart | None, ctx: CartContext) -> Cart:
        if cart is None:
            return Cart(
                id="",
                lines=(),
                breakup=compute_breakup(()),
                count=0,
                capabilities=self.capabilities,
                pincode=ctx.pincode,
                buy_now=ctx.buy_now,
            )
        red = redemptions_of(cart)
        coupon = red.coupon if red else None
        meta = map_meta(red)
        shipping = map_address(red.shipping_address) if red else None
        pincode = shipping.pincode if shipping else ctx.pincode
        pin = _cached_pincode(pincode) if pincode else None
        promise = _promise(pin) if pin and pin.serviceable else None
        lines: list[CartLine] = []
        priced: list[PricedLine] = []
        blocked: list[str] = []
        for row in self._lines(cart):
            variant = row.variant
            product = self._map_product(variant.product)
            messages: list[Message] = []
            available = variant.stock >= row.quantity
            if not available:
                text = (
                    MSG_OUT_OF_STOCK_LINE
                    if variant.stock <= 0
                    else MSG_SHORT_STOCK_LINE.format(stock=variant.stock)
                )
                messages.append(Message(text, MessageLevel.ERROR))
            if row.price_at_add != variant.price:
                template = MSG_PRICE_DOWN if variant.price < row.price_at_add else MSG_PRICE_UP
                level = MessageLevel.INFO if variant.price < row.price_at_add else MessageLevel.WARNING
                messages.append(
                    Message(
                        template.format(old=format_inr(row.price_at_add), new=format_inr(variant.price)),
                        level,
                    )
                )
            lines.append(
                CartLine(
                    id=str(row.pk),
                    product=product,
                    variant=self._map_variant(variant),
                    quantity=row.quantity,
                    unit_mrp=variant.mrp,
                    unit_price=variant.price,
                    line_mrp=variant.mrp * row.quantity,
                    line_total=variant.price * row.quantity,
                    available=available,
                    messages=tuple(messages),
                    delivery_promise=promise if available else None,
                    price_at_add=row.price_at_add,
                )
            )
            if available:
                priced.append(
                    PricedLine(
                        variant.mrp,
                        variant.price,
                        row.quantity,
                        Decimal(product.gst_rate or 0),
                        coupon_eligible=coupon_eligible(coupon, variant.product),
                    )
                )
        if any(not ln.available for ln in lines):
            blocked.append(MSG_CHECKOUT_BLOCKED)

        loyalty = getattr(cart.user, "loyalty", None) if cart.user_id else None
        credit = getattr(cart.user, "store_credit", None) if cart.user_id else None
        cards = (
            [use.gift_card for use in m.CartGiftCard.objects.filter(cart=cart).select_related("gift_card")]
            if red and red.has_gift_cards
            else []
        )
        terms = None
        if coupon is not None:
            problem = coupon_static_problem(coupon, user_id=cart.user_id)
            terms = coupon_terms(coupon) if not problem else CouponTerms(code=coupon.code, blocked=problem)
        if meta.order_type == OrderType.PICK_AT_STORE and meta.pickup_store:
            intra = meta.pickup_store.state == settings.STORE_STATE
        else:
            intra = (shipping.state == settings.STORE_STATE) if shipping else None
        result = price_cart(
            priced,
            RedemptionInputs(
                coupon=terms,
                points_balance=loyalty.points if loyalty else 0,
                points_requested=red.points_requested if red else None,
                points_all=bool(red and red.points_all),
                gift_cards=[GiftCardBalance(c.code, c.balance) for c in cards],
                credit_balance=credit.balance if credit else ZERO,
                use_credit=bool(red and red.use_credit),
                intra_state=intra,
            ),
            delivery_charge=ZERO if meta.order_type == OrderType.PICK_AT_STORE else DELIVERY_CHARGE,
        )
        redemptions = []
        if coupon is not None:
            redemptions.append(Redemption("coupon", coupon.code, result.coupon_amount, coupon.title))
        if result.points_used:
            redemptions.append(
                Redemption("loyalty_points", str(result.points_used), result.points_used * POINT_VALUE)
            )
        used = dict(result.gift_card_uses)
        for card in cards:
            redemptions.append(
                Redemption(
                    "gift_card",
                    card.code,
                    used.get(card.code, ZERO),
                    MSG_CARD_LEFT.format(amount=format_inr(card.balance - used.get(card.code, ZERO))),
                )
            )
        if result.credit_used:
            redemptions.append(Redemption("credit_balance", "", result.credit_used))
        if meta.order_type == OrderType.HOME_DELIVERY and shipping and (pin is None or not pin.serviceable):
            blocked.append(MSG_ADDRESS_UNSERVICEABLE.format(pincode=shipping.pincode))
        return Cart(
            id=str(cart.pk),
            lines=tuple(lines),
            breakup=result.rows,
            count=sum(ln.quantity for ln in lines),
            capabilities=self.capabilities,
            redemptions=tuple(redemptions),
            delivery_promise=promise if priced and meta.order_type == OrderType.HOME_DELIVERY else None,
            pincode=pincode,
            checkout_blocked=" ".join(blocked),
            staff_user=cart.staff_user,
            coupon_code=coupon.code if coupon else "",
            loyalty=LoyaltySummary(
                balance=loyalty.points,
                applicable=result.points_applicable,
                applied=result.points_used,
                point_value=POINT_VALUE,
            )
            if loyalty is not None
            else None,
            credit=CreditSummary(
                balance=credit.balance, applied=result.credit_used, in_use=bool(red and red.use_credit)
            )
            if credit is not None
            else None,
            meta=meta,
            shipping_address=shipping,
            billing_address=map_address(red.billing_address) if red else None,
            buy_now=cart.buy_now,
        )

    # ----------------------------------------------------------------- cart writes
    @staticmethod
    def _check(rule: QuantityRule, variant: m.Variant, quantity: int) -> None:
        problem = rules.quantity_problem(rule, quantity) or rules.stock_problem(variant.stock, quantity)
        if problem:
            raise ProviderRejected(problem, field="quantity")

    @staticmethod
    def _rule(product: m.Product) -> QuantityRule:
        return QuantityRule(product.min_quantity, product.max_quantity, product.increment)

    def _variant(self, *, variant_id: str, product_id: str | None = None, lock: bool = False) -> m.Variant:
        qs = m.Variant.objects.select_related("product")
        if lock:
            qs = qs.select_for_update()
        try:
            filters = {"pk": int(variant_id)}
            if product_id is not None:
                filters["product_id"] = int(product_id)
            return qs.get(**filters)
        except (ValueError, TypeError, m.Variant.DoesNotExist) as exc:
            raise NotFound(MSG_UNKNOWN_PRODUCT, field="size") from exc

    def _default_variant(self, product_id: str) -> str:
        try:
            product = m.Product.objects.prefetch_related("variants").get(pk=int(product_id))
        except (ValueError, TypeError, m.Product.DoesNotExist) as exc:
            raise NotFound(MSG_UNKNOWN_PRODUCT, field="product") from exc
        variants = list(product.variants.all())
        if product.has_sizes or len(variants) != 1:
            raise ProviderRejected(MSG_CHOOSE_SIZE, field="size")
        return str(variants[0].pk)

    def add_item(self, ctx: CartContext, *, product_id: str, variant_id: str | None, quantity: int) -> Cart:
        with transaction.atomic():
            if not variant_id:
                variant_id = self._default_variant(product_id)
            variant = self._variant(variant_id=variant_id, product_id=product_id)
            cart = self._open_cart_for_write(ctx)
            line = m.LocalCartLine.objects.filter(cart=cart, variant=variant).first()
            new_quantity = quantity + (line.quantity if line else 0)
            if quantity < 1:
                raise ProviderRejected(rules.MSG_QTY_POSITIVE, field="quantity")
            self._check(self._rule(variant.product), variant, new_quantity)
            if line:
                line.quantity = new_quantity
                line.save(update_fields=["quantity"])
            else:
                m.LocalCartLine.objects.create(
                    cart=cart, variant=variant, quantity=new_quantity, price_at_add=variant.price
                )
            if ctx.staff_user and cart.staff_user != ctx.staff_user:
                cart.staff_user = ctx.staff_user
            cart.save(update_fields=["updated_at", "staff_user"])
            return self._build_cart(cart, ctx)

    def _line_for_write(self, ctx: CartContext, line_id: str) -> tuple[m.LocalCart, m.LocalCartLine]:
        cart = self._find_cart(ctx, lock=True)
        if cart is None:
            raise NotFound(MSG_UNKNOWN_LINE, field="line")
        try:
            line = m.LocalCartLine.objects.select_related("variant__product").get(cart=cart, pk=int(line_id))
        except (ValueError, TypeError, m.LocalCartLine.DoesNotExist) as exc:
            raise NotFound(MSG_UNKNOWN_LINE, field="line") from exc
        return cart, line

    def update_line(
        self, ctx: CartContext, *, line_id: str, quantity: int, variant_id: str | None = None
    ) -> Cart:
        with transaction.atomic():
            cart, line = self._line_for_write(ctx, line_id)
            product = line.variant.product
            variant = line.variant
            if variant_id and str(variant_id) != str(line.variant_id):
                variant = self._variant(variant_id=variant_id)
                if variant.product_id != product.pk:
                    raise ProviderRejected(MSG_SIZE_OTHER_PRODUCT, field="size")
            if quantity < 1:
                raise ProviderRejected(rules.MSG_QTY_POSITIVE, field="quantity")
            if variant.pk != line.variant_id:
                # the new size may already be in the cart: the two lines become one
                twin = m.LocalCartLine.objects.filter(cart=cart, variant=variant).first()
                total = quantity + (twin.quantity if twin else 0)
                self._check(self._rule(product), variant, total)
                if twin:
                    twin.quantity = total
                    twin.save(update_fields=["quantity"])
                    line.delete()
                else:
                    line.variant = variant
                    line.quantity = quantity
                    line.price_at_add = variant.price
                    line.save(update_fields=["variant", "quantity", "price_at_add"])
            else:
                self._check(self._rule(product), variant, quantity)
                line.quantity = quantity
                line.save(update_fields=["quantity"])
            cart.save(update_fields=["updated_at"])
            return self._build_cart(cart, ctx)

    def remove_line(self, ctx: CartContext, *, line_id: str) -> Cart:
        with transaction.atomic():
            cart, line = self._line_for_write(ctx, line_id)
            line.delete()
            cart.save(update_fields=["updated_at"])
            return self._build_cart(cart, ctx)

    def clear_cart(self, ctx: CartContext) -> Cart:
        with transaction.atomic():
            cart = self._find_cart(ctx, lock=True)
            if cart is not None:
                cart.lines.all().delete()
                cart.save(update_fields=["updated_at"])
            return self._build_cart(cart, ctx)

    def merge_carts(self, *, source: CartContext, target: CartContext) -> MergeResult:
        """Move the anonymous cart's lines into the customer's cart: quantities add up, and the
        quantity and stock rules are applied to the sums (clamped, with a note of what changed)."""
        with transaction.atomic():
            anon = self._find_cart(source, lock=True)
            if anon is None:
                return MergeResult(cart=self.get_cart(target), merged_lines=0)
            cart = self._open_cart_for_write(target)
            merged, adjusted = self._merge_lines(anon, cart)
            anon.status = m.LocalCart.Status.MERGED
            anon.save(update_fields=["status", "updated_at"])
            cart.save(update_fields=["updated_at"])
            return MergeResult(
                cart=self._build_cart(cart, target), merged_lines=merged, adjusted=tuple(adjusted)
            )

    def _merge_lines(self, source: m.LocalCart, cart: m.LocalCart) -> tuple[int, list[str]]:
        """Add the source cart's lines to `cart`, applying the quantity and stock rules to the sums."""
        adjusted: list[str] = []
        merged = 0
        existing = {ln.variant_id: ln for ln in cart.lines.all()}
        for line in source.lines.select_related("variant__product"):
            variant, product = line.variant, line.variant.product
            rule = self._rule(product)
            twin = existing.get(variant.pk)
            wanted = line.quantity + (twin.quantity if twin else 0)
            allowed = min(wanted, rule.maximum, variant.stock)
            if rule.increment > 1:
                allowed -= allowed % rule.increment
            if allowed < rule.minimum:
                allowed = 0
            if allowed != wanted:
                adjusted.append(
                    MSG_MERGE_CLAMPED.format(
                        name=product.name, size=variant.label, allowed=allowed, wanted=wanted
                    )
                    if allowed
                    else MSG_MERGE_DROPPED.format(name=product.name, size=variant.label)
                )
            if allowed == 0:
                continue
            merged += 1
            if twin:
                twin.quantity = allowed
                twin.save(update_fields=["quantity"])
            else:
                m.LocalCartLine.objects.create(
                    cart=cart, variant=variant, quantity=allowed, price_at_add=line.price_at_add
                )
        return merged, adjusted

    # ----------------------------------------------------------------- share links
    def share_cart(self, ctx: CartContext) -> str:
        """A snapshot of the cart as it is now, behind an unguessable token (the copy's UUID)."""
        with transaction.atomic():
            cart = self._find_cart(ctx)
            if cart is None or not cart.lines.exists():
                raise ProviderRejected(MSG_SHARE_EMPTY)
            copy = m.LocalCart.objects.create(status=m.LocalCart.Status.SHARED, staff_user=ctx.staff_user)
            m.LocalCartLine.objects.bulk_create(
                m.LocalCartLine(
                    cart=copy, variant_id=ln.variant_id, quantity=ln.quantity, price_at_add=ln.price_at_add
                )
                for ln in cart.lines.all()
            )
            return str(copy.pk)

    def _shared(self, token: str) -> m.LocalCart:
        try:
            return m.LocalCart.objects.select_related(*_CART_JOINS).get(
                pk=uuid.UUID(str(token)), status=m.LocalCart.Status.SHARED
            )
        except (ValueError, m.LocalCart.DoesNotExist) as exc:
            raise NotFound(MSG_SHARE_UNKNOWN) from exc

    def get_shared_cart(self, token: str) -> Cart:
        return self._build_cart(self._shared(token), CartContext())

    def accept_shared_cart(self, ctx: CartContext, *, token: str, mode: str) -> Cart:
        """merge: the shared lines are added to the shopper's cart; replace: they become its lines."""
        if mode not in ("merge", "replace"):
            raise ProviderRejected(MSG_SHARE_MODE, field="mode")
        with transaction.atomic():
            shared = self._shared(token)
            cart = self._open_cart_for_write(ctx)
            if mode == "replace":
                cart.lines.all().delete()
            merged, _adjusted = self._merge_lines(shared, cart)
            if not merged:
                raise ProviderRejected(MSG_SHARE_NOTHING)
            if shared.staff_user and not cart.staff_user:
                cart.staff_user = shared.staff_user
            cart.save(update_fields=["updated_at", "staff_user"])
            return self._build_cart(cart, ctx)
