"""CommerceEngineProvider against the fake Commerce Engine server (tests/fakes/commerce_engine_server.py):
tokens, catalogue, carts, redemptions, OTP sign-in, orders and payment, failures, and the upstream
calls each storefront action costs (the README's call budget)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from storefront.exceptions import (
    GiftCardRejected,
    NotFound,
    ProviderRejected,
    ProviderSessionExpired,
    ProviderUnavailable,
)
from storefront.models import ProviderAccount, ShopperLink
from storefront.providers import get_shop_provider, rules
from storefront.providers.base import CartContext, Customer
from storefront.providers.commerce_engine import carts as ce_carts
from storefront.providers.commerce_engine import mapping as cm
from storefront.providers.types import Address, Capability
from tests.fakes.commerce_engine_server import CUSTOMER_PHONE, start_fake_commerce_engine

RICE = "01JCEPRD000000000000000002"  # ₹649 + 5 % GST, at most 5
TEA = "01JCEPRD000000000000000003"  # ₹236 with GST, 2 to 10 in twos
BOTTLE = "01JCEPRD000000000000000004"  # out of stock
SAREE = "01JCEPRD000000000000000006"  # brings a free cushion cover
KURTA = "01JCEPRD000000000000000001"  # sizes S, M (at most 2), L (none left)
KURTA_S = "01JCEVAR000000000000000011"
HOME = Address(
    "", "Meera Iyer", "9845012345", "7 Residency Road", "Ashok Nagar", "Bengaluru", "Karnataka", "560001"
)


@pytest.fixture
def fake():
    server = start_fake_commerce_engine()
    yield server
    server.stop()
    assert server.errors == [], "\n".join(server.errors)


@pytest.fixture
def shop(fake, db):
    account = ProviderAccount(
        kind="commerce_engine", name="ce", base_url=fake.api_url, connect_timeout=0.5, read_timeout=2.0
    )
    account.set_credentials({"store_id": fake.store_id, "api_key": fake.api_key, "gift_cards": "on"})
    account.save()
    account.activate()
    provider = get_shop_provider()
    assert provider.kind == "commerce_engine"
    return provider


class Browser:
    """One shopper's browser: session data and the cart id, as carts.session keeps them."""

    def __init__(self, customer: Customer | None = None, origin: str = ""):
        self.session: dict = {}
        self.cart_id: str | None = None
        self.customer = customer
        self.origin = origin

    @property
    def ctx(self) -> CartContext:
        return CartContext(
            cart_id=self.cart_id,
            customer=self.customer,
            session=self.session,
            session_key="sk",
            origin=self.origin,
        )

    def keep(self, cart):
        if cart.id:
            self.cart_id = cart.id
        return cart


def customer(n: int = 1) -> Customer:
    user = get_user_model().objects.create_user(
        username=f"ce-{n}-{uuid.uuid4().hex[:6]}@example.com",
        email=f"ce{n}@example.com",
        password="pw-12345678",
    )
    return Customer(id=str(user.pk), email=user.email, name="Meera")


def add(shop, browser, product, variant=None, quantity=1):
    return browser.keep(shop.add_item(browser.ctx, product_id=product, variant_id=variant, quantity=quantity))


def sign_in_by_otp(shop, fake, browser: Browser, phone: str = CUSTOMER_PHONE) -> Customer:
    """What storefront.otp does: start, verify, link the user, then the sign-in hook."""
    fake.fixed_otp = "123456"
    shop.otp_start(browser.ctx, channel="phone", value=phone)
    identity = shop.otp_verify(browser.ctx, otp="123456")
    from storefront.otp import otp_user_for

    user = otp_user_for(identity=identity, account=shop.account)
    signed_in = Customer(id=str(user.pk), email=user.email, name=user.first_name)
    anonymous_cart = browser.cart_id
    browser.customer = signed_in
    result = shop.merge_carts(
        source=CartContext(cart_id=anonymous_cart, session=browser.session), target=browser.ctx
    )
    browser.cart_id = result.cart.id or None
    return signed_in


# ============================================================================ tokens


def test_a_guest_costs_nothing_until_they_add_something(shop, fake):
    browser = Browser()

    cart = shop.get_cart(browser.ctx)

    assert cart.is_empty and browser.session == {}
    assert fake.count("POST", "/auth/anonymous") == 0 and fake.count("GET", "/carts/users/x") == 0


