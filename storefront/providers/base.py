"""The provider contract: what every back end offers, declared up front and checked in one place.

A provider is a class in `storefront/providers/<kind>/provider.py`. It declares the capability
areas it serves in `capabilities` and implements the Protocol of each one (see `PROTOCOLS`); it
takes plain values and returns `types.py` dataclasses and raises `storefront.exceptions` errors.

Nothing above this layer inspects a provider: it asks `require(provider, Capability.X)`, which
raises CapabilityMissing for an undeclared area, and `conformance_problems(provider)` (run by the
registry when it builds a provider, and by the tests) proves each declared area is implemented.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

from storefront.exceptions import CapabilityMissing

from .types import (
    Address,
    BuyerAccess,
    Capability,
    Cart,
    CartMeta,
    Category,
    CouponOffer,
    DeliveryCheck,
    Order,
    OtpChallenge,
    PaymentStatus,
    Product,
    ProductPage,
    ProviderIdentity,
    ShopPolicy,
    Store,
    VoucherOrder,
    VoucherOrderItem,
    VoucherProduct,
)

if TYPE_CHECKING:
    from storefront.models import OrderAttempt, ProviderAccount


class Role:
    """What an account is active for. `local` serves both; see models.ProviderKind."""

    SHOP = "shop"
    VOUCHERS = "vouchers"


@dataclass(frozen=True, slots=True)
class Person:
    """A shopper or a member of staff, as providers need to know them. `external_id` is the
    provider's own customer id when the shopper is linked to one (models.ShopperLink)."""

    id: str
    email: str = ""
    phone: str = ""
    name: str = ""
    external_id: str = ""
    approval: str = ""


Customer = Person  # the signed-in shopper who owns a cart


@dataclass(frozen=True, slots=True)
class CartContext:
    """Which cart a call is about and who is acting on it.

    `cart_id` is the provider's id, kept server-side in the session. `customer` owns the cart
    (None for a guest); `acting_user` is who made the change when that is not the owner (a member
    of staff assisting them); `staff_user` is that person's display name, for providers that
    record it on the cart."""

    cart_id: str | None = None
    customer: Person | None = None
    pincode: str = ""
    buy_now: bool = False
    acting_user: Person | None = None
    staff_user: str = ""
    session_key: str = ""  # the browser session, for providers that tie anonymous carts to it
    # price the cart as it will be paid (e.g. a cash-on-delivery charge): the checkout asks for it
    with_payment_charges: bool = False
    # the shopper's Django session, for providers that keep per-shopper state server-side in its
    # data (Commerce Engine's guest tokens, encrypted); never rendered
    session: Any = field(default=None, compare=False, repr=False)
    # this storefront's scheme and host ("https://shop.example"), for providers that send the
    # shopper to a hosted page (payment) and back to one of our URLs
    origin: str = ""

    @property
    def owner(self) -> Person | None:
        return self.customer


@dataclass(frozen=True, slots=True)
class MergeResult:
    cart: Cart
    merged_lines: int  # lines taken over from the anonymous cart
    adjusted: tuple[str, ...] = ()  # what had to change to respect the rules
    # redemptions (coupon, gift cards) applied before signing in: carried into the customer's
    # cart, or not, with the reason; said to the customer after sign-in
    kept: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Resolution:
    """What reconciling an order attempt whose answer was lost found out upstream.

    `placed` True: the provider has the order (`upstream_id` when it tells us; `record` is what
    to keep for the order pages). False: nothing was ordered. None: still cannot tell."""

    placed: bool | None
    upstream_id: str = ""
    record: dict[str, Any] | None = None


# ---------------------------------------------------------------------------- capability areas


@runtime_checkable
class BaseProvider(Protocol):
    """What every provider has, whatever its role."""

    kind: str
    capabilities: frozenset[Capability]
    account: ProviderAccount | None

    def ping(self) -> str:
        """One cheap call that proves the account works; returns a short description."""
        ...


@runtime_checkable
class CatalogueProvider(Protocol):
    policy: ShopPolicy

    def list_categories(self) -> tuple[Category, ...]: ...

    def list_products(
        self, *, q: str = "", category: str = "", page: int = 1, per_page: int = 12
    ) -> ProductPage: ...

    def featured_products(self, *, limit: int = 8) -> tuple[Product, ...]: ...

    def get_product(self, slug: str) -> Product: ...

    def check_delivery(self, *, pincode: str, product_slug: str | None = None) -> DeliveryCheck: ...


@runtime_checkable
class CartProvider(Protocol):
    def get_cart(self, ctx: CartContext) -> Cart: ...

    def cart_count(self, ctx: CartContext) -> int: ...

    def add_item(self, ctx: CartContext, *, product_id: str, variant_id: str | None, quantity: int) -> Cart:
        """variant_id may be None for a product without sizes (its one variant is meant)."""
        ...

    def update_line(
        self, ctx: CartContext, *, line_id: str, quantity: int, variant_id: str | None = None
    ) -> Cart: ...

    def remove_line(self, ctx: CartContext, *, line_id: str) -> Cart: ...

    def clear_cart(self, ctx: CartContext) -> Cart: ...

    def merge_carts(self, *, source: CartContext, target: CartContext) -> MergeResult:
        """The sign-in hook: the cart built before signing in joins the customer's cart."""
        ...

    def sign_out(self, ctx: CartContext) -> None:
        """The sign-out hook: end whatever the provider keeps for this shopper's session."""
        ...


