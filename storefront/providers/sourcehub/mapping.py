"""SourceHub answers → storefront types. Pure functions: no HTTP, no database.

THE PRICING RULE lives in `pack_price` and nowhere else (sourcehub.md §6, the contract's main
reading). What the seed confirms: a cart line is charged `quantity × productpricing.price`
(3 × 200 = 600, buying_qty 1), `billable_amount = cart_total − discount`, GST adds nothing on
top. What is INFERRED (the seed's only set has buying_qty 1): `price` is the price of ONE pricing
set of `buying_qty` units, cart `quantity` counts sets (packs), units shipped =
quantity × buying_qty, and `maximum_retail_price` is the MRP of one sellable unit (the seed's
4080 = 408 pieces × MRP 10 for its one bag), so a pack's MRP is buying_qty × that.
`price_per_unit` is SourceHub's reference price per unit (in the seed it is the per-piece MRP);
it is shown as SourceHub says it and never used to charge. If SourceHub turns out to mean the
other reading (quantity counts units, the largest set with buying_qty ≤ quantity applies), only
`pack_price` and `line_quantity` change.

Money: SourceHub sends doubles as JSON integers (600, 0) or numbers with a fraction (parsed as
Decimal by the client); `readers.as_money` refuses floats and dicts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.text import slugify

from storefront.money import quantize
from storefront.providers import readers
from storefront.providers.types import (
    Address,
    BreakupRow,
    Capability,
    Cart,
    CartLine,
    CartMeta,
    Category,
    Pack,
    Product,
    QuantityRule,
    Variant,
)

ZERO = Decimal("0.00")
MAX_PACKS = 100  # packs of one set on one line: ours (SourceHub documents no limit)
QUANTITY_RULE = QuantityRule(minimum=1, maximum=MAX_PACKS, increment=1)
APPROVALS = {"accepted": "approved", "pending": "pending", "rejected": "rejected"}  # → ShopperLink

LABEL_MRP_TOTAL = "MRP total"
LABEL_CART_TOTAL = "Cart total"
LABEL_DISCOUNT = "Your business discount"
LABEL_BILLABLE = "Amount payable"
LABEL_GST = "Includes GST of"


@dataclass(frozen=True, slots=True)
class PackPrice:
    """One pricing set priced: a pack of `units` at `price`, its MRP and its price per unit."""

    pricing_id: str
    units: int
    price: Decimal  # one pack
    mrp: Decimal  # one pack: units × the unit MRP, never below the price (see pack_price)
    unit_price: Decimal  # price ÷ units, to paise (display only)
    unit_mrp: Decimal | None  # maximum_retail_price as SourceHub sends it (one unit)


def pack_price(product: dict[str, Any], pricing: dict[str, Any]) -> PackPrice:
    """THE pricing rule (module doc): a pricing set is a pack of buying_qty units at `price`."""
    units = max(readers.as_int(pricing.get("buying_qty"), 1), 1)
    price = readers.as_money(pricing.get("price"))
    unit_mrp = (
        readers.as_money(product.get("maximum_retail_price")) if product.get("maximum_retail_price") else None
    )
    # a pack's MRP is its units at the unit MRP; a missing MRP (or one below the selling price,
    # which the storefront does not show as a saving) reads as the price
    mrp = max(unit_mrp * units, price) if unit_mrp else price
    return PackPrice(
        pricing_id=readers.as_str(pricing.get("id")),
        units=units,
        price=price,
        mrp=mrp,
        unit_price=quantize(price / units),
        unit_mrp=unit_mrp,
    )


def line_amount(price: PackPrice, quantity: int) -> Decimal:
    """What a cart line costs: packs × the pack's price (seed: 3 × 200 = 600)."""
    return price.price * quantity


def units_shipped(price: PackPrice, quantity: int) -> int:
    return price.units * quantity


