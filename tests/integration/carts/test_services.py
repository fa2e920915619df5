"""Cart services on the local provider: what the shopper's cart holds after each write."""

from decimal import Decimal

import pytest

from carts import selectors, services
from storefront.exceptions import NotFound, ProviderRejected
from storefront.money import format_inr
from storefront.providers import rules
from storefront.providers.local.cart_view import MSG_PRICE_DOWN, MSG_PRICE_UP, MSG_SHORT_STOCK_LINE
from storefront.providers.messages import (
    MSG_CHECKOUT_BLOCKED,
    MSG_CHOOSE_SIZE,
    MSG_LINE_OUT_OF_STOCK,
    MSG_SIZE_OTHER_PRODUCT,
    MSG_UNKNOWN_LINE,
    MSG_UNKNOWN_PRODUCT,
)
from storefront.providers.types import MessageLevel
from tests.factories import add, amounts, line_for


def test_add_puts_the_product_in_the_cart(cs, demo):
    # given an empty cart / when a shopper adds two bags of dal
    cart = add(cs, demo, "toor-dal-1kg", quantity=2)

    # then the cart has one line of two, priced at the selling price, and the session knows the cart
    (line,) = cart.lines
    assert line.product.slug == "toor-dal-1kg"
    assert line.quantity == 2
    assert line.line_total == Decimal("358.00")
    assert cart.count == 2
    assert cs.cart_id == cart.id
    assert cs.count == 2
    assert selectors.cart_get(cs=cs).lines[0].quantity == 2


def test_adding_the_same_size_twice_merges_into_one_line(cs, demo):
    add(cs, demo, "cotton-kurta", label="M", quantity=1)

    cart = add(cs, demo, "cotton-kurta", label="M", quantity=2)

    assert [(ln.variant.label, ln.quantity) for ln in cart.lines] == [("M", 3)]
    assert cart.count == 3


def test_adding_another_size_makes_a_second_line(cs, demo):
    add(cs, demo, "cotton-kurta", label="M")

    cart = add(cs, demo, "cotton-kurta", label="S")

    assert sorted(ln.variant.label for ln in cart.lines) == ["M", "S"]


def test_product_with_sizes_needs_a_size(cs, demo):
    product = demo.product("cotton-kurta")

    with pytest.raises(ProviderRejected) as exc:
        services.cart_add_item(cs=cs, product_id=str(product.pk), variant_id=None, quantity=1)

    assert exc.value.user_message == MSG_CHOOSE_SIZE
    assert selectors.cart_get(cs=cs).is_empty


def test_second_add_is_refused_when_the_sum_exceeds_stock(cs, demo):
    # given 3 of the last 4 small kurtas already in the cart
    add(cs, demo, "cotton-kurta", label="S", quantity=3)

    # when two more are added / then the whole cart's quantity is checked against stock
    with pytest.raises(ProviderRejected) as exc:
        add(cs, demo, "cotton-kurta", label="S", quantity=2)

    assert exc.value.user_message == rules.MSG_QTY_STOCK.format(stock=4)
    assert selectors.cart_get(cs=cs).lines[0].quantity == 3


def test_second_add_is_refused_when_the_sum_exceeds_the_maximum(cs, demo):
    add(cs, demo, "basmati-rice-5kg", quantity=4)  # max 5

    with pytest.raises(ProviderRejected) as exc:
        add(cs, demo, "basmati-rice-5kg", quantity=2)

    assert exc.value.user_message == rules.MSG_QTY_MAX.format(maximum=5)
    assert selectors.cart_get(cs=cs).lines[0].quantity == 4


@pytest.mark.parametrize(
    ("slug", "quantity", "message"),
    [
        ("mineral-water-1l", 7, rules.MSG_QTY_STEP.format(increment=6, twice=12, thrice=18)),
        ("mineral-water-1l", 3, rules.MSG_QTY_MIN.format(minimum=6)),
        ("led-bulb-9w", 6, rules.MSG_QTY_STEP.format(increment=4, twice=8, thrice=12)),
        ("toor-dal-1kg", 0, rules.MSG_QTY_POSITIVE),
        ("toor-dal-1kg", 11, rules.MSG_QTY_MAX.format(maximum=10)),
        ("organic-jaggery-1kg", 1, rules.MSG_QTY_STOCK_NONE),
    ],
)
def test_add_refuses_quantities_outside_the_rules(cs, demo, slug, quantity, message):
    with pytest.raises(ProviderRejected) as exc:
        add(cs, demo, slug, quantity=quantity)

    assert exc.value.user_message == message
    assert selectors.cart_get(cs=cs).is_empty


