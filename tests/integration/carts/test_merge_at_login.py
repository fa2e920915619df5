"""The cart built before signing in joins the customer's cart at sign-in."""

from decimal import Decimal

import pytest

from carts import selectors, services
from carts.session import CartSession
from storefront.exceptions import NotFound
from storefront.providers import get_shop_provider
from storefront.providers.base import CartContext
from storefront.providers.messages import MSG_UNKNOWN_LINE
from tests.factories import add, amounts


@pytest.fixture
def anon_cs(cs) -> CartSession:
    return cs


def _sign_in(cs: CartSession, user) -> services.MergeResult | None:
    anonymous_cart_id = cs.cart_id
    cs.user = user
    return services.cart_merge_at_login(cs=cs, anonymous_cart_id=anonymous_cart_id)


def _quantities(cart) -> dict[tuple[str, str], int]:
    return {(ln.product.slug, ln.variant.label): ln.quantity for ln in cart.lines}


def test_anonymous_lines_join_the_customers_cart_and_quantities_add_up(anon_cs, shopper_cs, shopper, demo):
    # given the customer already has 3 × dal from another device
    add(shopper_cs, demo, "toor-dal-1kg", quantity=3)
    # and, signed out, they put 2 × dal and a kurta in this browser's cart
    add(anon_cs, demo, "toor-dal-1kg", quantity=2)
    add(anon_cs, demo, "cotton-kurta", label="M")

    # when they sign in
    result = _sign_in(anon_cs, shopper)

    # then one cart holds everything, with the dal quantities added up
    assert _quantities(result.cart) == {("toor-dal-1kg", "Standard"): 5, ("cotton-kurta", "M"): 1}
    assert result.merged_lines == 2
    assert result.adjusted == ()
    assert services.merge_message(result) == services.MSG_MERGED.format(items="2 items")
    # and this browser now shows the customer's cart and its count
    assert _quantities(selectors.cart_get(cs=anon_cs)) == _quantities(result.cart)
    assert anon_cs.count == 6


def test_the_anonymous_cart_is_gone_after_the_merge(anon_cs, shopper, demo):
    old_line = add(anon_cs, demo, "toor-dal-1kg", quantity=2).lines[0]
    stale = CartContext(cart_id=anon_cs.cart_id)

    _sign_in(anon_cs, shopper)

    # the old cart id (say, from a copied session cookie) opens nothing and edits nothing
    provider = get_shop_provider()
    assert provider.get_cart(stale).is_empty
    assert provider.cart_count(stale) == 0
    with pytest.raises(NotFound) as exc:
        provider.update_line(stale, line_id=old_line.id, quantity=1)
    assert exc.value.user_message == MSG_UNKNOWN_LINE
    # and adding with it starts a new anonymous cart instead of reviving the merged one
    almonds = demo.variant("almonds-500g")
    fresh = provider.add_item(stale, product_id=str(almonds.product_id), variant_id=None, quantity=1)
    assert fresh.id != stale.cart_id
    assert [ln.product.slug for ln in fresh.lines] == ["almonds-500g"]


def test_merge_clamps_to_the_maximum_and_says_so(anon_cs, shopper_cs, shopper, demo):
    # given 4 bags of rice in the customer's cart (max 5 per order) and 3 more in this browser
    add(shopper_cs, demo, "basmati-rice-5kg", quantity=4)
    add(anon_cs, demo, "basmati-rice-5kg", quantity=3)

    result = _sign_in(anon_cs, shopper)

    assert _quantities(result.cart) == {("basmati-rice-5kg", "Standard"): 5}
    (note,) = result.adjusted
    assert "5 instead of 7" in note
    assert services.merge_message(result) == (
        services.MSG_MERGED.format(items="1 item") + " " + services.MSG_MERGE_ADJUSTED.format(details=note)
    )


def test_merge_clamps_to_stock(anon_cs, shopper_cs, shopper, demo):
    # given the last 2 large kurtas: 1 in each cart, then stock would allow 2
    add(shopper_cs, demo, "cotton-kurta", label="L", quantity=2)
    add(anon_cs, demo, "cotton-kurta", label="L", quantity=1)

    result = _sign_in(anon_cs, shopper)

    assert _quantities(result.cart) == {("cotton-kurta", "L"): 2}
    assert "2 instead of 3" in result.adjusted[0]


def test_merge_keeps_whole_packs_when_clamping(anon_cs, shopper_cs, shopper, demo):
    # water is sold in packs of 6, at most 48: 42 + 12 = 54 becomes 48
    add(shopper_cs, demo, "mineral-water-1l", quantity=12)
    add(anon_cs, demo, "mineral-water-1l", quantity=42)

    result = _sign_in(anon_cs, shopper)

    assert _quantities(result.cart) == {("mineral-water-1l", "Standard"): 48}
    assert "48 instead of 54" in result.adjusted[0]


