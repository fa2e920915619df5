"""Sign up, sign in (with the cart merge), sign out."""

import html

import pytest
from django.contrib.auth import get_user_model

from carts.services import MSG_MERGE_ADJUSTED, MSG_MERGED
from storefront.accounts import (
    MSG_ALREADY_SIGNED_IN,
    MSG_BAD_LOGIN,
    MSG_EMAIL_TAKEN,
    MSG_SIGNED_OUT,
    MSG_SIGNED_UP,
    MSG_WELCOME,
)
from tests.conftest import DEMO_PASSWORD, SHOPPER_EMAIL
from tests.factories import add
from tests.functional.pages import Page, add_via_form, cart_page, follow


def _login(client, email=SHOPPER_EMAIL, password=DEMO_PASSWORD, **extra):
    return client.post("/accounts/login/", {"email": email, "password": password, **extra})


def test_signup_creates_the_account_and_signs_in(client, demo):
    response = client.post(
        "/accounts/signup/", {"name": "Meera", "email": "Meera@Example.com", "password": "saffron-kite-42"}
    )

    page = follow(client, response, to="/")
    assert ("success", MSG_SIGNED_UP.format(name="Meera")) in page.alerts
    assert "Hi, Meera" in page.html
    user = get_user_model().objects.get(email="meera@example.com")
    assert user.check_password("saffron-kite-42")
    # and the new password signs in from another browser
    other = type(client)()
    assert _login(other, "meera@example.com", "saffron-kite-42").status_code == 303


def test_signup_keeps_the_cart_built_before(client, demo):
    add_via_form(client, demo, "toor-dal-1kg", quantity=2)

    client.post(
        "/accounts/signup/", {"name": "Meera", "email": "meera@example.com", "password": "saffron-kite-42"}
    )

    assert list(cart_page(client).line_quantities.values()) == [2]


def test_signup_with_a_taken_email_says_so(client, demo):
    response = client.post(
        "/accounts/signup/", {"name": "Asha", "email": "SHOPPER@demo.local", "password": "saffron-kite-42"}
    )

    assert response.status_code == 400
    assert MSG_EMAIL_TAKEN in response.content.decode()
    assert get_user_model().objects.filter(email__iexact=SHOPPER_EMAIL).count() == 1


@pytest.mark.parametrize("password", ["short", "12345678901", "password123"])
def test_signup_refuses_a_weak_password(client, demo, password):
    response = client.post(
        "/accounts/signup/", {"name": "Meera", "email": "meera@example.com", "password": password}
    )

    assert response.status_code == 400
    assert [level for level, _ in Page(response.content).alerts] == ["error"]
    assert not get_user_model().objects.filter(email="meera@example.com").exists()


def test_signup_page_renders(client, db):
    response = client.get("/accounts/signup/")

    assert response.status_code == 200
    assert 'name="email"' in response.content.decode()


def test_a_signed_in_customer_is_not_offered_a_second_account(client, demo):
    _login(client)

    response = client.get("/accounts/signup/?next=/cart/")

    assert response.status_code == 303 and response["Location"] == "/cart/"
    page = follow(client, response, to="/cart/")
    assert ("info", MSG_ALREADY_SIGNED_IN.format(email=SHOPPER_EMAIL)) in page.alerts


def test_login_with_email_and_password_signs_in(client, demo):
    page = follow(client, _login(client, email="Shopper@Demo.Local"), to="/")

    assert ("success", MSG_WELCOME.format(name="Asha")) in page.alerts
    assert "Hi, Asha" in page.html


def test_login_follows_a_safe_next(client, demo):
    assert _login(client, next="/cart/")["Location"] == "/cart/"
    client.logout()
    assert _login(client, next="https://evil.example/")["Location"] == "/"


def test_wrong_password_is_refused_with_a_message(client, demo):
    response = _login(client, password="not-the-password")

    assert response.status_code == 400
    assert Page(response.content).alerts == [("error", MSG_BAD_LOGIN)]
    assert html.unescape(response.content.decode()).count(MSG_BAD_LOGIN) == 1  # said once
    assert "_auth_user_id" not in client.session


def test_login_merges_the_cart_and_says_so(client, demo, shopper_cs):
    # given the customer has 3 × dal from another device
    add(shopper_cs, demo, "toor-dal-1kg", quantity=3)
    # and this browser, signed out, has 2 × dal and a kurta
    add_via_form(client, demo, "toor-dal-1kg", quantity=2)
    add_via_form(client, demo, "cotton-kurta", label="M")

    # when they sign in
    page = follow(client, _login(client), to="/")

    # then the merge message shows, and the cart holds both carts' items
    assert ("info", MSG_MERGED.format(items="2 items")) in page.alerts
    assert page.cart_count == 6
    assert sorted(cart_page(client).line_quantities.values()) == [1, 5]


def test_login_merge_reports_adjusted_quantities(client, demo, shopper_cs):
    add(shopper_cs, demo, "basmati-rice-5kg", quantity=4)  # at most 5 per order
    add_via_form(client, demo, "basmati-rice-5kg", quantity=3)

    page = follow(client, _login(client), to="/")

    ((level, text),) = [(lvl, t) for lvl, t in page.alerts if t.startswith(MSG_MERGED.format(items="1 item"))]
    assert level == "info"
    assert MSG_MERGE_ADJUSTED.split("{")[0] in text
    assert "5 instead of 7" in text
    assert list(cart_page(client).line_quantities.values()) == [5]


def test_the_anonymous_cart_is_not_reachable_after_signing_in_and_out(client, demo):
    add_via_form(client, demo, "toor-dal-1kg", quantity=2)
    _login(client)

    page = follow(client, client.post("/accounts/logout/"), to="/")

    assert ("info", MSG_SIGNED_OUT) in page.alerts
    assert page.cart_count == 0
    assert cart_page(client).line_ids == []


def test_login_without_an_anonymous_cart_shows_no_merge_message(client, demo):
    page = follow(client, _login(client), to="/")

    assert not any(text.startswith(MSG_MERGED.split("{")[0]) for _, text in page.alerts)


def test_logout_needs_a_post(client, demo):
    assert client.get("/accounts/logout/").status_code == 405
