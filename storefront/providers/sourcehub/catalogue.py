"""The SourceHub catalogue: products with their pricing sets, categories derived from them.

SourceHub has no category endpoint: categories are the products' `productcategory`. The whole
product list is read in pages of 100 (GET products?count=100&skip=) and cached for
settings.CATALOGUE_CACHE_SECONDS, then searched, filtered and paged here (a wholesaler's
catalogue is hundreds of products, not millions). A product page reads GET products/{id} (cached
the same way), since the list's shape is not documented and the product call is."""

from __future__ import annotations

import math

from django.conf import settings
from django.core.cache import cache

from storefront.exceptions import NotFound, ProviderRejected
from storefront.providers import readers
from storefront.providers.messages import MSG_UNKNOWN_PRODUCT, clean_pincode
from storefront.providers.types import Category, DeliveryCheck, Product, ProductPage, ShopPolicy

from . import mapping
from .client import PAGE_SIZE
from .common import SourceHubBase

MAX_PAGES = 20
MSG_DELIVERY = (
    "Orders are delivered to the business address on your SourceHub account; your sales agent "
    "confirms the delivery day."
)


class SourceHubCatalogue(SourceHubBase):
    policy = ShopPolicy()

    def _listing(self) -> tuple[Product, ...]:
        key = self._key("listing")
        cached = cache.get(key)
        if cached is not None:
            return cached
        rows: list[Product] = []
        for page in range(MAX_PAGES):
            raw = mapping.product_list(self.client.products(count=PAGE_SIZE, skip=page * PAGE_SIZE))
            rows.extend(p for p in (self._map(mapping.product, r) for r in raw) if p is not None)
            if len(raw) < PAGE_SIZE:
                break
        listing = tuple(rows)
        cache.set(key, listing, settings.CATALOGUE_CACHE_SECONDS)
        return listing

    def catalogue_index(self) -> dict[str, Product]:
        return {p.id: p for p in self._listing()}

    def list_categories(self) -> tuple[Category, ...]:
        seen: dict[str, Category] = {}
        for product in self._listing():
            if product.category is not None:
                seen.setdefault(product.category.slug, product.category)
        return tuple(sorted(seen.values(), key=lambda c: c.name.lower()))

    def list_products(
        self, *, q: str = "", category: str = "", page: int = 1, per_page: int = 12
    ) -> ProductPage:
        text = q.strip().lower()
        rows = [
            p
            for p in self._listing()
            if (not category or (p.category is not None and p.category.slug == category))
            and (
                not text or text in p.name.lower() or text in (p.category.name.lower() if p.category else "")
            )
        ]
        total_pages = max(1, math.ceil(len(rows) / per_page))
        page = min(max(page, 1), total_pages)
        chunk = tuple(rows[(page - 1) * per_page : page * per_page])
        return ProductPage(products=chunk, page=page, total_pages=total_pages, total=len(rows))

    def featured_products(self, *, limit: int = 8) -> tuple[Product, ...]:
        return self._listing()[:limit]

    def get_product(self, slug: str) -> Product:
        pid = mapping.id_from_slug(slug)
        if pid is None:
            raise NotFound(MSG_UNKNOWN_PRODUCT)
        key = self._key("product", pid)
        product = cache.get(key)
        if product is None:
            try:
                raw = readers.as_dict(self.client.product(pid))
            except ProviderRejected as exc:  # SourceHub answers an unknown id with a 400
                raise NotFound(MSG_UNKNOWN_PRODUCT) from exc
            product = self._map(mapping.product, raw)
            if product is None:
                raise NotFound(MSG_UNKNOWN_PRODUCT)
            cache.set(key, product, settings.CATALOGUE_CACHE_SECONDS)
        if product.slug != slug:
            raise NotFound(MSG_UNKNOWN_PRODUCT)
        return product

    def _product_by_id(self, product_id: str) -> Product:
        found = self.catalogue_index().get(product_id)
        if found is not None:
            return found
        return self._fetch_product(product_id)

    def _fetch_product(self, product_id: str) -> Product:
        try:
            raw = readers.as_dict(self.client.product(product_id))
        except ProviderRejected as exc:
            raise NotFound(MSG_UNKNOWN_PRODUCT) from exc
        product = self._map(mapping.product, raw)
        if product is None:
            raise NotFound(MSG_UNKNOWN_PRODUCT)
        return product

    def check_delivery(self, *, pincode: str, product_slug: str | None = None) -> DeliveryCheck:
        """SourceHub has no serviceability call: the order goes to the buyer's registered address."""
        return DeliveryCheck(
            pincode=clean_pincode(pincode), serviceable=False, promise=None, message=MSG_DELIVERY
        )
