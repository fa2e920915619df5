"""The assisted journey on the Fynd provider, against the stateful fake Fynd server: staff build the
customer's Fynd cart through the ordinary forms, each change is audited under the Fynd account,
the customer finds the cart (merged with what they had) marked as prepared by staff, and an order a
store lead places for them carries the staff member to Fynd (`staff` on the checkout body)."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from carts import assist
from carts.models import AssistEvent
from storefront.providers import get_shop_provider
from storefront.providers.fynd.models import FyndCart
from storefront.providers.fynd.provider import FyndProvider
from tests.conftest import DEMO_PASSWORD, HTMX, SHOPPER_EMAIL
from tests.fakes.fynd_server import FakeFynd, fake_fynd  # noqa: F401 - the fixture
from tests.functional.pages import Page, cart_page
from tests.functional.staff.conftest import client_for, start_assisting

pytestmark = pytest.mark.django_db

ON_CART = {**HTMX, "HX-Current-URL": "http://testserver/cart/"}
ON_CHECKOUT = {**HTMX, "HX-Current-URL": "http://testserver/checkout/"}
HOME = {
    "name": "Asha Rao", "phone": "9876543210", "line1": "12 Link Road", "line2": "Andheri West",
    "city": "Mumbai", "state": "Maharashtra", "pincode": "400059", "country": "India",
}  # fmt: skip
ACCOUNT = "fynd-assist"


@pytest.fixture
def fynd(demo, fake_fynd: FakeFynd) -> FakeFynd:  # noqa: F811
    call_command(
        "provider", "add", "--kind", "fynd", "--name", ACCOUNT, "--base-url", fake_fynd.base_url,
        "--set", f"application_id={fake_fynd.app_id}", "--set", f"application_token={fake_fynd.app_token}",
        "--activate", stdout=StringIO(),
    )  # fmt: skip
    assert isinstance(get_shop_provider(), FyndProvider)
    return fake_fynd


def add(client: Client, product: str, size: str, quantity: int = 1):
    response = client.post(
        "/cart/add/", {"product": product, "size": size, "quantity": quantity}, headers=ON_CART
    )
    assert response.status_code == 200, response.content.decode()[:400]
    return response


def fynd_lines(fake: FakeFynd, cart_id: str) -> dict[tuple[int, str], int]:
    return {(ln.item_id, ln.size): ln.quantity for ln in fake.cart(cart_id).lines}


def test_staff_build_the_customers_fynd_cart_and_it_is_audited(fynd, staff_client, shopper, staff):
    start_assisting(staff_client, shopper)
    add(staff_client, "7501", "M", 2)
    add(staff_client, "7503", "OS", 1)
    page = cart_page(staff_client)
    line = page.line_ids[0]
    staff_client.post("/cart/update/", {"line": line, "quantity": 1}, headers=ON_CART)
    staff_client.post("/cart/coupon/apply/", {"code": "WELCOME10"}, headers=ON_CART)
    staff_client.post("/staff/end/")

    row = FyndCart.objects.get(account__name=ACCOUNT, user=shopper, is_open=True)
    assert fynd_lines(fynd, row.cart_id) == {(7501, "M"): 1, (7503, "OS"): 1}
    assert row.staff_user == "Ravi"
    events = list(AssistEvent.objects.order_by("pk"))
    assert [e.action for e in events] == [
        "start-assist", "add-to-cart", "add-to-cart", "update-line", "apply-coupon", "end-assist",
    ]  # fmt: skip
    for event in events[1:-1]:
        assert event.provider == ACCOUNT and event.cart_id == row.cart_id
        assert event.staff == staff and event.customer == shopper
    assert "Classic Cotton T-Shirt (M): 2 → 1" in events[3].summary
    assert "Coupon WELCOME10 applied" in events[4].summary
    assert cart_page(staff_client).line_ids == []  # Ravi's own cart: nothing


def test_the_customer_finds_the_prepared_fynd_cart_at_sign_in(fynd, staff_client, shopper):
    start_assisting(staff_client, shopper)
    add(staff_client, "7501", "M", 1)
    add(staff_client, "7503", "OS", 1)
    staff_client.post("/staff/end/")
    browser = Client()
    add(browser, "7501", "S", 1)  # the customer's own, before signing in

    browser.post("/accounts/login/", {"email": SHOPPER_EMAIL, "password": DEMO_PASSWORD})

    page = cart_page(browser)
    assert sorted(page.line_quantities.values()) == [1, 1, 1]
    (note,) = page.having("data-prepared-by")
    assert note.attrs["data-prepared-by"] == "Ravi"
    assert note.content == "Prepared for you by Ravi at the Indiranagar store"
    assert ("info", assist.MSG_HANDOVER.format(name="Ravi at the Indiranagar store")) in page.alerts


def test_points_need_the_customers_code_on_fynd_too(fynd, staff_client, shopper):
    start_assisting(staff_client, shopper)
    add(staff_client, "7501", "M", 1)
    refused = staff_client.post("/cart/loyalty/apply/", {}, headers=ON_CART)
    assert refused.status_code == 422
    assert ("error", assist.MSG_NEEDS_CUSTOMER) in Page(refused.content).alerts
    assert not [c for c in fynd.calls if "redeem" in c.path]

    staff_client.post("/staff/confirm/send/")
    code = re.search(r"\b(\d{6})\b", mail.outbox[0].body).group(1)
    staff_client.post("/staff/confirm/", {"code": code})
    assert not cart_page(staff_client).having("data-customer-held")


def test_a_store_lead_places_the_order_and_fynd_receives_the_staff_member(fynd, lead, shopper):
    client = client_for(lead)
    start_assisting(client, shopper)
    add(client, "7503", "OS", 2)
    client.post("/cart/address/", HOME, headers=ON_CHECKOUT)
    html = client.get("/checkout/").content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)

    response = client.post("/checkout/place/", {"idempotency_key": key, "payment_mode": "COD"})

    assert response.status_code == 303, response.content[:300]
    (order,) = fynd.orders.values()
    assert order["staff"]["user"] == order["staff"]["_id"] == str(lead.pk)
    assert order["staff"]["first_name"] == "Priya"
    assert order["staff_user_id"] in ("", str(lead.pk))
    event = AssistEvent.objects.get(action="place-order")
    assert event.provider == ACCOUNT and event.details["order"]


def test_staff_without_the_permission_cannot_order_on_fynd(fynd, staff_client, shopper):
    start_assisting(staff_client, shopper)
    add(staff_client, "7503", "OS", 1)
    staff_client.post("/cart/address/", HOME, headers=ON_CHECKOUT)
    page = Page(staff_client.get("/checkout/").content)
    assert not page.forms("place-order") and page.having("data-handover")
    assert not fynd.orders