@runtime_checkable
class CouponProvider(Protocol):
    """Capability.COUPONS. A refusal raises ProviderRejected with a message for the customer."""

    def list_coupons(self, ctx: CartContext) -> tuple[CouponOffer, ...]: ...

    def apply_coupon(self, ctx: CartContext, *, code: str) -> Cart: ...

    def remove_coupon(self, ctx: CartContext) -> Cart: ...


@runtime_checkable
class LoyaltyProvider(Protocol):
    """Capability.LOYALTY."""

    def apply_loyalty(self, ctx: CartContext, *, points: int | None = None) -> Cart: ...

    def remove_loyalty(self, ctx: CartContext) -> Cart: ...


@runtime_checkable
class GiftCardProvider(Protocol):
    """Capability.GIFT_CARDS. A wrong code or pin raises GiftCardRejected (it is throttled)."""

    def apply_gift_card(self, ctx: CartContext, *, code: str, pin: str) -> Cart: ...

    def remove_gift_card(self, ctx: CartContext, *, code: str) -> Cart: ...


@runtime_checkable
class CreditProvider(Protocol):
    """Capability.STORE_CREDIT."""

    def apply_credit(self, ctx: CartContext) -> Cart: ...

    def remove_credit(self, ctx: CartContext) -> Cart: ...


@runtime_checkable
class MetaProvider(Protocol):
    """Capability.CART_META: gift message, GSTIN, comment, home delivery or pick-up."""

    def list_stores(self) -> tuple[Store, ...]: ...

    def update_meta(
        self, ctx: CartContext, *, meta: CartMeta, pickup_store_id: str | None = None
    ) -> Cart: ...


@runtime_checkable
class AddressProvider(Protocol):
    """Capability.ADDRESSES."""

    def list_addresses(self, ctx: CartContext) -> tuple[Address, ...]: ...

    def set_address(self, ctx: CartContext, *, address: Address, billing_same: bool = True) -> Cart: ...

    def select_address(self, ctx: CartContext, *, address_id: str, role: str = "shipping") -> Cart: ...


@runtime_checkable
class CheckoutProvider(Protocol):
    """Capability.CHECKOUT: orders, exactly once per idempotency key."""

    def payment_modes(self, cart: Cart) -> tuple[tuple[str, str], ...]: ...

    def place_order(
        self,
        ctx: CartContext,
        *,
        idempotency_key: str,
        payment_mode: str,
        email: str = "",
        expected_total: Decimal | None = None,
    ) -> Order:
        """Exactly once per idempotency_key: the same key returns the same order. Raises
        CheckoutChanged listing what no longer holds (stock, prices, redemptions, delivery), and
        when expected_total is given and the total re-checked under the locks differs; raises
        OrderOutcomeUnknown when the provider may have taken the order but its answer was lost."""
        ...

    def list_orders(self, ctx: CartContext) -> tuple[Order, ...]: ...

    def get_order(self, ctx: CartContext, *, order_id: str, guest_token: str = "") -> Order: ...


@runtime_checkable
class PaymentChargesProvider(Protocol):
    """Capability.PAYMENT_CHARGES: the provider adds charges for the payment mode (a COD fee) only
    when the cart is read `with_payment_charges`, so checkout re-reads the cart that way."""


@runtime_checkable
class LedgerProvider(Protocol):
    """Capability.ORDER_LEDGER: orders go through storefront.ledger.place_once, and an attempt
    whose answer was lost is reconciled from what the provider offers."""

    def reconcile_order(self, attempt: OrderAttempt) -> Resolution: ...


@runtime_checkable
class HostedPaymentProvider(Protocol):
    """Capability.HOSTED_PAYMENT: an order with something to pay carries `payment_url` (the
    provider's hosted payment page, which sends the shopper back to `CartContext.origin` + our
    payment return URL); the return page reads the payment's state and may start it again."""

    def payment_status(self, ctx: CartContext, *, order_id: str, guest_token: str = "") -> PaymentStatus: ...

    def retry_payment(self, ctx: CartContext, *, order_id: str, guest_token: str = "") -> str:
        """A new payment page URL, when the provider allows a retry (ProviderRejected if not)."""
        ...


@runtime_checkable
class OtpSignInProvider(Protocol):
    """Capability.OTP_SIGN_IN: the provider sends a one-time code and signs its customer in; the
    storefront then finds or creates the user and signs them in, and `merge_carts` (the sign-in
    hook) links them (Capability.SHOPPER_LINKS). What is in flight stays server-side in the
    session (`CartContext.session`)."""

    def otp_start(self, ctx: CartContext, *, channel: str, value: str) -> OtpChallenge: ...

    def otp_verify(self, ctx: CartContext, *, otp: str) -> ProviderIdentity: ...


