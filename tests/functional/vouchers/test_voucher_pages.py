"""The voucher pages and data-actions on the local provider, with htmx and without it: catalogue,
brand page, voucher cart with its limits, placing an order exactly once, payment from the
balances, fulfilment, reveal, orders, and what bad input gets."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from storefront.providers.local import models as m
from storefront.providers.local import voucher_models as lvm
from storefront.providers.types import VoucherStatus
from tests.functional.pages import Page
from vouchers import models as vm
from vouchers import payment, pricing, services

from .conftest import HTMX, add, amount, cart_page, order_reference, place, place_key


def alerts(page: Page) -> list[tuple[str, str]]:
    return [(e.attrs["data-message-level"], e.content) for e in page.having("data-message-level")]


def follow(client, response) -> Page:
    assert response.status_code == 303, response.status_code
    return Page(client.get(response["Location"]).content)


# ---------------------------------------------------------------------------- catalogue


def test_catalogue_lists_brands_with_search_and_category(client, demo):
    page = Page(client.get("/vouchers/").content)
    assert len(page.having("data-voucher-product")) == 8

    found = Page(client.get("/vouchers/", {"q": "coffee"}).content)
    assert [e.attrs["data-voucher-product"] for e in found.having("data-voucher-product")] == ["cafe-kaapi"]
    travel = Page(client.get("/vouchers/", {"category": "Travel"}).content)
    assert [e.attrs["data-voucher-product"] for e in travel.having("data-voucher-product")] == [
        "travel-trails"
    ]


def test_catalogue_search_with_htmx_answers_the_results_only(client, demo):
    response = client.get("/vouchers/", {"q": "book"}, headers=HTMX)
    page = Page(response.content)
    assert page.is_fragment and page.by_id("voucher-results") is not None
    assert response["Vary"] and "HX-Request" in response["Vary"]


def test_brand_page_shows_denominations_with_mrp_price_and_saving(client, demo):
    page = Page(client.get("/vouchers/fresh-basket/").content)
    rows = {e.attrs["data-denomination"]: e.attrs for e in page.having("data-denomination")}
    assert rows["fresh-basket-500"]["data-mrp"] == "500.00"
    assert rows["fresh-basket-500"]["data-price"] == "485.00"
    assert rows["fresh-basket-1000"]["data-price"] == "960.00"
    assert "Or choose your own amount" in page.html and "₹200" in page.html  # custom amount with bounds
    assert "How to redeem" in page.html and "Terms and conditions" in page.html


def test_provider_html_is_sanitised(client, demo):
    lvm.LocalVoucherBrand.objects.filter(slug="booknook").update(
        description='<p onclick="steal()">Books<script>alert(1)</script> <a href="javascript:x()">go</a></p>'
    )
    html = client.get("/vouchers/booknook/").content.decode()
    assert "<script>alert" not in html and "onclick" not in html and "javascript:x" not in html
    assert "<p>Books" in html


def test_unknown_brand_is_404(client, demo):
    assert client.get("/vouchers/no-such-brand/").status_code == 404


def test_no_voucher_provider_means_404_everywhere(buyer, monkeypatch):
    from storefront.providers import registry

    for kind_role in [k for k in registry.PROVIDER_CLASSES if k[1] == "vouchers"]:
        monkeypatch.delitem(registry.PROVIDER_CLASSES, kind_role)
    for url in ("/vouchers/", "/vouchers/fresh-basket/", "/vouchers/cart/", "/vouchers/orders/"):
        assert buyer.get(url).status_code == 404, url
    assert "Gift vouchers" not in buyer.get("/").content.decode()


# ---------------------------------------------------------------------------- the voucher cart


def test_add_without_htmx_redirects_back_with_a_message(buyer):
    page = follow(buyer, add(buyer, "fresh-basket", "fresh-basket-500", 2))
    assert ("success", "Added 2 × ₹500 Fresh Basket vouchers to your voucher cart.") in alerts(page)
    cart = cart_page(buyer)
    assert amount(cart, "face_value") == Decimal("1000.00")
    assert amount(cart, "total") == Decimal("970.00")
    assert amount(cart, "discount") == Decimal("-30.00")


def test_add_with_htmx_answers_the_status_and_the_cart_link(buyer):
    response = add(buyer, "booknook", "booknook-100", 3, **HTMX)
    page = Page(response.content)
    assert response.status_code == 200 and page.is_fragment
    assert page.by_id("voucher-add-status") is not None
    link = page.by_id("voucher-cart-link")
    assert link.attrs["data-voucher-count"] == "3" and link.attrs["hx-swap-oob"] == "true"
    assert "voucher-cart-updated" in response["HX-Trigger"]


def test_the_same_denomination_again_adds_to_its_line_within_the_maximum(buyer):
    add(buyer, "cinemahall", "cinemahall-200", 6)
    response = add(buyer, "cinemahall", "cinemahall-200", 5)
    page = follow(buyer, response)
    assert ("error", services.MSG_QTY_MAX.format(max=10, name="CinemaHall", value="₹200")) in alerts(page)
    assert cart_page(buyer).line_quantities == {str(vm.VoucherCartLine.objects.get().pk): 6}


def test_a_custom_amount_within_its_bounds(buyer):
    follow(buyer, add(buyer, "fresh-basket", "fresh-basket-custom", 1, amount="1500"))
    cart = cart_page(buyer)
    assert amount(cart, "face_value") == Decimal("1500.00")
    assert amount(cart, "total") == Decimal("1455.00")  # 3 % off


BAD_ADDS = [
    ({"quantity": "two"}, pricing.MSG_QTY_NOT_NUMBER),
    ({"quantity": "0"}, "Quantity must be at least 1. To remove the item, use Remove."),
    ({"quantity": "-3"}, "Quantity must be at least 1. To remove the item, use Remove."),
    ({"quantity": "11"}, services.MSG_QTY_MAX.format(max=10, name="Fresh Basket", value="₹500")),
    ({"config": "fresh-basket-700"}, services.MSG_UNKNOWN_DENOMINATION),
    (
        {"config": "fresh-basket-custom", "amount": "150"},
        pricing.MSG_AMOUNT_RANGE.format(name="Fresh Basket", min="₹200", max="₹5,000"),
    ),
    (
        {"config": "fresh-basket-custom", "amount": "9000"},
        pricing.MSG_AMOUNT_RANGE.format(name="Fresh Basket", min="₹200", max="₹5,000"),
    ),
    ({"config": "fresh-basket-custom", "amount": "250.50"}, pricing.MSG_AMOUNT_NOT_NUMBER),
    (
        {"config": "fresh-basket-custom", "amount": ""},
        pricing.MSG_AMOUNT_NEEDED.format(min="₹200", max="₹5,000"),
    ),
]


@pytest.mark.parametrize(("change", "message"), BAD_ADDS)
def test_bad_adds_with_htmx_explain_in_place_and_change_nothing(buyer, change, message):
    data = {"product": "fresh-basket", "config": "fresh-basket-500", "quantity": "1", **change}
    response = buyer.post("/vouchers/cart/add/", data, headers=HTMX)
    assert response.status_code == 422
    assert ("error", message) in alerts(Page(response.content))
    assert not vm.VoucherCartLine.objects.exists()


@pytest.mark.parametrize(("change", "message"), BAD_ADDS[:3])
def test_bad_adds_without_htmx_redirect_with_the_reason(buyer, change, message):
    data = {"product": "fresh-basket", "config": "fresh-basket-500", "quantity": "1", **change}
    page = follow(buyer, buyer.post("/vouchers/cart/add/", data))
    assert ("error", message) in alerts(page)
    assert not vm.VoucherCartLine.objects.exists()


def test_unknown_brand_on_add_changes_nothing(buyer):
    response = buyer.post(
        "/vouchers/cart/add/", {"product": "nope", "config": "x", "quantity": "1"}, headers=HTMX
    )
    assert response.status_code == 422
    assert not vm.VoucherCartLine.objects.exists()


def test_update_with_htmx_answers_lines_summary_and_trigger(buyer):
    add(buyer, "booknook", "booknook-500", 1)
    data = {"product": "booknook", "config": "booknook-500", "quantity": "3"}
    response = buyer.post("/vouchers/cart/update/", data, headers=HTMX)
    page = Page(response.content)
    assert response.status_code == 200 and page.is_fragment
    assert page.by_id("voucher-cart-lines") and page.by_id("voucher-summary").attrs["hx-swap-oob"] == "true"
    assert amount(page, "total") == Decimal("1410.00")
    assert "voucher-cart-updated" in response["HX-Trigger"]


def test_update_above_the_maximum_shows_the_error_beside_the_line(buyer):
    add(buyer, "booknook", "booknook-500", 1)
    data = {"product": "booknook", "config": "booknook-500", "quantity": "99"}
    response = buyer.post("/vouchers/cart/update/", data, headers=HTMX)
    assert response.status_code == 422
    page = Page(response.content)
    (line,) = page.having("data-line-id")
    assert ("error", services.MSG_QTY_MAX.format(max=10, name="BookNook", value="₹500")) in alerts(page)
    assert page.line_quantities == {line.attrs["data-line-id"]: 1}


def test_remove_without_htmx(buyer):
    add(buyer, "booknook", "booknook-500", 1)
    page = follow(
        buyer, buyer.post("/vouchers/cart/remove/", {"product": "booknook", "config": "booknook-500"})
    )
    assert ("success", services.MSG_REMOVED) in alerts(page)
    assert not vm.VoucherCartLine.objects.exists()


def test_guests_are_asked_to_sign_in(client, demo):
    response = client.get("/vouchers/cart/")
    assert response.status_code == 303 and "/accounts/login/" in response["Location"]
    response = add(client, "booknook", "booknook-100", 1, **HTMX)
    assert "/accounts/login/" in response["HX-Redirect"]


# ---------------------------------------------------------------------------- placing an order


def test_place_order_pays_from_credit_then_points_and_empties_the_cart(buyer, wallet, instant):
    add(buyer, "stylestreet", "stylestreet-1000", 2)  # 2 × ₹900
    response = place(buyer, place_key(cart_page(buyer)))
    reference = order_reference(response)
    order = vm.VoucherOrder.objects.get(reference=reference)
    assert (order.price_total, order.paid_credit, order.paid_points) == (
        Decimal("1800.00"),
        Decimal("250.00"),
        6200,
    )
    assert m.StoreCredit.objects.get(user=wallet).balance == 0
    assert m.LoyaltyAccount.objects.get(user=wallet).points == 12_800 - 6200
    assert order.attempt.role == "vouchers" and order.attempt.state == "placed"
    assert cart_page(buyer).having("data-line-id") == []


def test_the_same_key_twice_is_one_order(buyer, wallet):
    add(buyer, "booknook", "booknook-250", 2)
    key = place_key(cart_page(buyer))
    first, second = place(buyer, key), place(buyer, key, **HTMX)
    assert order_reference(first) == order_reference(second)
    assert vm.VoucherOrder.objects.count() == lvm.LocalVoucherOrder.objects.count() == 1
    # ₹475 once: ₹250 of credit, then 900 points (₹225)
    assert m.LoyaltyAccount.objects.get(user=wallet).points == 12_800 - 900


def test_two_tabs_showing_the_same_cart_make_one_order(buyer):
    add(buyer, "booknook", "booknook-250", 1)
    tab1, tab2 = place_key(cart_page(buyer)), place_key(cart_page(buyer))
    assert order_reference(place(buyer, tab1)) == order_reference(place(buyer, tab2))
    assert vm.VoucherOrder.objects.count() == 1


def test_a_cart_changed_since_it_was_shown_is_not_ordered_unseen(buyer):
    add(buyer, "booknook", "booknook-250", 1)
    key = place_key(cart_page(buyer))
    add(buyer, "booknook", "booknook-100", 1)
    page = follow(buyer, place(buyer, key))
    assert ("error", services.MSG_CART_CHANGED) in alerts(page)
    assert not vm.VoucherOrder.objects.exists()


def test_a_tampered_key_is_refused_and_nothing_changes(buyer, wallet):
    add(buyer, "booknook", "booknook-250", 1)
    key = place_key(cart_page(buyer))
    response = place(buyer, key[:-2] + ("AA" if not key.endswith("AA") else "BB"), **HTMX)
    assert response.status_code == 422
    assert ("error", services.MSG_KEY_INVALID) in alerts(Page(response.content))
    assert not vm.VoucherOrder.objects.exists() and m.StoreCredit.objects.get(user=wallet).balance == 250


def test_a_total_the_balances_do_not_cover_is_refused_with_what_is_missing(buyer, wallet):
    m.LoyaltyAccount.objects.filter(user=wallet).update(points=400)  # ₹100 + ₹250 credit
    add(buyer, "booknook", "booknook-500", 1)  # ₹470
    page = cart_page(buyer)
    assert page.having("data-shortfall")[0].attrs["data-shortfall"] == "120.00"
    response = place(buyer, place_key(page), **HTMX)
    assert response.status_code == 422
    expected = payment.MSG_NOT_ENOUGH.format(total="₹470", available="₹350", missing="₹120")
    assert ("error", expected) in alerts(Page(response.content))
    assert not vm.VoucherOrder.objects.exists() and not lvm.LocalVoucherOrder.objects.exists()


def test_place_order_with_htmx_goes_to_the_order_page(buyer):
    add(buyer, "booknook", "booknook-100", 1)
    response = place(buyer, place_key(cart_page(buyer)), **HTMX)
    assert response.status_code == 204 and response["HX-Redirect"].startswith("/vouchers/orders/SF")


# ---------------------------------------------------------------------------- fulfilment, reveal, orders


def _ordered(buyer, brand="booknook", config="booknook-100", quantity=2) -> str:
    add(buyer, brand, config, quantity)
    return order_reference(place(buyer, place_key(cart_page(buyer))))


def test_order_page_polls_while_processing_then_shows_masked_codes(buyer):
    reference = _ordered(buyer)
    page = Page(buyer.get(f"/vouchers/orders/{reference}/").content)
    (article,) = page.having("data-voucher-order")
    assert article.attrs["data-voucher-status"] == "processing" and article.attrs["hx-trigger"] == "every 3s"
    lvm.LocalVoucherOrder.objects.update(ready_at="2000-01-01T00:00Z")
    vm.VoucherOrder.objects.update(checked_at=None)
    response = buyer.get(f"/vouchers/orders/{reference}/", headers=HTMX)
    page = Page(response.content)
    (article,) = page.having("data-voucher-order")
    assert article.attrs["data-voucher-status"] == "success" and "hx-trigger" not in article.attrs
    assert len(page.having("data-voucher")) == 2
    assert "no-store" in response["Cache-Control"]
    for voucher in vm.IssuedVoucher.objects.all():
        secret = voucher.secret()
        assert (
            secret["code"] not in response.content.decode() and secret["pin"] not in response.content.decode()
        )


def test_the_order_page_asks_the_provider_at_most_every_few_seconds(buyer, django_assert_max_num_queries):
    reference = _ordered(buyer)
    buyer.get(f"/vouchers/orders/{reference}/")
    checks = vm.VoucherOrder.objects.get().checks
    for _ in range(3):
        buyer.get(f"/vouchers/orders/{reference}/", headers=HTMX)
    assert vm.VoucherOrder.objects.get().checks == checks


def test_reveal_with_htmx_shows_one_code_records_it_and_is_not_cached(buyer, instant, wallet):
    reference = _ordered(buyer)
    buyer.get(f"/vouchers/orders/{reference}/")
    first = vm.IssuedVoucher.objects.first()
    response = buyer.post(f"/vouchers/orders/{reference}/reveal/", {"voucher": first.pk}, headers=HTMX)
    html = response.content.decode()
    assert first.secret()["code"] in html and first.secret()["pin"] in html
    other = vm.IssuedVoucher.objects.exclude(pk=first.pk).get()
    assert other.secret()["code"] not in html
    assert "no-store" in response["Cache-Control"]
    reveal = vm.VoucherReveal.objects.get()
    assert (reveal.voucher, reveal.user) == (first, wallet)


def test_reveal_without_htmx_shows_it_on_the_next_page_view_only(buyer, instant):
    reference = _ordered(buyer)
    buyer.get(f"/vouchers/orders/{reference}/")
    first = vm.IssuedVoucher.objects.first()
    response = buyer.post(f"/vouchers/orders/{reference}/reveal/", {"voucher": first.pk})
    assert response.status_code == 303
    assert first.secret()["pin"] in buyer.get(response["Location"]).content.decode()
    assert first.secret()["pin"] not in buyer.get(response["Location"]).content.decode()


def test_someone_else_gets_404_on_the_order_and_on_reveal(buyer, other_client, instant):
    reference = _ordered(buyer)
    buyer.get(f"/vouchers/orders/{reference}/")
    voucher = vm.IssuedVoucher.objects.first()
    assert other_client.get(f"/vouchers/orders/{reference}/").status_code == 404
    assert (
        other_client.post(f"/vouchers/orders/{reference}/reveal/", {"voucher": voucher.pk}).status_code == 404
    )
    assert (
        other_client.post(
            f"/vouchers/orders/{reference}/reveal/", {"voucher": voucher.pk}, headers=HTMX
        ).status_code
        == 404
    )
    assert not vm.VoucherReveal.objects.exists()
    assert reference not in other_client.get("/vouchers/orders/").content.decode()


def test_staff_with_the_permission_see_the_order_masked_and_cannot_reveal(
    buyer, instant, django_user_model, client
):
    from django.contrib.auth.models import Permission

    reference = _ordered(buyer)
    buyer.get(f"/vouchers/orders/{reference}/")
    staff = django_user_model.objects.create_user("ops@example.com", "ops@example.com", "pw", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_any_voucher_order"))
    client.force_login(staff, backend="storefront.accounts.EmailBackend")
    page = Page(client.get(f"/vouchers/orders/{reference}/").content)
    assert page.having("data-voucher-order") and not [
        e for e in page.elements if e.attrs.get("data-action") == "reveal-voucher"
    ]
    voucher = vm.IssuedVoucher.objects.first()
    assert client.post(f"/vouchers/orders/{reference}/reveal/", {"voucher": voucher.pk}).status_code == 404


def test_orders_list_shows_the_customers_orders(buyer):
    reference = _ordered(buyer)
    page = Page(buyer.get("/vouchers/orders/").content)
    assert [e.attrs["data-voucher-order"] for e in page.having("data-voucher-order")] == [reference]


def test_no_code_or_pin_in_any_log_record(buyer, instant, caplog):
    caplog.set_level(logging.DEBUG)
    reference = _ordered(buyer)
    buyer.get(f"/vouchers/orders/{reference}/")
    voucher = vm.IssuedVoucher.objects.first()
    buyer.post(f"/vouchers/orders/{reference}/reveal/", {"voucher": voucher.pk}, headers=HTMX)
    text = "\n".join(r.getMessage() for r in caplog.records)
    for row in vm.IssuedVoucher.objects.all():
        assert row.secret()["code"] not in text and row.secret()["pin"] not in text
        assert row.secret()["code"] not in repr(row)


def test_a_failed_fulfilment_gives_everything_back(buyer, wallet):
    reference = _ordered(buyer, "booknook", "booknook-250", 1)
    lvm.LocalVoucherOrder.objects.update(status="failed")
    vm.VoucherOrder.objects.update(checked_at=None)
    page = Page(buyer.get(f"/vouchers/orders/{reference}/").content)
    assert page.having("data-voucher-order")[0].attrs["data-voucher-status"] == VoucherStatus.FAILED
    assert m.StoreCredit.objects.get(user=wallet).balance == Decimal("250.00")
    assert m.LoyaltyAccount.objects.get(user=wallet).points == 12_800
    order = vm.VoucherOrder.objects.get()
    assert order.refunded_amount == Decimal("237.50") and order.refunded_at is not None
