"""Fynd JSON → the storefront's `types.py` dataclasses.

Pure functions: no HTTP, no database, built on the shared tolerant readers in
`storefront.providers.readers`. Amounts go through `as_money` (the client parses JSON with Decimal,
so no float ever reaches here); datetimes come out aware. Unknown fields
are ignored, missing optional ones get neutral defaults, so a newer Fynd answer with extra keys maps
exactly like the documented one.

Price breakup (`breakup_values`, fynd.md §3.3). The rows are Fynd's `display[]` rows, in Fynd's
order, with Fynd's labels (`display`) and messages (`message[]`); only their keys are renamed to the
storefront's `data-breakup-key` names, and deductions are made negative when Fynd sends them
positive. When `display` is empty the rows are built from `raw` (non-zero values, in the order
below, default labels). A `total` row is always present.

| Fynd key (display `key` / `raw` field) | data-breakup-key   | sign / role                 |
| -------------------------------------- | ------------------ | --------------------------- |
| `mrp_total` (also `total_mrp`)          | `mrp_total`        |                             |
| `discount`                              | `discount`         | deduction (negative)        |
| `subtotal` (also `sub_total`)           | `subtotal`         |                             |
| `coupon`                                | `coupon`           | deduction                   |
| `promotion`                             | `promotion`        | deduction                   |
| `fynd_cash` (also `loyalty_points`)     | `loyalty_points`   | deduction                   |
| `gift_card`                             | `gift_card`        | deduction                   |
| `store_credit` (also `credit_balance`)  | `credit_balance`   | deduction                   |
| `delivery_charge` (also `delivery_charges`) | `delivery_charge` |                          |
| `cod_charge`                            | `cod_charge`       |                             |
| `convenience_fee`                       | `convenience_fee`  |                             |
| `total`                                 | `total`            | what the customer pays      |
| `gst_charges`                           | `gst_charges`      | informational (inside total) |
| `you_saved`                             | `you_saved`        | informational               |
| `vog`                                   | `vog`              | informational               |
| `total_charge`                          | `total_charge`     | informational               |
| `mop_total`                             | `mop_total`        | informational               |
| anything else                           | Fynd's key, lower-cased, non-alphanumerics as `_` | as sent |

Cart lines (`items[]`, §3.2): line id = `identifiers.identifier` (the id Fynd wants back in update
and remove), else `key`. Unit prices from `price_per_unit` (`converted`, else `base`), line totals
from `price`; `availability` gives the size list and the line's availability; `message`,
`coupon_message`, `promo_meta.message` and each `promotions_applied[].offer_text` become line
messages; `moq` becomes the product's QuantityRule; `delivery_promise` the line's promise.

Cart (§3.1): `restrict_checkout` or `is_valid: false` (with lines) → `checkout_blocked` with Fynd's
`message`; `staff_user` is the name of our staff member who prepared the cart (FyndCart), else
Fynd's `staff_user_id`; applied coupon, loyalty points, gift card and
`applied_promo_details` → redemptions; `gstin`, `comment` and our own `custom_cart_meta` echo →
CartMeta; `message`, `delivery_charge_info` and `coupon_text` → cart messages (info).
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

from django.utils.html import strip_tags
from django.utils.text import slugify

from storefront.money import ZERO
from storefront.providers.readers import (
    as_bool,
    as_dict,
    as_int,
    as_list,
    as_money,
    as_str,
    parse_moment,
)
from storefront.providers.types import (
    Address,
    BreakupRow,
    Capability,
    Cart,
    CartLine,
    CartMeta,
    Category,
    CouponOffer,
    DeliveryPromise,
    LoyaltySummary,
    Message,
    MessageLevel,
    OrderType,
    Product,
    ProductPage,
    QuantityRule,
    Redemption,
    Variant,
)

# ----------------------------------------------------------------------------- breakup key map

BREAKUP_KEYS = {
    "mrp_total": "mrp_total",
    "total_mrp": "mrp_total",
    "discount": "discount",
    "subtotal": "subtotal",
    "sub_total": "subtotal",
    "coupon": "coupon",
    "promotion": "promotion",
    "fynd_cash": "loyalty_points",
    "loyalty_points": "loyalty_points",
    "gift_card": "gift_card",
    "store_credit": "credit_balance",
    "credit_balance": "credit_balance",
    "delivery_charge": "delivery_charge",
    "delivery_charges": "delivery_charge",
    "cod_charge": "cod_charge",
    "convenience_fee": "convenience_fee",
    "total": "total",
    "gst_charges": "gst_charges",
    "you_saved": "you_saved",
    "vog": "vog",
    "total_charge": "total_charge",
    "mop_total": "mop_total",
}
DEDUCTIONS = frozenset({"discount", "coupon", "promotion", "loyalty_points", "gift_card", "credit_balance"})
INFORMATIONAL = frozenset({"gst_charges", "you_saved", "vog", "total_charge", "mop_total"})
# Rows built from `raw` when Fynd sends no `display` rows: (raw field, storefront key, label)
RAW_ORDER = (
    ("mrp_total", "mrp_total", "MRP Total"),
    ("discount", "discount", "Discount"),
    ("subtotal", "subtotal", "Subtotal"),
    ("coupon", "coupon", "Coupon"),
    ("fynd_cash", "loyalty_points", "Loyalty points"),
    ("gift_card", "gift_card", "Gift Card"),
    ("delivery_charge", "delivery_charge", "Delivery charges"),
    ("cod_charge", "cod_charge", "COD charges"),
    ("convenience_fee", "convenience_fee", "Convenience fee"),
    ("total", "total", "Total"),
    ("gst_charges", "gst_charges", "GST included"),
    ("you_saved", "you_saved", "You saved"),
)
TOTAL_LABEL = "Total"

DEFAULT_MAX_QUANTITY = 99  # Fynd's cart gives no maximum unless `moq.maximum` says so
POINT_VALUE = Decimal("1")  # Fynd's loyalty block carries points as rupee amounts (fynd.md §6.10)

MSG_LINE_OUT_OF_STOCK = "Out of stock. Remove it to check out."
MSG_LINE_NOT_DELIVERABLE = "This item can't be delivered to {pincode}. Remove it or change the pincode."
MSG_LINE_INVALID = "This item can't be ordered right now. Remove it to check out."
MSG_CHECKOUT_RESTRICTED = "Checkout is not available for this cart right now."
MSG_CART_INVALID = "Some items in your cart can't be ordered. Update or remove them to check out."
MSG_COUPON_NOT_APPLIED = "This coupon can't be used on your cart."

# Our own cart meta, echoed back by Fynd in `custom_cart_meta` (fynd.md §2.3 CartMetaRequest)
CUSTOM_META_KEYS = ("gift_message", "business_name", "order_type", "pickup_name", "pickup_phone")


def key_name(fynd_key: str) -> str:
    key = as_str(fynd_key).lower()
    return BREAKUP_KEYS.get(key) or re.sub(r"[^a-z0-9]+", "_", key).strip("_") or "other"


# ----------------------------------------------------------------------------- delivery promise


def map_promise(raw: Any, *, pincode: str = "", city: str = "") -> DeliveryPromise | None:
    """ShipmentPromise (`iso`, else `timestamp` epoch seconds) or the catalogue's `{min, max}`."""
    raw = as_dict(raw)
    if not raw:
        return None
    low = high = None
    for source in (as_dict(raw.get("iso")), as_dict(raw.get("timestamp")), raw):
        low, high = parse_moment(source.get("min")), parse_moment(source.get("max"))
        if low and high:
            break
    if not (low and high):
        return None
    if high < low:
        low, high = high, low
    return DeliveryPromise(min=low, max=high, pincode=pincode, city=city)


