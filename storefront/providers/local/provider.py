"""The embedded `local` provider: the whole shop on our own database, no HTTP."""

from __future__ import annotations

import uuid
from dataclasses import replace

from django.core.paginator import EmptyPage, Paginator
from django.db import IntegrityError, transaction
from django.db.models import Case, DecimalField, ExpressionWrapper, F, IntegerField, Q, Value, When

from storefront import search
from storefront.exceptions import NotFound, ProviderRejected
from storefront.providers import rules
from storefront.providers.base import CartContext, MergeResult
from storefront.providers.messages import (
    MSG_CHOOSE_SIZE,
    MSG_EMPTY_CART,
    MSG_MERGE_COUPON_DROPPED,
    MSG_MERGE_COUPON_KEPT,
    MSG_MERGE_GIFT_CARD_KEPT,
    MSG_PINCODE_OK_CITY,
    MSG_PINCODE_UNSERVICEABLE,
    MSG_PRODUCT_OUT_OF_STOCK,
    MSG_SHARE_MODE,
    MSG_SHARE_NOTHING,
    MSG_SIZE_OTHER_PRODUCT,
    MSG_UNKNOWN_LINE,
    MSG_UNKNOWN_PRODUCT,
    SHARE_MODES,
    clean_pincode,
)
from storefront.providers.types import (
    Capability,
    Cart,
    Category,
    DeliveryCheck,
    ListingRefine,
    Product,
    ProductPage,
    QuantityRule,
    ShopPolicy,
)
from storefront.text import format_day

from . import models as m
from .cart_read import cart_lookup, read_count, read_head, read_head_by_id
from .cart_view import build_cart
from .catalog import cached_pincode, delivery_promise, map_product, quantity_rule
from .checkout import CheckoutMixin
from .pricing import FREE_DELIVERY_FROM
from .redemptions import RedemptionsMixin, coupon_static_problem

MSG_MERGE_CLAMPED = "{name} ({size}): {allowed} instead of {wanted}"
MSG_MERGE_DROPPED = "{name} ({size}) could not be added: not enough stock"
MSG_SHARE_EMPTY = "Add something to your cart before sharing it."
MSG_SHARE_UNKNOWN = "This shared cart link is not valid."


def _share_id(token: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(token))
    except ValueError as exc:
        raise NotFound(MSG_SHARE_UNKNOWN) from exc


SEARCHED_FIELDS = ("name", "brand__name", "category__name", "description")
# a word starts the field or follows a space, a hyphen or an opening bracket: "dal" finds
# "Toor Dal", never "Sandal"
WORD_STARTS = ("", " ", "-", "(")


def _word_q(field: str, form: str) -> Q:
    q = Q(**{f"{field}__istartswith": form})
    for before in WORD_STARTS[1:]:
        q |= Q(**{f"{field}__icontains": before + form})
    return q


def _term_q(t: search.Term, fields: tuple[str, ...] = SEARCHED_FIELDS) -> Q:
    q = Q()
    for field in fields:
        for form in t.forms:
            q |= _word_q(field, form)
    return q


