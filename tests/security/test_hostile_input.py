"""Finding 3 of issue 14: hostile text never reaches the database. A NUL byte (PostgreSQL refuses
it: `DataError: … cannot contain NUL`) or another control character in a search, a path id or any
form field is stripped (query parameters), refused with a message on the field (forms) or answered
with a 404 (path ids) — never a 500. Runs on SQLite and PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from storefront.validators import MSG_CONTROL, MSG_EMAIL_TOO_LONG
from tests.conftest import DEMO_PASSWORD, HTMX, STAFF_EMAIL

pytestmark = pytest.mark.django_db

HOSTILE = ["\x00", "a\x00b", "\x01\x1b[2J", "x\x7fy"]


def _body(response) -> str:
    return response.content.decode(errors="replace")


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("param", ["q", "category"])
def test_product_search_strips_control_characters(client, demo, param, value):
    response = client.get("/products/", {param: value})
    assert response.status_code == 200
    assert "\x00" not in _body(response)


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("param", ["q", "category"])
def test_voucher_search_strips_control_characters(client, demo, param, value):
    response = client.get("/vouchers/", {param: value})
    assert response.status_code == 200


def test_a_search_with_a_stray_control_character_still_finds_products(client, demo):
    plain = client.get("/products/", {"q": "shirt"})
    stray = client.get("/products/", {"q": "sh\x00irt"})
    assert stray.status_code == 200
    assert _body(stray).count('data-product="') == _body(plain).count('data-product="')


@pytest.mark.parametrize(
    "path",
    [
        "/orders/%00/",
        "/orders/SF%001/",
        "/orders/%01/",
        "/vouchers/orders/%00/",
        "/vouchers/orders/SF%00/reveal/",
        "/vouchers/%00/",
        "/cart/shared/%00/",
    ],
)
def test_control_characters_in_a_path_id_are_a_404(signed_in_client, path):
    response = signed_in_client.get(path) if not path.endswith("reveal/") else signed_in_client.post(path)
    assert response.status_code == 404


# every storefront form, each text field with a NUL: (url, valid-looking data, signed in as)
FORMS = [
    ("/accounts/login/", {"email": "shopper@demo.local", "password": "x"}, None),
    ("/accounts/signup/", {"name": "Eve", "email": "eve@example.com", "password": "long-enough-9"}, None),
    ("/cart/add/", {"product": "p", "size": "m", "quantity": "1"}, "shopper"),
    ("/cart/buy-now/", {"product": "p", "size": "m", "quantity": "1"}, "shopper"),
    ("/cart/update/", {"line": "l", "quantity": "1", "size": "m"}, "shopper"),
    ("/cart/remove/", {"line": "l"}, "shopper"),
    ("/cart/check-delivery/", {"pincode": "560001"}, "shopper"),
    ("/cart/coupon/apply/", {"code": "SAVE10"}, "shopper"),
    ("/cart/coupon/remove/", {"code": "SAVE10"}, "shopper"),
    ("/cart/gift-card/apply/", {"code": "GC1", "pin": "1234"}, "shopper"),
    ("/cart/gift-card/remove/", {"code": "GC1"}, "shopper"),
    (
        "/cart/meta/",
        {
            "gift_message": "hi",
            "gstin": "",
            "business_name": "b",
            "comment": "c",
            "pickup_store": "",
            "pickup_name": "",
            "pickup_phone": "",
        },
        "shopper",
    ),
    (
        "/cart/address/",
        {
            "name": "A",
            "phone": "9876543210",
            "line1": "1 St",
            "line2": "",
            "city": "Pune",
            "state": "MH",
            "pincode": "411001",
            "country": "India",
        },
        "shopper",
    ),
    ("/cart/address/select/", {"address": "1", "role": "shipping"}, "shopper"),
    ("/checkout/place/", {"idempotency_key": "k", "payment_mode": "COD", "email": "a@b.co"}, "shopper"),
    ("/staff/", {"q": "shopper"}, "staff"),
    ("/staff/customers/", {"name": "New", "email": "new@example.com", "phone": "9876543210"}, "staff"),
    ("/staff/confirm/", {"code": "123456"}, "staff"),
    (
        "/vouchers/cart/add/",
        {"product": "booknook", "config": "booknook-500", "quantity": "1", "amount": ""},
        "shopper",
    ),
    ("/vouchers/cart/update/", {"product": "booknook", "config": "booknook-500", "quantity": "1"}, "shopper"),
    ("/vouchers/cart/remove/", {"product": "booknook", "config": "booknook-500"}, "shopper"),
    ("/vouchers/cart/place-order/", {"idempotency_key": "k"}, "shopper"),
]
CASES = [
    pytest.param(url, data, who, field, id=f"{url}:{field}") for url, data, who in FORMS for field in data
]


@pytest.fixture
def as_user(client, demo):
    def sign_in(who):
        if who == "shopper":
            user = get_user_model().objects.get(email="shopper@demo.local")
            client.force_login(user, backend="storefront.accounts.EmailBackend")
        elif who == "staff":
            user = get_user_model().objects.get(email=STAFF_EMAIL)
            client.force_login(user, backend="storefront.accounts.EmailBackend")
        return client

    return sign_in


@pytest.mark.parametrize(("url", "data", "who", "field"), CASES)
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_nul_byte_in_any_form_field_is_never_a_500(as_user, url, data, who, field, htmx):
    client = as_user(who)
    hostile = {**data, field: f"{data[field]}\x00"}
    if url == "/staff/":
        response = client.get(url, hostile, headers=HTMX if htmx else None)
    else:
        response = client.post(url, hostile, headers=HTMX if htmx else None)
    assert response.status_code < 500, _body(response)[:500]


@pytest.mark.parametrize("value", ["Eve\x00", "Eve\x01", "Eve\x1b"])
def test_sign_up_with_a_control_character_in_the_name_says_so(client, demo, value):
    data = {"name": value, "email": "eve@example.com", "password": "long-enough-9"}
    response = client.post("/accounts/signup/", data)
    assert response.status_code == 400
    assert MSG_CONTROL in _body(response)
    assert not get_user_model().objects.filter(email="eve@example.com").exists()


def test_sign_in_with_a_nul_in_the_email_says_so(client, demo):
    response = client.post("/accounts/login/", {"email": "shopper@demo.local\x00", "password": DEMO_PASSWORD})
    assert response.status_code == 400
    assert MSG_CONTROL in _body(response)
    assert "_auth_user_id" not in client.session


def test_a_coupon_code_with_a_control_character_is_refused_with_the_message(signed_in_client):
    response = signed_in_client.post("/cart/coupon/apply/", {"code": "SAVE\x0010"}, headers=HTMX)
    assert response.status_code < 500
    assert MSG_CONTROL in _body(response)


@pytest.mark.parametrize("length", [151, 200, 254])
def test_sign_up_with_an_email_longer_than_the_username_is_a_form_error(client, demo, length):
    email = "a" * (length - len("@example.com")) + "@example.com"
    assert len(email) == length
    response = client.post("/accounts/signup/", {"name": "Long", "email": email, "password": "long-enough-9"})
    assert response.status_code == 400
    assert MSG_EMAIL_TOO_LONG in _body(response)
    assert not get_user_model().objects.filter(email=email).exists()


def test_sign_up_with_an_email_of_exactly_150_characters_works(client, demo):
    email = "a" * (150 - len("@example.com")) + "@example.com"
    response = client.post("/accounts/signup/", {"name": "Long", "email": email, "password": "long-enough-9"})
    assert response.status_code == 303
    assert get_user_model().objects.filter(username=email).exists()


def test_staff_creating_a_customer_with_an_over_long_email_get_the_reason(as_user):
    client = as_user("staff")
    email = "a" * 190 + "@example.com"
    response = client.post("/staff/customers/", {"name": "Long", "email": email, "phone": ""}, follow=True)
    assert response.status_code < 500
    assert MSG_EMAIL_TOO_LONG in _body(response)
    assert not get_user_model().objects.filter(email=email).exists()