# ----------------------------------------------------------------------------- breakup


def _row_amount(key: str, value: Any) -> Decimal:
    amount = as_money(value)
    if key in DEDUCTIONS and amount > 0:
        return -amount
    return amount


def map_breakup(breakup_values: Any) -> tuple[BreakupRow, ...]:
    bv = as_dict(breakup_values)
    raw = as_dict(bv.get("raw"))
    rows: list[BreakupRow] = []
    for entry in as_list(bv.get("display")):
        entry = as_dict(entry)
        if not entry:
            continue
        key = key_name(entry.get("key"))
        value = entry.get("value")
        if value is None:
            value = raw.get(as_str(entry.get("key")))
        messages = tuple(as_str(m) for m in as_list(entry.get("message")) if as_str(m))
        rows.append(
            BreakupRow(
                key=key,
                label=as_str(entry.get("display")) or key.replace("_", " ").capitalize(),
                amount=_row_amount(key, value),
                informational=key in INFORMATIONAL,
                messages=messages,
            )
        )
    if not rows:
        for field, key, label in RAW_ORDER:
            value = raw.get(field)
            if value is None or (as_money(value) == 0 and key not in ("subtotal", "total")):
                continue
            rows.append(BreakupRow(key, label, _row_amount(key, value), informational=key in INFORMATIONAL))
    if not any(r.key == "total" for r in rows):
        rows.append(BreakupRow("total", TOTAL_LABEL, as_money(raw.get("total"))))
    return tuple(rows)


