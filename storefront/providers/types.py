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
    # orders with something to pay go to the provider's hosted payment page and come back to us
    HOSTED_PAYMENT = "hosted_payment"
    # the provider signs its customers in by a one-time code (phone or email)
    OTP_SIGN_IN = "otp_sign_in"
    # the provider sells only to buyers it knows and approved (B2B): `buyer_access(ctx)` says
    # whether this shopper may fill a cart and order, and in plain words what to do if not
    BUYER_ACCESS = "buyer_access"
    # listings sort (relevance, price both ways, discount) and filter by price range and brand:
    # `list_products(..., refine=ListingRefine(...))`, and say which brands a listing holds
    CATALOGUE_REFINE = "catalogue_refine"


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
    prices_include_gst: bool = True  # False: some prices are shown without GST (the cart adds it)


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
class Pack:
    """A wholesale pricing set (SourceHub's productpricing): `units` of the product's sellable
    unit sold together. The variant's price and MRP are those of the whole pack."""

    units: int
    unit_price: Decimal  # the pack's price ÷ units, for comparing packs
    unit_name: str = ""  # the measurement type ("bags", "packets")
    reference_unit_price: Decimal | None = None  # the provider's own price per unit, as it says it


@dataclass(frozen=True, slots=True)
class Variant:
    """One buyable size/variant of a product."""

    id: str
    label: str
    mrp: Decimal
    price: Decimal
    in_stock: bool
    stock: int | None = None  # None when the provider does not say
    pack: Pack | None = None  # a wholesale pack: the price is for `pack.units` units


@dataclass(frozen=True, slots=True)
class BuyerAccess:
    """Whether a shopper may fill a cart and order from a provider that sells only to buyers it
    knows (Capability.BUYER_ACCESS), and what to tell them when not (plain words, no error)."""

    can_add: bool
    can_order: bool
    message: str = ""
    account_name: str = ""  # the business the shopper buys for, when known


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
    price_includes_gst: bool = True  # False: GST is added to `price` in the cart (Commerce Engine)
    # the size chart's rows, the first is the heading (Size, Chest, ...); () when there is none
    size_chart: tuple[tuple[str, ...], ...] = ()

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


SORTS = ("relevance", "price-asc", "price-desc", "discount")  # STOREFRONT_CONTRACT section 1


@dataclass(frozen=True, slots=True)
class ListingRefine:
    """How a listing is sorted and narrowed (?sort=, ?price_min=, ?price_max=, ?brand=)."""

    sort: str = "relevance"
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    brands: tuple[str, ...] = ()  # brand slugs

    @property
    def is_default(self) -> bool:
        return self == ListingRefine()


@dataclass(frozen=True, slots=True)
class ProductPage:
    products: tuple[Product, ...]
    page: int
    total_pages: int
    total: int
    # (slug, name) of the brands the listing holds before the brand filter (CATALOGUE_REFINE)
    brands: tuple[tuple[str, str], ...] = ()
    # words of the catalogue close to a search that found nothing ("kurtta" → "kurta")
    suggestions: tuple[str, ...] = ()

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
    balance_known: bool = True  # False: the provider applies credit but tells no balance


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
    fixed: bool = False  # the provider decides its quantity (a free item of an offer): no stepper

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
    # wholesale carts: the packs on all lines and the units they hold, where they differ from
    # `count` (None for a provider that does not sell in packs)
    packs: int | None = None
    units: int | None = None

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
    # what to add to a cart to order the line again (reorder); empty when the provider can't say
    product_id: str = ""
    variant_id: str = ""


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
    # hosted payment (Capability.HOSTED_PAYMENT): where the shopper pays, while it is still due
    payment_url: str = ""
    payment_state: str = ""  # "paid", "pending", "failed" or "" (nothing paid online)

    def row(self, key: str) -> BreakupRow | None:
        return next((r for r in self.breakup if r.key == key), None)


@dataclass(frozen=True, slots=True)
class PaymentStatus:
    """What the provider says about an order's online payment after the shopper came back from
    its hosted payment page."""

    order_id: str
    state: str  # "paid", "pending" or "failed"
    amount_paid: Decimal
    amount_due: Decimal
    can_retry: bool = False
    guest_token: str = ""


@dataclass(frozen=True, slots=True)
class OtpChallenge:
    """A one-time code sent to the shopper (Capability.OTP_SIGN_IN); `destination` is masked."""

    channel: str  # "phone" or "email"
    destination: str


@dataclass(frozen=True, slots=True, repr=False)
class ProviderIdentity:
    """Who a provider signed in (Capability.OTP_SIGN_IN): its customer id and contact details,
    to find or create the storefront user. Never any token."""

    external_id: str
    channel: str
    email: str = ""
    email_verified: bool = False
    phone: str = ""
    first_name: str = ""
    last_name: str = ""

    def __repr__(self) -> str:
        return f"<ProviderIdentity {self.external_id} via {self.channel}>"


