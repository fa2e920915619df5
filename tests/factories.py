"""Test helpers for the demo store: find products and sizes by slug, change stock and prices the
way an operator would, and fill carts through the same services the views call."""

from __future__ import annotations

from decimal import Decimal

from carts import services
from carts.session import CartSession
from storefront.providers.local import models as m
from storefront.providers.types import Cart


class Shop:
    """The seeded demo catalogue, looked up by slug (ids differ between databases)."""

    def product(self, slug: str) -> m.Product:
        return m.Product.objects.get(slug=slug)

    def variant(self, slug: str, label: str | None = None) -> m.Variant:
        qs = m.Variant.objects.filter(product__slug=slug)
        if label is not None:
            return qs.get(label=label)
        return qs.filter(stock__gt=0).order_by("position", "id").first() or qs.first()

    def in_stock_single_variant_products(self, count: int) -> list[m.Product]:
        """Products without sizes whose one variant has enough stock for the minimum quantity."""
        found = []
        for product in m.Product.objects.filter(has_sizes=False).order_by("slug"):
            variant = product.variants.get()
            if variant.stock >= product.min_quantity:
                found.append(product)
        assert len(found) >= count, f"the demo has only {len(found)} such products"
        return found[:count]

    def set_stock(self, variant: m.Variant, stock: int) -> None:
        m.Variant.objects.filter(pk=variant.pk).update(stock=stock)

    def set_price(self, variant: m.Variant, price: str) -> None:
        m.Variant.objects.filter(pk=variant.pk).update(price=Decimal(price))


def add(
    cs: CartSession, shop: Shop, slug: str, *, label: str | None = None, quantity: int | None = None
) -> Cart:
    """Add a product to the cart through the service, at its minimum quantity unless told."""
    variant = shop.variant(slug, label)
    product = variant.product
    return services.cart_add_item(
        cs=cs,
        product_id=str(product.pk),
        variant_id=str(variant.pk) if product.has_sizes else None,
        quantity=quantity if quantity is not None else product.min_quantity,
    )


def line_for(cart: Cart, variant: m.Variant):
    """The cart line holding this size, or None."""
    return next((ln for ln in cart.lines if ln.variant.id == str(variant.pk)), None)


def amounts(cart: Cart) -> dict[str, Decimal]:
    return {row.key: row.amount for row in cart.breakup}
