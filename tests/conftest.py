"""Shared fixtures: the demo store, shoppers' cart sessions and HTTP clients."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.cache import SessionStore
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from carts.session import CartSession
from storefront.providers import registry
from storefront.providers.local import models as m
from tests import factories

DEMO_PASSWORD = "demo-pass-123"
SHOPPER_EMAIL = "shopper@demo.local"
STAFF_EMAIL = "staff@demo.local"
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Each test starts with no cached pincode, active account or provider instance."""
    cache.clear()
    registry.reset()
    yield
    cache.clear()
    registry.reset()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Seed the demo store once per test database; each test's transaction rolls its changes back."""
    with django_db_blocker.unblock():
        call_command("seed_demo", stdout=StringIO())


@pytest.fixture
def demo(db) -> factories.Shop:
    """The demo store as `manage.py seed_demo` loads it (seeded again if a transactional test
    flushed the database)."""
    if not m.Product.objects.exists():
        call_command("seed_demo", stdout=StringIO())
    return factories.Shop()


@pytest.fixture
def shopper(demo):
    return get_user_model().objects.get(email=SHOPPER_EMAIL)


@pytest.fixture
def cs(demo) -> CartSession:
    """An anonymous shopper's cart session (a fresh browser)."""
    return CartSession(session=SessionStore())


@pytest.fixture
def shopper_cs(shopper) -> CartSession:
    """The signed-in demo shopper's cart session."""
    return CartSession(session=SessionStore(), user=shopper)


@pytest.fixture
def csrf_client(demo) -> Client:
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def signed_in_client(client, shopper) -> Client:
    client.force_login(shopper, backend="storefront.accounts.EmailBackend")
    return client


def pytest_configure(config):
    # the test settings serve static files from the finders; collectstatic has not run
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")