def map_loyalty(breakup_values: Any) -> LoyaltySummary | None:
    points = as_dict(as_dict(breakup_values).get("loyalty_points"))
    if not points:
        return None
    applicable = as_int(as_money(points.get("applicable")))
    applied = 0
    if points.get("is_applied") is True:
        used = abs(as_money(as_dict(as_dict(breakup_values).get("raw")).get("fynd_cash")))
        applied = as_int(used / POINT_VALUE) if used else applicable
    return LoyaltySummary(
        balance=as_int(as_money(points.get("total"))),
        applicable=applicable,
        applied=applied,
        point_value=POINT_VALUE,
    )


# ----------------------------------------------------------------------------- products


def map_quantity_rule(moq: Any) -> QuantityRule:
    moq = as_dict(moq)
    minimum = max(1, as_int(moq.get("minimum"), 1))
    maximum = as_int(moq.get("maximum"), 0) or DEFAULT_MAX_QUANTITY
    increment = max(1, as_int(moq.get("increment_unit"), 1))
    return QuantityRule(minimum=minimum, maximum=max(maximum, minimum), increment=increment)


def _category_slug(category: dict[str, Any]) -> str:
    query = as_dict(as_dict(category.get("action")).get("query"))
    for key in ("category", "l3_category", "l2_category", "l1_category", "slug"):
        values = query.get(key)
        if isinstance(values, list) and values:
            return as_str(values[0])
        if isinstance(values, str) and values:
            return values
    return as_str(category.get("slug")) or slugify(as_str(category.get("name")))


def _first_category(product: dict[str, Any]) -> Category | None:
    for category in as_list(product.get("categories")):
        category = as_dict(category)
        if as_str(category.get("name")):
            return Category(slug=_category_slug(category), name=as_str(category.get("name")))
    return None


def _images(product: dict[str, Any]) -> tuple[str, ...]:
    urls = []
    for media in as_list(product.get("medias")):
        media = as_dict(media)
        if as_str(media.get("type") or "image") == "image" and as_str(media.get("url")):
            urls.append(as_str(media["url"]))
    for image in as_list(product.get("images")):
        image = as_dict(image)
        url = as_str(image.get("secure_url")) or as_str(image.get("url"))
        if url:
            urls.append(url)
    return tuple(dict.fromkeys(urls))


def _range_low(price: Any, field: str) -> Decimal | None:
    """`price.<field>` as a Price {min, max} (listing, sizes) or a plain number (v3 price)."""
    value = as_dict(price).get(field)
    if isinstance(value, dict):
        value = value.get("min", value.get("max"))
    return None if value is None else as_money(value)


def _range_high(price: Any, field: str) -> Decimal | None:
    value = as_dict(price).get(field)
    if isinstance(value, dict):
        value = value.get("max", value.get("min"))
    return None if value is None else as_money(value)


def price_varies(sizes_body: Any) -> bool:
    """Whether the sizes of a product have different prices (then each size is priced alone)."""
    price = as_dict(as_dict(sizes_body).get("price"))
    return any(_range_low(price, f) != _range_high(price, f) for f in ("effective", "marked"))


