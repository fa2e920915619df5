"""Commerce Engine JSON → the storefront's `types.py` dataclasses.

Pure functions (no HTTP, no database) on the shared tolerant readers. Field names follow
../shared/providers/commerce_engine.md and, where they differ, the seed (the older docs' Cart
example: `customer_email`, `customer_phone`, `on_offer`, `shipping_additional_cost`); both
generations of the docs are read, unknown keys are ignored and every optional key may be null.
Money is Decimal (the client parses JSON with parse_float=Decimal; a float is refused).

Price breakup, built from the cart's OWN fields (we display Commerce Engine's numbers and never
re-price; contract §3.5), in this order and with the storefront contract's keys:

| row (data-breakup-key) | amount                                                                  |
| ---------------------- | ----------------------------------------------------------------------- |
| `mrp_total`            | Σ `listing_price` × `quantity` (the MRP)                                 |
| `discount`             | −Σ (`listing_price` − `selling_price`) × `quantity`, when any            |
| `subtotal`             | Σ `selling_price` × `quantity` (= `subtotal` when prices are without GST)|
| `promotion`            | −`promotion_discount_amount` (automatic offers)                          |
| `coupon`               | −`coupon_discount_amount`, labelled with `coupon_code`                   |
| `gst_charges`          | `grand_total` − the rows above it: GST added to prices without it (=     |
|                        | `items_tax_amount`), less the GST Commerce Engine's discounts (taken     |
|                        | before tax) take off prices with it                                      |
| `delivery_charge`      | `shipping_amount_including_tax` (FREE when 0; threshold nudge)           |
| `handling_charge`      | `handling_charge_including_tax`, when > 0                                |
| `grand_total`          | `grand_total`, informational, only when points/credit/gift cards apply   |
| `loyalty_points`       | −(`grand_total` − `credit_balance_used` − gift cards − `to_be_paid`)     |
| `gift_card`            | −the gift card amount (older docs / simulator; see `gift_cards_of`)      |
| `credit_balance`       | −`credit_balance_used`                                                   |
| `total`                | `to_be_paid` (what the shopper pays now; the contract: not grand_total)  |
| `gst_included`         | `total_tax`, informational, when prices include GST                      |
| `you_saved`            | discount on MRP + `total_savings` (else promotion + coupon + shipping)   |

Lines: the line id is `product_id:variant_id` (`:free` for a free line); unit MRP is
`listing_price`, unit price `selling_price`; `is_free_item` lines are marked free and cannot be
changed; `associated_options` name the variant and `subscriptions` are said on the line.
`status` `not-ready-for-payment` with `status_error_message` stops checkout with Commerce
Engine's words once an address is on the cart (before that it is the normal state of a new cart).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from storefront.money import ZERO, quantize
from storefront.providers.readers import (
    MappingError,
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
    Category,
    CouponOffer,
    CreditSummary,
    LoyaltySummary,
    Message,
    MessageLevel,
    Order,
    OrderLine,
    OrderType,
    Product,
    ProductPage,
    QuantityRule,
    Redemption,
    Variant,
)

DEFAULT_MAX_QUANTITY = 99  # `max_order_quantity` null means no cap; the stepper still needs one
READY = "ready-for-payment"

LABELS = {
    "mrp_total": "MRP total",
    "discount": "Discount on MRP",
    "subtotal": "Subtotal",
    "promotion": "Offers",
    "coupon": "Coupon",
    "gst_charges": "GST",
    "delivery_charge": "Delivery",
    "handling_charge": "Handling",
    "grand_total": "Order total",
    "loyalty_points": "Loyalty points",
    "gift_card": "Gift card",
    "credit_balance": "Store credit",
    "total": "To pay",
    "gst_adjusted": "GST (after offers)",
    "gst_included": "GST included",
    "you_saved": "You saved",
}

MSG_FREE_LINE = "Free with an offer"
MSG_LINE_OUT_OF_STOCK = "Out of stock. Remove it to check out."
MSG_CART_INVALID = "Some items in your cart can't be ordered. Update or remove them to check out."
MSG_FREE_DELIVERY_FROM = "Free delivery on orders from {amount}."
MSG_SUBSCRIPTION = "Subscription available: {plan}"


# ----------------------------------------------------------------------------- small readers


def money_or_zero(value: Any) -> Decimal:
    return as_money(value) if value is not None else ZERO


def _options_label(options: Any) -> str:
    """`associated_options` (`size` → {name, type, value}) as "Large / Blue"."""
    parts = []
    for option in as_dict(options).values():
        option = as_dict(option)
        value = option.get("value")
        text = as_str(as_dict(value).get("name")) if isinstance(value, dict) else as_str(value)
        if text:
            parts.append(text)
    return " / ".join(parts)


def map_quantity_rule(raw: Any) -> QuantityRule:
    """From a pricing block or a cart item: `min_order_quantity`, `max_order_quantity` (null: no
    cap), `incremental_quantity`."""
    raw = as_dict(raw)
    minimum = max(1, as_int(raw.get("min_order_quantity"), 1))
    increment = max(1, as_int(raw.get("incremental_quantity"), 1))
    maximum = as_int(raw.get("max_order_quantity"), DEFAULT_MAX_QUANTITY) or DEFAULT_MAX_QUANTITY
    return QuantityRule(minimum=minimum, maximum=max(minimum, maximum), increment=increment)


def _images(raw: dict[str, Any]) -> tuple[str, ...]:
    images = sorted(
        (as_dict(i) for i in as_list(raw.get("images"))), key=lambda i: as_int(i.get("sort_order"), 0)
    )
    urls = [
        as_str(i.get("url_standard")) or as_str(i.get("url_zoom")) or as_str(i.get("url_thumbnail"))
        for i in images
    ]
    single = as_str(raw.get("product_image_url"))
    return tuple(u for u in urls if u) or ((single,) if single else ())


def _category(raw: dict[str, Any]) -> Category | None:
    for category in as_list(raw.get("categories")):
        category = as_dict(category)
        slug = as_str(category.get("slug")) or as_str(category.get("id"))
        if slug:
            return Category(slug=slug, name=as_str(category.get("name")) or slug)
    return None


def _brand(raw: dict[str, Any]) -> str:
    for attribute in as_list(raw.get("attributes")):
        attribute = as_dict(attribute)
        if (
            as_str(attribute.get("key")).lower() == "brand"
            or as_str(attribute.get("name")).lower() == "brand"
        ):
            value = attribute.get("value")
            return as_str(value[0] if isinstance(value, list) and value else value)
    return ""


def _prices(pricing: Any) -> tuple[Decimal, Decimal]:
    """(MRP, price) of a pricing block: `listing_price`, `selling_price`."""
    pricing = as_dict(pricing)
    price = as_money(pricing.get("selling_price"))
    mrp = as_money(pricing.get("listing_price")) if pricing.get("listing_price") is not None else price
    return max(mrp, price), price


def _gst_rate(pricing: Any) -> Decimal | None:
    rate = as_dict(pricing).get("tax_rate")
    return as_money(rate) if rate is not None else None


# ----------------------------------------------------------------------------- catalogue


def map_variant(raw: Any, fallback_pricing: Any = None) -> Variant:
    raw = as_dict(raw)
    mrp, price = _prices(raw.get("pricing") or fallback_pricing)
    label = _options_label(raw.get("associated_options")) or as_str(raw.get("name")) or as_str(raw.get("sku"))
    return Variant(
        id=as_str(raw.get("id")) or as_str(raw.get("variant_id")),
        label=label,
        mrp=mrp,
        price=price,
        in_stock=as_bool(raw.get("stock_available"), True) and as_bool(raw.get("active"), True),
    )


def map_product(raw: Any, variants: Any = None) -> Product:
    """A Product (list row or detail). Products with `has_variant` get their variants (from the
    detail's `variants`, or the `variants` answer given); a product without variants gets one
    Variant whose id is the product id (sent upstream as `variant_id: null`)."""
    raw = as_dict(raw)
    product_id = as_str(raw.get("id")) or as_str(raw.get("product_id"))
    if not product_id:
        raise MappingError("a product without an id")
    pricing = raw.get("pricing")
    mrp, price = _prices(pricing)
    has_variant = as_bool(raw.get("has_variant"), False)
    rows = as_list(variants) if variants is not None else as_list(raw.get("variants"))
    mapped = tuple(map_variant(v, pricing) for v in rows if as_dict(v))
    mapped = tuple(v for v in mapped if v.id)
    in_stock = as_bool(raw.get("stock_available"), True) and as_bool(raw.get("active"), True)
    if not has_variant or not mapped:
        mapped = (Variant(id=product_id, label="", mrp=mrp, price=price, in_stock=in_stock),)
    elif pricing is None and mapped:  # a variant product listed without a pricing block
        mrp, price = mapped[0].mrp, mapped[0].price
    description = as_str(raw.get("short_description")) or as_str(raw.get("description"))
    return Product(
        id=product_id,
        slug=as_str(raw.get("slug")) or as_str(raw.get("product_slug")) or product_id,
        name=as_str(raw.get("name")) or as_str(raw.get("product_name")),
        brand=_brand(raw),
        category=_category(raw),
        images=_images(raw),
        mrp=mrp,
        price=min((v.price for v in mapped if v.in_stock), default=price) if has_variant else price,
        gst_rate=_gst_rate(pricing),
        description=description,
        variants=mapped,
        has_sizes=has_variant and len(mapped) > 0 and mapped[0].id != product_id,
        quantity_rule=map_quantity_rule(pricing),
        price_includes_gst=as_bool(as_dict(pricing).get("price_including_tax"), False),
    )


def map_product_page(body: Any, *, page: int, per_page: int, key: str = "products") -> ProductPage:
    """`products` (or a search's `skus`, one row per variant: grouped by product) and `pagination`
    (`total_records`, `total_pages`)."""
    body = as_dict(body)
    products: list[Product] = []
    seen: set[str] = set()
    for raw in as_list(body.get(key)):
        raw = as_dict(raw)
        if not raw:
            continue
        if key == "skus":
            raw = {
                **raw,
                "id": raw.get("product_id"),
                "slug": raw.get("product_slug"),
                "name": raw.get("product_name"),
            }
            raw["has_variant"] = False
        product = map_product(raw)
        if product.id not in seen:
            seen.add(product.id)
            products.append(product)
    pagination = as_dict(body.get("pagination"))
    total = as_int(pagination.get("total_records"), len(products))
    pages = as_int(pagination.get("total_pages"), 0) or max(1, -(-total // max(1, per_page)))
    return ProductPage(products=tuple(products), page=page, total_pages=max(1, pages), total=total)


def map_categories(body: Any) -> tuple[Category, ...]:
    found = []
    for raw in as_list(as_dict(body).get("categories")):
        raw = as_dict(raw)
        if raw.get("active") is False:
            continue
        slug = as_str(raw.get("slug")) or as_str(raw.get("id"))
        if slug:
            found.append(Category(slug=slug, name=as_str(raw.get("name")) or slug))
    return tuple(found)


# ----------------------------------------------------------------------------- cart lines


def line_id(item: dict[str, Any]) -> str:
    base = f"{as_str(item.get('product_id'))}:{as_str(item.get('variant_id'))}"
    return base + (":free" if as_bool(item.get("is_free_item"), False) else "")


def map_line(item: Any) -> CartLine:
    item = as_dict(item)
    quantity = max(0, as_int(item.get("quantity"), 0))
    unit_mrp, unit_price = _prices(item)
    product_id = as_str(item.get("product_id"))
    variant_id = as_str(item.get("variant_id"))
    free = as_bool(item.get("is_free_item"), False)
    in_stock = as_bool(item.get("stock_available"), True)
    label = _options_label(item.get("associated_options")) or (
        as_str(item.get("variant_name")) if variant_id else ""
    )
    variant = Variant(
        id=variant_id or product_id, label=label, mrp=unit_mrp, price=unit_price, in_stock=in_stock
    )
    rule = map_quantity_rule(item)
    if free:  # a free line follows its offer: no stepper range to move in
        rule = QuantityRule(minimum=quantity or 1, maximum=quantity or 1, increment=1)
    image = as_str(item.get("product_image_url"))
    product = Product(
        id=product_id,
        slug=as_str(item.get("slug")) or product_id,
        name=as_str(item.get("product_name")),
        brand="",
        category=None,
        images=(image,) if image else (),
        mrp=unit_mrp,
        price=unit_price,
        gst_rate=_gst_rate(item),
        variants=(variant,),
        has_sizes=bool(variant_id),
        quantity_rule=rule,
        price_includes_gst=as_bool(item.get("price_including_tax"), False),
    )
    messages: list[Message] = []
    if free:
        messages.append(Message(MSG_FREE_LINE, MessageLevel.SUCCESS))
    elif as_int(item.get("free_quantity"), 0) > 0:
        messages.append(
            Message(f"{as_int(item.get('free_quantity'))} free with an offer", MessageLevel.SUCCESS)
        )
    if not in_stock:
        messages.append(Message(MSG_LINE_OUT_OF_STOCK, MessageLevel.ERROR))
    for plan in as_list(item.get("subscriptions")):
        name = as_str(as_dict(plan).get("subscription_plan"))
        if name:
            messages.append(Message(MSG_SUBSCRIPTION.format(plan=name), MessageLevel.INFO))
    return CartLine(
        id=line_id(item),
        product=product,
        variant=variant,
        quantity=quantity,
        unit_mrp=unit_mrp,
        unit_price=unit_price,
        line_mrp=unit_mrp * quantity,
        line_total=unit_price * quantity,
        available=in_stock,
        messages=tuple(messages),
        fixed=free,
    )


def is_free(line: CartLine) -> bool:
    return line.id.endswith(":free")


def find_item(body: Any, wanted: str) -> dict[str, Any] | None:
    for item in as_list(as_dict(body).get("cart_items")):
        if as_dict(item) and line_id(item) == wanted:
            return item
    return None


def item_ref(item: dict[str, Any]) -> tuple[str, str | None]:
    """(product_id, variant_id or None) as the items call wants them."""
    return as_str(item.get("product_id")), as_str(item.get("variant_id")) or None


# ----------------------------------------------------------------------------- redemptions


def gift_cards_of(body: dict[str, Any]) -> tuple[tuple[str, Decimal], ...]:
    """(code, amount used) of each gift card on the cart. Gift cards are only in the older docs
    (no field names published): we read a `gift_cards` list (`gift_card_code`/`code`, and
    `amount_used`/`amount`/`redeemed_amount`) or a single `gift_card_code` with
    `gift_card_amount`/`gift_card_used`."""
    cards = []
    for raw in as_list(body.get("gift_cards")):
        raw = as_dict(raw)
        code = as_str(raw.get("gift_card_code")) or as_str(raw.get("code"))
        amount = next(
            (raw.get(k) for k in ("amount_used", "redeemed_amount", "amount") if raw.get(k) is not None), None
        )
        if code:
            cards.append((code, money_or_zero(amount)))
    if not cards:
        code = as_str(body.get("gift_card_code"))
        amount = body.get("gift_card_amount", body.get("gift_card_used"))
        if code or (amount is not None and money_or_zero(amount) > 0):
            cards.append((code or "gift card", money_or_zero(amount)))
    return tuple(cards)


def loyalty_value(body: dict[str, Any]) -> Decimal:
    """The rupees the redeemed points took off: grand_total − credit − gift cards − to_be_paid
    (contract §3.5 row 10; never below 0)."""
    if as_int(body.get("loyalty_points_redeemed"), 0) <= 0:
        return ZERO
    value = (
        money_or_zero(body.get("grand_total"))
        - money_or_zero(body.get("credit_balance_used"))
        - sum((a for _c, a in gift_cards_of(body)), ZERO)
        - money_or_zero(body.get("to_be_paid"))
    )
    return max(ZERO, value)


def map_redemptions(body: dict[str, Any]) -> tuple[Redemption, ...]:
    found = []
    promotion = money_or_zero(body.get("promotion_discount_amount"))
    if promotion > 0:
        names = [
            as_str(as_dict(p).get("promotion_name") or as_dict(p).get("name"))
            for p in as_list(body.get("applied_promotions"))
        ]
        found.append(Redemption("promotion", "", promotion, ", ".join(n for n in names if n)))
    code = as_str(body.get("coupon_code"))
    if code and as_bool(body.get("is_coupon_applied"), True):
        found.append(Redemption("coupon", code, money_or_zero(body.get("coupon_discount_amount"))))
    points = as_int(body.get("loyalty_points_redeemed"), 0)
    if points > 0:
        found.append(Redemption("loyalty_points", str(points), loyalty_value(body), f"{points} points"))
    for card, amount in gift_cards_of(body):
        found.append(Redemption("gift_card", card, amount))
    credit = money_or_zero(body.get("credit_balance_used"))
    if credit > 0:
        found.append(Redemption("credit_balance", "", credit))
    return tuple(found)


# ----------------------------------------------------------------------------- breakup


def _delivery_messages(body: dict[str, Any], shipping: Decimal) -> tuple[str, ...]:
    threshold = body.get("free_shipping_threshold")
    if shipping > 0 and threshold is not None and money_or_zero(threshold) > 0:
        from storefront.money import format_inr

        return (MSG_FREE_DELIVERY_FROM.format(amount=format_inr(money_or_zero(threshold))),)
    return ()


def map_breakup(body: Any, lines: tuple[CartLine, ...]) -> tuple[BreakupRow, ...]:
    body = as_dict(body)
    if not lines:
        return (BreakupRow("total", LABELS["total"], ZERO),)
    items = [as_dict(i) for i in as_list(body.get("cart_items"))]
    including = any(as_bool(i.get("price_including_tax"), False) for i in items)
    excluding = any(not as_bool(i.get("price_including_tax"), False) for i in items if i)
    mrp_total = sum((ln.line_mrp for ln in lines), ZERO)
    subtotal = sum((ln.line_total for ln in lines), ZERO)  # = `subtotal` when prices are without GST
    discount = mrp_total - subtotal
    rows = [BreakupRow("mrp_total", LABELS["mrp_total"], mrp_total)]
    if discount:
        rows.append(BreakupRow("discount", LABELS["discount"], -discount))
    rows.append(BreakupRow("subtotal", LABELS["subtotal"], subtotal))
    promotion = money_or_zero(body.get("promotion_discount_amount"))
    if promotion:
        rows.append(BreakupRow("promotion", LABELS["promotion"], -promotion))
    coupon = money_or_zero(body.get("coupon_discount_amount"))
    code = as_str(body.get("coupon_code"))
    if code or coupon:
        label = f"{LABELS['coupon']} ({code})" if code else LABELS["coupon"]
        rows.append(BreakupRow("coupon", label, -coupon))
    shipping = money_or_zero(body.get("shipping_amount_including_tax", body.get("shipping_amount")))
    handling = money_or_zero(body.get("handling_charge_including_tax"))
    grand_total = money_or_zero(body.get("grand_total"))
    # GST Commerce Engine adds to prices without it, and the tax its discounts (taken before tax)
    # take off prices with it: what its grand_total holds beyond the rows above
    gst = grand_total - (subtotal - promotion - coupon + shipping + handling)
    if gst or excluding:
        label = LABELS["gst_charges"] if not including else LABELS["gst_adjusted"]
        rows.append(BreakupRow("gst_charges", label, gst))
    rows.append(
        BreakupRow(
            "delivery_charge",
            LABELS["delivery_charge"],
            shipping,
            messages=_delivery_messages(body, shipping),
        )
    )
    if handling:
        rows.append(BreakupRow("handling_charge", LABELS["handling_charge"], handling))
    points = as_int(body.get("loyalty_points_redeemed"), 0)
    cards = gift_cards_of(body)
    credit = money_or_zero(body.get("credit_balance_used"))
    if points > 0 or cards or credit:
        rows.append(BreakupRow("grand_total", LABELS["grand_total"], grand_total, informational=True))
    if points > 0:
        rows.append(
            BreakupRow("loyalty_points", f"{LABELS['loyalty_points']} ({points})", -loyalty_value(body))
        )
    for card, amount in cards:
        rows.append(BreakupRow("gift_card", f"{LABELS['gift_card']} (…{card[-4:]})", -amount))
    if credit:
        rows.append(BreakupRow("credit_balance", LABELS["credit_balance"], -credit))
    rows.append(BreakupRow("total", LABELS["total"], money_or_zero(body.get("to_be_paid"))))
    if including:
        tax = money_or_zero(body.get("total_tax"))
        rows.append(BreakupRow("gst_included", LABELS["gst_included"], tax, informational=True))
    if body.get("total_savings") is not None:
        saved = discount + money_or_zero(body.get("total_savings"))
    else:
        saved = discount + promotion + coupon + money_or_zero(body.get("shipping_discount_amount"))
    if saved > 0:
        rows.append(BreakupRow("you_saved", LABELS["you_saved"], quantize(saved), informational=True))
    return tuple(rows)


# ----------------------------------------------------------------------------- the cart


def expires_at(body: Any) -> datetime | None:
    return parse_moment(as_dict(body).get("expires_at"))


def map_address(raw: Any) -> Address | None:
    raw = as_dict(raw)
    if not raw or not (as_str(raw.get("address_line1")) or as_str(raw.get("pincode"))):
        return None
    name = " ".join(p for p in (as_str(raw.get("first_name")), as_str(raw.get("last_name"))) if p)
    line2 = ", ".join(p for p in (as_str(raw.get("address_line2")), as_str(raw.get("landmark"))) if p)
    return Address(
        id=as_str(raw.get("id")),
        name=name,
        phone=as_str(raw.get("phone")),
        line1=as_str(raw.get("address_line1")),
        line2=line2,
        city=as_str(raw.get("city")),
        state=as_str(raw.get("state")),
        pincode=as_str(raw.get("pincode")),
        country=as_str(raw.get("country")) or "India",
    )


def address_body(address: Address, *, email: str = "") -> dict[str, Any]:
    """A CustomerAddress (contract §3.4): `first_name` required, phone 10 digits without +91."""
    first, _, last = (address.name or "").strip().partition(" ")
    phone = "".join(ch for ch in address.phone if ch.isdigit())[-10:]
    return {
        "first_name": first or address.name,
        "last_name": last or None,
        "country_code": "+91",
        "phone": phone,
        "email": email or None,
        "address_line1": address.line1,
        "address_line2": address.line2 or None,
        "landmark": None,
        "pincode": address.pincode,
        "city": address.city,
        "state": address.state,
        "country": "India",
    }


def checkout_blocked(body: dict[str, Any], lines: tuple[CartLine, ...]) -> str:
    if not lines:
        return ""
    if any(not ln.available for ln in lines):
        return MSG_CART_INVALID
    status = as_str(body.get("status"))
    reason = as_str(body.get("status_error_message"))
    has_address = bool(as_dict(body.get("shipping_address")))
    if status and status != READY and has_address and reason:
        return reason  # Commerce Engine's own words
    return ""


def map_cart(
    body: Any,
    *,
    capabilities: frozenset[Capability],
    loyalty: LoyaltySummary | None = None,
    messages: tuple[Message, ...] = (),
    buy_now: bool = False,
    credit_allowed: bool = False,
) -> Cart:
    body = as_dict(body)
    lines = tuple(
        map_line(i)
        for i in as_list(body.get("cart_items"))
        if as_dict(i) and as_int(as_dict(i).get("quantity"), 0) > 0
    )
    blocked = checkout_blocked(body, lines)
    notes = list(messages)
    shipping = map_address(body.get("shipping_address"))
    if loyalty is not None:
        loyalty = LoyaltySummary(
            balance=loyalty.balance,
            applicable=loyalty.applicable,
            applied=as_int(body.get("loyalty_points_redeemed"), 0),
            point_value=loyalty.point_value,
        )
    preference = as_str(as_dict(body.get("fulfillment_preference")).get("fulfillment_type"))
    from storefront.providers.types import CartMeta

    meta = CartMeta(
        comment=as_str(body.get("customer_note")),
        order_type=OrderType.PICK_AT_STORE if preference == "collect-in-store" else OrderType.HOME_DELIVERY,
    )
    return Cart(
        id=as_str(body.get("id")),
        lines=lines,
        breakup=map_breakup(body, lines),
        count=sum(ln.quantity for ln in lines),
        capabilities=capabilities,
        redemptions=map_redemptions(body),
        messages=tuple(notes),
        checkout_blocked=blocked,
        coupon_code=as_str(body.get("coupon_code")) if as_bool(body.get("is_coupon_applied"), True) else "",
        loyalty=loyalty,
        credit=_credit(body) if credit_allowed or money_or_zero(body.get("credit_balance_used")) else None,
        meta=meta,
        shipping_address=shipping,
        billing_address=map_address(body.get("billing_address")) or shipping,
        buy_now=buy_now,
    )


def _credit(body: dict[str, Any]) -> CreditSummary:
    """Commerce Engine publishes no store-credit balance: what is used, and whether any is."""
    used = money_or_zero(body.get("credit_balance_used"))
    return CreditSummary(balance=ZERO, applied=used, in_use=used > 0, balance_known=False)


def empty_cart_body(cart_id: str = "") -> dict[str, Any]:
    return {"id": cart_id, "cart_items": [], "to_be_paid": 0}


def remembered_items(body: Any) -> list[dict[str, Any]]:
    """The paid lines of a cart as `POST /carts` items (to re-create an expired cart)."""
    items = []
    for item in as_list(as_dict(body).get("cart_items")):
        item = as_dict(item)
        if item and not as_bool(item.get("is_free_item"), False) and as_int(item.get("quantity"), 0) > 0:
            product_id, variant_id = item_ref(item)
            items.append(
                {"product_id": product_id, "variant_id": variant_id, "quantity": as_int(item.get("quantity"))}
            )
    return items


# ----------------------------------------------------------------------------- coupons, loyalty


def map_coupons(available: Any, evaluated: Any) -> tuple[CouponOffer, ...]:
    """`GET /carts/available-coupons` (`coupons[]`, one coupon may have several codes) joined
    with `GET /carts/{id}/evaluate-coupons` (`applicable_coupons[]` with `savings_message`,
    `inapplicable_coupons[]` with `reason`/`suggestion`), matched by coupon `id`."""
    evaluated = as_dict(evaluated)
    good = {as_str(as_dict(c).get("id")): as_dict(c) for c in as_list(evaluated.get("applicable_coupons"))}
    bad = {as_str(as_dict(c).get("id")): as_dict(c) for c in as_list(evaluated.get("inapplicable_coupons"))}
    coupons = [as_dict(c) for c in as_list(as_dict(available).get("coupons"))]
    known = {as_str(c.get("id")) for c in coupons}
    coupons += [c for cid, c in {**good, **bad}.items() if cid not in known]
    offers = []
    for coupon in coupons:
        cid = as_str(coupon.get("id"))
        codes = [as_str(c) for c in as_list(coupon.get("coupon_code")) if as_str(c)]
        if not codes and as_str(coupon.get("coupon_code")):
            codes = [as_str(coupon.get("coupon_code"))]
        description = as_str(coupon.get("description"))
        applicable, reason = True, ""
        if cid in good:
            description = as_str(good[cid].get("savings_message")) or description
        elif cid in bad:
            applicable = False
            reason = " ".join(
                p for p in (as_str(bad[cid].get("reason")), as_str(bad[cid].get("suggestion"))) if p
            )
        for code in codes:
            offers.append(
                CouponOffer(
                    code=code,
                    title=as_str(coupon.get("name")) or code,
                    description=description,
                    applicable=applicable,
                    reason=reason,
                    expires_at=parse_moment(coupon.get("expires_at")),
                )
            )
    offers.sort(key=lambda o: not o.applicable)
    return tuple(offers)


def points_balance(body: Any) -> int:
    return as_int(as_dict(as_dict(body).get("loyalty")).get("points_balance"), 0)


# ----------------------------------------------------------------------------- orders


def map_order_lines(body: Any) -> tuple[OrderLine, ...]:
    body = as_dict(body)
    items = as_list(body.get("order_items")) or as_list(body.get("cart_items"))
    found = []
    for item in items:
        line = map_line(item)
        found.append(
            OrderLine(
                product_name=line.product.name,
                variant_label=line.variant.label,
                quantity=line.quantity,
                unit_mrp=line.unit_mrp,
                unit_price=line.unit_price,
                line_total=line.line_total,
                image=line.product.image,
                product_slug=line.product.slug,
            )
        )
    return tuple(found)


def order_breakup(body: Any) -> tuple[BreakupRow, ...]:
    """An order's money fields are the cart's (the order calls the items tax `item_total_tax`)."""
    body = dict(as_dict(body))
    body.setdefault("cart_items", as_list(body.get("order_items")))
    if body.get("items_tax_amount") is None and body.get("item_total_tax") is not None:
        body["items_tax_amount"] = body["item_total_tax"]
    lines = tuple(map_line(i) for i in as_list(body.get("cart_items")) if as_dict(i))
    return map_breakup(body, lines)


def order_item_key(body: Any) -> tuple[tuple[str, str, int], ...]:
    """What an order or cart holds, to recognise an order made from a cart: sorted
    (product, variant, quantity) of its paid lines."""
    body = as_dict(body)
    items = as_list(body.get("order_items")) or as_list(body.get("cart_items"))
    return tuple(
        sorted(
            (
                as_str(as_dict(i).get("product_id")),
                as_str(as_dict(i).get("variant_id")),
                as_int(as_dict(i).get("quantity")),
            )
            for i in items
            if as_dict(i) and not as_bool(as_dict(i).get("is_free_item"), False)
        )
    )


PAYMENT_STATES = {"success": "paid", "pending": "pending", "failed": "failed", "partially_paid": "pending"}


def payment_url(answer: Any) -> str:
    """The hosted payment page of a `payment_info` (Juspay hyper-checkout: `payment_links.web`)."""
    info = as_dict(as_dict(answer).get("payment_info"))
    return (
        as_str(as_dict(info.get("payment_links")).get("web"))
        or as_str(info.get("payment_link"))
        or as_str(info.get("url"))
    )


def order_from_record(
    record: dict[str, Any], *, order_id: str, status: str, placed_at: datetime, guest_token: str
) -> Order:
    body = as_dict(record.get("order")) or as_dict(record.get("cart"))
    breakup = order_breakup(body)
    total = next((r.amount for r in breakup if r.key == "total"), ZERO)
    return Order(
        id=order_id,
        status=status,
        placed_at=placed_at,
        lines=map_order_lines(body),
        breakup=breakup,
        total=total,
        payment_mode=as_str(record.get("payment_label")) or "Online payment",
        order_type=OrderType.HOME_DELIVERY,
        email=as_str(record.get("email")),
        shipping_address=map_address(body.get("shipping_address")),
        guest_token=guest_token,
    )