def test_pack_products_are_added_in_whole_packs(cs, demo):
    cart = add(cs, demo, "mineral-water-1l", quantity=12)

    assert cart.lines[0].quantity == 12


@pytest.mark.parametrize(("product_id", "variant_id"), [("999999", None), ("abc", None), ("1", "999999")])
def test_add_of_an_unknown_product_or_size_is_not_found(cs, demo, product_id, variant_id):
    with pytest.raises(NotFound) as exc:
        services.cart_add_item(cs=cs, product_id=product_id, variant_id=variant_id, quantity=1)

    assert exc.value.user_message == MSG_UNKNOWN_PRODUCT


def test_add_refuses_a_size_of_another_product(cs, demo):
    kurta = demo.product("cotton-kurta")
    shirt_size = demo.variant("linen-shirt", "M")

    with pytest.raises(NotFound):
        services.cart_add_item(cs=cs, product_id=str(kurta.pk), variant_id=str(shirt_size.pk), quantity=1)

    assert selectors.cart_get(cs=cs).is_empty


def test_update_sets_the_line_quantity(cs, demo):
    line = add(cs, demo, "toor-dal-1kg").lines[0]

    cart = services.cart_update_line(cs=cs, line_id=line.id, quantity=5)

    assert cart.line(line.id).quantity == 5
    assert cart.count == 5
    assert amounts(cart)["subtotal"] == Decimal("895.00")


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        (0, rules.MSG_QTY_POSITIVE),
        (-2, rules.MSG_QTY_POSITIVE),
        (9, rules.MSG_QTY_STEP.format(increment=6, twice=12, thrice=18)),
        (54, rules.MSG_QTY_MAX.format(maximum=48)),
    ],
)
def test_update_refuses_a_bad_quantity_and_keeps_the_line(cs, demo, quantity, message):
    line = add(cs, demo, "mineral-water-1l", quantity=6).lines[0]

    with pytest.raises(ProviderRejected) as exc:
        services.cart_update_line(cs=cs, line_id=line.id, quantity=quantity)

    assert exc.value.user_message == message
    assert selectors.cart_get(cs=cs).line(line.id).quantity == 6


def test_update_above_stock_says_how_many_are_left(cs, demo):
    line = add(cs, demo, "cotton-kurta", label="L").lines[0]  # 2 in stock

    with pytest.raises(ProviderRejected) as exc:
        services.cart_update_line(cs=cs, line_id=line.id, quantity=3)

    assert exc.value.user_message == rules.MSG_QTY_STOCK.format(stock=2)


@pytest.mark.parametrize("line_id", ["999999", "abc", ""])
def test_update_of_an_unknown_line_is_not_found(cs, demo, line_id):
    add(cs, demo, "toor-dal-1kg")

    with pytest.raises(NotFound) as exc:
        services.cart_update_line(cs=cs, line_id=line_id, quantity=1)

    assert exc.value.user_message == MSG_UNKNOWN_LINE


def test_a_line_of_another_shoppers_cart_cannot_be_touched(cs, demo, shopper_cs):
    # given someone else's cart line
    theirs = add(shopper_cs, demo, "toor-dal-1kg", quantity=2).lines[0]
    add(cs, demo, "almonds-500g")

    # when this shopper posts its id / then it is not found and their cart is unchanged
    with pytest.raises(NotFound):
        services.cart_update_line(cs=cs, line_id=theirs.id, quantity=5)
    with pytest.raises(NotFound):
        services.cart_remove_line(cs=cs, line_id=theirs.id)

    assert selectors.cart_get(cs=shopper_cs).line(theirs.id).quantity == 2


def test_change_size_moves_the_line_to_the_new_size(cs, demo):
    line = add(cs, demo, "cotton-kurta", label="M", quantity=2).lines[0]
    small = demo.variant("cotton-kurta", "S")

    cart = services.cart_update_line(cs=cs, line_id=line.id, quantity=2, variant_id=str(small.pk))

    assert [(ln.variant.label, ln.quantity) for ln in cart.lines] == [("S", 2)]


def test_change_to_a_size_already_in_the_cart_merges_the_lines(cs, demo):
    # given M×1 and S×2 of the same kurta
    medium = add(cs, demo, "cotton-kurta", label="M", quantity=1).lines[0]
    add(cs, demo, "cotton-kurta", label="S", quantity=2)
    small = demo.variant("cotton-kurta", "S")

    # when the M line is changed to S
    cart = services.cart_update_line(cs=cs, line_id=medium.id, quantity=1, variant_id=str(small.pk))

    # then one S line holds both
    assert [(ln.variant.label, ln.quantity) for ln in cart.lines] == [("S", 3)]
    assert cart.count == 3