def test_the_guests_tokens_are_in_the_session_encrypted(shop, fake):
    browser = Browser()
    add(shop, browser, RICE)

    sealed = browser.session[shop.session_key]
    token_seen = fake.calls_to("/carts", method="POST")[0].headers.get("authorization", "")[7:]
    assert token_seen and token_seen not in sealed  # never in clear, anywhere in the session
    assert fake.count("POST", "/auth/anonymous") == 1
    assert all(c.headers.get("x-api-key") == fake.api_key for c in fake.calls_to("/auth/anonymous"))


def test_an_expired_access_token_is_refreshed_once_and_the_action_succeeds_once(shop, fake):
    browser = Browser()
    add(shop, browser, RICE)
    fake.expire_access_tokens()
    before = fake.count_endpoint("POST", "/carts/{id}/items")

    cart = add(shop, browser, RICE)

    assert cm.find_item({"cart_items": [{"product_id": RICE, "variant_id": None}]}, f"{RICE}:") is not None
    assert cart.lines[0].quantity == 2  # added once, not twice
    assert fake.count("POST", "/auth/refresh-token") == 1
    assert fake.count_endpoint("POST", "/carts/{id}/items") == before + 2  # the 401, then the one that worked


def test_the_rotated_refresh_token_is_kept(shop, fake):
    browser = Browser()
    add(shop, browser, RICE)
    for _ in range(2):  # the second refresh needs the token the first one rotated in
        fake.expire_access_tokens()
        add(shop, browser, RICE)

    assert fake.count("POST", "/auth/refresh-token") == 2
    assert shop.get_cart(browser.ctx).lines[0].quantity == 3


def test_a_guest_whose_session_ended_gets_a_new_one_and_keeps_their_items(shop, fake, monkeypatch):
    browser = Browser()
    add(shop, browser, RICE, quantity=2)
    blob = shop._store(browser.ctx).read()
    blob["refresh_token"] = "spent"
    shop._store(browser.ctx).write(blob)
    fake.expire_access_tokens()

    cart = shop.get_cart(browser.ctx)

    assert fake.count("POST", "/auth/anonymous") == 2
    assert [ln.quantity for ln in cart.lines] == [2]
    assert cart.messages and cart.messages[0].text == ce_carts.MSG_CART_EXPIRED


# ============================================================================ catalogue


def test_the_catalogue_is_listed_searched_filtered_and_cached(shop, fake):
    page = shop.list_products(per_page=3)
    again = shop.list_products(per_page=3)
    grocery = shop.list_products(category="grocery")
    found = shop.list_products(q="rice")

    assert len(page.products) == 3 and page.total_pages >= 3 and again == page
    assert fake.count("GET", "/catalog/products") == 2  # the same page once, then the category
    assert {p.category.slug for p in grocery.products if p.category} <= {"grocery"}
    assert [p.id for p in found.products] == [RICE]


def test_a_product_with_sizes(shop):
    kurta = shop.get_product("cotton-kurta")

    assert kurta.has_sizes
    assert [(v.label, v.in_stock) for v in kurta.variants] == [
        ("S / Indigo", True),
        ("M / Indigo", True),
        ("L / Indigo", False),
    ]
    assert kurta.mrp == Decimal(1299) and kurta.price == Decimal(999)
    with pytest.raises(NotFound):
        shop.get_product("no-such-thing")


# ============================================================================ cart


@pytest.mark.parametrize(
    ("product", "variant", "quantity", "message"),
    [
        (TEA, None, 3, rules.MSG_QTY_STEP.format(increment=2, twice=4, thrice=6)),
        (TEA, None, 12, rules.MSG_QTY_MAX.format(maximum=10)),
        (RICE, None, 6, rules.MSG_QTY_MAX.format(maximum=5)),
        (BOTTLE, None, 1, "This product is out of stock."),
        (KURTA, None, 1, "Choose a size first."),
    ],
)
def test_quantity_rules_and_stock_are_checked_before_anything_is_sent(
    shop, fake, product, variant, quantity, message
):
    browser = Browser()

    with pytest.raises(ProviderRejected) as refused:
        add(shop, browser, product, variant, quantity)

    assert refused.value.user_message == message
    assert fake.count("POST", "/carts") == 0 and fake.count("POST", "/auth/anonymous") == 0


def test_a_free_item_is_marked_and_cannot_be_changed(shop):
    browser = Browser()
    cart = add(shop, browser, SAREE)

    free = next(ln for ln in cart.lines if cm.is_free(ln))
    assert free.messages[0].text == cm.MSG_FREE_LINE
    assert cart.row("promotion").amount < 0
    with pytest.raises(ProviderRejected, match="free with an offer"):
        shop.update_line(browser.ctx, line_id=free.id, quantity=2)


