"""EnKash as the voucher provider, through the real voucher views, against the fake EnKash server:
catalogue and brand pages, the journey to revealed codes, lost answers reconciled by reference
(never ordered again), refusals paid back, the token rules, and `provider add/test`."""

from __future__ import annotations

import logging
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from storefront.models import ProviderAccount
from storefront.providers import get_voucher_provider, registry
from storefront.providers.base import Role, conformance_problems
from storefront.providers.local import models as wallet
from tests.fakes.enkash_server import CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME, fake_enkash  # noqa: F401
from tests.functional.pages import Page
from tests.functional.vouchers.conftest import HTMX, add, cart_page, order_reference, place, place_key
from vouchers import models as vm

CREATE = "/api/v0/partner/create-order"
DETAILS = "/api/v0/order/orderDetails"
MYNTRA = "PC7513531244A681"
COFFEE = "PC235129857G58ZX"


@pytest.fixture
def enkash(fake_enkash, demo):  # noqa: F811
    account = ProviderAccount(kind="enkash", name="enkash-test", base_url=fake_enkash.base_url)
    account.connect_timeout, account.read_timeout = 0.5, 1.5
    account.set_credentials(
        {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "username": USERNAME, "password": PASSWORD}
    )
    account.save()
    registry.activate(account)
    return fake_enkash


@pytest.fixture
def buyer(client, shopper, enkash):
    wallet.LoyaltyAccount.objects.filter(user=shopper).update(points=12_800)
    client.force_login(shopper, backend="storefront.accounts.EmailBackend")
    return client


def _journey(buyer, *lines) -> str:
    for product, config, quantity in lines:
        assert add(buyer, product, config, quantity).status_code == 303
    return order_reference(place(buyer, place_key(cart_page(buyer))))


def test_enkash_conforms_and_serves_the_voucher_role(enkash):
    provider = get_voucher_provider()
    assert provider.kind == "enkash" and conformance_problems(provider, Role.VOUCHERS) == []
    assert provider.ping().startswith("authenticated")


def test_catalogue_hides_inactive_brands_and_sanitises_provider_html(client, enkash):
    page = Page(client.get("/vouchers/").content)
    assert [e.attrs["data-voucher-product"] for e in page.having("data-voucher-product")] == [MYNTRA, COFFEE]
    html = client.get(f"/vouchers/{MYNTRA}/").content.decode()
    assert "Fashion from 5,000 brands." in html and "<script>alert" not in html
    assert "<ol><li>Shop</li>" in html
    assert client.get("/vouchers/PC999000111NOPE0/").status_code == 404
    client.get(f"/vouchers/{MYNTRA}/")
    assert enkash.count("GET", f"/api/v0/partner/search-config/{MYNTRA}") == 1  # cached


def test_the_journey_on_enkash_ends_in_revealed_codes(buyer, enkash, shopper):
    reference = _journey(buyer, (MYNTRA, "PCN5915678VIB1A121", 2), (COFFEE, "PCN11100CCD100", 1))
    creates = enkash.calls_to(CREATE)
    assert [c.body["orderReferenceId"] for c in creates] == [f"{reference}-1", f"{reference}-2"]
    assert [(c.body["denomination"], c.body["quantity"]) for c in creates] == [(500, 2), (100, 1)]
    page = Page(buyer.get(f"/vouchers/orders/{reference}/").content)
    assert page.having("data-voucher-order")[0].attrs["data-voucher-status"] == "success"
    assert len(page.having("data-voucher")) == 3
    voucher = vm.IssuedVoucher.objects.first()
    response = buyer.post(f"/vouchers/orders/{reference}/reveal/", {"voucher": voucher.pk}, headers=HTMX)
    assert voucher.secret()["pin"] in response.content.decode()
    order = vm.VoucherOrder.objects.get()
    assert order.price_total == Decimal("1080.00")  # 2 × 490 + 100
    assert len(enkash.calls_to(CREATE)) == 2


def test_a_custom_amount_goes_as_its_denomination(buyer, enkash):
    add(buyer, COFFEE, "PCN11100CCDCUST", 1, amount="1500")
    reference = order_reference(place(buyer, place_key(cart_page(buyer))))
    (create,) = enkash.calls_to(CREATE)
    assert create.body == {
        "denomination": 1500,
        "orderReferenceId": f"{reference}-1",
        "productCatalogId": COFFEE,
        "quantity": 1,
    }
    assert vm.VoucherOrder.objects.get().price_total == Decimal("1425.00")


@pytest.mark.parametrize("fault", ["hang", "drop", "status"])
def test_commit_then_fail_is_reconciled_by_reference_never_ordered_again(buyer, enkash, fault):
    add(buyer, MYNTRA, "PCN155416196E3971", 1)
    key = place_key(cart_page(buyer))
    enkash.fault(
        CREATE,
        fault,
        after_commit=True,
        status=502 if fault == "status" else None,
        seconds=3 if fault == "hang" else None,
    )
    response = place(buyer, key)
    reference = order_reference(response)
    order = vm.VoucherOrder.objects.get(reference=reference)
    assert order.attempt.state == "unknown" and enkash.upstream_orders() == 1
    # the same key again, and the order page: reconciled by fetching the order by its reference
    assert order_reference(place(buyer, key)) == reference
    page = Page(buyer.get(f"/vouchers/orders/{reference}/").content)
    assert page.having("data-voucher-order")[0].attrs["data-voucher-status"] == "success"
    assert len(enkash.calls_to(CREATE)) == 1 and enkash.upstream_orders() == 1
    assert vm.IssuedVoucher.objects.filter(order=order).count() == 1