def test_merging_sizes_checks_stock_on_the_sum(cs, demo):
    # given M×2 and S×3; only 4 small kurtas are in stock
    medium = add(cs, demo, "cotton-kurta", label="M", quantity=2).lines[0]
    add(cs, demo, "cotton-kurta", label="S", quantity=3)
    small = demo.variant("cotton-kurta", "S")

    # when M is changed to S (3 + 2 = 5 > 4)
    with pytest.raises(ProviderRejected) as exc:
        services.cart_update_line(cs=cs, line_id=medium.id, quantity=2, variant_id=str(small.pk))

    # then it is refused and both lines stay as they were
    assert exc.value.user_message == rules.MSG_QTY_STOCK.format(stock=4)
    cart = selectors.cart_get(cs=cs)
    assert sorted((ln.variant.label, ln.quantity) for ln in cart.lines) == [("M", 2), ("S", 3)]


def test_change_to_an_out_of_stock_size_is_refused(cs, demo):
    line = add(cs, demo, "cotton-kurta", label="M").lines[0]
    extra_large = demo.variant("cotton-kurta", "XL")  # stock 0

    with pytest.raises(ProviderRejected) as exc:
        services.cart_update_line(cs=cs, line_id=line.id, quantity=1, variant_id=str(extra_large.pk))

    assert exc.value.user_message == rules.MSG_QTY_STOCK_NONE
    assert selectors.cart_get(cs=cs).line(line.id).variant.label == "M"


def test_change_to_a_size_of_another_product_is_refused(cs, demo):
    line = add(cs, demo, "cotton-kurta", label="M").lines[0]
    shirt_size = demo.variant("linen-shirt", "M")

    with pytest.raises(ProviderRejected) as exc:
        services.cart_update_line(cs=cs, line_id=line.id, quantity=1, variant_id=str(shirt_size.pk))

    assert exc.value.user_message == MSG_SIZE_OTHER_PRODUCT
    assert selectors.cart_get(cs=cs).line(line.id).variant.label == "M"


def test_remove_takes_the_line_out(cs, demo):
    dal = add(cs, demo, "toor-dal-1kg").lines[0]
    add(cs, demo, "almonds-500g")

    cart = services.cart_remove_line(cs=cs, line_id=dal.id)

    assert [ln.product.slug for ln in cart.lines] == ["almonds-500g"]
    assert cart.count == 1


def test_remove_of_an_unknown_line_is_not_found(cs, demo):
    add(cs, demo, "toor-dal-1kg")

    with pytest.raises(NotFound):
        services.cart_remove_line(cs=cs, line_id="999999")

    assert selectors.cart_count(cs=cs) == 1


def test_clear_empties_the_cart(cs, demo):
    add(cs, demo, "toor-dal-1kg", quantity=2)
    add(cs, demo, "mineral-water-1l", quantity=6)

    cart = services.cart_clear(cs=cs)

    assert cart.is_empty
    assert cart.count == 0
    assert amounts(cart)["total"] == Decimal("0.00")
    assert selectors.cart_count(cs=cs) == 0
    assert cs.count == 0


def test_clear_with_no_cart_is_harmless(cs, demo):
    assert services.cart_clear(cs=cs).is_empty


def test_count_is_the_number_of_items(cs, demo):
    add(cs, demo, "toor-dal-1kg", quantity=2)
    add(cs, demo, "mineral-water-1l", quantity=12)

    assert selectors.cart_count(cs=cs) == 14
    assert cs.count == 14


def test_empty_cart_count_is_zero(cs, demo):
    assert selectors.cart_count(cs=cs) == 0


def test_breakup_follows_the_lines(cs, demo):
    # given 2 × dal (MRP 210, 179) — under the free-delivery threshold
    cart = add(cs, demo, "toor-dal-1kg", quantity=2)

    assert amounts(cart) == {
        "mrp_total": Decimal("420.00"),
        "discount": Decimal("-62.00"),
        "subtotal": Decimal("358.00"),
        "delivery_charge": Decimal("49.00"),
        "total": Decimal("407.00"),
        "gst_charges": Decimal("17.05"),
        "you_saved": Decimal("62.00"),
    }


def test_stock_dropping_after_adding_marks_the_line_unavailable(cs, demo):
    # given dal and almonds in the cart
    dal = add(cs, demo, "toor-dal-1kg", quantity=2).lines[0]
    almond_line = line_for(add(cs, demo, "almonds-500g", quantity=1), demo.variant("almonds-500g"))

    # when the almonds sell out
    demo.set_stock(demo.variant("almonds-500g"), 0)
    cart = selectors.cart_get(cs=cs)

    # then that line is marked, left out of the totals, and checkout is blocked
    line = cart.line(almond_line.id)
    assert not line.available
    assert [(msg.text, msg.level) for msg in line.messages] == [(MSG_LINE_OUT_OF_STOCK, MessageLevel.ERROR)]
    assert amounts(cart)["subtotal"] == Decimal("358.00")
    assert cart.checkout_blocked == MSG_CHECKOUT_BLOCKED
    assert cart.line(dal.id).available


