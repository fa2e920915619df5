"""The order ledger and shopper links in admin: read-only attempts (never the guest token) with a
reconcile action, and links staff can set without ever seeing a token."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from storefront.models import OrderAttempt, ProviderAccount, ShopperLink
from storefront.providers import registry
from storefront.providers.base import Resolution

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    root = get_user_model().objects.create_superuser(
        username="ledger-root", email="ledger-root@example.in", password="admin-pass-123"
    )
    client.force_login(root)
    return client


@pytest.fixture
def account():
    return ProviderAccount.objects.create(kind="fynd", name="fynd-ledger")


def test_attempts_are_listed_read_only_without_the_guest_token(admin_client, account):
    attempt = OrderAttempt.objects.create(
        account=account,
        key_hash="a" * 64,
        reference="SFLEDGER01",
        state="unknown",
        guest_token="guest-secret",
    )

    listing = admin_client.get("/admin/storefront/orderattempt/")
    detail = admin_client.get(f"/admin/storefront/orderattempt/{attempt.pk}/change/")

    assert listing.status_code == 200 and b"SFLEDGER01" in listing.content
    assert detail.status_code == 200
    assert b"guest-secret" not in listing.content + detail.content
    assert admin_client.get("/admin/storefront/orderattempt/add/").status_code == 403


def test_the_reconcile_action_settles_an_unknown_attempt(admin_client, account, monkeypatch):
    attempt = OrderAttempt.objects.create(
        account=account, key_hash="c" * 64, reference="SFLEDGER02", state="unknown"
    )

    class Provider:
        capabilities = frozenset({"order_ledger"})

        @staticmethod
        def reconcile_order(row):
            return Resolution(True, upstream_id="FY123")

    monkeypatch.setattr(registry, "build", lambda account, role: Provider())
    response = admin_client.post(
        "/admin/storefront/orderattempt/",
        {"action": "reconcile", "_selected_action": [attempt.pk]},
        follow=True,
    )

    attempt.refresh_from_db()
    assert (attempt.state, attempt.upstream_id) == ("placed", "FY123")
    assert b"SFLEDGER02: Placed" in response.content


def test_staff_set_a_shopper_link_and_never_see_its_tokens(admin_client, account):
    shopper = get_user_model().objects.create_user(username="b2b@example.in", email="b2b@example.in")
    link = ShopperLink.objects.create(user=shopper, account=account, external_id="CUST-1")
    link.set_tokens({"access_token": "tok-very-secret"})
    link.save()

    page = admin_client.get(f"/admin/storefront/shopperlink/{link.pk}/change/")
    admin_client.post(
        f"/admin/storefront/shopperlink/{link.pk}/change/",
        {"user": shopper.pk, "account": account.pk, "external_id": "CUST-2", "approval": "approved"},
    )

    link.refresh_from_db()
    assert b"tok-very-secret" not in page.content and b"tokens" not in page.content
    assert (link.external_id, link.approval) == ("CUST-2", "approved")
    assert link.tokens == {"access_token": "tok-very-secret"}