def test_an_expired_cart_is_replaced_and_the_shopper_told(shop, fake):
    browser = Browser()
    add(shop, browser, RICE, quantity=2)
    old = browser.cart_id
    fake.expire_cart(old)

    cart = browser.keep(shop.get_cart(browser.ctx))

    assert [ln.quantity for ln in cart.lines] == [2]
    assert [m.text for m in cart.messages] == [ce_carts.MSG_CART_EXPIRED]


def test_a_cart_follows_a_signed_in_customer_to_another_browser(shop):
    meera = customer()
    add(shop, Browser(meera), RICE, quantity=2)

    elsewhere = shop.get_cart(Browser(meera).ctx)

    assert [ln.quantity for ln in elsewhere.lines] == [2]
    assert ShopperLink.objects.get(user_id=meera.id).external_id


def test_signing_in_adopts_the_guests_cart_without_a_call(shop, fake):
    browser = Browser()
    add(shop, browser, RICE)
    meera = customer()
    calls = len(fake.calls)

    result = shop.merge_carts(
        source=CartContext(cart_id=browser.cart_id, session=browser.session),
        target=CartContext(customer=meera, session=browser.session),
    )

    assert [ln.quantity for ln in result.cart.lines] == [1]
    assert shop.session_key not in browser.session  # the guest's tokens went to the link
    assert len(fake.calls) == calls + 1  # the one cart read


def test_a_signed_in_customers_second_browser_merges_its_guest_cart(shop, fake):
    meera = customer()
    add(shop, Browser(meera), RICE, quantity=1)
    other = Browser()
    add(shop, other, TEA, quantity=2)

    result = shop.merge_carts(
        source=CartContext(cart_id=other.cart_id, session=other.session),
        target=CartContext(customer=meera, session=other.session),
    )

    assert result.merged_lines == 1
    assert sorted((ln.product.id, ln.quantity) for ln in result.cart.lines) == [(RICE, 1), (TEA, 2)]


# ============================================================================ redemptions


def test_coupons_are_listed_with_their_eligibility(shop):
    browser = Browser()
    add(shop, browser, TEA, quantity=2)  # ₹472: under FLAT100OFF's ₹500

    offers = {o.code: o for o in shop.list_coupons(browser.ctx)}

    assert not offers["FLAT100OFF"].applicable and offers["FLAT100OFF"].reason
    with pytest.raises(ProviderRejected) as refused:
        shop.apply_coupon(browser.ctx, code="FLAT100OFF")
    assert refused.value.user_message  # Commerce Engine's words
    assert shop.get_cart(browser.ctx).row("coupon") is None


def test_points_and_credit_need_an_otp_customer(shop, fake):
    browser = Browser()
    add(shop, browser, RICE, quantity=1)  # ₹681.45 with GST
    with pytest.raises(ProviderRejected):
        shop.apply_loyalty(browser.ctx)

    sign_in_by_otp(shop, fake, browser)  # Asha: 500 points, ₹300 credit
    cart = shop.get_cart(browser.ctx)
    assert cart.loyalty is not None and cart.loyalty.balance == 500

    with pytest.raises(ProviderRejected):  # more than she holds: refused before sending
        shop.apply_loyalty(browser.ctx, points=501)
    cart = browser.keep(shop.apply_loyalty(browser.ctx, points=100))
    assert cart.row("loyalty_points").amount == Decimal("-100")
    cart = browser.keep(shop.apply_loyalty(browser.ctx))  # all of them
    assert cart.row("loyalty_points").amount == Decimal("-500") and cart.loyalty.applied == 500
    cart = browser.keep(shop.apply_credit(browser.ctx))  # what is left, within her ₹300
    assert cart.row("credit_balance").amount == Decimal("-181.45")
    assert cart.total == 0
    cart = shop.remove_credit(browser.ctx)
    assert cart.row("credit_balance") is None and cart.total == Decimal("181.45")


def test_gift_cards(shop):
    browser = Browser()
    add(shop, browser, RICE, quantity=1)

    with pytest.raises(GiftCardRejected):
        shop.apply_gift_card(browser.ctx, code="GIFT-1000-AAAA", pin="0000")
    cart = shop.apply_gift_card(browser.ctx, code="GIFT-1000-AAAA", pin="4321")
    assert cart.row("gift_card").amount < 0 and cart.total == Decimal(0)
    cart = shop.remove_gift_card(browser.ctx, code="GIFT-1000-AAAA")
    assert cart.row("gift_card") is None and cart.total > 0