def _pair(price: Any, fallback: tuple[Decimal, Decimal]) -> tuple[Decimal, Decimal]:
    """(mrp, selling price) from a Fynd price block."""
    effective = _range_low(price, "effective")
    marked = _range_low(price, "marked")
    if effective is None and marked is None:
        return fallback
    effective = effective if effective is not None else marked
    marked = marked if marked is not None and marked >= effective else effective
    return marked, effective


def _product_identity(body: dict) -> dict[str, Any]:
    """The fields a listing item and a product detail share (§8.3, §8.4)."""
    return {
        "id": as_str(body.get("uid")),
        "slug": as_str(body.get("slug")),
        "name": as_str(body.get("name")),
        "brand": as_str(as_dict(body.get("brand")).get("name")),
        "category": _first_category(body),
        "images": _images(body),
        "quantity_rule": map_quantity_rule(body.get("moq")),
    }


def map_listing_product(item: Any) -> Product:
    item = as_dict(item)
    mrp, price = _pair(item.get("price"), (ZERO, ZERO))
    sellable = as_bool(item.get("sellable"), True)
    sizes = [as_str(s) for s in as_list(item.get("sizes")) if as_str(s)]
    if sizes:
        variants = tuple(Variant(id=s, label=s, mrp=mrp, price=price, in_stock=sellable) for s in sizes)
    else:  # the listing does not always name sizes: one stand-in that carries availability
        variants = (Variant(id="", label="", mrp=mrp, price=price, in_stock=sellable),)
    return Product(
        **_product_identity(item),
        mrp=mrp,
        price=price,
        gst_rate=None,
        description=strip_tags(as_str(item.get("short_description"))),
        variants=variants,
        has_sizes=bool(sizes),
    )


def map_product(detail: Any, sizes_body: Any, size_prices: dict[str, Any] | None = None) -> Product:
    """ProductDetail + ProductSizes (+ the v3 price of each size, when sizes differ in price)."""
    detail, sizes_body = as_dict(detail), as_dict(sizes_body)
    size_prices = size_prices or {}
    mrp, price = _pair(sizes_body.get("price"), _pair(detail.get("price"), (ZERO, ZERO)))
    sellable = as_bool(sizes_body.get("sellable"), True)
    variants = []
    for size in as_list(sizes_body.get("sizes")):
        size = as_dict(size)
        value = as_str(size.get("value")) or as_str(size.get("display"))
        if not value:
            continue
        quantity = size.get("quantity")
        stock = as_int(quantity) if quantity is not None else None
        in_stock = sellable and as_bool(size.get("is_available"), True) and (stock is None or stock > 0)
        size_mrp, size_price = _pair(as_dict(size_prices.get(value)).get("price"), (mrp, price))
        variants.append(
            Variant(
                id=value,
                label=as_str(size.get("display")) or value,
                mrp=size_mrp,
                price=size_price,
                in_stock=in_stock,
                stock=stock,
            )
        )
    description = as_str(detail.get("description")) or as_str(detail.get("short_description"))
    return Product(
        **_product_identity(detail),
        mrp=mrp,
        price=price,
        gst_rate=None,
        description=strip_tags(description),
        variants=tuple(variants),
        has_sizes=bool(variants),
        size_chart=map_size_chart(sizes_body.get("size_chart")) if variants else (),
    )


SIZE_CHART_COLUMNS = tuple(f"col_{n}" for n in range(1, 7))


def map_size_chart(chart: Any) -> tuple[tuple[str, ...], ...]:
    """ProductSizes' `size_chart` (headers col_1..col_6 {value}, sizes [{col_1..col_6}]) as rows of
    cells, the heading first; the columns with a heading only; () without a heading or a size."""
    chart = as_dict(chart)
    headers = as_dict(chart.get("headers"))
    columns = [c for c in SIZE_CHART_COLUMNS if as_str(as_dict(headers.get(c)).get("value"))]
    if not columns:
        return ()
    heading = tuple(as_str(as_dict(headers.get(c)).get("value")) for c in columns)
    if unit := as_str(chart.get("unit")):
        heading = (heading[0], *(f"{h} ({unit})" for h in heading[1:]))
    rows = tuple(tuple(as_str(as_dict(size).get(c)) for c in columns) for size in as_list(chart.get("sizes")))
    rows = tuple(r for r in rows if any(r))
    return (heading, *rows) if rows else ()


