"""Who may use each staff URL and action: anonymous visitors are sent to sign in, customers and
staff without `carts.assist_customer` get a 404, staff with it get the console; placing an order
for a customer needs `carts.place_order_on_behalf` as well, and the customer's points, gift cards
and credit need the customer's code."""

from __future__ import annotations

import re

import pytest
from django.contrib.sessions.backends.cache import SessionStore
from django.core import mail
from django.test import Client

from carts import assist, selectors, services
from carts.models import AssistEvent
from carts.session import CartSession
from storefront.providers.local import models as m
from tests.checkout_kit import DEMO_CARD, DEMO_PIN, address_form, checkout_key, fill_groceries
from tests.conftest import HTMX
from tests.functional.pages import Page, cart_page
from tests.functional.staff.conftest import client_for, make_user, start_assisting

STAFF_URLS = [
    ("get", "/staff/", {}),
    ("get", "/staff/?q=shopper%40demo.local", {}),
    ("post", "/staff/assist/", {"customer": "CUSTOMER"}),
    ("post", "/staff/end/", {}),
    ("post", "/staff/customers/", {"name": "Nila K", "email": "nila@example.com", "phone": "9000012345"}),
    ("post", "/staff/confirm/send/", {}),
    ("post", "/staff/confirm/", {"code": "123456"}),
]
CODE = re.compile(r"\b(\d{6})\b")


def emailed_code(body: str) -> str:
    return CODE.search(body).group(1)


ROLES = [
    "anonymous",
    "customer",
    "staff-without-permissions",
    "place-order-only",
    "assist",
    "assist-and-place",
]


@pytest.fixture
def client_as(demo, shopper):
    def build(role: str) -> Client:
        if role == "anonymous":
            return Client()
        if role == "customer":
            return client_for(shopper)
        perms = {
            "staff-without-permissions": (),
            "place-order-only": ("place_order_on_behalf",),
            "assist": ("assist_customer",),
            "assist-and-place": ("assist_customer", "place_order_on_behalf"),
        }[role]
        return client_for(make_user(f"{role}@staff.example", perms=perms, is_staff=True, first_name="Sam"))

    return build


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "data"), STAFF_URLS, ids=[f"{m} {u}" for m, u, _ in STAFF_URLS])
def test_every_staff_url_answers_by_role(client_as, shopper, role, method, url, data):
    client = client_as(role)
    data = {k: (str(shopper.pk) if v == "CUSTOMER" else v) for k, v in data.items()}

    response = getattr(client, method)(url, data)

    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=/staff/")
    elif role in ("customer", "staff-without-permissions", "place-order-only"):
        assert response.status_code == 404
    elif method == "get":
        assert response.status_code == 200
        assert Page(response.content).forms("staff-find-customer")
    else:
        assert response.status_code == 303
    if role not in ("assist", "assist-and-place"):
        assert not AssistEvent.objects.exists()  # nothing happened


def test_staff_actions_with_htmx_answer_with_a_redirect_header(staff_client, shopper):
    response = staff_client.post("/staff/assist/", {"customer": shopper.pk}, headers=HTMX)

    assert response.status_code == 204
    assert response["HX-Redirect"] == "/cart/"
    response = staff_client.post("/staff/end/", headers=HTMX)
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/staff/"


@pytest.mark.parametrize("target", ["staff@demo.local", "lead@demo.local"])
def test_staff_cannot_assist_staff(staff_client, target):
    from django.contrib.auth import get_user_model

    other = get_user_model().objects.get(email=target)
    response = staff_client.post("/staff/assist/", {"customer": other.pk})

    page = Page(staff_client.get(response["Location"]).content)
    assert ("error", assist.MSG_NOT_A_CUSTOMER) in page.alerts
    assert not page.having("data-assisting")


def test_staff_search_never_lists_staff(staff_client):
    page = Page(staff_client.get("/staff/?q=lead@demo.local").content)
    assert not page.forms("staff-assist")


# ---------------------------------------------------------------------------- place-order


def _assisted_checkout(client: Client, demo, customer) -> str:
    start_assisting(client, customer)
    fill_groceries(client, demo)
    client.post("/cart/address/", address_form())
    response = client.get("/checkout/")
    assert response.status_code == 200
    return response.content.decode()


