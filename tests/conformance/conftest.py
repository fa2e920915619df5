"""The providers the conformance suite runs against, one adapter each.

Every test in tests/conformance/ takes the `shop` fixture and runs once per adapter in `ADAPTERS`.
An adapter (a `ProviderUnderTest`) says what the tests cannot know about a provider: how it is built,
two things it sells, a coupon that applies, how to give a cart a delivery address, and where its
orders land. A new provider joins by writing one factory and adding it to `ADAPTERS`; nothing in the
tests changes.

The tests call the provider methods of storefront/providers/base.py directly, with a `Shopper` that
keeps the cart id between calls the way the session does. For an HTTP provider the adapter also
names its fake server and its order-creating call, so lost-answer tests can script a commit-then-fail
fault there (`lose_order_answer`); they skip for a provider without HTTP.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from storefront.models import ProviderAccount
from storefront.providers import get_shop_provider
from storefront.providers.base import CartContext, Customer
from storefront.providers.local import models as local_models
from storefront.providers.types import Address, Capability, Cart, CartLine
from tests.fakes.base import FakeServer
from tests.fakes.commerce_engine_server import FakeCommerceEngine, start_fake_commerce_engine
from tests.fakes.fynd_server import CART as FYND_CART
from tests.fakes.fynd_server import FakeFynd, start_fake_fynd
from tests.fakes.sourcehub_server import FakeSourceHub, new_customer, start_fake_sourcehub

HOME = Address(
    id="",
    name="Meera Iyer",
    phone="9845012345",
    line1="7 Residency Road",
    line2="Ashok Nagar",
    city="Bengaluru",
    state="Karnataka",
    pincode="560001",
)


@dataclass(frozen=True)
class Item:
    """Something a provider sells: what `add_item` takes."""

    product_id: str
    variant_id: str | None  # None: a product without sizes (its one variant)
    name: str = ""

    def line_in(self, cart: Cart) -> CartLine | None:
        """The cart's line holding this item, or None."""
        found = [
            ln
            for ln in cart.lines
            if ln.product.id == self.product_id and self.variant_id in (None, ln.variant.id)
        ]
        assert len(found) <= 1, f"{self.name or self.product_id} is on {len(found)} lines"
        return found[0] if found else None


class Shopper:
    """One shopper's browser: the context of their next call, and the cart id the provider answered
    with last time (kept as the session keeps it)."""

    def __init__(self, customer: Customer | None = None) -> None:
        self.customer = customer
        self.session_key = uuid.uuid4().hex
        self.session: dict = {}  # the session's data (providers may keep per-shopper state in it)
        self.cart_id: str | None = None

    @property
    def ctx(self) -> CartContext:
        return CartContext(
            cart_id=self.cart_id, customer=self.customer, session_key=self.session_key, session=self.session
        )

    def keep(self, cart: Cart) -> Cart:
        if cart.id:
            self.cart_id = cart.id
        return cart

    def elsewhere(self) -> Shopper:
        """The same person in another browser: no cart id, another session."""
        return Shopper(self.customer)