def map_product_page(body: Any, *, page: int, per_page: int) -> ProductPage:
    body = as_dict(body)
    products = tuple(map_listing_product(i) for i in as_list(body.get("items")) if as_dict(i))
    info = as_dict(body.get("page"))
    current = as_int(info.get("current"), page) or page
    total = as_int(info.get("item_total"), -1)
    size = as_int(info.get("size"), 0) or per_page
    if total >= 0:
        total_pages = max(1, math.ceil(total / size)) if size else 1
        total_pages = max(total_pages, current)
    else:
        total = len(products)
        total_pages = current + 1 if info.get("has_next") is True else current
    return ProductPage(products=products, page=current, total_pages=total_pages, total=total)


def map_categories(body: Any) -> tuple[Category, ...]:
    """The leaf categories (what `f=category:<slug>` filters on, fynd.md §8.7), de-duplicated."""
    found: dict[str, Category] = {}

    def walk(node: dict[str, Any]) -> None:
        children = [as_dict(c) for c in as_list(node.get("childs")) if as_dict(c)]
        if children:
            for child in children:
                walk(child)
            return
        slug, name = as_str(node.get("slug")), as_str(node.get("name"))
        if slug and name and slug not in found:
            banners = as_dict(node.get("banners"))
            image = as_str(as_dict(banners.get("portrait")).get("url")) or as_str(
                as_dict(banners.get("landscape")).get("url")
            )
            found[slug] = Category(slug=slug, name=name, image=image)

    for department in as_list(as_dict(body).get("data")):
        for item in as_list(as_dict(department).get("items")):
            if as_dict(item):
                walk(as_dict(item))
    return tuple(found.values())


def map_size_price(body: Any, *, pincode: str) -> tuple[bool, DeliveryPromise | None]:
    """(serviceable, promise) from a v3 size price answer for the pincode."""
    body = as_dict(body)
    promise = map_promise(body.get("delivery_promise"), pincode=pincode)
    return as_bool(body.get("is_serviceable"), True), promise


# ----------------------------------------------------------------------------- cart lines


def line_id(item: dict[str, Any]) -> str:
    identifier = as_str(as_dict(item.get("identifiers")).get("identifier"))
    if identifier:
        return identifier
    key = as_str(item.get("key"))
    if key:
        return key
    product, article = as_dict(item.get("product")), as_dict(item.get("article"))
    return f"{as_str(product.get('uid'))}_{as_str(article.get('size'))}"


def line_size(item: dict[str, Any]) -> str:
    size = as_str(as_dict(item.get("article")).get("size"))
    if size:
        return size
    key = as_str(item.get("key"))
    return key.split("_", 1)[1] if "_" in key else ""


def line_ref(item: dict[str, Any], index: int) -> dict[str, Any]:
    """How update and remove name a line (fynd.md §2.3 UpdateProductCart)."""
    ref: dict[str, Any] = {
        "identifiers": {"identifier": as_str(as_dict(item.get("identifiers")).get("identifier"))},
        "item_id": as_int(as_dict(item.get("product")).get("uid")),
        "item_size": line_size(item),
        "item_index": index,
    }
    article_id = as_str(as_dict(item.get("article")).get("uid"))
    if article_id:
        ref["article_id"] = article_id
    return ref


def find_line(body: dict[str, Any], wanted: str) -> tuple[dict[str, Any], int] | None:
    for index, item in enumerate(as_list(body.get("items"))):
        item = as_dict(item)
        if item and line_id(item) == wanted:
            return item, index
    return None


def _prices(block: Any) -> dict[str, Any]:
    block = as_dict(block)
    return as_dict(block.get("converted")) or as_dict(block.get("base"))


