"""The header's account links (issue 9, point 12): "My orders" when signed in; "Sign in" comes back
to the page it was pressed on (a `next=` checked before it is followed); the sign-in page offers
sign-up and a way back."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import DEMO_PASSWORD, SHOPPER_EMAIL
from tests.functional.pages import Page


def _links(page: Page, text: str) -> list[str]:
    return [e.attrs["href"] for e in page.elements if e.tag == "a" and e.content == text]


def test_a_signed_in_shopper_has_my_orders_in_the_header(signed_in_client):
    page = Page(signed_in_client.get("/products/").content)
    header = [e for e in page.elements if e.tag == "a" and e.inside("class") and e.content == "My orders"]
    assert [e.attrs["href"] for e in header] == ["/orders/"]
    assert not _links(page, "Sign in")


def test_a_guest_has_sign_in_and_no_my_orders(client, demo):
    page = Page(client.get("/products/").content)
    assert not _links(page, "My orders")
    assert _links(page, "Sign in") == ["/accounts/login/?next=%2Fproducts%2F"]


@pytest.mark.parametrize(
    "where", ["/products/cotton-kurta/", "/products/?q=kurta&category=fashion", "/cart/", "/vouchers/"]
)
def test_sign_in_returns_to_the_page_it_was_pressed_on(client, demo, where):
    (sign_in,) = _links(Page(client.get(where).content), "Sign in")
    assert parse_qs(urlsplit(sign_in).query)["next"] == [where]

    login_page = Page(client.get(sign_in).content)
    (form,) = [
        e
        for e in login_page.elements
        if e.tag == "form" and e.attrs.get("action", "").startswith("/accounts/login/")
    ]
    posted = client.post(
        form.attrs["action"], {"email": SHOPPER_EMAIL, "password": DEMO_PASSWORD, "next": where}
    )

    assert posted.status_code == 303 and posted["Location"] == where


def test_the_sign_in_page_offers_sign_up_and_back_to_where_the_shopper_was(client, demo):
    page = Page(client.get("/accounts/login/?next=/products/cotton-kurta/").content)
    assert _links(page, "Create an account") == ["/accounts/signup/?next=/products/cotton-kurta/"]
    assert _links(page, "← Back") == ["/products/cotton-kurta/"]


def test_the_sign_in_page_without_next_goes_back_to_the_shop(client, demo):
    page = Page(client.get("/accounts/login/").content)
    assert _links(page, "← Back to the shop") == ["/"]
    assert _links(page, "Create an account") == ["/accounts/signup/"]


@pytest.mark.parametrize("evil", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_a_next_to_another_site_is_never_offered_nor_followed(client, demo, evil):
    page = Page(client.get("/accounts/login/", {"next": evil}).content)
    assert _links(page, "← Back to the shop") == ["/"]
    assert evil not in page.html

    posted = client.post(
        "/accounts/login/", {"email": SHOPPER_EMAIL, "password": DEMO_PASSWORD, "next": evil}
    )
    assert posted.status_code == 303 and posted["Location"] == "/"


def test_sign_up_keeps_next_and_returns_there(client, demo):
    page = Page(client.get("/accounts/signup/?next=/cart/").content)
    assert [
        e.attrs["value"] for e in page.elements if e.tag == "input" and e.attrs.get("name") == "next"
    ] == ["/cart/"]
    # the header's (no way back to a sign-in page) and the page's own, which keeps where to go
    assert _links(page, "Sign in") == ["/accounts/login/", "/accounts/login/?next=/cart/"]
    posted = client.post(
        "/accounts/signup/",
        {"name": "Meera", "email": "meera@example.com", "password": "saffron-kite-42", "next": "/cart/"},
    )
    assert posted.status_code == 303 and posted["Location"] == "/cart/"
