"""PROVIDER_CONNECT_TIMEOUT / PROVIDER_READ_TIMEOUT are the defaults of a new provider account
(admin, `manage.py provider add`); an account's own timeouts override them, and its HTTP client
uses the account's."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from storefront.models import ProviderAccount
from storefront.providers.fynd.client import FyndClient

pytestmark = pytest.mark.django_db

SETTINGS = {"PROVIDER_TIMEOUT": (1.5, 4.0)}


def add_fynd(name: str, *extra: str) -> ProviderAccount:
    call_command(
        "provider", "add", "--kind", "fynd", "--name", name, "--base-url", "https://api.fynd.example",
        "--set", "application_id=app-1", "--set", "application_token=tok-1", *extra,
    )  # fmt: skip
    return ProviderAccount.objects.get(name=name)


@override_settings(**SETTINGS)
def test_a_new_account_takes_the_timeouts_from_settings():
    account = ProviderAccount(kind="fynd", name="fynd-new")

    assert (account.connect_timeout, account.read_timeout) == (1.5, 4.0)


@override_settings(**SETTINGS)
def test_provider_add_uses_the_settings_unless_told_otherwise(capsys):
    plain = add_fynd("fynd-plain")
    own = add_fynd("fynd-own", "--read-timeout", "7", "--connect-timeout", "2")

    assert (plain.connect_timeout, plain.read_timeout) == (1.5, 4.0)
    assert (own.connect_timeout, own.read_timeout) == (2.0, 7.0)


def test_an_existing_account_keeps_its_own_timeouts_when_the_settings_change(capsys):
    account = add_fynd("fynd-kept", "--read-timeout", "6")

    with override_settings(**SETTINGS):
        account.refresh_from_db()
        add_fynd("fynd-kept")  # updating it from the shell changes nothing it was not told
        account.refresh_from_db()

    assert account.read_timeout == 6.0


@override_settings(**SETTINGS)
def test_the_admin_add_form_offers_the_settings(client):
    root = get_user_model().objects.create_superuser(
        username="root-timeouts", email="root-timeouts@example.in", password="admin-pass-123"
    )
    client.force_login(root)

    html = client.get(reverse("admin:storefront_provideraccount_add")).content.decode()

    assert 'name="connect_timeout" value="1.5"' in html
    assert 'name="read_timeout" value="4.0"' in html


@override_settings(**SETTINGS)
def test_the_client_uses_the_accounts_timeouts(capsys):
    account = add_fynd("fynd-client", "--read-timeout", "9")

    assert FyndClient(account).http.timeout == (1.5, 9.0)