def test_without_place_order_permission_the_form_is_not_offered_and_a_post_orders_nothing(
    staff_client, demo, shopper
):
    html = _assisted_checkout(staff_client, demo, shopper)
    page = Page(html)
    assert not page.forms("place-order")
    assert page.having("data-handover")
    before = m.Order.objects.count()
    # a valid key for the customer's cart, as if the form had been there
    customer_cs = CartSession(session=SessionStore(), user=shopper)
    token = services.checkout_issue_key(cart=selectors.cart_get(cs=customer_cs), cs=customer_cs)

    response = staff_client.post("/checkout/place/", {"idempotency_key": token, "payment_mode": "cod"})

    assert response.status_code == 303
    assert ("error", assist.MSG_NO_PLACE_ORDER) in Page(staff_client.get("/checkout/").content).alerts
    assert m.Order.objects.count() == before
    assert not AssistEvent.objects.filter(action="place-order").exists()


def test_with_place_order_permission_the_order_is_placed_for_the_customer_and_audited(lead, demo, shopper):
    client = client_for(lead)
    html = _assisted_checkout(client, demo, shopper)
    assert Page(html).forms("place-order")

    response = client.post("/checkout/place/", {"idempotency_key": checkout_key(html), "payment_mode": "cod"})

    assert response.status_code == 303
    order = m.Order.objects.latest("pk")
    assert order.user == shopper
    event = AssistEvent.objects.get(action="place-order")
    assert event.staff == lead and event.customer == shopper
    assert event.details["order"] == response["Location"].split("/")[2]
    assert "Placed order" in event.summary


# ---------------------------------------------------------------------------- the customer's own money


def test_points_credit_and_gift_cards_need_the_customers_code(assisting, demo, shopper):
    fill_groceries(assisting, demo)
    page = cart_page(assisting)
    assert page.having("data-customer-held")
    for action in ("apply-loyalty", "apply-credit", "apply-gift-card"):
        assert not page.forms(action), action
    assert "800" not in page.by_id("redemptions").content  # the points balance is not shown

    refused = assisting.post("/cart/loyalty/apply/", {"points": ""}, headers=HTMX)
    assert refused.status_code == 422
    assert ("error", assist.MSG_NEEDS_CUSTOMER) in Page(refused.content).alerts
    refused = assisting.post("/cart/gift-card/apply/", {"code": DEMO_CARD, "pin": DEMO_PIN})
    assert refused.status_code == 303
    assert ("error", assist.MSG_NEEDS_CUSTOMER) in cart_page(assisting).alerts
    assert not m.CartGiftCard.objects.exists()
    assert not AssistEvent.objects.filter(action__in=["apply-loyalty", "apply-gift-card"]).exists()


def test_the_code_the_customer_reads_out_unlocks_their_points(assisting, demo, shopper):
    fill_groceries(assisting, demo)
    assisting.post("/staff/confirm/send/", {"next": "/cart/"})
    (email,) = mail.outbox
    assert email.to == [shopper.email]
    code = emailed_code(email.body)
    assert code not in str(list(AssistEvent.objects.values_list("summary", "details")))

    wrong = assisting.post(
        "/staff/confirm/", {"code": "000000" if code != "000000" else "111111", "next": "/cart/"}
    )
    assert ("error", assist.MSG_CODE_WRONG) in Page(assisting.get(wrong["Location"]).content).alerts
    assisting.post("/staff/confirm/", {"code": code, "next": "/cart/"})

    page = cart_page(assisting)
    assert not page.having("data-customer-held")
    assert page.forms("apply-loyalty") and page.forms("apply-gift-card")
    applied = assisting.post("/cart/loyalty/apply/", {"points": "100"})
    assert applied.status_code == 303
    assert dict(cart_page(assisting).breakup)["loyalty_points"].startswith("-")
    actions = list(AssistEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-3:] == ["send-code", "customer-confirmed", "apply-loyalty"]


def test_a_code_tried_too_often_stops_working(assisting, demo):
    assisting.post("/staff/confirm/send/")
    for _ in range(assist.CODE_TRIES):
        assisting.post("/staff/confirm/", {"code": "999999"})
    code = emailed_code(mail.outbox[0].body)

    response = assisting.post("/staff/confirm/", {"code": code})

    assert ("error", assist.MSG_CODE_EXPIRED) in Page(assisting.get(response["Location"]).content).alerts
    assert AssistEvent.objects.filter(action="confirm-failed").exists()
    assert not AssistEvent.objects.filter(action="customer-confirmed").exists()