def test_merge_drops_a_line_that_sold_out_and_says_so(anon_cs, shopper, demo):
    add(anon_cs, demo, "almonds-500g")
    add(anon_cs, demo, "toor-dal-1kg")
    demo.set_stock(demo.variant("almonds-500g"), 0)

    result = _sign_in(anon_cs, shopper)

    assert _quantities(result.cart) == {("toor-dal-1kg", "Standard"): 1}
    assert result.merged_lines == 1
    assert "could not be added" in result.adjusted[0]
    assert "California Almonds" in result.adjusted[0]


def test_merge_keeps_the_price_the_shopper_saw(anon_cs, shopper, demo):
    add(anon_cs, demo, "toor-dal-1kg", quantity=2)
    demo.set_price(demo.variant("toor-dal-1kg"), "199.00")

    result = _sign_in(anon_cs, shopper)

    # the price rise since adding is still reported after the merge
    assert result.cart.lines[0].price_at_add == Decimal("179.00")
    assert result.cart.lines[0].messages
    assert amounts(result.cart)["subtotal"] == Decimal("398.00")


def test_signing_in_without_an_anonymous_cart_merges_nothing(anon_cs, shopper_cs, shopper, demo):
    add(shopper_cs, demo, "toor-dal-1kg", quantity=2)

    result = _sign_in(anon_cs, shopper)

    assert result is None
    assert _quantities(selectors.cart_get(cs=anon_cs)) == {("toor-dal-1kg", "Standard"): 2}


# ---------------------------------------------------------------------------- redemptions


def _dal_for_flat100(cs: CartSession, demo) -> None:
    add(cs, demo, "toor-dal-1kg", quantity=6)  # over FLAT100's ₹999


def test_a_coupon_applied_before_sign_in_is_still_applied_after_it(anon_cs, shopper, demo):
    _dal_for_flat100(anon_cs, demo)
    before = services.cart_apply_coupon(cs=anon_cs, code="FLAT100")

    result = _sign_in(anon_cs, shopper)

    assert result.cart.coupon_code == "FLAT100"
    assert result.cart.total == before.total
    assert amounts(result.cart)["coupon"] == Decimal("-100.00")
    assert result.dropped == ()
    assert "Coupon FLAT100 is still applied." in services.merge_message(result)


def test_a_guests_coupon_joins_the_customers_existing_cart(anon_cs, shopper_cs, shopper, demo):
    add(shopper_cs, demo, "cotton-kurta", label="M")  # their cart from another device
    _dal_for_flat100(anon_cs, demo)
    services.cart_apply_coupon(cs=anon_cs, code="FLAT100")

    result = _sign_in(anon_cs, shopper)

    assert result.cart.coupon_code == "FLAT100"
    assert amounts(result.cart)["coupon"] == Decimal("-100.00")
    assert selectors.cart_get(cs=anon_cs).coupon_code == "FLAT100"


def test_a_coupon_that_no_longer_applies_is_dropped_and_the_reason_said(anon_cs, shopper, demo):
    from django.utils import timezone

    from storefront.providers.local import models as m
    from storefront.providers.local.redemptions import MSG_COUPON_EXPIRED
    from storefront.providers.messages import MSG_MERGE_COUPON_DROPPED

    _dal_for_flat100(anon_cs, demo)
    services.cart_apply_coupon(cs=anon_cs, code="FLAT100")
    # the offer ends while the shopper signs in
    m.Coupon.objects.filter(code="FLAT100").update(valid_until=timezone.now())

    result = _sign_in(anon_cs, shopper)

    assert result.cart.coupon_code == ""
    assert result.dropped == (MSG_MERGE_COUPON_DROPPED.format(code="FLAT100", reason=MSG_COUPON_EXPIRED),)
    assert "FLAT100" not in services.merge_message(result)


def test_a_coupon_the_merged_cart_does_not_qualify_for_is_dropped_with_what_is_missing(
    anon_cs, shopper_cs, shopper, demo
):
    from storefront.providers.local import models as m

    _dal_for_flat100(anon_cs, demo)
    services.cart_apply_coupon(cs=anon_cs, code="FLAT100")
    # the dal is nearly sold out: the merge clamps it below the coupon's minimum
    m.Variant.objects.filter(product__slug="toor-dal-1kg").update(stock=2)

    result = _sign_in(anon_cs, shopper)

    assert result.cart.coupon_code == ""
    (dropped,) = result.dropped
    assert dropped.startswith("Coupon FLAT100 was not carried over: ")
    assert "₹" in dropped  # says how much more the cart needs


def test_gift_cards_and_the_address_come_along(anon_cs, shopper, demo):
    from tests.checkout_kit import DEMO_CARD, DEMO_PIN, with_address

    add(anon_cs, demo, "toor-dal-1kg", quantity=2)
    with_address(anon_cs, city="New Delhi", state="Delhi", pincode="110001")
    services.cart_apply_gift_card(cs=anon_cs, code=DEMO_CARD, pin=DEMO_PIN)

    result = _sign_in(anon_cs, shopper)

    assert [r.kind for r in result.cart.redemptions if r.kind == "gift_card"] == ["gift_card"]
    assert result.cart.shipping_address.city == "New Delhi"
    assert f"Gift card …{DEMO_CARD[-4:]} is still applied." in result.kept