def test_no_answer_and_no_order_upstream_is_settled_as_not_placed_and_paid_back(buyer, enkash, shopper):
    add(buyer, MYNTRA, "PCN155416196E3971", 1)
    enkash.fault(CREATE, "drop")  # dropped before EnKash did anything
    reference = order_reference(place(buyer, place_key(cart_page(buyer))))
    assert wallet.StoreCredit.objects.get(user=shopper).balance == Decimal("0.00")
    page = Page(buyer.get(f"/vouchers/orders/{reference}/").content)
    assert page.having("data-voucher-order")[0].attrs["data-voucher-status"] == "failed"
    assert wallet.StoreCredit.objects.get(user=shopper).balance == Decimal("250.00")
    assert enkash.upstream_orders() == 0


def test_a_refusal_pays_everything_back_and_restores_the_cart(buyer, enkash, shopper):
    add(buyer, MYNTRA, "PCN155416196E3971", 1)
    enkash.refuse_create = "Insufficient balance in partner account"
    response = place(buyer, place_key(cart_page(buyer)), **HTMX)
    assert response.status_code == 422
    assert "Insufficient balance in partner account" in response.content.decode()
    assert wallet.StoreCredit.objects.get(user=shopper).balance == Decimal("250.00")
    assert vm.VoucherOrder.objects.get().status == "failed"
    assert len(cart_page(buyer).having("data-line-id")) == 1


def test_an_order_enkash_fails_is_paid_back(buyer, enkash, shopper):
    enkash.fail_orders = True
    reference = _journey(buyer, (MYNTRA, "PCN155416196E3971", 1))
    page = Page(buyer.get(f"/vouchers/orders/{reference}/").content)
    assert page.having("data-voucher-order")[0].attrs["data-voucher-status"] == "failed"
    assert vm.VoucherOrder.objects.get().refunded_amount == Decimal("250.00")
    assert wallet.StoreCredit.objects.get(user=shopper).balance == Decimal("250.00")


def test_processing_orders_turn_final_when_enkash_completes_them(buyer, enkash):
    enkash.complete_after = None
    reference = _journey(buyer, (MYNTRA, "PCN724771408NCGasd", 1))
    page = Page(buyer.get(f"/vouchers/orders/{reference}/").content)
    assert page.having("data-voucher-order")[0].attrs["data-voucher-status"] == "processing"
    enkash.complete(f"{reference}-1")
    vm.VoucherOrder.objects.update(checked_at=None)
    page = Page(buyer.get(f"/vouchers/orders/{reference}/", headers=HTMX).content)
    assert page.having("data-voucher-order")[0].attrs["data-voucher-status"] == "success"


def test_enkash_down_gives_the_friendly_page(client, enkash):
    enkash.fault("/api/v0/partner/search-catalog", "status", status=503, times=5)
    response = client.get("/vouchers/")
    assert response.status_code == 503
    assert "couldn't reach the store" in response.content.decode()


def test_a_refused_token_is_not_retried_and_staff_are_told(client, enkash, caplog):
    account = ProviderAccount.objects.get(name="enkash-test")
    account.update_credentials({"password": "wrong"})
    account.save()
    registry.reset()
    with caplog.at_level(logging.ERROR):
        assert client.get("/vouchers/").status_code == 503
        assert client.get("/vouchers/").status_code == 503
    assert enkash.count("POST", "/oauth/token") == 1  # one failure, never a lockout
    assert USERNAME not in enkash.locked
    assert "three failures lock the account" in caplog.text


def test_an_expired_token_is_refreshed_once(client, enkash):
    client.get("/vouchers/")
    enkash.expire_tokens()  # EnKash forgets it before our cache does: one 401, one new token
    assert client.get(f"/vouchers/{COFFEE}/").status_code == 200
    assert enkash.count("POST", "/oauth/token") == 2


def test_no_pin_or_card_number_in_logs(buyer, enkash, caplog):
    caplog.set_level(logging.DEBUG)
    reference = _journey(buyer, (MYNTRA, "PCN724771408NCGasd", 2))
    buyer.get(f"/vouchers/orders/{reference}/")
    voucher = vm.IssuedVoucher.objects.first()
    buyer.post(f"/vouchers/orders/{reference}/reveal/", {"voucher": voucher.pk}, headers=HTMX)
    text = "\n".join(r.getMessage() for r in caplog.records)
    for row in vm.IssuedVoucher.objects.all():
        assert row.secret()["code"] not in text and row.secret()["pin"] not in text


def test_provider_add_activate_and_test(fake_enkash, demo):  # noqa: F811
    out = StringIO()
    call_command(
        "provider",
        "add",
        "--kind",
        "enkash",
        "--name",
        "enkash-cli",
        "--base-url",
        fake_enkash.base_url,
        "--set",
        f"client_id={CLIENT_ID}",
        "--set",
        f"client_secret={CLIENT_SECRET}",
        "--set",
        f"username={USERNAME}",
        "--set",
        f"password={PASSWORD}",
        "--activate",
        stdout=out,
    )
    assert ProviderAccount.objects.get(name="enkash-cli").active_for_vouchers
    registry.reset()
    call_command("provider", "test", "enkash-cli", stdout=out)
    assert "authenticated" in out.getvalue()
    assert get_voucher_provider().kind == "enkash"
