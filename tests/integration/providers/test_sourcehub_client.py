# ruff: noqa: F811 - pytest fixtures imported from sourcehub_kit are parameters here
"""The SourceHub client against the fake server: the bearer token, the envelope's typed errors, the
401 that is ours (never retried, staff told), the 429 back-off, and `provider test`."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from storefront.exceptions import MSG_AUTH, ProviderAuthError, ProviderRejected, ProviderUnavailable
from storefront.providers.sourcehub.client import RateLimited, SourceHubClient
from tests.fakes.sourcehub_server import SEED_CART, TOKEN

from .sourcehub_kit import account, fake_sh, make_account, provider  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(account) -> SourceHubClient:
    return SourceHubClient(account, backoff=0.01)


def test_every_call_carries_the_bearer_token_and_asks_for_json(client, fake_sh):
    client.cart("9")

    call = fake_sh.one("/api/carts", "GET")
    assert call.headers["authorization"] == f"Bearer {TOKEN}"
    assert call.headers["accept"] == "application/json"
    assert call.q() == {"customer_id": "9"}


def test_the_seed_cart_opens_to_its_data_with_decimal_money(client):
    data = client.cart("9")

    assert data["cart_total"] == 600 and data["items"][0]["product"]["hsn_code"] == "0902"
    assert data == SEED_CART["data"]


def test_a_token_with_stray_spaces_is_trimmed(fake_sh):
    spaced = make_account(fake_sh, token=f"  {TOKEN}\n", name="spaced")

    assert SourceHubClient(spaced).cart("9")["cart_item_count"] == 1


def test_a_wrong_token_is_our_configuration_never_retried_and_logged_for_staff(fake_sh, caplog):
    wrong = SourceHubClient(make_account(fake_sh, token="regenerated-old", name="wrong"))

    with (
        caplog.at_level(logging.ERROR, logger="storefront.providers.sourcehub"),
        pytest.raises(ProviderAuthError) as refused,
    ):
        wrong.cart("9")

    assert refused.value.user_message == MSG_AUTH  # the shopper's words: nothing about tokens
    assert refused.value.code == "AUTHENTICATION_ERROR"
    assert fake_sh.count("GET", "/api/carts") == 1  # never sent again
    assert "refused the token of provider account 'wrong'" in caplog.text
    assert "regenerated-old" not in caplog.text


def test_a_bad_request_is_a_refusal_with_sourcehubs_description(client):
    with pytest.raises(ProviderRejected) as refused:
        client.update_item("9", item_id="1", quantity=2)

    assert refused.value.code == "BAD_REQUEST_ERROR"
    assert refused.value.user_message == "Cart item not found."


def test_a_429_backs_off_and_goes_again(client, fake_sh):
    fake_sh.fault("/api/cart/update-item", "status", status=429)

    data = client.update_item("9", item_id="79532", quantity=4)

    assert data["cart_total"] == 800
    assert fake_sh.count("POST", "/api/cart/update-item") == 2


def test_a_429_that_lasts_is_rate_limited_and_nothing_was_done(client, fake_sh):
    fake_sh.fault("/api/orders/create", "status", status=429, times=5)

    with pytest.raises(RateLimited):
        client.create_order("9")

    assert fake_sh.count("POST", "/api/orders/create") == 3
    assert fake_sh.orders == []


def test_a_server_error_is_unavailable_and_a_post_is_sent_once(client, fake_sh):
    fake_sh.fault("/api/orders/create", "status", status=500)

    with pytest.raises(ProviderUnavailable):
        client.create_order("9")

    assert fake_sh.count("POST", "/api/orders/create") == 1


def test_a_read_that_fails_with_a_5xx_is_retried(client, fake_sh):
    fake_sh.fault("/api/products", "status", status=503)

    assert client.products(count=1)[0]["id"] == 4
    assert fake_sh.count("GET", "/api/products") == 2


def test_a_body_that_is_not_json_is_unavailable(client, fake_sh):
    fake_sh.fault("/api/carts", "malformed")

    with pytest.raises(ProviderUnavailable):
        client.cart("9")


def test_amounts_with_paise_arrive_as_decimal(client):
    parle = client.product("12")

    assert parle["productpricings"][1]["price"] == Decimal("899.5")


def test_provider_test_makes_one_cheap_call(account, fake_sh, capsys):
    call_command("provider", "test", account.name)

    assert "OK in" in capsys.readouterr().out
    assert fake_sh.api_calls() == [("GET", "/api/products")]
    assert fake_sh.calls[0].q() == {"count": "1", "skip": "0"}


def test_provider_test_reports_a_refused_token(fake_sh):
    make_account(fake_sh, token="nope", name="nope")

    with pytest.raises(CommandError, match="ProviderAuthError"):
        call_command("provider", "test", "nope")


def test_a_refused_token_shows_on_healthz_until_provider_test_passes(fake_sh, client):
    wrong = make_account(fake_sh, token="regenerated-old", name="wrong")
    with pytest.raises(ProviderAuthError):
        SourceHubClient(wrong).cart("9")

    assert Client().get("/healthz").json()["providers"]["wrong"]["credentials_refused"] is True

    wrong.set_credentials({"token": TOKEN})
    wrong.save()
    call_command("provider", "test", "wrong")
    assert "credentials_refused" not in Client().get("/healthz").json()["providers"]["wrong"]