def gst_part(amount: Decimal, gst_percent: Decimal | None) -> Decimal:
    """The GST inside a GST-inclusive amount: amount × g ÷ (100 + g)."""
    if not gst_percent:
        return ZERO
    return quantize(amount * gst_percent / (100 + gst_percent))


def pack_label(units: int, unit_name: str = "") -> str:
    if units == 1:
        return f"Single {singular(unit_name)}" if unit_name else "Single unit"
    return f"Pack of {units}"


def singular(name: str) -> str:
    name = name.strip()
    return name[:-1] if name.endswith("s") and len(name) > 3 else name


# ---------------------------------------------------------------------------- catalogue


def product_slug(raw: dict[str, Any]) -> str:
    name = slugify(readers.as_str(raw.get("name"))) or "product"
    return f"{name}-{readers.as_str(raw.get('id'))}"


SLUG_ID = re.compile(r"-(\d+)$")


def id_from_slug(slug: str) -> str | None:
    found = SLUG_ID.search(slug or "")
    return found.group(1) if found else None


def category(raw: Any) -> Category | None:
    raw = readers.as_dict(raw)
    name = readers.as_str(raw.get("name"))
    if not name:
        return None
    return Category(
        slug=f"{slugify(name) or 'category'}-{readers.as_str(raw.get('id'))}",
        name=name,
        image=readers.as_str(raw.get("image")),
    )


def _gst(raw: dict[str, Any]) -> Decimal | None:
    value = raw.get("gst_percent")
    return None if value is None or value == "" else readers.as_money(value)


def variant(raw: dict[str, Any], pricing: dict[str, Any]) -> Variant:
    price = pack_price(raw, pricing)
    unit_name = readers.as_str(readers.as_dict(raw.get("measurementtype")).get("name"))
    reference = raw.get("price_per_unit")
    return Variant(
        id=price.pricing_id,
        label=pack_label(price.units, unit_name),
        mrp=price.mrp,
        price=price.price,
        in_stock=True,  # SourceHub documents no stock
        pack=Pack(
            units=price.units,
            unit_price=price.unit_price,
            unit_name=unit_name,
            reference_unit_price=None if reference in (None, "") else readers.as_money(reference),
        ),
    )


