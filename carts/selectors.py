"""Cart, catalogue and order reads: each asks the request's provider (CartSession.provider), which
the middleware resolved once for the request."""

from __future__ import annotations

from storefront.providers.base import require
from storefront.providers.types import (
    Address,
    BuyerAccess,
    Capability,
    Cart,
    Category,
    CouponOffer,
    ListingRefine,
    Order,
    PaymentStatus,
    Product,
    ProductPage,
    Store,
)

from .assist import PreparedBy, prepared_by
from .session import CartSession


def cart_get(*, cs: CartSession, for_checkout: bool = False) -> Cart:
    """The cart; `for_checkout` prices it as it will be paid (providers that add payment charges,
    such as a cash-on-delivery fee, add them only then)."""
    cart = cs.provider.get_cart(cs.context(with_payment_charges=for_checkout))
    cs.remember(cart)
    return cart


def cart_prepared_by(*, cs: CartSession, cart: Cart) -> PreparedBy | None:
    """Who on our staff prepared or last changed this cart ("Prepared for you by Priya at the
    Indiranagar store"); None for a cart staff never touched (no query then)."""
    return prepared_by(provider=cs.provider, cart=cart)


def buyer_access(*, cs: CartSession) -> BuyerAccess | None:
    """Whether this shopper may fill a cart and order, for a provider that sells only to buyers it
    knows (Capability.BUYER_ACCESS); None for every other provider (anyone may buy)."""
    if Capability.BUYER_ACCESS not in cs.provider.capabilities:
        return None
    return cs.provider.buyer_access(cs.context())


def cart_count(*, cs: CartSession) -> int:
    count = cs.provider.cart_count(cs.context())
    cs.remember_count(count)
    return count


def cart_coupons(*, cs: CartSession) -> tuple[CouponOffer, ...]:
    return require(cs.provider, Capability.COUPONS).list_coupons(cs.context())


def cart_addresses(*, cs: CartSession) -> tuple[Address, ...]:
    if Capability.ADDRESSES not in cs.provider.capabilities:
        return ()
    return cs.provider.list_addresses(cs.context())


def pickup_stores(*, cs: CartSession) -> tuple[Store, ...]:
    if Capability.CART_META not in cs.provider.capabilities:
        return ()
    return cs.provider.list_stores()


def payment_modes(*, cs: CartSession, cart: Cart) -> tuple[tuple[str, str], ...]:
    return require(cs.provider, Capability.CHECKOUT).payment_modes(cart)


def order_list(*, cs: CartSession) -> tuple[Order, ...]:
    return require(cs.provider, Capability.CHECKOUT).list_orders(cs.context())


def order_get(*, cs: CartSession, order_id: str, guest_token: str = "") -> Order:
    if not guest_token:
        guest_token = cs.session.get("orders:guest", {}).get(order_id, "")
    provider = require(cs.provider, Capability.CHECKOUT)
    return provider.get_order(cs.context(), order_id=order_id, guest_token=guest_token)


def order_payment_status(*, cs: CartSession, order_id: str, guest_token: str = "") -> PaymentStatus:
    """The online payment of an order after the shopper came back from the hosted payment page."""
    if not guest_token:
        guest_token = cs.session.get("orders:guest", {}).get(order_id, "")
    provider = require(cs.provider, Capability.HOSTED_PAYMENT)
    return provider.payment_status(cs.context(), order_id=order_id, guest_token=guest_token)


def checkout_needs_repricing(*, cs: CartSession) -> bool:
    """Whether a cart returned by a mutation must be read again to show checkout totals."""
    return Capability.PAYMENT_CHARGES in cs.provider.capabilities


# ---------------------------------------------------------------------------- catalogue


def catalogue_categories(*, cs: CartSession) -> tuple[Category, ...]:
    return cs.provider.list_categories()


def catalogue_featured(*, cs: CartSession, limit: int = 8) -> tuple[Product, ...]:
    return cs.provider.featured_products(limit=limit)


def catalogue_page(
    *, cs: CartSession, q: str, category: str, page: int, per_page: int, refine: ListingRefine | None = None
) -> ProductPage:
    """A listing; sorted and filtered by the provider when it can (CATALOGUE_REFINE), else as the
    provider lists (the page then offers no sort or filter controls)."""
    if (
        refine is not None
        and not refine.is_default
        and Capability.CATALOGUE_REFINE in cs.provider.capabilities
    ):
        return cs.provider.list_products(q=q, category=category, page=page, per_page=per_page, refine=refine)
    return cs.provider.list_products(q=q, category=category, page=page, per_page=per_page)


def catalogue_product(*, cs: CartSession, slug: str) -> Product:
    return cs.provider.get_product(slug)


def catalogue_similar(*, cs: CartSession, product: Product, limit: int = 4) -> tuple[Product, ...]:
    """Products in stock from the same category (what an out-of-stock page offers instead):
    one listing read, cached like any listing."""
    if product.category is None:
        return ()
    page = cs.provider.list_products(q="", category=product.category.slug, page=1, per_page=24)
    return tuple(p for p in page.products if p.in_stock and p.slug != product.slug)[:limit]