def map_line(item: Any, *, pincode: str = "") -> CartLine:
    item = as_dict(item)
    product_raw = as_dict(item.get("product"))
    article = as_dict(item.get("article"))
    availability = as_dict(item.get("availability"))
    quantity = max(0, as_int(item.get("quantity"), 0))
    per_unit = _prices(item.get("price_per_unit")) or _prices(article.get("price"))
    unit_price = as_money(per_unit.get("effective", per_unit.get("selling_price")))
    unit_mrp = as_money(per_unit.get("marked")) if per_unit.get("marked") is not None else unit_price
    totals = _prices(item.get("price"))
    line_total = (
        as_money(totals["effective"]) if totals.get("effective") is not None else unit_price * quantity
    )
    line_mrp = as_money(totals["marked"]) if totals.get("marked") is not None else unit_mrp * quantity

    size = line_size(item)
    sizes: list[Variant] = []
    for option in as_list(availability.get("available_sizes")):
        option = as_dict(option)
        value = as_str(option.get("value")) or as_str(option.get("display"))
        if value and all(v.id != value for v in sizes):
            sizes.append(
                Variant(
                    id=value,
                    label=as_str(option.get("display")) or value,
                    mrp=unit_mrp,
                    price=unit_price,
                    in_stock=as_bool(option.get("is_available"), True),
                )
            )
    out_of_stock = availability.get("out_of_stock") is True
    deliverable = availability.get("deliverable") is not False
    valid = availability.get("is_valid") is not False
    available = not out_of_stock and deliverable and valid
    variant = next((v for v in sizes if v.id == size), None)
    if variant is None:
        variant = Variant(id=size, label=size, mrp=unit_mrp, price=unit_price, in_stock=not out_of_stock)
        sizes.insert(0, variant)
    else:  # the line's own size carries the line's availability
        variant = Variant(variant.id, variant.label, unit_mrp, unit_price, in_stock=not out_of_stock)
        sizes = [variant if v.id == size else v for v in sizes]

    slug = as_str(product_raw.get("slug"))
    if not slug:
        slugs = as_list(as_dict(as_dict(product_raw.get("action")).get("query")).get("product_slug"))
        slug = as_str(slugs[0]) if slugs else ""
    slug = slug or as_str(product_raw.get("uid"))  # product pages are addressed by slug: never empty
    product = Product(
        id=as_str(product_raw.get("uid")),
        slug=slug,
        name=as_str(product_raw.get("name")),
        brand=as_str(as_dict(product_raw.get("brand")).get("name")),
        category=_first_category(product_raw),
        images=_images(product_raw),
        mrp=unit_mrp,
        price=unit_price,
        gst_rate=None,
        variants=tuple(sizes),
        has_sizes=bool(size),
        quantity_rule=map_quantity_rule(item.get("moq")),
    )

    messages: list[Message] = []
    text = as_str(item.get("message"))
    if text:
        messages.append(Message(text, MessageLevel.ERROR if not available else MessageLevel.WARNING))
    elif not available:
        if out_of_stock:
            fallback = MSG_LINE_OUT_OF_STOCK
        elif not deliverable:
            fallback = MSG_LINE_NOT_DELIVERABLE.format(pincode=pincode or "your pincode")
        else:
            fallback = MSG_LINE_INVALID
        messages.append(Message(fallback, MessageLevel.ERROR))
    for extra in (as_str(item.get("coupon_message")), as_str(as_dict(item.get("promo_meta")).get("message"))):
        if extra:
            messages.append(Message(extra, MessageLevel.INFO))
    for promo in as_list(item.get("promotions_applied")):
        offer = as_str(as_dict(promo).get("offer_text")) or as_str(as_dict(promo).get("promotion_name"))
        if offer:
            messages.append(Message(offer, MessageLevel.SUCCESS))

    return CartLine(
        id=line_id(item),
        product=product,
        variant=variant,
        quantity=quantity,
        unit_mrp=unit_mrp,
        unit_price=unit_price,
        line_mrp=line_mrp,
        line_total=line_total,
        available=available,
        messages=tuple(messages),
        delivery_promise=map_promise(item.get("delivery_promise"), pincode=pincode),
    )


# ----------------------------------------------------------------------------- the cart


def coupon_code(body: dict[str, Any]) -> str:
    bv_coupon = as_dict(as_dict(body.get("breakup_values")).get("coupon"))
    if bv_coupon.get("is_applied") is True and as_str(bv_coupon.get("code")):
        return as_str(bv_coupon.get("code"))
    top = as_dict(body.get("coupon"))
    if top.get("is_applied") is True and as_str(top.get("coupon_code")):
        return as_str(top.get("coupon_code"))
    return ""


