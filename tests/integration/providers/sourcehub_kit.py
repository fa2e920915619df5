"""Fixtures and helpers shared by the SourceHub provider tests: an active account on the fake
SourceHub server, users whose email SourceHub knows, and a CartSession for each."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.cache import SessionStore

from carts.session import CartSession
from storefront.models import ProviderAccount
from storefront.providers import get_shop_provider
from storefront.providers.sourcehub.provider import SourceHubProvider
from tests.fakes.sourcehub_server import FakeSourceHub, start_fake_sourcehub

RAMESH = "ramesh@sharmakirana.example"  # customer 9, accepted, the seed's cart
NITA = "nita@patelwholesale.example"  # customer 12, accepted, 5 % discount
ARJUN = "arjun@raoprovisions.example"  # customer 15, pending approval
KIRAN = "kiran@dastraders.example"  # customer 16, rejected


@pytest.fixture
def fake_sh():
    server = start_fake_sourcehub()
    try:
        yield server
    finally:
        server.stop()
        assert server.errors == [], "the fake SourceHub had a bug:\n" + "\n".join(server.errors)


def make_account(fake: FakeSourceHub, *, token: str | None = None, name: str = "sh-fake") -> ProviderAccount:
    account = ProviderAccount(
        kind="sourcehub", name=name, base_url=f"{fake.base_url}/api", connect_timeout=0.5, read_timeout=1.0
    )
    account.set_credentials({"token": fake.token if token is None else token})
    account.save()
    account.activate()
    return account


@pytest.fixture
def account(fake_sh, db) -> ProviderAccount:
    return make_account(fake_sh)


@pytest.fixture
def provider(account) -> SourceHubProvider:
    found = get_shop_provider()
    assert isinstance(found, SourceHubProvider)
    found.client.backoff = 0.01  # keep 429 back-off tests quick
    return found


def user(email: str, password: str = "pw-wholesale-123"):
    return get_user_model().objects.create_user(
        username=email, email=email, password=password, first_name="Buyer"
    )


def session_for(the_user=None) -> CartSession:
    return CartSession(session=SessionStore(), user=the_user)
