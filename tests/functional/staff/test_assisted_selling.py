"""The assisted journey through the real views on the local provider: find a customer, assist them
(the banner on every page), build their cart with the ordinary forms (with and without htmx), end
assisting, and the customer finds the prepared cart when they sign in, marked with who prepared
it. Staff can also create a customer, who chooses a password from an emailed link."""

from __future__ import annotations

import re
import smtplib

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client

from carts import assist, staff_views
from carts.models import AssistEvent, CustomerRecord
from carts.views import MSG_SHARE_EMAILED
from storefront import accounts
from tests.conftest import DEMO_PASSWORD, HTMX, SHOPPER_EMAIL
from tests.functional.pages import Page, add_via_form, cart_changed, cart_fragment, cart_page
from tests.functional.staff.conftest import client_for, start_assisting

ON_CART = {**HTMX, "HX-Current-URL": "http://testserver/cart/"}


def banner(page: Page) -> str | None:
    found = page.having("data-assisting")
    assert len(found) <= 1
    return found[0].attrs["data-assisting"] if found else None


def test_find_a_customer_by_email_or_phone_and_nothing_else(staff_client, shopper):
    for q in ("shopper@demo.local", "SHOPPER@demo.local", "9876543210", "+91 98765 43210", "098765-43210"):
        page = Page(staff_client.get("/staff/", {"q": q}).content)
        (form,) = page.forms("staff-assist")
        assert [e.attrs["value"] for e in page.elements if e.attrs.get("name") == "customer"] == [
            str(shopper.pk)
        ]
    for q in ("shopper", "demo.local", "98765", "Asha"):
        page = Page(staff_client.get("/staff/", {"q": q}).content)
        assert not page.forms("staff-assist"), q
        assert "No customer has that email" in page.html


def test_the_search_answers_in_place_with_htmx(staff_client):
    response = staff_client.get(
        "/staff/", {"q": SHOPPER_EMAIL}, headers={**HTMX, "HX-Target": "staff-results"}
    )
    page = Page(response.content)
    assert page.is_fragment
    assert page.by_id("staff-results") is not None and page.forms("staff-assist")


@pytest.mark.parametrize(
    "url", ["/", "/products/", "/products/toor-dal-1kg/", "/cart/", "/checkout/", "/staff/", "/orders/"]
)
def test_the_banner_is_on_every_page_while_assisting(assisting, demo, url):
    add_via_form(assisting, demo, "toor-dal-1kg")  # so /checkout/ is a page, not a redirect
    response = assisting.get(url)
    assert response.status_code == 200, url
    page = Page(response.content)
    assert banner(page) == SHOPPER_EMAIL
    assert page.forms("staff-end-assist")


def test_no_banner_before_or_after_assisting_or_for_the_customer(staff_client, customer_client, shopper):
    assert banner(Page(staff_client.get("/").content)) is None
    start_assisting(staff_client, shopper)
    assert banner(Page(customer_client.get("/").content)) is None  # the customer's own browser
    staff_client.post("/staff/end/")
    assert banner(Page(staff_client.get("/").content)) is None


def test_cart_forms_act_on_the_customers_cart_with_and_without_htmx(assisting, customer_client, demo):
    add_via_form(assisting, demo, "toor-dal-1kg", quantity=2)
    (line,) = cart_page(assisting).line_ids

    response = assisting.post("/cart/update/", {"line": line, "quantity": 5}, headers=ON_CART)

    page = cart_fragment(response)
    assert page.line_quantities == {line: 5} and cart_changed(response)
    assert cart_page(customer_client).line_quantities == {line: 5}
    assert cart_page(assisting).cart_count == 5


def test_the_customer_sees_who_prepared_their_cart(assisting, customer_client, demo):
    add_via_form(assisting, demo, "toor-dal-1kg")
    page = cart_page(customer_client)
    (note,) = page.having("data-prepared-by")
    assert note.attrs["data-prepared-by"] == "Ravi"
    assert note.content == "Prepared for you by Ravi at the Indiranagar store"


def test_an_ordinary_cart_is_not_marked(customer_client, demo):
    add_via_form(customer_client, demo, "toor-dal-1kg")
    assert not cart_page(customer_client).having("data-prepared-by")


def test_hand_over_at_sign_in_merges_what_the_customer_had_and_says_so(assisting, shopper, demo):
    add_via_form(assisting, demo, "toor-dal-1kg", quantity=2)
    add_via_form(assisting, demo, "cotton-kurta", label="M")
    assisting.post("/staff/end/")
    browser = Client()  # the customer, shopping as a guest first
    add_via_form(browser, demo, "almonds-500g")

    response = browser.post("/accounts/login/", {"email": SHOPPER_EMAIL, "password": DEMO_PASSWORD})

    assert response.status_code == 303
    page = cart_page(browser)
    assert sorted(page.line_quantities.values()) == [1, 1, 2]
    assert ("info", assist.MSG_HANDOVER.format(name="Ravi at the Indiranagar store")) in page.alerts
    assert any(level == "info" and text.startswith("We added 1 item") for level, text in page.alerts)
    assert page.having("data-prepared-by")
    # the message is said once: the next sign-in has nothing new
    browser.post("/accounts/logout/")
    browser.post("/accounts/login/", {"email": SHOPPER_EMAIL, "password": DEMO_PASSWORD})
    assert not any("prepared your cart" in text for _, text in cart_page(browser).alerts)


