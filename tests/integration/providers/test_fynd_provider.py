"""FyndProvider against the stateful fake Fynd server (tests/fakes/fynd_server.py): the whole cart
journey through the storefront's services, the upstream calls each action costs, sign-in, checkout
idempotency and how failures reach the shopper."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.cache import SessionStore
from django.core.cache import cache

from carts import selectors, services
from carts.session import CartSession
from storefront import ledger
from storefront.exceptions import (
    MSG_AUTH,
    MSG_UNAVAILABLE,
    AddressNeeded,
    CapabilityMissing,
    NotFound,
    ProviderAuthError,
    ProviderRejected,
    ProviderUnavailable,
)
from storefront.models import OrderAttempt, ProviderAccount
from storefront.providers import get_shop_provider
from storefront.providers.base import CartContext, Customer
from storefront.providers.fynd import common as fp
from storefront.providers.fynd.models import FyndAddress, FyndCart
from storefront.providers.fynd.provider import FyndProvider
from storefront.providers.messages import MSG_NEED_ADDRESS
from storefront.providers.types import Address, Capability, CartMeta, OrderType
from storefront.providers.validators import gstin_check_digit
from tests.fakes import fynd_server as ff
from tests.fakes.fynd_server import fake_fynd  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

CART = "/service/application/cart/v1.0"
CATALOG = "/service/application/catalog/v1.0"
DETAIL = f"{CART}/detail"
GSTIN = "29ABCDE1234F1Z" + gstin_check_digit("29ABCDE1234F1Z")
HOME = Address(id="", name="Asha Rao", phone="9876543210", line1="12 Link Road", line2="Andheri West",
               city="Mumbai", state="Maharashtra", pincode="400059")  # fmt: skip


@pytest.fixture
def account(fake_fynd) -> ProviderAccount:  # noqa: F811
    account = ProviderAccount(
        kind="fynd", name="fynd-fake", base_url=fake_fynd.base_url, connect_timeout=0.5, read_timeout=1.0
    )
    account.set_credentials(
        {"application_id": fake_fynd.app_id, "application_token": fake_fynd.app_token, "currency_code": "INR"}
    )
    account.save()
    account.activate()
    return account


@pytest.fixture
def provider(account) -> FyndProvider:
    found = get_shop_provider()
    assert isinstance(found, FyndProvider)
    return found


@pytest.fixture
def cs(account) -> CartSession:
    return CartSession(session=SessionStore())


@pytest.fixture
def customer(db):
    return get_user_model().objects.create_user(
        username="meera@example.com", email="meera@example.com", password="pw-123456789", first_name="Meera"
    )


@pytest.fixture
def customer_cs(account, customer) -> CartSession:
    return CartSession(session=SessionStore(), user=customer)


def calls(fake) -> list[tuple[str, str]]:
    return [(c.method, c.path.replace(CART, "").replace(CATALOG, "catalog")) for c in fake.calls]


def add(cs, product="7501", size="M", quantity=1):
    return services.cart_add_item(cs=cs, product_id=product, variant_id=size, quantity=quantity)


# --------------------------------------------------------------------------- registration and set-up


def test_the_kind_is_registered_and_activates(account, provider):
    assert ProviderAccount.objects.get(pk=account.pk).active_for_shop
    assert provider.kind == "fynd"


def test_declared_capabilities_are_exactly_what_the_contract_supports(provider):
    assert provider.capabilities == {
        Capability.CATALOGUE, Capability.CART, Capability.SIZE_CHANGE, Capability.DELIVERY_PROMISE,
        Capability.COUPONS, Capability.LOYALTY, Capability.CART_META, Capability.ADDRESSES,
        Capability.CHECKOUT, Capability.BUY_NOW, Capability.SHARE_CART,
        Capability.PAYMENT_CHARGES, Capability.ORDER_LEDGER,
    }  # fmt: skip


def test_ping_makes_one_authenticated_call(provider, fake_fynd):  # noqa: F811
    result = provider.ping()

    assert "products in Fynd application app123" in result
    assert calls(fake_fynd) == [("GET", "catalog/products/")]
    assert fake_fynd.calls[0].headers["authorization"] == fake_fynd.auth_header


def test_gift_cards_and_store_credit_are_refused_as_missing_capabilities(cs, provider):
    add(cs)
    for call in (
        lambda: services.cart_apply_gift_card(cs=cs, code="GIFT-1", pin="1234"),
        lambda: services.cart_apply_credit(cs=cs),
        lambda: services.cart_remove_credit(cs=cs),
    ):
        with pytest.raises(CapabilityMissing):
            call()


# --------------------------------------------------------------------------- the cart journey


def test_the_whole_cart_journey(cs, customer_cs, fake_fynd):  # noqa: F811
    # add: the cart id goes to the session, never to a URL
    cart = add(customer_cs, "7501", "M", 2)
    assert customer_cs.cart_id == cart.id and len(cart.id) == 24
    (line,) = cart.lines
    assert (line.product.name, line.variant.id, line.quantity) == ("Classic Cotton T-Shirt", "M", 2)
    assert line.unit_price == Decimal("499.5") and line.unit_mrp == Decimal("799")

    # update quantity, then change the size
    cart = services.cart_update_line(cs=customer_cs, line_id=line.id, quantity=3)
    assert cart.lines[0].quantity == 3
    cart = services.cart_update_line(cs=customer_cs, line_id=line.id, quantity=3, variant_id="L")
    assert (cart.lines[0].variant.id, cart.lines[0].quantity) == ("L", 3)

    # a second product, removed again
    cart = add(customer_cs, "7503", "OS", 1)
    mug = next(ln for ln in cart.lines if ln.product.id == "7503")
    cart = services.cart_remove_line(cs=customer_cs, line_id=mug.id)
    assert [ln.product.id for ln in cart.lines] == ["7501"]

    # coupon on, listed, off
    offers = selectors.cart_coupons(cs=customer_cs)
    assert {o.code for o in offers} >= {"WELCOME10", "BIGSPENDER"}
    assert not next(o for o in offers if o.code == "BIGSPENDER").applicable
    cart = services.cart_apply_coupon(cs=customer_cs, code="WELCOME10")
    assert cart.coupon_code == "WELCOME10"
    assert cart.row("coupon").amount < 0
    cart = services.cart_remove_coupon(cs=customer_cs)
    assert cart.coupon_code == "" and cart.row("coupon") is None

    # loyalty points on and off
    cart = services.cart_apply_loyalty(cs=customer_cs, points=None)
    assert cart.loyalty.applied > 0 and cart.row("loyalty_points").amount < 0
    cart = services.cart_remove_loyalty(cs=customer_cs)
    assert cart.loyalty.applied == 0

    # meta: gift message, GSTIN, comment
    meta = CartMeta(gift_message="Happy birthday!", gstin=GSTIN, business_name="Acme", comment="Call first")
    cart = services.cart_update_meta(cs=customer_cs, meta=meta, pickup_store_id=None)
    assert (cart.meta.gstin, cart.meta.comment, cart.meta.gift_message) == (
        GSTIN,
        "Call first",
        "Happy birthday!",
    )
    fynd_cart = fake_fynd.cart(cart.id)
    article = fake_fynd.render_cart(cart.id)["items"][0]["article"]["uid"]
    assert fynd_cart.gift_details == {article: {"is_gift_applied": True, "gift_message": "Happy birthday!"}}

    # delivery address
    cart = services.cart_set_address(cs=customer_cs, address=HOME)
    assert cart.shipping_address.pincode == "400059" and cart.shipping_address.id
    assert cart.delivery_promise is not None and cart.delivery_promise.min.tzinfo is not None
    assert [a.id for a in selectors.cart_addresses(cs=customer_cs)] == [cart.shipping_address.id]

    # checkout
    token = services.checkout_issue_key(
        cart=selectors.cart_get(cs=customer_cs, for_checkout=True), cs=customer_cs
    )
    order = services.checkout_place_order(cs=customer_cs, token=token, payment_mode="COD")
    assert order.id.startswith("FY") and order.id in fake_fynd.orders
    placed = fake_fynd.orders[order.id]
    assert placed["payment_mode"] == "COD"
    assert placed["address_id"] == cart.shipping_address.id
    assert placed["custom_meta"][0]["key"] == "storefront_idempotency_key"
    assert order.lines[0].quantity == 3 and order.total > 0
    assert customer_cs.cart_id is None
    assert selectors.order_get(cs=customer_cs, order_id=order.id).id == order.id


def test_buy_now_uses_a_separate_cart_and_leaves_the_main_one(cs, fake_fynd):  # noqa: F811
    main = add(cs, "7501", "M", 1)

    quick = services.cart_buy_now(cs=cs, product_id="7503", variant_id="OS", quantity=1)

    assert quick.id != main.id and quick.buy_now
    post = fake_fynd.calls_to(DETAIL, "POST")[-1]
    assert post.query.get("buy_now") == "true" and post.body.get("new_cart") is True
    assert [ln.product.id for ln in selectors.cart_get(cs=cs).lines] == ["7501"]


def test_clearing_archives_the_cart(cs, fake_fynd):  # noqa: F811
    add(cs)
    fake_fynd.reset_counts()

    cart = services.cart_clear(cs=cs)

    assert cart.is_empty and cs.count == 0
    assert calls(fake_fynd) == [("PUT", "/cart_archive")]
    fake_fynd.reset_counts()
    assert selectors.cart_get(cs=cs).is_empty
    assert calls(fake_fynd) == [("GET", "/detail")]  # the archive answer carries no Last-Modified


def test_a_line_change_that_breaks_a_rule_is_refused_before_calling(cs, fake_fynd):  # noqa: F811
    cart = add(cs, "7505", "250g", 2)
    fake_fynd.reset_counts()

    with pytest.raises(ProviderRejected) as exc:
        services.cart_update_line(cs=cs, line_id=cart.lines[0].id, quantity=3)

    assert "packs of 2" in exc.value.user_message
    assert fake_fynd.calls == []


def test_adding_out_of_stock_says_fynds_message(cs):
    with pytest.raises(ProviderRejected) as exc:
        add(cs, "7501", "XL", 1)

    assert exc.value.user_message == ff.MSG_OUT_OF_STOCK


def test_adding_without_a_size_asks_for_one(cs, fake_fynd):  # noqa: F811
    with pytest.raises(ProviderRejected) as exc:
        services.cart_add_item(cs=cs, product_id="7501", variant_id=None, quantity=1)

    assert exc.value.user_message == fp.MSG_CHOOSE_SIZE
    assert fake_fynd.calls == []


def test_an_unknown_line_is_not_found(cs):
    add(cs)

    with pytest.raises(NotFound):
        services.cart_remove_line(cs=cs, line_id="no-such-line")


def test_an_invalid_coupon_is_refused_with_fynds_message(cs):
    add(cs)

    with pytest.raises(ProviderRejected) as exc:
        services.cart_apply_coupon(cs=cs, code="BOGUS")

    assert exc.value.user_message == ff.MSG_COUPON_INVALID


def test_points_need_a_signed_in_customer(cs):
    add(cs)

    with pytest.raises(ProviderRejected) as exc:
        services.cart_apply_loyalty(cs=cs, points=None)

    assert exc.value.user_message == fp.MSG_SIGN_IN_POINTS


def test_points_apply_all_or_none(customer_cs, fake_fynd):  # noqa: F811
    cart = add(customer_cs, "7501", "M", 2)
    usable = cart.loyalty.applicable

    with pytest.raises(ProviderRejected) as exc:
        services.cart_apply_loyalty(cs=customer_cs, points=usable - 1)

    assert exc.value.user_message == fp.MSG_POINTS_ALL_ONLY.format(n=usable)
    assert fake_fynd.count("POST", f"{CART}/redeem/points/") == 0


def test_a_stale_cart_id_starts_a_new_cart(cs, fake_fynd):  # noqa: F811
    cs.session["cart:id"] = "f" * 24  # a cart Fynd no longer knows

    cart = add(cs)

    assert cart.id != "f" * 24 and cs.cart_id == cart.id
    assert len(cart.lines) == 1


def test_pick_up_meta_is_sent_and_kept(cs, fake_fynd):  # noqa: F811
    add(cs)
    meta = CartMeta(order_type=OrderType.PICK_AT_STORE, pickup_name="Ravi", pickup_phone="9876500000")

    cart = services.cart_update_meta(cs=cs, meta=meta, pickup_store_id=None)

    assert cart.meta.order_type == OrderType.PICK_AT_STORE
    assert (cart.meta.pickup_name, cart.meta.pickup_phone) == ("Ravi", "9876500000")
    assert fake_fynd.cart(cart.id).pick_up_customer_details == {"name": "Ravi", "mobile": "9876500000"}
    assert fake_fynd.calls_to(DETAIL, "GET")[-1].query["order_type"] == "PickAtStore"


def test_an_invalid_gstin_is_refused_with_fynds_errors(cs):
    add(cs)

    with pytest.raises(ProviderRejected) as exc:
        services.cart_update_meta(cs=cs, meta=CartMeta(gstin="NOT-A-GSTIN"), pickup_store_id=None)

    assert exc.value.user_message == ff.MSG_INVALID_GSTIN


def test_restricted_checkout_blocks_with_a_message(cs, fake_fynd):  # noqa: F811
    add(cs)
    fake_fynd.force_restrict_checkout = True
    cache.clear()

    cart = selectors.cart_get(cs=cs)

    assert cart.checkout_blocked


def test_a_pincode_prices_the_delivery_promise(cs, fake_fynd):  # noqa: F811
    add(cs)
    check = services.cart_check_delivery(cs=cs, pincode="400059")
    assert check.serviceable

    cart = selectors.cart_get(cs=cs)

    get = fake_fynd.calls_to(DETAIL, "GET")[-1]
    assert get.query["area_code"] == "400059"
    assert '"pincode": "400059"' in get.headers["x-location-detail"]
    assert cart.pincode == "400059"
    assert cart.delivery_promise.min.date().isoformat() == "2030-06-04"


def test_an_unserviceable_pincode_marks_the_lines(cs):
    add(cs)
    cs.remember_pincode("999999")

    cart = selectors.cart_get(cs=cs)

    assert not cart.lines[0].available
    assert cart.lines[0].messages[0].text == ff.MSG_NOT_DELIVERABLE.format(pincode="999999")
    assert cart.checkout_blocked


# --------------------------------------------------------------------------- upstream calls per action


def test_viewing_an_unchanged_cart_twice_is_one_get_then_one_head(cs, fake_fynd):  # noqa: F811
    add(cs)
    cache.clear()
    fake_fynd.reset_counts()

    first = selectors.cart_get(cs=cs)
    second = selectors.cart_get(cs=cs)

    assert calls(fake_fynd) == [("GET", "/detail"), ("HEAD", "/detail")]
    assert first == second


def test_a_cart_changed_elsewhere_is_fetched_again(cs, fake_fynd):  # noqa: F811
    add(cs)
    selectors.cart_get(cs=cs)
    time.sleep(1.05)  # Last-Modified has one-second resolution
    fake_fynd.cart(cs.cart_id).lines[0].quantity = 4
    fake_fynd._touch(fake_fynd.cart(cs.cart_id))
    fake_fynd.reset_counts()

    cart = selectors.cart_get(cs=cs)

    assert calls(fake_fynd) == [("HEAD", "/detail"), ("GET", "/detail")]
    assert cart.lines[0].quantity == 4


def test_no_cart_costs_no_call(cs, fake_fynd):  # noqa: F811
    assert selectors.cart_get(cs=cs).is_empty
    assert selectors.cart_count(cs=cs) == 0
    assert fake_fynd.calls == []


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (lambda cs, line: add(cs, "7503", "OS", 1), [("POST", "/detail")]),
        (lambda cs, line: services.cart_update_line(cs=cs, line_id=line, quantity=2), [("PUT", "/detail")]),
        (lambda cs, line: services.cart_update_line(cs=cs, line_id=line, quantity=1, variant_id="L"),
         [("PUT", "/detail")]),
        (lambda cs, line: services.cart_remove_line(cs=cs, line_id=line), [("PUT", "/detail")]),
        (lambda cs, line: services.cart_apply_coupon(cs=cs, code="WELCOME10"), [("POST", "/coupon")]),
        (lambda cs, line: services.cart_remove_coupon(cs=cs), [("DELETE", "/coupon")]),
        (lambda cs, line: selectors.cart_coupons(cs=cs), [("GET", "/coupon")]),
        (lambda cs, line: selectors.cart_count(cs=cs), [("GET", "/basic")]),
        (lambda cs, line: services.cart_update_meta(cs=cs, meta=CartMeta(comment="hi"), pickup_store_id=None),
         [("PUT", "/meta"), ("GET", "/detail")]),
        (lambda cs, line: services.cart_set_address(cs=cs, address=HOME),
         [("POST", "/address"), ("POST", "/select-address")]),
    ],
)  # fmt: skip
def test_each_action_costs_its_budget_and_the_next_view_one_head(cs, fake_fynd, action, expected):  # noqa: F811
    cart = add(cs, "7501", "M", 1)
    fake_fynd.reset_counts()

    action(cs, cart.lines[0].id)

    assert calls(fake_fynd) == expected
    fake_fynd.reset_counts()
    selectors.cart_get(cs=cs)
    assert calls(fake_fynd) == [("HEAD", "/detail")]


def test_points_cost_one_post(customer_cs, fake_fynd):  # noqa: F811
    add(customer_cs)
    fake_fynd.reset_counts()

    services.cart_apply_loyalty(cs=customer_cs, points=None)
    services.cart_remove_loyalty(cs=customer_cs)

    assert calls(fake_fynd) == [("POST", "/redeem/points/"), ("POST", "/redeem/points/")]


def test_catalogue_answers_are_cached(provider, fake_fynd):  # noqa: F811
    provider.list_products(q="", category="t-shirts", page=1, per_page=12)
    provider.get_product("classic-cotton-tshirt")
    provider.list_categories()
    first = len(fake_fynd.calls)

    provider.list_products(q="", category="t-shirts", page=1, per_page=12)
    provider.get_product("classic-cotton-tshirt")
    provider.list_categories()

    assert len(fake_fynd.calls) == first == 4


# --------------------------------------------------------------------------- catalogue


def test_listing_filters_by_category_and_pages(provider, fake_fynd):  # noqa: F811
    page = provider.list_products(category="t-shirts", per_page=1)

    assert page.total == 2 and page.total_pages == 2
    assert page.products[0].category.slug == "t-shirts"
    assert fake_fynd.calls[0].query["f"] == "category:t-shirts"
    assert {c.slug for c in provider.list_categories()} >= {"t-shirts", "jeans", "mugs"}
    assert provider.featured_products(limit=3)


def test_a_product_prices_each_size_when_sizes_differ(provider, fake_fynd):  # noqa: F811
    jeans = provider.get_product("slim-fit-denim-jeans")

    prices = {v.id: v.price for v in jeans.variants}
    assert prices == {"30": Decimal("1499.25"), "32": Decimal("1499.25"), "34": Decimal("1649.25")}
    assert jeans.has_sizes and jeans.id == "7502"
    tee = provider.get_product("classic-cotton-tshirt")
    assert [(v.id, v.in_stock) for v in tee.variants][-1] == ("XL", False)
    assert not any("/price/" in c.path and "classic" in c.path for c in fake_fynd.calls)


def test_an_unknown_product_is_not_found(provider):
    with pytest.raises(NotFound) as exc:
        provider.get_product("no-such-thing")

    assert exc.value.user_message == fp.MSG_UNKNOWN_PRODUCT


def test_delivery_check_on_a_product(provider):
    near = provider.check_delivery(pincode="400059", product_slug="classic-cotton-tshirt")
    far = provider.check_delivery(pincode="999999", product_slug="classic-cotton-tshirt")
    sold_out = provider.check_delivery(pincode="400059", product_slug="retro-canvas-sneakers")

    assert near.serviceable and near.promise is not None and near.promise.max.tzinfo is not None
    assert not far.serviceable and far.promise is None
    assert sold_out.message == fp.MSG_PRODUCT_OUT_OF_STOCK
    with pytest.raises(ProviderRejected):
        provider.check_delivery(pincode="12")


# --------------------------------------------------------------------------- sign-in and customers


def test_sign_in_adopts_the_anonymous_cart_when_the_customer_has_none(cs, customer, fake_fynd):  # noqa: F811
    anon = add(cs, "7501", "M", 1)
    signed = CartSession(session=cs.session, user=customer)

    result = services.cart_merge_at_login(cs=signed, anonymous_cart_id=anon.id)

    assert result.cart.id == anon.id and result.merged_lines == 1
    assert FyndCart.objects.get(cart_id=anon.id).user == customer


def test_sign_in_merges_into_the_customers_cart_in_one_post(cs, customer, fake_fynd):  # noqa: F811
    theirs = add(CartSession(session=SessionStore(), user=customer), "7503", "OS", 1)
    anon = add(cs, "7501", "M", 2)
    signed = CartSession(session=cs.session, user=customer)
    fake_fynd.reset_counts()

    result = services.cart_merge_at_login(cs=signed, anonymous_cart_id=anon.id)

    assert calls(fake_fynd) == [("HEAD", "/detail"), ("POST", "/detail")]
    assert result.cart.id == theirs.id and result.merged_lines == 1
    assert sorted(ln.product.id for ln in result.cart.lines) == ["7501", "7503"]
    assert signed.cart_id == theirs.id


def test_sign_in_carries_the_guests_coupon_into_the_customers_cart(cs, customer, fake_fynd):  # noqa: F811
    theirs = add(CartSession(session=SessionStore(), user=customer), "7503", "OS", 1)
    anon = add(cs, "7501", "M", 2)
    services.cart_apply_coupon(cs=cs, code="WELCOME10")
    signed = CartSession(session=cs.session, user=customer)
    fake_fynd.reset_counts()

    result = services.cart_merge_at_login(cs=signed, anonymous_cart_id=anon.id)

    # the items in one POST, then the coupon on the customer's cart in one more
    assert calls(fake_fynd)[-1] == ("POST", "/coupon")
    assert result.cart.id == theirs.id and result.cart.coupon_code == "WELCOME10"
    assert result.kept == ("Coupon WELCOME10 is still applied.",) and result.dropped == ()


def test_sign_in_keeps_the_coupon_of_an_adopted_cart(cs, customer, fake_fynd):  # noqa: F811
    anon = add(cs, "7501", "M", 2)
    services.cart_apply_coupon(cs=cs, code="WELCOME10")
    signed = CartSession(session=cs.session, user=customer)

    result = services.cart_merge_at_login(cs=signed, anonymous_cart_id=anon.id)

    assert result.cart.id == anon.id and result.cart.coupon_code == "WELCOME10"
    assert result.kept == ("Coupon WELCOME10 is still applied.",)
    assert not [c for c in calls(fake_fynd) if c == ("POST", "/coupon")][1:]  # applied once, by the guest


def test_the_customers_cart_follows_them_to_another_browser(account, customer):
    first = CartSession(session=SessionStore(), user=customer)
    cart = add(first, "7501", "M", 1)

    elsewhere = CartSession(session=SessionStore(), user=customer)

    assert selectors.cart_get(cs=elsewhere).id == cart.id


def test_customers_only_see_their_own_addresses(customer, account):
    other = get_user_model().objects.create_user(
        username="o@example.com", email="o@example.com", password="x"
    )
    mine = CartSession(session=SessionStore(), user=customer)
    theirs = CartSession(session=SessionStore(), user=other)
    add(mine)
    add(theirs)

    services.cart_set_address(cs=mine, address=HOME)

    assert len(selectors.cart_addresses(cs=mine)) == 1
    assert selectors.cart_addresses(cs=theirs) == ()
    with pytest.raises(NotFound):
        services.cart_select_address(
            cs=theirs, address_id=FyndAddress.objects.get(user=customer).address_id, role="shipping"
        )


def test_a_saved_address_is_selected_with_one_call(customer_cs, fake_fynd):  # noqa: F811
    add(customer_cs)
    saved = services.cart_set_address(cs=customer_cs, address=HOME).shipping_address
    fresh = CartSession(session=customer_cs.session, user=customer_cs.user)
    fake_fynd.reset_counts()

    cart = services.cart_select_address(cs=fresh, address_id=saved.id, role="shipping")

    assert calls(fake_fynd) == [("POST", "/select-address")]
    assert cart.shipping_address == saved


# --------------------------------------------------------------------------- checkout


def _ready(cs):
    add(cs, "7501", "M", 2)
    return services.cart_set_address(cs=cs, address=HOME)


def test_the_same_key_places_one_order(cs, fake_fynd):  # noqa: F811
    _ready(cs)
    token = services.checkout_issue_key(cart=selectors.cart_get(cs=cs, for_checkout=True), cs=cs)

    first = services.checkout_place_order(cs=cs, token=token, payment_mode="COD", email="a@example.com")
    again = services.checkout_place_order(cs=cs, token=token, payment_mode="COD", email="a@example.com")

    assert first.id == again.id
    assert fake_fynd.count("POST", f"{CART}/checkout") == 1
    assert len(fake_fynd.orders) == 1
    assert first.guest_token and first.email == "a@example.com"


def test_a_checkout_without_address_says_an_address_is_needed(cs, fake_fynd):  # noqa: F811
    add(cs)
    token = services.checkout_issue_key(cart=selectors.cart_get(cs=cs, for_checkout=True), cs=cs)

    with pytest.raises(AddressNeeded) as exc:
        services.checkout_place_order(cs=cs, token=token, payment_mode="COD")

    assert exc.value.user_message == MSG_NEED_ADDRESS
    assert fake_fynd.count("POST", f"{CART}/checkout") == 0


def test_a_refused_checkout_can_be_tried_again(cs, fake_fynd):  # noqa: F811
    _ready(cs)
    token = services.checkout_issue_key(cart=selectors.cart_get(cs=cs, for_checkout=True), cs=cs)
    fake_fynd.fail_next(f"{CART}/checkout", 400, {"success": False, "message": "Payment mode not allowed"})

    with pytest.raises(ProviderRejected) as exc:
        services.checkout_place_order(cs=cs, token=token, payment_mode="COD")

    assert exc.value.user_message == "Payment mode not allowed"
    assert OrderAttempt.objects.get().state == OrderAttempt.State.FAILED
    order = services.checkout_place_order(cs=cs, token=token, payment_mode="COD")
    assert order.id in fake_fynd.orders


def test_a_checkout_that_times_out_is_never_posted_twice_and_is_found_again(cs, fake_fynd):  # noqa: F811
    _ready(cs)
    token = services.checkout_issue_key(cart=selectors.cart_get(cs=cs, for_checkout=True), cs=cs)
    fake_fynd.fail_next(f"{CART}/checkout", None, delay=1.5)  # slow, and the order IS placed

    with pytest.raises(ProviderUnavailable) as exc:
        services.checkout_place_order(cs=cs, token=token, payment_mode="COD")
    assert exc.value.user_message == ledger.MSG_ORDER_UNKNOWN
    assert OrderAttempt.objects.get().state == OrderAttempt.State.UNKNOWN
    time.sleep(0.6)
    # the slow order went through and Fynd emptied the cart: pressing the button again with the
    # same key finds that order (reconciled from the checked-out cart), without a second POST
    order = services.checkout_place_order(cs=cs, token=token, payment_mode="COD")
    key, shown = services.checkout_read_key(token, cs=cs)
    again = get_shop_provider().place_order(
        CartContext(cart_id=shown["cart"]), idempotency_key=f"{shown['cart']}:{key}", payment_mode="COD"
    )

    assert again.id == order.id
    assert [ln.quantity for ln in order.lines] == [ln.quantity for ln in again.lines]
    assert fake_fynd.count("POST", f"{CART}/checkout") == 1
    assert len(fake_fynd.orders) == 1
    assert OrderAttempt.objects.get().state == OrderAttempt.State.PLACED
    assert cs.cart_id is None  # the shopper starts a fresh cart


def test_another_customers_key_does_not_reveal_the_order(customer_cs, customer, account):
    _ready(customer_cs)
    token = services.checkout_issue_key(
        cart=selectors.cart_get(cs=customer_cs, for_checkout=True), cs=customer_cs
    )
    order = services.checkout_place_order(cs=customer_cs, token=token, payment_mode="COD")
    other = get_user_model().objects.create_user(
        username="z@example.com", email="z@example.com", password="x"
    )

    with pytest.raises(NotFound):
        selectors.order_get(cs=CartSession(session=SessionStore(), user=other), order_id=order.id)
    assert [o.id for o in selectors.order_list(cs=customer_cs)] == [order.id]


# --------------------------------------------------------------------------- sharing


def test_a_shared_cart_can_be_read_and_merged_into_another(cs, provider, fake_fynd):  # noqa: F811
    cart = add(cs, "7501", "M", 2)
    token = provider.share_cart(cs.context())
    other = CartSession(session=SessionStore())
    add(other, "7503", "OS", 1)

    shared = provider.get_shared_cart(token)
    merged = provider.accept_shared_cart(other.context(), token=token, mode="merge")

    assert [ln.product.id for ln in shared.lines] == ["7501"] and shared.id == cart.id
    assert sorted(ln.product.id for ln in merged.lines) == ["7501", "7503"]
    replaced = provider.accept_shared_cart(other.context(), token=token, mode="replace")
    assert [(ln.product.id, ln.quantity) for ln in replaced.lines] == [("7501", 2)]


# --------------------------------------------------------------------------- failures reach the shopper


def test_a_5xx_on_the_cart_is_unavailable(cs, fake_fynd):  # noqa: F811
    add(cs)
    cache.clear()
    fake_fynd.fail_next(DETAIL, 500, method="GET", times=3)

    with pytest.raises(ProviderUnavailable) as exc:
        selectors.cart_get(cs=cs)

    assert exc.value.user_message == MSG_UNAVAILABLE


def test_wrong_credentials_are_an_auth_error(cs, account, fake_fynd):  # noqa: F811
    account.update_credentials({"application_token": "wrong-token-value"})
    account.save()

    with pytest.raises(ProviderAuthError) as exc:
        add(cs)

    assert exc.value.user_message == MSG_AUTH


def test_a_malformed_cart_body_is_unavailable(cs, fake_fynd):  # noqa: F811
    add(cs)
    cache.clear()
    fake_fynd.fail_next(DETAIL, 200, "{not json", method="GET")

    with pytest.raises(ProviderUnavailable):
        selectors.cart_get(cs=cs)


def test_a_slow_add_times_out_and_is_not_repeated(cs, fake_fynd):  # noqa: F811
    fake_fynd.fail_next(DETAIL, None, delay=1.5, method="POST")

    with pytest.raises(ProviderUnavailable):
        add(cs)

    time.sleep(0.6)
    assert fake_fynd.count("POST", DETAIL) == 1


def test_business_failures_as_4xx_carry_fynds_message(cs, fake_fynd):  # noqa: F811
    add(cs)
    fake_fynd.business_error_status = 400

    with pytest.raises(ProviderRejected) as exc:
        services.cart_apply_coupon(cs=cs, code="BOGUS")

    assert exc.value.user_message == ff.MSG_COUPON_INVALID


def test_provider_context_without_session(provider, customer):
    ctx = CartContext(customer=Customer(id=str(customer.pk), email=customer.email))

    assert provider.get_cart(ctx).is_empty
    assert provider.list_addresses(ctx) == ()
    assert provider.list_orders(ctx) == ()


# --------------------------------------------------------------------------- the pages on Fynd


def test_the_shop_pages_render_from_fynd(account, client, fake_fynd):  # noqa: F811
    assert client.get("/").status_code == 200
    listing = client.get("/products/?category=t-shirts")
    assert listing.status_code == 200 and "Classic Cotton T-Shirt" in listing.content.decode()
    detail = client.get("/products/slim-fit-denim-jeans/")
    assert detail.status_code == 200 and 'value="34"' in detail.content.decode()
    assert client.get("/products/no-such-thing/").status_code == 404


def test_the_cart_and_checkout_pages_render_a_fynd_cart(account, client, fake_fynd):  # noqa: F811
    added = client.post(
        "/cart/add/", {"product": "7501", "size": "M", "quantity": "2"}, headers={"HX-Request": "true"}
    )
    assert added.status_code == 200 and "cart-updated" in added["HX-Trigger"]

    page = client.get("/cart/").content.decode()

    assert 'data-breakup-key="total"' in page and 'data-amount="999.00"' in page
    assert "data-line-id=" in page and 'data-line-quantity="2"' in page
    assert 'data-action="apply-gift-card"' not in page  # no such capability on Fynd
    assert 'data-action="apply-coupon"' in page
    cart_id = client.session["cart:id"]
    assert cart_id not in page  # the Fynd cart id never reaches the browser
    assert client.get("/checkout/").status_code == 200


def test_a_cart_prepared_by_staff_says_so(cs, fake_fynd):  # noqa: F811
    staff = get_user_model().objects.get(email="staff@demo.local")
    staff_cs = CartSession(session=cs.session, acting_user=staff)
    add(staff_cs)

    assert selectors.cart_get(cs=cs).staff_user == (staff.get_full_name() or staff.email)


def test_the_checkout_shows_the_cod_charge_fynd_will_add_and_the_order_matches_it(cs, fake_fynd):  # noqa: F811
    cart = _ready(cs)
    assert cart.row("cod_charge") is None  # the cart page: goods, delivery, redemptions

    checkout_cart = selectors.cart_get(cs=cs, for_checkout=True)
    token = services.checkout_issue_key(cart=checkout_cart, cs=cs)
    order = services.checkout_place_order(cs=cs, token=token, payment_mode="COD")

    # what the checkout page showed is what Fynd charged
    assert checkout_cart.row("cod_charge").amount == ff.COD_CHARGE
    assert checkout_cart.total == cart.total + ff.COD_CHARGE
    assert order.total == checkout_cart.total
    assert str(order.total) == str(fake_fynd.orders[order.id]["breakup"]["total"])


# --------------------------------------------------------------------------- the operator's commands


def test_provider_add_activate_and_test_from_the_shell(db, fake_fynd, capsys):  # noqa: F811
    from django.core.management import call_command

    call_command(
        "provider", "add", "--kind", "fynd", "--name", "fynd-shell", "--base-url", fake_fynd.base_url,
        "--set", f"application_id={fake_fynd.app_id}", "--set", f"application_token={fake_fynd.app_token}",
        "--set", "ordering_source=storefront", "--activate",
    )  # fmt: skip
    call_command("provider", "test", "fynd-shell")

    out = capsys.readouterr().out
    assert "active for: shop" in out
    assert "fynd-shell: OK" in out and "products in Fynd application app123" in out
    assert fake_fynd.app_token not in out
    assert fake_fynd.calls[-1].headers["x-ordering-source"] == "storefront"
    assert isinstance(get_shop_provider(), FyndProvider)


def test_provider_test_fails_cleanly_with_wrong_credentials(db, fake_fynd):  # noqa: F811
    from django.core.management import CommandError, call_command

    call_command(
        "provider", "add", "--kind", "fynd", "--name", "fynd-bad", "--base-url", fake_fynd.base_url,
        "--set", "application_id=app123", "--set", "application_token=not-the-token",
    )  # fmt: skip

    with pytest.raises(CommandError) as exc:
        call_command("provider", "test", "fynd-bad")

    assert "ProviderAuthError" in str(exc.value) and "not-the-token" not in str(exc.value)


def test_a_head_the_server_refuses_falls_back_to_a_get(cs, fake_fynd):  # noqa: F811
    add(cs)
    fake_fynd.fail_next(DETAIL, 405, {"message": "Method not allowed"}, method="HEAD")
    fake_fynd.reset_counts()

    cart = selectors.cart_get(cs=cs)

    assert calls(fake_fynd) == [("HEAD", "/detail"), ("GET", "/detail")]
    assert len(cart.lines) == 1


def test_placing_an_order_costs_one_head_and_one_post(cs, fake_fynd):  # noqa: F811
    _ready(cs)
    token = services.checkout_issue_key(cart=selectors.cart_get(cs=cs, for_checkout=True), cs=cs)
    fake_fynd.reset_counts()

    services.checkout_place_order(cs=cs, token=token, payment_mode="COD")

    assert calls(fake_fynd) == [("HEAD", "/detail"), ("POST", "/checkout")]
