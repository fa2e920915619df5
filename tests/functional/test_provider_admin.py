"""The Django admin for ProviderAccount: credentials are write-only, and only staff with
storefront.manage_providers can see the accounts at all."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from storefront.models import PUBLIC_KEYS, ProviderAccount

pytestmark = pytest.mark.django_db

ADD_URL = "admin:storefront_provideraccount_add"
CHANGE_URL = "admin:storefront_provideraccount_change"
LIST_URL = "admin:storefront_provideraccount_changelist"

# random-looking so that no 6-character piece of them occurs in ordinary admin HTML
FYND_TOKEN = "Zr8Fk2Lw9Bq3vJ6hXY"
ENKASH_SECRET = "Hq4Tn7Wc2Pz9Kd5QZ"
ENKASH_PASSWORD = "mV3xR8bN6yG1"


@pytest.fixture(autouse=True)
def no_provider_accounts(db):
    """Start from an empty ProviderAccount table, whatever the test database was seeded with."""
    ProviderAccount.objects.all().delete()


@pytest.fixture
def superuser():
    return get_user_model().objects.create_superuser(
        username="provider-root", email="provider-root@example.in", password="admin-pass-123"
    )


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def staff_user(*, with_permission: bool):
    user = get_user_model().objects.create_user(
        username="provider-staff",
        email="provider-staff@example.in",
        password="staff-pass-123",
        is_staff=True,
    )
    if with_permission:
        user.user_permissions.add(Permission.objects.get(codename="manage_providers"))
    return user


@pytest.fixture
def fynd_account():
    account = ProviderAccount(kind="fynd", name="fynd-main", base_url="https://api.fynd.example")
    account.set_credentials({"application_id": "app-PUBLIC-1001", "application_token": FYND_TOKEN})
    account.save()
    return account


@pytest.fixture
def enkash_account():
    account = ProviderAccount(kind="enkash", name="enkash-main", base_url="https://api.enkash.example")
    account.set_credentials(
        {
            "client_id": "cid-PUBLIC-77",
            "client_secret": ENKASH_SECRET,
            "username": "ops@example.in",
            "password": ENKASH_PASSWORD,
        }
    )
    account.save()
    return account


def form_data(account: ProviderAccount | None = None, **overrides) -> dict[str, str]:
    data = {
        "kind": account.kind if account else "fynd",
        "name": account.name if account else "fynd-new",
        "base_url": account.base_url if account else "https://api.fynd.example",
        "connect_timeout": "3.05",
        "read_timeout": "10",
        "_save": "Save",
    }
    if account:
        data.update({k: v for k, v in account.credentials.items() if k in PUBLIC_KEYS})  # as rendered
    data.update(overrides)
    return data


def input_tag(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert match, f"no input named {name}"
    return match.group(0)


# --------------------------------------------------------------------------- signing in


def test_a_superuser_signs_in_to_the_admin_with_email_and_password(client, superuser):
    response = client.post(
        reverse("admin:login"),
        {"username": "provider-root@example.in", "password": "admin-pass-123", "next": reverse(LIST_URL)},
    )

    assert response.status_code == 302
    assert client.get(reverse(LIST_URL)).status_code == 200


# --------------------------------------------------------------------------- secrets are write-only


def test_the_add_form_renders_secret_fields_empty(admin_client):
    html = admin_client.get(reverse(ADD_URL)).content.decode()

    for name in ("application_token", "api_key", "token", "client_secret", "password"):
        tag = input_tag(html, name)
        assert 'type="password"' in tag
        assert "value=" not in tag
    assert 'type="text"' in input_tag(html, "application_id")


def test_the_change_page_never_shows_a_stored_secret(admin_client, enkash_account, fynd_account):
    for account, secrets in (
        (enkash_account, (ENKASH_SECRET, ENKASH_PASSWORD)),
        (fynd_account, (FYND_TOKEN,)),
    ):
        response = admin_client.get(reverse(CHANGE_URL, args=[account.pk]))
        assert response.status_code == 200
        html = response.content.decode()

        for secret in secrets:
            assert secret not in html
            assert secret[:-2] not in html
            for start in range(len(secret) - 7):
                assert secret[start : start + 6] not in html, "part of a stored secret is on the page"
        assert account.credentials_encrypted not in html
        for name in ("client_secret", "password", "application_token"):
            assert "value=" not in input_tag(html, name)


def test_the_change_page_shows_public_ids_and_which_secrets_are_stored(admin_client, enkash_account):
    html = admin_client.get(reverse(CHANGE_URL, args=[enkash_account.pk])).content.decode()

    assert 'value="cid-PUBLIC-77"' in input_tag(html, "client_id")
    assert 'value="ops@example.in"' in input_tag(html, "username")
    assert "stored — leave empty to keep" in html
    assert "client_secret=••••••••QZ" in html  # masked: only the last two characters


def test_the_list_page_shows_no_secrets(admin_client, enkash_account, fynd_account):
    html = admin_client.get(reverse(LIST_URL)).content.decode()

    assert "fynd-main" in html and "enkash-main" in html
    for secret in (FYND_TOKEN, ENKASH_SECRET, ENKASH_PASSWORD):
        assert secret[:-2] not in html


# --------------------------------------------------------------------------- saving


def test_saving_with_empty_secret_fields_keeps_the_stored_values(admin_client, enkash_account):
    response = admin_client.post(
        reverse(CHANGE_URL, args=[enkash_account.pk]),
        form_data(enkash_account, client_secret="", password="", read_timeout="4"),
    )

    assert response.status_code == 302
    enkash_account.refresh_from_db()
    assert enkash_account.read_timeout == 4
    assert enkash_account.credentials == {
        "client_id": "cid-PUBLIC-77",
        "client_secret": ENKASH_SECRET,
        "username": "ops@example.in",
        "password": ENKASH_PASSWORD,
    }


def test_saving_a_new_secret_replaces_only_that_one(admin_client, enkash_account):
    response = admin_client.post(
        reverse(CHANGE_URL, args=[enkash_account.pk]),
        form_data(enkash_account, client_secret="cs-ROTATED-2026"),
    )

    assert response.status_code == 302
    credentials = ProviderAccount.objects.get(pk=enkash_account.pk).credentials
    assert credentials["client_secret"] == "cs-ROTATED-2026"
    assert credentials["password"] == ENKASH_PASSWORD


def test_changing_a_public_id_saves_it(admin_client, fynd_account):
    admin_client.post(
        reverse(CHANGE_URL, args=[fynd_account.pk]), form_data(fynd_account, application_id="app-PUBLIC-2002")
    )

    credentials = ProviderAccount.objects.get(pk=fynd_account.pk).credentials
    assert credentials == {"application_id": "app-PUBLIC-2002", "application_token": FYND_TOKEN}


def test_adding_an_account_encrypts_its_credentials(admin_client):
    response = admin_client.post(
        reverse(ADD_URL),
        form_data(application_id="app-PUBLIC-3003", application_token="tok-NEW-SECRET-99"),
    )

    assert response.status_code == 302
    account = ProviderAccount.objects.get(name="fynd-new")
    assert account.credentials == {
        "application_id": "app-PUBLIC-3003",
        "application_token": "tok-NEW-SECRET-99",
    }
    assert "tok-NEW-SECRET-99" not in account.credentials_encrypted


def test_a_required_key_missing_for_the_kind_is_a_form_error(admin_client):
    response = admin_client.post(reverse(ADD_URL), form_data(application_id="app-PUBLIC-3003"))

    assert response.status_code == 200
    assert "Required for this kind: application_token" in response.content.decode()
    assert not ProviderAccount.objects.filter(name="fynd-new").exists()


def test_changing_kind_requires_that_kinds_keys(admin_client, fynd_account):
    response = admin_client.post(
        reverse(CHANGE_URL, args=[fynd_account.pk]), form_data(fynd_account, kind="commerce_engine")
    )

    assert response.status_code == 200
    assert "Required for this kind: store_id, api_key" in response.content.decode()
    assert ProviderAccount.objects.get(pk=fynd_account.pk).kind == "fynd"


def test_a_remote_provider_needs_a_base_url(admin_client):
    response = admin_client.post(
        reverse(ADD_URL), form_data(base_url="", application_id="a", application_token="tok-x")
    )

    assert response.status_code == 200
    assert "Required for remote providers." in response.content.decode()


def test_a_local_account_needs_no_credentials(admin_client):
    response = admin_client.post(reverse(ADD_URL), form_data(kind="local", name="demo", base_url=""))

    assert response.status_code == 302
    assert ProviderAccount.objects.get(name="demo").credentials == {}


def test_clear_credentials_drops_the_stored_ones(admin_client, fynd_account):
    response = admin_client.post(
        reverse(CHANGE_URL, args=[fynd_account.pk]),
        form_data(fynd_account, kind="local", base_url="", application_id="", clear_credentials="on"),
    )

    assert response.status_code == 302
    assert ProviderAccount.objects.get(pk=fynd_account.pk).credentials == {}


def test_the_activate_action_makes_the_account_active(admin_client):
    first = ProviderAccount.objects.create(kind="local", name="demo-1", active_for_shop=True)
    second = ProviderAccount.objects.create(kind="local", name="demo-2")

    response = admin_client.post(
        reverse(LIST_URL), {"action": "activate", "_selected_action": [second.pk]}, follow=True
    )

    assert "Demo-2 is active for shop, vouchers" in response.content.decode()
    second.refresh_from_db()
    first.refresh_from_db()
    assert (second.active_for_shop, second.active_for_vouchers) == (True, True)
    assert not first.active_for_shop


def test_an_account_unreadable_with_the_current_key_still_opens(admin_client, fynd_account, settings):
    settings.CREDENTIALS_KEY = ["some-unrelated-key"]

    response = admin_client.get(reverse(CHANGE_URL, args=[fynd_account.pk]))

    assert response.status_code == 200
    assert "unreadable with the current CREDENTIALS_KEY" in response.content.decode()


# --------------------------------------------------------------------------- permissions


def test_staff_without_the_permission_cannot_see_provider_accounts(client, fynd_account):
    client.force_login(staff_user(with_permission=False))

    index = client.get(reverse("admin:index"))
    assert reverse(LIST_URL) not in index.content.decode()
    assert client.get(reverse(LIST_URL)).status_code == 403
    assert client.get(reverse(CHANGE_URL, args=[fynd_account.pk])).status_code == 403
    assert client.get(reverse(ADD_URL)).status_code == 403
    response = client.post(
        reverse(CHANGE_URL, args=[fynd_account.pk]), form_data(fynd_account, application_token="tok-EVIL")
    )
    assert response.status_code == 403
    assert ProviderAccount.objects.get(pk=fynd_account.pk).credentials["application_token"] == FYND_TOKEN


def test_staff_with_the_permission_can_manage_provider_accounts(client, fynd_account):
    client.force_login(staff_user(with_permission=True))

    assert reverse(LIST_URL) in client.get(reverse("admin:index")).content.decode()
    assert client.get(reverse(LIST_URL)).status_code == 200
    assert client.get(reverse(CHANGE_URL, args=[fynd_account.pk])).status_code == 200
    response = client.post(
        reverse(CHANGE_URL, args=[fynd_account.pk]), form_data(fynd_account, application_token="tok-NEW-77")
    )
    assert response.status_code == 302
    assert ProviderAccount.objects.get(pk=fynd_account.pk).credentials["application_token"] == "tok-NEW-77"
