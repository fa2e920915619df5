"""What a provider is: a Protocol per capability area, and the context a cart call carries.

Providers live in `storefront/providers/<kind>/provider.py`. They take plain values and return
`types.py` dataclasses; they raise `storefront.exceptions` errors. Nothing above this layer sees
raw JSON or a database row of a provider.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from .types import (
    Address,
    Capability,
    Cart,
    CartMeta,
    Category,
    CouponOffer,
    DeliveryCheck,
    Order,
    Product,
    ProductPage,
    Store,
)

if TYPE_CHECKING:
    from storefront.models import ProviderAccount


@dataclass(frozen=True, slots=True)
class Customer:
    """The signed-in shopper, as providers need to know them."""

    id: str
    email: str = ""
    phone: str = ""
    name: str = ""


@dataclass(frozen=True, slots=True)
class CartContext:
    """Which cart a call is about. `cart_id` is the provider's id, kept server-side in the session."""

    cart_id: str | None = None
    customer: Customer | None = None
    pincode: str = ""
    buy_now: bool = False
    staff_user: str = ""
    session_key: str = ""  # the browser session, for providers that tie anonymous carts to it
    # price the cart as it will be paid (e.g. a cash-on-delivery charge): the checkout asks for it
    with_payment_charges: bool = False


@dataclass(frozen=True, slots=True)
class MergeResult:
    cart: Cart
    merged_lines: int  # lines taken over from the anonymous cart
    adjusted: tuple[str, ...] = ()  # what had to change to respect the rules


@runtime_checkable
class CatalogueProvider(Protocol):
    capabilities: frozenset[Capability]

    def list_categories(self) -> tuple[Category, ...]: ...

    def list_products(
        self, *, q: str = "", category: str = "", page: int = 1, per_page: int = 12
    ) -> ProductPage: ...

    def featured_products(self, *, limit: int = 8) -> tuple[Product, ...]: ...

    def get_product(self, slug: str) -> Product: ...

    def check_delivery(self, *, pincode: str, product_slug: str | None = None) -> DeliveryCheck: ...


@runtime_checkable
class CartProvider(Protocol):
    capabilities: frozenset[Capability]

    def get_cart(self, ctx: CartContext) -> Cart: ...

    def cart_count(self, ctx: CartContext) -> int: ...

    def add_item(self, ctx: CartContext, *, product_id: str, variant_id: str | None, quantity: int) -> Cart:
        """variant_id may be None for a product without sizes (its one variant is meant)."""
        ...

    def update_line(
        self, ctx: CartContext, *, line_id: str, quantity: int, variant_id: str | None = None
    ) -> Cart: ...

    def remove_line(self, ctx: CartContext, *, line_id: str) -> Cart: ...

    def clear_cart(self, ctx: CartContext) -> Cart: ...

    def set_pincode(self, ctx: CartContext, *, pincode: str) -> Cart: ...

    def merge_carts(self, *, source: CartContext, target: CartContext) -> MergeResult: ...


class ShopProvider(CatalogueProvider, CartProvider, Protocol):
    """Catalogue and cart from one back end: what the shop role needs."""

    account: ProviderAccount | None

    def ping(self) -> str:
        """One cheap call that proves the account works; returns a short description."""
        ...


@runtime_checkable
class RedemptionProvider(Protocol):
    """Coupons (Capability.COUPONS), loyalty points (LOYALTY), gift cards (GIFT_CARDS) and store
    credit (STORE_CREDIT). Each mutation returns the repriced Cart; a refusal raises
    ProviderRejected with a message for the customer (GiftCardRejected for a wrong code or pin)."""

    def list_coupons(self, ctx: CartContext) -> tuple[CouponOffer, ...]: ...

    def apply_coupon(self, ctx: CartContext, *, code: str) -> Cart: ...

    def remove_coupon(self, ctx: CartContext) -> Cart: ...

    def apply_loyalty(self, ctx: CartContext, *, points: int | None = None) -> Cart: ...

    def remove_loyalty(self, ctx: CartContext) -> Cart: ...

    def apply_gift_card(self, ctx: CartContext, *, code: str, pin: str) -> Cart: ...

    def remove_gift_card(self, ctx: CartContext, *, code: str) -> Cart: ...

    def apply_credit(self, ctx: CartContext) -> Cart: ...

    def remove_credit(self, ctx: CartContext) -> Cart: ...


@runtime_checkable
class CheckoutProvider(Protocol):
    """Cart meta (CART_META), addresses (ADDRESSES) and orders (CHECKOUT)."""

    def list_stores(self) -> tuple[Store, ...]: ...

    def update_meta(
        self, ctx: CartContext, *, meta: CartMeta, pickup_store_id: str | None = None
    ) -> Cart: ...

    def list_addresses(self, ctx: CartContext) -> tuple[Address, ...]: ...

    def set_address(self, ctx: CartContext, *, address: Address, billing_same: bool = True) -> Cart: ...

    def select_address(self, ctx: CartContext, *, address_id: str, role: str = "shipping") -> Cart: ...

    def payment_modes(self, cart: Cart) -> tuple[tuple[str, str], ...]: ...

    def place_order(
        self,
        ctx: CartContext,
        *,
        idempotency_key: str,
        payment_mode: str,
        email: str = "",
        expected_total: Decimal | None = None,
    ) -> Order:
        """Exactly once per idempotency_key: the same key returns the same order. Raises
        CheckoutChanged listing what no longer holds (stock, prices, redemptions, delivery), and
        when expected_total is given and the total re-checked under the locks differs."""
        ...

    def list_orders(self, ctx: CartContext) -> tuple[Order, ...]: ...

    def get_order(self, ctx: CartContext, *, order_id: str, guest_token: str = "") -> Order: ...


@runtime_checkable
class ShareProvider(Protocol):
    """Share links (Capability.SHARE_CART): a token for /cart/shared/<token>/, the shared items,
    and taking them into the shopper's cart (`mode` is "merge" or "replace")."""

    def share_cart(self, ctx: CartContext) -> str: ...

    def get_shared_cart(self, token: str) -> Cart: ...

    def accept_shared_cart(self, ctx: CartContext, *, token: str, mode: str) -> Cart: ...
