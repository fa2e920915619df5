"""Catalogue routes of the fake Commerce Engine server (commerce_engine.md §2.4): products with
variants and options, categories, SKU rows, search, category filter and pagination."""

from __future__ import annotations

import copy
import json
import math
import re
from decimal import Decimal
from typing import Any

from tests.fakes.base import Request, Response, route
from tests.fakes.commerce_engine import data
from tests.fakes.commerce_engine.core import CoreServer, D, ce_route, money, num

SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400" viewBox="0 0 400 400">'
    '<rect width="400" height="400" fill="#e8e0d4"/><text x="200" y="210" font-size="28" '
    'text-anchor="middle" fill="#5d4037">{name}</text></svg>'
)


class CatalogServer(CoreServer):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.categories = copy.deepcopy(data.CATEGORIES)
        self.products: dict[str, dict[str, Any]] = {p["id"]: copy.deepcopy(p) for p in data.PRODUCTS}
        self.promotions = self.anchor(copy.deepcopy(data.PROMOTIONS))

    # ------------------------------------------------------------------ test hooks
    def product(self, key: str) -> dict[str, Any]:
        """The product record by id, slug or sku (mutable: tests may change it)."""
        found = self.find_product(key)
        assert found is not None, key
        return found

    def set_stock(self, product: str, qty: int, variant: str | None = None) -> None:
        with self._lock:
            self.stock_record(self.product(product), variant)["stock"] = qty

    def set_price(
        self, product: str, selling: str, listing: str | None = None, variant: str | None = None
    ) -> None:
        with self._lock:
            record = self.stock_record(self.product(product), variant)
            target = record if variant else record["pricing"]
            target["selling" if variant else "selling_price"] = selling
            if listing is not None:
                target["listing" if variant else "listing_price"] = listing

    # ------------------------------------------------------------------ lookups
    def find_product(self, key: str) -> dict[str, Any] | None:
        return next((p for p in self.products.values() if key in (p["id"], p["slug"], p["sku"])), None)

    def find_variant(self, product: dict[str, Any], key: str | None) -> dict[str, Any] | None:
        return next((v for v in product.get("variants", []) if key in (v["id"], v["slug"], v["sku"])), None)

    @staticmethod
    def stock_record(product: dict[str, Any], variant: str | None) -> dict[str, Any]:
        if variant is None:
            return product
        found = next(v for v in product["variants"] if variant in (v["id"], v["slug"], v["sku"]))
        return found

    def stock_of(self, product: dict[str, Any], variant: dict[str, Any] | None) -> int:
        if variant is not None:
            return int(variant["stock"])
        if product.get("variants"):
            return sum(int(v["stock"]) for v in product["variants"])
        return int(product.get("stock", 0))

    def pricing_of(self, product: dict[str, Any], variant: dict[str, Any] | None) -> dict[str, Any]:
        """Decimal pricing of a product or one variant (variant keys override the product's)."""
        base = product["pricing"]
        v = variant or {}
        return {
            "selling_price": D(v.get("selling", base["selling_price"])),
            "listing_price": D(v.get("listing", base["listing_price"])),
            "tax_rate": D(base["tax_rate"]),
            "price_including_tax": bool(base["price_including_tax"]),
            "min_order_quantity": int(v.get("min_qty", base["min_order_quantity"])),
            "max_order_quantity": v.get("max_qty", base["max_order_quantity"]),
            "incremental_quantity": int(v.get("step", base["incremental_quantity"])),
        }

    @staticmethod
    def net_unit(pricing: dict[str, Any]) -> Decimal:
        """§5.3 step 1: the unit price without GST."""
        if pricing["price_including_tax"]:
            return money(pricing["selling_price"] / (1 + pricing["tax_rate"] / 100))
        return money(pricing["selling_price"])

    def category_ids(self, product: dict[str, Any]) -> list[str]:
        return [data.CAT[slug] for slug in product["categories"]]

    def promotion_for(self, product: dict[str, Any]) -> dict[str, Any] | None:
        now = self.now()
        for promo in self.promotions:
            if promo.get("promotion_type") != "discount":
                continue
            if not self.window_open(promo, now):
                continue
            if promo.get("category") in product["categories"]:
                return promo
        return None

    def anchor(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Turn the seed's day offsets into dates (`_starts`, `_ends`) relative to the server's start."""
        from datetime import timedelta

        now = self.now()
        for record in records:
            starts, ends = record.get("starts_days"), record.get("expires_days")
            record["_starts"] = None if starts is None else now + timedelta(days=starts)
            record["_ends"] = None if ends is None else now + timedelta(days=ends)
        return records

    @staticmethod
    def window_open(record: dict[str, Any], now) -> bool:
        if record.get("_starts") is not None and now < record["_starts"]:
            return False
        return not (record.get("_ends") is not None and now >= record["_ends"])

    # ------------------------------------------------------------------ shapes
    def image_json(self, product: dict[str, Any]) -> list[dict[str, Any]]:
        url = f"{self.base_url}/images/{product['slug']}.svg"
        return [
            {
                "id": product["id"][:-3] + "IMG",
                "title": product["name"],
                "alternate_text": product["name"],
                "sort_order": 1,
                "url_tiny": url,
                "url_thumbnail": url,
                "url_standard": url,
                "url_zoom": url,
            }
        ]

    def pricing_json(self, product: dict[str, Any], variant: dict[str, Any] | None) -> dict[str, Any]:
        p = self.pricing_of(product, variant)
        return {
            "currency": dict(data.CURRENCY),
            "tax_type": "GST",
            "tax_rate": num(p["tax_rate"]),
            "price_including_tax": p["price_including_tax"],
            "listing_price": num(p["listing_price"]),
            "selling_price": num(p["selling_price"]),
            "selling_price_excluding_tax": num(self.net_unit(p)),
            "min_order_quantity": p["min_order_quantity"],
            "max_order_quantity": p["max_order_quantity"],
            "incremental_quantity": p["incremental_quantity"],
        }

    def associated_options(
        self, product: dict[str, Any], variant: dict[str, Any] | None
    ) -> dict[str, Any] | None:
        if variant is None:
            return None
        out = {}
        for option in product.get("options", []):
            chosen = variant["options"].get(option["key"])
            if chosen is None:
                continue
            if option["type"] == "color":
                value: Any = next(v for v in option["values"] if v["name"] == chosen)
            else:
                value = chosen
            out[option["key"]] = {
                "name": option["name"],
                "type": option["type"],
                "value": copy.deepcopy(value),
            }
        return out

    def promotion_json(self, product: dict[str, Any]) -> dict[str, Any] | None:
        promo = self.promotion_for(product)
        if promo is None:
            return None
        return {
            "id": promo["id"],
            "name": promo["name"],
            "description": promo["description"],
            "promotion_type": promo["promotion_type"],
        }

    def variant_json(
        self, product: dict[str, Any], variant: dict[str, Any], *, inventory: bool = False
    ) -> dict[str, Any]:
        stock = self.stock_of(product, variant)
        return {
            "id": variant["id"],
            "product_id": product["id"],
            "sku": variant["sku"],
            "slug": variant["slug"],
            "name": variant["name"],
            "product_name": product["name"],
            "short_description": product["short_description"],
            "active": True,
            "stock_available": stock > 0,
            "backorder": False,
            "on_promotion": self.promotion_for(product) is not None,
            "on_subscription": False,
            "is_default": variant is product["variants"][0],
            "associated_options": self.associated_options(product, variant),
            "images": self.image_json(product),
            "videos": [],
            "pricing": self.pricing_json(product, variant),
            "subscription": [],
            "promotion": self.promotion_json(product),
            "inventory": {"total_quantity": stock} if inventory else None,
        }

    def product_json(self, product: dict[str, Any], *, inventory: bool = False) -> dict[str, Any]:
        variants = product.get("variants", [])
        stock = self.stock_of(product, None)
        count, rating_sum = product.get("rating", (0, 0))[1], product.get("rating", (0, 0))[0]
        return {
            "id": product["id"],
            "sku": product["sku"],
            "name": product["name"],
            "slug": product["slug"],
            "short_description": product["short_description"],
            "description": f"<p>{product['short_description']}</p>",
            "product_type": product["product_type"],
            "active": True,
            "stock_available": stock > 0,
            "backorder": False,
            "on_subscription": False,
            "on_promotion": self.promotion_for(product) is not None,
            "has_variant": bool(variants),
            "tags": list(product["tags"]),
            "category_ids": self.category_ids(product),
            "categories": [
                self.category_json(c) for c in self.categories if c["slug"] in product["categories"]
            ],
            "reviews_rating_sum": rating_sum,
            "reviews_count": count,
            "attributes": [],
            "pricing": self.pricing_json(product, variants[0] if variants else None),
            "variant_options": [
                {"key": o["key"], "name": o["name"], "type": o["type"], "values": copy.deepcopy(o["values"])}
                for o in product.get("options", [])
            ],
            "promotion": self.promotion_json(product),
            "images": self.image_json(product),
            "subscription": [],
            "variants": [self.variant_json(product, v, inventory=inventory) for v in variants],
            "bundle_items": None,
            "inventory": {"total_quantity": stock} if inventory else None,
        }

    def item_json(self, product: dict[str, Any], variant: dict[str, Any] | None) -> dict[str, Any]:
        count, rating_sum = product.get("rating", (0, 0))[1], product.get("rating", (0, 0))[0]
        return {
            "product_id": product["id"],
            "variant_id": variant["id"] if variant else None,
            "sku": variant["sku"] if variant else product["sku"],
            "product_slug": product["slug"],
            "variant_slug": variant["slug"] if variant else None,
            "product_name": product["name"],
            "variant_name": variant["name"] if variant else None,
            "product_type": product["product_type"],
            "active": True,
            "stock_available": self.stock_of(product, variant) > 0,
            "backorder": False,
            "category_ids": self.category_ids(product),
            "tags": list(product["tags"]),
            "reviews_count": count,
            "reviews_rating_sum": rating_sum,
            "attributes": [],
            "images": self.image_json(product),
            "pricing": self.pricing_json(product, variant),
            "promotion": self.promotion_json(product),
            "subscription": [],
            "associated_options": self.associated_options(product, variant),
            "shipping": None,
            "inventory": None,
        }

    def category_json(self, category: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": category["id"],
            "name": category["name"],
            "slug": category["slug"],
            "description": None,
            "parent_category_id": category["parent"],
            "product_count": sum(1 for p in self.products.values() if category["slug"] in p["categories"]),
            "active": True,
        }

    @staticmethod
    def paginate(rows: list[Any], page: int, limit: int) -> tuple[list[Any], dict[str, Any]]:
        total_pages = max(1, math.ceil(len(rows) / limit)) if rows else 0
        chunk = rows[(page - 1) * limit : page * limit]
        return chunk, {
            "total_records": len(rows),
            "total_pages": total_pages,
            "previous_page": page - 1 if page > 1 else None,
            "next_page": page + 1 if page < total_pages else None,
            "limit": limit,
        }

    # ------------------------------------------------------------------ request helpers
    def catalog_auth(self, req: Request) -> None:
        """Catalogue reads: the SDK's public client sends only `X-Api-Key`; a Bearer token works too."""
        if req.headers.get("x-api-key") == self.api_key:
            return
        self.bearer(req)

    def page_args(self, page: Any, limit: Any, default_limit: int = 25) -> tuple[int, int]:
        try:
            page_n = int(page) if page not in (None, "") else 1
            limit_n = int(limit) if limit not in (None, "") else default_limit
        except (TypeError, ValueError):
            raise self.fail(400, "page and limit must be whole numbers", "validation_error") from None
        if page_n < 1 or not 1 <= limit_n <= 100:
            raise self.fail(400, "page must be 1 or more and limit between 1 and 100", "validation_error")
        return page_n, limit_n

    @staticmethod
    def multi(req: Request, name: str) -> list[str]:
        """A repeated query parameter, sent as `name[]=` (the contract's spelling) or `name=`."""
        values: list[str] = []
        for key in (f"{name}[]", name):
            raw = req.query.get(key)
            if raw is None:
                continue
            for value in raw if isinstance(raw, list) else [raw]:
                values.extend(v for v in value.split(",") if v)
        return values

    # ------------------------------------------------------------------ routes
    @route("GET", r"/images/(?P<slug>[\w-]+)\.svg")
    def _image(self, req: Request) -> Response:
        product = self.find_product(req.args["slug"])
        name = product["name"] if product else "Image"
        return Response(200, SVG.format(name=name), {"Content-Type": "image/svg+xml"})

    @ce_route("GET", "/catalog/products")
    def _products(self, req: Request) -> dict:
        self.catalog_auth(req)
        page, limit = self.page_args(req.q("page"), req.q("limit"))
        rows = list(self.products.values())
        ids, slugs = self.multi(req, "category_id"), self.multi(req, "category_slug")
        if ids or slugs:
            wanted = {c["slug"] for c in self.categories if c["id"] in ids or c["slug"] in slugs}
            rows = [p for p in rows if wanted & set(p["categories"])]
        types = self.multi(req, "product_type")
        if types:
            rows = [p for p in rows if p["product_type"] in types]
        rows = self.sorted_rows(rows, req.q("sort_by"))
        chunk, pagination = self.paginate(rows, page, limit)
        inventory = req.q("inventory") == "true"
        return self.ok(
            "products",
            products=[self.product_json(p, inventory=inventory) for p in chunk],
            pagination=pagination,
        )

    def sorted_rows(self, rows: list[dict[str, Any]], sort_by: str | None) -> list[dict[str, Any]]:
        if not sort_by:
            return rows
        try:
            spec = json.loads(sort_by)
            (field, direction), *_ = spec.items()
        except (ValueError, AttributeError):
            raise self.fail(
                400, 'sort_by must be a JSON object like {"name":"asc"}', "validation_error"
            ) from None
        keys = {
            "name": lambda p: p["name"].lower(),
            "selling_price": lambda p: self.pricing_of(p, (p.get("variants") or [None])[0])["selling_price"],
            "pricing.selling_price": lambda p: self.pricing_of(p, (p.get("variants") or [None])[0])[
                "selling_price"
            ],
        }
        if field not in keys or direction not in ("asc", "desc"):
            raise self.fail(400, f"cannot sort by {field}", "validation_error")
        return sorted(rows, key=keys[field], reverse=direction == "desc")

    @ce_route("GET", "/catalog/products/{product_id}")
    def _product(self, req: Request) -> dict:
        self.catalog_auth(req)
        product = self.find_product(req.args["product_id"])
        if product is None:
            raise self.fail(404, "Product not found", "not_found")
        return self.ok(
            "product details", product=self.product_json(product, inventory=req.q("inventory") == "true")
        )

    @ce_route("GET", "/catalog/products/{product_id}/variants")
    def _variants(self, req: Request) -> dict:
        self.catalog_auth(req)
        product = self.find_product(req.args["product_id"])
        if product is None:
            raise self.fail(404, "Product not found", "not_found")
        inventory = req.q("inventory") == "true"
        return self.ok(
            "variants",
            variants=[
                self.variant_json(product, v, inventory=inventory) for v in product.get("variants", [])
            ],
        )

    @ce_route("GET", "/catalog/products/{product_id}/variants/{variant_id}")
    def _variant(self, req: Request) -> dict:
        self.catalog_auth(req)
        product = self.find_product(req.args["product_id"])
        variant = self.find_variant(product, req.args["variant_id"]) if product else None
        if variant is None:
            raise self.fail(404, "Variant not found", "not_found")
        return self.ok("variant details", variant=self.variant_json(product, variant, inventory=True))

    @ce_route("GET", "/catalog/skus")
    def _skus(self, req: Request) -> dict:
        self.catalog_auth(req)
        page, limit = self.page_args(req.q("page"), req.q("limit"))
        rows = self.sku_rows(list(self.products.values()))
        wanted = self.multi(req, "sku")
        if wanted:
            rows = [r for r in rows if r["sku"] in wanted]
        chunk, pagination = self.paginate(rows, page, limit)
        return self.ok("skus", skus=chunk, pagination=pagination)

    def sku_rows(self, products: list[dict[str, Any]]) -> list[dict[str, Any]]:
        rows = []
        for product in products:
            for variant in product.get("variants") or [None]:
                rows.append(self.item_json(product, variant))
        return rows

    @ce_route("GET", "/catalog/categories")
    def _categories(self, req: Request) -> dict:
        self.catalog_auth(req)
        page, limit = self.page_args(req.q("page"), req.q("limit"))
        rows = self.categories
        parent = req.q("parent_category_id")
        if parent:
            rows = [c for c in rows if c["parent"] == parent]
        elif req.q("nested_level") not in (None, "", "0"):
            rows = [c for c in rows if c["parent"] is None]
        search = (req.q("search") or "").lower()
        if search:
            rows = [c for c in rows if search in c["name"].lower()]
        chunk, pagination = self.paginate(rows, page, limit)
        out = []
        for category in chunk:
            row = self.category_json(category)
            row["child_categories"] = [
                self.category_json(c) for c in self.categories if c["parent"] == category["id"]
            ]
            out.append(row)
        return self.ok("categories", categories=out, pagination=pagination)

    @ce_route("POST", "/catalog/products/search")
    def _search(self, req: Request) -> dict:
        self.catalog_auth(req)
        body = self.body(req)
        query = body.get("query")
        if not isinstance(query, str):
            raise self.fail(400, "query is required", "validation_error", {"query": ["required"]})
        page, limit = self.page_args(body.get("page"), body.get("limit"))
        words = [w for w in re.split(r"\W+", query.lower()) if w]
        rows = []
        for row in self.sku_rows(list(self.products.values())):
            text = " ".join(
                [row["product_name"], row["variant_name"] or "", row["sku"], *row["tags"]]
            ).lower()
            if all(w in text for w in words) and self.passes_filter(row, body.get("filter")):
                rows.append(row)
        for spec in reversed(body.get("sort") or []):
            field, _, direction = str(spec).partition(":")
            if field == "product_name":
                rows.sort(key=lambda r: r["product_name"].lower(), reverse=direction == "desc")
            elif field in ("pricing.selling_price", "selling_price"):
                rows.sort(key=lambda r: D(r["pricing"]["selling_price"]), reverse=direction == "desc")
        facets: dict[str, dict[str, int]] = {}
        for facet in body.get("facets") or []:
            counts: dict[str, int] = {}
            for row in rows:
                for value in self.facet_values(row, facet):
                    counts[value] = counts.get(value, 0) + 1
            facets[facet] = counts
        prices = [D(r["pricing"]["selling_price"]) for r in rows]
        stats = (
            {"pricing.selling_price": {"min": num(min(prices)), "max": num(max(prices))}} if prices else {}
        )
        chunk, pagination = self.paginate(rows, page, limit)
        return self.ok(
            "search results", skus=chunk, facet_distribution=facets, facet_stats=stats, pagination=pagination
        )

    def facet_values(self, row: dict[str, Any], facet: str) -> list[str]:
        if facet == "categories.name":
            return [c["name"] for c in self.categories if c["id"] in row["category_ids"]]
        if facet == "tags":
            return list(row["tags"])
        if facet == "stock_available":
            return [str(row["stock_available"]).lower()]
        return []

    def passes_filter(self, row: dict[str, Any], flt: Any) -> bool:
        """The equality subset of the contract's filter syntax: `attr = value`, `attr != value`, joined
        by AND; an array is AND, an inner array OR. Other operators are refused with 400."""
        if flt in (None, "", []):
            return True
        if isinstance(flt, list):
            return all(
                any(self.passes_filter(row, f) for f in part)
                if isinstance(part, list)
                else self.passes_filter(row, part)
                for part in flt
            )
        for clause in re.split(r"\s+AND\s+", str(flt)):
            found = re.fullmatch(r"\s*([\w.]+)\s*(!=|=)\s*(.+?)\s*", clause)
            if not found:
                raise self.fail(400, f"unsupported filter: {clause}", "validation_error")
            attr, op, value = found.groups()
            value = value.strip("'\"").lower()
            values = [v.lower() for v in self.facet_values(row, attr)] or [str(row.get(attr, "")).lower()]
            if (value in values) != (op == "="):
                return False
        return True
