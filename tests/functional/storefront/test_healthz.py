"""/healthz reports the app and the database apart from each active provider's state, read from its
circuit breaker (no upstream call); staff see the same state in admin and can close a breaker."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse

from storefront.breaker import Breaker, Ticket
from storefront.models import ProviderAccount

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_accounts():
    ProviderAccount.objects.all().delete()


@pytest.fixture
def fynd() -> ProviderAccount:
    account = ProviderAccount(kind="fynd", name="fynd-main", base_url="https://api.fynd.example")
    account.set_credentials({"application_id": "app-1", "application_token": "tok-1"})
    account.save()
    account.activate()
    return account


def fail(account, times):
    breaker = Breaker.for_account(account)
    for _ in range(times):
        breaker.failure(Ticket())
    return breaker


def health(client) -> dict:
    response = client.get("/healthz")
    assert response.status_code == 200
    return response.json()


def test_with_no_account_the_embedded_store_serves_and_all_is_ok(client):
    assert health(client) == {
        "status": "ok",
        "app": "ok",
        "database": "ok",
        "providers": {
            "local": {"kind": "local", "roles": ["shop", "vouchers"], "state": "ok", "breaker": "none"}
        },
    }


def test_a_remote_provider_that_answers_is_ok(client, fynd):
    body = health(client)

    assert body["status"] == "ok"
    assert body["providers"]["fynd-main"] == {
        "kind": "fynd",
        "roles": ["shop"],
        "state": "ok",
        "breaker": "closed",
        "consecutive_failures": 0,
        "retry_in_seconds": 0.0,
        "serving_stale": False,
    }
    assert body["providers"]["local"]["roles"] == ["vouchers"]


@override_settings(PROVIDER_BREAKER_FAILURES=5)
def test_a_provider_failing_is_degraded_and_an_open_breaker_is_down_yet_the_app_answers_200(client, fynd):
    fail(fynd, 2)
    body = health(client)
    assert (body["status"], body["providers"]["fynd-main"]["state"]) == ("degraded", "degraded")
    assert body["providers"]["fynd-main"]["consecutive_failures"] == 2

    fail(fynd, 3)
    body = health(client)

    assert (body["status"], body["app"], body["database"]) == ("down", "ok", "ok")
    provider = body["providers"]["fynd-main"]
    assert (provider["state"], provider["breaker"]) == ("down", "open")
    assert 0 < provider["retry_in_seconds"] <= 30


@override_settings(PROVIDER_BREAKER_FAILURES=2, PROVIDER_BREAKER_COOLDOWN=0)
def test_once_the_cool_down_is_over_it_is_degraded_until_the_probe_answers(client, fynd):
    fail(fynd, 2)

    provider = health(client)["providers"]["fynd-main"]

    assert (provider["state"], provider["breaker"]) == ("degraded", "half-open")


# --------------------------------------------------------------------------- admin


@pytest.fixture
def admin_client(client):
    root = get_user_model().objects.create_superuser(
        username="root-breaker", email="root-breaker@example.in", password="admin-pass-123"
    )
    client.force_login(root)
    return client


@override_settings(PROVIDER_BREAKER_FAILURES=3)
def test_staff_see_the_breaker_in_the_account_list_and_page(admin_client, fynd):
    fail(fynd, 3)

    listing = admin_client.get(reverse("admin:storefront_provideraccount_changelist")).content.decode()
    page = admin_client.get(
        reverse("admin:storefront_provideraccount_change", args=[fynd.pk])
    ).content.decode()

    assert "circuit breaker" in listing.lower()
    assert "open: calls fail fast for" in listing
    assert "open: calls fail fast for" in page


@override_settings(PROVIDER_BREAKER_FAILURES=3)
def test_staff_can_close_a_breaker_from_the_list(admin_client, fynd):
    breaker = fail(fynd, 3)

    response = admin_client.post(
        reverse("admin:storefront_provideraccount_changelist"),
        {"action": "close_breaker", "_selected_action": [fynd.pk]},
        follow=True,
    )

    assert "Fynd-main: circuit breaker closed" in response.content.decode()
    assert breaker.status().state == "closed"
