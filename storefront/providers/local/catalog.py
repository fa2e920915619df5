"""What the local store sells and where it delivers, as `types.py` dataclasses: product and
variant rows mapped, and the delivery promise of a pincode."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache
from django.utils import timezone

from storefront.providers.types import Category, DeliveryPromise, Product, QuantityRule, Variant

from . import models as m

_PINCODE_CACHE_SECONDS = 300
DELIVERY_CUTOFF = time(20, 0)


def map_variant(v: m.Variant) -> Variant:
    return variant_with_stock(v, v.stock)


def variant_with_stock(v: m.Variant, stock: int) -> Variant:
    """The size as shown, with `stock` (the catalogue cache holds sizes without their stock)."""
    return Variant(id=str(v.pk), label=v.label, mrp=v.mrp, price=v.price, in_stock=stock > 0, stock=stock)


def quantity_rule(p: m.Product) -> QuantityRule:
    return QuantityRule(p.min_quantity, p.max_quantity, p.increment)


def map_product(p: m.Product) -> Product:
    return product_with_variants(p, tuple(map_variant(v) for v in p.variants.all()))


def size_chart_rows(text: str) -> tuple[tuple[str, ...], ...]:
    """A category's size chart as rows of cells: one row per line, cells split at `|`; a chart
    needs a heading and at least one size."""
    rows = tuple(
        tuple(cell.strip() for cell in line.split("|")) for line in (text or "").splitlines() if line.strip()
    )
    return rows if len(rows) >= 2 else ()


def product_with_variants(p: m.Product, variants: tuple[Variant, ...]) -> Product:
    """The product as shown, with the sizes given (the product row's brand and category read)."""
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
        variants=variants,
        has_sizes=p.has_sizes,
        quantity_rule=quantity_rule(p),
        size_chart=size_chart_rows(p.category.size_chart) if p.has_sizes else (),
    )


_NOT_READ = object()


def pincode_key(code: str) -> str:
    return f"localshop:pincode:{code}"


def cached_pincode(code: str, *, found=_NOT_READ) -> m.Pincode | None:
    """The pincode's row (None: unknown), from the shared cache; `found` is what a cache read of
    `pincode_key(code)` already answered (a cart read asks for it with the catalogue version)."""
    key = pincode_key(code)
    if found is _NOT_READ:
        found = cache.get(key)
    if found is None:
        found = m.Pincode.objects.filter(code=code).first() or False
        cache.set(key, found, _PINCODE_CACHE_SECONDS)
    return found or None


def delivery_promise(pin: m.Pincode, now: datetime | None = None) -> DeliveryPromise:
    """Delivery between the pincode's fewest and most days from today, by the evening cut-off."""
    now = timezone.localtime(now)
    today = now.date()

    def day(offset: int) -> datetime:
        return timezone.make_aware(datetime.combine(today + timedelta(days=offset), DELIVERY_CUTOFF))

    return DeliveryPromise(min=day(pin.min_days), max=day(pin.max_days), pincode=pin.code, city=pin.city)


def serviceable_promise(pincode: str, *, found=_NOT_READ) -> tuple[m.Pincode | None, DeliveryPromise | None]:
    """The pincode's row (None when unknown) and its promise (None when not delivered to)."""
    pin = cached_pincode(pincode, found=found) if pincode else None
    return pin, (delivery_promise(pin) if pin and pin.serviceable else None)
