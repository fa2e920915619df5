"""What a provider is: a Protocol per capability area, and the context a cart call carries.

Providers live in `storefront/providers/<kind>/provider.py`. They take plain values and return
`types.py` dataclasses; they raise `storefront.exceptions` errors. Nothing above this layer sees
raw JSON or a database row of a provider.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from .types import Capability, Cart, Category, DeliveryCheck, Product, ProductPage

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