def test_stock_below_the_quantity_says_how_many_are_left(cs, demo):
    line = add(cs, demo, "toor-dal-1kg", quantity=3).lines[0]

    demo.set_stock(demo.variant("toor-dal-1kg"), 2)
    cart = selectors.cart_get(cs=cs)

    assert not cart.line(line.id).available
    assert cart.line(line.id).messages[0].text == MSG_SHORT_STOCK_LINE.format(stock=2)
    assert cart.checkout_blocked == MSG_CHECKOUT_BLOCKED


def test_other_lines_stay_editable_while_one_is_unavailable(cs, demo):
    # given an unavailable almonds line beside dal
    dal = add(cs, demo, "toor-dal-1kg", quantity=1).lines[0]
    almonds = line_for(add(cs, demo, "almonds-500g"), demo.variant("almonds-500g"))
    demo.set_stock(demo.variant("almonds-500g"), 0)

    # when the dal quantity changes / then it works and the totals count only the dal
    cart = services.cart_update_line(cs=cs, line_id=dal.id, quantity=3)
    assert cart.line(dal.id).quantity == 3
    assert amounts(cart)["subtotal"] == Decimal("537.00")
    assert cart.checkout_blocked == MSG_CHECKOUT_BLOCKED

    # and removing the unavailable line unblocks checkout
    cart = services.cart_remove_line(cs=cs, line_id=almonds.id)
    assert cart.checkout_blocked == ""
    assert [ln.product.slug for ln in cart.lines] == ["toor-dal-1kg"]


def test_reducing_an_unavailable_line_to_the_stock_left_makes_it_available(cs, demo):
    line = add(cs, demo, "toor-dal-1kg", quantity=5).lines[0]
    demo.set_stock(demo.variant("toor-dal-1kg"), 2)

    cart = services.cart_update_line(cs=cs, line_id=line.id, quantity=2)

    assert cart.line(line.id).available
    assert cart.checkout_blocked == ""


def test_price_rise_since_adding_is_shown_on_the_line(cs, demo):
    line = add(cs, demo, "toor-dal-1kg").lines[0]

    demo.set_price(demo.variant("toor-dal-1kg"), "199.00")
    cart = selectors.cart_get(cs=cs)

    expected = MSG_PRICE_UP.format(old=format_inr(Decimal("179.00")), new=format_inr(Decimal("199.00")))
    assert [(m.text, m.level) for m in cart.line(line.id).messages] == [(expected, MessageLevel.WARNING)]
    assert cart.line(line.id).unit_price == Decimal("199.00")
    assert cart.line(line.id).available


def test_price_drop_since_adding_is_shown_on_the_line(cs, demo):
    line = add(cs, demo, "toor-dal-1kg").lines[0]

    demo.set_price(demo.variant("toor-dal-1kg"), "159.00")
    cart = selectors.cart_get(cs=cs)

    expected = MSG_PRICE_DOWN.format(old=format_inr(Decimal("179.00")), new=format_inr(Decimal("159.00")))
    assert [(m.text, m.level) for m in cart.line(line.id).messages] == [(expected, MessageLevel.INFO)]
    assert amounts(cart)["subtotal"] == Decimal("159.00")


def test_unchanged_price_has_no_message(cs, demo):
    cart = add(cs, demo, "toor-dal-1kg")

    assert cart.lines[0].messages == ()


def test_delivery_check_remembers_a_serviceable_pincode(cs, demo):
    add(cs, demo, "toor-dal-1kg")

    check = services.cart_check_delivery(cs=cs, pincode="560001")
    cart = selectors.cart_get(cs=cs)

    assert check.serviceable
    assert cart.pincode == "560001"
    assert cart.delivery_promise is not None
    assert cart.delivery_promise.min <= cart.delivery_promise.max
    assert cart.lines[0].delivery_promise == cart.delivery_promise


def test_unserviceable_pincode_is_remembered_so_pages_say_so_about_it(cs, demo):
    services.cart_check_delivery(cs=cs, pincode="560001")

    check = services.cart_check_delivery(cs=cs, pincode="999999")

    # never a quiet fall back to the earlier pincode: the cart and checkout speak of 999999
    assert not check.serviceable
    assert cs.pincode == "999999"
