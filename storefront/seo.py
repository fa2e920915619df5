"""What a product page tells the places people share it to and the search engines that index it
(issue 9, point 14): a meta description, Open Graph tags (title, image, price) and schema.org
`Product` JSON-LD with an INR `Offer` and its availability.

The JSON-LD is a data block (`<script type="application/ld+json">`): browsers never run it, so the
Content-Security-Policy's script rules do not apply to it. It is escaped so that no value can end
the block early: `<`, `>` and `&` are written as JSON escapes (`\\u003c`...), as Django's
`json_script` does."""

from __future__ import annotations

import json
from decimal import Decimal

from django.http import HttpRequest
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe

from storefront.money import format_inr, plain
from storefront.providers.types import Product

SHOP_NAME = "Kirana & Co."
DESCRIPTION_LENGTH = 160
HOME_DESCRIPTION = (
    "Groceries, fashion, footwear, home and kitchen, beauty, electronics and books at honest prices,"
    " GST included, delivered to your door across India."
)

_JSON_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


def clip(text: str, length: int = DESCRIPTION_LENGTH) -> str:
    """Plain text of at most `length` characters, cut at a word with an ellipsis."""
    text = " ".join(strip_tags(text or "").split())
    if len(text) <= length:
        return text
    return text[: length - 1].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def product_description(product: Product) -> str:
    price = format_inr(product.price)
    offer = f"{price}"
    if product.discount_percent:
        offer += f" ({product.discount_percent}% off MRP {format_inr(product.mrp)})"
    lead = f"{product.brand} {product.name} for {offer}." if product.brand else f"{product.name} for {offer}."
    if not product.in_stock:
        lead += " Out of stock."
    return clip(f"{lead} {product.description}".strip())


def listing_description(*, total: int, q: str = "", category_name: str = "") -> str:
    what = "product" if total == 1 else "products"
    tail = "prices include GST, delivered across India."
    if q:
        return clip(f"{total} {what} matching “{q}” at {SHOP_NAME}: {tail}")
    if category_name:
        return clip(f"Shop {category_name} at {SHOP_NAME}: {total} {what}, {tail}")
    return clip(f"All {total} {what} at {SHOP_NAME}: groceries, fashion, home and more, {tail}")


def _absolute(request: HttpRequest, url: str) -> str:
    return request.build_absolute_uri(url) if url else ""


def _availability(product: Product) -> str:
    return "https://schema.org/InStock" if product.in_stock else "https://schema.org/OutOfStock"


def product_json_ld(request: HttpRequest, product: Product) -> dict:
    url = request.build_absolute_uri(request.path)
    offer: dict = {
        "@type": "Offer",
        "url": url,
        "priceCurrency": "INR",
        "price": plain(product.price),
        "availability": _availability(product),
        "itemCondition": "https://schema.org/NewCondition",
    }
    prices = [v.price for v in product.variants if v.in_stock] or [product.price]
    if max(prices) != min(prices):
        offer = {
            "@type": "AggregateOffer",
            "url": url,
            "priceCurrency": "INR",
            "lowPrice": plain(min(prices)),
            "highPrice": plain(max(prices)),
            "offerCount": len(prices),
            "availability": _availability(product),
        }
    data: dict = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.name,
        "sku": product.id,
        "url": url,
        "image": [_absolute(request, image) for image in product.images],
        "description": clip(product.description, 500) or product_description(product),
        "offers": offer,
    }
    if product.brand:
        data["brand"] = {"@type": "Brand", "name": product.brand}
    if product.category:
        data["category"] = product.category.name
    return data


def json_ld(data: dict) -> SafeString:
    """The `<script type="application/ld+json">` block, escaped for HTML."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=_decimal).translate(
        _JSON_ESCAPES
    )
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308 - escaped above


def _decimal(value):
    if isinstance(value, Decimal):
        return plain(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def product_meta(request: HttpRequest, product: Product) -> dict:
    """What the product page's <head> shows: description, Open Graph and JSON-LD."""
    image = _absolute(request, product.images[0]) if product.images else ""
    return {
        "description": product_description(product),
        "og": {
            "og:type": "product",
            "og:site_name": SHOP_NAME,
            "og:title": product.name,
            "og:description": product_description(product),
            "og:url": request.build_absolute_uri(request.path),
            "og:image": image,
            "og:image:alt": product.name if image else "",
            "product:price:amount": plain(product.price),
            "product:price:currency": "INR",
            "product:availability": "in stock" if product.in_stock else "out of stock",
        },
        "json_ld": json_ld(product_json_ld(request, product)),
    }
