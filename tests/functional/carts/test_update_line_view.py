"""POST /cart/update/ (data-action update-line): quantity and size, with and without htmx."""

from decimal import Decimal

import pytest

from carts.forms import MSG_MISSING_LINE, MSG_QTY_NOT_NUMBER, MSG_QTY_TOO_LARGE
from carts.services import MSG_UPDATED
from storefront.providers import rules
from storefront.providers.messages import (
    MSG_CHECKOUT_BLOCKED,
    MSG_SIZE_OTHER_PRODUCT,
    MSG_UNKNOWN_LINE,
    MSG_UNKNOWN_PRODUCT,
)
from tests.conftest import HTMX
from tests.functional.pages import (
    Page,
    add_via_form,
    cart_changed,
    cart_fragment,
    cart_page,
    follow,
    snapshot,
)


@pytest.fixture
def lines(client, demo) -> dict[str, str]:
    """A cart with dal ×2, water ×6, bulbs ×4 and a small kurta ×1: {slug: line id}."""
    add_via_form(client, demo, "toor-dal-1kg", quantity=2)
    add_via_form(client, demo, "mineral-water-1l", quantity=6)
    add_via_form(client, demo, "led-bulb-9w", quantity=4)
    add_via_form(client, demo, "cotton-kurta", label="S", quantity=1)
    page = cart_page(client)
    names = {
        "Unpolished Toor Dal": "toor-dal-1kg",
        "Mineral Water": "mineral-water-1l",
        "LED Bulb": "led-bulb-9w",
        "Cotton Kurta": "cotton-kurta",
    }
    found = {}
    for line_id in page.line_ids:
        text = page.line(line_id).content
        found[next(slug for name, slug in names.items() if name in text)] = line_id
    assert len(found) == 4
    return found


def test_update_with_htmx_swaps_the_cart_regions(client, lines):
    dal = lines["toor-dal-1kg"]

    response = client.post("/cart/update/", {"line": dal, "quantity": "5"}, headers=HTMX)

    page = cart_fragment(response)
    assert page.line_quantities[dal] == 5
    assert ("success", MSG_UPDATED) in page.alerts
    assert cart_changed(response)
    # the out-of-band price breakup and title follow the new quantity
    assert page.amount("mrp_total") == Decimal("1050.00") + Decimal("180.00") + Decimal("480.00") + Decimal(
        "1499.00"
    )
    assert "(16 items)" in page.by_id("cart-summary-count").content
    assert snapshot(client)[2] == 16


def test_update_without_htmx_redirects_to_the_cart_with_a_message(client, lines):
    dal = lines["toor-dal-1kg"]

    response = client.post("/cart/update/", {"line": dal, "quantity": "3"})

    page = follow(client, response)
    assert ("success", MSG_UPDATED) in page.alerts
    assert page.line_quantities[dal] == 3
    assert page.cart_count == 14


def test_change_size_with_htmx(client, demo, lines):
    kurta = lines["cotton-kurta"]
    medium = demo.variant("cotton-kurta", "M")

    response = client.post(
        "/cart/update/", {"line": kurta, "quantity": "2", "size": str(medium.pk)}, headers=HTMX
    )

    page = cart_fragment(response)
    assert cart_changed(response)
    (kurta_line,) = [lid for lid in page.line_ids if "Cotton Kurta" in page.line(lid).content]
    assert page.line_quantities[kurta_line] == 2
    selected = [
        e
        for e in page.elements
        if e.tag == "option"
        and "selected" in e.attrs
        and e.inside("data-line-id")
        and e.inside("data-line-id").attrs["data-line-id"] == kurta_line
    ]
    assert [e.content for e in selected] == ["M"]


def test_change_to_a_size_already_in_the_cart_merges_the_lines(client, demo, lines):
    add_via_form(client, demo, "cotton-kurta", label="M", quantity=1)
    small_line = lines["cotton-kurta"]
    medium = demo.variant("cotton-kurta", "M")

    response = client.post("/cart/update/", {"line": small_line, "quantity": "1", "size": str(medium.pk)})

    page = follow(client, response)
    kurtas = [lid for lid in page.line_ids if "Cotton Kurta" in page.line(lid).content]
    assert len(kurtas) == 1
    assert page.line_quantities[kurtas[0]] == 2
    assert len(page.line_ids) == 4


def test_merging_sizes_above_stock_is_refused(client, demo, lines):
    # given S×1 and M×6 (all six mediums in stock); changing S to M would need 7
    add_via_form(client, demo, "cotton-kurta", label="M", quantity=6)
    before = snapshot(client)
    medium = demo.variant("cotton-kurta", "M")

    data = {"line": lines["cotton-kurta"], "quantity": "1", "size": str(medium.pk)}
    response = client.post("/cart/update/", data, headers=HTMX)

    page = cart_fragment(response, status=422)
    assert ("error", rules.MSG_QTY_STOCK.format(stock=6)) in page.alerts
    assert snapshot(client) == before