@dataclass
class ProviderUnderTest:
    """What the conformance tests need to know about one provider."""

    name: str
    provider: Any  # the ShopProvider, with the capability areas the tests use
    item_a: Item  # in stock, can be bought several at a time
    item_b: Item  # another product
    coupon: str  # applies to a cart holding `coupon_quantity` of item_a
    coupon_quantity: int
    counts: str  # what cart.count counts: "units" or "lines" (the header badge)
    orders_upstream: Callable[[], int]  # how many orders the back end holds
    fake: FakeServer | None = None  # the fake server an HTTP provider talks to
    order_endpoint: tuple[str, str] | None = None  # (method, path) of the order-creating call
    address: Address = HOME
    takes_orders: bool = True  # False while a fake server has no order route yet (the test skips)
    # False for a provider that sells only to buyers it knows (Capability.BUYER_ACCESS): it has no
    # guest cart, so wherever a test needs "just a shopper" it gets a new signed-in buyer
    guest_carts: bool = True
    on_sign_up: Callable[[Any], None] | None = None  # tells the back end about each new user
    _users: list = field(default_factory=list)

    def anonymous(self) -> Shopper:
        return Shopper() if self.guest_carts else self.signed_in()

    def needs(self, capability: Capability) -> None:
        """Skip the test for a provider that does not declare `capability`."""
        if capability not in self.provider.capabilities:
            pytest.skip(f"{self.name} does not offer {capability}")

    def signed_in(self) -> Shopper:
        n = len(self._users) + 1
        user = get_user_model().objects.create_user(
            username=f"conformance-{n}@example.com",
            email=f"conformance-{n}@example.com",
            password="pw-conformance-123",
            first_name="Meera",
        )
        self._users.append(user)
        if self.on_sign_up is not None:
            self.on_sign_up(user)
        return Shopper(Customer(id=str(user.pk), email=user.email, name=user.get_full_name()))

    def give_address(self, shopper: Shopper) -> Cart:
        if Capability.ADDRESSES not in self.provider.capabilities:
            # the provider delivers to the address it keeps for the customer: nothing to give
            return shopper.keep(self.provider.get_cart(shopper.ctx))
        return shopper.keep(self.provider.set_address(shopper.ctx, address=self.address))

    def order_calls(self) -> int | None:
        """Order-creating calls that reached the back end (None for a provider without HTTP)."""
        if self.fake is None or self.order_endpoint is None:
            return None
        return self.fake.count(*self.order_endpoint)

    def lose_order_answer(self, kind: str, **options) -> None:
        """The next order-creating call commits upstream and its answer is lost: `kind` is a fault of
        tests/fakes/base.py ("status" with a 5xx `status`, "drop" or "hang"). Skips the test for a
        provider without HTTP, whose answer cannot be lost."""
        if self.fake is None or self.order_endpoint is None:
            pytest.skip(f"{self.name}: no remote call whose answer could be lost")
        method, path = self.order_endpoint
        self.fake.fault(path, kind, method=method, after_commit=True, **options)


# --------------------------------------------------------------------------- the adapters


def local_adapter(request: pytest.FixtureRequest) -> ProviderUnderTest:
    """The embedded provider on the seeded demo store (no account is active)."""
    request.getfixturevalue("demo")
    provider = get_shop_provider()
    assert provider.kind == "local"
    dal = local_models.Variant.objects.get(product__slug="toor-dal-1kg")  # ₹179, no sizes
    shirt = local_models.Variant.objects.get(product__slug="linen-shirt", label="M")  # ₹1,699
    return ProviderUnderTest(
        name="local",
        provider=provider,
        item_a=Item(str(dal.product_id), None, "toor dal"),
        item_b=Item(str(shirt.product_id), str(shirt.pk), "linen shirt, M"),
        coupon="WELCOME10",  # 10% off orders of ₹500 or more: 3 bags of dal make ₹537
        coupon_quantity=3,
        counts="units",
        orders_upstream=local_models.Order.objects.count,
    )


def fynd_adapter(request: pytest.FixtureRequest) -> ProviderUnderTest:
    """FyndProvider on an active account pointed at the fake Fynd server."""
    fake: FakeFynd = start_fake_fynd()
    request.addfinalizer(fake.stop)
    account = ProviderAccount(
        kind="fynd", name="fynd-fake", base_url=fake.base_url, connect_timeout=0.5, read_timeout=1.0
    )
    account.set_credentials(
        {"application_id": fake.app_id, "application_token": fake.app_token, "currency_code": "INR"}
    )
    account.save()
    account.activate()
    provider = get_shop_provider()
    assert provider.kind == "fynd"
    return ProviderUnderTest(
        name="fynd",
        provider=provider,
        item_a=Item("7501", "M", "classic tee, M"),  # ₹499.50
        item_b=Item("7503", "OS", "coffee mug"),  # ₹299.90
        coupon="WELCOME10",  # 10% off carts of ₹499 or more
        coupon_quantity=3,
        counts="lines",  # Fynd's user_cart_items_count is the number of lines
        orders_upstream=lambda: len(fake.orders),
        fake=fake,
        order_endpoint=("POST", f"{FYND_CART}/checkout"),
    )