@dataclass(frozen=True, slots=True)
class CheckoutChange:
    """Something that changed between showing the checkout and placing the order."""

    text: str
    line_id: str = ""


# ---------------------------------------------------------------------------- gift vouchers


class VoucherStatus(enum.StrEnum):
    """A voucher order's (and each of its lines') fulfilment: pending → processing → success |
    failed, as the provider reports it. `partial` is final too: some lines were issued, the
    others failed (and were paid back)."""

    PENDING = "pending"  # recorded on our side; the provider has not confirmed it yet
    PROCESSING = "processing"  # the provider has the order and is issuing the vouchers
    SUCCESS = "success"
    FAILED = "failed"
    PARTIAL = "partial"

    @property
    def is_final(self) -> bool:
        return self in (VoucherStatus.SUCCESS, VoucherStatus.FAILED, VoucherStatus.PARTIAL)


@dataclass(frozen=True, slots=True)
class VoucherDenomination:
    """One way to buy a brand's voucher (EnKash's productConfig): a face value (MRP) sold at
    `price` (the sell rate), at most `max_quantity` per order line. A custom-amount denomination
    takes any whole-rupee face value between `min_amount` and `max_amount`, at its discount."""

    id: str
    face_value: Decimal
    price: Decimal
    discount_percent: Decimal
    max_quantity: int
    custom_amount: bool = False
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None

    @property
    def saving(self) -> Decimal:
        return self.face_value - self.price


@dataclass(frozen=True, slots=True)
class VoucherProduct:
    """One brand's gift voucher (EnKash's productCatalog). `description`, `terms` and
    `how_to_redeem` are the provider's text and may hold HTML: templates show them only through
    the `provider_html` filter (an allow-list sanitiser), never as they come."""

    id: str
    name: str
    category: str
    logo: str
    denominations: tuple[VoucherDenomination, ...]
    description: str = ""
    terms: str = ""
    how_to_redeem: str = ""
    expiry_days: int | None = None
    available: bool = True

    @property
    def fixed(self) -> tuple[VoucherDenomination, ...]:
        return tuple(d for d in self.denominations if not d.custom_amount)

    @property
    def custom(self) -> VoucherDenomination | None:
        return next((d for d in self.denominations if d.custom_amount), None)

    @property
    def best_discount(self) -> Decimal:
        return max((d.discount_percent for d in self.denominations), default=Decimal(0))

    def denomination(self, denomination_id: str) -> VoucherDenomination | None:
        return next((d for d in self.denominations if d.id == denomination_id), None)


@dataclass(frozen=True, slots=True)
class VoucherCartLine:
    """A line of the voucher cart: `quantity` vouchers of `face_value` each (the denomination's,
    or the custom amount chosen), priced from the provider's catalogue now."""

    id: str
    product: VoucherProduct
    denomination: VoucherDenomination
    face_value: Decimal
    unit_price: Decimal
    quantity: int
    problem: str = ""  # why this line cannot be ordered as it is (shown beside it), or empty

    @property
    def line_face(self) -> Decimal:
        return self.face_value * self.quantity

    @property
    def line_price(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def line_saving(self) -> Decimal:
        return self.line_face - self.line_price


@dataclass(frozen=True, slots=True)
class VoucherCart:
    id: str
    version: int
    lines: tuple[VoucherCartLine, ...]
    face_total: Decimal
    price_total: Decimal
    savings: Decimal
    count: int

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def problems(self) -> tuple[str, ...]:
        return tuple(ln.problem for ln in self.lines if ln.problem)

    def line(self, line_id: str) -> VoucherCartLine | None:
        return next((ln for ln in self.lines if ln.id == line_id), None)


@dataclass(frozen=True, slots=True)
class VoucherOrderItem:
    """One line of a voucher order as it goes upstream. `reference` is ours for this line (the
    order's reference plus the line's position); a provider that takes one order per line sends
    it as its partner order reference."""

    position: int
    product_id: str
    product_name: str
    denomination_id: str
    face_value: Decimal
    unit_price: Decimal
    quantity: int
    reference: str = ""


@dataclass(frozen=True, slots=True, repr=False)
class IssuedVoucher:
    """A voucher the provider issued. Code and pin are bearer secrets: they live in memory only
    on their way to encrypted storage (vouchers.models.IssuedVoucher), never in a repr or log."""

    code: str
    pin: str
    expires_at: datetime | None = None

    def __repr__(self) -> str:
        return f"<IssuedVoucher …{self.code[-4:]} expires={self.expires_at}>"


@dataclass(frozen=True, slots=True)
class VoucherLineStatus:
    """What the provider reports for one line of an order."""

    position: int
    status: VoucherStatus
    upstream_id: str = ""
    vouchers: tuple[IssuedVoucher, ...] = ()
    message: str = ""


@dataclass(frozen=True, slots=True)
class VoucherOrder:
    """What the provider reports for one voucher order (our `reference`)."""

    reference: str
    status: VoucherStatus
    lines: tuple[VoucherLineStatus, ...] = ()
    upstream_id: str = ""