def test_staff_create_a_customer_who_chooses_a_password_from_the_emailed_link(staff_client, demo):
    response = staff_client.post(
        "/staff/customers/",
        {"name": "Nila Krishnan", "email": "Nila@Example.com", "phone": "+91 90000 12345"},
    )
    assert response.status_code == 303 and response["Location"] == "/cart/"
    nila = get_user_model().objects.get(email="nila@example.com")
    assert not nila.has_usable_password() and nila.first_name == "Nila"
    assert CustomerRecord.objects.get(user=nila).phone == "9000012345"
    page = cart_page(staff_client)
    assert banner(page) == "nila@example.com"
    assert ("success", staff_views.MSG_CREATED.format(email="nila@example.com")) in page.alerts
    add_via_form(staff_client, demo, "toor-dal-1kg", quantity=2)
    staff_client.post("/staff/end/")
    (email,) = mail.outbox
    assert email.to == ["nila@example.com"]
    link = re.search(r"http://testserver(/accounts/welcome/\S+/)", email.body).group(1)
    assert [e.action for e in AssistEvent.objects.order_by("pk")] == [
        "create-customer",
        "start-assist",
        "add-to-cart",
        "end-assist",
    ]

    nila_browser = Client()
    assert nila_browser.get(link).status_code == 200
    response = nila_browser.post(link, {"new_password1": "a-Long-pass-42", "new_password2": "a-Long-pass-42"})

    assert response.status_code == 303 and response["Location"] == "/cart/"
    page = cart_page(nila_browser)
    assert list(page.line_quantities.values()) == [2]
    assert page.having("data-prepared-by")
    assert ("info", assist.MSG_HANDOVER.format(name="Ravi at the Indiranagar store")) in page.alerts
    assert Client().get(link).status_code == 404  # used once
    assert staff_client.get("/staff/", {"q": "9000012345"}).content.count(b'data-action="staff-assist"') == 1


def test_creating_a_customer_with_a_taken_email_finds_them_instead(staff_client, shopper):
    response = staff_client.post("/staff/customers/", {"name": "Asha", "email": SHOPPER_EMAIL})
    page = Page(staff_client.get(response["Location"]).content)
    assert ("error", assist.MSG_EMAIL_TAKEN) in page.alerts
    assert banner(page) is None


def test_losing_the_permission_ends_the_assist_at_the_next_request(assisting, staff):
    staff.user_permissions.remove(Permission.objects.get(codename="assist_customer"))

    page = Page(assisting.get("/").content)

    assert banner(page) is None
    assert "assist" not in assisting.session


def test_a_staff_member_signing_out_stops_assisting(assisting):
    assisting.post("/accounts/logout/")
    assert AssistEvent.objects.order_by("pk").last().action == "end-assist"


def test_the_set_password_link_is_checked(demo, shopper):
    assert Client().get("/accounts/welcome/Mg/not-a-token/").status_code == 404
    assert Client().get("/accounts/welcome/!!/x/").status_code == 404
    page = Page(Client().get("/accounts/welcome/Mg/not-a-token/").content)
    assert accounts.MSG_LINK_INVALID in page.html


def test_assisting_a_second_customer_ends_the_first(assisting, demo):
    other = get_user_model().objects.create_user("nila@example.com", "nila@example.com", "x")
    start_assisting(assisting, other)
    assert banner(Page(assisting.get("/").content)) == "nila@example.com"
    assert [e.action for e in AssistEvent.objects.order_by("pk")] == [
        "start-assist",
        "end-assist",
        "start-assist",
    ]


def test_customers_see_nothing_of_the_console(customer_client):
    assert customer_client.get("/staff/").status_code == 404
    assert b"/staff/" not in customer_client.get("/").content


def test_the_console_lists_what_the_staff_member_changed(assisting, demo):
    add_via_form(assisting, demo, "toor-dal-1kg", quantity=2)
    page = Page(assisting.get("/staff/").content)
    assert "Added Unpolished Toor Dal, 1 kg × 2" in page.html


def test_staff_share_the_customers_cart_and_it_is_emailed_to_them(assisting, shopper, demo):
    add_via_form(assisting, demo, "toor-dal-1kg", quantity=2)

    response = assisting.post("/cart/share/", headers=HTMX)

    page = Page(response.content)
    (shown,) = page.having("data-share-url")
    url = shown.attrs["data-share-url"]
    assert ("info", MSG_SHARE_EMAILED.format(email=shopper.email)) in page.alerts
    (email,) = mail.outbox
    assert email.to == [shopper.email] and url in email.body
    token = url.rstrip("/").rsplit("/", 1)[1]
    rows = list(AssistEvent.objects.order_by("pk").values_list("action", "summary", "details"))
    assert [a for a, _, _ in rows][-2:] == ["share-cart", "send-share-link"]
    assert token not in str(rows)
    # the customer owns the link: they see it on their own list, and can withdraw it
    assert Page(client_for(shopper).get("/cart/share/links/").content).forms("revoke-share-link")


def test_a_mail_server_that_fails_is_said_and_nothing_is_half_done(assisting, staff_client, monkeypatch):
    def broken(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("down")

    monkeypatch.setattr("carts.assist.send_mail", broken)
    response = assisting.post("/staff/confirm/send/", {"next": "/"})
    page = Page(assisting.get(response["Location"]).content)
    assert ("error", assist.MSG_EMAIL_FAILED) in page.alerts
    assert assist.CODE not in assisting.session
    assert not AssistEvent.objects.filter(action="send-code").exists()

    response = staff_client.post("/staff/customers/", {"name": "Nila K", "email": "nila@example.com"})
    page = cart_page(staff_client)
    assert ("warning", staff_views.MSG_CREATED_NO_EMAIL.format(email="nila@example.com")) in page.alerts
    assert banner(page) == "nila@example.com"
