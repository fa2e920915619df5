# ruff: noqa: F811 - pytest fixtures imported from sourcehub_kit are parameters here
"""SourceHubProvider against the fake SourceHub server, through the storefront's services: who may
buy, the catalogue with its pricing sets, the cart as SourceHub computes it, the GSTIN, and the
upstream calls each action costs (the README's SourceHub table)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache

from carts import selectors, services
from carts.models import BusinessDetails
from storefront.exceptions import CapabilityMissing, NotFound, ProviderRejected
from storefront.models import ShopperLink
from storefront.providers.base import CartContext
from storefront.providers.sourcehub import buyers, carts
from storefront.providers.types import Capability, CartMeta
from tests.fakes.sourcehub_server import MSG_CART_FETCHED  # noqa: F401 - the seed's words

from .sourcehub_kit import (  # noqa: F401 - fixtures
    ARJUN,
    KIRAN,
    NITA,
    RAMESH,
    account,
    fake_sh,
    provider,
    session_for,
    user,
)

pytestmark = pytest.mark.django_db


def calls(fake) -> list[tuple[str, str]]:
    return fake.api_calls()


# ---------------------------------------------------------------------------- who may buy


def test_an_anonymous_visitor_browses_but_is_told_how_to_buy_and_cannot_add(provider, fake_sh):
    cs = session_for()

    access = selectors.buyer_access(cs=cs)
    cart = selectors.cart_get(cs=cs)
    with pytest.raises(ProviderRejected) as refused:
        services.cart_add_item(cs=cs, product_id="11", variant_id="1101", quantity=1)

    assert not access.can_add and access.message == buyers.MSG_SIGN_IN
    assert cart.is_empty and cart.messages[0].text == buyers.MSG_SIGN_IN
    assert refused.value.user_message == buyers.MSG_SIGN_IN
    assert calls(fake_sh) == []  # nobody to ask SourceHub about


def test_a_signed_in_user_is_linked_the_first_time_by_the_email_sourcehub_knows(provider, fake_sh):
    buyer = user(RAMESH)
    cs = session_for(buyer)

    cart = selectors.cart_get(cs=cs)

    link = ShopperLink.objects.get(user=buyer)
    assert (link.external_id, link.approval) == ("9", "approved")
    assert [ln.id for ln in cart.lines] == ["79532"]  # the seed's cart is theirs
    assert calls(fake_sh)[0] == ("POST", "/api/customers/show")
    assert fake_sh.calls[0].q() == {"email": RAMESH}
    fake_sh.reset_counts()

    selectors.cart_get(cs=session_for(buyer))  # the next request: linked already

    assert calls(fake_sh) == [("GET", "/api/carts")]  # no second look-up; catalogue and record cached


def test_an_email_sourcehub_does_not_know_is_told_how_to_get_a_business_account(provider, fake_sh):
    stranger = user("someone@else.example")
    cs = session_for(stranger)

    access = selectors.buyer_access(cs=cs)
    again = selectors.buyer_access(cs=session_for(stranger))
    with pytest.raises(ProviderRejected) as refused:
        services.cart_add_item(cs=cs, product_id="11", variant_id="1101", quantity=1)

    assert not access.can_add and "someone@else.example" in access.message
    assert "sales agent" in access.message and again.message == access.message
    assert refused.value.user_message == access.message
    assert fake_sh.count("POST", "/api/customers/show") == 1  # remembered, not asked per page
    assert not ShopperLink.objects.filter(user=stranger).exclude(external_id="").exists()


def test_a_pending_buyer_fills_a_cart_but_cannot_order_until_approved(provider, fake_sh):
    arjun = user(ARJUN)
    cs = session_for(arjun)

    cart = services.cart_add_item(cs=cs, product_id="11", variant_id="1101", quantity=1)

    assert "waiting for SourceHub's approval" in cart.checkout_blocked
    assert "Rao Provisions" in cart.messages[0].text
    assert ShopperLink.objects.get(user=arjun).approval == "pending"

    fake_sh.set_approval(15, "accepted")
    cache.delete(provider._key("recheck", "15"))  # the re-check interval has passed
    approved = selectors.cart_get(cs=session_for(arjun))

    assert approved.checkout_blocked == "" and approved.messages == ()
    assert ShopperLink.objects.get(user=arjun).approval == "approved"


def test_a_rejected_buyer_cannot_add(provider, fake_sh):
    with pytest.raises(ProviderRejected) as refused:
        services.cart_add_item(cs=session_for(user(KIRAN)), product_id="11", variant_id="1101", quantity=1)

    assert "has not approved your business account (Das Traders)" in refused.value.user_message


def test_staff_can_link_a_user_to_another_sourcehub_customer(provider, fake_sh, account):
    owner = user("owner@sharmakirana.example")  # SourceHub knows the shop by another email
    ShopperLink.objects.create(user=owner, account=account, external_id="9", approval="")

    cart = selectors.cart_get(cs=session_for(owner))

    assert [ln.quantity for ln in cart.lines] == [3]
    assert ShopperLink.objects.get(user=owner).approval == "approved"
    assert ("GET", "/api/customers") in calls(fake_sh)


# ---------------------------------------------------------------------------- catalogue


def test_each_pricing_set_is_a_pack_to_choose(provider):
    tea = provider.get_product("tata-tea-gold-250-g-11")

    assert [v.label for v in tea.variants] == ["Pack of 6", "Pack of 12", "Pack of 24"]
    six = tea.variants[0]
    assert (six.price, six.mrp, six.pack.units, six.pack.unit_price) == (
        Decimal(190),
        Decimal(210),
        6,
        Decimal("31.67"),
    )
    assert six.pack.unit_name == "packets" and six.pack.reference_unit_price == Decimal(35)
    assert tea.has_sizes and tea.hsn_code == "0902" and tea.gst_rate == Decimal(5)
    assert (tea.price, tea.category.name) == (Decimal(190), "Tea ,Coffee and Beverages")


def test_the_catalogue_is_read_once_and_filtered_here(provider, fake_sh):
    page = provider.list_products(q="PARLE")
    categories = provider.list_categories()
    snacks = provider.list_products(category=categories[0].slug)

    assert [p.name for p in page.products] == ["Parle-G Biscuits 800 g"]
    assert [c.name for c in categories] == ["Biscuits and Snacks", "Edible Oils", "Tea ,Coffee and Beverages"]
    assert len(snacks.products) == 2
    assert calls(fake_sh) == [("GET", "/api/products")]


def test_an_unknown_product_is_not_found(provider):
    with pytest.raises(NotFound):
        provider.get_product("nothing-999")
    with pytest.raises(NotFound):
        provider.get_product("wrong-name-11")


# ---------------------------------------------------------------------------- the cart


def test_the_seed_cart_maps_without_loss(provider):
    cart = provider.get_cart(CartContext(customer=_person("9")))

    (line,) = cart.lines
    assert (line.id, line.quantity, line.product.id, line.variant.id) == ("79532", 3, "4", "1058")
    assert line.product.name == "3 Roses Mrp 10 (408pc)" and line.product.hsn_code == "0902"
    assert line.product.image == "https://sourcehub.in/public/images/product/1605342130.jpg"
    assert line.variant.label == "Single bag" and line.variant.pack.unit_name == "bags"
    assert line.unit_price == Decimal(200) and line.line_total == Decimal(600)
    # maximum_retail_price is one bag's MRP (408 × ₹10); price_per_unit is SourceHub's per-piece price
    assert line.unit_mrp == Decimal(4080) and line.variant.pack.reference_unit_price == Decimal(10)
    assert (cart.count, cart.packs, cart.units) == (1, 3, 3)
    rows = {r.key: r.amount for r in cart.breakup}
    assert rows == {
        "mrp_total": Decimal(12240),
        "subtotal": Decimal(600),
        "total": Decimal(600),
        "gst_included": Decimal("28.57"),  # 600 × 5 / 105
    }
    assert cart.row("gst_included").informational


def _person(external_id: str):
    from storefront.providers.base import Person

    return Person(id="0", email=RAMESH, external_id=external_id, approval="approved")


def test_packs_units_discount_and_gst_as_sourcehub_computes_them(provider, fake_sh):
    cs = session_for(user(NITA))
    services.cart_add_item(cs=cs, product_id="11", variant_id="1102", quantity=2)  # 2 × 12 @ 372

    cart = services.cart_add_item(cs=cs, product_id="12", variant_id="1202", quantity=1)  # 10 @ 899.50

    assert (cart.count, cart.packs, cart.units) == (2, 3, 34)
    rows = {r.key: r.amount for r in cart.breakup}
    assert rows["subtotal"] == Decimal("1643.50")
    assert rows["discount"] == Decimal("-82.18")  # Patel Wholesale's 5 %
    assert rows["total"] == Decimal("1561.32") == cart.total
    # GST inside what is paid: tea 744 at 5 %, biscuits 899.50 at 18 %, both less the discount share
    share = Decimal("1561.32") / Decimal("1643.50")
    expected = (744 * share * 5 / 105).quantize(Decimal("0.01")) + (
        Decimal("899.50") * share * 18 / 118
    ).quantize(Decimal("0.01"))
    assert rows["gst_included"] == expected
    assert cart.meta.gstin == "24AABCP5678D1ZG" and cart.meta.business_name == "Patel Wholesale Traders"


def test_quantity_and_pack_changes_and_removal(provider, fake_sh):
    cs = session_for(user(NITA))
    line = services.cart_add_item(cs=cs, product_id="11", variant_id="1101", quantity=1).lines[0]
    fake_sh.reset_counts()

    more = services.cart_update_line(cs=cs, line_id=line.id, quantity=4)
    assert calls(fake_sh) == [("POST", "/api/cart/update-item")]
    assert more.lines[0].line_total == Decimal(760)
    fake_sh.reset_counts()

    switched = services.cart_update_line(cs=cs, line_id=line.id, quantity=4, variant_id="1103")
    assert calls(fake_sh) == [("POST", "/api/cart/add-item"), ("POST", "/api/cart/update-item")]
    (new,) = switched.lines
    assert (new.variant.label, new.quantity, new.line_total, switched.units) == (
        "Pack of 24",
        4,
        Decimal(2880),
        96,
    )
    fake_sh.reset_counts()

    empty = services.cart_remove_line(cs=cs, line_id=new.id)
    assert empty.is_empty and calls(fake_sh) == [("POST", "/api/cart/update-item")]


def test_a_product_with_one_pack_needs_no_choice_and_another_products_pack_is_refused(provider):
    cs = session_for(user(NITA))

    cart = services.cart_add_item(cs=cs, product_id="13", variant_id=None, quantity=2)
    with pytest.raises(ProviderRejected):
        services.cart_add_item(cs=cs, product_id="11", variant_id="1301", quantity=1)
    with pytest.raises(ProviderRejected, match=carts.MSG_CHOOSE_PACK):
        services.cart_add_item(cs=cs, product_id="11", variant_id=None, quantity=1)

    assert cart.lines[0].variant.label == "Pack of 12" and cart.lines[0].line_total == Decimal(3700)


def test_an_unknown_line_is_not_found_and_clear_empties_every_line(provider, fake_sh):
    cs = session_for(user(RAMESH))
    services.cart_add_item(cs=cs, product_id="11", variant_id="1101", quantity=1)

    with pytest.raises(NotFound):
        services.cart_update_line(cs=cs, line_id="123", quantity=2)
    fake_sh.reset_counts()
    cleared = services.cart_clear(cs=cs)

    assert cleared.is_empty and fake_sh.carts[9] == []
    assert calls(fake_sh) == [("GET", "/api/carts")] + [("POST", "/api/cart/update-item")] * 2


def test_what_the_api_lacks_is_not_offered(provider):
    cs = session_for(user(RAMESH))

    for missing in (Capability.COUPONS, Capability.LOYALTY, Capability.GIFT_CARDS, Capability.SHARE_CART):
        assert missing not in provider.capabilities
    with pytest.raises(CapabilityMissing):
        services.cart_apply_coupon(cs=cs, code="WELCOME10")
    with pytest.raises(CapabilityMissing):
        services.cart_share(cs=cs)


# ---------------------------------------------------------------------------- the GSTIN


def test_the_gstin_is_prefilled_then_kept_by_the_storefront(provider, fake_sh, account):
    cs = session_for(user(RAMESH))
    assert selectors.cart_get(cs=cs).meta.gstin == "27AAPFS1234C1ZD"  # from SourceHub's record
    fake_sh.reset_counts()

    cart = services.cart_update_meta(
        cs=cs,
        meta=CartMeta(gstin="29aaacr4321k1zc", business_name="Sharma Kirana (Bengaluru)"),
        pickup_store_id=None,
    )

    assert (cart.meta.gstin, cart.meta.business_name) == ("29AAACR4321K1ZC", "Sharma Kirana (Bengaluru)")
    assert BusinessDetails.objects.get(account=account, customer_ref="9").gstin == "29AAACR4321K1ZC"
    assert calls(fake_sh) == [("GET", "/api/carts")]  # nothing is sent to SourceHub