def _sorted(qs, sort: str, terms: tuple[search.Term, ...]):
    """?sort=: price-asc, price-desc, discount (largest % off first), or relevance (a word found in
    the name counts 3, in the brand or category 2, in the description 1; then featured, name)."""
    if sort == "price-asc":
        return qs.order_by("price", "name", "pk")
    if sort == "price-desc":
        return qs.order_by("-price", "name", "pk")
    if sort == "discount":
        off = ExpressionWrapper((F("mrp") - F("price")) * 100 / F("mrp"), output_field=DecimalField())
        return qs.annotate(off=off).order_by("-off", "price", "pk")
    if not terms:
        return qs.order_by("-featured", "name", "pk")
    score = sum(
        (
            Case(
                When(_term_q(t, ("name",)), then=Value(3)),
                When(_term_q(t, ("brand__name", "category__name")), then=Value(2)),
                default=Value(1),
                output_field=IntegerField(),
            )
            for t in terms
        ),
        Value(0),
    )
    return qs.annotate(score=score).order_by("-score", "-featured", "name", "pk")


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
            Capability.CATALOGUE_REFINE,
        }
    )
    policy = ShopPolicy(free_delivery_over=FREE_DELIVERY_FROM)

    def __init__(self, account=None):
        self.account = account

    # ----------------------------------------------------------------- catalogue
    def ping(self) -> str:
        return f"{m.Product.objects.count()} products in the local catalogue"

    def sign_out(self, ctx: CartContext) -> None:
        """The local store keeps no session of its own: nothing to end."""

    def list_categories(self) -> tuple[Category, ...]:
        return tuple(Category(slug=c.slug, name=c.name) for c in m.Category.objects.all())

    def _products(self):
        return m.Product.objects.select_related("brand", "category").prefetch_related("variants")

    def list_products(
        self,
        *,
        q: str = "",
        category: str = "",
        page: int = 1,
        per_page: int = 12,
        refine: ListingRefine | None = None,
    ) -> ProductPage:
        """Search (storefront.search: plurals, Indian spellings, any case; every word must match
        the start of a word of the name, brand, category or description), then sort and filter.
        One counting query, one page query with its sizes, and one for the brands present."""
        refine = refine or ListingRefine()
        qs = self._products()
        terms = search.terms(q)
        for t in terms:
            qs = qs.filter(_term_q(t))
        if category:
            qs = qs.filter(category__slug=category)
        narrowed = qs
        if refine.price_min is not None:
            narrowed = narrowed.filter(price__gte=refine.price_min)
        if refine.price_max is not None:
            narrowed = narrowed.filter(price__lte=refine.price_max)
        if refine.brands:
            narrowed = narrowed.filter(brand__slug__in=refine.brands)
        paginator = Paginator(_sorted(narrowed, refine.sort, terms), per_page)
        try:
            current = paginator.page(page)
        except EmptyPage:
            current = paginator.page(paginator.num_pages or 1)
        brands = tuple(qs.order_by("brand__name").values_list("brand__slug", "brand__name").distinct())
        suggestions = ()
        if paginator.count == 0 and terms:
            suggestions = search.suggest(q, self._vocabulary())
        return ProductPage(
            products=tuple(map_product(p) for p in current.object_list),
            page=current.number,
            total_pages=paginator.num_pages,
            total=paginator.count,
            brands=brands,
            suggestions=suggestions,
        )

    @staticmethod
    def _vocabulary() -> list[str]:
        """The words a "did you mean" may offer: product, brand and category names (asked only
        when a search found nothing)."""
        words = list(m.Product.objects.values_list("name", flat=True)[:5000])
        words += m.Brand.objects.values_list("name", flat=True)
        words += m.Category.objects.values_list("name", flat=True)
        return words + list(search.CANONICAL)

    def featured_products(self, *, limit: int = 8) -> tuple[Product, ...]:
        return tuple(map_product(p) for p in self._products().filter(featured=True)[:limit])

    def get_product(self, slug: str) -> Product:
        try:
            return map_product(self._products().get(slug=slug))
        except m.Product.DoesNotExist as exc:
            raise NotFound(MSG_UNKNOWN_PRODUCT) from exc

    def check_delivery(self, *, pincode: str, product_slug: str | None = None) -> DeliveryCheck:
        pincode = clean_pincode(pincode)
        pin = cached_pincode(pincode)
        if pin is None or not pin.serviceable:
            return DeliveryCheck(pincode, False, None, MSG_PINCODE_UNSERVICEABLE.format(pincode=pincode))
        if product_slug:
            product = self.get_product(product_slug)
            if not product.in_stock:
                return DeliveryCheck(pincode, True, None, MSG_PRODUCT_OUT_OF_STOCK)
        promise = delivery_promise(pin)
        return DeliveryCheck(
            pincode,
            True,
            promise,
            MSG_PINCODE_OK_CITY.format(pincode=pincode, city=pin.city, date=format_day(promise.max)),
        )

    # benchmarks/profile_cart.py times product mapping under this name
    _map_product = staticmethod(map_product)

    # ----------------------------------------------------------------- cart reads
    def _find_cart(self, ctx: CartContext, *, lock: bool = False) -> m.LocalCart | None:
        """The open cart row a write changes (`lock`: locked until the transaction ends); reads
        go through cart_read instead."""
        lookup = cart_lookup(ctx)
        if lookup is None:
            return None
        qs = m.LocalCart.objects.filter(lookup.q())
        if lock:
            qs = qs.select_for_update()
        return qs.order_by("pk").first()

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

    def get_cart(self, ctx: CartContext) -> Cart:
        return build_cart(read_head(cart_lookup(ctx)), ctx, self.capabilities)

    def cart_count(self, ctx: CartContext) -> int:
        return read_count(cart_lookup(ctx))

    def _build_cart(
        self, cart: m.LocalCart | None, ctx: CartContext, *, fresh_catalogue: bool = False
    ) -> Cart:
        """The cart a write has just changed, read again as a whole (in the write's transaction)."""
        head = read_head_by_id(cart.pk) if cart is not None else None
        return build_cart(head, ctx, self.capabilities, fresh_catalogue=fresh_catalogue)

    # ----------------------------------------------------------------- cart writes
    @staticmethod
    def _check(rule: QuantityRule, variant: m.Variant, quantity: int) -> None:
        problem = rules.quantity_problem(rule, quantity) or rules.stock_problem(variant.stock, quantity)
        if problem:
            raise ProviderRejected(problem, field="quantity")

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
            self._check(quantity_rule(variant.product), variant, new_quantity)
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
                self._check(quantity_rule(product), variant, total)
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
                self._check(quantity_rule(product), variant, quantity)
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
            kept, dropped = self._merge_redemptions(anon, cart, target)
            anon.status = m.LocalCart.Status.MERGED
            anon.save(update_fields=["status", "updated_at"])
            cart.save(update_fields=["updated_at"])
            return MergeResult(
                cart=self._build_cart(cart, target),
                merged_lines=merged,
                adjusted=tuple(adjusted),
                kept=tuple(kept),
                dropped=tuple(dropped),
            )

    def _merge_redemptions(
        self, source: m.LocalCart, cart: m.LocalCart, target: CartContext
    ) -> tuple[list[str], list[str]]:
        """What the guest applied before signing in comes along when it still applies to the
        customer's cart: the coupon (checked for this customer and the merged cart; it replaces a
        coupon the customer's cart had), the gift cards, and the delivery address when the
        customer's cart has none. Returns (kept, dropped with the reason) for the message."""
        kept: list[str] = []
        dropped: list[str] = []
        theirs = m.CartRedemptions.objects.filter(cart=source).select_related("coupon").first()
        if theirs is None:
            return kept, dropped
        red, _ = m.CartRedemptions.objects.get_or_create(cart=cart)
        fields: list[str] = []
        cards = list(m.CartGiftCard.objects.filter(cart=source).select_related("gift_card"))
        for use in cards:
            _, made = m.CartGiftCard.objects.get_or_create(cart=cart, gift_card=use.gift_card)
            kept.append(MSG_MERGE_GIFT_CARD_KEPT.format(tail=use.gift_card.code[-4:]))
            if made and not red.has_gift_cards:
                red.has_gift_cards = True
                fields.append("has_gift_cards")
        if red.shipping_address_id is None and theirs.shipping_address_id is not None:
            red.shipping_address_id = theirs.shipping_address_id
            red.billing_address_id = theirs.billing_address_id or theirs.shipping_address_id
            fields += ["shipping_address", "billing_address"]
        if fields:
            red.save(update_fields=fields)
        coupon = theirs.coupon
        if coupon is not None and coupon.pk != red.coupon_id:
            user_id = int(target.customer.id) if target.customer else None
            problem = coupon_static_problem(coupon, user_id=user_id)
            if not problem:
                before = red.coupon_id
                red.coupon = coupon
                red.save(update_fields=["coupon"])
                row = self._build_cart(cart, target).row("coupon")
                if row is None or not row.amount:
                    problem = row.messages[0] if row is not None and row.messages else MSG_EMPTY_CART
                    red.coupon_id = before
                    red.save(update_fields=["coupon"])
            if problem:
                dropped.append(MSG_MERGE_COUPON_DROPPED.format(code=coupon.code, reason=problem))
            else:
                kept.insert(0, MSG_MERGE_COUPON_KEPT.format(code=coupon.code))
        elif coupon is not None:
            kept.insert(0, MSG_MERGE_COUPON_KEPT.format(code=coupon.code))
        return kept, dropped

    def _merge_lines(self, source: m.LocalCart, cart: m.LocalCart) -> tuple[int, list[str]]:
        """Add the source cart's lines to `cart`, applying the quantity and stock rules to the sums."""
        adjusted: list[str] = []
        merged = 0
        existing = {ln.variant_id: ln for ln in cart.lines.all()}
        for line in source.lines.select_related("variant__product"):
            variant, product = line.variant, line.variant.product
            rule = quantity_rule(product)
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
            return m.LocalCart.objects.get(pk=_share_id(token), status=m.LocalCart.Status.SHARED)
        except m.LocalCart.DoesNotExist as exc:
            raise NotFound(MSG_SHARE_UNKNOWN) from exc

    def get_shared_cart(self, token: str) -> Cart:
        head = read_head_by_id(_share_id(token), status=m.LocalCart.Status.SHARED)
        if head is None:
            raise NotFound(MSG_SHARE_UNKNOWN)
        return build_cart(head, CartContext(), self.capabilities)

    def accept_shared_cart(self, ctx: CartContext, *, token: str, mode: str) -> Cart:
        """merge: the shared lines are added to the shopper's cart; replace: they become its lines."""
        if mode not in SHARE_MODES:
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