def coupon_problem(body: dict[str, Any]) -> str:
    """Why the coupon did not apply, in Fynd's words (or ours when Fynd says nothing)."""
    bv_coupon = as_dict(as_dict(body.get("breakup_values")).get("coupon"))
    top = as_dict(body.get("coupon"))
    return as_str(bv_coupon.get("message")) or as_str(top.get("message")) or MSG_COUPON_NOT_APPLIED


def map_redemptions(body: dict[str, Any]) -> tuple[Redemption, ...]:
    bv = as_dict(body.get("breakup_values"))
    raw = as_dict(bv.get("raw"))
    out: list[Redemption] = []
    code = coupon_code(body)
    if code:
        bv_coupon = as_dict(bv.get("coupon"))
        title = as_str(bv_coupon.get("title")) or as_str(as_dict(body.get("coupon")).get("coupon_title"))
        out.append(Redemption("coupon", code, abs(as_money(raw.get("coupon"))), title))
    points = as_dict(bv.get("loyalty_points"))
    if points.get("is_applied") is True:
        used = abs(as_money(raw.get("fynd_cash")))
        out.append(
            Redemption(
                "loyalty_points",
                str(as_int(used / POINT_VALUE)),
                used,
                as_str(points.get("description")),
            )
        )
    gift = abs(as_money(raw.get("gift_card")))
    if gift:
        out.append(Redemption("gift_card", "", gift))
    for promo in as_list(body.get("applied_promo_details")):
        promo = as_dict(promo)
        if not promo:
            continue
        per_unit = as_money(promo.get("amount")) if promo.get("amount") is not None else ZERO
        quantity = max(1, as_int(promo.get("article_quantity"), 1))
        out.append(
            Redemption(
                "promotion",
                as_str(promo.get("promo_id")) or as_str(promo.get("code")),
                abs(per_unit) * quantity,
                as_str(promo.get("offer_text")) or as_str(promo.get("promotion_name")),
            )
        )
    return tuple(out)


def map_meta(body: dict[str, Any], *, order_type: str = "") -> CartMeta:
    custom = as_dict(body.get("custom_cart_meta"))
    kind = order_type or as_str(custom.get("order_type"))
    try:
        order = OrderType(kind) if kind else OrderType.HOME_DELIVERY
    except ValueError:
        order = OrderType.HOME_DELIVERY
    return CartMeta(
        gift_message=as_str(custom.get("gift_message")),
        gstin=as_str(body.get("gstin")),
        business_name=as_str(custom.get("business_name")),
        comment=as_str(body.get("comment")),
        order_type=order,
        pickup_name=as_str(custom.get("pickup_name")),
        pickup_phone=as_str(custom.get("pickup_phone")),
    )


def is_complete(body: Any) -> bool:
    """A cart body with its items and breakup (answers without `i`/`b` may leave them out)."""
    body = as_dict(body)
    return bool(body) and "items" in body and "breakup_values" in body


def empty_cart_body(cart_id: str = "") -> dict[str, Any]:
    return {"id": cart_id, "items": [], "breakup_values": {}, "is_valid": True}


def cart_id_of(body: dict[str, Any]) -> str:
    return as_str(body.get("id")) or as_str(body.get("uid")) or as_str(body.get("cart_id"))