# ============================================================================ OTP


def test_otp_sign_in_links_the_customer_and_keeps_the_cart(shop, fake):
    browser = Browser()
    add(shop, browser, TEA, quantity=2)

    asha = sign_in_by_otp(shop, fake, browser)

    link = ShopperLink.objects.get(user_id=asha.id)
    assert link.external_id == fake.customer(CUSTOMER_PHONE)["id"]
    assert "access_token" in link.tokens and link.tokens["logged_in"] == "1"
    assert shop.signed_in_key not in browser.session and shop.otp_key not in browser.session
    cart = shop.get_cart(browser.ctx)
    assert [(ln.product.id, ln.quantity) for ln in cart.lines] == [(TEA, 2)]


def test_a_wrong_code_is_refused_in_place(shop, fake):
    browser = Browser()
    fake.fixed_otp = "123456"
    challenge = shop.otp_start(browser.ctx, channel="phone", value="+91 98765 43210")

    assert challenge.destination.endswith("43210") and "98765" not in challenge.destination
    with pytest.raises(ProviderRejected) as refused:
        shop.otp_verify(browser.ctx, otp="654321")
    assert refused.value.field == "otp" and refused.value.user_message


def test_signing_out_logs_out_upstream(shop, fake):
    browser = Browser()
    asha = sign_in_by_otp(shop, fake, browser)

    shop.sign_out(browser.ctx)

    assert fake.count("POST", "/auth/logout") == 1
    assert "access_token" not in ShopperLink.objects.get(user_id=asha.id).tokens


# ============================================================================ orders and payment


def ready(shop, browser, product=RICE, quantity=2):
    add(shop, browser, product, quantity=quantity)
    return browser.keep(shop.set_address(browser.ctx, address=HOME))


def test_an_order_to_pay_goes_to_the_payment_page_and_comes_back_paid(shop, fake):
    browser = Browser(customer(), origin="https://shop.example")
    cart = ready(shop, browser)

    order = shop.place_order(browser.ctx, idempotency_key=uuid.uuid4().hex, payment_mode="online")

    assert order.payment_url.startswith(fake.base_url + "/pay/")
    assert order.payment_state == "pending" and order.total == cart.total
    sent = fake.calls_to("/orders", method="POST")[0].json()
    assert sent["payment_method"]["return_url"].startswith("https://shop.example/orders/SF")
    assert shop.payment_status(browser.ctx, order_id=order.id).state == "pending"
    fake.pay(order.id, "success")
    status = shop.payment_status(browser.ctx, order_id=order.id)
    assert status.state == "paid" and status.amount_paid == cart.total
    assert shop.get_order(browser.ctx, order_id=order.id).payment_url == ""


def test_a_failed_payment_can_be_tried_again(shop, fake):
    browser = Browser(customer(), origin="https://shop.example")
    ready(shop, browser)
    order = shop.place_order(browser.ctx, idempotency_key=uuid.uuid4().hex, payment_mode="online")
    fake.pay(order.id, "failed")

    status = shop.payment_status(browser.ctx, order_id=order.id)
    url = shop.retry_payment(browser.ctx, order_id=order.id)

    assert status.state == "failed" and status.can_retry
    assert url.startswith(fake.base_url + "/pay/") and url != order.payment_url
    assert fake.count_endpoint("POST", "/orders/{order_number}/retry-payment") == 1


def test_nothing_to_pay_is_confirmed_at_once(shop):
    browser = Browser(customer())
    ready(shop, browser, quantity=1)
    shop.apply_gift_card(browser.ctx, code="GIFT-1000-AAAA", pin="4321")

    order = shop.place_order(browser.ctx, idempotency_key=uuid.uuid4().hex, payment_mode="prepaid")

    assert order.payment_url == "" and order.status == "Confirmed" and order.total == Decimal(0)


def test_commerce_engines_readiness_words_stop_checkout(shop):
    browser = Browser(customer())
    add(shop, browser, RICE)

    from storefront.exceptions import CheckoutChanged

    with pytest.raises(CheckoutChanged) as changed:
        shop.place_order(browser.ctx, idempotency_key=uuid.uuid4().hex, payment_mode="online")
    assert changed.value.changes