def pricing_sets(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """The product's pricing sets, smallest pack first: `productpricings` on product endpoints,
    the one `productpricing` on a cart item (sourcehub.md §4: singular vs plural)."""
    sets = [readers.as_dict(s) for s in readers.as_list(raw.get("productpricings")) if readers.as_dict(s)]
    single = readers.as_dict(raw.get("productpricing"))
    if not sets and single:
        sets = [single]
    return sorted(sets, key=lambda s: (readers.as_int(s.get("buying_qty"), 1), readers.as_str(s.get("id"))))


def product(raw: dict[str, Any]) -> Product | None:
    """A product with one variant per pricing set; None without an id or any pricing set."""
    pid = readers.as_str(raw.get("id"))
    sets = pricing_sets(raw)
    if not pid or not sets:
        return None
    variants = tuple(variant(raw, s) for s in sets)
    first = variants[0]
    image = readers.as_str(raw.get("image"))
    return Product(
        id=pid,
        slug=product_slug(raw),
        name=readers.as_str(raw.get("name")),
        brand="",
        category=category(raw.get("productcategory")),
        images=(image,) if image else (),
        mrp=first.mrp,
        price=first.price,
        gst_rate=_gst(raw),
        hsn_code=readers.as_str(raw.get("hsn_code")),  # a string: "0902" keeps its leading zero
        description=readers.as_str(raw.get("description")),
        variants=variants,
        has_sizes=True,  # each pricing set is a choice, like a size
        quantity_rule=QUANTITY_RULE,
    )


def rows(payload: Any, key: str) -> list[dict[str, Any]]:
    """The records of a list answer, whatever its container (list shapes are not shown in the
    docs): `data` as the list, `data.<key>` (orders are documented as `data.orders`), or a
    paginated `data.data` / `data.items`."""
    for _ in range(2):
        if not isinstance(payload, dict):
            break
        payload = next(
            (payload[k] for k in (key, "data", "items") if isinstance(payload.get(k), list | dict)), None
        )
    return [readers.as_dict(p) for p in readers.as_list(payload) if readers.as_dict(p)]


def product_list(payload: Any) -> list[dict[str, Any]]:
    """`data` is the list (INFERRED); `data.products` and paginated shapes are accepted too."""
    return rows(payload, "products")


def one(payload: Any) -> dict[str, Any]:
    """A single record: `data` as an object, or the first of a list."""
    if isinstance(payload, list):
        payload = payload[0] if payload else {}
    return readers.as_dict(payload)


# ---------------------------------------------------------------------------- cart


def cart_line(item: dict[str, Any], full: Product | None) -> CartLine | None:
    """A cart item: its product (the catalogue's, with every pricing set, when known, so the line
    can switch packs) and the set it is priced at."""
    raw = readers.as_dict(item.get("product"))
    pricing = readers.as_dict(raw.get("productpricing"))
    line_id = readers.as_str(item.get("id"))
    if not line_id or not pricing:
        return None
    chosen = variant(raw, pricing)
    shown = full if full is not None and any(v.id == chosen.id for v in full.variants) else product(raw)
    if shown is None:
        return None
    quantity = readers.as_int(item.get("quantity"))
    price = pack_price(raw, pricing)
    return CartLine(
        id=line_id,
        product=shown,
        variant=chosen,
        quantity=quantity,
        unit_mrp=price.mrp,
        unit_price=price.price,
        line_mrp=price.mrp * quantity,
        line_total=line_amount(price, quantity),
    )


def breakup(data: dict[str, Any], lines: tuple[CartLine, ...]) -> tuple[BreakupRow, ...]:
    """SourceHub's own totals, in its order, with the MRP first and the GST inside the payable
    amount last (informational: prices are GST-inclusive, nothing is added)."""
    cart_total = readers.as_money(data.get("cart_total"))
    discount = readers.as_money(data.get("discount"))
    billable = (
        readers.as_money(data.get("billable_amount")) if "billable_amount" in data else cart_total - discount
    )
    # the discount is the cart's: share it over the lines in proportion to find the GST in what is paid
    share = billable / cart_total if cart_total else Decimal(1)
    gst = sum((gst_part(ln.line_total * share, ln.product.gst_rate) for ln in lines), ZERO)
    rows = [
        BreakupRow("mrp_total", LABEL_MRP_TOTAL, sum((ln.line_mrp for ln in lines), ZERO)),
        BreakupRow("subtotal", LABEL_CART_TOTAL, cart_total),
    ]
    if discount:
        rows.append(BreakupRow("discount", LABEL_DISCOUNT, -discount))
    rows.append(BreakupRow("total", LABEL_BILLABLE, billable))
    rows.append(BreakupRow("gst_included", LABEL_GST, gst, informational=True))
    return tuple(rows)


def cart(
    data: dict[str, Any],
    *,
    cart_id: str,
    capabilities: frozenset[Capability],
    catalogue: dict[str, Product] | None = None,
    meta: CartMeta | None = None,
    address: Address | None = None,
    checkout_blocked: str = "",
) -> Cart:
    """The cart as SourceHub computes it. `count` is `cart_item_count` (lines); `packs` is
    `total_cart_quantity`; `units` is what the packs hold. Its id is the SourceHub customer id
    while it holds lines."""
    catalogue = catalogue or {}
    lines = []
    for item in readers.as_list(data.get("items")):
        item = readers.as_dict(item)
        pid = readers.as_str(readers.as_dict(item.get("product")).get("id"))
        line = cart_line(item, catalogue.get(pid))
        if line is not None:
            lines.append(line)
    lines_t = tuple(lines)
    units = sum(ln.quantity * (ln.variant.pack.units if ln.variant.pack else 1) for ln in lines_t)
    return Cart(
        # an emptied cart (after an order) has no id: the checkout then knows the cart it showed is
        # gone and a second submit of its key gets the order back instead of "your cart changed"
        id=cart_id if lines_t else "",
        lines=lines_t,
        breakup=breakup(data, lines_t),
        count=readers.as_int(data.get("cart_item_count"), len(lines_t)),
        capabilities=capabilities,
        packs=readers.as_int(data.get("total_cart_quantity"), sum(ln.quantity for ln in lines_t)),
        units=units,
        meta=meta or CartMeta(),
        shipping_address=address,
        checkout_blocked=checkout_blocked,
    )


# ---------------------------------------------------------------------------- customers and orders


@dataclass(frozen=True, slots=True)
class Buyer:
    """A SourceHub customer as the storefront needs it."""

    id: str
    approval: str  # ShopperLink.Approval value: approved, pending, rejected
    company: str = ""
    name: str = ""
    email: str = ""
    phone: str = ""
    gstin: str = ""
    active: bool = True
    address: Address | None = None


def buyer(raw: dict[str, Any]) -> Buyer | None:
    cid = readers.as_str(raw.get("id"))
    if not cid:
        return None
    said = readers.as_str(raw.get("approval")).lower()
    # no approval field at all: the record's status decides (only an explicit pending or rejected
    # approval holds a buyer back); an approval word we do not know is treated as pending
    approval = APPROVALS.get(said, "pending") if said else "approved"
    company = readers.as_str(raw.get("company_name")) or readers.as_str(raw.get("display_name"))
    phone = readers.as_str(raw.get("contactperson_number")) or readers.as_str(raw.get("company_phone"))
    return Buyer(
        id=cid,
        approval=approval,
        company=company,
        name=readers.as_str(raw.get("contact_person_name")),
        email=readers.as_str(raw.get("email")),
        phone=phone,
        gstin=readers.as_str(raw.get("gstin")).upper(),
        active=readers.as_str(raw.get("status") or "Active").lower() == "active",
        address=buyer_address(raw, company, phone),
    )


def buyer_address(raw: dict[str, Any], company: str, phone: str) -> Address | None:
    addr = readers.as_dict(raw.get("address"))
    line1 = readers.as_str(addr.get("addressline1"))
    if not line1:
        return None
    area = readers.as_str(readers.as_dict(addr.get("area")).get("name"))
    line2 = ", ".join(p for p in (readers.as_str(addr.get("addressline2")), area) if p)
    return Address(
        id="sourcehub",
        name=company,
        phone=phone,
        line1=line1,
        line2=line2,
        city=readers.as_str(addr.get("city")),
        state=readers.as_str(addr.get("state")),
        pincode=readers.as_str(addr.get("postalcode")),
    )


def order_list(payload: Any) -> list[dict[str, Any]]:
    """`data.orders` (documented); a bare list and paginated shapes are accepted too."""
    return rows(payload, "orders")


def order_matches(order: dict[str, Any], sent: dict[str, Any]) -> bool:
    """Whether a listed order is the cart we sent: same products and quantities, same total."""
    want = sorted(
        (readers.as_str(readers.as_dict(it.get("product")).get("id")), readers.as_int(it.get("quantity")))
        for it in map(readers.as_dict, readers.as_list(sent.get("items")))
    )
    have = sorted(
        (readers.as_str(p.get("id")), readers.as_int(p.get("quantity")))
        for p in map(readers.as_dict, readers.as_list(order.get("products")))
    )
    same_total = readers.as_money(order.get("item_total_amount")) == readers.as_money(sent.get("cart_total"))
    return bool(want) and want == have and same_total


def query_date(day: date) -> str:
    """Dates in SourceHub queries are dd-mm-yyyy (responses use YYYY-MM-DD)."""
    return day.strftime("%d-%m-%Y")