def commerce_engine_adapter(request: pytest.FixtureRequest) -> ProviderUnderTest:
    """CommerceEngineProvider on an active account pointed at the fake Commerce Engine server."""
    fake: FakeCommerceEngine = start_fake_commerce_engine()
    request.addfinalizer(fake.stop)
    account = ProviderAccount(
        kind="commerce_engine", name="ce-fake", base_url=fake.api_url, connect_timeout=0.5, read_timeout=1.0
    )
    account.set_credentials({"store_id": fake.store_id, "api_key": fake.api_key, "gift_cards": "on"})
    account.save()
    account.activate()
    provider = get_shop_provider()
    assert provider.kind == "commerce_engine"
    return ProviderUnderTest(
        name="commerce_engine",
        provider=provider,
        item_a=Item("01JCEPRD000000000000000002", None, "basmati rice"),  # ₹649 + 5 % GST, at most 5
        item_b=Item("01JCEPRD000000000000000007", None, "desi ghee"),  # ₹325.50 + 12 % GST
        coupon="FLAT100OFF",  # ₹100 off from ₹500
        coupon_quantity=1,
        counts="units",
        orders_upstream=lambda: len(getattr(fake, "orders", {})),
        fake=fake,
        order_endpoint=("POST", fake.path("/orders")),
        takes_orders=fake.resolve("POST", fake.path("/orders")).handler is not None,
    )


def sourcehub_adapter(request: pytest.FixtureRequest) -> ProviderUnderTest:
    """SourceHubProvider on an active account pointed at the fake SourceHub server. Every shopper
    is a business buyer SourceHub knows and approved (it has no guest carts)."""
    fake: FakeSourceHub = start_fake_sourcehub()
    request.addfinalizer(fake.stop)
    account = ProviderAccount(
        kind="sourcehub",
        name="sourcehub-fake",
        base_url=f"{fake.base_url}/api",
        connect_timeout=0.5,
        read_timeout=1.0,
    )
    account.set_credentials({"token": fake.token})
    account.save()
    account.activate()
    provider = get_shop_provider()
    assert provider.kind == "sourcehub"
    return ProviderUnderTest(
        name="sourcehub",
        provider=provider,
        item_a=Item("11", "1101", "Tata Tea Gold, pack of 6"),  # ₹190 a pack
        item_b=Item("12", "1201", "Parle-G, single packet"),  # ₹95
        coupon="",  # SourceHub has no coupons: those tests skip
        coupon_quantity=1,
        counts="lines",  # cart_item_count is the number of lines
        orders_upstream=lambda: len(fake.orders),
        fake=fake,
        order_endpoint=("POST", "/api/orders/create"),
        guest_carts=False,
        on_sign_up=lambda user: new_customer(fake, email=user.email),
    )


ADAPTERS: dict[str, Callable[[pytest.FixtureRequest], ProviderUnderTest]] = {
    "local": local_adapter,
    "fynd": fynd_adapter,
    "commerce_engine": commerce_engine_adapter,
    "sourcehub": sourcehub_adapter,
}


@pytest.fixture(params=list(ADAPTERS))
def shop(request: pytest.FixtureRequest, db) -> Iterator[ProviderUnderTest]:
    """Each provider in turn, ready for a fresh shopper."""
    adapter = ADAPTERS[request.param](request)
    yield adapter
    if adapter.fake is not None:
        assert adapter.fake.errors == [], "the fake server had a bug (answered 500):\n" + "\n".join(
            adapter.fake.errors
        )