def test_another_customer_cannot_see_a_payment(shop):
    browser = Browser(customer())
    ready(shop, browser)
    order = shop.place_order(browser.ctx, idempotency_key=uuid.uuid4().hex, payment_mode="online")

    with pytest.raises(NotFound):
        shop.payment_status(Browser(customer(2)).ctx, order_id=order.id)


# ============================================================================ failures


def test_a_5xx_is_unavailable_and_an_add_is_not_resent(shop, fake):
    browser = Browser()
    add(shop, browser, RICE)
    fake.fault("/carts/" + browser.cart_id + "/items", "status", status=503)

    with pytest.raises(ProviderUnavailable):
        add(shop, browser, RICE)
    assert fake.count_endpoint("POST", "/carts/{id}/items") == 1


def test_a_timeout_is_unavailable(shop, fake):
    with pytest.raises(ProviderUnavailable):
        fake.fault("/catalog/products", "hang")
        shop.list_products(page=7)


def test_success_false_in_a_200_is_shown_in_place(shop, fake):
    browser = Browser()
    add(shop, browser, RICE)
    body = {"success": False, "message": "Cart is locked for checkout", "code": "cart_locked"}
    fake.fault("/carts/" + browser.cart_id + "/coupon", "status", status=200, body=body)

    with pytest.raises(ProviderRejected) as refused:
        shop.apply_coupon(browser.ctx, code="FLAT100OFF")
    assert refused.value.user_message == "Cart is locked for checkout"


def test_a_customer_signed_in_by_otp_whose_session_ended_is_asked_to_sign_in_again(shop, fake):
    browser = Browser()
    asha = sign_in_by_otp(shop, fake, browser)
    link = ShopperLink.objects.get(user_id=asha.id)
    link.set_tokens({**link.tokens, "refresh_token": "spent"})
    link.save()
    fake.expire_access_tokens()

    with pytest.raises(ProviderSessionExpired):
        shop.get_cart(browser.ctx)


# ============================================================================ the call budget


def test_the_call_budget(shop, fake):
    """The README's table: upstream calls per storefront action (catalogue warm)."""
    browser = Browser()
    shop.get_product(RICE)  # the catalogue is warm (a cold one costs a GET of the product)

    def calls(action) -> int:
        before = len(fake.calls)
        action()
        return len(fake.calls) - before

    assert calls(lambda: add(shop, browser, RICE)) == 2  # anonymous user + POST /carts
    assert calls(lambda: add(shop, browser, RICE)) == 1  # POST items (quantities from the last answer)
    assert calls(lambda: shop.get_cart(browser.ctx)) == 1
    line = shop.get_cart(browser.ctx).lines[0].id
    assert calls(lambda: shop.update_line(browser.ctx, line_id=line, quantity=3)) == 1
    assert calls(lambda: shop.apply_coupon(browser.ctx, code="FLAT100OFF")) == 1
    assert calls(lambda: shop.remove_coupon(browser.ctx)) == 1
    assert calls(lambda: shop.list_coupons(browser.ctx)) == 2
    assert calls(lambda: shop.set_address(browser.ctx, address=HOME)) == 2  # address + delivery
    assert calls(lambda: shop.place_order(browser.ctx, idempotency_key="k1", payment_mode="online")) == 2
    assert calls(lambda: shop.place_order(browser.ctx, idempotency_key="k1", payment_mode="online")) == 0
    assert Capability.HOSTED_PAYMENT in shop.capabilities


# ============================================================================ the provider command


def test_provider_add_activate_and_test(fake, db, capsys):
    from django.core.management import call_command

    call_command(
        "provider",
        "add",
        "--kind",
        "commerce_engine",
        "--name",
        "ce-cli",
        "--base-url",
        fake.api_url,
        "--set",
        f"store_id={fake.store_id}",
        "--set",
        f"api_key={fake.api_key}",
        "--activate",
    )
    call_command("provider", "test", "ce-cli")

    out = capsys.readouterr().out
    assert "OK in" in out and fake.api_key not in out
    assert get_shop_provider().kind == "commerce_engine"
    assert fake.count("GET", "/catalog/products") == 1  # one cheap call: the first product page


def test_provider_test_reports_a_wrong_key(fake, db):
    from django.core.management import CommandError, call_command

    account = ProviderAccount(kind="commerce_engine", name="ce-bad", base_url=fake.api_url)
    account.set_credentials({"store_id": fake.store_id, "api_key": "wrong"})
    account.save()
    fake.fault("/catalog/products", "status", status=401, times=2)

    with pytest.raises(CommandError):
        call_command("provider", "test", "ce-bad")
