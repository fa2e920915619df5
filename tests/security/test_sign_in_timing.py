"""Finding 2 of issue 14: how long a failed sign-in takes must not tell an attacker whether the
email has an account. The work that takes the time is password hashing, so the tests count hash
computations (not wall-clock time, which a busy test machine blurs): exactly one per attempt for a
known email with a wrong password, an unknown email, and a known email with the right password."""

from __future__ import annotations

import html
from unittest import mock

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import get_hasher
from django.test import RequestFactory

from storefront.accounts import MSG_BAD_LOGIN
from tests.conftest import DEMO_PASSWORD, SHOPPER_EMAIL

pytestmark = pytest.mark.django_db


@pytest.fixture
def hashes():
    """Counts the password hashes the active hasher computes (verify and set both call encode)."""
    hasher = type(get_hasher())
    with mock.patch.object(hasher, "encode", autospec=True, side_effect=hasher.encode) as encode:
        yield encode


def _sign_in(client, email, password):
    return client.post("/accounts/login/", {"email": email, "password": password})


def test_a_known_email_with_a_wrong_password_hashes_once(client, demo, hashes):
    response = _sign_in(client, SHOPPER_EMAIL, "wrong-password-1")
    assert response.status_code == 400
    assert MSG_BAD_LOGIN in html.unescape(response.content.decode())
    assert hashes.call_count == 1


def test_an_unknown_email_hashes_once(client, demo, hashes):
    response = _sign_in(client, "nobody-here@example.com", "wrong-password-1")
    assert response.status_code == 400
    assert MSG_BAD_LOGIN in html.unescape(response.content.decode())
    assert hashes.call_count == 1


def test_known_and_unknown_emails_do_the_same_hashing_work(client, demo, hashes):
    _sign_in(client, SHOPPER_EMAIL, "wrong-password-1")
    known = hashes.call_count
    hashes.reset_mock()
    _sign_in(client, "nobody-here@example.com", "wrong-password-1")
    assert hashes.call_count == known == 1


def test_the_right_password_signs_in_with_one_hash(client, demo, hashes):
    response = _sign_in(client, SHOPPER_EMAIL, DEMO_PASSWORD)
    assert response.status_code == 303
    assert "_auth_user_id" in client.session
    assert hashes.call_count == 1


def test_the_backend_alone_hashes_once_either_way(demo, hashes):
    assert (
        authenticate(
            RequestFactory().post("/accounts/login/"),
            email=SHOPPER_EMAIL.upper(),
            password="wrong-password-1",
        )
        is None
    )
    assert hashes.call_count == 1
    hashes.reset_mock()
    assert (
        authenticate(
            RequestFactory().post("/accounts/login/"),
            email="nobody-here@example.com",
            password="wrong-password-1",
        )
        is None
    )
    assert hashes.call_count == 1
