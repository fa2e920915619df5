"""FyndProvider: the storefront's catalogue, cart, redemptions and checkout on Fynd Platform's
application (storefront) APIs (../shared/providers/fynd.md).

`client.py` makes the calls, `mapping.py` reads the answers, this module decides which calls to
make, caches what may be cached and keeps the little state Fynd cannot keep for us (`models.py`).

Identity and sessions. Fynd ties a cart to a Fynd user session (cookies from Fynd's login APIs);
the storefront has its own accounts and no Fynd user session, so every cart call names the cart
with `?id=` (its id is `CartContext.cart_id`, kept in the Django session by carts/session.py, never
in a URL). A cart endpoint is never called without an id, except "add" with `new_cart: true`, so
two shoppers can never land in one anonymous application-level cart. A signed-in customer's cart
id is also stored in FyndCart, so the cart follows them to another browser; at sign-in the
anonymous cart is either adopted (the customer had none) or its lines are added to the customer's
cart in one POST. Addresses a customer saves are recorded in FyndAddress and lists are filtered by
it. Loyalty points need a signed-in customer; the points Fynd reports are those of the
application-level session, since no Fynd user is forwarded.

Cheap reads. A cart body is cached per (cart, buy-now, pincode, order type) with its
Last-Modified (the GET's header, else the body's `last_modified`, compared to the second) for
CART_CACHE_SECONDS. A cached cart is revalidated with the documented HEAD, so an unchanged cart
costs one HEAD; every mutation caches and returns the cart its answer carries (one more GET only
when an answer leaves out `items`/`breakup_values`, e.g. DELETE coupon takes no `i`/`b`).
Catalogue answers are cached per account for settings.CATALOGUE_CACHE_SECONDS.

Upstream calls per action (cart body cached = the shopper has seen the cart recently):

| action                                   | calls                                                    |
| ---------------------------------------- | -------------------------------------------------------- |
| view cart, no cart yet                   | 0                                                        |
| view cart, unchanged and cached          | 1 HEAD                                                   |
| view cart, first view or changed         | 1 GET (+1 HEAD before it when a stale copy was cached)  |
| header count (cart_count)                | 1 GET basic (0 without a cart)                           |
| add to cart / buy now                    | 1 POST detail                                            |
| update quantity or size, remove          | 1 PUT detail (+1 GET when the cart body is not cached)  |
| clear cart                               | 1 PUT cart_archive                                       |
| list coupons                             | 1 GET coupon                                             |
| apply coupon                             | 1 POST coupon                                            |
| remove coupon                            | 1 DELETE coupon (+1 GET if the answer has no items)     |
| apply / remove loyalty points            | 1 POST redeem/points/ (or redeem)                        |
| update cart meta                         | 1 PUT meta + 1 GET detail (+1 GET when not cached)      |
| list saved addresses                     | 1 GET address (0 for guests and customers with none)    |
| add an address (set_address)             | 1 POST address + 1 POST select-address                   |
| select a saved address                   | 1 POST select-address                                    |
| place order (carts.services re-reads)    | 1 HEAD (the re-read) + 1 POST checkout                   |
| same idempotency key again               | 0                                                        |
| sign-in, customer had no Fynd cart       | 1 HEAD or GET (the anonymous cart is adopted)            |
| sign-in, customer had a cart             | 1 HEAD or GET (anonymous cart) + 1 POST detail           |
| product list / home (uncached)           | 1 GET categories + 1 GET products (0 while cached)       |
| product page (uncached)                  | 1 GET detail + 1 GET sizes (+1 GET price per size when |
|                                          | the sizes differ in price)                               |
| delivery check on a product (uncached)   | 1 GET v3 price for the first in-stock size               |
| ping (`provider test`)                   | 1 GET products?page_size=1                               |

Checkout. Fynd's checkout takes no idempotency key. FyndOrder guards double submits on our side:
the first submit inserts a row for SHA-256(key) (unique), then POSTs once (never retried); a
second submit with the same key gets the placed order back, waits briefly while the first is
still in flight, and is never sent to Fynd again. If the POST times out the outcome is unknown:
the row says so and a resubmit of that key is refused with a message, not re-POSTed. The key also
travels in `custom_meta` / `meta` of the checkout body, so an order can be traced back to it.
Payment is cash on delivery (`payment_mode: COD`); Fynd's payment-mode APIs are not in the
contract. Order pages show the order as placed (FyndOrder keeps a snapshot of the cart), since
Fynd's order API is not part of the contract either.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from storefront.exceptions import (
    CapabilityMissing,
    CheckoutChanged,
    NotFound,
    ProviderError,
    ProviderRejected,
    ProviderUnavailable,
)
from storefront.money import MoneyError
from storefront.providers import readers, rules
from storefront.providers.base import CartContext, MergeResult
from storefront.providers.types import (
    Address,
    Capability,
    Cart,
    CartMeta,
    Category,
    CheckoutChange,
    CouponOffer,
    DeliveryCheck,
    Order,
    OrderLine,
    OrderType,
    Product,
    ProductPage,
    Store,
)
from storefront.providers.validators import PINCODE_RE

from . import mapping as fm
from .client import FyndClient
from .models import FyndAddress, FyndCart, FyndOrder

logger = logging.getLogger("storefront.providers.fynd")

CART_CACHE_SECONDS = 15 * 60
ORDER_WAIT_SECONDS = 3.0

MSG_UNKNOWN_PRODUCT = "We couldn't find that product or size. It may have been removed."
MSG_UNKNOWN_LINE = "That item is no longer in your cart."
MSG_CHOOSE_SIZE = "Choose a size first."
MSG_SIZE_OTHER_PRODUCT = "That size isn't available for this product."
MSG_NOT_ADDED = "We couldn't add that item to your cart."
MSG_NOT_UPDATED = "We couldn't update that item."
MSG_EMPTY_CART = "Your cart is empty."
MSG_PINCODE_FORMAT = "Enter a valid 6-digit pincode."
MSG_PINCODE_UNSERVICEABLE = "Sorry, we don't deliver to {pincode} yet."
MSG_PINCODE_OK = "Delivery to {pincode} by {date}."
MSG_PINCODE_DELIVERS = "We deliver to {pincode}. You'll see the delivery dates in your cart."
MSG_PINCODE_SAVED = "We'll show delivery dates for {pincode} with the items in your cart."
MSG_PRODUCT_OUT_OF_STOCK = "This product is out of stock."
MSG_SIGN_IN_POINTS = "Sign in to use your loyalty points."
MSG_NO_POINTS = "You have no loyalty points to use on this cart yet."
MSG_POINTS_ALL_ONLY = "This store applies all {n} usable points at once. Leave the number empty to use them."
MSG_POINTS_NOT_APPLIED = "We couldn't apply your loyalty points."
MSG_SIGN_IN_ADDRESSES = "Sign in to use your address book."
MSG_UNKNOWN_ADDRESS = "That address is not in your address book."
MSG_NEED_ADDRESS = "Add a delivery address to place the order."
MSG_NEED_PICKUP_CONTACT = "Add the name and phone number of the person picking up."
MSG_BAD_PAYMENT = "Choose a payment method we accept for this order."
MSG_CART_GONE = "This cart has already been ordered or is empty."
MSG_ORDER_IN_PROGRESS = "Your order is still being placed. Please wait a moment and check your orders."
MSG_ORDER_UNKNOWN = (
    "We couldn't confirm your order with the store. Please check your orders or email before trying again."
)
MSG_ORDER_NOT_FOUND = "We couldn't find that order."
MSG_SHARED_CART_EMPTY = "This shared cart has no items left."

PAYMENT_COD = "COD"
PAYMENT_LABELS = {PAYMENT_COD: "Cash on delivery"}
SHARE_MODES = ("merge", "replace")


def _key_part(*parts: Any) -> str:
    return hashlib.sha1("\x1f".join(str(p) for p in parts).encode(), usedforsecurity=False).hexdigest()


def _user_id(ctx: CartContext) -> int | None:
    if ctx.customer is None:
        return None
    try:
        return int(ctx.customer.id)
    except (TypeError, ValueError):
        return None


class FyndProvider:
    kind = "fynd"
    # Fynd adds the cash-on-delivery charge only when asked (`c=true`): the checkout reads the cart
    # that way, so the total the customer agrees to is the total Fynd charges.
    prices_payment_at_checkout = True
    # What fynd.md documents for the storefront. Not declared: GIFT_CARDS (no apply endpoint, only
    # a breakup value), STORE_CREDIT (PATCH detail exists only in the newest SDKs and the cart
    # carries no balance to show), VOUCHERS (another provider's role).
    capabilities = frozenset(
        {
            Capability.CATALOGUE,
            Capability.CART,
            Capability.SIZE_CHANGE,
            Capability.DELIVERY_PROMISE,
            Capability.COUPONS,
            Capability.LOYALTY,
            Capability.CART_META,
            Capability.ADDRESSES,
            Capability.CHECKOUT,
            Capability.BUY_NOW,
            Capability.SHARE_CART,
        }
    )

    def __init__(self, account, *, client: FyndClient | None = None):
        if account is None:
            raise ValueError("the fynd provider needs a provider account")
        self.account = account
        self.client = client or FyndClient(account)
        version = int(account.updated_at.timestamp()) if getattr(account, "updated_at", None) else 0
        self._ns = f"fynd:{account.pk}"
        self._catalogue_ns = f"fynd:{account.pk}:{version}"

    def __repr__(self) -> str:
        return f"<FyndProvider {self.account.name}>"

    # ================================================================== plumbing
    def _map(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a mapping; a body we cannot read is Fynd being unavailable, not our crash."""
        try:
            return fn(*args, **kwargs)
        except (readers.MappingError, MoneyError, TypeError, ValueError, KeyError, AttributeError) as exc:
            logger.exception("Fynd answer could not be mapped by %s", getattr(fn, "__name__", fn))
            raise ProviderUnavailable() from exc

    def _cached(self, name: str, parts: tuple, fetch: Callable[[], dict]) -> dict:
        key = f"{self._catalogue_ns}:{name}:{_key_part(*parts)}"
        data = cache.get(key)
        if data is None:
            data = fetch()
            cache.set(key, data, settings.CATALOGUE_CACHE_SECONDS)
        return data

    def ping(self) -> str:
        body = self.client.products(page=1, page_size=1)
        total = readers.as_int(
            readers.as_dict(body.get("page")).get("item_total"), len(readers.as_list(body.get("items")))
        )
        return f"{total} products in Fynd application {self.client.application_id}"

    # ================================================================== catalogue
    def list_categories(self) -> tuple[Category, ...]:
        body = self._cached("categories", (), self.client.categories)
        return self._map(fm.map_categories, body)

    def list_products(
        self, *, q: str = "", category: str = "", page: int = 1, per_page: int = 12
    ) -> ProductPage:
        page = max(1, page)
        body = self._cached(
            "products",
            (q, category, page, per_page),
            lambda: self.client.products(q=q, category=category, page=page, page_size=per_page),
        )
        return self._map(fm.map_product_page, body, page=page, per_page=per_page)

    def featured_products(self, *, limit: int = 8) -> tuple[Product, ...]:
        body = self._cached(
            "featured", (limit,), lambda: self.client.products(page=1, page_size=limit, sort_on="popular")
        )
        return self._map(fm.map_product_page, body, page=1, per_page=limit).products[:limit]

    def _size_price(self, slug: str, size: str, pincode: str = "") -> dict:
        return self._cached(
            "price", (slug, size, pincode), lambda: self.client.size_price(slug, size, pincode=pincode)
        )

    def get_product(self, slug: str) -> Product:
        slug = (slug or "").strip()
        if not slug:
            raise NotFound(MSG_UNKNOWN_PRODUCT)
        try:
            detail = self._cached("product", (slug,), lambda: self.client.product(slug))
            sizes = self._cached("sizes", (slug,), lambda: self.client.product_sizes(slug))
        except NotFound as exc:
            raise NotFound(MSG_UNKNOWN_PRODUCT) from exc
        prices: dict[str, dict] = {}
        if self._map(fm.price_varies, sizes):
            for size in readers.as_list(sizes.get("sizes")):
                value = readers.as_str(readers.as_dict(size).get("value"))
                if value and readers.as_dict(size).get("is_available") is not False:
                    try:
                        prices[value] = self._size_price(slug, value)
                    except (ProviderRejected, NotFound):
                        continue  # this size keeps the product's lowest price
        return self._map(fm.map_product, detail, sizes, prices)

    def check_delivery(self, *, pincode: str, product_slug: str | None = None) -> DeliveryCheck:
        pincode = (pincode or "").strip()
        if not PINCODE_RE.match(pincode):
            raise ProviderRejected(MSG_PINCODE_FORMAT, field="pincode")
        if not product_slug:
            # Fynd prices delivery per cart (area_code) or per size: the cart shows it next
            return DeliveryCheck(pincode, True, None, MSG_PINCODE_SAVED.format(pincode=pincode))
        product = self.get_product(product_slug)
        variant = next((v for v in product.variants if v.in_stock), None)
        if variant is None:
            return DeliveryCheck(pincode, True, None, MSG_PRODUCT_OUT_OF_STOCK)
        try:
            body = self._size_price(product.slug, variant.id, pincode)
        except (ProviderRejected, NotFound) as exc:
            message = exc.user_message if exc.upstream_status else ""
            return DeliveryCheck(
                pincode, False, None, message or MSG_PINCODE_UNSERVICEABLE.format(pincode=pincode)
            )
        serviceable, promise = self._map(fm.map_size_price, body, pincode=pincode)
        if not serviceable:
            return DeliveryCheck(pincode, False, None, MSG_PINCODE_UNSERVICEABLE.format(pincode=pincode))
        if promise is None:
            return DeliveryCheck(pincode, True, None, MSG_PINCODE_DELIVERS.format(pincode=pincode))
        date = f"{timezone.localtime(promise.max):%a, %d %b}"
        return DeliveryCheck(pincode, True, promise, MSG_PINCODE_OK.format(pincode=pincode, date=date))

    # ================================================================== cart state
    def _cart_id(self, ctx: CartContext) -> str | None:
        if ctx.cart_id:
            return str(ctx.cart_id)
        user_id = _user_id(ctx)
        if user_id is None or ctx.buy_now:
            return None
        return self._customer_cart_id(user_id)

    def _customer_cart_id(self, user_id: int, *, exclude: str | None = None) -> str | None:
        rows = FyndCart.objects.filter(account=self.account, user_id=user_id, buy_now=False, is_open=True)
        if exclude:
            rows = rows.exclude(cart_id=exclude)
        row = rows.order_by("-updated_at").only("cart_id").first()
        return row.cart_id if row else None

    def _state(self, cart_id: str | None) -> FyndCart | None:
        if not cart_id:
            return None
        return FyndCart.objects.filter(account=self.account, cart_id=cart_id).first()

    def _state_for_write(self, cart_id: str, ctx: CartContext, state: FyndCart | None = None) -> FyndCart:
        if state is not None:
            return state
        row, _ = FyndCart.objects.get_or_create(
            account=self.account,
            cart_id=cart_id,
            defaults={"user_id": None if ctx.buy_now else _user_id(ctx), "buy_now": ctx.buy_now},
        )
        return row

    def _adopt(self, cart_id: str, ctx: CartContext) -> FyndCart:
        """Remember a cart Fynd just made (a customer's main cart follows them across browsers)."""
        user_id = _user_id(ctx)
        row, created = FyndCart.objects.get_or_create(
            account=self.account,
            cart_id=cart_id,
            defaults={"user_id": user_id, "buy_now": ctx.buy_now},
        )
        if not created and user_id and row.user_id is None and not ctx.buy_now:
            row.user_id = user_id
            row.save(update_fields=["user", "updated_at"])
        return row

    @staticmethod
    def _pincode(ctx: CartContext, state: FyndCart | None) -> str:
        """The delivery pincode: the selected delivery address's, else the shopper's."""
        shipping = readers.as_dict(state.shipping_address) if state else {}
        return readers.as_str(shipping.get("pincode")) or ctx.pincode

    @staticmethod
    def _order_type(state: FyndCart | None) -> str:
        return state.order_type if state else ""

    def _cart_key(self, cart_id: str, ctx: CartContext, state: FyndCart | None) -> str:
        parts = (
            cart_id,
            ctx.buy_now,
            self._pincode(ctx, state),
            self._order_type(state),
            ctx.with_payment_charges,
        )
        return f"{self._ns}:cart:{_key_part(*parts)}"

    def _keep(self, key: str, body: dict, last_modified: str | None = None) -> None:
        validator = last_modified or readers.as_str(body.get("last_modified"))
        if validator and readers.parse_moment(validator) is not None:
            cache.set(key, {"lm": validator, "body": body}, CART_CACHE_SECONDS)
        else:
            cache.delete(key)

    def _read(
        self, ctx: CartContext, cart_id: str, state: FyndCart | None, *, fresh: bool = False
    ) -> dict | None:
        """The cart body: the cached copy when HEAD says it is unchanged, else a GET. None when
        Fynd does not know the id any more."""
        key = self._cart_key(cart_id, ctx, state)
        entry = None if fresh else cache.get(key)
        if entry is not None:
            try:
                stamp = self.client.cart_last_modified(cart_id)
            except NotFound:
                cache.delete(key)
                return None
            except ProviderRejected:
                stamp = None  # a HEAD the server will not answer: read the body instead
            if stamp and readers.same_moment(stamp, entry["lm"]):
                return entry["body"]
        try:
            body, last_modified = self.client.cart(
                cart_id,
                buy_now=ctx.buy_now,
                pincode=self._pincode(ctx, state),
                order_type=self._order_type(state),
                cod=ctx.with_payment_charges,
            )
        except NotFound:
            cache.delete(key)
            return None
        self._keep(key, body, last_modified)
        return body

    def _to_cart(self, body: dict, ctx: CartContext, state: FyndCart | None) -> Cart:
        shipping = fm.address_from_json(state.shipping_address) if state else None
        billing = fm.address_from_json(state.billing_address) if state else None
        return self._map(
            fm.map_cart,
            body,
            capabilities=self.capabilities,
            pincode=self._pincode(ctx, state),
            buy_now=ctx.buy_now,
            order_type=self._order_type(state),
            signed_in=ctx.customer is not None,
            shipping_address=shipping,
            billing_address=billing,
            staff_user=state.staff_user if state else "",
        )

    def _empty(self, ctx: CartContext, cart_id: str = "") -> Cart:
        return self._to_cart(fm.empty_cart_body(cart_id), ctx, None)

    def _finish(self, ctx: CartContext, cart_id: str, body: Any, state: FyndCart | None) -> Cart:
        """The cart a mutation answered with (one GET only when the answer leaves parts out)."""
        if ctx.staff_user and (state is None or state.staff_user != ctx.staff_user):
            state = self._state_for_write(cart_id, ctx, state)
            state.staff_user = ctx.staff_user
            state.save(update_fields=["staff_user", "updated_at"])
        if fm.is_complete(body):
            # a mutation's `message`/`success` acknowledge the call; they say nothing about the cart
            body = {k: v for k, v in body.items() if k not in ("message", "success")}
            self._keep(self._cart_key(cart_id, ctx, state), body)
        else:
            body = self._read(ctx, cart_id, state, fresh=True)
            if body is None:
                return self._empty(ctx)
        return self._to_cart(body, ctx, state)

    def _cached_body(self, ctx: CartContext, cart_id: str, state: FyndCart | None) -> dict | None:
        entry = cache.get(self._cart_key(cart_id, ctx, state))
        return entry["body"] if entry else None

    def _line(self, ctx: CartContext, cart_id: str, state: FyndCart | None, line_id: str) -> tuple[dict, int]:
        """The raw line to update or remove: from the cached cart (no call), else a fresh GET."""
        body = self._cached_body(ctx, cart_id, state)
        found = fm.find_line(body, line_id) if body else None
        if found is None:
            body = self._read(ctx, cart_id, state, fresh=True)
            found = fm.find_line(body, line_id) if body else None
        if found is None:
            raise NotFound(MSG_UNKNOWN_LINE, field="line")
        return found

    # ================================================================== cart reads
    def get_cart(self, ctx: CartContext) -> Cart:
        cart_id = self._cart_id(ctx)
        if not cart_id:
            return self._empty(ctx)
        state = self._state(cart_id)
        if state is not None and not state.is_open:
            return self._empty(ctx)  # ordered or merged away: no longer the shopper's cart
        body = self._read(ctx, cart_id, state)
        if body is None:
            return self._empty(ctx)
        return self._to_cart(body, ctx, state)

    def cart_count(self, ctx: CartContext) -> int:
        cart_id = self._cart_id(ctx)
        if not cart_id:
            return 0
        try:
            return self.client.item_count(cart_id, buy_now=ctx.buy_now)
        except NotFound:
            return 0

    def set_pincode(self, ctx: CartContext, *, pincode: str) -> Cart:
        return self.get_cart(replace(ctx, pincode=pincode))

    # ================================================================== cart writes
    def add_item(
        self,
        ctx: CartContext,
        *,
        product_id: str,
        variant_id: str | None,
        quantity: int,
        article_id: str | None = None,
        store_id: int | None = None,
        seller_id: int | None = None,
    ) -> Cart:
        """Add a size of a product. `article_id`/`store_id`/`seller_id` pin the seller and store
        when the caller knows them (from the size price); otherwise Fynd assigns the article."""
        if quantity < 1:
            raise ProviderRejected(rules.MSG_QTY_POSITIVE, field="quantity")
        try:
            item_id = int(str(product_id).strip())
        except (TypeError, ValueError) as exc:
            raise NotFound(MSG_UNKNOWN_PRODUCT, field="product") from exc
        if not variant_id:
            raise ProviderRejected(MSG_CHOOSE_SIZE, field="size")
        item: dict[str, Any] = {"item_id": item_id, "item_size": str(variant_id), "quantity": quantity}
        for name, value in (("article_id", article_id), ("store_id", store_id), ("seller_id", seller_id)):
            if value not in (None, ""):
                item[name] = value
        return self._add(ctx, [item])

    def _add(self, ctx: CartContext, items: list[dict[str, Any]], *, cart_id: str | None = None) -> Cart:
        cart_id = cart_id or self._cart_id(ctx)
        state = self._state(cart_id)
        try:
            answer = self._post_items(ctx, cart_id, state, items)
        except NotFound:
            if cart_id is None:
                raise
            # Fynd no longer knows this cart id (archived, expired): nothing was added; start anew
            logger.info("Fynd cart %s is gone; adding to a new cart", cart_id)
            cart_id, state = None, None
            answer = self._post_items(ctx, None, None, items)
        body = readers.as_dict(answer.get("cart"))
        new_id = fm.cart_id_of(body) or cart_id
        if not new_id:
            logger.warning("Fynd add-to-cart answer carries no cart id")
            raise ProviderUnavailable()
        if new_id != cart_id:
            state = self._adopt(new_id, ctx)
        cart = self._finish(ctx, new_id, body, state)
        if answer.get("success") is False:
            raise ProviderRejected(readers.as_str(answer.get("message")) or MSG_NOT_ADDED, field="quantity")
        return cart

    def _post_items(
        self, ctx: CartContext, cart_id: str | None, state: FyndCart | None, items: list[dict[str, Any]]
    ) -> dict:
        return self.client.add_items(
            cart_id,
            items,
            new_cart=cart_id is None,
            buy_now=ctx.buy_now,
            pincode=self._pincode(ctx, state),
            order_type=self._order_type(state),
        )

    def _put_line(
        self, ctx: CartContext, cart_id: str, state: FyndCart | None, operation: str, ref: dict
    ) -> Cart:
        answer = self.client.update_items(
            cart_id,
            operation=operation,
            items=[ref],
            buy_now=ctx.buy_now,
            pincode=self._pincode(ctx, state),
            order_type=self._order_type(state),
        )
        cart = self._finish(ctx, cart_id, answer.get("cart"), state)
        if answer.get("success") is False:
            raise ProviderRejected(readers.as_str(answer.get("message")) or MSG_NOT_UPDATED, field="quantity")
        return cart

    def update_line(
        self, ctx: CartContext, *, line_id: str, quantity: int, variant_id: str | None = None
    ) -> Cart:
        cart_id = self._cart_id(ctx)
        if not cart_id:
            raise NotFound(MSG_UNKNOWN_LINE, field="line")
        if quantity < 1:
            raise ProviderRejected(rules.MSG_QTY_POSITIVE, field="quantity")
        state = self._state(cart_id)
        item, index = self._line(ctx, cart_id, state, line_id)
        problem = fm.map_quantity_rule(item.get("moq")).problem(quantity)
        if problem:
            raise ProviderRejected(problem, field="quantity")
        ref = fm.line_ref(item, index)
        if variant_id and str(variant_id) != ref["item_size"]:
            offered = {
                readers.as_str(readers.as_dict(s).get("value"))
                for s in readers.as_list(readers.as_dict(item.get("availability")).get("available_sizes"))
            }
            offered.discard("")
            if offered and str(variant_id) not in offered:
                raise ProviderRejected(MSG_SIZE_OTHER_PRODUCT, field="size")
            ref["item_size"] = str(variant_id)
            ref.pop("article_id", None)  # the old size's article; Fynd picks the new size's
        ref["quantity"] = quantity
        return self._put_line(ctx, cart_id, state, "update_item", ref)

    def remove_line(self, ctx: CartContext, *, line_id: str) -> Cart:
        cart_id = self._cart_id(ctx)
        if not cart_id:
            raise NotFound(MSG_UNKNOWN_LINE, field="line")
        state = self._state(cart_id)
        item, index = self._line(ctx, cart_id, state, line_id)
        ref = fm.line_ref(item, index)
        ref["quantity"] = 0
        return self._put_line(ctx, cart_id, state, "remove_item", ref)

    def clear_cart(self, ctx: CartContext) -> Cart:
        cart_id = self._cart_id(ctx)
        if not cart_id:
            return self._empty(ctx)
        state = self._state(cart_id)
        with contextlib.suppress(NotFound):  # already gone: the cart is empty either way
            self.client.archive(cart_id)
        cache.delete(self._cart_key(cart_id, ctx, state))
        return self._to_cart(fm.empty_cart_body(cart_id), ctx, state)

    def merge_carts(self, *, source: CartContext, target: CartContext) -> MergeResult:
        """At sign-in: the anonymous cart becomes the customer's (when they had none), or its
        available lines are added to the customer's cart in one POST."""
        anon_id = str(source.cart_id) if source.cart_id else None
        user_id = _user_id(target)
        if not anon_id or user_id is None:
            return MergeResult(cart=self.get_cart(target), merged_lines=0)
        theirs = self._customer_cart_id(user_id, exclude=anon_id)
        anon_ctx = replace(source, customer=None, buy_now=False)
        anon_state = self._state(anon_id)
        if theirs is None:
            self._adopt(anon_id, target)
            cart = self.get_cart(replace(target, cart_id=anon_id, buy_now=False))
            adopted = anon_state is None or anon_state.user_id != user_id
            return MergeResult(cart=cart, merged_lines=len(cart.lines) if adopted else 0)
        body = self._read(anon_ctx, anon_id, anon_state)
        target_ctx = replace(target, cart_id=theirs, buy_now=False)
        if body is None:
            return MergeResult(cart=self.get_cart(target_ctx), merged_lines=0)
        anon_cart = self._to_cart(body, anon_ctx, anon_state)
        items, adjusted = [], []
        for raw, line in zip(readers.as_list(body.get("items")), anon_cart.lines, strict=False):
            name = f"{line.product.name} ({line.variant.label})" if line.variant.label else line.product.name
            if not line.available or line.quantity < 1:
                adjusted.append(f"{name} could not be added: not available")
                continue
            item: dict[str, Any] = {
                "item_id": readers.as_int(line.product.id),
                "item_size": line.variant.id,
                "quantity": line.quantity,
            }
            article = readers.as_dict(readers.as_dict(raw).get("article"))
            for name_, value in (
                ("article_id", readers.as_str(article.get("uid"))),
                ("store_id", readers.as_int(readers.as_dict(article.get("store")).get("uid"))),
                ("seller_id", readers.as_int(readers.as_dict(article.get("seller")).get("uid"))),
            ):
                if value:
                    item[name_] = value
            items.append(item)
        if not items:
            return MergeResult(cart=self.get_cart(target_ctx), merged_lines=0, adjusted=tuple(adjusted))
        try:
            cart = self._add(target_ctx, items, cart_id=theirs)
            merged = len(items)
        except ProviderRejected as exc:
            # partly added: the answer's cart is cached, read it back
            cart = self.get_cart(target_ctx)
            adjusted.append(exc.user_message)
            merged = max(0, len(items) - 1)
        FyndCart.objects.filter(account=self.account, cart_id=anon_id).update(is_open=False)
        return MergeResult(cart=cart, merged_lines=merged, adjusted=tuple(adjusted))

    # ================================================================== redemptions
    def _need_cart(self, ctx: CartContext) -> tuple[str, FyndCart | None]:
        cart_id = self._cart_id(ctx)
        if not cart_id:
            raise ProviderRejected(MSG_EMPTY_CART)
        return cart_id, self._state(cart_id)

    def list_coupons(self, ctx: CartContext) -> tuple[CouponOffer, ...]:
        cart_id = self._cart_id(ctx)
        if not cart_id:
            return ()
        return self._map(fm.map_coupon_list, self.client.coupons(cart_id, buy_now=ctx.buy_now))

    def apply_coupon(self, ctx: CartContext, *, code: str) -> Cart:
        cart_id, state = self._need_cart(ctx)
        code = code.strip()
        body = self.client.apply_coupon(cart_id, code, buy_now=ctx.buy_now, pincode=self._pincode(ctx, state))
        cart = self._finish(ctx, cart_id, body, state)
        if not cart.coupon_code:
            raise ProviderRejected(fm.coupon_problem(readers.as_dict(body)), field="code")
        return cart

    def remove_coupon(self, ctx: CartContext) -> Cart:
        cart_id, state = self._need_cart(ctx)
        body = self.client.remove_coupon(cart_id, buy_now=ctx.buy_now, pincode=self._pincode(ctx, state))
        return self._finish(ctx, cart_id, body, state)

    def apply_loyalty(self, ctx: CartContext, *, points: int | None = None) -> Cart:
        """Fynd applies all usable points or none (`points: true`); a smaller number is refused."""
        if ctx.customer is None:
            raise ProviderRejected(MSG_SIGN_IN_POINTS)
        cart_id, state = self._need_cart(ctx)
        body = self._cached_body(ctx, cart_id, state) or self._read(ctx, cart_id, state)
        loyalty = fm.map_loyalty(readers.as_dict(body).get("breakup_values")) if body else None
        if loyalty is not None:
            if loyalty.applicable <= 0:
                raise ProviderRejected(MSG_NO_POINTS, field="points")
            if points is not None and points < loyalty.applicable:
                raise ProviderRejected(MSG_POINTS_ALL_ONLY.format(n=loyalty.applicable), field="points")
        answer = self.client.redeem_points(
            cart_id, True, buy_now=ctx.buy_now, pincode=self._pincode(ctx, state)
        )
        cart = self._finish(ctx, cart_id, answer, state)
        if cart.loyalty is None or not cart.loyalty.applied:
            raise ProviderRejected(
                readers.as_str(answer.get("message")) or MSG_POINTS_NOT_APPLIED, field="points"
            )
        return cart

    def remove_loyalty(self, ctx: CartContext) -> Cart:
        cart_id, state = self._need_cart(ctx)
        answer = self.client.redeem_points(
            cart_id, False, buy_now=ctx.buy_now, pincode=self._pincode(ctx, state)
        )
        return self._finish(ctx, cart_id, answer, state)

    def apply_gift_card(self, ctx: CartContext, *, code: str, pin: str) -> Cart:
        raise CapabilityMissing()

    def remove_gift_card(self, ctx: CartContext, *, code: str) -> Cart:
        raise CapabilityMissing()

    def apply_credit(self, ctx: CartContext) -> Cart:
        raise CapabilityMissing()

    def remove_credit(self, ctx: CartContext) -> Cart:
        raise CapabilityMissing()

    # ================================================================== meta and addresses
    def list_stores(self) -> tuple[Store, ...]:
        """Fynd's store APIs are not in the contract: no pick-up stores to choose from."""
        return ()

    def update_meta(self, ctx: CartContext, *, meta: CartMeta, pickup_store_id: str | None = None) -> Cart:
        """PUT meta (gstin, comment, checkout_mode, gift_details per article, pick-up contact) plus
        our own fields in `custom_cart_meta`, which Fynd echoes back on the cart; then one GET."""
        cart_id, state = self._need_cart(ctx)
        body = self._cached_body(ctx, cart_id, state) or self._read(ctx, cart_id, state) or {}
        pickup = meta.order_type == OrderType.PICK_AT_STORE
        payload: dict[str, Any] = {
            "gstin": meta.gstin,
            "comment": meta.comment,
            "checkout_mode": "self",
            "custom_cart_meta": {
                "gift_message": meta.gift_message,
                "business_name": meta.business_name,
                "order_type": meta.order_type.value,
                "pickup_name": meta.pickup_name if pickup else "",
                "pickup_phone": meta.pickup_phone if pickup else "",
            },
        }
        articles = [
            readers.as_str(readers.as_dict(readers.as_dict(i).get("article")).get("uid"))
            for i in readers.as_list(body.get("items"))
        ]
        gift = {
            a: {"is_gift_applied": bool(meta.gift_message), "gift_message": meta.gift_message}
            for a in articles
            if a
        }
        if gift:
            payload["gift_details"] = gift
        if pickup:
            payload["pick_up_customer_details"] = {"name": meta.pickup_name, "mobile": meta.pickup_phone}
        self.client.update_meta(cart_id, payload, buy_now=ctx.buy_now)
        state = self._state_for_write(cart_id, ctx, state)
        if state.order_type != meta.order_type.value:
            state.order_type = meta.order_type.value
            state.save(update_fields=["order_type", "updated_at"])
        fresh = self._read(ctx, cart_id, state, fresh=True)
        return self._to_cart(fresh, ctx, state) if fresh is not None else self._empty(ctx)

    def list_addresses(self, ctx: CartContext) -> tuple[Address, ...]:
        user_id = _user_id(ctx)
        if user_id is None:
            return ()
        owned = set(
            FyndAddress.objects.filter(account=self.account, user_id=user_id).values_list(
                "address_id", flat=True
            )
        )
        if not owned:
            return ()
        body = self.client.addresses(self._cart_id(ctx), buy_now=ctx.buy_now)
        found = [self._map(fm.map_address, a) for a in readers.as_list(body.get("address"))]
        return tuple(a for a in found if a.id in owned)

    def set_address(self, ctx: CartContext, *, address: Address, billing_same: bool = True) -> Cart:
        """Save the address on Fynd (and, signed in, in the customer's book) and ship to it."""
        cart_id, state = self._need_cart(ctx)
        email = ctx.customer.email if ctx.customer else ""
        answer = self.client.add_address(fm.address_body(address, email=email))
        address_id = readers.as_str(answer.get("id"))
        if not address_id:
            logger.warning("Fynd saved an address but answered without its id")
            raise ProviderUnavailable()
        saved = replace(address, id=address_id)
        user_id = _user_id(ctx)
        if user_id is not None:
            FyndAddress.objects.get_or_create(
                account=self.account,
                user_id=user_id,
                address_id=address_id,
                defaults={"snapshot": fm.address_json(saved)},
            )
        state = self._state_for_write(cart_id, ctx, state)
        billing = fm.address_from_json(state.billing_address)
        if billing_same or billing is None:
            billing = saved
        return self._select(ctx, cart_id, state, shipping=saved, billing=billing)

    def select_address(self, ctx: CartContext, *, address_id: str, role: str = "shipping") -> Cart:
        user_id = _user_id(ctx)
        if user_id is None:
            raise ProviderRejected(MSG_SIGN_IN_ADDRESSES)
        owned = FyndAddress.objects.filter(
            account=self.account, user_id=user_id, address_id=str(address_id)
        ).first()
        if owned is None:
            raise NotFound(MSG_UNKNOWN_ADDRESS, field="address")
        chosen = fm.address_from_json(owned.snapshot)
        if chosen is None or not chosen.id:
            chosen = self._map(fm.map_address, self.client.address(str(address_id)))
        cart_id, state = self._need_cart(ctx)
        state = self._state_for_write(cart_id, ctx, state)
        shipping = fm.address_from_json(state.shipping_address)
        billing = fm.address_from_json(state.billing_address)
        if role == "billing":
            billing = chosen
            shipping = shipping or chosen
        else:
            shipping = chosen
            billing = billing or chosen
        return self._select(ctx, cart_id, state, shipping=shipping, billing=billing)

    def _select(
        self, ctx: CartContext, cart_id: str, state: FyndCart, *, shipping: Address, billing: Address
    ) -> Cart:
        body = self.client.select_address(
            cart_id,
            shipping.id,
            billing_address_id=billing.id,
            buy_now=ctx.buy_now,
            pincode=shipping.pincode,
        )
        state.shipping_address = fm.address_json(shipping)
        state.billing_address = fm.address_json(billing)
        state.save(update_fields=["shipping_address", "billing_address", "updated_at"])
        return self._finish(ctx, cart_id, body, state)

    # ================================================================== checkout
    def payment_modes(self, cart: Cart) -> tuple[tuple[str, str], ...]:
        return ((PAYMENT_COD, PAYMENT_LABELS[PAYMENT_COD]),)

    def place_order(
        self,
        ctx: CartContext,
        *,
        idempotency_key: str,
        payment_mode: str,
        email: str = "",
        expected_total: Decimal | None = None,  # Fynd prices the checkout itself
    ) -> Order:
        key = hashlib.sha256(idempotency_key.encode()).hexdigest()
        existing = FyndOrder.objects.filter(account=self.account, idempotency_key=key).first()
        if existing is not None:
            return self._replay(existing, ctx)
        cart_id = self._cart_id(ctx)
        if not cart_id:
            raise ProviderRejected(MSG_CART_GONE)
        state = self._state(cart_id)
        if state is not None and not state.is_open:
            raise ProviderRejected(MSG_CART_GONE)
        # the caller has just read the cart (carts.services re-checks it before ordering), and
        # Fynd re-validates at checkout: the cached copy is enough for our own checks
        body = self._cached_body(ctx, cart_id, state) or self._read(ctx, cart_id, state)
        if body is None or not readers.as_list(body.get("items")):
            raise ProviderRejected(MSG_CART_GONE)
        cart = self._to_cart(body, ctx, state)
        changes = []
        if cart.checkout_blocked:
            changes.append(CheckoutChange(cart.checkout_blocked))
        if cart.meta.order_type == OrderType.PICK_AT_STORE:
            if not (cart.meta.pickup_name and cart.meta.pickup_phone):
                changes.append(CheckoutChange(MSG_NEED_PICKUP_CONTACT))
        elif cart.shipping_address is None:
            changes.append(CheckoutChange(MSG_NEED_ADDRESS))
        if payment_mode not in dict(self.payment_modes(cart)):
            changes.append(CheckoutChange(MSG_BAD_PAYMENT))
        if changes:
            raise CheckoutChanged(changes)

        user_id = _user_id(ctx)
        try:
            with transaction.atomic():
                row = FyndOrder.objects.create(
                    account=self.account,
                    idempotency_key=key,
                    cart_id=cart_id,
                    user_id=user_id,
                    guest_token="" if user_id else secrets.token_urlsafe(24),
                )
        except IntegrityError:
            # a concurrent submit with the same key got there first: answer with its order
            return self._replay(FyndOrder.objects.get(account=self.account, idempotency_key=key), ctx)

        email = email or (ctx.customer.email if ctx.customer else "")
        try:
            answer = self.client.checkout(
                self._checkout_body(cart, cart_id, key, payment_mode, email),
                buy_now=ctx.buy_now,
                pincode=self._pincode(ctx, state),
            )
        except ProviderUnavailable as exc:
            # Fynd may or may not have placed it: never post this key again
            row.state = FyndOrder.State.UNKNOWN
            row.save(update_fields=["state"])
            logger.error("Fynd checkout of cart %s timed out or failed: outcome unknown", cart_id)
            raise ProviderUnavailable(MSG_ORDER_UNKNOWN) from exc
        except ProviderError:
            row.delete()  # refused: nothing was ordered; the customer may fix and retry
            raise
        order_id = readers.as_str(answer.get("order_id")) or readers.as_str(
            readers.as_dict(answer.get("data")).get("order_id")
        )
        if not order_id:
            row.state = FyndOrder.State.UNKNOWN
            row.save(update_fields=["state"])
            logger.error("Fynd checkout of cart %s answered without an order id", cart_id)
            raise ProviderUnavailable(MSG_ORDER_UNKNOWN)
        # the checkout answer's cart is what Fynd ordered (with its COD charge); else what we sent
        ordered = readers.as_dict(answer.get("cart"))
        if not fm.is_complete(ordered):
            ordered = body
        ordered = {k: v for k, v in ordered.items() if k not in ("message", "success")}
        row.order_id = order_id
        row.state = FyndOrder.State.PLACED
        row.placed_at = timezone.now()
        row.snapshot = {
            "cart": ordered,
            "payment_mode": payment_mode,
            "email": email,
            "pincode": self._pincode(ctx, state),
            "order_type": self._order_type(state),
            "shipping_address": fm.address_json(cart.shipping_address),
            "buy_now": ctx.buy_now,
        }
        row.save()
        FyndCart.objects.filter(account=self.account, cart_id=cart_id).update(is_open=False)
        cache.delete(self._cart_key(cart_id, ctx, state))
        return self._order(row)

    @staticmethod
    def _checkout_body(cart: Cart, cart_id: str, key: str, payment_mode: str, email: str) -> dict:
        """CartCheckoutDetailRequest (v1). Our idempotency key rides in `custom_meta` and `meta`
        for tracing; Fynd does not deduplicate on it, FyndOrder does."""
        body: dict[str, Any] = {
            "id": cart_id,
            "payment_mode": payment_mode,
            "order_type": cart.meta.order_type.value,
            "custom_meta": [{"key": "storefront_idempotency_key", "value": key}],
            "meta": {"storefront_idempotency_key": key},
        }
        shipping = cart.shipping_address
        if cart.meta.order_type == OrderType.HOME_DELIVERY and shipping is not None:
            body["address_id"] = shipping.id
            body["billing_address_id"] = (cart.billing_address or shipping).id
        contact_name = shipping.name if shipping else cart.meta.pickup_name
        contact_phone = shipping.phone if shipping else cart.meta.pickup_phone
        if cart.meta.order_type == OrderType.PICK_AT_STORE:
            contact_name, contact_phone = cart.meta.pickup_name, cart.meta.pickup_phone
        contact = (("name", contact_name), ("email", email), ("mobile", contact_phone))
        customer = {k: v for k, v in contact if v}
        if customer:
            body["customer_details"] = customer
        return body

    def _replay(self, row: FyndOrder, ctx: CartContext) -> Order:
        """The same key again: the placed order, never a second POST."""
        # the key is a signed secret of the checkout page: holding it is enough, but a signed-in
        # shopper never gets another customer's order
        user_id = _user_id(ctx)
        if row.user_id and user_id is not None and user_id != row.user_id:
            raise NotFound(MSG_ORDER_NOT_FOUND)
        deadline = time.monotonic() + ORDER_WAIT_SECONDS
        while row.state == FyndOrder.State.PENDING and time.monotonic() < deadline:
            time.sleep(0.2)
            refreshed = FyndOrder.objects.filter(pk=row.pk).first()
            if refreshed is None:  # the first submit was refused and rolled back
                raise ProviderRejected(MSG_CART_GONE)
            row = refreshed
        if row.state == FyndOrder.State.PLACED:
            return self._order(row)
        if row.state == FyndOrder.State.PENDING:
            raise ProviderRejected(MSG_ORDER_IN_PROGRESS)
        raise ProviderUnavailable(MSG_ORDER_UNKNOWN)

    def _order(self, row: FyndOrder) -> Order:
        snap = readers.as_dict(row.snapshot)
        ctx = CartContext(cart_id=row.cart_id, pincode=readers.as_str(snap.get("pincode")))
        cart = self._map(
            fm.map_cart,
            readers.as_dict(snap.get("cart")),
            capabilities=self.capabilities,
            pincode=ctx.pincode,
            order_type=readers.as_str(snap.get("order_type")),
            shipping_address=fm.address_from_json(snap.get("shipping_address")),
        )
        mode = readers.as_str(snap.get("payment_mode"))
        return Order(
            id=row.order_id,
            status=FyndOrder.State(row.state).label,
            placed_at=row.placed_at or row.created_at,
            lines=tuple(
                OrderLine(
                    product_name=ln.product.name,
                    variant_label=ln.variant.label,
                    quantity=ln.quantity,
                    unit_mrp=ln.unit_mrp,
                    unit_price=ln.unit_price,
                    line_total=ln.line_total,
                    image=ln.product.image,
                    product_slug=ln.product.slug,
                )
                for ln in cart.lines
            ),
            breakup=cart.breakup,
            total=cart.total,
            payment_mode=PAYMENT_LABELS.get(mode, mode),
            order_type=cart.meta.order_type,
            email=readers.as_str(snap.get("email")),
            shipping_address=cart.shipping_address,
            delivery_promise=cart.delivery_promise,
            meta=cart.meta,
            guest_token=row.guest_token,
        )

    def list_orders(self, ctx: CartContext) -> tuple[Order, ...]:
        user_id = _user_id(ctx)
        if user_id is None:
            return ()
        rows = FyndOrder.objects.filter(account=self.account, user_id=user_id, state=FyndOrder.State.PLACED)
        return tuple(self._order(r) for r in rows[:50])

    def get_order(self, ctx: CartContext, *, order_id: str, guest_token: str = "") -> Order:
        row = FyndOrder.objects.filter(
            account=self.account, order_id=order_id, state=FyndOrder.State.PLACED
        ).first()
        if row is None:
            raise NotFound(MSG_ORDER_NOT_FOUND)
        if row.user_id:
            if _user_id(ctx) != row.user_id:
                raise NotFound(MSG_ORDER_NOT_FOUND)
        elif not guest_token or not secrets.compare_digest(guest_token, row.guest_token):
            raise NotFound(MSG_ORDER_NOT_FOUND)
        return self._order(row)

    # ================================================================== sharing
    def share_cart(self, ctx: CartContext) -> str:
        """POST share-cart; the token for /cart/shared/<token>/ (Fynd's share_url points at
        Fynd's own storefront, so the storefront builds its own link from the token)."""
        cart_id, _state = self._need_cart(ctx)
        answer = self.client.share_link(cart_id, {"source": "storefront"})
        token = readers.as_str(answer.get("token"))
        if not token:
            url = readers.as_str(answer.get("share_url")).rstrip("/")
            token = url.rsplit("/", 1)[-1] if url else ""
        if not token:
            raise ProviderUnavailable()
        return token

    def get_shared_cart(self, token: str) -> Cart:
        answer = self.client.shared_cart(token)
        ctx = CartContext()
        return self._to_cart(readers.as_dict(answer.get("cart")), ctx, None)

    def accept_shared_cart(self, ctx: CartContext, *, token: str, mode: str) -> Cart:
        """Merge the shared lines into the shopper's cart, or replace its lines with them. Done
        with add (and archive for replace) on the shopper's own cart id, because Fynd's
        `share-cart/{token}/{action}` applies to the Fynd session's cart, which has no id here."""
        if mode not in SHARE_MODES:
            raise ProviderRejected(f"Choose {' or '.join(SHARE_MODES)}.", field="mode")
        shared = self.get_shared_cart(token)
        items = [
            {"item_id": readers.as_int(ln.product.id), "item_size": ln.variant.id, "quantity": ln.quantity}
            for ln in shared.lines
            if ln.available and ln.quantity > 0
        ]
        if not items:
            raise ProviderRejected(MSG_SHARED_CART_EMPTY)
        if mode == "replace":
            self.clear_cart(ctx)
        return self._add(ctx, items)
