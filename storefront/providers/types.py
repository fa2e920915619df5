"""The normalised value objects every provider maps into and every template renders.

Frozen dataclasses: a provider builds them once per call, nothing downstream mutates them.
Amounts are Decimal, datetimes are aware.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


class Capability(enum.StrEnum):
    CATALOGUE = "catalogue"
    CART = "cart"
    SIZE_CHANGE = "size_change"
    DELIVERY_PROMISE = "delivery_promise"
    COUPONS = "coupons"
    LOYALTY = "loyalty"
    GIFT_CARDS = "gift_cards"
    STORE_CREDIT = "store_credit"
    CART_META = "cart_meta"
    ADDRESSES = "addresses"
    CHECKOUT = "checkout"
    BUY_NOW = "buy_now"
    SHARE_CART = "share_cart"
    VOUCHERS = "vouchers"
    # the provider adds payment charges (a COD fee) only when asked: checkout re-reads the cart
    PAYMENT_CHARGES = "payment_charges"
    # orders go through the shared order ledger (storefront.ledger) and are reconciled from it
    ORDER_LEDGER = "order_ledger"
    # the provider keeps its own customer records; users are linked to them (models.ShopperLink)
    SHOPPER_LINKS = "shopper_links"


class MessageLevel(enum.StrEnum):
    SUCCESS = "success"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Message:
    text: str
    level: MessageLevel = MessageLevel.INFO


@dataclass(frozen=True, slots=True)
class ShopPolicy:
    """Promises the shop makes on every page (the header and the home page say them)."""

    free_delivery_over: Decimal | None = None  # order value from which delivery is free


@dataclass(frozen=True, slots=True)
class Category:
    slug: str
    name: str
    image: str = ""


@dataclass(frozen=True, slots=True)
class QuantityRule:
    """Minimum, maximum and step (packs): a quantity q is valid when min ≤ q ≤ max and q % step == 0."""

    minimum: int = 1
    maximum: int = 10
    increment: int = 1


@dataclass(frozen=True, slots=True)
class Variant:
    """One buyable size/variant of a product."""

    id: str
    label: str
    mrp: Decimal
    price: Decimal
    in_stock: bool
    stock: int | None = None  # None when the provider does not say


@dataclass(frozen=True, slots=True)
class Product:
    id: str
    slug: str
    name: str
    brand: str
    category: Category | None
    images: tuple[str, ...]
    mrp: Decimal
    price: Decimal
    gst_rate: Decimal | None
    hsn_code: str = ""
    description: str = ""
    variants: tuple[Variant, ...] = ()
    has_sizes: bool = False
    quantity_rule: QuantityRule = field(default_factory=QuantityRule)

    @property
    def discount_percent(self) -> int:
        from storefront.money import percent_off

        return percent_off(self.mrp, self.price)

    @property
    def in_stock(self) -> bool:
        return any(v.in_stock for v in self.variants)

    @property
    def image(self) -> str:
        return self.images[0] if self.images else ""

    @property
    def price_varies(self) -> bool:
        return len({v.price for v in self.variants}) > 1


@dataclass(frozen=True, slots=True)
class ProductPage:
    products: tuple[Product, ...]
    page: int
    total_pages: int
    total: int

    @property
    def has_next(self) -> bool:
        return self.page < self.total_pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


@dataclass(frozen=True, slots=True)
class DeliveryPromise:
    min: datetime
    max: datetime
    pincode: str = ""
    city: str = ""


@dataclass(frozen=True, slots=True)
class BreakupRow:
    key: str
    label: str
    amount: Decimal
    informational: bool = False  # shown for information; not part of the sum to the total
    messages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Redemption:
    kind: str  # coupon, loyalty_points, gift_card, credit_balance, promotion
    code: str
    amount: Decimal
    label: str = ""


@dataclass(frozen=True, slots=True)
class CouponOffer:
    """A coupon the shopper may use, and whether it applies to this cart now."""

    code: str
    title: str
    description: str = ""
    applicable: bool = True
    reason: str = ""  # why not, when not applicable ("Add ₹120.00 more", "Expired", ...)
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class LoyaltySummary:
    balance: int  # points the customer holds
    applicable: int  # points usable on this cart now
    applied: int  # points applied to this cart
    point_value: Decimal  # rupees per point


@dataclass(frozen=True, slots=True)
class CreditSummary:
    balance: Decimal
    applied: Decimal
    in_use: bool


@dataclass(frozen=True, slots=True)
class Address:
    id: str
    name: str
    phone: str
    line1: str
    line2: str
    city: str
    state: str
    pincode: str
    country: str = "India"

    @property
    def one_line(self) -> str:
        parts = [self.line1, self.line2, self.city, f"{self.state} {self.pincode}"]
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class Store:
    id: str
    name: str
    address: str
    city: str
    state: str
    pincode: str
    phone: str = ""


class OrderType(enum.StrEnum):
    HOME_DELIVERY = "HomeDelivery"
    PICK_AT_STORE = "PickAtStore"


@dataclass(frozen=True, slots=True)
class CartMeta:
    gift_message: str = ""
    gstin: str = ""
    business_name: str = ""
    comment: str = ""
    order_type: OrderType = OrderType.HOME_DELIVERY
    pickup_store: Store | None = None
    pickup_name: str = ""
    pickup_phone: str = ""


@dataclass(frozen=True, slots=True)
class CartLine:
    id: str
    product: Product
    variant: Variant
    quantity: int
    unit_mrp: Decimal
    unit_price: Decimal
    line_mrp: Decimal
    line_total: Decimal
    available: bool = True
    messages: tuple[Message, ...] = ()
    delivery_promise: DeliveryPromise | None = None
    price_at_add: Decimal | None = None

    @property
    def price_change(self) -> Decimal:
        if self.price_at_add is None:
            return Decimal(0)
        return self.unit_price - self.price_at_add


@dataclass(frozen=True, slots=True)
class Cart:
    id: str
    lines: tuple[CartLine, ...]
    breakup: tuple[BreakupRow, ...]
    count: int
    capabilities: frozenset[Capability]
    redemptions: tuple[Redemption, ...] = ()
    delivery_promise: DeliveryPromise | None = None
    pincode: str = ""
    messages: tuple[Message, ...] = ()
    checkout_blocked: str = ""  # why checkout cannot go ahead, or empty
    staff_user: str = ""
    coupon_code: str = ""
    loyalty: LoyaltySummary | None = None
    credit: CreditSummary | None = None
    meta: CartMeta = field(default_factory=CartMeta)
    shipping_address: Address | None = None
    billing_address: Address | None = None
    buy_now: bool = False

    @property
    def gift_cards(self) -> tuple[Redemption, ...]:
        return tuple(r for r in self.redemptions if r.kind == "gift_card")

    @property
    def is_empty(self) -> bool:
        return not self.lines

    def row(self, key: str) -> BreakupRow | None:
        return next((r for r in self.breakup if r.key == key), None)

    @property
    def total(self) -> Decimal:
        row = self.row("total")
        return row.amount if row else Decimal("0.00")

    def line(self, line_id: str) -> CartLine | None:
        return next((ln for ln in self.lines if ln.id == line_id), None)


@dataclass(frozen=True, slots=True)
class DeliveryCheck:
    pincode: str
    serviceable: bool
    promise: DeliveryPromise | None
    message: str


@dataclass(frozen=True, slots=True)
class OrderLine:
    product_name: str
    variant_label: str
    quantity: int
    unit_mrp: Decimal
    unit_price: Decimal
    line_total: Decimal
    image: str = ""
    product_slug: str = ""


@dataclass(frozen=True, slots=True)
class Order:
    id: str
    status: str
    placed_at: datetime
    lines: tuple[OrderLine, ...]
    breakup: tuple[BreakupRow, ...]
    total: Decimal
    payment_mode: str
    order_type: OrderType
    email: str = ""
    shipping_address: Address | None = None
    pickup_store: Store | None = None
    delivery_promise: DeliveryPromise | None = None
    meta: CartMeta = field(default_factory=CartMeta)
    guest_token: str = ""

    def row(self, key: str) -> BreakupRow | None:
        return next((r for r in self.breakup if r.key == key), None)


@dataclass(frozen=True, slots=True)
class CheckoutChange:
    """Something that changed between showing the checkout and placing the order."""

    text: str
    line_id: str = ""