def test_other_lines_can_be_edited_while_one_is_unavailable(client, demo, lines):
    # given the bulbs sold out after they were added
    demo.set_stock(demo.variant("led-bulb-9w"), 0)
    dal = lines["toor-dal-1kg"]

    response = client.post("/cart/update/", {"line": dal, "quantity": "1"}, headers=HTMX)

    page = cart_fragment(response)
    assert page.line_quantities[dal] == 1
    assert ("error", MSG_CHECKOUT_BLOCKED) in page.alerts
    # the total leaves out the sold-out bulbs: dal 179 + water 150 + kurta 999
    assert page.amount("subtotal") == Decimal("1328.00")


def _bad_updates():
    step6 = rules.MSG_QTY_STEP.format(increment=6, twice=12, thrice=18)
    step4 = rules.MSG_QTY_STEP.format(increment=4, twice=8, thrice=12)
    # (id, line slug, fields, message)
    return [
        ("not-a-number", "toor-dal-1kg", {"quantity": "abc"}, MSG_QTY_NOT_NUMBER),
        ("empty", "toor-dal-1kg", {"quantity": ""}, MSG_QTY_NOT_NUMBER),
        ("zero", "toor-dal-1kg", {"quantity": "0"}, rules.MSG_QTY_POSITIVE),
        ("negative", "toor-dal-1kg", {"quantity": "-1"}, rules.MSG_QTY_POSITIVE),
        ("huge", "toor-dal-1kg", {"quantity": "10000"}, MSG_QTY_TOO_LARGE),
        ("above-max", "toor-dal-1kg", {"quantity": "11"}, rules.MSG_QTY_MAX.format(maximum=10)),
        ("above-stock", "cotton-kurta", {"quantity": "5"}, rules.MSG_QTY_STOCK.format(stock=4)),
        ("below-min", "mineral-water-1l", {"quantity": "3"}, rules.MSG_QTY_MIN.format(minimum=6)),
        ("not-a-pack-of-6", "mineral-water-1l", {"quantity": "9"}, step6),
        ("not-a-pack-of-4", "led-bulb-9w", {"quantity": "6"}, step4),
        ("unknown-line", None, {"line": "999999", "quantity": "1"}, MSG_UNKNOWN_LINE),
        ("line-not-a-number", None, {"line": "first", "quantity": "1"}, MSG_UNKNOWN_LINE),
        ("no-line", None, {"line": "", "quantity": "1"}, MSG_MISSING_LINE),
        ("unknown-size", "cotton-kurta", {"quantity": "1", "size": "999999"}, MSG_UNKNOWN_PRODUCT),
    ]


BAD_UPDATES = _bad_updates()


def _post_data(lines, slug, fields):
    data = {"line": lines[slug]} if slug else {}
    data.update(fields)
    return data


@pytest.mark.parametrize(
    ("slug", "fields", "message"), [c[1:] for c in BAD_UPDATES], ids=[c[0] for c in BAD_UPDATES]
)
def test_bad_update_with_htmx_explains_in_place_and_changes_nothing(client, lines, slug, fields, message):
    before = snapshot(client)

    response = client.post("/cart/update/", _post_data(lines, slug, fields), headers=HTMX)

    page = cart_fragment(response, status=422)
    assert ("error", message) in page.alerts
    if slug:  # the message also sits beside the line it is about
        assert ("error", message) in page.alerts_inside(lines[slug])
    assert not cart_changed(response)
    # the fragment shows the cart as it stands, and so does the page
    assert page.line_quantities == before[0]
    assert page.breakup == before[1]
    assert snapshot(client) == before


@pytest.mark.parametrize(
    ("slug", "fields", "message"), [c[1:] for c in BAD_UPDATES], ids=[c[0] for c in BAD_UPDATES]
)
def test_bad_update_without_htmx_explains_and_changes_nothing(client, lines, slug, fields, message):
    before = snapshot(client)

    response = client.post("/cart/update/", _post_data(lines, slug, fields))

    page = follow(client, response)
    assert ("error", message) in page.alerts
    assert snapshot(client) == before


def test_size_of_another_product_is_refused(client, demo, lines):
    before = snapshot(client)
    shirt = demo.variant("linen-shirt", "M")

    response = client.post(
        "/cart/update/", {"line": lines["cotton-kurta"], "quantity": "1", "size": str(shirt.pk)}, headers=HTMX
    )

    page = cart_fragment(response, status=422)
    assert ("error", MSG_SIZE_OTHER_PRODUCT) in page.alerts_inside(lines["cotton-kurta"])
    assert snapshot(client) == before


def test_a_line_of_another_shoppers_cart_is_not_found(client, demo, lines, shopper):
    # given another browser (the signed-in shopper) with its own line
    other = type(client)()
    other.force_login(shopper, backend="storefront.accounts.EmailBackend")
    add_via_form(other, demo, "almonds-500g", quantity=1)
    (theirs,) = cart_page(other).line_ids

    # when this browser posts that line's id
    response = client.post("/cart/update/", {"line": theirs, "quantity": "3"}, headers=HTMX)

    # then it is not found here, and their cart is untouched
    assert response.status_code == 422
    assert ("error", MSG_UNKNOWN_LINE) in Page(response.content).alerts
    assert cart_page(other).line_quantities == {theirs: 1}
