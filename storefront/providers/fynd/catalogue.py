"""Fynd's catalogue: categories, product lists and pages, size prices and delivery checks, each
answer cached per account version for settings.CATALOGUE_CACHE_SECONDS, with a second copy kept for
settings.CATALOGUE_STALE_SECONDS that pages read inside storefront.degraded.stale_allowed() fall
back to while Fynd is unavailable."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache

from storefront import degraded
from storefront.exceptions import (
    NotFound,
    ProviderRejected,
    ProviderUnavailable,
)
from storefront.providers import readers
from storefront.providers.types import (
    Category,
    DeliveryCheck,
    Product,
    ProductPage,
)
from storefront.text import format_day

from . import mapping as fm
from .common import (
    MSG_PINCODE_DELIVERS,
    MSG_PINCODE_OK,
    MSG_PINCODE_SAVED,
    MSG_PINCODE_UNSERVICEABLE,
    MSG_PRODUCT_OUT_OF_STOCK,
    MSG_UNKNOWN_PRODUCT,
    FyndBase,
    clean_pincode,
    key_part,
)


class FyndCatalogue(FyndBase):
    def _cached(self, name: str, parts: tuple, fetch: Callable[[], dict]) -> dict:
        key = f"{self._catalogue_ns}:{name}:{key_part(*parts)}"
        data = cache.get(key)
        if data is None:
            try:
                data = fetch()
            except ProviderUnavailable:
                stale = cache.get(f"{key}:stale") if degraded.may_serve_stale() else None
                if stale is None:
                    raise
                degraded.note_stale(self.account, name)
                return stale
            cache.set(key, data, settings.CATALOGUE_CACHE_SECONDS)
            if settings.CATALOGUE_STALE_SECONDS > 0:  # the newest answer replaces the stale copy
                cache.set(f"{key}:stale", data, settings.CATALOGUE_STALE_SECONDS)
        return data

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
        pincode = clean_pincode(pincode)
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
        date = format_day(promise.max)
        return DeliveryCheck(pincode, True, promise, MSG_PINCODE_OK.format(pincode=pincode, date=date))
