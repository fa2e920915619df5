"""Commerce Engine's catalogue: categories, product lists (browse by category, or search), product
pages with their variants and options. Every answer is cached per account (and account version)
for settings.CATALOGUE_CACHE_SECONDS, shared by all shoppers (catalogue reads carry the
storefront's own anonymous user, never a shopper's token)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache

from storefront import degraded
from storefront.exceptions import NotFound, ProviderUnavailable
from storefront.providers import readers
from storefront.providers.messages import MSG_UNKNOWN_PRODUCT, clean_pincode
from storefront.providers.types import Category, DeliveryCheck, Product, ProductPage

from . import mapping as cm
from .common import CommerceEngineBase, key_part

MSG_PINCODE_AT_CHECKOUT = "We'll confirm delivery to {pincode} with your address at checkout."
MSG_PINCODE_SAVED = "We'll check delivery to {pincode} when you add your address at checkout."


class CommerceEngineCatalogue(CommerceEngineBase):
    def _cached(self, name: str, parts: tuple, fetch: Callable[[], dict]) -> dict:
        """The cached answer, else a fresh one (kept for CATALOGUE_CACHE_SECONDS, and a second copy
        for CATALOGUE_STALE_SECONDS that a page read may fall back to while Commerce Engine is
        unavailable: storefront.degraded)."""
        key = f"{self._catalogue_ns}:{name}:{key_part(*parts)}"
        data = cache.get(key)
        if data is None:
            try:
                data = self._catalogue_call(fetch)
            except ProviderUnavailable:
                stale = cache.get(f"{key}:stale") if degraded.may_serve_stale() else None
                if stale is None:
                    raise
                degraded.note_stale(self.account, name)
                return stale
            cache.set(key, data, settings.CATALOGUE_CACHE_SECONDS)
            if settings.CATALOGUE_STALE_SECONDS > 0:
                cache.set(f"{key}:stale", data, settings.CATALOGUE_STALE_SECONDS)
        return data

    def list_categories(self) -> tuple[Category, ...]:
        body = self._cached("categories", (), lambda auth: self.client.categories(auth))
        return self._map(cm.map_categories, body)

    def list_products(
        self, *, q: str = "", category: str = "", page: int = 1, per_page: int = 12
    ) -> ProductPage:
        page = max(1, page)
        q = (q or "").strip()
        if q:
            body = self._cached(
                "search",
                (q, page, per_page),
                lambda auth: self.client.search(auth, query=q, page=page, limit=per_page),
            )
            return self._map(cm.map_product_page, body, page=page, per_page=per_page, key="skus")
        body = self._cached(
            "products",
            (category, page, per_page),
            lambda auth: self.client.products(auth, page=page, limit=per_page, category=category),
        )
        return self._map(cm.map_product_page, body, page=page, per_page=per_page)

    def featured_products(self, *, limit: int = 8) -> tuple[Product, ...]:
        return self.list_products(page=1, per_page=limit).products[:limit]

    def get_product(self, slug: str) -> Product:
        """GET /catalog/products/{id or slug}; a product with variants whose detail leaves them
        out costs one more GET …/variants."""
        slug = (slug or "").strip()
        if not slug:
            raise NotFound(MSG_UNKNOWN_PRODUCT)
        try:
            detail = self._cached("product", (slug,), lambda auth: self.client.product(auth, slug))
            raw = readers.as_dict(detail.get("product"))
            variants = None
            if raw.get("has_variant") is True and not readers.as_list(raw.get("variants")):
                answer = self._cached("variants", (slug,), lambda auth: self.client.variants(auth, slug))
                variants = readers.as_list(answer.get("variants"))
        except NotFound as exc:
            raise NotFound(MSG_UNKNOWN_PRODUCT) from exc
        if not raw:
            raise NotFound(MSG_UNKNOWN_PRODUCT)
        return self._map(cm.map_product, raw, variants)

    def check_delivery(self, *, pincode: str, product_slug: str | None = None) -> DeliveryCheck:
        """Serviceability is checked on the cart (`/fulfillment/serviceability` needs a cart or
        the items and answers only yes/no): the pincode is kept and checkout confirms it."""
        pincode = clean_pincode(pincode)
        message = MSG_PINCODE_AT_CHECKOUT if product_slug else MSG_PINCODE_SAVED
        return DeliveryCheck(pincode, True, None, message.format(pincode=pincode))
