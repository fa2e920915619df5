"""Polish a shopper notices (issue 9, point 15): whole rupees without `.00`, "1 item" / "3 items",
and one date format, "Wed, 9 Dec", on the pages."""

import datetime as dt
import re
from decimal import Decimal

from storefront.providers.local import models as m
from storefront.text import format_day
from tests.functional.pages import add_via_form, cart_page

WHOLE_RUPEES_WITH_PAISE = re.compile(r"₹[\d,]+\.00(?!\d)")


def test_the_cart_counts_one_item_then_three_items(client, demo):
    add_via_form(client, demo, "toor-dal-1kg", quantity=1)
    page = cart_page(client)
    assert "(1 item)" in page.by_id("cart-summary-count").content
    assert page.having("data-cart-count")[0].attrs["aria-label"] == "Cart, 1 item"

    add_via_form(client, demo, "toor-dal-1kg", quantity=2)
    page = cart_page(client)
    assert "(3 items)" in page.by_id("cart-summary-count").content
    assert page.having("data-cart-count")[0].attrs["aria-label"] == "Cart, 3 items"


def test_the_cart_shows_whole_rupees_without_paise_and_dates_as_weekday_day_month(client, demo):
    add_via_form(client, demo, "toor-dal-1kg", quantity=3)  # ₹179 × 3
    client.post("/cart/check-delivery/", {"pincode": "560001"})
    page = cart_page(client)

    assert not WHOLE_RUPEES_WITH_PAISE.findall(page.html)
    assert "₹537" in page.by_id("price-breakup").content
    ((low, high),) = page.delivery("delivery-promise")
    promise = page.by_id("delivery-promise").content
    assert format_day(dt.date.fromisoformat(low[:10])) in promise
    assert format_day(dt.date.fromisoformat(high[:10])) in promise
    assert re.search(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [1-9]\d? [A-Z][a-z]{2}\b", promise)


def test_a_product_page_keeps_paise_only_where_there_are_some(client, demo):
    m.Product.objects.filter(slug="toor-dal-1kg").update(price=Decimal("178.50"))
    html = client.get("/products/toor-dal-1kg/").content.decode()
    assert "₹178.50" in html
    assert not WHOLE_RUPEES_WITH_PAISE.findall(html)
