"""The catalogue a cart read needs, held in each process: product names, prices, sizes, images,
GST and HSN, quantity rules, brand and category, mapped once to `types.Product`.

What the process holds is tagged with the catalogue version (catalogue_version.py) it was read
under; a cart read passes the version it found in the shared cache, and when that differs the
process starts again from nothing and reads the products it needs (one query for all of them).
Stock is not held: the cart read takes it fresh with the lines and puts it into each product's
sizes. Nothing is held for a read inside a transaction that has changed the catalogue and not
committed, nor when a read asks for the database (the checkout).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache

from django.conf import settings
from django.db import connection

from storefront.providers.types import Product, Variant

from . import models as m
from .catalog import product_with_variants, variant_with_stock
from .catalogue_version import uncommitted_changes
from .rows import Columns


@dataclass(slots=True, eq=False)
class CatalogueEntry:
    """One product as the cart shows it, without the stock of its sizes."""

    product: Product  # `variants` empty: with_stock() fills them
    category_id: int
    sizes: tuple[m.Variant, ...]  # id, product, label, MRP and price read; stock is not
    size_ids: frozenset[int]
    # the last product with stock built, and the stock it was built with: most reads find the
    # stock unchanged and reuse it
    _last: tuple[tuple[int, ...], Product] | None = None

    def with_stock(self, stock: Mapping[int, int]) -> Product:
        """The product with its sizes and their `stock` (size id → units; 0 when missing)."""
        key = tuple(stock.get(v.pk, 0) for v in self.sizes)
        last = self._last
        if last is not None and last[0] == key:
            return last[1]
        variants = tuple(variant_with_stock(v, n) for v, n in zip(self.sizes, key, strict=True))
        product = replace(self.product, variants=variants)
        self._last = (key, product)
        return product

    def variant(self, product: Product, variant_id: int) -> Variant | None:
        """The size `variant_id` of `product` (a with_stock() answer), or None."""
        wanted = str(variant_id)
        return next((v for v in product.variants if v.id == wanted), None)


@dataclass
class _Held:
    version: str
    until: float  # a safety net: even without a new version, read again after this (monotonic)
    entries: dict[int, CatalogueEntry] = field(default_factory=dict)


_held = _Held(version="", until=0.0)


def catalogue_for(
    version: str, sizes: Mapping[int, frozenset[int]], *, fresh: bool = False
) -> Mapping[int, CatalogueEntry]:
    """Entries for the products in `sizes` (product id → the ids of its sizes as the cart read
    found them a moment ago). An entry held with other sizes is out of date (a write whose new
    version has not arrived yet): it is read again. `fresh`: read the database, hold nothing."""
    if fresh or uncommitted_changes():
        return load_entries(sizes)
    global _held
    held = _held
    now = time.monotonic()
    if held.version != version or now >= held.until:
        held = _held = _Held(version=version, until=now + settings.CATALOGUE_CACHE_SECONDS)
    entries = held.entries
    stale = [pid for pid, ids in sizes.items() if pid not in entries or entries[pid].size_ids != ids]
    if stale:
        entries.update(load_entries(stale))
    return entries


def forget() -> None:
    """Drop what this process holds (tests; the version makes this unnecessary otherwise)."""
    global _held
    _held = _Held(version="", until=0.0)


# ------------------------------------------------------------------------------------ loading
_PRODUCT = Columns(
    m.Product,
    "p",
    (
        "id",
        "slug",
        "name",
        "brand_id",
        "category_id",
        "description",
        "image",
        "mrp",
        "price",
        "gst_rate",
        "hsn_code",
        "has_sizes",
        "min_quantity",
        "max_quantity",
        "increment",
    ),
)
_BRAND = Columns(m.Brand, "b", ("id", "name"))
_CATEGORY = Columns(m.Category, "k", ("id", "slug", "name", "size_chart"))
_SIZE = Columns(m.Variant, "v", ("id", "product_id", "label", "mrp", "price"))


@cache
def _select() -> str:
    quote = connection.ops.quote_name
    product, brand, category, variant = (
        quote(model._meta.db_table) for model in (m.Product, m.Brand, m.Category, m.Variant)
    )
    return (
        f"SELECT {_PRODUCT.sql}, {_BRAND.sql}, {_CATEGORY.sql}, {_SIZE.sql}"  # noqa: S608 - names from model metadata, values as parameters
        f" FROM {product} p"
        f" JOIN {brand} b ON b.id = p.brand_id"
        f" JOIN {category} k ON k.id = p.category_id"
        f" LEFT JOIN {variant} v ON v.product_id = p.id"
        f" WHERE p.id IN ({{ids}}) ORDER BY p.id, v.position, v.id"
    )


def load_entries(product_ids: Iterable[int]) -> dict[int, CatalogueEntry]:
    """The products (those that exist) read from the database with their sizes, in one query."""
    ids = list(product_ids)
    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_select().format(ids=", ".join(["%s"] * len(ids))), ids)
        rows = cursor.fetchall()
        conn = cursor.db
    products: dict[int, m.Product] = {}
    sizes: dict[int, list[m.Variant]] = {}
    at_brand = len(_PRODUCT)
    at_category = at_brand + len(_BRAND)
    at_size = at_category + len(_CATEGORY)
    for row in rows:
        pid = row[0]
        if pid not in products:
            p = _PRODUCT.instance(conn, row)
            p.brand = _BRAND.instance(conn, row, at_brand)
            p.category = _CATEGORY.instance(conn, row, at_category)
            products[pid] = p
            sizes[pid] = []
        size = _SIZE.instance(conn, row, at_size)
        if size is not None:
            sizes[pid].append(size)
    return {
        pid: CatalogueEntry(
            product=product_with_variants(p, ()),
            category_id=p.category_id,
            sizes=tuple(sizes[pid]),
            size_ids=frozenset(v.pk for v in sizes[pid]),
        )
        for pid, p in products.items()
    }