def map_cart(
    body: Any,
    *,
    capabilities: frozenset[Capability],
    pincode: str = "",
    buy_now: bool = False,
    order_type: str = "",
    signed_in: bool = False,
    shipping_address: Address | None = None,
    billing_address: Address | None = None,
    staff_user: str = "",
) -> Cart:
    body = as_dict(body)
    lines = tuple(map_line(item, pincode=pincode) for item in as_list(body.get("items")) if as_dict(item))
    bv = body.get("breakup_values")
    message = as_str(body.get("message"))
    blocked = ""
    if lines:
        if body.get("restrict_checkout") is True:
            blocked = message or MSG_CHECKOUT_RESTRICTED
        elif body.get("is_valid") is False:
            blocked = message or MSG_CART_INVALID
        elif any(not ln.available for ln in lines):
            blocked = MSG_CART_INVALID
    messages = []
    if message and message != blocked:
        messages.append(Message(message, MessageLevel.INFO))
    for extra in (as_str(body.get("delivery_charge_info")), as_str(body.get("coupon_text"))):
        if extra:
            messages.append(Message(extra, MessageLevel.INFO))
    meta = map_meta(body, order_type=order_type)
    promise = None
    if lines and meta.order_type == OrderType.HOME_DELIVERY:
        promise = map_promise(body.get("delivery_promise"), pincode=pincode)
    return Cart(
        id=cart_id_of(body),
        lines=lines,
        breakup=map_breakup(bv),
        count=len(lines),
        capabilities=capabilities,
        redemptions=map_redemptions(body),
        delivery_promise=promise,
        pincode=pincode,
        messages=tuple(messages),
        checkout_blocked=blocked,
        staff_user=staff_user or as_str(body.get("staff_user_id")),
        coupon_code=coupon_code(body),
        loyalty=map_loyalty(bv) if signed_in else None,
        meta=meta,
        shipping_address=shipping_address,
        billing_address=billing_address or shipping_address,
        buy_now=as_bool(body.get("buy_now"), buy_now),
    )


# ----------------------------------------------------------------------------- coupons, addresses


def map_coupon_offer(raw: Any) -> CouponOffer:
    raw = as_dict(raw)
    code = as_str(raw.get("coupon_code"))
    applicable = as_bool(raw.get("is_applicable"), True)
    description = (
        as_str(raw.get("sub_title")) or as_str(raw.get("description")) or as_str(raw.get("offer_text"))
    )
    expires_on = as_str(raw.get("expires_on"))
    expires_at = parse_moment(raw.get("end_date")) or parse_moment(raw.get("expires_at"))
    if expires_on and expires_at is None:
        until = f"Valid till {expires_on}"
        description = f"{description} · {until}" if description else until
    reason = ""
    if not applicable:
        reason = as_str(raw.get("coupon_applicable_message")) or as_str(raw.get("message"))
    return CouponOffer(
        code=code,
        title=as_str(raw.get("title")) or code,
        description=description,
        applicable=applicable,
        reason=reason,
        expires_at=expires_at,
    )


def map_coupon_list(body: Any) -> tuple[CouponOffer, ...]:
    offers = [map_coupon_offer(c) for c in as_list(as_dict(body).get("available_coupon_list")) if as_dict(c)]
    return tuple(o for o in offers if o.code)


def map_address(raw: Any) -> Address:
    raw = as_dict(raw)
    line2 = ", ".join(p for p in (as_str(raw.get("area")), as_str(raw.get("landmark"))) if p)
    return Address(
        id=as_str(raw.get("id")),
        name=as_str(raw.get("name")),
        phone=as_str(raw.get("phone")),
        line1=as_str(raw.get("address")),
        line2=line2,
        city=as_str(raw.get("city")),
        state=as_str(raw.get("state")),
        pincode=as_str(raw.get("area_code")),
        country=as_str(raw.get("country")) or "India",
    )


def address_body(address: Address, *, email: str = "") -> dict[str, Any]:
    """Our address as Fynd's Address body (fynd.md §2.3): the pincode is `area_code`."""
    body: dict[str, Any] = {
        "name": address.name,
        "phone": address.phone,
        "country_phone_code": "+91",
        "address": address.line1,
        "area": address.line2,
        "city": address.city,
        "state": address.state,
        "country": address.country or "India",
        "area_code": address.pincode,
        "area_code_slug": "pincode",
        "address_type": "home",
        "checkout_mode": "self",
        "is_default_address": False,
    }
    if email:
        body["email"] = email
    return body


def address_json(address: Address | None) -> dict[str, str] | None:
    if address is None:
        return None
    return {
        "id": address.id,
        "name": address.name,
        "phone": address.phone,
        "line1": address.line1,
        "line2": address.line2,
        "city": address.city,
        "state": address.state,
        "pincode": address.pincode,
        "country": address.country,
    }


def address_from_json(data: Any) -> Address | None:
    data = as_dict(data)
    if not data:
        return None
    return Address(**{f: as_str(data.get(f)) for f in Address.__dataclass_fields__})