@runtime_checkable
class ShareProvider(Protocol):
    """Capability.SHARE_CART: a token for /cart/shared/<token>/, the shared items, and taking
    them into the shopper's cart (`mode` is "merge" or "replace")."""

    def share_cart(self, ctx: CartContext) -> str: ...

    def get_shared_cart(self, token: str) -> Cart: ...

    def accept_shared_cart(self, ctx: CartContext, *, token: str, mode: str) -> Cart: ...


@runtime_checkable
class BuyerAccessProvider(Protocol):
    """Capability.BUYER_ACCESS: a provider that sells only to buyers it knows and approved (a B2B
    wholesaler). Pages ask before rendering an add-to-cart form or a checkout."""

    def buyer_access(self, ctx: CartContext) -> BuyerAccess: ...


@runtime_checkable
class VoucherProvider(Protocol):
    """Capability.VOUCHERS, the voucher role: a brand catalogue, voucher orders placed exactly
    once on the order ledger (storefront.ledger, role "vouchers"), and their fulfilment.

    The voucher cart is ours (vouchers.models, per customer), and so is payment (the customer's
    balances, taken in the same transaction that records the order attempt: `on_claim`).
    Refusals raise ProviderRejected with a message for the customer; an unknown product or
    denomination NotFound; a lost answer ledger.OrderOutcomeUnknown (never sent again)."""

    def list_voucher_products(self, *, q: str = "", category: str = "") -> tuple[VoucherProduct, ...]:
        """The brands on sale (available ones only), filtered by a search text and a category."""
        ...

    def list_voucher_categories(self) -> tuple[str, ...]: ...

    def get_voucher_product(self, product_id: str) -> VoucherProduct:
        """One brand with its denominations; NotFound when unknown or not on sale."""
        ...

    def place_voucher_order(
        self,
        *,
        idempotency_key: str,
        items: tuple[VoucherOrderItem, ...],
        user_id: int | None,
        on_claim: Callable[[OrderAttempt], None],
        shown: dict[str, Any] | None = None,
    ) -> OrderAttempt:
        """Exactly once per idempotency_key (storefront.ledger.place_once): `on_claim(attempt)`
        runs in the transaction that records the attempt, before anything is sent; the same key
        again answers with the same attempt, never a second upstream order."""
        ...

    def fetch_voucher_order(self, attempt: OrderAttempt) -> VoucherOrder:
        """The provider's view of a placed order now: each line's status and issued vouchers."""
        ...

    def reconcile_order(self, attempt: OrderAttempt) -> Resolution: ...


class ShopProvider(BaseProvider, CatalogueProvider, CartProvider, Protocol):
    """Catalogue and cart from one back end: what the shop role needs at the least."""


# Which Protocol a declared capability promises. CATALOGUE and CART are the shop role's core.
PROTOCOLS: dict[Capability, type] = {
    Capability.CATALOGUE: CatalogueProvider,
    Capability.CART: CartProvider,
    Capability.COUPONS: CouponProvider,
    Capability.LOYALTY: LoyaltyProvider,
    Capability.GIFT_CARDS: GiftCardProvider,
    Capability.STORE_CREDIT: CreditProvider,
    Capability.CART_META: MetaProvider,
    Capability.ADDRESSES: AddressProvider,
    Capability.CHECKOUT: CheckoutProvider,
    Capability.PAYMENT_CHARGES: PaymentChargesProvider,
    Capability.ORDER_LEDGER: LedgerProvider,
    Capability.SHARE_CART: ShareProvider,
    Capability.HOSTED_PAYMENT: HostedPaymentProvider,
    Capability.OTP_SIGN_IN: OtpSignInProvider,
    Capability.BUYER_ACCESS: BuyerAccessProvider,
    Capability.VOUCHERS: VoucherProvider,
}
ROLE_NEEDS: dict[str, frozenset[Capability]] = {
    Role.SHOP: frozenset({Capability.CATALOGUE, Capability.CART}),
    Role.VOUCHERS: frozenset({Capability.VOUCHERS}),
}

P = TypeVar("P")


def require(provider: P, capability: Capability) -> P:
    """The provider, when it declares `capability`; CapabilityMissing (a 404 for the shopper)
    otherwise. The one way code above the provider layer asks what a provider can do."""
    if capability not in provider.capabilities:  # type: ignore[attr-defined]
        raise CapabilityMissing()
    return provider


def conformance_problems(provider: object, role: str = Role.SHOP) -> list[str]:
    """What a provider declares but does not implement (empty when it conforms)."""
    problems = []
    if not isinstance(provider, BaseProvider):
        problems.append("not a provider: needs kind, capabilities, account and ping()")
        return problems
    missing_core = ROLE_NEEDS[role] - provider.capabilities
    if missing_core:
        problems.append(f"the {role} role needs {sorted(missing_core)}")
    for capability in provider.capabilities:
        protocol = PROTOCOLS.get(capability)
        if protocol is not None and not isinstance(provider, protocol):
            problems.append(f"declares {capability} but does not implement {protocol.__name__}")
    return problems
